package web

import (
	"net/http"
	"net/url"
	"strconv"

	"infocentre/internal/centre"
	"infocentre/internal/cursor"
)

type listSpec struct{ Type, Tag, Org string }

func (l listSpec) path() string {
	switch {
	case l.Tag != "":
		return "/tags/" + l.Tag + "/"
	case l.Org != "":
		return "/organisations/" + l.Org + "/"
	case l.Type != "":
		return "/" + pluralOf(l.Type) + "/"
	}
	return "/"
}

// feedBase is the path of the directory of the list's feeds.
func (l listSpec) feedBase() string { return l.path() }

func (l listSpec) query(q *req) centre.EntryQuery {
	return centre.EntryQuery{Site: q.site.Slug, Type: l.Type, Tag: l.Tag, Organisation: l.Org}
}

// orgName finds the display name of organisation key among entries.
func orgName(key string, list []*centre.Entry) string {
	for _, e := range list {
		for _, o := range e.Organisations {
			if centre.OrgKey(o) == key {
				return o
			}
		}
	}
	return key
}

func (s *Site) list(q *req, spec listSpec) {
	if !pickLang(q) {
		s.notFound(q.w, q.r, q, "")
		return
	}
	scope := cursor.Scope(q.site.Slug, "web", spec.path(), q.lang)
	after, err := s.cursors.Open(scope, q.r.URL.Query().Get("after"))
	if err != nil {
		s.notFound(q.w, q.r, q, "badlink")
		return
	}
	nav, err := s.navPages(q)
	if err != nil {
		s.fail(q.w, q.r, err)
		return
	}
	eq := spec.query(q)
	eq.Lang, eq.Limit, eq.After = q.lang, s.pageSize, after
	var page centre.EntryPage
	if q.pageNum > 1 {
		// A path names the page by number: page through to it (at most
		// maxLivePage on the live site, see sitePath).
		for n := 1; n < q.pageNum; n++ {
			if page, err = s.read.PublicListing(q.r.Context(), eq); err != nil || page.Next == "" {
				break
			}
			eq.After = page.Next
		}
		if err == nil && page.Next == "" {
			s.notFound(q.w, q.r, q, "")
			return
		}
		after = eq.After
	}
	if err == nil {
		page, err = s.read.PublicListing(q.r.Context(), eq)
	}
	if err != nil {
		if centre.IsCode(err, centre.EINVALID) {
			s.notFound(q.w, q.r, q, "badlink")
			return
		}
		s.fail(q.w, q.r, err)
		return
	}
	if (spec.Tag != "" || spec.Org != "") && len(page.Items) == 0 && after == "" {
		// A tag or organisation unknown in every language is 404; one with
		// entries in other languages only has an empty page in this one,
		// so that the language switch of its pages never leads to a 404.
		anyLang := spec.query(q)
		anyLang.Limit = 1
		other, err := s.read.PublicListing(q.r.Context(), anyLang)
		if err != nil {
			s.fail(q.w, q.r, err)
			return
		}
		if len(other.Items) == 0 {
			s.notFound(q.w, q.r, q, "")
			return
		}
	}
	et := s.newETag(q, "list")
	et.entries(nav)
	et.entries(page.Items)
	et.add("next", page.Next)
	s.securityHeaders(q.w, q.r)
	if notModified(q.w, q.r, et.String(), et.cc(cacheControlPage)) {
		return
	}
	ui := uiLang(q.lang)
	var title, intro string
	switch {
	case spec.Tag != "":
		text, _ := tagLabel(q, spec.Tag)
		title, intro = msg(ui, "topic", text), msg(ui, "topic.intro")
	case spec.Org != "":
		text, _ := label(q, centre.LabelOrganisation, spec.Org, orgName(spec.Org, page.Items))
		title, intro = text, msg(ui, "org.intro")
	default:
		title = typePlural(ui, spec.Type)
	}
	v := s.baseView(q, title, nav)
	v.Intro = intro
	switch {
	case spec.Tag != "" && s.counter() != nil:
		crumbs(q, v, link{Href: q.pageURL("/tags/", q.lang), Text: msg(ui, "tags.all"), Lang: v.uiLang})
	case spec.Org != "" && s.counter() != nil:
		crumbs(q, v, link{Href: q.pageURL("/organisations/", q.lang), Text: msg(ui, "organisations.all"), Lang: v.uiLang})
	default:
		crumbs(q, v)
	}
	v.Description = title + " – " + v.SiteTitle
	first := q.pageURL(spec.path(), q.lang)
	v.Canonical = q.origin + first
	switch {
	case q.pageNum > 1:
		v.Canonical += "page/" + strconv.Itoa(q.pageNum) + "/"
		v.First, v.NoIndex = first, true
	case after != "":
		v.Canonical += sep(first) + "after=" + url.QueryEscape(q.r.URL.Query().Get("after"))
		v.First, v.NoIndex = first, true
	}
	if page.Next != "" {
		if q.static {
			v.Next = first + "page/" + strconv.Itoa(max(q.pageNum, 1)+1) + "/"
		} else {
			v.Next = first + sep(first) + "after=" + url.QueryEscape(s.cursors.Seal(scope, page.Next))
		}
	}
	pageLangs(q, v, spec.path())
	v.OG = &openGraph{Type: "website", Title: title, SiteName: v.SiteTitle, URL: v.Canonical, Locale: q.lang, Description: v.Description}
	fb := spec.feedBase()
	v.Feeds = append([]feedLink{
		{Type: "application/atom+xml", Text: title + " (Atom)", Href: q.url(fb + "feed.atom")},
	}, v.Feeds...)
	v.FooterFeeds = []link{
		{Href: q.url(fb + "feed.atom"), Text: msg(ui, "feed.atom.of", title)},
		{Href: q.url(fb + "feed.rss"), Text: msg(ui, "feed.rss.of", title)},
		{Href: q.url(fb + "feed.json"), Text: msg(ui, "feed.json.of", title)},
	}
	v.Items = s.items(q, v, page.Items, false)
	s.render(q, "list", v, http.StatusOK)
}
