package feed

import (
	"encoding/xml"
	"strings"
	"time"
)

// SitemapURL is one page of a sitemap with its language versions.
type SitemapURL struct {
	Loc        string
	LastMod    time.Time
	Alternates []Alternate
}

// Alternate is a language version of a page.
type Alternate struct {
	Lang string
	Href string
}

type smURLSet struct {
	XMLName xml.Name `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	XHTML   string   `xml:"xmlns:xhtml,attr"`
	URLs    []smURL  `xml:"url"`
}

type smURL struct {
	Loc     string   `xml:"loc"`
	LastMod string   `xml:"lastmod,omitempty"`
	Links   []smLink `xml:"xhtml:link"`
}

type smLink struct {
	Rel      string `xml:"rel,attr"`
	HrefLang string `xml:"hreflang,attr"`
	Href     string `xml:"href,attr"`
}

// MaxSitemapURLs is the most URLs one sitemap may list.
const MaxSitemapURLs = 50000

// Sitemap returns a sitemaps.org document listing urls, with xhtml:link
// alternates for pages that exist in several languages. It lists at most
// MaxSitemapURLs.
func Sitemap(urls []SitemapURL) ([]byte, error) {
	set := smURLSet{XHTML: "http://www.w3.org/1999/xhtml"}
	for i, u := range urls {
		if i == MaxSitemapURLs {
			break
		}
		su := smURL{Loc: u.Loc}
		if !u.LastMod.IsZero() {
			su.LastMod = rfc3339(u.LastMod)
		}
		for _, a := range u.Alternates {
			su.Links = append(su.Links, smLink{Rel: "alternate", HrefLang: a.Lang, Href: a.Href})
		}
		set.URLs = append(set.URLs, su)
	}
	return marshalXML(set)
}

// Robots returns a robots.txt that allows every crawler everywhere except
// under the disallowed path prefixes, and names the sitemaps.
func Robots(sitemaps []string, disallow ...string) []byte {
	var b strings.Builder
	b.WriteString("User-agent: *\n")
	if len(disallow) == 0 {
		b.WriteString("Disallow:\n")
	}
	for _, d := range disallow {
		b.WriteString("Disallow: " + d + "\n")
	}
	for _, s := range sitemaps {
		b.WriteString("\nSitemap: " + s)
	}
	if len(sitemaps) > 0 {
		b.WriteByte('\n')
	}
	return []byte(b.String())
}
