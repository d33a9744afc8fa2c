// Package web serves the public HTML site of every information centre,
// with its feeds, sitemap, robots.txt and static assets.
//
// Routes, relative to a site's base (either /sites/{site} on any host, or
// / on a host listed in the site's Hosts):
//
//	/                                home (?lang=xx for another site language)
//	/statements/ /publications/ /news/   lists per type (?after= cursor, ?lang=)
//	/tags/{tag}                      entries with a tag
//	/organisations/{org}             entries of an organisation (by centre.OrgKey)
//	/{lang}/{slug}                   an entry (pages too)
//	/feed.atom /feed.rss /feed.json  site feeds; also under /{type}s/,
//	                                 /tags/{tag}/ and /organisations/{org}/
//	/sitemap.xml /robots.txt
//	/search                          search form and results (Options.Searcher;
//	                                 ?q= &type= &tag= &organisation= &lang=
//	                                 &from= &to= (dates) &page=)
//	/opensearch.xml                  OpenSearch description of /search
//	/theme.{hash}.css                the site's accent colour
//	/logo.{hash}.{png,jpg,webp}      the site's logo (from a data: logo URL)
//
// Static assets live at /assets/{name}.{hash}.{ext} on every host and are
// cached for a year. Only public entries are ever shown.
package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/cursor"
)

// Options configure a Site. Every field is optional.
type Options struct {
	// SiteForHost maps a request's host name (lowercase, without port) to
	// the slug of the site served at "/" on that host.
	SiteForHost func(ctx context.Context, host string) (string, bool)
	// Fallback serves GET and HEAD requests outside /sites/ and /assets/
	// whose host maps to no site (other than /robots.txt). Nil means a
	// plain 404 page.
	Fallback http.Handler
	// BuildID identifies the running build; it is part of every ETag so
	// that a deployment invalidates cached pages. Empty means a hash of the
	// embedded templates and assets and of the binary's build information.
	BuildID string
	// Cursors seals the store positions in pagination links; use the same
	// sealer (secret) as the JSON API so that every instance accepts the
	// links of every other. Nil means a random secret per process.
	Cursors *cursor.Sealer
	// PageSize is the number of entries per list page (default 20, at most
	// centre.MaxPageSize).
	PageSize int
	// Logger receives errors; nil means slog.Default().
	Logger *slog.Logger
	// Now returns the current time, which decides what has expired; nil
	// means time.Now.
	Now func() time.Time
	// Preview opens the token of a preview link (centre.Service.Preview):
	// it returns the non-public entry to show, ENOTFOUND for a bad, expired
	// or revoked token, or EGONE (with the entry if known) once the entry is
	// public. Nil means every preview link is answered 404.
	Preview func(ctx context.Context, token string) (*centre.Entry, error)
	// Static renders pages for a copy of the site as plain files (see
	// internal/static): every site is served at "/" of its host, links
	// name paths instead of query strings (/fr/, /news/page/2/, /en/slug/),
	// and absolute URLs start with StaticOrigin ("" for root-relative ones).
	Static       bool
	StaticOrigin string
	// Searcher answers the search page ({base}/search) and with it the
	// OpenSearch description ({base}/opensearch.xml) and the search link
	// of every page. Nil, or Static, leaves all of them out.
	Searcher Searcher
}

// Site is the public web site handler.
type Site struct {
	store    centre.Store
	opts     Options
	log      *slog.Logger
	buildID  string
	cursors  *cursor.Sealer
	pageSize int
	tmpl     map[string]*template.Template
	assets   *assetSet
	renders  atomic.Int64 // pages rendered, for tests
	muxOnce  sync.Once
	mux      *http.ServeMux
}

// New returns the public site for store.
func New(store centre.Store, opts Options) *Site {
	s := &Site{store: store, opts: opts, log: opts.Logger, pageSize: opts.PageSize}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.pageSize <= 0 {
		s.pageSize = 20
	}
	s.pageSize = min(s.pageSize, centre.MaxPageSize)
	s.assets = loadAssets()
	s.tmpl = parseTemplates()
	s.buildID = opts.BuildID
	if s.buildID == "" {
		h := sha256.New()
		h.Write([]byte(s.assets.digest))
		h.Write([]byte(templateDigest()))
		if bi, ok := debug.ReadBuildInfo(); ok {
			h.Write([]byte(bi.String()))
		}
		s.buildID = hex.EncodeToString(h.Sum(nil))[:16]
	}
	s.cursors = opts.Cursors
	if s.cursors == nil {
		key := make([]byte, 32)
		_, _ = rand.Read(key)
		s.cursors, _ = cursor.New(key)
	}
	return s
}

// Register mounts the site on mux:
//
//	GET /assets/{name}          static assets
//	GET /sites/{site}/...       every site by slug
//	/                           sites by host name (Options.SiteForHost),
//	                            /robots.txt of the main host, the directory
//	                            of all sites at "/", then Fallback;
//	                            405 for methods other than GET and HEAD
//
// "/" is the least specific pattern, so any route registered by the caller
// (for example /api/ or GET /healthz) takes precedence. It has no method so
// that it never conflicts with a method-less pattern such as /api/.
func (s *Site) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /assets/{name}", s.serveAsset)
	mux.HandleFunc("GET /preview/{token}", s.servePreview)
	mux.HandleFunc("GET /sites/{site}", func(w http.ResponseWriter, r *http.Request) {
		q := &req{w: w, r: r, prefix: "/sites/" + r.PathValue("site")}
		s.redirect(q, "/")
	})
	mux.HandleFunc("GET /sites/{site}/{rest...}", func(w http.ResponseWriter, r *http.Request) {
		slug := r.PathValue("site")
		s.serveSite(w, r, slug, "/sites/"+slug, "/"+r.PathValue("rest"))
	})
	mux.HandleFunc("/", s.serveRoot)
}

// ServeHTTP serves the site alone, as if registered on an empty mux.
func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.muxOnce.Do(func() {
		s.mux = http.NewServeMux()
		s.Register(s.mux)
	})
	s.mux.ServeHTTP(w, r)
}

func (s *Site) now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Site) serveRoot(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		securityHeaders(w, r)
		w.Header().Set("Allow", "GET, HEAD")
		w.Header().Set("Cache-Control", "no-store")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if s.opts.SiteForHost != nil {
		if slug, ok := s.opts.SiteForHost(r.Context(), requestHost(r)); ok {
			s.serveSite(w, r, slug, "", r.URL.Path)
			return
		}
	}
	if r.URL.Path == "/robots.txt" {
		s.serveMainRobots(w, r)
		return
	}
	if r.URL.Path == "/" && s.opts.Fallback == nil {
		s.directory(w, r)
		return
	}
	if s.opts.Fallback != nil {
		s.opts.Fallback.ServeHTTP(w, r)
		return
	}
	s.notFound(w, r, nil, "")
}

// requestHost returns the lowercase host name of r without its port.
func requestHost(r *http.Request) string {
	h := r.Host
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		h = h[:i]
	}
	return strings.ToLower(strings.TrimSuffix(h, "."))
}

// scheme returns the scheme the client used, trusting X-Forwarded-Proto
// (set by API Gateway and CDNs).
func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); strings.EqualFold(strings.TrimSpace(strings.Split(p, ",")[0]), "https") {
		return "https"
	}
	return "http"
}

// req is one request for a page of a site.
type req struct {
	w      http.ResponseWriter
	r      *http.Request
	site   *centre.Site
	prefix string // "" on a site's own host, else /sites/{slug}
	origin string // scheme://host
	path   string // path below the prefix, starting with "/"
	lang   string // language of the page
	now    time.Time

	static     bool   // links for a static copy (Options.Static)
	staticLang string // static: the language named in the path, or ""
	staticPage int    // static: the page number named in the path, or 0
}

// url returns the site-relative path p as a path on this host.
func (q *req) url(p string) string { return q.prefix + p }

// abs returns the site-relative path p as an absolute URL.
func (q *req) abs(p string) string { return q.origin + q.prefix + p }

// entryURL returns the path of an entry page on this host.
func (q *req) entryURL(lang, slug string) string {
	if q.static {
		return q.url("/" + lang + "/" + slug + "/")
	}
	return q.url("/" + lang + "/" + slug)
}

// pageURL returns the path on this host of the home or list page p (a
// listSpec path) in language lang: p?lang=xx, or p/xx/ on a static copy.
func (q *req) pageURL(p, lang string) string {
	def := q.site == nil || strings.EqualFold(lang, q.site.DefaultLanguage()) || lang == ""
	if q.static {
		if !strings.HasSuffix(p, "/") {
			p += "/"
		}
		if !def {
			p += lang + "/"
		}
		return q.url(p)
	}
	if def {
		return q.url(p)
	}
	return q.url(p) + "?lang=" + url.QueryEscape(lang)
}

func (s *Site) serveSite(w http.ResponseWriter, r *http.Request, slug, prefix, path string) {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	r = r.WithContext(ctx)
	q := &req{w: w, r: r, prefix: prefix, origin: scheme(r) + "://" + r.Host, path: path, now: s.now()}
	if s.opts.Static {
		q.static, q.origin, q.prefix = true, strings.TrimSuffix(s.opts.StaticOrigin, "/"), ""
	}
	if !centre.ValidSlug(slug) {
		s.notFound(w, r, nil, "")
		return
	}
	site, err := s.store.GetSite(ctx, slug)
	if err != nil {
		if centre.IsCode(err, centre.ENOTFOUND) {
			s.notFound(w, r, nil, "")
			return
		}
		s.fail(w, r, err)
		return
	}
	q.site = site
	q.lang = site.DefaultLanguage()
	s.route(q)
}

// knownParams are the only query parameters of site pages. Others (from
// tracking links, or sent to get past caches) are redirected away, so that
// caches hold one copy of each page.
var knownParams = map[string]bool{"lang": true, "after": true}

// route dispatches a site request by its path below the site's base.
func (s *Site) route(q *req) {
	if q.r.URL.RawQuery != "" {
		params := q.r.URL.Query()
		known := knownParams
		if q.path == "/search" && s.searchable(q) {
			known = searchParams
		}
		clean := false
		for k := range params {
			if !known[k] {
				params.Del(k)
				clean = true
			}
		}
		if clean {
			target := q.url(q.path)
			if len(params) > 0 {
				target += "?" + params.Encode()
			}
			securityHeaders(q.w, q.r)
			q.w.Header().Set("Cache-Control", cacheControlPage)
			http.Redirect(q.w, q.r, target, http.StatusMovedPermanently)
			return
		}
	}
	if q.static && !s.staticPath(q) {
		s.notFound(q.w, q.r, q, "")
		return
	}
	p := q.path
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	switch {
	case q.static && p == "/404.html":
		s.notFound(q.w, q.r, q, "")
		return
	case p == "/":
		s.home(q)
		return
	case p == "/sitemap.xml":
		s.sitemap(q)
		return
	case p == "/robots.txt":
		s.siteRobots(q)
		return
	case p == "/search" && s.searchable(q):
		s.searchPage(q)
		return
	case p == "/opensearch.xml" && s.searchable(q):
		s.openSearch(q)
		return
	case strings.HasPrefix(p, "/theme.") && strings.HasSuffix(p, ".css") && len(parts) == 1:
		s.themeCSS(q)
		return
	case strings.HasPrefix(p, "/logo.") && len(parts) == 1:
		s.logo(q)
		return
	case len(parts) == 1:
		if kind, ok := feedKind(parts[0]); ok {
			s.feed(q, listSpec{}, kind)
			return
		}
		if typ, ok := typeForPlural(parts[0]); ok {
			s.redirect(q, "/"+pluralOf(typ)+"/")
			return
		}
	}
	if typ, ok := typeForPlural(parts[0]); ok && len(parts) == 2 {
		spec := listSpec{Type: typ}
		if parts[1] == "" {
			s.list(q, spec)
			return
		}
		if kind, ok := feedKind(parts[1]); ok {
			s.feed(q, spec, kind)
			return
		}
	}
	if (parts[0] == "tags" || parts[0] == "organisations") && len(parts) >= 2 && len(parts) <= 3 && parts[1] != "" {
		var spec listSpec
		if parts[0] == "tags" {
			spec.Tag = parts[1]
		} else {
			spec.Org = parts[1]
		}
		if !centre.ValidSlug(parts[1]) {
			s.notFound(q.w, q.r, q, "")
			return
		}
		if len(parts) == 2 {
			s.list(q, spec)
			return
		}
		if parts[2] == "" {
			s.redirect(q, "/"+parts[0]+"/"+parts[1])
			return
		}
		if kind, ok := feedKind(parts[2]); ok {
			s.feed(q, spec, kind)
			return
		}
	}
	if len(parts) == 2 && q.site.HasLanguage(parts[0]) {
		for _, l := range q.site.Languages {
			if strings.EqualFold(l, parts[0]) {
				q.lang = l
			}
		}
		if centre.ValidSlug(parts[1]) {
			s.entry(q, parts[0], parts[1])
			return
		}
	}
	s.notFound(q.w, q.r, q, "")
}

func (s *Site) redirect(q *req, path string) {
	target := q.url(path)
	if q.r.URL.RawQuery != "" {
		target += "?" + q.r.URL.RawQuery
	}
	securityHeaders(q.w, q.r)
	q.w.Header().Set("Cache-Control", cacheControlPage)
	http.Redirect(q.w, q.r, target, http.StatusMovedPermanently)
}

// pluralOf returns the path segment that lists entries of type t.
func pluralOf(t string) string {
	if t == centre.TypeNews {
		return "news"
	}
	return t + "s"
}

func typeForPlural(seg string) (string, bool) {
	for _, t := range centre.Types {
		if pluralOf(t) == seg {
			return t, true
		}
	}
	return "", false
}

// fail answers an unexpected error: 503 for an unavailable dependency (so
// that caches serve a stale copy), 500 otherwise. Details are only logged.
func (s *Site) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	if centre.IsCode(err, centre.EUNAVAILABLE) || errors.Is(err, context.DeadlineExceeded) {
		status = http.StatusServiceUnavailable
		w.Header().Set("Retry-After", "5")
	}
	if errors.Is(err, context.Canceled) {
		return // the client went away
	}
	s.log.ErrorContext(r.Context(), "web: request failed", "method", r.Method, "path", centre.LogPath(r.URL.Path), "status", status, "err", err)
	securityHeaders(w, r)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(http.StatusText(status) + "\n"))
}

// staticPath turns the path of a static copy's page into the path this
// handler routes: /fr/ is / in French, /news/fr/page/2/ the second page of
// /news/ in French, /tags/t/ is /tags/t and /en/slug/ is /en/slug. It
// reports false for a path that a static copy never names.
func (s *Site) staticPath(q *req) bool {
	p := q.path
	if !strings.HasSuffix(p, "/") {
		return true // files: feeds, sitemap, robots.txt, theme, 404.html
	}
	segs := strings.Split(strings.Trim(p, "/"), "/")
	if len(segs) == 1 && segs[0] == "" {
		segs = nil
	}
	if n := len(segs); n >= 2 && segs[n-2] == "page" {
		page, err := strconv.Atoi(segs[n-1])
		if err != nil || page < 2 || strconv.Itoa(page) != segs[n-1] {
			return false
		}
		q.staticPage, segs = page, segs[:n-2]
	}
	isList := func(segs []string) bool {
		switch len(segs) {
		case 0:
			return true
		case 1:
			_, ok := typeForPlural(segs[0])
			return ok
		case 2:
			return segs[0] == "tags" || segs[0] == "organisations"
		}
		return false
	}
	if n := len(segs); n >= 1 && isList(segs[:n-1]) && q.site.HasLanguage(segs[n-1]) &&
		!(n == 2 && (segs[0] == "tags" || segs[0] == "organisations") && !isList(segs)) {
		for _, l := range q.site.Languages {
			if strings.EqualFold(l, segs[n-1]) {
				q.staticLang = l
			}
		}
		segs = segs[:n-1]
	}
	switch {
	case isList(segs) && len(segs) == 2:
		q.path = "/" + segs[0] + "/" + segs[1]
	case isList(segs):
		q.path = "/" + strings.Join(append(segs, ""), "/")
		if len(segs) == 0 {
			q.path = "/"
		}
	case len(segs) == 2 && q.staticLang == "" && q.staticPage == 0:
		q.path = "/" + segs[0] + "/" + segs[1] // an entry
	default:
		return false
	}
	if q.staticPage > 0 && len(segs) == 0 {
		return false // the home page has one page
	}
	return true
}
