// Package web serves the public HTML site of every information centre,
// with its feeds, sitemap, robots.txt and static assets.
//
// Routes, relative to a site's base (either /sites/{site} on any host, or
// / on a host listed in the site's Hosts):
//
//	/  /{lang}/                      home (in another site language)
//	/statements/ /publications/ /news/   lists per type (?after= cursor;
//	                                 /news/{lang}/, /news/page/2/)
//	/tags/{tag}/                     entries with a tag (/tags/{tag}/{lang}/)
//	/organisations/{org}/            entries of an organisation (by centre.OrgKey)
//	/{lang}/{slug}/                  an entry (pages too)
//
// The live site and its static copies share this one URL scheme; other
// forms of these paths are redirected to it (sitepath.go).
//
//	/feed.atom /feed.rss /feed.json  site feeds; also under /{type}s/,
//	                                 /tags/{tag}/ and /organisations/{org}/
//	/sitemap.xml /robots.txt
//	/search                          search form and results (Options.Searcher;
//	                                 ?q= &type= &tag= &organisation= &lang=
//	                                 &from= &to= (dates) &page=)
//	/opensearch.xml                  OpenSearch description of /search
//	/cap.xml /cap/{id}.xml           CAP 1.2 alerts: Atom index, messages (cap.go)
//	/theme.{hash}.css                the site's accent colour
//	/logo.{hash}.{png,jpg,webp}      the site's logo (from a data: logo URL)
//
// Static assets live at /assets/{name}.{hash}.{ext} on every host and are
// cached for a year. Only public entries are ever shown: the site reads
// through Reader, the public read side of centre.Service, which owns every
// rule of what is public; it never reads the store itself.
package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/cursor"
)

// Reader is what the site reads: the public read side of the domain.
// *centre.Service implements it; see there for each method's contract.
// It is declared here, where it is consumed, and holds only what the site
// needs.
type Reader interface {
	// Site returns a site by slug, or ENOTFOUND.
	Site(ctx context.Context, slug string) (*centre.Site, error)
	// PublicSites returns every site, for the directory and robots.txt.
	PublicSites(ctx context.Context) ([]*centre.Site, error)
	// PublicListing returns a page of a site's public, unexpired entries.
	PublicListing(ctx context.Context, q centre.EntryQuery) (centre.EntryPage, error)
	// PublicFront returns a site's front (nil when none is kept).
	PublicFront(ctx context.Context, site string) (*centre.SiteFront, error)
	// PublicEntriesByID returns the public, unexpired entries of a site
	// with those IDs, in their order.
	PublicEntriesByID(ctx context.Context, site string, ids []string) ([]*centre.Entry, error)
	// PublicVersions returns the public language versions of a slug.
	PublicVersions(ctx context.Context, site, slug string) (*centre.PublicSlug, error)
	// PreviewEntry opens a preview token: the entry as it will look once
	// published; ENOTFOUND for a bad, expired or revoked token; EGONE
	// (with the entry, if known) once it is public.
	PreviewEntry(ctx context.Context, token string) (*centre.PublicSlug, error)
	// Time is the current time of the read side's rules: a site's banner
	// is shown until it expires at that time.
	Time() time.Time
	// PublicFile returns a site's file by content hash (width > 0: that
	// variant) with its bytes, or ENOTFOUND.
	PublicFile(ctx context.Context, site, sha string, width int) (*centre.File, *centre.Object, error)
	// PreviewFile returns a file that the entry of a preview token
	// references, public or not, by content hash, or ENOTFOUND.
	PreviewFile(ctx context.Context, token, sha string, width int) (*centre.File, *centre.Object, error)
	// PresignFile returns a short-lived URL of the file's bytes in the
	// file store, if the store makes them (S3).
	PresignFile(ctx context.Context, f *centre.File, width int, ttl time.Duration) (string, bool, error)
}

// Options configure a Site. Every field is optional.
type Options struct {
	// Render renders the Markdown body of an entry stored without its
	// HTML (markdown.Render), and Sanitize sanitises stored body HTML
	// again as it is shown (markdown.Sanitize). The service renders and
	// sanitises every body when it is written (markdown.Render), so both
	// are a second line of defence; nil (the public function, which
	// carries no Markdown renderer nor sanitiser): a body is shown as
	// stored, and an entry stored without HTML shows no body (logged).
	Render   func(string) (string, error)
	Sanitize func(string) string
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
	// PublicOrigin is the scheme and host (and port, if not the default)
	// where this deployment serves the directory and every site under
	// /sites/{slug}/, such as https://info.example.org (see ParseOrigin).
	// Absolute URLs are built from it, or on a host that a site claims
	// from that host with PublicOrigin's scheme and port, never from the
	// request's Host header (see origin.go). Empty means root-relative
	// URLs, unless TrustForwarded supplies a host.
	PublicOrigin string
	// TrustForwarded takes the scheme and host of each request from
	// X-Forwarded-Proto and X-Forwarded-Host: only for a deployment behind
	// a proxy that sets both itself, replacing what clients send (the
	// Lambda adapter sets X-Forwarded-Host from the API Gateway event).
	// Otherwise both headers are ignored.
	TrustForwarded bool
	// Static renders pages for a copy of the site as plain files (see
	// internal/static): every site is served at "/" of its host, list
	// pages link to the next by number (/news/page/2/) instead of by
	// cursor, and absolute URLs start with StaticOrigin ("" for
	// root-relative ones). Every other path is the live site's.
	Static       bool
	StaticOrigin string
	// StaticPrefix is the path a static copy is served below, such as
	// /sites/demo for the edge's mirror (internal/edge), which keeps each
	// site where the live deployment serves it; links then name it as the
	// live pages do. Empty: the copy is at the root of its host.
	StaticPrefix string
	// StaticInPlace says the copy is served where the live site serves
	// the same pages (the edge's mirror: below /sites/{slug} on the
	// deployment's hosts, or at the root of a host the site claims), so
	// links in entry bodies stay as written, as on the live pages;
	// otherwise those into the site are made root-relative.
	StaticInPlace bool
	// Subscribe says that the email alert routes are mounted
	// (internal/alerts: POST /sites/{site}/subscribe): the pages of an
	// active site then carry a subscribe form in the footer, and entry
	// pages one for updates about the entry.
	Subscribe bool
	// WebSubHub is the absolute URL of the WebSub hub every feed names
	// (rel="hub", beside its rel="self"), or "" for none (WEBSUB_HUB).
	// A feed served without an absolute origin names none: its topic URL
	// would not be absolute.
	WebSubHub string
	// Searcher answers the search page ({base}/search) and with it the
	// OpenSearch description ({base}/opensearch.xml) and the search link
	// of every page. Nil, or Static, leaves all of them out.
	Searcher Searcher
	// Counts answers the tag and organisation index pages (/tags/,
	// /organisations/) with the facets of a search without words; nil
	// means Searcher. A static copy sets it alone: it has index pages but
	// no search. Without either there are no index pages.
	Counts Searcher
}

// Site is the public web site handler.
type Site struct {
	read     Reader
	opts     Options
	log      *slog.Logger
	buildID  string
	cursors  *cursor.Sealer
	pageSize int
	tmpl     pageTemplates
	assets   *assetSet
	origin   origin
	renders  atomic.Int64 // pages rendered, for tests
	muxOnce  sync.Once
	mux      *http.ServeMux
}

// New returns the public site that reads through read.
func New(read Reader, opts Options) *Site {
	s := &Site{read: read, opts: opts, log: opts.Logger, pageSize: opts.PageSize}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.pageSize <= 0 {
		s.pageSize = 20
	}
	s.pageSize = min(s.pageSize, centre.MaxPageSize)
	s.origin = newOrigin(opts.PublicOrigin)
	s.assets = loadAssets()
	s.tmpl = parseTemplates()
	s.buildID = opts.BuildID
	if s.buildID == "" {
		h := sha256.New()
		h.Write([]byte(s.assets.digest))
		h.Write([]byte(templatesDigest))
		if bi, ok := debug.ReadBuildInfo(); ok {
			writeBuildInfo(h, bi)
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

// writeBuildInfo writes to w what tells one build from another: the Go
// version, the path, version and checksum of the main module and of each
// dependency (and their replacements), and the build settings (among them
// the VCS revision). Field by field: BuildInfo.String formats all of it
// into one string first, which every cold start paid for.
func writeBuildInfo(w io.Writer, bi *debug.BuildInfo) {
	field := func(v string) {
		_, _ = io.WriteString(w, v)
		_, _ = w.Write([]byte{0})
	}
	field(bi.GoVersion)
	field(bi.Path)
	mod := func(m *debug.Module) {
		for ; m != nil; m = m.Replace {
			field(m.Path)
			field(m.Version)
			field(m.Sum)
		}
		field("")
	}
	mod(&bi.Main)
	for _, d := range bi.Deps {
		mod(d)
	}
	for _, kv := range bi.Settings {
		field(kv.Key)
		field(kv.Value)
	}
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
	mux.HandleFunc("GET /preview/{token}/files/{hash}/{name}", s.previewFile)
	mux.HandleFunc("GET /preview/{token}/files/{hash}/{variant}/{name}", s.previewFile)
	mux.HandleFunc("GET /sites/{site}", func(w http.ResponseWriter, r *http.Request) {
		q := &req{w: w, r: r, prefix: "/sites/" + r.PathValue("site")}
		s.redirect(q, "/")
	})
	mux.HandleFunc("GET /sites/{site}/{rest...}", func(w http.ResponseWriter, r *http.Request) {
		slug := r.PathValue("site")
		s.serveSite(w, r, slug, "/sites/"+slug, "/"+r.PathValue("rest"), "")
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

func (s *Site) serveRoot(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		s.securityHeaders(w, r)
		w.Header().Set("Allow", "GET, HEAD")
		w.Header().Set("Cache-Control", "no-store")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if s.opts.SiteForHost != nil {
		host := s.host(r)
		if slug, ok := s.opts.SiteForHost(r.Context(), host); ok {
			s.serveSite(w, r, slug, "", r.URL.Path, host)
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

// serveSite serves path of site slug under prefix; claimed is the host name
// that maps to the site when it is served at "/" of its own host.
func (s *Site) serveSite(w http.ResponseWriter, r *http.Request, slug, prefix, path, claimed string) {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	r = r.WithContext(ctx)
	q := &req{w: w, r: r, prefix: prefix, origin: s.originFor(r, claimed), path: path}
	if s.opts.Static {
		q.static, q.origin, q.prefix = true, strings.TrimSuffix(s.opts.StaticOrigin, "/"), s.opts.StaticPrefix
	}
	if !centre.ValidSlug(slug) {
		s.notFound(w, r, nil, "")
		return
	}
	site, err := s.read.Site(ctx, slug)
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
	q.now, q.loc = s.read.Time(), site.Location()
	q.banner = site.ActiveBanner(q.now)
	s.route(q)
}
