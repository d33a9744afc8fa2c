// Package static writes the public side of one information centre as plain
// files that any static host or object store bucket can serve: the HTML
// pages, stylesheets, feeds, sitemap.xml, robots.txt and JSON snapshots of
// the read API. It is the way to keep an archived centre online without
// running infocentre, or to mirror a live one.
//
// Nothing is rendered here: the real handlers (internal/web in its static
// link mode, internal/httpapi) answer in-process requests, and their
// answers are written to files. Pages name each other by root-relative
// paths that end in "/" and resolve to directories holding index.html — the
// live site's own URL scheme (internal/web, sitepath.go), so a path of the
// copy is the path of the same page below /sites/{site}/ — and the copy
// must be served at the root of a host:
//
//	index.html                 home; fr/index.html in French
//	news/index.html            lists; news/page/2/index.html, news/fr/...
//	tags/index.html            every tag (organisations/index.html alike)
//	tags/{tag}/index.html      tag and organisation pages (with their feeds)
//	en/{slug}/index.html       every public entry, withdrawn ones included
//	404.html                   the page for unknown paths
//	assets/, theme.*.css       stylesheets and icon
//	files/{sha256}/{name}      hosted files that public entries use (and
//	files/{sha256}/{w}w/{name} their image copies), linked from the pages
//	feed.atom, feed.rss, feed.json, sitemap.xml, robots.txt
//	api/v1/sites/{site}/index.json                   site profile
//	api/v1/sites/{site}/entries/index.json, page-N.json   entry list pages
//	api/v1/sites/{site}/entries/{slug}/{lang}.json   each public entry
package static

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/html"

	"infocentre/internal/centre"
	"infocentre/internal/cursor"
	"infocentre/internal/httpapi"
	"infocentre/internal/search"
	"infocentre/internal/web"
)

// Progress reports how far a phase has come: "paths" (every path of the
// site fetched: pages, feeds, stylesheets, files and redirects), then "api
// lists" and "api entries" (the read API's snapshots). total may grow
// while paths are discovered.
type Progress func(phase string, done, total int)

// Options configure an export.
type Options struct {
	// BaseURL is where the copy will be served, such as
	// https://archive.example.org. Feeds, the sitemap, robots.txt and
	// canonical links use it for their absolute URLs. Empty means
	// root-relative URLs everywhere (feeds and sitemap then need a base
	// to be resolved by their readers).
	BaseURL string
	// Now is the time that decides which entries have expired; zero means
	// the current time.
	Now time.Time
	// Logger receives rendering errors; nil discards them.
	Logger *slog.Logger
	// MaxPages bounds the paths fetched (pages, feeds, redirects) and the
	// pages of the API entry list; 0 means DefaultMaxPages.
	MaxPages int
	// MaxBytes bounds the total size of the files written; 0 means
	// DefaultMaxBytes.
	MaxBytes int64
	// Timeout bounds the whole export; 0 means DefaultTimeout.
	Timeout time.Duration
	// Prefix is the path the copy is served below, such as /sites/demo:
	// pages link to each other below it, as the live pages of the
	// deployment's own hosts do, and are written below it (stylesheets
	// stay in /assets/). Empty: the copy is served at the root of a host.
	// It must be "" or "/sites/{site}" of the exported site.
	Prefix string
	// Dir is where the files of a copy served at the root of a host go,
	// when not at the root of the output: "hosts/flood.example.org" for
	// the edge mirror's copy of a site on a host of its own (Prefix "",
	// BaseURL that host), which the CDN asks for below that path
	// (httpapi.ViewerHostPath). Stylesheets stay in /assets/, shared by
	// every copy, and other sites' pages (/sites/…) are left out. Empty:
	// the files are named by Prefix.
	//
	// With Prefix or Dir the copy is served where the live site serves
	// the same pages, and links in entry bodies stay as written (without
	// either they are made root-relative).
	Dir string
	// NoAPI leaves out the read API's snapshots (api/v1/…): what a mirror
	// holds (Sync, Update), which serves pages, feeds and files only.
	NoAPI bool
}

// Default limits of one export. Past any of them the export stops with an
// ETOOLARGE error that names the limit, and leaves nothing behind.
const (
	DefaultMaxPages = 100_000
	DefaultMaxBytes = 2 << 30
	DefaultTimeout  = 15 * time.Minute
)

func (o Options) limits() (pages int, bytes int64, timeout time.Duration) {
	pages, bytes, timeout = o.MaxPages, o.MaxBytes, o.Timeout
	if pages <= 0 {
		pages = DefaultMaxPages
	}
	if bytes <= 0 {
		bytes = DefaultMaxBytes
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return pages, bytes, timeout
}

// Result counts what an export wrote.
type Result struct {
	Paths     int      // paths of the site fetched (what the "paths" progress counts)
	Redirects int      // of those, redirects followed (no file written)
	Pages     int      // HTML pages
	Files     int      // every file written (paths fetched and API snapshots)
	Bytes     int64    // their total size
	Entries   int      // public entries (each language version)
	Broken    []string // internal links that lead nowhere, as "page -> link"
	// A mirror's update (Sync, Update): files rendered with the bytes
	// the mirror held already (not written again), and files deleted.
	Unchanged int
	Deleted   int
}

// Export writes the public site siteSlug of svc to outDir with default
// Options (root-relative links).
func Export(ctx context.Context, svc *centre.Service, siteSlug, outDir string, progress Progress) (*Result, error) {
	return Options{}.Export(ctx, svc, siteSlug, outDir, progress)
}

// Export writes the public site siteSlug of svc to outDir, which must
// not exist or be empty. The files are written to a temporary directory
// beside outDir that is renamed to outDir once complete, so a failed
// export leaves nothing behind. It reads only the public side of svc (see
// centre/public.go), through the web and API handlers and for the list of
// entries to copy.
func (o Options) Export(ctx context.Context, svc *centre.Service, siteSlug, outDir string, progress Progress) (*Result, error) {
	if progress == nil {
		progress = func(string, int, int) {}
	}
	maxPages, maxBytes, timeout := o.limits()
	ctx, cancel := context.WithTimeoutCause(ctx, timeout,
		centre.Errorf(centre.ETOOLARGE, "the static export of site %q takes longer than the limit of %s", siteSlug, timeout))
	defer cancel()
	origin, err := o.origin()
	if err != nil {
		return nil, err
	}
	if _, err := svc.Site(ctx, siteSlug); err != nil {
		return nil, stoppedBy(ctx, err)
	}
	if err := CheckOutDir(outDir); err != nil {
		return nil, err
	}
	parent := filepath.Dir(filepath.Clean(outDir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(outDir)+".tmp-")
	if err != nil {
		return nil, err
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return nil, err
	}

	x, err := o.newExporter(ctx, svc, siteSlug, origin, maxPages, maxBytes)
	if err != nil {
		return nil, stoppedBy(ctx, err)
	}
	x.put = func(name string, body []byte, _ http.Header) error {
		full := filepath.Join(tmp, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		return os.WriteFile(full, body, 0o644)
	}
	if err := x.pages(progress, x.seeds()); err != nil {
		return nil, x.stopped(err)
	}
	if !o.NoAPI {
		if err := x.snapshots(progress); err != nil {
			return nil, x.stopped(err)
		}
	}
	if err := os.Remove(outDir); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err := os.Rename(tmp, outDir); err != nil {
		return nil, err
	}
	done = true
	sort.Strings(x.res.Broken)
	return x.res, nil
}

// origin returns the scheme and host of BaseURL, or "" without one.
func (o Options) origin() (string, error) {
	if o.BaseURL == "" {
		return "", nil
	}
	u, err := url.Parse(o.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return "", centre.Errorf(centre.EINVALID, "base URL %q must be an http(s) URL of a host root, like https://archive.example.org", o.BaseURL)
	}
	return u.Scheme + "://" + u.Host, nil
}

// newExporter returns an exporter of site siteSlug of svc, as of o.Now,
// whose files go nowhere until its put is set.
func (o Options) newExporter(ctx context.Context, svc *centre.Service, siteSlug, origin string, maxPages int, maxBytes int64) (*exporter, error) {
	site, err := svc.Site(ctx, siteSlug)
	if err != nil {
		return nil, err
	}
	if o.Prefix != "" && o.Prefix != web.SiteBase(site.Slug) {
		return nil, centre.Errorf(centre.EINVALID, "prefix %q must be empty or %s", o.Prefix, web.SiteBase(site.Slug))
	}
	dir := o.Prefix
	var skip func(string) bool
	if o.Dir != "" {
		if !validDir(o.Dir) {
			return nil, centre.Errorf(centre.EINVALID, "copy directory %q must be a relative path outside sites/ and assets/, like hosts/flood.example.org", o.Dir)
		}
		if o.Prefix != "" {
			return nil, centre.Errorf(centre.EINVALID, "a copy directory (%s) holds a copy served at the root of a host: leave Options.Prefix empty", o.Dir)
		}
		// The CDN asks a host's copy for that host's own paths only:
		// another site's pages (/sites/…) come from their own copy.
		dir, skip = "/"+o.Dir, func(p string) bool { return strings.HasPrefix(p, "/sites/") }
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	sealer, err := cursor.New(key)
	if err != nil {
		return nil, err
	}
	svc = svc.At(now)
	return &exporter{
		ctx: ctx, public: svc, site: site, origin: origin, prefix: o.Prefix, dir: dir, skip: skip, res: &Result{},
		web: web.New(svc, web.Options{
			Static: true, StaticOrigin: origin, StaticPrefix: o.Prefix, StaticInPlace: o.Prefix != "" || o.Dir != "",
			BuildID: "static", Cursors: sealer, Logger: log, PageSize: 20,
			Counts:      &search.Service{Store: svc.Store, Log: log, Now: func() time.Time { return now }},
			SiteForHost: func(context.Context, string) (string, bool) { return site.Slug, true },
		}),
		api: httpapi.New(httpapi.Config{
			Service: svc,
			Cursors: sealer, Log: log,
		}),
		seen: map[string]bool{}, maxPages: maxPages, maxBytes: maxBytes,
	}, nil
}

// stopped returns the cause of an export cut short by its deadline (an
// ETOOLARGE error naming the limit) instead of the bare context error.
// The handlers may answer a 503 rather than pass the context's error on,
// so the context itself is asked.
func (x *exporter) stopped(err error) error { return stoppedBy(x.ctx, err) }

// stoppedBy returns err, or the cause of ctx's end when ctx has ended
// with one of its own (the limit that stopped the export).
func stoppedBy(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.DeadlineExceeded) {
			return cause
		}
	}
	return err
}

// CheckOutDir returns an ECONFLICT error unless dir does not exist or is
// an empty directory, where an export may be written: mixing a new copy
// with old files would keep pages that no longer exist.
func CheckOutDir(dir string) error {
	f, err := os.Open(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return centre.Errorf(centre.ECONFLICT, "%s exists and is not a directory", dir)
	}
	if names, _ := f.Readdirnames(1); len(names) > 0 {
		return centre.Errorf(centre.ECONFLICT, "%s is not empty: export to a new directory", dir)
	}
	return nil
}

type exporter struct {
	ctx    context.Context
	public *centre.Service
	site   *centre.Site
	origin string
	prefix string // Options.Prefix
	dir    string // where files are named: Options.Dir ("/hosts/…") or prefix
	// put stores one file of the copy: name is its path without the
	// leading "/" (a page's ends in "index.html"), hdr the response's.
	put func(name string, body []byte, hdr http.Header) error
	// follow decides whether a link found on the page from is fetched
	// (nil: every link is); gone receives the name of each path fetched
	// that is not found (nil: ignored).
	follow func(p, from string) bool
	gone   func(name string)
	// skip leaves out the links to the site paths it reports (nil: none).
	skip  func(p string) bool
	web   http.Handler
	api   http.Handler
	res   *Result
	seen  map[string]bool
	queue []link

	maxPages int
	maxBytes int64
}

// link is a path to fetch and the page that named it ("" for the seeds).
type link struct{ path, from string }

func (x *exporter) enqueue(p, from string) {
	if x.seen[p] {
		return
	}
	x.seen[p] = true
	x.queue = append(x.queue, link{p, from})
}

// seeds returns the paths a whole copy starts from: the home page, every
// list, feed and public entry (expired ones included: they stay readable).
func (x *exporter) seeds() []string {
	return []string{"/", "/404.html", "/robots.txt", "/sitemap.xml", "/feed.atom", "/feed.rss", "/feed.json",
		"/statements/", "/publications/", "/news/", "/tags/", "/organisations/"}
}

// pages fetches the site's pages, starting from seeds and, for a whole
// copy (follow nil), every public entry, and following the internal links
// of each page that follow allows.
func (x *exporter) pages(progress Progress, seeds []string) error {
	for _, p := range seeds {
		x.enqueue(p, "")
	}
	if x.follow == nil {
		entries, err := x.publicEntries()
		if err != nil {
			return err
		}
		for _, e := range entries {
			x.res.Entries++
			x.enqueue(web.EntryPath(e.Lang, e.Slug), "")
		}
	}
	for i := 0; i < len(x.queue); i++ {
		if i >= x.maxPages {
			return centre.Errorf(centre.ETOOLARGE, "the static export of site %q has more than the limit of %d pages", x.site.Slug, x.maxPages)
		}
		if err := x.ctx.Err(); err != nil {
			return err
		}
		l := x.queue[i]
		if err := x.fetch(l); err != nil {
			return err
		}
		x.res.Paths++
		progress("paths", i+1, len(x.queue))
	}
	return nil
}

// publicEntries lists every readable entry of the site, expired ones
// included, each language version once.
func (x *exporter) publicEntries() ([]*centre.Entry, error) {
	var out []*centre.Entry
	var pg centre.Pager
	q := centre.EntryQuery{Site: x.site.Slug, Limit: centre.MaxPageSize}
	for {
		page, err := x.public.ReadableEntries(x.ctx, q)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		more, err := pg.Next(q.After, page.Next)
		if err != nil {
			return nil, fmt.Errorf("static: public entries of %s: %w", x.site.Slug, err)
		}
		if !more {
			return out, nil
		}
		q.After = page.Next
	}
}

func (x *exporter) get(h http.Handler, p string) *http.Response {
	// p is a decoded path (a hosted file's name may hold spaces): escape
	// it again for the request line.
	target := p
	if pth, q, ok := strings.Cut(p, "?"); ok {
		target = (&url.URL{Path: pth}).EscapedPath() + "?" + q
	} else {
		target = (&url.URL{Path: p}).EscapedPath()
	}
	r := httptest.NewRequestWithContext(x.ctx, http.MethodGet, target, nil)
	r.Host = "static.invalid"
	if strings.HasPrefix(x.origin, "https:") {
		r.Header.Set("X-Forwarded-Proto", "https")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func (x *exporter) fetch(l link) error {
	res := x.get(x.web, l.path)
	body, _ := io.ReadAll(res.Body)
	switch {
	case res.StatusCode == http.StatusOK, res.StatusCode == http.StatusNotFound && l.path == "/404.html":
	case res.StatusCode == http.StatusMovedPermanently:
		// The target is named as links are (below Prefix, if any).
		if loc := res.Header.Get("Location"); strings.HasPrefix(loc, "/") && !strings.HasPrefix(loc, "//") {
			if p, ok := x.internal(l.path, loc); ok {
				x.enqueue(p, l.from)
			}
		}
		x.res.Redirects++
		return nil
	case res.StatusCode >= 500:
		return fmt.Errorf("static: GET %s: %s", l.path, res.Status)
	default:
		if x.gone != nil && (res.StatusCode == http.StatusNotFound || res.StatusCode == http.StatusGone) {
			x.gone(x.name(l.path, ""))
		}
		if l.from != "" || x.follow == nil {
			x.res.Broken = append(x.res.Broken, or(l.from, "(start)")+" -> "+l.path)
		}
		return nil
	}
	ctype, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
	if err := x.write(x.name(l.path, ctype), body, res.Header); err != nil {
		return err
	}
	if ctype == "text/html" {
		x.res.Pages++
		for _, ref := range links(body) {
			if p, ok := x.internal(l.path, ref); ok && (x.follow == nil || x.follow(p, l.path)) {
				x.enqueue(p, l.path)
			}
		}
	}
	return nil
}

// name returns the file name (without the leading "/") of the path p the
// handler was asked for: below Prefix (or a mirror's Dir) for the site's
// own paths, a page's ending in index.html (ctype "" takes a path without
// an extension for a page).
func (x *exporter) name(p, ctype string) string {
	file := p
	if !strings.HasPrefix(p, "/assets/") {
		file = x.dir + p
	}
	switch {
	case strings.HasSuffix(file, "/"):
		file += "index.html"
	case (ctype == "text/html" || ctype == "") && path.Ext(file) == "":
		file += "/index.html"
	}
	return strings.TrimPrefix(path.Clean("/"+file), "/")
}

// internal resolves ref, found on the page at pagePath, to a path of this
// site, or reports false for a link elsewhere.
func (x *exporter) internal(pagePath, ref string) (string, bool) {
	u, err := url.Parse(ref)
	if err != nil || u.Opaque != "" {
		return "", false
	}
	if u.Scheme != "" || u.Host != "" {
		if x.origin == "" || u.Scheme+"://"+u.Host != x.origin {
			return "", false
		}
	}
	base, _ := url.Parse(x.prefix + pagePath)
	abs := base.ResolveReference(u)
	if abs.Path == "" {
		return "", false
	}
	p := abs.Path
	if x.prefix != "" {
		switch {
		case strings.HasPrefix(p, x.prefix+"/"):
			p = strings.TrimPrefix(p, x.prefix)
		case !strings.HasPrefix(p, "/assets/"):
			return "", false // another site, the read API, the directory
		}
	}
	if x.skip != nil && x.skip(p) {
		return "", false
	}
	if abs.RawQuery != "" {
		p += "?" + abs.RawQuery // a static copy cannot serve it: reported as broken
	}
	return p, true
}

// links returns the href and src values of an HTML document.
func links(doc []byte) []string {
	var out []string
	z := html.NewTokenizer(strings.NewReader(string(doc)))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return out
		case html.StartTagToken, html.SelfClosingTagToken:
			for {
				k, v, more := z.TagAttr()
				switch string(k) {
				case "href", "src":
					out = append(out, string(v))
				case "srcset": // "url 480w, url 960w": each image copy
					for _, c := range strings.Split(string(v), ",") {
						if f := strings.Fields(c); len(f) > 0 {
							out = append(out, f[0])
						}
					}
				}
				if !more {
					break
				}
			}
		}
	}
}

// write stores the file name (a rooted path cleans to a path inside the
// root: nothing escapes the copy) with the response header hdr.
func (x *exporter) write(name string, body []byte, hdr http.Header) error {
	name = strings.TrimPrefix(path.Clean("/"+name), "/")
	if x.res.Bytes+int64(len(body)) > x.maxBytes {
		return centre.Errorf(centre.ETOOLARGE, "the static export of site %q is larger than the limit of %d bytes", x.site.Slug, x.maxBytes)
	}
	if err := x.put(name, body, hdr); err != nil {
		return err
	}
	x.res.Files++
	x.res.Bytes += int64(len(body))
	return nil
}

// snapshots writes the read API's answers for the site: its profile, every
// page of its public entry list, and each public entry in each language.
func (x *exporter) snapshots(progress Progress) error {
	apiBase := "/api/v1/sites/" + x.site.Slug
	out := strings.TrimPrefix(apiBase, "/")
	body, err := x.apiGet(apiBase)
	if err != nil {
		return err
	}
	if err := x.write(out+"/index.json", body, nil); err != nil {
		return err
	}
	refs, err := x.apiLists(apiBase, progress)
	if err != nil {
		return err
	}
	// The list leaves out expired entries, which stay readable: take every
	// readable entry from the service.
	seen := map[entryRef]bool{}
	for _, r := range refs {
		seen[r] = true
	}
	entries, err := x.publicEntries()
	if err != nil {
		return err
	}
	for _, e := range entries {
		if r := (entryRef{e.Slug, e.Lang}); !seen[r] {
			seen[r] = true
			refs = append(refs, r)
		}
	}
	for i, r := range refs {
		body, err := x.apiGet(apiBase + "/entries/" + r.slug + "?lang=" + url.QueryEscape(r.lang))
		if err != nil {
			return err
		}
		if err := x.write(out+"/entries/"+r.slug+"/"+r.lang+".json", body, nil); err != nil {
			return err
		}
		progress("api entries", i+1, len(refs))
	}
	return nil
}

// entryRef names one language version of an entry.
type entryRef struct{ slug, lang string }

// apiLists writes every page of the API's public entry list, linked by
// "next", and returns the entries they name. The list ends at the page
// without a next_cursor (or an empty one), and has at most maxPages pages.
func (x *exporter) apiLists(apiBase string, progress Progress) ([]entryRef, error) {
	out := strings.TrimPrefix(apiBase, "/")
	var refs []entryRef
	var pg centre.Pager
	cur := ""
	for n := 1; ; n++ {
		p := apiBase + "/entries?limit=" + strconv.Itoa(centre.MaxPageSize)
		if cur != "" {
			p += "&cursor=" + url.QueryEscape(cur)
		}
		body, err := x.apiGet(p)
		if err != nil {
			return nil, err
		}
		var page map[string]json.RawMessage
		if err := json.Unmarshal(body, &page); err != nil {
			return nil, fmt.Errorf("static: entry list: %w", err)
		}
		var items []struct{ Slug, Lang string }
		if err := json.Unmarshal(page["items"], &items); err != nil {
			return nil, fmt.Errorf("static: entry list: %w", err)
		}
		for _, it := range items {
			refs = append(refs, entryRef{it.Slug, it.Lang})
		}
		// The last page has no next_cursor: the next one is "", never the
		// cursor of this page.
		next := ""
		if raw, ok := page["next_cursor"]; ok {
			if err := json.Unmarshal(raw, &next); err != nil {
				return nil, fmt.Errorf("static: entry list: next_cursor: %w", err)
			}
		}
		if next != "" && n >= x.maxPages {
			return nil, centre.Errorf(centre.ETOOLARGE, "the static export of site %q has more than the limit of %d API list pages", x.site.Slug, x.maxPages)
		}
		more, err := pg.Next(cur, next)
		if err != nil {
			return nil, fmt.Errorf("static: entry list: %w", err)
		}
		if len(items) == 0 {
			more = false // an empty page ends the list even if it names another
		}
		delete(page, "next_cursor")
		if more {
			page["next"], _ = json.Marshal("/" + out + "/entries/page-" + strconv.Itoa(n+1) + ".json")
		}
		name := out + "/entries/index.json"
		if n > 1 {
			name = out + "/entries/page-" + strconv.Itoa(n) + ".json"
		}
		b, _ := json.Marshal(page)
		if err := x.write(name, append(b, '\n'), nil); err != nil {
			return nil, err
		}
		progress("api lists", n, n)
		if !more {
			break
		}
		cur = next
	}
	return refs, nil
}

func (x *exporter) apiGet(p string) ([]byte, error) {
	res := x.get(x.api, p)
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("static: GET %s: %s", p, res.Status)
	}
	return body, nil
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
