package web

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"infocentre/internal/centre"
	"infocentre/internal/search"
)

// Searcher searches the public entries of a site; *search.Service is one.
// Search returns ENOTFOUND for an unknown site and EINVALID for a bad
// query.
type Searcher interface {
	Search(ctx context.Context, site string, q search.Query) (search.Result, error)
}

// searchParams are the query parameters of the search page.
var searchParams = [...]string{"q", "type", "tag", "organisation", "lang", "from", "to", "page"}

// searchParam reports whether name is one of searchParams.
func searchParam(name string) bool { return slices.Contains(searchParams[:], name) }

// searchable reports whether pages of q offer search: only when a
// Searcher is set, and never on a static copy, which has no server.
func (s *Site) searchable(q *req) bool { return s.opts.Searcher != nil && !q.static }

// searchView is what the search page shows besides the results.
type searchView struct {
	Action  string // the form's action
	Q       string
	Type    string
	Types   []option
	Hidden  []option // filters kept by the form: lang, tag, organisation, from, to
	Asked   bool     // a query or a filter was given
	Invalid bool     // the query could not be run
	Count   string   // "3 results"
	None    string   // the no-results message
	Filters []link   // active filters, each a link that removes it
	ByType  []facet
	ByTag   []facet
	Prev    string
	Suggest *link // "Did you mean …?": the corrected query
	Partial bool  // the results hold only some of the query's words
}

type option struct {
	Value, Text string
	Selected    bool
}

type facet struct {
	Href, Text, Lang, Note string
	Count                  int
	Current                bool
}

// searchForm is a search request as the page's query string asks it.
type searchForm struct {
	params   url.Values
	query    search.Query
	from, to time.Time // the dates given, to (inclusive) as given
	page     int       // 1-based
	asked    bool      // a query or a filter was given
	invalid  bool      // the query cannot be run
}

// get returns parameter k, trimmed.
func (f *searchForm) get(k string) string { return strings.TrimSpace(f.params.Get(k)) }

// parseSearchForm reads the query string of a search page.
func (s *Site) parseSearchForm(q *req) *searchForm {
	f := &searchForm{params: q.r.URL.Query(), page: 1}
	f.query = search.Query{Text: f.get("q"), Type: f.get("type"), Tag: f.get("tag"), Organisation: f.get("organisation"),
		Limit: s.pageSize}
	if f.get("lang") != "" {
		f.query.Lang = q.lang
	}
	f.invalid = (f.query.Type != "" && !slices.Contains(centre.Types, f.query.Type)) ||
		utf8.RuneCountInString(f.query.Text) > search.MaxQueryLen
	for name, t := range map[string]*time.Time{"from": &f.from, "to": &f.to} {
		if v := f.get(name); v != "" {
			d, err := time.Parse(time.DateOnly, v)
			if err != nil {
				f.invalid = true
				continue
			}
			*t = d
		}
	}
	f.query.From = f.from
	if !f.to.IsZero() {
		f.query.To = f.to.AddDate(0, 0, 1) // the whole day
	}
	if p := f.get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || strconv.Itoa(n) != p || (n-1)*s.pageSize > search.MaxOffset {
			f.invalid = true
		} else {
			f.page = n
		}
	}
	if f.page > 1 {
		// Result.Next is the offset of the next page: a page number names
		// one directly, so that the page can link to the previous one too.
		f.query.After = strconv.Itoa((f.page - 1) * s.pageSize)
	}
	f.asked = f.query.Text != "" || f.query.Type != "" || f.query.Tag != "" || f.query.Organisation != "" ||
		!f.from.IsZero() || !f.to.IsZero()
	return f
}

// with returns the search URL of the form with key set to val ("" removes
// it), on its first page.
func (f *searchForm) with(action, key, val string) string {
	u := url.Values{}
	for _, k := range searchParams {
		if v := f.get(k); v != "" && k != "page" {
			u.Set(k, v)
		}
	}
	if val == "" {
		u.Del(key)
	} else {
		u.Set(key, val)
	}
	if len(u) == 0 {
		return action
	}
	return action + "?" + u.Encode()
}

// pageURL returns the search URL of page n of the form's results.
func (f *searchForm) pageURL(action string, n int) string {
	u := f.with(action, "page", "")
	if n > 1 {
		u += sep(u) + "page=" + strconv.Itoa(n)
	}
	return u
}

// searchPage answers GET {base}/search: the form, and with a query or a
// filter the matching public entries. Without ?lang= it searches every
// language (the page is in the site's default language); with it, the
// page and the results are in that language.
func (s *Site) searchPage(q *req) {
	if !pickLang(q) {
		s.notFound(q.w, q.r, q, "")
		return
	}
	f := s.parseSearchForm(q)
	var res search.Result
	if f.asked && !f.invalid {
		var err error
		res, err = s.opts.Searcher.Search(q.r.Context(), q.site.Slug, f.query)
		switch {
		case centre.IsCode(err, centre.EINVALID):
			f.invalid = true
		case centre.IsCode(err, centre.ENOTFOUND): // the site was deleted meanwhile
			s.notFound(q.w, q.r, q, "")
			return
		case err != nil:
			s.fail(q.w, q.r, err)
			return
		case f.page > 1 && len(res.Hits) == 0:
			s.notFound(q.w, q.r, q, "badlink")
			return
		}
	}
	nav, err := s.navPages(q)
	if err != nil {
		s.fail(q.w, q.r, err)
		return
	}
	v := s.searchView(q, f, nav)
	if f.asked && !f.invalid {
		s.searchResults(q, f, v, res)
	}
	s.renderSearch(q, v, f.invalid)
}

// searchView builds the search page around its form, without results.
func (s *Site) searchView(q *req, f *searchForm, nav []*centre.Entry) *view {
	ui := uiLang(q.lang)
	title := msg(ui, "search")
	if f.query.Text != "" {
		title = msg(ui, "search.title", f.query.Text)
	}
	v := s.baseView(q, title, nav)
	v.Heading = msg(ui, "search")
	crumbs(q, v)
	v.SearchBox.Q = f.query.Text
	v.Description = msg(ui, "search.intro")
	v.Canonical = q.origin + q.searchURL(q.lang)
	for i := range v.Langs {
		v.Langs[i].Href = q.searchURL(v.Langs[i].Lang) // the search page in that language
	}
	v.NoIndex = f.asked || f.invalid
	sv := &searchView{Action: q.url("/search"), Q: f.query.Text, Type: f.query.Type, Asked: f.asked, Invalid: f.invalid}
	sv.Types = append(sv.Types, option{Value: "", Text: msg(ui, "search.anytype"), Selected: f.query.Type == ""})
	for _, t := range centre.Types {
		sv.Types = append(sv.Types, option{Value: t, Text: typePlural(ui, t), Selected: f.query.Type == t})
	}
	for _, k := range []string{"lang", "tag", "organisation", "from", "to"} {
		if val := f.get(k); val != "" {
			sv.Hidden = append(sv.Hidden, option{Value: k, Text: val})
		}
	}
	v.Search = sv
	return v
}

// searchResults adds to v the results of f: count, active filters, facets,
// pages and hits.
func (s *Site) searchResults(q *req, f *searchForm, v *view, res search.Result) {
	ui, sv := v.UI, v.Search
	filterText := map[string]string{
		"type": msg(ui, "search.type") + ": " + typePlural(ui, f.query.Type), "tag": msg(ui, "topic", first(tagLabel(q, f.query.Tag))),
		"organisation": f.query.Organisation, "from": msg(ui, "search.from", formatDate(ui, f.from)),
		"to": msg(ui, "search.to", formatDate(ui, f.to)),
	}
	for _, k := range []string{"type", "tag", "organisation", "from", "to"} {
		if f.get(k) != "" {
			sv.Filters = append(sv.Filters, link{Href: f.with(sv.Action, k, ""), Text: msg(ui, "search.remove", filterText[k])})
		}
	}
	sv.Count = msg(ui, "search.count", res.Total)
	if res.Total == 1 {
		sv.Count = msg(ui, "search.count.one")
	}
	if res.Total == 0 {
		sv.None = msg(ui, "search.none")
		if f.query.Text != "" {
			sv.None = msg(ui, "search.none.for", f.query.Text)
		}
	}
	if res.Suggestion != "" {
		sv.Suggest = &link{Href: f.with(sv.Action, "q", res.Suggestion), Text: res.Suggestion}
	}
	sv.ByType, sv.ByTag = typeFacets(ui, f, sv.Action, res.Facets.Types), tagFacets(q, f, sv.Action, res.Facets.Tags)
	if f.page > 1 {
		sv.Prev = f.pageURL(sv.Action, f.page-1)
		v.First = f.pageURL(sv.Action, 1)
	}
	if res.Next != "" {
		v.Next = f.pageURL(sv.Action, f.page+1)
	}
	for _, h := range res.Hits {
		it := item{
			Href: q.entryURL(h.Lang, h.Slug), Title: h.Title, TypeLabel: typeLabel(ui, h.Type), UI: ui, UIAttr: v.UIAttr,
			Summary: h.Summary, Published: h.PublishedAt, Withdrawn: h.Withdrawn, Partial: h.Partial,
			// The snippet is escaped text with <mark> elements: the
			// search package builds it so (see search.Hit).
			Snippet: template.HTML(h.Snippet), // #nosec G203 -- escaped by internal/search
		}
		if !strings.EqualFold(h.Lang, q.lang) {
			it.Lang = h.Lang
		}
		sv.Partial = sv.Partial || h.Partial
		v.Items = append(v.Items, it)
	}
}

// typeFacets links to the results of each entry type that has some.
func typeFacets(ui string, f *searchForm, action string, counts map[string]int) []facet {
	if len(counts) == 0 {
		return nil
	}
	out := []facet{{Href: f.with(action, "type", ""), Text: msg(ui, "search.all"), Current: f.query.Type == ""}}
	for _, t := range centre.Types {
		if n := counts[t]; n > 0 {
			out = append(out, facet{Href: f.with(action, "type", t), Text: typePlural(ui, t), Count: n, Current: f.query.Type == t})
		}
	}
	return out
}

// tagFacets links to the results of the most frequent topics, at most 20.
func tagFacets(q *req, f *searchForm, action string, counts map[string]int) []facet {
	ui := uiLang(q.lang)
	if len(counts) == 0 {
		return nil
	}
	out := []facet{{Href: f.with(action, "tag", ""), Text: msg(ui, "search.all"), Current: f.query.Tag == ""}}
	tags := make([]string, 0, len(counts))
	for t := range counts {
		tags = append(tags, t)
	}
	sort.Slice(tags, func(i, j int) bool {
		a, b := counts[tags[i]], counts[tags[j]]
		return a > b || a == b && tags[i] < tags[j]
	})
	for _, t := range tags[:min(len(tags), 20)] {
		text, lang := tagLabel(q, t)
		out = append(out, facet{Href: f.with(action, "tag", t), Text: text, Lang: lang, Count: counts[t], Current: f.query.Tag == t})
	}
	return out
}

// renderSearch renders the search page and answers it: 400 for a query
// that cannot be run. Search runs in-process and is cheap, so the ETag is
// that of the rendered page.
func (s *Site) renderSearch(q *req, v *view, invalid bool) {
	var buf bytes.Buffer
	s.renders.Add(1)
	if err := s.tmpl.get("search").Execute(&buf, v); err != nil {
		s.fail(q.w, q.r, fmt.Errorf("web: render search: %w", err))
		return
	}
	status, cc := http.StatusOK, cacheControlPage
	if invalid {
		status, cc = http.StatusBadRequest, cacheControlNotFound
	}
	et := s.newETag(q, "search")
	et.add(strconv.Itoa(status), buf.String())
	s.securityHeaders(q.w, q.r)
	if v.NoIndex {
		q.w.Header().Set("X-Robots-Tag", "noindex")
	}
	if notModified(q.w, q.r, et.String(), et.cc(cc)) {
		return
	}
	write(q.w, q.r, status, "text/html; charset=utf-8", buf.Bytes())
}

// openSearchDescription is an OpenSearch 1.1 description document.
type openSearchDescription struct {
	XMLName       xml.Name         `xml:"http://a9.com/-/spec/opensearch/1.1/ OpenSearchDescription"`
	ShortName     string           `xml:"ShortName"`
	Description   string           `xml:"Description"`
	InputEncoding string           `xml:"InputEncoding"`
	Language      string           `xml:"Language"`
	Image         *openSearchImage `xml:"Image,omitempty"`
	URLs          []openSearchURL  `xml:"Url"`
}

type openSearchImage struct {
	Type   string `xml:"type,attr"`
	Width  int    `xml:"width,attr"`
	Height int    `xml:"height,attr"`
	URL    string `xml:",chardata"`
}

type openSearchURL struct {
	Type     string `xml:"type,attr"`
	Rel      string `xml:"rel,attr,omitempty"`
	Method   string `xml:"method,attr,omitempty"`
	Template string `xml:"template,attr"`
}

// openSearch answers {base}/opensearch.xml, which lets browsers add the
// site's search page as a search engine.
func (s *Site) openSearch(q *req) {
	et := s.newETag(q, "opensearch")
	s.securityHeaders(q.w, q.r)
	if notModified(q.w, q.r, et.String(), et.cc(cacheControlPage)) {
		return
	}
	ui := uiLang(q.site.DefaultLanguage())
	short := q.site.Title
	if utf8.RuneCountInString(short) > 16 { // the specification's limit
		short = strings.TrimSpace(string([]rune(short)[:16]))
	}
	d := openSearchDescription{
		ShortName: short, Description: msg(ui, "search.of", q.site.Title), InputEncoding: "UTF-8",
		Language: q.site.DefaultLanguage(),
		Image:    &openSearchImage{Type: "image/svg+xml", Width: 64, Height: 64, URL: q.origin + s.assets.url("icon.svg")},
		URLs: []openSearchURL{
			{Type: "text/html", Method: "get", Template: q.abs("/search") + "?q={searchTerms}"},
			{Type: "application/opensearchdescription+xml", Rel: "self", Template: q.abs("/opensearch.xml")},
		},
	}
	b, err := xml.MarshalIndent(d, "", " ")
	if err != nil {
		s.fail(q.w, q.r, err)
		return
	}
	write(q.w, q.r, http.StatusOK, "application/opensearchdescription+xml; charset=utf-8", append([]byte(xml.Header), append(b, '\n')...))
}
