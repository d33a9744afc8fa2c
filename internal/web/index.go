package web

import (
	"net/http"
	"sort"
	"strconv"

	"infocentre/internal/centre"
	"infocentre/internal/search"
)

// maxIndexItems bounds the tags or organisations an index page lists: the
// most used ones, in alphabetical order.
const maxIndexItems = 1000

// counter returns what answers the index pages (Options.Counts), or nil.
func (s *Site) counter() Searcher {
	if s.opts.Counts != nil {
		return s.opts.Counts
	}
	return s.opts.Searcher
}

// index serves /tags/ and /organisations/ (kind): every tag or
// organisation of the public entries in the page language, by its label,
// with the number of entries. The counts are the facets of a search
// without words (Options.Counts): the in-memory index that search keeps
// current, so the page costs no store read beyond what search already
// does (on DynamoDB, its one query for changes since the last use). Without
// a Searcher there is no index page.
func (s *Site) index(q *req, kind string) {
	counter := s.counter()
	if !pickLang(q) || counter == nil {
		s.notFound(q.w, q.r, q, "")
		return
	}
	res, err := counter.Search(q.r.Context(), q.site.Slug, search.Query{Lang: q.lang, Limit: 1, Now: q.now})
	if err != nil {
		if centre.IsCode(err, centre.ENOTFOUND) {
			s.notFound(q.w, q.r, q, "")
			return
		}
		s.fail(q.w, q.r, err)
		return
	}
	counts := res.Facets.Tags
	if kind == "organisations" {
		counts = res.Facets.Organisations
	}
	nav, err := s.navPages(q)
	if err != nil {
		s.fail(q.w, q.r, err)
		return
	}
	names := make([]string, 0, len(counts))
	for n := range counts {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := counts[names[i]], counts[names[j]]
		return a > b || a == b && names[i] < names[j]
	})
	names = names[:min(len(names), maxIndexItems)]
	et := s.newETag(q, "index")
	et.entries(nav)
	for _, n := range names {
		et.add(n, strconv.Itoa(counts[n]))
	}
	s.securityHeaders(q.w, q.r)
	if notModified(q.w, q.r, et.String(), et.cc(cacheControlPage)) {
		return
	}
	ui := uiLang(q.lang)
	v := s.baseView(q, msg(ui, kind+".all"), nav)
	v.Intro = msg(ui, kind+".intro")
	crumbs(q, v)
	v.Description = v.Intro
	v.Canonical = q.origin + q.pageURL("/"+kind+"/", q.lang)
	pageLangs(q, v, "/"+kind+"/")
	for _, n := range names {
		f := facet{Count: counts[n], Note: msg(ui, "index.count", counts[n])}
		if counts[n] == 1 {
			f.Note = msg(ui, "index.count.one")
		}
		if kind == "tags" {
			f.Text, f.Lang = tagLabel(q, n)
			f.Href = q.pageURL("/tags/"+n+"/", q.lang)
		} else {
			f.Text, f.Lang = orgLabel(q, n)
			f.Href = q.pageURL("/organisations/"+centre.OrgKey(n)+"/", q.lang)
		}
		v.Index = append(v.Index, f)
	}
	sortFacets(v.Index, collation(q.lang))
	s.render(q, "index", v, http.StatusOK)
}

// sortFacets sorts index items by their text in collation t (collKey),
// keeping the order of items that compare equal.
func sortFacets(items []facet, t *collTable) {
	keys := make([]string, len(items))
	for i, f := range items {
		keys[i] = collKey(t, f.Text)
	}
	sort.Stable(byKey{items, keys})
}

// byKey sorts items by keys.
type byKey struct {
	items []facet
	keys  []string
}

func (b byKey) Len() int           { return len(b.items) }
func (b byKey) Less(i, j int) bool { return b.keys[i] < b.keys[j] }
func (b byKey) Swap(i, j int) {
	b.items[i], b.items[j] = b.items[j], b.items[i]
	b.keys[i], b.keys[j] = b.keys[j], b.keys[i]
}
