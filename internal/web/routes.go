package web

import (
	"strings"

	"infocentre/internal/centre"
)

// The pages of a site are routed by their path below the site's base (see
// the package documentation and sitepath.go): the base (/sites/{site} or
// the root of the site's own host) is stripped first, by serveSite, and
// dispatch routes the rest by its segments:
//
//	/                                   home
//	/sitemap.xml /robots.txt /cap.xml   the site's documents
//	/search /opensearch.xml             search (where pages offer it)
//	/{file}                             theme, logo, feeds; /{lang} and
//	                                    /{plural} are redirected to /…/
//	/cap/{msg}                          an alert message (CAP)
//	/files/{hash}/[{variant}/]{name}    a file
//	/{plural}/  /{plural}/{feed}        a list of one type, its feeds
//	/{kind}/  /{kind}/{key}[/]          the index of tags or organisations,
//	/{kind}/{key}/{feed}                a tag's or organisation's list, feeds
//	/{lang}/{slug}[/]                   an entry
//
// A literal segment takes precedence over a wildcard one ({plural} and
// {kind} are literal: statements, tags…), and anything else is 404. The
// table is code, not an http.ServeMux: registering its forty patterns was
// the largest part of the public function's start (each pattern is checked
// against every other), and a request needs no copy of itself to carry
// path values. The path is already clean: the server's mux redirects
// unclean paths before a site sees them; a segment left empty is 404.
func (s *Site) dispatch(q *req) {
	p := q.path
	dir := strings.HasSuffix(p, "/")
	p = strings.TrimSuffix(strings.TrimPrefix(p, "/"), "/")
	if p == "" {
		if dir {
			s.home(q)
		} else {
			s.notFound(q.w, q.r, q, "")
		}
		return
	}
	var seg [4]string
	n := 0
	for rest := p; ; n++ {
		if n == len(seg) {
			s.notFound(q.w, q.r, q, "")
			return
		}
		var more bool
		seg[n], rest, more = strings.Cut(rest, "/")
		if seg[n] == "" {
			s.notFound(q.w, q.r, q, "")
			return
		}
		if !more {
			n++
			break
		}
	}
	first := seg[0]
	t, isType := typeForPlural(first)
	switch {
	case n == 1 && !dir:
		s.rootFile(q, first, isType)
	case n == 1 && isType:
		s.list(q, listSpec{Type: t})
	case n == 1 && isIndexKind(first):
		s.index(q, first)
	case n == 2 && !dir && first == "cap":
		s.capMessageRoute(q, seg[1])
	case n == 2 && !dir && isType:
		s.feedOr404(q, listSpec{Type: t}, seg[1])
	case n >= 2 && isIndexKind(first):
		s.keyed(q, first, seg[1], dir, seg[2:n])
	case n == 2:
		s.entryRoute(q, seg[0], seg[1], dir)
	case first == "files" && !dir && n == 3:
		s.file(q, seg[1], "", seg[2])
	case first == "files" && !dir && n == 4:
		s.file(q, seg[1], seg[2], seg[3])
	default:
		s.notFound(q.w, q.r, q, "")
	}
}

// rootFile serves a one-segment path without a final slash: the site's
// documents and search, a list's name (redirected to the list), or one of
// the site's files (siteFile).
func (s *Site) rootFile(q *req, name string, isType bool) {
	switch {
	case name == "sitemap.xml":
		s.sitemap(q)
	case name == "robots.txt":
		s.siteRobots(q)
	case name == "cap.xml":
		s.capIndex(q)
	case name == "search" || name == "opensearch.xml":
		if !s.searchable(q) {
			s.notFound(q.w, q.r, q, "")
		} else if name == "search" {
			s.searchPage(q)
		} else {
			s.openSearch(q)
		}
	case isType || isIndexKind(name):
		s.redirect(q, "/"+name+"/")
	default:
		s.siteFile(q, name)
	}
}

// knownParam reports the only query parameters of site pages. Others (from
// tracking links, or sent to get past caches) are redirected away, so that
// caches hold one copy of each page.
// lang is known to be redirected to the path that names the language
// (sitepath.go).
func knownParam(name string) bool { return name == "lang" || name == "after" }

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
	s.dispatch(q)
}

// dropUnknownParams redirects a request with query parameters that its
// page does not read to the same page without them, and reports whether it
// did.
func (s *Site) dropUnknownParams(q *req) bool {
	if q.r.URL.RawQuery == "" {
		return false
	}
	params := q.r.URL.Query()
	known := knownParam
	if q.path == "/search" && s.searchable(q) {
		known = searchParam
	}
	clean := false
	for k := range params {
		if !known(k) {
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
func (s *Site) siteFile(q *req, name string) {
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

// keyed serves the pages of a tag or organisation (kind) key, below
// /{kind}/{key}: its list (dir, nothing after the key), its feeds (one
// more segment), or a redirect from its name without the final slash. A
// key that is not a valid slug is 404.
func (s *Site) keyed(q *req, kind, key string, dir bool, rest []string) {
	if !centre.ValidSlug(key) {
		s.notFound(q.w, q.r, q, "")
		return
	}
	spec := listSpec{Tag: key}
	if kind == "organisations" {
		spec = listSpec{Org: key}
	}
	switch {
	case len(rest) == 0 && dir:
		s.list(q, spec)
	case len(rest) == 0:
		s.redirect(q, "/"+kind+"/"+key+"/")
	case len(rest) == 1 && !dir:
		s.feedOr404(q, spec, rest[0])
	default:
		s.notFound(q.w, q.r, q, "")
	}
}

// entryRoute serves /{lang}/{slug}/ (dir): an entry in one of the site's
// languages (named in any case); /{lang}/{slug} is redirected to it.
func (s *Site) entryRoute(q *req, lang, slug string, dir bool) {
	if !q.site.HasLanguage(lang) {
		s.notFound(q.w, q.r, q, "")
		return
	}
	if !dir {
		if !centre.ValidSlug(slug) {
			s.notFound(q.w, q.r, q, "")
			return
		}
		s.redirect(q, "/"+lang+"/"+slug+"/")
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
