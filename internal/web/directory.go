package web

import (
	"net/http"
	"strconv"

	"infocentre/internal/centre"
)

// directory answers "/" on a host that maps to no site: the organisation's
// information centres, open ones first, then archived ones, each linking
// to its home page and saying where it lives (its host, or /sites/{slug}/),
// so that centres with the same title can be told apart. The footer names
// the publisher the centres share, if they share one, and links to the
// read API's description.
func (s *Site) directory(w http.ResponseWriter, r *http.Request) {
	sites, err := s.read.PublicSites(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := &req{w: w, r: r, site: generic, prefix: "", origin: s.originFor(r, ""), path: "/", lang: "en"}
	et := s.newETag(q, "directory")
	for _, st := range sites {
		et.add(st.Slug, strconv.FormatInt(st.Version, 10))
	}
	s.securityHeaders(w, r)
	if notModified(w, r, et.String(), et.cc(cacheControlPage)) {
		return
	}
	v := s.baseView(q, "Information centres", nil)
	v.Title = v.Heading
	v.Nav, v.Feeds, v.ThemeCSS, v.OpenSearch = nil, nil, "", ""
	v.SearchBox, v.Indexes, v.Langs = nil, nil, nil
	v.FooterFeeds = []link{{Href: q.url("/api/v1/openapi.json"), Text: msg(v.UI, "api.read")}}
	if p := sharedPublisher(sites); p != "" {
		footer := *generic
		footer.Publisher = p
		v.Site = &footer
	}
	var archived []item
	for _, st := range sites {
		where := "/sites/" + st.Slug + "/"
		if len(st.Hosts) > 0 {
			where = st.Hosts[0]
		}
		it := item{Href: "/sites/" + st.Slug + "/", Title: st.Title, Summary: st.Tagline, UI: v.UI,
			TypeLabel: "Information centre at " + where, Published: st.CreatedAt}
		if def := st.DefaultLanguage(); def != "en" {
			it.Lang = def
		}
		if st.Status == centre.SiteArchived {
			it.TypeLabel, it.Published = "Archived information centre at "+where, st.ArchivedAt
			archived = append(archived, it)
			continue
		}
		v.Items = append(v.Items, it)
	}
	v.Items = append(v.Items, archived...)
	s.render(q, "list", v, http.StatusOK)
}

// sharedPublisher returns the publisher of every site, or "" if they have
// different ones (or none).
func sharedPublisher(sites []*centre.Site) string {
	p := ""
	for i, st := range sites {
		if i > 0 && st.Publisher != p {
			return ""
		}
		p = st.Publisher
	}
	return p
}
