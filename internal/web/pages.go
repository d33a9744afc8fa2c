package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"infocentre/internal/centre"
	"infocentre/internal/cursor"
	"infocentre/internal/markdown"
)

var funcs = template.FuncMap{
	"t":      msg,
	"th":     msgHTML,
	"timeel": timeHTML,
}

func parseTemplates() map[string]*template.Template {
	base := template.Must(template.New("base.html").Funcs(funcs).ParseFS(templateFS, "templates/base.html"))
	pages, _ := fs.Glob(templateFS, "templates/*.html")
	out := map[string]*template.Template{}
	for _, p := range pages {
		name := strings.TrimSuffix(path.Base(p), ".html")
		if name == "base" {
			continue
		}
		out[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, p))
	}
	return out
}

// view is what every page template reads.
type view struct {
	Lang        string
	UI          string            // language of the site's own words
	UIAttr      template.HTMLAttr // ` lang="en"` when UI differs from Lang
	uiLang      string            // "en" when UI differs from Lang, else ""
	SiteAttr    template.HTMLAttr // ` lang="xx"` on the site's texts when Lang is not its default
	Title       string
	Heading     string
	Intro       string
	Description string
	Canonical   string
	NoIndex     bool
	Site        *centre.Site
	Archived    bool
	ArchivedAt  time.Time
	Preview     bool
	Home        string
	CSS         string
	ThemeCSS    string
	Logo        string // the site's own logo image, if it has one
	Icon        string
	Nav         []link
	Langs       []langLink
	Alternates  []alternate
	Feeds       []feedLink
	FooterFeeds []link
	OG          *openGraph
	JSONLD      any

	Sections []section
	Items    []item
	Next     string
	First    string
	Entry    *entryView
	Action   *link // error pages: where to go instead
	Search   *searchView

	OpenSearch string // the site's OpenSearch description, when it has search
}

type link struct {
	Href, Text, Lang string
	Current          bool
}

type langLink struct {
	Href, Lang, Name string
	Current          bool
}

type alternate struct{ Lang, Href string }

type feedLink struct{ Type, Text, Href string }

type openGraph struct {
	Type, Title, SiteName, URL, Locale, Description, Published, Modified string
	Tags                                                                 []string
}

type section struct {
	ID, Title string
	Items     []item
	More      *link
}

type item struct {
	Href, Title, TypeLabel, Summary, Lang, UI string
	UIAttr                                    template.HTMLAttr
	Snippet                                   template.HTML // search results: escaped text with <mark>
	Published                                 time.Time
	Withdrawn, H3                             bool
}

type entryView struct {
	E              *centre.Entry
	TypeLabel      string
	Withdrawn      bool
	WithdrawnAt    time.Time
	Updated        bool
	Body           template.HTML
	Orgs           []link
	Tags           []link
	Attachments    []attachmentView
	Changes        []centre.ChangeNote
	SupersededHref string
	ExpiredAt      time.Time // set once the entry has expired
	OutdatedSince  time.Time // set on a translation whose source changed
	SourceHref     string    // the source version of an outdated translation
	SourceLang     string    // its language, named in the page's UI language
}

type attachmentView struct {
	Title, URL, Format, Size, Lang, LangName string
}

func typeLabel(ui, t string) string  { return msg(ui, t) }
func typePlural(ui, t string) string { return msg(ui, t+"s") }

// langName returns the name of a language in that language ("Français").
func langName(tag string) string {
	t, err := language.Parse(tag)
	if err != nil {
		return tag
	}
	if n := []rune(display.Self.Name(t)); len(n) > 0 {
		n[0] = unicode.ToUpper(n[0])
		return string(n)
	}
	return tag
}

// listTypes are the entry types with their own list page on the home page.
var listTypes = []string{centre.TypeStatement, centre.TypePublication, centre.TypeNews}

// baseView fills what every page of a site shows. nav holds the site's
// public pages in the page language.
func (s *Site) baseView(q *req, title string, nav []*centre.Entry) *view {
	ui := uiLang(q.lang)
	v := &view{
		Lang:     q.lang,
		UI:       ui,
		Title:    title,
		Heading:  title,
		Site:     q.site,
		Archived: q.site.Status == centre.SiteArchived,
		Home:     q.pageURL("/", q.lang),
		CSS:      s.assets.url("style.css"),
		Icon:     s.assets.url("icon.svg"),
	}
	if v.Archived {
		v.ArchivedAt = q.site.ArchivedAt
	}
	if base, _, _ := strings.Cut(strings.ToLower(q.lang), "-"); base != ui {
		v.uiLang, v.UIAttr = ui, template.HTMLAttr(` lang="`+ui+`"`) // #nosec G203 -- ui is a catalogue key
	}
	if def := q.site.DefaultLanguage(); !strings.EqualFold(def, q.lang) && centre.ValidLanguage(def) {
		v.SiteAttr = template.HTMLAttr(` lang="` + def + `"`) // #nosec G203 -- validated language tag
	}
	if title != q.site.Title {
		v.Title = title + " – " + q.site.Title
	}
	if q.site.Theme.Accent != "" && CheckAccent(q.site.Theme.Accent) == nil {
		v.ThemeCSS = q.url("/theme." + accentHash(q.site.Theme.Accent) + ".css")
	}
	if lp := logoPath(q.site); lp != "" {
		v.Logo = q.url(lp)
	}
	v.Nav = append(v.Nav, link{Href: v.Home, Text: msg(ui, "home"), Lang: v.uiLang, Current: q.path == "/"})
	for _, t := range listTypes {
		p := "/" + pluralOf(t) + "/"
		v.Nav = append(v.Nav, link{Href: q.pageURL(p, q.lang), Text: typePlural(ui, t), Lang: v.uiLang, Current: q.path == p})
	}
	if s.searchable(q) {
		v.Nav = append(v.Nav, link{Href: q.pageURL("/search", q.lang), Text: msg(ui, "search"), Lang: v.uiLang, Current: q.path == "/search"})
		v.OpenSearch = q.url("/opensearch.xml")
	}
	for _, e := range nav {
		if e.Status != centre.StatusPublished {
			continue
		}
		p := "/" + e.Lang + "/" + e.Slug
		v.Nav = append(v.Nav, link{Href: q.entryURL(e.Lang, e.Slug), Text: e.Title, Current: q.path == p})
	}
	v.Feeds = []feedLink{
		{Type: "application/atom+xml", Text: q.site.Title + " (Atom)", Href: q.url("/feed.atom")},
		{Type: "application/rss+xml", Text: q.site.Title + " (RSS)", Href: q.url("/feed.rss")},
		{Type: "application/feed+json", Text: q.site.Title + " (JSON Feed)", Href: q.url("/feed.json")},
	}
	v.FooterFeeds = []link{
		{Href: q.url("/feed.atom"), Text: msg(ui, "feed.atom")},
		{Href: q.url("/feed.rss"), Text: msg(ui, "feed.rss")},
		{Href: q.url("/feed.json"), Text: msg(ui, "feed.json")},
	}
	return v
}

// pageLangs sets the language switch and hreflang alternates of a page
// that exists in every site language (home and lists).
func pageLangs(q *req, v *view, p string) {
	if len(q.site.Languages) < 2 {
		return
	}
	for _, l := range q.site.Languages {
		href := q.pageURL(p, l)
		v.Langs = append(v.Langs, langLink{Href: href, Lang: l, Name: langName(l), Current: l == q.lang})
		v.Alternates = append(v.Alternates, alternate{Lang: l, Href: q.origin + href})
	}
}

// pickLang applies ?lang= to q; it reports false for a language the site
// does not have.
func pickLang(q *req) bool {
	l := q.r.URL.Query().Get("lang")
	if q.static {
		l = q.staticLang
	}
	if l == "" {
		return true
	}
	for _, sl := range q.site.Languages {
		if strings.EqualFold(sl, l) {
			q.lang = sl
			return true
		}
	}
	return false
}

func (s *Site) navPages(q *req) ([]*centre.Entry, error) {
	p, err := s.read.PublicListing(q.r.Context(), centre.EntryQuery{
		Site: q.site.Slug, Type: centre.TypePage, Lang: q.lang, Limit: 20,
	})
	return p.Items, err
}

func (s *Site) items(q *req, v *view, list []*centre.Entry, h3 bool) []item {
	out := make([]item, 0, len(list))
	for _, e := range list {
		it := item{
			Href: q.entryURL(e.Lang, e.Slug), Title: e.Title, TypeLabel: typeLabel(v.UI, e.Type), UI: v.UI, UIAttr: v.UIAttr,
			Summary: e.Summary, Published: e.PublishedAt, Withdrawn: e.Status == centre.StatusWithdrawn, H3: h3,
		}
		if e.Lang != q.lang {
			it.Lang = e.Lang
		}
		out = append(out, it)
	}
	return out
}

// render executes a page template and writes it. The caching headers must
// already be set.
func (s *Site) render(q *req, name string, v *view, status int) {
	s.renders.Add(1)
	var buf bytes.Buffer
	if err := s.tmpl[name].Execute(&buf, v); err != nil {
		s.fail(q.w, q.r, fmt.Errorf("web: render %s: %w", name, err))
		return
	}
	write(q.w, q.r, status, "text/html; charset=utf-8", buf.Bytes())
}

// ---- home ----

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
	lists := make([][]*centre.Entry, len(listTypes))
	for i, t := range listTypes {
		p, err := s.read.PublicListing(ctx, centre.EntryQuery{Site: q.site.Slug, Type: t, Lang: q.lang, Limit: homeItems})
		if err != nil {
			s.fail(q.w, q.r, err)
			return
		}
		lists[i] = p.Items
	}
	et := s.newETag(q, "home")
	et.entries(nav)
	et.entries(pinned)
	for _, l := range lists {
		et.entries(l)
	}
	s.securityHeaders(q.w, q.r)
	if notModified(q.w, q.r, et.String(), cacheControlPage) {
		return
	}
	v := s.baseView(q, q.site.Title, nav)
	v.Description = q.site.Tagline
	if v.Description == "" {
		v.Description = q.site.Description
	}
	v.Canonical = q.origin + q.pageURL("/", q.lang)
	pageLangs(q, v, "/")
	v.OG = &openGraph{Type: "website", Title: q.site.Title, SiteName: q.site.Title, URL: v.Canonical, Locale: q.lang, Description: v.Description}
	v.JSONLD = map[string]any{
		"@context": "https://schema.org", "@type": "WebSite", "name": q.site.Title, "url": v.Canonical,
		"inLanguage": q.lang, "publisher": map[string]any{"@type": "Organization", "name": q.site.Publisher},
	}
	if len(pinned) > 0 {
		v.Sections = append(v.Sections, section{ID: "pinned", Title: msg(v.UI, "pinned"), Items: s.items(q, v, pinned, true)})
	}
	for i, t := range listTypes {
		v.Sections = append(v.Sections, section{
			ID: pluralOf(t), Title: msg(v.UI, "latest."+t), Items: s.items(q, v, lists[i], true),
			More: &link{Href: q.pageURL("/"+pluralOf(t)+"/", q.lang), Text: msg(v.UI, "all."+t)},
		})
	}
	s.render(q, "home", v, http.StatusOK)
}

// ---- lists: per type, tag and organisation ----

type listSpec struct{ Type, Tag, Org string }

func (l listSpec) path() string {
	switch {
	case l.Tag != "":
		return "/tags/" + l.Tag
	case l.Org != "":
		return "/organisations/" + l.Org
	case l.Type != "":
		return "/" + pluralOf(l.Type) + "/"
	}
	return "/"
}

func (l listSpec) feedBase() string {
	switch {
	case l.Tag != "", l.Org != "":
		return l.path() + "/"
	}
	return l.path()
}

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
	if q.static && q.staticPage > 1 {
		// A static copy names pages by number: page through to it.
		for n := 1; n < q.staticPage; n++ {
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
	if notModified(q.w, q.r, et.String(), cacheControlPage) {
		return
	}
	ui := uiLang(q.lang)
	var title, intro string
	switch {
	case spec.Tag != "":
		title, intro = msg(ui, "topic", spec.Tag), msg(ui, "topic.intro")
	case spec.Org != "":
		title, intro = orgName(spec.Org, page.Items), msg(ui, "org.intro")
	default:
		title = typePlural(ui, spec.Type)
	}
	v := s.baseView(q, title, nav)
	v.Intro = intro
	v.Description = title + " – " + q.site.Title
	first := q.pageURL(spec.path(), q.lang)
	v.Canonical = q.origin + first
	switch {
	case q.static && q.staticPage > 1:
		v.Canonical += "page/" + strconv.Itoa(q.staticPage) + "/"
		v.First, v.NoIndex = first, true
	case after != "":
		v.Canonical += sep(first) + "after=" + url.QueryEscape(q.r.URL.Query().Get("after"))
		v.First, v.NoIndex = first, true
	}
	if page.Next != "" {
		if q.static {
			v.Next = first + "page/" + strconv.Itoa(max(q.staticPage, 1)+1) + "/"
		} else {
			v.Next = first + sep(first) + "after=" + url.QueryEscape(s.cursors.Seal(scope, page.Next))
		}
	}
	pageLangs(q, v, spec.path())
	v.OG = &openGraph{Type: "website", Title: title, SiteName: q.site.Title, URL: v.Canonical, Locale: q.lang, Description: v.Description}
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

// sep returns the character that adds a query parameter to href.
func sep(href string) string {
	if strings.Contains(href, "?") {
		return "&"
	}
	return "?"
}

// ---- entry ----

func (s *Site) entry(q *req, lang, slug string) {
	ctx := q.r.Context()
	pub, err := s.read.PublicVersions(ctx, q.site.Slug, slug)
	if centre.IsCode(err, centre.ENOTFOUND) {
		s.notFound(q.w, q.r, q, "")
		return
	} else if err != nil {
		s.fail(q.w, q.r, err)
		return
	}
	e, gone := pub.In(lang)
	versions := pub.Versions
	if e == nil {
		if gone {
			q.lang = lang
			s.gone(q)
			return
		}
		s.notFound(q.w, q.r, q, "")
		return
	}
	if e.Lang != lang {
		if q.static {
			s.notFound(q.w, q.r, q, "")
			return
		}
		s.redirect(q, "/"+e.Lang+"/"+e.Slug)
		return
	}
	q.lang = e.Lang
	nav, err := s.navPages(q)
	if err != nil {
		s.fail(q.w, q.r, err)
		return
	}
	expired := pub.Expired(e)
	et := s.newETag(q, "entry")
	et.entries(nav)
	et.entries(versions)
	et.add("expired", strconv.FormatBool(expired))
	s.securityHeaders(q.w, q.r)
	if notModified(q.w, q.r, et.String(), cacheControlPage) {
		return
	}
	v := s.entryView(q, e, versions, nav, expired)
	s.render(q, "entry", v, http.StatusOK)
}

// entryView builds the page of entry e, one of the public language
// versions of its slug (or a preview, then versions is nil), marked as
// expired if it is.
func (s *Site) entryView(q *req, e *centre.Entry, versions, nav []*centre.Entry, expired bool) *view {
	v := s.baseView(q, e.Title, nav)
	v.Description = e.Summary
	v.Canonical = q.origin + q.entryURL(e.Lang, e.Slug)
	if len(versions) > 1 {
		for _, x := range versions {
			href := q.entryURL(x.Lang, x.Slug)
			v.Langs = append(v.Langs, langLink{Href: href, Lang: x.Lang, Name: langName(x.Lang), Current: x == e})
			v.Alternates = append(v.Alternates, alternate{Lang: x.Lang, Href: q.origin + href})
		}
	}
	ev := &entryView{
		E: e, TypeLabel: typeLabel(v.UI, e.Type),
		Withdrawn:   e.Status == centre.StatusWithdrawn,
		WithdrawnAt: e.WithdrawnAt,
		Updated:     !e.UpdatedAt.IsZero() && e.UpdatedAt.Sub(e.PublishedAt) >= time.Minute,
		Changes:     e.ChangeNotes,
	}
	if ev.WithdrawnAt.IsZero() {
		ev.WithdrawnAt = e.UpdatedAt
	}
	if expired {
		ev.ExpiredAt = e.ExpiresAt
	}
	if !e.OutdatedSince.IsZero() {
		ev.OutdatedSince = e.OutdatedSince
		src := q.site.DefaultLanguage()
		ev.SourceLang = langNameIn(v.UI, src)
		for _, x := range versions {
			if strings.EqualFold(x.Lang, src) && x != e {
				ev.SourceHref = q.entryURL(x.Lang, x.Slug)
			}
		}
	}
	ev.Body = s.bodyHTML(q, e)
	for _, o := range e.Organisations {
		ev.Orgs = append(ev.Orgs, link{Href: q.pageURL("/organisations/"+centre.OrgKey(o), e.Lang), Text: o})
	}
	for _, t := range e.Tags {
		ev.Tags = append(ev.Tags, link{Href: q.pageURL("/tags/"+t, e.Lang), Text: t})
	}
	for _, a := range e.Attachments {
		av := attachmentView{Title: a.Title, URL: a.URL, Format: formatName(a.MediaType), Size: humanSize(a.Size), Lang: a.Lang}
		if a.Lang != "" && !strings.EqualFold(a.Lang, e.Lang) {
			av.LangName = langName(a.Lang)
		}
		ev.Attachments = append(ev.Attachments, av)
	}
	if e.SupersededBy != "" {
		ev.SupersededHref = q.entryURL(e.Lang, e.SupersededBy)
	}
	v.Entry = ev
	og := &openGraph{Type: "article", Title: e.Title, SiteName: q.site.Title, URL: v.Canonical, Locale: e.Lang,
		Description: e.Summary, Published: e.PublishedAt.UTC().Format(time.RFC3339), Tags: e.Tags}
	if ev.Updated {
		og.Modified = e.UpdatedAt.UTC().Format(time.RFC3339)
	}
	v.OG = og
	v.JSONLD = jsonLD(q, e, v.Canonical)
	return v
}

// langNameIn names language tag in language ui ("anglais" in French).
func langNameIn(ui, tag string) string {
	t, err := language.Parse(tag)
	if err != nil {
		return tag
	}
	if n := display.Tags(language.Make(ui)).Name(t); n != "" {
		return n
	}
	return langName(tag)
}

// bodyHTML returns the entry body, sanitised again at display time so that
// a stored value written around the service can never inject markup.
func (s *Site) bodyHTML(q *req, e *centre.Entry) template.HTML {
	var out string
	if e.BodyHTML != "" {
		out = markdown.Sanitize(e.BodyHTML)
	} else if e.Body != "" {
		var err error
		if out, err = markdown.Render(e.Body); err != nil {
			s.log.WarnContext(q.r.Context(), "web: body does not render", "site", e.Site, "id", e.ID, "err", err)
			return ""
		}
	}
	if q.static {
		out = localLinks(q, out)
	}
	return template.HTML(out) // #nosec G203 -- sanitised
}

// localLinks rewrites the links of sanitised body HTML that point into the
// site (by /sites/{slug}/ or through one of its hosts) into root-relative
// links, for a static copy served at the root of another host.
func localLinks(q *req, body string) string {
	prefixes := []string{"/sites/" + q.site.Slug + "/"}
	for _, h := range q.site.Hosts {
		prefixes = append(prefixes, "https://"+h+"/", "http://"+h+"/", "//"+h+"/")
	}
	for _, p := range prefixes {
		body = strings.ReplaceAll(body, `href="`+p, `href="/`)
	}
	return body
}

// jsonLD returns the schema.org description of an entry.
func jsonLD(q *req, e *centre.Entry, canonical string) map[string]any {
	publisher := map[string]any{"@type": "Organization", "name": q.site.Publisher}
	d := map[string]any{
		"@context":   "https://schema.org",
		"url":        canonical,
		"inLanguage": e.Lang,
	}
	switch e.Type {
	case centre.TypeStatement:
		d["@type"] = "SpecialAnnouncement"
		d["name"] = e.Title
		d["datePosted"] = e.PublishedAt.UTC().Format(time.RFC3339)
		if e.Summary != "" {
			d["text"] = e.Summary
		}
		d["publisher"] = publisher
		if !e.WithdrawnAt.IsZero() {
			d["expires"] = e.WithdrawnAt.UTC().Format(time.RFC3339)
		}
	case centre.TypePage:
		d["@type"] = "WebPage"
		d["name"] = e.Title
		d["publisher"] = publisher
	default:
		if e.Type == centre.TypePublication {
			d["@type"] = "Report"
		} else {
			d["@type"] = "NewsArticle"
		}
		d["headline"] = e.Title
		d["datePublished"] = e.PublishedAt.UTC().Format(time.RFC3339)
		d["dateModified"] = e.UpdatedAt.UTC().Format(time.RFC3339)
		d["mainEntityOfPage"] = canonical
		d["publisher"] = publisher
		if e.Summary != "" {
			d["description"] = e.Summary
		}
		var authors []map[string]any
		for _, o := range e.Organisations {
			authors = append(authors, map[string]any{"@type": "Organization", "name": o})
		}
		if len(authors) == 0 {
			authors = append(authors, publisher)
		}
		d["author"] = authors
	}
	if len(e.Tags) > 0 {
		d["keywords"] = strings.Join(e.Tags, ", ")
	}
	if len(e.Attachments) > 0 {
		var media []map[string]any
		for _, a := range e.Attachments {
			m := map[string]any{"@type": "MediaObject", "name": a.Title, "contentUrl": a.URL, "encodingFormat": a.MediaType}
			if a.Size > 0 {
				m["contentSize"] = strconv.FormatInt(a.Size, 10)
			}
			if a.Lang != "" {
				m["inLanguage"] = a.Lang
			}
			media = append(media, m)
		}
		d["associatedMedia"] = media
	}
	return d
}

var formatNames = map[string]string{
	"application/pdf":    "PDF",
	"application/msword": "Word",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   "Word",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         "Excel",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint",
	"application/vnd.ms-excel":                        "Excel",
	"application/vnd.oasis.opendocument.text":         "OpenDocument text",
	"application/vnd.oasis.opendocument.spreadsheet":  "OpenDocument spreadsheet",
	"application/vnd.oasis.opendocument.presentation": "OpenDocument presentation",
	"application/zip":                                 "ZIP archive",
	"application/json":                                "JSON",
	"text/csv":                                        "CSV",
	"text/plain":                                      "Text",
	"text/html":                                       "Web page",
}

// formatName names a media type for people: "PDF", "Excel", "PNG image".
func formatName(mediaType string) string {
	mt, _, err := mime.ParseMediaType(mediaType)
	if err != nil {
		return mediaType
	}
	if n, ok := formatNames[mt]; ok {
		return n
	}
	major, minor, _ := strings.Cut(mt, "/")
	minor = strings.TrimPrefix(minor, "x-")
	switch major {
	case "image", "audio", "video":
		return strings.ToUpper(minor) + " " + major
	}
	return strings.ToUpper(minor)
}

// humanSize formats a byte count in SI units: "950 bytes", "1.2 MB".
func humanSize(n int64) string {
	switch {
	case n <= 0:
		return ""
	case n < 1000:
		return strconv.FormatInt(n, 10) + " bytes"
	}
	units := []string{"kB", "MB", "GB", "TB"}
	f := float64(n)
	i := -1
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	if f >= 100 {
		return strconv.FormatFloat(f, 'f', 0, 64) + " " + units[i]
	}
	return strconv.FormatFloat(f, 'f', 1, 64) + " " + units[i]
}

// ---- 404 and 410 ----

// generic is the site shown on error pages outside any site.
var generic = &centre.Site{Title: "Information centre", Languages: []string{"en"}}

// notFound answers 404 in the style of the site of q (or a plain style if
// q is nil). textKey names the message that replaces the default
// explanation.
func (s *Site) notFound(w http.ResponseWriter, r *http.Request, q *req, textKey string) {
	if textKey == "" {
		textKey = "notfound.text"
	}
	s.errorPage(w, r, q, http.StatusNotFound, "notfound", textKey)
}

func (s *Site) gone(q *req) {
	s.errorPage(q.w, q.r, q, http.StatusGone, "gone", "gone.text")
}

func (s *Site) errorPage(w http.ResponseWriter, r *http.Request, q *req, status int, titleKey, textKey string) {
	s.errorPageWith(w, r, q, status, titleKey, textKey, nil, cacheControlNotFound)
}

// errorPageWith answers an error page that may offer an action link, with
// its own Cache-Control.
func (s *Site) errorPageWith(w http.ResponseWriter, r *http.Request, q *req, status int, titleKey, textKey string, action *link, cacheControl string) {
	if q == nil || q.site == nil {
		q = &req{w: w, r: r, site: generic, prefix: "", origin: s.originFor(r, ""), path: r.URL.Path, lang: "en"}
	}
	var nav []*centre.Entry
	if q.site != generic {
		var err error
		if nav, err = s.navPages(q); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	et := s.newETag(q, "error"+strconv.Itoa(status))
	et.add(titleKey, textKey)
	if action != nil {
		et.add(action.Href, action.Text)
	}
	et.entries(nav)
	s.securityHeaders(w, r)
	w.Header().Set("X-Robots-Tag", "noindex")
	if notModified(w, r, et.String(), cacheControl) {
		return
	}
	ui := uiLang(q.lang)
	v := s.baseView(q, msg(ui, titleKey), nav)
	v.Intro = msg(ui, textKey)
	v.NoIndex = true
	v.Action = action
	if q.site == generic {
		v.Nav, v.Feeds, v.FooterFeeds, v.ThemeCSS, v.OpenSearch = nil, nil, nil, "", ""
	}
	s.render(q, "error", v, status)
}
