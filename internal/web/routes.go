package web

import (
	"context"
	"net/http"
	"strings"

	"infocentre/internal/centre"
)

// The pages of a site are routed by their path below the site's base (see
// the package documentation), in one table: the base (/sites/{site} or the
// root of the site's own host) is stripped first, by serveSite, and the
// rest goes through an http.ServeMux of these patterns. Every pattern is
// relative to the base; the mux never sees the base itself.
func (s *Site) pageRoutes() *http.ServeMux {
	m := http.NewServeMux()
	// page registers h; r is the request as the mux matched it, for its
	// path values (q.r stays the request as the client sent it).
	page := func(pattern string, h func(q *req, r *http.Request)) {
		m.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			h(r.Context().Value(reqKey{}).(*req), r)
		})
	}
	page("/{$}", func(q *req, _ *http.Request) { s.home(q) })
	page("/sitemap.xml", func(q *req, _ *http.Request) { s.sitemap(q) })
	page("/robots.txt", func(q *req, _ *http.Request) { s.siteRobots(q) })
	page("/search", s.searchRoute(s.searchPage))
	page("/opensearch.xml", s.searchRoute(s.openSearch))
	page("/cap.xml", func(q *req, _ *http.Request) { s.capIndex(q) })
	page("/cap/{msg}", s.capMessageRoute)
	page("/{file}", s.siteFile)
	page("/files/{hash}/{name}", s.file)
	page("/files/{hash}/{variant}/{name}", s.file)
	for _, t := range centre.Types {
		plural := pluralOf(t)
		spec := listSpec{Type: t}
		page("/"+plural, func(q *req, _ *http.Request) { s.redirect(q, "/"+plural+"/") })
		page("/"+plural+"/{$}", func(q *req, _ *http.Request) { s.list(q, spec) })
		page("/"+plural+"/{feed}", func(q *req, r *http.Request) { s.feedOr404(q, spec, r.PathValue("feed")) })
	}
	for _, kind := range indexKinds {
		spec := func(r *http.Request) listSpec {
			if kind == "tags" {
				return listSpec{Tag: r.PathValue("key")}
			}
			return listSpec{Org: r.PathValue("key")}
		}
		page("/"+kind, func(q *req, _ *http.Request) { s.redirect(q, "/"+kind+"/") })
		page("/"+kind+"/{$}", func(q *req, _ *http.Request) { s.index(q, kind) })
		page("/"+kind+"/{key}", s.keyed(func(q *req, r *http.Request) { s.redirect(q, "/"+kind+"/"+r.PathValue("key")+"/") }))
		page("/"+kind+"/{key}/{$}", s.keyed(func(q *req, r *http.Request) { s.list(q, spec(r)) }))
		page("/"+kind+"/{key}/{feed}", s.keyed(func(q *req, r *http.Request) { s.feedOr404(q, spec(r), r.PathValue("feed")) }))
	}
	page("/{lang}/{slug}", s.entryRedirect)
	page("/{lang}/{slug}/{$}", s.entryRoute)
	page("/", func(q *req, _ *http.Request) { s.notFound(q.w, q.r, q, "") })
	return m
}

// reqKey carries the *req of a page request through the page routes.
type reqKey struct{}

// knownParams are the only query parameters of site pages. Others (from
// tracking links, or sent to get past caches) are redirected away, so that
// caches hold one copy of each page.
// lang is known to be redirected to the path that names the language
// (sitepath.go).
var knownParams = map[string]bool{"lang": true, "after": true}

// route serves a site request by its path below the site's base.
func (s *Site) route(q *req) {
	q.asked = q.path
	if ok, done := s.sitePath(q); done {
		return
	} else if !ok {
		s.notFound(q.w, q.r, q, "")
		return
	}
	if s.langParam(q) || s.dropUnknownParams(q) {
		return
	}
	r := q.r.WithContext(context.WithValue(q.r.Context(), reqKey{}, q))
	u := *q.r.URL
	u.Path, u.RawPath = q.path, ""
	r.URL = &u
	s.pages.ServeHTTP(q.w, r)
}

// dropUnknownParams redirects a request with query parameters that its
// page does not read to the same page without them, and reports whether it
// did.
func (s *Site) dropUnknownParams(q *req) bool {
	if q.r.URL.RawQuery == "" {
		return false
	}
	params := q.r.URL.Query()
	known := knownParams
	if q.path == "/search" && s.searchable(q) {
		known = searchParams
	}
	clean := false
	for k := range params {
		if !known[k] {
			params.Del(k)
			clean = true
		}
	}
	if !clean {
		return false
	}
	s.redirectTo(q, q.url(q.asked), params.Encode())
	return true
}

// siteFile serves the one-segment files of a site: its theme stylesheet,
// logo and feeds; a list's name without its slash is redirected to it.
func (s *Site) siteFile(q *req, r *http.Request) {
	name := r.PathValue("file")
	switch {
	case q.static && name == "404.html":
		s.notFound(q.w, q.r, q, "")
	case strings.HasPrefix(name, "theme.") && strings.HasSuffix(name, ".css"):
		s.themeCSS(q)
	case strings.HasPrefix(name, "logo."):
		s.logo(q)
	case q.site.HasLanguage(name):
		s.redirect(q, "/"+name+"/")
	default:
		s.feedOr404(q, listSpec{}, name)
	}
}

// feedOr404 serves the feed named name of the entries of spec, or 404; a
// language without its final slash (/news/fr) is redirected to its page.
func (s *Site) feedOr404(q *req, spec listSpec, name string) {
	if kind, ok := feedKind(name); ok {
		s.feed(q, spec, kind)
		return
	}
	if name != "" && q.site.HasLanguage(name) && spec.path() != "/" {
		s.redirect(q, spec.path()+name+"/")
		return
	}
	s.notFound(q.w, q.r, q, "")
}

// searchRoute serves h only where pages offer search.
func (s *Site) searchRoute(h func(q *req)) func(q *req, r *http.Request) {
	return func(q *req, _ *http.Request) {
		if !s.searchable(q) {
			s.notFound(q.w, q.r, q, "")
			return
		}
		h(q)
	}
}

// keyed serves h for a tag or organisation key that is a valid slug.
func (s *Site) keyed(h func(q *req, r *http.Request)) func(q *req, r *http.Request) {
	return func(q *req, r *http.Request) {
		if !centre.ValidSlug(r.PathValue("key")) {
			s.notFound(q.w, q.r, q, "")
			return
		}
		h(q, r)
	}
}

// entryRedirect redirects /{lang}/{slug} of a site language to the
// entry's page, /{lang}/{slug}/.
func (s *Site) entryRedirect(q *req, r *http.Request) {
	lang, slug := r.PathValue("lang"), r.PathValue("slug")
	if !q.site.HasLanguage(lang) || !centre.ValidSlug(slug) {
		s.notFound(q.w, q.r, q, "")
		return
	}
	s.redirect(q, "/"+lang+"/"+slug+"/")
}

// entryRoute serves /{lang}/{slug}/: an entry in one of the site's
// languages (named in any case).
func (s *Site) entryRoute(q *req, r *http.Request) {
	lang, slug := r.PathValue("lang"), r.PathValue("slug")
	if !q.site.HasLanguage(lang) {
		s.notFound(q.w, q.r, q, "")
		return
	}
	for _, l := range q.site.Languages {
		if strings.EqualFold(l, lang) {
			q.lang = l // the 404 of a bad slug is in that language too
		}
	}
	if !centre.ValidSlug(slug) {
		s.notFound(q.w, q.r, q, "")
		return
	}
	s.entry(q, lang, slug)
}

// redirect answers 301 to the page at path below the site's base, with
// the request's query string.
func (s *Site) redirect(q *req, path string) {
	s.redirectTo(q, q.url(path), q.r.URL.RawQuery)
}

// pluralOf returns the path segment that lists entries of type t.
func pluralOf(t string) string {
	if t == centre.TypeNews {
		return "news"
	}
	return t + "s"
}

func typeForPlural(seg string) (string, bool) {
	for _, t := range centre.Types {
		if pluralOf(t) == seg {
			return t, true
		}
	}
	return "", false
}
