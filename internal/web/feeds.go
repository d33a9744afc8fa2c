package web

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/feed"
)

type feedFormat int

const (
	formatAtom feedFormat = iota
	formatRSS
	formatJSON
)

func feedKind(name string) (feedFormat, bool) {
	switch name {
	case "feed.atom":
		return formatAtom, true
	case "feed.rss":
		return formatRSS, true
	case "feed.json":
		return formatJSON, true
	}
	return 0, false
}

// feedItems is the number of entries in a feed.
const feedItems = 50

// feed serves a feed of every language of the site's entries matching spec.
func (s *Site) feed(q *req, spec listSpec, format feedFormat) {
	eq := spec.query(q)
	eq.Limit = feedItems
	page, err := s.read.PublicListing(q.r.Context(), eq)
	if err != nil {
		s.fail(q.w, q.r, err)
		return
	}
	if (spec.Tag != "" || spec.Org != "") && len(page.Items) == 0 {
		s.notFound(q.w, q.r, q, "")
		return
	}
	et := s.newETag(q, "feed")
	et.entries(page.Items)
	if q.site.Status == centre.SiteArchived {
		et.add("archived", q.site.ArchivedAt.Format(time.RFC3339Nano))
	}
	s.securityHeaders(q.w, q.r)
	if notModified(q.w, q.r, et.String(), et.cc(cacheControlPage)) {
		return
	}
	title := q.site.Title
	switch {
	case spec.Tag != "":
		title += " – " + msg(uiLang(q.site.DefaultLanguage()), "topic", spec.Tag)
	case spec.Org != "":
		title += " – " + orgName(spec.Org, page.Items)
	case spec.Type != "":
		title += " – " + typePlural(uiLang(q.site.DefaultLanguage()), spec.Type)
	}
	f := &feed.Feed{
		Title:       title,
		Description: q.site.Tagline,
		Lang:        q.site.DefaultLanguage(),
		HomeURL:     q.origin + q.pageURL(spec.path(), q.site.DefaultLanguage()),
		SelfURL:     q.abs(q.path),
		Author:      q.site.Publisher,
		Updated:     q.site.UpdatedAt,
	}
	if s.opts.WebSubHub != "" && strings.HasPrefix(f.SelfURL, "http") {
		f.Hub = s.opts.WebSubHub
	}
	if q.site.Status == centre.SiteArchived {
		f.Archived = true
		f.ArchivedAt = q.site.ArchivedAt
		f.Notice = archivedNotice(uiLang(q.site.DefaultLanguage()), q.in(q.site.ArchivedAt))
	}
	if b := q.banner; b != nil {
		f.Items = append(f.Items, bannerItem(q, b))
		if b.UpdatedAt.After(f.Updated) {
			f.Updated = b.UpdatedAt
		}
	}
	for _, e := range page.Items {
		if u := e.LastModified(); u.After(f.Updated) {
			f.Updated = u
		}
		f.Items = append(f.Items, feedItem(q, e))
	}
	var body []byte
	var ctype string
	switch format {
	case formatAtom:
		body, ctype = must(feed.Atom(f)), feed.AtomType
	case formatRSS:
		body, ctype = must(feed.RSS(f)), feed.RSSType
	default:
		body, ctype = must(feed.JSON(f)), feed.JSONType
	}
	write(q.w, q.r, http.StatusOK, ctype, body)
}

// must unwraps the result of a feed writer: they fail only on values that
// cannot be encoded, which the types of package feed rule out.
func must(b []byte, err error) []byte {
	if err != nil {
		panic("web: feed encoding: " + err.Error())
	}
	return b
}

// bannerItem is the site's emergency banner as the first item of every
// feed of the site, while it is shown: readers that list items by date see
// it as the newest change when it is set or updated. Its ID names the
// alert (it stays while the banner is changed); its link is the banner's
// URL, or the site's home page; its categories are "alert" and the
// severity.
func bannerItem(q *req, b *centre.Banner) feed.Item {
	def := q.site.DefaultLanguage()
	u := b.URL
	if u == "" {
		u = q.origin + q.pageURL("/", def)
	}
	return feed.Item{
		ID:        "urn:infocentre:" + q.site.Slug + ":banner:" + b.ID,
		URL:       u,
		Title:     msg(uiLang(def), "alert."+b.Severity) + ": " + b.Heading,
		Type:      "alert",
		Lang:      def,
		Summary:   b.Text,
		Published: b.SetAt,
		Updated:   b.UpdatedAt,
		Tags:      []string{"alert", b.Severity},
	}
}

func feedItem(q *req, e *centre.Entry) feed.Item {
	it := feed.Item{
		ID:              "urn:infocentre:" + e.Site + ":" + e.ID,
		URL:             q.origin + q.entryURL(e.Lang, e.Slug),
		Title:           e.Title,
		Type:            e.Type,
		Lang:            e.Lang,
		Summary:         e.Summary,
		Published:       e.PublishedAt,
		Updated:         e.UpdatedAt,
		Tags:            e.Tags,
		Organisations:   e.Organisations,
		Withdrawn:       e.Status == centre.StatusWithdrawn,
		WithdrawnAt:     e.WithdrawnAt,
		WithdrawnReason: e.WithdrawnReason,
		ChangeNotes:     e.ChangeNotes,
	}
	if e.SupersededBy != "" {
		it.SupersededByURL = q.origin + q.entryURL(e.Lang, e.SupersededBy)
	}
	for _, a := range e.Attachments {
		it.Attachments = append(it.Attachments, feed.Attachment{Title: a.Title, URL: q.attachmentURL(a, true), MediaType: a.MediaType, Size: a.Size})
	}
	return it
}

// sitemapPages bounds the store reads of one sitemap request.
const sitemapPages = 20

// sitemap lists the home page, the list pages and every public entry (up to
// sitemapPages pages of the store), with language alternates.
func (s *Site) sitemap(q *req) {
	var all []*centre.Entry
	after := ""
	for range sitemapPages {
		page, err := s.read.PublicListing(q.r.Context(), centre.EntryQuery{Site: q.site.Slug, Limit: centre.MaxPageSize, After: after})
		if err != nil {
			s.fail(q.w, q.r, err)
			return
		}
		all = append(all, page.Items...)
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	et := s.newETag(q, "sitemap")
	et.entries(all)
	s.securityHeaders(q.w, q.r)
	if notModified(q.w, q.r, et.String(), et.cc(cacheControlPage)) {
		return
	}
	var urls []feed.SitemapURL
	pageAlts := func(p string) []feed.Alternate {
		if len(q.site.Languages) < 2 {
			return nil
		}
		var alts []feed.Alternate
		for _, l := range q.site.Languages {
			alts = append(alts, feed.Alternate{Lang: l, Href: q.origin + q.pageURL(p, l)})
		}
		return alts
	}
	def := q.site.DefaultLanguage()
	urls = append(urls, feed.SitemapURL{Loc: q.origin + q.pageURL("/", def), LastMod: q.site.UpdatedAt, Alternates: pageAlts("/")})
	for _, t := range listTypes {
		p := "/" + pluralOf(t) + "/"
		urls = append(urls, feed.SitemapURL{Loc: q.origin + q.pageURL(p, def), Alternates: pageAlts(p)})
	}
	bySlug := map[string][]*centre.Entry{}
	for _, e := range all {
		bySlug[e.Slug] = append(bySlug[e.Slug], e)
	}
	for _, e := range all {
		u := feed.SitemapURL{Loc: q.origin + q.entryURL(e.Lang, e.Slug), LastMod: e.LastModified()}
		if vs := bySlug[e.Slug]; len(vs) > 1 {
			sorted := append([]*centre.Entry(nil), vs...)
			sort.Slice(sorted, func(i, j int) bool { return sorted[i].Lang < sorted[j].Lang })
			for _, x := range sorted {
				u.Alternates = append(u.Alternates, feed.Alternate{Lang: x.Lang, Href: q.origin + q.entryURL(x.Lang, x.Slug)})
			}
		}
		urls = append(urls, u)
	}
	write(q.w, q.r, http.StatusOK, feed.XMLType, must(feed.Sitemap(urls)))
}

// siteRobots serves robots.txt of a site: everything may be crawled.
func (s *Site) siteRobots(q *req) {
	et := s.newETag(q, "robots")
	s.securityHeaders(q.w, q.r)
	if notModified(q.w, q.r, et.String(), et.cc(cacheControlPage)) {
		return
	}
	var maps []string
	if q.origin != "" { // a sitemap is named by its absolute URL
		maps = append(maps, q.abs("/sitemap.xml"))
	}
	write(q.w, q.r, http.StatusOK, feed.TextType, feed.Robots(maps))
}

// serveMainRobots serves robots.txt of a host that maps to no site: the
// API is off limits and every active site's sitemap is listed.
func (s *Site) serveMainRobots(w http.ResponseWriter, r *http.Request) {
	sites, err := s.read.PublicSites(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := &req{w: w, r: r, origin: s.originFor(r, ""), path: "/robots.txt"}
	et := s.newETag(q, "main-robots")
	var maps []string
	for _, site := range sites {
		et.add(site.Slug, strconv.FormatInt(site.Version, 10))
		if site.Status == centre.SiteActive && q.origin != "" { // sitemaps are named by absolute URLs
			maps = append(maps, q.origin+"/sites/"+site.Slug+"/sitemap.xml")
		}
	}
	s.securityHeaders(w, r)
	if notModified(w, r, et.String(), et.cc(cacheControlPage)) {
		return
	}
	write(w, r, http.StatusOK, feed.TextType, feed.Robots(maps, "/api/"))
}
