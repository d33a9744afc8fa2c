package web

import (
	"net/http"
	"strconv"
	"strings"

	"infocentre/internal/centre"
)

// The live site and its static copies (internal/static) share one URL
// scheme, so that a link copied from an archive works on the live site and
// the other way round. Every page is a directory-like path ending in "/";
// a language other than the site's default is the last segment of a home,
// list or index page and the first of an entry:
//
//	/  /fr/                                home
//	/news/  /news/fr/  /news/page/2/       lists (live pages also take ?after=)
//	/tags/  /tags/fr/                      index of every tag (organisations alike)
//	/tags/masks/  /tags/masks/fr/          entries with a tag
//	/en/about/  /fr/about/                 an entry, always with its language
//
// The other forms are redirected to these with 301: a path without its
// final slash (/news, /tags/masks, /en/about, /fr), the default language
// named (/en/, /news/en/), and ?lang=xx on a page that names its language
// in the path. A tag or organisation whose key is one of the site's
// languages is shadowed by the index page in that language.

// maxLivePage is the highest page number a list's path may name on the
// live site (/news/page/50/): each page before it is one more store read,
// so deeper pages are reached through the ?after= cursor of "Older
// entries". A static copy pages through every list (its export is bounded
// as a whole).
const maxLivePage = 50

// indexKinds are the index pages of the keys that group entries.
var indexKinds = []string{"tags", "organisations"}

func isIndexKind(seg string) bool { return seg == "tags" || seg == "organisations" }

// sitePath turns the path of a page (q.path, below the site's base) into
// the path the page routes match, with the language (q.pathLang) and page
// number (q.pageNum) it names taken out: /fr/ is / in French, /news/fr/page/2/
// the second page of /news/ in French. Paths of files (no final slash) are
// left as they are. It reports false for a page path the scheme does not
// have, and redirects (reporting false with done set) a path that names the
// default language.
func (s *Site) sitePath(q *req) (ok, done bool) {
	p := q.path
	if !strings.HasSuffix(p, "/") {
		return true, false // files: feeds, sitemap, robots.txt, theme, 404.html; or redirected by the routes
	}
	segs := strings.Split(strings.Trim(p, "/"), "/")
	if len(segs) == 1 && segs[0] == "" {
		segs = nil
	}
	if n := len(segs); n >= 2 && segs[n-2] == "page" {
		page, err := strconv.Atoi(segs[n-1])
		if err != nil || page < 2 || strconv.Itoa(page) != segs[n-1] || (!q.static && page > maxLivePage) {
			return false, false
		}
		q.pageNum, segs = page, segs[:n-2]
	}
	isList := func(segs []string) bool {
		switch len(segs) {
		case 0:
			return true
		case 1:
			_, ok := typeForPlural(segs[0])
			return ok || isIndexKind(segs[0])
		case 2:
			return isIndexKind(segs[0])
		}
		return false
	}
	// The last segment names a language when what comes before it is a
	// page that exists in every language. /tags/fr/ is the index in French.
	if n := len(segs); n >= 1 && isList(segs[:n-1]) && q.site.HasLanguage(segs[n-1]) {
		q.pathLang = q.site.Languages[0]
		for _, l := range q.site.Languages {
			if strings.EqualFold(l, segs[n-1]) {
				q.pathLang = l
			}
		}
		segs = segs[:n-1]
	}
	isIndex := len(segs) == 1 && isIndexKind(segs[0])
	switch {
	case isList(segs):
		q.path = "/" + strings.Join(append(segs, ""), "/")
		if len(segs) == 0 {
			q.path = "/"
		}
	case len(segs) == 2 && q.pathLang == "" && q.pageNum == 0:
		q.path = "/" + segs[0] + "/" + segs[1] + "/" // an entry
		return true, false
	default:
		return false, false
	}
	if q.pageNum > 0 && (len(segs) == 0 || isIndex) {
		return false, false // the home page and the indexes have one page
	}
	if q.pathLang != "" && q.pathLang == q.site.DefaultLanguage() {
		if q.static {
			return false, false // a static copy never names the default language
		}
		target := q.pageURL(q.path, q.pathLang)
		if q.pageNum > 0 {
			target += "page/" + strconv.Itoa(q.pageNum) + "/"
		}
		s.redirectTo(q, target, q.r.URL.RawQuery)
		return false, true
	}
	return true, false
}

// langParam redirects ?lang=xx on a page other than search to the path
// that names the language (an entry drops it: its path names its own), and
// reports whether it answered. A language the site does not have is 404.
func (s *Site) langParam(q *req) bool {
	params := q.r.URL.Query()
	if !params.Has("lang") || q.path == "/search" {
		return false
	}
	l := params.Get("lang")
	for k := range params {
		if !knownParam(k) || k == "lang" {
			params.Del(k)
		}
	}
	if !q.site.HasLanguage(l) {
		s.notFound(q.w, q.r, q, "")
		return true
	}
	for _, sl := range q.site.Languages {
		if strings.EqualFold(sl, l) {
			l = sl
		}
	}
	target := q.url(q.asked)
	if isPagePath(q.path) {
		target = q.pageURL(q.path, l)
	}
	s.redirectTo(q, target, params.Encode())
	return true
}

// isPagePath reports whether p (as the routes see it) is a home, list or
// index page, which exist in every language.
func isPagePath(p string) bool {
	if p == "/" {
		return true
	}
	segs := strings.Split(strings.Trim(p, "/"), "/")
	if !strings.HasSuffix(p, "/") {
		return false
	}
	if _, ok := typeForPlural(segs[0]); ok && len(segs) == 1 {
		return true
	}
	return isIndexKind(segs[0]) && len(segs) <= 2
}

// redirectTo answers 301 to target (a path on this host) with the query
// string query, if any.
func (s *Site) redirectTo(q *req, target, query string) {
	if query != "" {
		target += "?" + query
	}
	s.securityHeaders(q.w, q.r)
	q.w.Header().Set("Cache-Control", cacheControlPage)
	http.Redirect(q.w, q.r, target, http.StatusMovedPermanently)
}

// The URL scheme for code outside this package that names pages of a site
// (the edge's purge and mirror, internal/edge): the same paths the pages
// link to, below the site's base (SiteBase on the deployment's own hosts,
// "" on a host the site claims).

// SiteBase returns the base of site slug's pages on the deployment's own
// hosts: /sites/{slug}.
func SiteBase(slug string) string { return "/sites/" + slug }

// EntryPath returns the path of the page of an entry in language lang:
// /{lang}/{slug}/.
func EntryPath(lang, slug string) string { return "/" + lang + "/" + slug + "/" }

// ListPath returns the path of the list of entries of type typ, of the
// tag tag, or of the organisation whose key (centre.OrgKey) is org — the
// first that is set; with none, the home page "/".
func ListPath(typ, tag, org string) string {
	return listSpec{Type: typ, Tag: tag, Org: org}.path()
}

// IndexPaths are the index pages of every tag and every organisation.
var IndexPaths = []string{"/tags/", "/organisations/"}

// FeedNames are the feeds each list offers in its directory
// (ListPath(…) + name).
var FeedNames = []string{"feed.atom", "feed.rss", "feed.json"}

// SiteFiles are the site-wide documents that list its entries or alerts,
// below the site's base.
var SiteFiles = []string{"/sitemap.xml", "/cap.xml"}

// PagePath returns the path of the home, list or index page p (as
// ListPath or IndexPaths name it) of site in language lang: the site's
// default language is never named.
func PagePath(site *centre.Site, p, lang string) string {
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	if site != nil && lang != "" && !strings.EqualFold(lang, site.DefaultLanguage()) {
		p += lang + "/"
	}
	return p
}
