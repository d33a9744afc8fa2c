// Package feed writes syndication documents for a site: Atom 1.0, RSS 2.0,
// JSON Feed 1.1, sitemap.xml and robots.txt.
//
// The package knows nothing about HTTP or storage: callers build a Feed
// with absolute URLs and get bytes back. Items carry the summary of an
// entry (listings never carry bodies), its withdrawal notice and its public
// change notes, so that readers see corrections as they happen.
package feed

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"html/template"
	"strconv"
	"strings"
	"time"
)

// Media types of the documents this package writes.
const (
	AtomType = "application/atom+xml; charset=utf-8"
	RSSType  = "application/rss+xml; charset=utf-8"
	JSONType = "application/feed+json; charset=utf-8"
	XMLType  = "application/xml; charset=utf-8"
	TextType = "text/plain; charset=utf-8"
)

// Feed is one feed: a site, or one type or tag of a site.
type Feed struct {
	Title       string
	Description string
	Lang        string    // BCP 47 tag of the site's default language
	HomeURL     string    // absolute URL of the HTML page the feed mirrors
	SelfURL     string    // absolute URL of this feed document
	Author      string    // the publisher
	Updated     time.Time // newest change of any item, or the site's update
	// Archived marks the feed of an archived site, archived at ArchivedAt
	// (may be zero). Notice says so to readers: it opens the feed's
	// subtitle (Atom) or description (RSS, JSON Feed), and JSON Feed also
	// carries it as data in "_infocentre".
	Archived   bool
	ArchivedAt time.Time
	Notice     string
	Items      []Item
}

// description returns the feed's description, led by its notice.
func (f *Feed) description() string {
	switch {
	case f.Notice == "":
		return f.Description
	case f.Description == "":
		return f.Notice
	}
	return f.Notice + " " + f.Description
}

// Item is one entry of a feed.
type Item struct {
	ID              string // stable and unique: never changes for an entry
	URL             string // absolute URL of the entry page
	Title           string
	Type            string // statement, publication, news or page
	Lang            string
	Summary         string // plain text
	Published       time.Time
	Updated         time.Time
	Tags            []string
	Organisations   []string
	Attachments     []Attachment
	ChangeNotes     []ChangeNote
	Withdrawn       bool
	WithdrawnAt     time.Time
	WithdrawnReason string
	SupersededByURL string // absolute URL, or ""
}

// Attachment is a file of an item.
type Attachment struct {
	Title     string
	URL       string
	MediaType string
	Size      int64
}

// ChangeNote is a dated public note of a change.
type ChangeNote struct {
	At   time.Time
	Note string
}

var contentTmpl = template.Must(template.New("content").Funcs(template.FuncMap{
	"date": func(t time.Time) string { return t.UTC().Format("2 January 2006") },
}).Parse(
	`{{if .Withdrawn}}<p><strong>Withdrawn{{if not .WithdrawnAt.IsZero}} on {{date .WithdrawnAt}}{{end}}.</strong>` +
		`{{with .WithdrawnReason}} {{.}}{{end}}{{with .SupersededByURL}} <a href="{{.}}">Read the replacement</a>.{{end}}</p>` +
		`{{end}}{{with .Summary}}<p>{{.}}</p>{{end}}` +
		`{{with .Attachments}}<ul>{{range .}}<li><a href="{{.URL}}">{{.Title}}</a> ({{.MediaType}}{{if .Size}}, {{.Size}} bytes{{end}})</li>{{end}}</ul>{{end}}` +
		`{{with .ChangeNotes}}<p>Changes:</p><ul>{{range .}}<li>{{date .At}}: {{.Note}}</li>{{end}}</ul>{{end}}`,
))

// ContentHTML returns the HTML body of an item in a feed: withdrawal
// notice, summary, attachments and change notes, all escaped.
func ContentHTML(it *Item) string {
	var b strings.Builder
	if err := contentTmpl.Execute(&b, it); err != nil {
		// The template only reads fields of a value it was built for.
		panic("feed: content template: " + err.Error())
	}
	return b.String()
}

func itemTitle(it *Item) string {
	if it.Withdrawn {
		return "[Withdrawn] " + it.Title
	}
	return it.Title
}

func updated(it *Item) time.Time {
	u := it.Updated
	if u.IsZero() || u.Before(it.Published) {
		u = it.Published
	}
	for _, n := range it.ChangeNotes {
		if n.At.After(u) {
			u = n.At
		}
	}
	if it.WithdrawnAt.After(u) {
		u = it.WithdrawnAt
	}
	return u
}

// ---- Atom 1.0 (RFC 4287) ----

const atomNS = "http://www.w3.org/2005/Atom"

type atomFeed struct {
	XMLName  xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang     string      `xml:"xml:lang,attr,omitempty"`
	ID       string      `xml:"id"`
	Title    string      `xml:"title"`
	Subtitle string      `xml:"subtitle,omitempty"`
	Updated  string      `xml:"updated"`
	Links    []atomLink  `xml:"link"`
	Author   *atomPerson `xml:"author,omitempty"`
	Gen      string      `xml:"generator"`
	Entries  []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel      string `xml:"rel,attr,omitempty"`
	Type     string `xml:"type,attr,omitempty"`
	Href     string `xml:"href,attr"`
	HrefLang string `xml:"hreflang,attr,omitempty"`
	Title    string `xml:"title,attr,omitempty"`
	Length   string `xml:"length,attr,omitempty"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

type atomEntry struct {
	Lang       string         `xml:"xml:lang,attr,omitempty"`
	ID         string         `xml:"id"`
	Title      string         `xml:"title"`
	Links      []atomLink     `xml:"link"`
	Published  string         `xml:"published"`
	Updated    string         `xml:"updated"`
	Authors    []atomPerson   `xml:"author"`
	Categories []atomCategory `xml:"category"`
	Summary    *atomText      `xml:"summary,omitempty"`
	Content    atomText       `xml:"content"`
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Atom returns f as an Atom 1.0 document.
func Atom(f *Feed) ([]byte, error) {
	af := atomFeed{
		Lang:     f.Lang,
		ID:       f.SelfURL,
		Title:    f.Title,
		Subtitle: f.description(),
		Updated:  rfc3339(f.Updated),
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: f.SelfURL},
			{Rel: "alternate", Type: "text/html", Href: f.HomeURL},
		},
		Gen: "infocentre",
	}
	if f.Author != "" {
		af.Author = &atomPerson{Name: f.Author}
	}
	for i := range f.Items {
		it := &f.Items[i]
		e := atomEntry{
			Lang:      it.Lang,
			ID:        it.ID,
			Title:     itemTitle(it),
			Links:     []atomLink{{Rel: "alternate", Type: "text/html", Href: it.URL, HrefLang: it.Lang}},
			Published: rfc3339(it.Published),
			Updated:   rfc3339(updated(it)),
			Content:   atomText{Type: "html", Body: ContentHTML(it)},
		}
		if it.Summary != "" {
			e.Summary = &atomText{Type: "text", Body: it.Summary}
		}
		for _, o := range it.Organisations {
			e.Authors = append(e.Authors, atomPerson{Name: o})
		}
		for _, t := range it.Tags {
			e.Categories = append(e.Categories, atomCategory{Term: t})
		}
		for _, a := range it.Attachments {
			l := atomLink{Rel: "enclosure", Type: a.MediaType, Href: a.URL, Title: a.Title}
			if a.Size > 0 {
				l.Length = strconv.FormatInt(a.Size, 10)
			}
			e.Links = append(e.Links, l)
		}
		af.Entries = append(af.Entries, e)
	}
	return marshalXML(af)
}

func marshalXML(v any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", " ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("feed: %w", err)
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// ---- RSS 2.0 ----

type rssDoc struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	AtomNS  string     `xml:"xmlns:atom,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssAtomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

type rssChannel struct {
	Title         string      `xml:"title"`
	Link          string      `xml:"link"`
	Description   string      `xml:"description"`
	Language      string      `xml:"language,omitempty"`
	LastBuildDate string      `xml:"lastBuildDate"`
	Generator     string      `xml:"generator"`
	Self          rssAtomLink `xml:"atom:link"`
	Items         []rssItem   `xml:"item"`
}

type rssGUID struct {
	IsPermaLink string `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

type rssEnclosure struct {
	URL    string `xml:"url,attr"`
	Length string `xml:"length,attr"`
	Type   string `xml:"type,attr"`
}

type rssItem struct {
	Title       string        `xml:"title"`
	Link        string        `xml:"link"`
	GUID        rssGUID       `xml:"guid"`
	PubDate     string        `xml:"pubDate"`
	Description string        `xml:"description"`
	Categories  []string      `xml:"category"`
	Enclosure   *rssEnclosure `xml:"enclosure,omitempty"`
}

func rfc822(t time.Time) string { return t.UTC().Format(time.RFC1123Z) }

// RSS returns f as an RSS 2.0 document. RSS allows one enclosure per item,
// so only the first attachment is an enclosure; all are in the description.
func RSS(f *Feed) ([]byte, error) {
	desc := f.description()
	if desc == "" {
		desc = f.Title
	}
	// Readers render an RSS description as HTML; the channel's is plain
	// text, so it is escaped as HTML before XML escapes it again.
	desc = html.EscapeString(desc)
	doc := rssDoc{Version: "2.0", AtomNS: atomNS, Channel: rssChannel{
		Title:         f.Title,
		Link:          f.HomeURL,
		Description:   desc,
		Language:      f.Lang,
		LastBuildDate: rfc822(f.Updated),
		Generator:     "infocentre",
		Self:          rssAtomLink{Href: f.SelfURL, Rel: "self", Type: "application/rss+xml"},
	}}
	for i := range f.Items {
		it := &f.Items[i]
		ri := rssItem{
			Title:       itemTitle(it),
			Link:        it.URL,
			GUID:        rssGUID{IsPermaLink: "false", Value: it.ID},
			PubDate:     rfc822(it.Published),
			Description: ContentHTML(it),
			Categories:  it.Tags,
		}
		if len(it.Attachments) > 0 {
			a := it.Attachments[0]
			ri.Enclosure = &rssEnclosure{URL: a.URL, Length: strconv.FormatInt(a.Size, 10), Type: a.MediaType}
		}
		doc.Channel.Items = append(doc.Channel.Items, ri)
	}
	return marshalXML(doc)
}

// ---- JSON Feed 1.1 ----

// JSONFeedVersion is the version URL of JSON Feed 1.1.
const JSONFeedVersion = "https://jsonfeed.org/version/1.1"

type jsonAuthor struct {
	Name string `json:"name"`
}

type jsonAttachment struct {
	URL      string `json:"url"`
	MimeType string `json:"mime_type"`
	Title    string `json:"title,omitempty"`
	Size     int64  `json:"size_in_bytes,omitempty"`
}

type jsonChange struct {
	At   string `json:"at"`
	Note string `json:"note"`
}

// jsonExt is the "_infocentre" extension object of an item.
type jsonExt struct {
	Type            string       `json:"type"`
	ChangeNotes     []jsonChange `json:"change_notes,omitempty"`
	Withdrawn       bool         `json:"withdrawn,omitempty"`
	WithdrawnAt     string       `json:"withdrawn_at,omitempty"`
	WithdrawnReason string       `json:"withdrawn_reason,omitempty"`
	SupersededBy    string       `json:"superseded_by,omitempty"`
}

type jsonItem struct {
	ID            string           `json:"id"`
	URL           string           `json:"url"`
	Title         string           `json:"title"`
	ContentHTML   string           `json:"content_html"`
	Summary       string           `json:"summary,omitempty"`
	DatePublished string           `json:"date_published"`
	DateModified  string           `json:"date_modified"`
	Authors       []jsonAuthor     `json:"authors,omitempty"`
	Tags          []string         `json:"tags,omitempty"`
	Language      string           `json:"language,omitempty"`
	Attachments   []jsonAttachment `json:"attachments,omitempty"`
	Ext           jsonExt          `json:"_infocentre"`
}

type jsonFeed struct {
	Version     string       `json:"version"`
	Title       string       `json:"title"`
	HomePageURL string       `json:"home_page_url"`
	FeedURL     string       `json:"feed_url"`
	Description string       `json:"description,omitempty"`
	Language    string       `json:"language,omitempty"`
	Authors     []jsonAuthor `json:"authors,omitempty"`
	Ext         *jsonFeedExt `json:"_infocentre,omitempty"`
	Items       []jsonItem   `json:"items"`
}

// jsonFeedExt is the "_infocentre" extension object of a feed.
type jsonFeedExt struct {
	Archived   bool   `json:"archived"`
	ArchivedAt string `json:"archived_at,omitempty"`
	Notice     string `json:"notice,omitempty"`
}

// JSON returns f as a JSON Feed 1.1 document. Entry type, change notes and
// withdrawal are also given as data in the "_infocentre" extension.
func JSON(f *Feed) ([]byte, error) {
	jf := jsonFeed{
		Version:     JSONFeedVersion,
		Title:       f.Title,
		HomePageURL: f.HomeURL,
		FeedURL:     f.SelfURL,
		Description: f.description(),
		Language:    f.Lang,
		Items:       []jsonItem{},
	}
	if f.Archived {
		jf.Ext = &jsonFeedExt{Archived: true, Notice: f.Notice}
		if !f.ArchivedAt.IsZero() {
			jf.Ext.ArchivedAt = rfc3339(f.ArchivedAt)
		}
	}
	if f.Author != "" {
		jf.Authors = []jsonAuthor{{Name: f.Author}}
	}
	for i := range f.Items {
		it := &f.Items[i]
		ji := jsonItem{
			ID:            it.ID,
			URL:           it.URL,
			Title:         itemTitle(it),
			ContentHTML:   ContentHTML(it),
			Summary:       it.Summary,
			DatePublished: rfc3339(it.Published),
			DateModified:  rfc3339(updated(it)),
			Tags:          it.Tags,
			Language:      it.Lang,
			Ext: jsonExt{
				Type:            it.Type,
				Withdrawn:       it.Withdrawn,
				WithdrawnReason: it.WithdrawnReason,
				SupersededBy:    it.SupersededByURL,
			},
		}
		if !it.WithdrawnAt.IsZero() {
			ji.Ext.WithdrawnAt = rfc3339(it.WithdrawnAt)
		}
		for _, o := range it.Organisations {
			ji.Authors = append(ji.Authors, jsonAuthor{Name: o})
		}
		for _, a := range it.Attachments {
			ji.Attachments = append(ji.Attachments, jsonAttachment{URL: a.URL, MimeType: a.MediaType, Title: a.Title, Size: a.Size})
		}
		for _, n := range it.ChangeNotes {
			ji.Ext.ChangeNotes = append(ji.Ext.ChangeNotes, jsonChange{At: rfc3339(n.At), Note: n.Note})
		}
		jf.Items = append(jf.Items, ji)
	}
	b, err := json.MarshalIndent(jf, "", " ")
	if err != nil {
		return nil, fmt.Errorf("feed: %w", err)
	}
	return append(b, '\n'), nil
}

// ---- sitemap.xml and robots.txt ----

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
