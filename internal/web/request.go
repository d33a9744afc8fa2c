package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"infocentre/internal/centre"
)

// req is one request for a page of a site.
type req struct {
	w      http.ResponseWriter
	r      *http.Request
	site   *centre.Site
	prefix string // "" on a site's own host, else /sites/{slug}
	origin string // scheme://host of absolute URLs, or "" (see origin.go)
	path   string // path below the prefix, starting with "/", as the page routes see it (sitepath.go)
	asked  string // path below the prefix as the client asked
	lang   string // language of the page
	now    time.Time
	loc    *time.Location // the site's time zone
	banner *centre.Banner // the site's banner shown at now, or nil

	static   bool   // links for a static copy (Options.Static)
	pathLang string // the language named in the path (/fr/, /news/fr/), or ""
	pageNum  int    // the page number named in the path (/news/page/2/), or 0
	// files is where the site's files (/files/…) are linked from on this
	// page: "" for below the prefix, /preview/{token} on a preview page
	// (whose draft may use files that are not public yet).
	files   string
	preview bool // a preview page or one of its files: never cached
}

// fileURL returns the path on this host of a site's file, given by its
// site-relative path (/files/{sha256}/…).
func (q *req) fileURL(p string) string {
	if q.files != "" {
		return q.files + p
	}
	return q.url(p)
}

// siteOrNil returns q for an error page when it belongs to a site, else
// nil (a preview's file, answered before its site is known).
func (q *req) siteOrNil() *req {
	if q.site == nil {
		return nil
	}
	return q
}

// siteSlug returns the slug of q's site, or "" when it has none yet.
func (q *req) siteSlug() string {
	if q.site == nil {
		return ""
	}
	return q.site.Slug
}

// in returns t in the site's time zone, for display.
func (q *req) in(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	if q.loc == nil {
		return t.UTC()
	}
	return t.In(q.loc)
}

// url returns the site-relative path p as a path on this host.
func (q *req) url(p string) string { return q.prefix + p }

// abs returns the site-relative path p as an absolute URL.
func (q *req) abs(p string) string { return q.origin + q.prefix + p }

// attachmentURL returns where attachment a is: its own URL, or for a file
// of the site (whose URL is its path below the site's base) that path on
// this host, absolute with abs.
func (q *req) attachmentURL(a centre.Attachment, abs bool) string {
	if a.FileID == "" {
		return a.URL
	}
	if abs {
		return q.abs(a.URL)
	}
	return q.fileURL(a.URL)
}

// entryURL returns the path of an entry page on this host: /{lang}/{slug}/
// (see sitepath.go for the one URL scheme of the live site and its static
// copies).
func (q *req) entryURL(lang, slug string) string { return q.url(EntryPath(lang, slug)) }

// pageURL returns the path on this host of the home, list or index page p
// (a listSpec path, ending in "/") in language lang: p itself in the
// site's default language, else p + lang + "/" (/fr/, /news/fr/,
// /tags/masks/fr/).
func (q *req) pageURL(p, lang string) string { return q.url(PagePath(q.site, p, lang)) }

// searchURL returns the path of the search page in language lang: the
// language is a filter of the search, so it stays in the query string
// (?lang=xx) outside the site's default language.
func (q *req) searchURL(lang string) string {
	if q.site != nil && lang != "" && !strings.EqualFold(lang, q.site.DefaultLanguage()) {
		return q.url("/search") + "?lang=" + url.QueryEscape(lang)
	}
	return q.url("/search")
}
