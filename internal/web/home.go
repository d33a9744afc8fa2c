package web

import (
	"net/http"

	"infocentre/internal/centre"
)

const homeItems = 5

func (s *Site) home(q *req) {
	if !pickLang(q) {
		s.notFound(q.w, q.r, q, "")
		return
	}
	ctx := q.r.Context()
	nav, err := s.navPages(q)
	if err != nil {
		s.fail(q.w, q.r, err)
		return
	}
	// Pinned entries are found among the newest centre.MaxPageSize public
	// entries of the page language (one store read): the store has no index
	// of pinned entries, and EntryQuery has no filter on Pinned. An entry
	// pinned long ago that has dropped out of the newest 100 is therefore no
	// longer shown as pinned; on a crisis site the pinned entries are the
	// current ones, and unpinning old ones keeps the section honest.
	recent, err := s.read.PublicListing(ctx, centre.EntryQuery{Site: q.site.Slug, Lang: q.lang, Limit: centre.MaxPageSize})
	if err != nil {
		s.fail(q.w, q.r, err)
		return
	}
	var pinned []*centre.Entry
	for _, e := range recent.Items {
		if e.Pinned && e.Status == centre.StatusPublished && len(pinned) < homeItems {
			pinned = append(pinned, e)
		}
	}
	// A pinned entry shows once, under "Important", not again in its
	// type's latest list: each list reads as many more as could be pinned.
	shown := map[string]bool{}
	for _, e := range pinned {
		shown[e.ID] = true
	}
	lists := make([][]*centre.Entry, len(listTypes))
	for i, t := range listTypes {
		p, err := s.read.PublicListing(ctx, centre.EntryQuery{Site: q.site.Slug, Type: t, Lang: q.lang, Limit: homeItems + len(pinned)})
		if err != nil {
			s.fail(q.w, q.r, err)
			return
		}
		for _, e := range p.Items {
			if !shown[e.ID] && len(lists[i]) < homeItems {
				lists[i] = append(lists[i], e)
			}
		}
	}
	et := s.newETag(q, "home")
	et.entries(nav)
	et.entries(pinned)
	for _, l := range lists {
		et.entries(l)
	}
	s.securityHeaders(q.w, q.r)
	if notModified(q.w, q.r, et.String(), et.cc(cacheControlPage)) {
		return
	}
	text := q.site.Text(q.lang)
	v := s.baseView(q, text.Title, nav)
	v.Description = text.Tagline
	if v.Description == "" {
		v.Description = text.Description
	}
	v.Canonical = q.origin + q.pageURL("/", q.lang)
	pageLangs(q, v, "/")
	v.OG = &openGraph{Type: "website", Title: text.Title, SiteName: text.Title, URL: v.Canonical, Locale: q.lang, Description: v.Description}
	v.JSONLD = map[string]any{
		"@context": "https://schema.org", "@type": "WebSite", "name": text.Title, "url": v.Canonical,
		"inLanguage": q.lang, "publisher": map[string]any{"@type": "Organization", "name": q.site.Publisher},
	}
	if len(pinned) > 0 {
		v.Sections = append(v.Sections, section{ID: "pinned", Title: msg(v.UI, "pinned"), Items: s.items(q, v, pinned, true)})
	}
	for i, t := range listTypes {
		if v.Archived && len(lists[i]) == 0 {
			continue // an archive will never have "nothing published yet": it shows what it holds
		}
		v.Sections = append(v.Sections, section{
			ID: pluralOf(t), Title: msg(v.UI, "latest."+t), Items: s.items(q, v, lists[i], true),
			More: &link{Href: q.pageURL("/"+pluralOf(t)+"/", q.lang), Text: msg(v.UI, "all."+t)},
		})
	}
	s.render(q, "home", v, http.StatusOK)
}
