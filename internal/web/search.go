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
var searchParams = map[string]bool{"q": true, "type": true, "tag": true, "organisation": true, "lang": true,
	"from": true, "to": true, "page": true}

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
}

type option struct {
	Value, Text string
	Selected    bool
}

type facet struct {
	Href, Text string
	Count      int
	Current    bool
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
	params := q.r.URL.Query()
	get := func(k string) string { return strings.TrimSpace(params.Get(k)) }
	sq := search.Query{Text: get("q"), Type: get("type"), Tag: get("tag"), Organisation: get("organisation"),
		Limit: s.pageSize}
	if get("lang") != "" {
		sq.Lang = q.lang
	}
	invalid := false
	if sq.Type != "" && !slices.Contains(centre.Types, sq.Type) {
		invalid = true
	}
	if utf8.RuneCountInString(sq.Text) > search.MaxQueryLen {
		invalid = true
	}
	var from, to time.Time
	for _, f := range []struct {
		name string
		t    *time.Time
	}{{"from", &from}, {"to", &to}} {
		if v := get(f.name); v != "" {
			d, err := time.Parse(time.DateOnly, v)
			if err != nil {
				invalid = true
				continue
			}
			*f.t = d
		}
	}
	sq.From = from
	if !to.IsZero() {
		sq.To = to.AddDate(0, 0, 1) // the whole day
	}
	page := 1
	if p := get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || strconv.Itoa(n) != p || (n-1)*s.pageSize > search.MaxOffset {
			invalid = true
		} else {
			page = n
		}
	}
	if page > 1 {
		// Result.Next is the offset of the next page: a page number names
		// one directly, so that the page can link to the previous one too.
		sq.After = strconv.Itoa((page - 1) * s.pageSize)
	}
	asked := sq.Text != "" || sq.Type != "" || sq.Tag != "" || sq.Organisation != "" || !from.IsZero() || !to.IsZero()
	var res search.Result
	if asked && !invalid {
		var err error
		res, err = s.opts.Searcher.Search(q.r.Context(), q.site.Slug, sq)
		switch {
		case centre.IsCode(err, centre.EINVALID):
			invalid = true
		case centre.IsCode(err, centre.ENOTFOUND): // the site was deleted meanwhile
			s.notFound(q.w, q.r, q, "")
			return
		case err != nil:
			s.fail(q.w, q.r, err)
			return
		case page > 1 && len(res.Hits) == 0:
			s.notFound(q.w, q.r, q, "badlink")
			return
		}
	}
	nav, err := s.navPages(q)
	if err != nil {
		s.fail(q.w, q.r, err)
		return
	}

	ui := uiLang(q.lang)
	title := msg(ui, "search")
	if sq.Text != "" {
		title = msg(ui, "search.title", sq.Text)
	}
	v := s.baseView(q, title, nav)
	v.Heading = msg(ui, "search")
	v.Description = msg(ui, "search.intro")
	v.Canonical = q.origin + q.pageURL("/search", q.lang)
	v.NoIndex = asked || invalid
	action := q.url("/search")
	sv := &searchView{Action: action, Q: sq.Text, Type: sq.Type, Asked: asked, Invalid: invalid}
	sv.Types = append(sv.Types, option{Value: "", Text: msg(ui, "search.anytype"), Selected: sq.Type == ""})
	for _, t := range centre.Types {
		sv.Types = append(sv.Types, option{Value: t, Text: typePlural(ui, t), Selected: sq.Type == t})
	}
	kept := url.Values{}
	for _, k := range []string{"lang", "tag", "organisation", "from", "to"} {
		if val := get(k); val != "" {
			sv.Hidden = append(sv.Hidden, option{Value: k, Text: val})
			kept.Set(k, val)
		}
	}
	current := url.Values{}
	for k := range searchParams {
		if val := get(k); val != "" && k != "page" {
			current.Set(k, val)
		}
	}
	// with returns the search URL with key set to val ("" removes it), on
	// its first page.
	with := func(key, val string) string {
		u := url.Values{}
		for k, vs := range current {
			u[k] = vs
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
	if asked && !invalid {
		filterText := map[string]string{
			"type": msg(ui, "search.type") + ": " + typePlural(ui, sq.Type), "tag": msg(ui, "topic", sq.Tag),
			"organisation": sq.Organisation, "from": msg(ui, "search.from", formatDate(ui, from)),
			"to": msg(ui, "search.to", formatDate(ui, to)),
		}
		for _, k := range []string{"type", "tag", "organisation", "from", "to"} {
			if get(k) != "" {
				sv.Filters = append(sv.Filters, link{Href: with(k, ""), Text: msg(ui, "search.remove", filterText[k])})
			}
		}
		if res.Total == 1 {
			sv.Count = msg(ui, "search.count.one")
		} else {
			sv.Count = msg(ui, "search.count", res.Total)
		}
		if res.Total == 0 {
			sv.None = msg(ui, "search.none")
			if sq.Text != "" {
				sv.None = msg(ui, "search.none.for", sq.Text)
			}
		}
		if len(res.Facets.Types) > 0 {
			sv.ByType = append(sv.ByType, facet{Href: with("type", ""), Text: msg(ui, "search.all"), Current: sq.Type == ""})
			for _, t := range centre.Types {
				if n := res.Facets.Types[t]; n > 0 {
					sv.ByType = append(sv.ByType, facet{Href: with("type", t), Text: typePlural(ui, t), Count: n, Current: sq.Type == t})
				}
			}
		}
		if len(res.Facets.Tags) > 0 {
			sv.ByTag = append(sv.ByTag, facet{Href: with("tag", ""), Text: msg(ui, "search.all"), Current: sq.Tag == ""})
			tags := make([]string, 0, len(res.Facets.Tags))
			for t := range res.Facets.Tags {
				tags = append(tags, t)
			}
			// The most frequent topics first, at most 20.
			sort.Slice(tags, func(i, j int) bool {
				a, b := res.Facets.Tags[tags[i]], res.Facets.Tags[tags[j]]
				return a > b || a == b && tags[i] < tags[j]
			})
			for _, t := range tags[:min(len(tags), 20)] {
				sv.ByTag = append(sv.ByTag, facet{Href: with("tag", t), Text: t, Count: res.Facets.Tags[t], Current: sq.Tag == t})
			}
		}
		pageURL := func(n int) string {
			u := with("page", "")
			if n > 1 {
				u += sep(u) + "page=" + strconv.Itoa(n)
			}
			return u
		}
		if page > 1 {
			sv.Prev = pageURL(page - 1)
			v.First = pageURL(1)
		}
		if res.Next != "" {
			v.Next = pageURL(page + 1)
		}
		for _, h := range res.Hits {
			it := item{
				Href: q.entryURL(h.Lang, h.Slug), Title: h.Title, TypeLabel: typeLabel(ui, h.Type), UI: ui, UIAttr: v.UIAttr,
				Summary: h.Summary, Published: h.PublishedAt, Withdrawn: h.Withdrawn,
				// The snippet is escaped text with <mark> elements: the
				// search package builds it so (see search.Hit).
				Snippet: template.HTML(h.Snippet), // #nosec G203 -- escaped by internal/search
			}
			if !strings.EqualFold(h.Lang, q.lang) {
				it.Lang = h.Lang
			}
			v.Items = append(v.Items, it)
		}
	}
	v.Search = sv

	var buf bytes.Buffer
	s.renders.Add(1)
	if err := s.tmpl["search"].Execute(&buf, v); err != nil {
		s.fail(q.w, q.r, fmt.Errorf("web: render search: %w", err))
		return
	}
	status := http.StatusOK
	cc := cacheControlPage
	if invalid {
		status, cc = http.StatusBadRequest, cacheControlNotFound
	}
	// Search runs in-process and is cheap: the ETag is that of the page.
	et := s.newETag(q, "search")
	et.add(strconv.Itoa(status), buf.String())
	s.securityHeaders(q.w, q.r)
	if v.NoIndex {
		q.w.Header().Set("X-Robots-Tag", "noindex")
	}
	if notModified(q.w, q.r, et.String(), cc) {
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
	if notModified(q.w, q.r, et.String(), cacheControlPage) {
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
