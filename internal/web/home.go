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
	nav, err := s.navPages(q)
	if err != nil {
		s.fail(q.w, q.r, err)
		return
	}
	pinned, lists, err := s.homeLists(q)
	if err != nil {
		s.fail(q.w, q.r, err)
		return
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

// homeLists returns what the home page lists: up to homeItems pinned
// published entries, and the newest homeItems of each of listTypes that
// are not among them. From the site's front, the entries it names are read
// in one request; where the front cannot tell, from listings.
func (s *Site) homeLists(q *req) (pinned []*centre.Entry, lists [][]*centre.Entry, err error) {
	ctx := q.r.Context()
	front, err := s.read.PublicFront(ctx, q.site.Slug)
	if err != nil {
		return nil, nil, err
	}
	now := s.read.Time()
	pins, exact := front.Newest(q.lang, centre.FrontPinned, homeItems, now, func(it centre.FrontItem) bool {
		return it.Status == centre.StatusPublished
	})
	if !exact {
		return s.homeListed(q)
	}
	shown := map[string]bool{}
	ids := make([]string, 0, homeItems*(len(listTypes)+1))
	for _, it := range pins {
		shown[it.ID] = true
		ids = append(ids, it.ID)
	}
	named := make([][]string, len(listTypes))
	for i, t := range listTypes {
		items, exact := front.Newest(q.lang, t, homeItems, now, func(it centre.FrontItem) bool { return !shown[it.ID] })
		if !exact {
			return s.homeListed(q)
		}
		for _, it := range items {
			named[i] = append(named[i], it.ID)
			ids = append(ids, it.ID)
		}
	}
	found, err := s.read.PublicEntriesByID(ctx, q.site.Slug, ids)
	if err != nil {
		return nil, nil, err
	}
	byID := make(map[string]*centre.Entry, len(found))
	for _, e := range found {
		byID[e.ID] = e
	}
	// An entry changed since the front was read is left out; the change
	// moved the site's stamp, so the page is made again.
	for _, it := range pins {
		if e := byID[it.ID]; e != nil && e.Pinned && e.Status == centre.StatusPublished {
			pinned = append(pinned, e)
		}
	}
	lists = make([][]*centre.Entry, len(listTypes))
	for i := range listTypes {
		for _, id := range named[i] {
			if e := byID[id]; e != nil {
				lists[i] = append(lists[i], e)
			}
		}
	}
	return pinned, lists, nil
}

// homeListed is homeLists without a front: pinned entries are found among
// the newest centre.MaxPageSize public entries of the page language (one
// listing; one pinned long ago that dropped out of them is not shown),
// then one listing per type.
func (s *Site) homeListed(q *req) (pinned []*centre.Entry, lists [][]*centre.Entry, err error) {
	ctx := q.r.Context()
	recent, err := s.read.PublicListing(ctx, centre.EntryQuery{Site: q.site.Slug, Lang: q.lang, Limit: centre.MaxPageSize})
	if err != nil {
		return nil, nil, err
	}
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
	lists = make([][]*centre.Entry, len(listTypes))
	for i, t := range listTypes {
		p, err := s.read.PublicListing(ctx, centre.EntryQuery{Site: q.site.Slug, Type: t, Lang: q.lang, Limit: homeItems + len(pinned)})
		if err != nil {
			return nil, nil, err
		}
		for _, e := range p.Items {
			if !shown[e.ID] && len(lists[i]) < homeItems {
				lists[i] = append(lists[i], e)
			}
		}
	}
	return pinned, lists, nil
}
