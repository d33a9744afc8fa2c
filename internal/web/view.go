package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"infocentre/internal/centre"
)

var funcs = template.FuncMap{
	"t":      msg,
	"th":     msgHTML,
	"timeel": timeHTML,
	"linkHTML": func(href, text string) template.HTML {
		return template.HTML(`<a href="` + template.HTMLEscapeString(href) + `">` + template.HTMLEscapeString(text) + `</a>`) // #nosec G203 -- both escaped
	},
}

// pageTemplates are the page templates, each parsed (with base.html) on
// its first use: a new process (a Lambda cold start) parses only the
// pages it serves, not all of them before its first answer. The embedded
// templates are fixed, so a parse error is a defect of the build, which
// TestTemplatesParse catches; here it panics (the server answers 500).
type pageTemplates map[string]func() *template.Template

func parseTemplates() pageTemplates {
	base := sync.OnceValue(func() *template.Template {
		return template.Must(template.New("base.html").Funcs(funcs).ParseFS(templateFS, "templates/base.html"))
	})
	pages, _ := fs.Glob(templateFS, "templates/*.html")
	out := pageTemplates{}
	for _, p := range pages {
		name := strings.TrimSuffix(path.Base(p), ".html")
		if name == "base" {
			continue
		}
		out[name] = sync.OnceValue(func() *template.Template {
			return template.Must(template.Must(base().Clone()).ParseFS(templateFS, p))
		})
	}
	return out
}

// get returns the named page template, parsed; nil for an unknown name.
func (t pageTemplates) get(name string) *template.Template {
	if f := t[name]; f != nil {
		return f()
	}
	return nil
}

// view is what every page template reads.
type view struct {
	Lang     string
	UI       string            // language of the site's own words
	UIAttr   template.HTMLAttr // ` lang="en"` when UI differs from Lang
	uiLang   string            // "en" when UI differs from Lang, else ""
	SiteAttr template.HTMLAttr // ` lang="xx"` on the site's texts when they are not in Lang
	// SiteTitle, SiteTagline and SiteDescription are the site's profile in
	// the page language (its translation), else in its default language.
	SiteTitle, SiteTagline, SiteDescription string
	Title                                   string
	Heading                                 string
	Intro                                   string
	Description                             string
	Canonical                               string
	NoIndex                                 bool
	Site                                    *centre.Site
	Archived                                bool
	ArchivedAt                              time.Time
	Preview                                 bool
	Banner                                  *bannerView // the site's emergency banner, if shown
	Home                                    string
	CSS                                     string
	ThemeCSS                                string
	Logo                                    string // the site's own logo image, if it has one
	Icon                                    string
	Nav                                     []link
	Langs                                   []langLink
	Alternates                              []alternate
	Feeds                                   []feedLink
	FooterFeeds                             []link
	OG                                      *openGraph
	JSONLD                                  any

	Sections []section
	Items    []item
	Next     string
	First    string
	Entry    *entryView
	Action   *link // error pages: where to go instead
	Search   *searchView
	Index    []facet // index pages: each tag or organisation with its count
	// SearchBox is the search form in the header of every page of a site
	// with search.
	SearchBox *searchBox
	// Crumbs are the links of the breadcrumb trail above the page's
	// heading (none on the home page); CrumbAttr marks the heading's
	// language inside the trail when the trail's words are in another.
	Crumbs      []link
	CrumbAttr   template.HTMLAttr
	FooterPages []link // the site's contact, privacy and accessibility pages
	// Subscribe is the site-wide email alert form of the footer, and
	// SubscribeEntry the entry page's one (nil: none).
	Subscribe, SubscribeEntry *subscribeForm
	Indexes                   []link // footer: the index pages

	OpenSearch string // the site's OpenSearch description, when it has search
}

// bannerView is a site's emergency banner on a page: its texts are in the
// site's default language (Attr marks them when the page is in another),
// its labels in the page's UI language.
type bannerView struct {
	Severity, Label, Heading, Text, URL, More string
	Attr                                      template.HTMLAttr
}

// searchBox is the header's search form.
type searchBox struct {
	Action, Q, Lang string // Lang: the language filter, outside the default language
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
	Image                                                                *ogImage // lead image, else the site's logo, else none
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
	Updated                                   time.Time // a major update after publication, or zero
	Withdrawn, H3                             bool
	Partial                                   bool // search: matches only some of the words
}

// subscribeForm is an email alert form (internal/alerts answers it).
type subscribeForm struct {
	ID, Action, Scope, Lang, Heading      string
	Email, Freq, Immediate, Daily, Button string
	Attr                                  template.HTMLAttr // ` lang="…"` when its words are not in the page's language
}

func newSubscribeForm(q *req, ui, id, scope, heading string) *subscribeForm {
	return &subscribeForm{ID: id, Action: "/sites/" + q.site.Slug + "/subscribe", Scope: scope, Lang: q.lang, Heading: heading,
		Email: msg(ui, "subscribe.email"), Freq: msg(ui, "subscribe.freq"), Immediate: msg(ui, "subscribe.immediate"),
		Daily: msg(ui, "subscribe.daily"), Button: msg(ui, "subscribe.button")}
}

type entryView struct {
	E              *centre.Entry
	TypeLabel      string
	Withdrawn      bool
	WithdrawnAt    time.Time
	Updated        bool
	Preview        bool               // a preview: no publication date or history
	LastChange     *centre.ChangeNote // the latest public change, shown at the top
	Body           template.HTML
	Orgs           []link
	Tags           []link
	Attachments    []attachmentView
	AccessibleHref string     // where to ask for a document in an accessible format
	Image          *leadImage // the lead image, or nil
	Share          []link     // share links (no third-party script), with ShareURL
	ShareURL       string     // the page's absolute URL, to copy
	Changes        []centre.ChangeNote
	SupersededHref string
	ExpiredAt      time.Time // set once the entry has expired
	OutdatedSince  time.Time // set on a translation whose source changed
	SourceHref     string    // the source version of an outdated translation
	SourceLang     string    // its language, named in the page's UI language
}

type attachmentView struct {
	Title, URL, Format, Size, Lang, LangName string
	Details                                  string // "PDF, 12 pages, 2.5 MB"
}

func typeLabel(ui, t string) string  { return msg(ui, t) }
func typePlural(ui, t string) string { return msg(ui, t+"s") }

// majorUpdate reports whether e was updated publicly after it was first
// published (a major change; minor ones keep UpdatedAt).
func majorUpdate(e *centre.Entry) bool {
	return !e.UpdatedAt.IsZero() && e.UpdatedAt.Sub(e.PublishedAt) >= time.Minute
}

// footerPage reports the slugs of the pages linked from the footer (the
// site's contact, privacy and accessibility statements) instead of the
// header's menu.
func footerPage(slug string) bool {
	return slug == "contact" || slug == "privacy" || slug == "accessibility"
}

// crumbs sets the breadcrumb trail of a page below the home page: home,
// then the pages above this one.
func crumbs(q *req, v *view, above ...link) {
	v.Crumbs = append([]link{{Href: v.Home, Text: msg(v.UI, "home")}}, above...)
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
		v.ArchivedAt = q.in(q.site.ArchivedAt)
	}
	if b := q.banner; b != nil {
		v.Banner = &bannerView{Severity: b.Severity, Label: msg(ui, "alert."+b.Severity), Heading: b.Heading,
			Text: b.Text, URL: b.URL, More: msg(ui, "alert.more")}
	}
	if base, _, _ := strings.Cut(strings.ToLower(q.lang), "-"); base != ui {
		v.uiLang, v.UIAttr = ui, template.HTMLAttr(` lang="`+ui+`"`) // #nosec G203 -- ui is a catalogue key
	}
	text := q.site.Text(q.lang)
	v.SiteTitle, v.SiteTagline, v.SiteDescription = text.Title, text.Tagline, text.Description
	if def := q.site.DefaultLanguage(); !strings.EqualFold(def, q.lang) && centre.ValidLanguage(def) {
		v.SiteAttr = template.HTMLAttr(` lang="` + def + `"`) // #nosec G203 -- validated language tag
		if strings.EqualFold(text.Lang, q.lang) {
			v.SiteAttr = "" // translated
		}
	}
	if v.Banner != nil && !strings.EqualFold(q.site.DefaultLanguage(), q.lang) && centre.ValidLanguage(q.site.DefaultLanguage()) {
		v.Banner.Attr = template.HTMLAttr(` lang="` + q.site.DefaultLanguage() + `"`) // #nosec G203 -- validated language tag
	}
	if title != v.SiteTitle {
		v.Title = title + " – " + v.SiteTitle
	}
	homeLangs(q, v)
	if q.site.Theme.Accent != "" && CheckAccent(q.site.Theme.Accent) == nil {
		v.ThemeCSS = q.url("/theme." + accentHash(q.site.Theme.Accent) + ".css")
	}
	v.Logo = logoSrc(q)
	v.Nav = append(v.Nav, link{Href: v.Home, Text: msg(ui, "home"), Lang: v.uiLang, Current: q.path == "/"})
	for _, t := range listTypes {
		p := "/" + pluralOf(t) + "/"
		v.Nav = append(v.Nav, link{Href: q.pageURL(p, q.lang), Text: typePlural(ui, t), Lang: v.uiLang, Current: q.path == p})
	}
	if s.searchable(q) {
		v.SearchBox = &searchBox{Action: q.url("/search")}
		if !strings.EqualFold(q.lang, q.site.DefaultLanguage()) {
			v.SearchBox.Lang = q.lang
		}
		v.OpenSearch = q.url("/opensearch.xml")
	}
	for _, e := range nav {
		if e.Status != centre.StatusPublished {
			continue
		}
		p := "/" + e.Lang + "/" + e.Slug + "/"
		l := link{Href: q.entryURL(e.Lang, e.Slug), Text: e.Title, Current: q.path == p}
		if footerPage(e.Slug) {
			v.FooterPages = append(v.FooterPages, l)
			continue
		}
		v.Nav = append(v.Nav, l)
	}
	if v.uiLang != "" && centre.ValidLanguage(q.lang) {
		v.CrumbAttr = template.HTMLAttr(` lang="` + q.lang + `"`) // #nosec G203 -- validated language tag
	}
	v.Feeds = []feedLink{
		{Type: "application/atom+xml", Text: v.SiteTitle + " (Atom)", Href: q.url("/feed.atom")},
		{Type: "application/rss+xml", Text: v.SiteTitle + " (RSS)", Href: q.url("/feed.rss")},
		{Type: "application/feed+json", Text: v.SiteTitle + " (JSON Feed)", Href: q.url("/feed.json")},
	}
	if s.counter() != nil {
		for _, kind := range indexKinds {
			v.Indexes = append(v.Indexes, link{Href: q.pageURL("/"+kind+"/", q.lang), Text: msg(ui, kind+".all"), Lang: v.uiLang})
		}
	}
	if s.opts.Subscribe && q.site.Status == centre.SiteActive && !q.preview && !q.static {
		v.Subscribe = newSubscribeForm(q, ui, "subscribe", centre.ScopeSite, msg(ui, "subscribe.site"))
		v.Subscribe.Attr = v.UIAttr
	}
	v.FooterFeeds = []link{
		{Href: q.url("/feed.atom"), Text: msg(ui, "feed.atom")},
		{Href: q.url("/feed.rss"), Text: msg(ui, "feed.rss")},
		{Href: q.url("/feed.json"), Text: msg(ui, "feed.json")},
	}
	return v
}

// homeLangs sets the language switch that every page of a site with
// several languages shows, unless the page sets its own: each language
// links to the site's home in that language.
func homeLangs(q *req, v *view) {
	if len(q.site.Languages) < 2 {
		return
	}
	v.Langs = nil
	for _, l := range q.site.Languages {
		v.Langs = append(v.Langs, langLink{Href: q.pageURL("/", l), Lang: l, Name: langName(l), Current: strings.EqualFold(l, q.lang)})
	}
}

// pageLangs sets the language switch and hreflang alternates of a page
// that exists in every site language (home, lists and indexes).
func pageLangs(q *req, v *view, p string) {
	if len(q.site.Languages) < 2 {
		return
	}
	v.Langs = nil
	for _, l := range q.site.Languages {
		href := q.pageURL(p, l)
		v.Langs = append(v.Langs, langLink{Href: href, Lang: l, Name: langName(l), Current: l == q.lang})
		v.Alternates = append(v.Alternates, alternate{Lang: l, Href: q.origin + href})
	}
}

// pickLang applies the language named in the path to q (?lang= is
// redirected to that path before, see langParam); it reports false for a
// language the site does not have.
func pickLang(q *req) bool {
	l := q.pathLang
	if q.path == "/search" {
		l = q.r.URL.Query().Get("lang") // a filter of the search, kept in its form
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

// navPages returns the public pages of the request's language (at most
// navLen, newest first): from the site's front when it can tell, else one
// listing.
func (s *Site) navPages(q *req) ([]*centre.Entry, error) {
	ctx := q.r.Context()
	front, err := s.read.PublicFront(ctx, q.site.Slug)
	if err != nil {
		return nil, err
	}
	if items, exact := front.Newest(q.lang, centre.TypePage, navLen, s.read.Time(), nil); exact {
		nav := make([]*centre.Entry, len(items))
		for i, it := range items {
			nav[i] = it.Entry(q.site.Slug, q.lang)
		}
		return nav, nil
	}
	p, err := s.read.PublicListing(ctx, centre.EntryQuery{
		Site: q.site.Slug, Type: centre.TypePage, Lang: q.lang, Limit: navLen,
	})
	return p.Items, err
}

// navLen is the largest number of pages in the navigation.
const navLen = 20

func (s *Site) items(q *req, v *view, list []*centre.Entry, h3 bool) []item {
	out := make([]item, 0, len(list))
	for _, e := range list {
		it := item{
			Href: q.entryURL(e.Lang, e.Slug), Title: e.Title, TypeLabel: typeLabel(v.UI, e.Type), UI: v.UI, UIAttr: v.UIAttr,
			Summary: e.Summary, Published: q.in(e.PublishedAt), Withdrawn: e.Status == centre.StatusWithdrawn, H3: h3,
		}
		if majorUpdate(e) {
			it.Updated = q.in(e.UpdatedAt)
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
	if err := s.tmpl.get(name).Execute(&buf, v); err != nil {
		s.fail(q.w, q.r, fmt.Errorf("web: render %s: %w", name, err))
		return
	}
	write(q.w, q.r, status, "text/html; charset=utf-8", buf.Bytes())
}

// sep returns the character that adds a query parameter to href.
func sep(href string) string {
	if strings.Contains(href, "?") {
		return "&"
	}
	return "?"
}

// knownFormat names the media types people know by a name of their own.
func knownFormat(mediaType string) (string, bool) {
	switch mediaType {
	case "application/pdf":
		return "PDF", true
	case "application/msword", "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
		return "Word", true
	case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/vnd.ms-excel":
		return "Excel", true
	case "application/vnd.openxmlformats-officedocument.presentationml.presentation":
		return "PowerPoint", true
	case "application/vnd.oasis.opendocument.text":
		return "OpenDocument text", true
	case "application/vnd.oasis.opendocument.spreadsheet":
		return "OpenDocument spreadsheet", true
	case "application/vnd.oasis.opendocument.presentation":
		return "OpenDocument presentation", true
	case "application/zip":
		return "ZIP archive", true
	case "application/json":
		return "JSON", true
	case "text/csv":
		return "CSV", true
	case "text/plain":
		return "Text", true
	case "text/html":
		return "Web page", true
	}
	return "", false
}

// formatName names a media type for people: "PDF", "Excel", "PNG image".
func formatName(mediaType string) string {
	mt, _, err := mime.ParseMediaType(mediaType)
	if err != nil {
		return mediaType
	}
	if n, ok := knownFormat(mt); ok {
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
