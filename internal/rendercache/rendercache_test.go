package rendercache_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/andybalholm/brotli"

	"infocentre/internal/brcompress"
	"infocentre/internal/centre"
	"infocentre/internal/httpcache"
	"infocentre/internal/rendercache"
)

// world is a site whose stamp and pages the tests control, with a clock.
type world struct {
	mu      sync.Mutex
	now     time.Time
	stamp   centre.SiteStamp
	stamps  atomic.Int64 // reads of the stamp
	renders atomic.Int64 // calls of the handler
	bound   time.Time    // the pages report this bound
	body    string
	// edgeBrotli leaves Brotli to a CDN (Options.Brotli nil).
	edgeBrotli bool
}

func newWorld() *world {
	return &world{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), stamp: centre.SiteStamp{Value: "1"},
		body: strings.Repeat("<p>Statement on the flood, with enough words to be worth compressing.</p>\n", 40)}
}

func (w *world) clock() time.Time { w.mu.Lock(); defer w.mu.Unlock(); return w.now }
func (w *world) advance(d time.Duration) {
	w.mu.Lock()
	w.now = w.now.Add(d)
	w.mu.Unlock()
}
func (w *world) set(v string) { w.mu.Lock(); w.stamp.Value = v; w.mu.Unlock() }

func (w *world) cache(t testing.TB, maxBytes int64) http.Handler {
	return w.cacheWith(t, maxBytes, w.clock)
}

// cacheWith is cache with the clock now.
func (w *world) cacheWith(t testing.TB, maxBytes int64, now func() time.Time) http.Handler {
	t.Helper()
	brotli := brcompress.Bytes
	if w.edgeBrotli {
		brotli = nil
	}
	c := rendercache.New(rendercache.Options{
		MaxBytes: maxBytes,
		Now:      now,
		Brotli:   brotli,
		Stamp: func(ctx context.Context, site string) (centre.SiteStamp, error) {
			w.stamps.Add(1)
			if site != "flood" {
				return centre.SiteStamp{}, centre.Errorf(centre.ENOTFOUND, "no site %q", site)
			}
			w.mu.Lock()
			defer w.mu.Unlock()
			return w.stamp, nil
		},
		SiteOf: func(r *http.Request) string {
			if rest, ok := strings.CutPrefix(r.URL.Path, "/sites/"); ok {
				site, _, _ := strings.Cut(rest, "/")
				return site
			}
			return ""
		},
	})
	t.Cleanup(func() { lastCache = nil })
	lastCache = c
	return c.Wrap(http.HandlerFunc(w.serve))
}

var lastCache *rendercache.Cache

// serve is the page handler: it counts its renders, names the stamp it
// saw in the body, and answers some paths specially.
func (w *world) serve(rw http.ResponseWriter, r *http.Request) {
	w.renders.Add(1)
	if r.Header.Get("Accept-Encoding") != "" || r.Header.Get("If-None-Match") != "" {
		http.Error(rw, "the cache must render plain unconditional responses", 500)
		return
	}
	w.mu.Lock()
	body, stamp, bound := w.body, w.stamp.Value, w.bound
	w.mu.Unlock()
	h := rw.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=60, s-maxage=300")
	h.Set("ETag", `"e`+stamp+`"`)
	switch r.URL.Path {
	case "/sites/flood/cookie":
		h.Set("Set-Cookie", "a=b")
	case "/sites/flood/private":
		h.Set("Cache-Control", "private, no-store")
	case "/sites/flood/broken":
		http.Error(rw, "internal error", 500)
		return
	case "/sites/flood/lang":
		h.Set("Vary", "Accept-Language")
		body = "lang " + r.Header.Get("Accept-Language") + " " + body
	case "/sites/flood/bounded":
		httpcache.Bound(r.Context(), bound)
	}
	_, _ = io.WriteString(rw, "stamp "+stamp+" "+r.URL.RawQuery+"\n"+body)
}

func get(h http.Handler, path string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// decode returns the body of w as the client reads it.
func decode(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var rd io.Reader = bytes.NewReader(w.Body.Bytes())
	switch w.Header().Get("Content-Encoding") {
	case "gzip":
		zr, err := gzip.NewReader(rd)
		if err != nil {
			t.Fatal(err)
		}
		rd = zr
	case "br":
		rd = brotli.NewReader(rd)
	case "":
	default:
		t.Fatalf("Content-Encoding %q", w.Header().Get("Content-Encoding"))
	}
	b, err := io.ReadAll(rd)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRenderOnceServeMany(t *testing.T) {
	w := newWorld()
	h := w.cache(t, 0)
	first := get(h, "/sites/flood/", "Accept-Encoding", "gzip")
	if first.Code != 200 || w.renders.Load() != 1 {
		t.Fatalf("first: %d, %d renders", first.Code, w.renders.Load())
	}
	for i := 0; i < 20; i++ {
		if r := get(h, "/sites/flood/", "Accept-Encoding", "gzip"); r.Code != 200 || !bytes.Equal(r.Body.Bytes(), first.Body.Bytes()) {
			t.Fatalf("view %d: %d, body differs", i, r.Code)
		}
	}
	if n := w.renders.Load(); n != 1 {
		t.Fatalf("21 views rendered %d times, want once", n)
	}
	// Another query is another response.
	if r := get(h, "/sites/flood/?lang=fr"); !strings.HasPrefix(decode(t, r), "stamp 1 lang=fr\n") {
		t.Fatalf("query: %q", decode(t, r)[:20])
	}
	if w.renders.Load() != 2 {
		t.Fatalf("a new query did not render")
	}
}

// encCase is an Accept-Encoding and the Content-Encoding it gets.
type encCase struct{ accept, enc string }

// checkEncodings asks h for /sites/flood/ with each Accept-Encoding and
// checks the coding, Vary, the decoded body (want) and Content-Length;
// it returns the ETag each Content-Encoding came with.
func checkEncodings(t *testing.T, h http.Handler, want string, cases []encCase) map[string]string {
	t.Helper()
	tags := map[string]string{}
	for _, c := range cases {
		r := get(h, "/sites/flood/", "Accept-Encoding", c.accept)
		if got := r.Header().Get("Content-Encoding"); got != c.enc {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", c.accept, got, c.enc)
		}
		if !strings.Contains(r.Header().Get("Vary"), "Accept-Encoding") {
			t.Errorf("Accept-Encoding %q: Vary %q", c.accept, r.Header().Get("Vary"))
		}
		if body := decode(t, r); body != want {
			t.Errorf("Accept-Encoding %q: body differs", c.accept)
		}
		if r.Header().Get("Content-Length") != fmt.Sprint(r.Body.Len()) {
			t.Errorf("Accept-Encoding %q: Content-Length %s for %d bytes", c.accept, r.Header().Get("Content-Length"), r.Body.Len())
		}
		tags[c.enc] = r.Header().Get("ETag")
	}
	return tags
}

func TestEncodings(t *testing.T) {
	w := newWorld()
	h := w.cache(t, 0)
	want := "stamp 1 \n" + w.body
	checkEncodings(t, h, want, []encCase{
		{"gzip, deflate, br", "br"}, {"gzip", "gzip"}, {"br;q=0.5, gzip", "gzip"}, {"", ""}, {"identity", ""},
		{"br;q=0, gzip;q=0", ""}, {"*", "br"}, {"deflate", ""},
	})
	if n := w.renders.Load(); n != 1 {
		t.Fatalf("every encoding came from one render; got %d", n)
	}
	gz := get(h, "/sites/flood/", "Accept-Encoding", "gzip")
	br := get(h, "/sites/flood/", "Accept-Encoding", "br")
	if br.Body.Len() >= gz.Body.Len() || gz.Body.Len() >= len(want) {
		t.Errorf("sizes: identity %d, gzip %d, br %d", len(want), gz.Body.Len(), br.Body.Len())
	}
}

// TestEncodingsEdgeBrotli: without a Brotli compressor (the public
// function, behind a CDN that compresses), a client that prefers Brotli
// gets the body uncompressed — the identity ETag, Vary: Accept-Encoding —
// for the CDN to compress; gzip is still served gzipped; one render.
func TestEncodingsEdgeBrotli(t *testing.T) {
	w := newWorld()
	w.edgeBrotli = true
	h := w.cache(t, 0)
	want := "stamp 1 \n" + w.body
	tags := checkEncodings(t, h, want, []encCase{
		{"br,gzip", ""}, {"gzip, deflate, br", ""}, {"br", ""}, {"gzip", "gzip"}, {"br;q=0.5, gzip", "gzip"}, {"", ""}, {"*", ""},
	})
	if n := w.renders.Load(); n != 1 {
		t.Fatalf("every encoding came from one render; got %d", n)
	}
	if tags[""] == "" || tags[""] == tags["gzip"] {
		t.Errorf("ETags: identity %q, gzip %q", tags[""], tags["gzip"])
	}
	if r := get(h, "/sites/flood/", "Accept-Encoding", "br", "If-None-Match", tags[""]); r.Code != http.StatusNotModified {
		t.Errorf("If-None-Match with the identity ETag, Brotli asked: %d, want 304", r.Code)
	}
}

func TestETagsAnd304(t *testing.T) {
	w := newWorld()
	h := w.cache(t, 0)
	plain := get(h, "/sites/flood/").Header().Get("ETag")
	gz := get(h, "/sites/flood/", "Accept-Encoding", "gzip").Header().Get("ETag")
	br := get(h, "/sites/flood/", "Accept-Encoding", "br").Header().Get("ETag")
	if plain != `"e1"` || gz != `"e1-gz"` || br != `"e1-br"` {
		t.Fatalf("ETags %s %s %s", plain, gz, br)
	}
	for _, inm := range []string{br, gz, plain, "W/" + br, `"x", ` + gz, "*"} {
		r := get(h, "/sites/flood/", "Accept-Encoding", "br", "If-None-Match", inm)
		if r.Code != 304 || r.Body.Len() != 0 || r.Header().Get("ETag") != br || r.Header().Get("Cache-Control") == "" {
			t.Errorf("If-None-Match %s: %d %q ETag %s", inm, r.Code, r.Body.String(), r.Header().Get("ETag"))
		}
	}
	if r := get(h, "/sites/flood/", "If-None-Match", `"other"`); r.Code != 200 {
		t.Errorf("a stale ETag: %d", r.Code)
	}
	// A change of stamp changes the ETag, and the old one no longer matches.
	w.set("2")
	w.advance(2 * time.Second)
	if r := get(h, "/sites/flood/", "Accept-Encoding", "br", "If-None-Match", br); r.Code != 200 || r.Header().Get("ETag") != `"e2-br"` {
		t.Errorf("after a change: %d %s", r.Code, r.Header().Get("ETag"))
	}
	if r := httptestHead(h, "/sites/flood/"); r.Code != 200 || r.Body.Len() != 0 || r.Header().Get("Content-Length") == "0" {
		t.Errorf("HEAD: %d %d bytes, Content-Length %s", r.Code, r.Body.Len(), r.Header().Get("Content-Length"))
	}
}

func httptestHead(h http.Handler, path string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("HEAD", path, nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestFreshnessWindow: the stamp is read at most once per second; a change
// by another process shows after the window, one made through this
// process (Invalidate) at once.
func TestFreshnessWindow(t *testing.T) {
	w := newWorld()
	h := w.cache(t, 0)
	get(h, "/sites/flood/")
	for i := 0; i < 10; i++ {
		get(h, "/sites/flood/")
		get(h, "/sites/flood/news/")
		w.advance(90 * time.Millisecond)
	}
	if n := w.stamps.Load(); n != 1 {
		t.Fatalf("21 views within 0.9 s read the stamp %d times, want 1", n)
	}
	w.set("2") // another process wrote
	if body := decode(t, get(h, "/sites/flood/")); !strings.HasPrefix(body, "stamp 1") {
		t.Fatalf("within the window: %q", body[:8])
	}
	w.advance(100 * time.Millisecond) // the window has passed
	if body := decode(t, get(h, "/sites/flood/")); !strings.HasPrefix(body, "stamp 2") {
		t.Fatalf("after the window: %q", body[:8])
	}
	if n := w.stamps.Load(); n != 2 {
		t.Fatalf("stamp read %d times, want 2", n)
	}
	// This process writes: seen on the next request, inside the window.
	w.set("3")
	lastCache.Invalidate("flood")
	if body := decode(t, get(h, "/sites/flood/")); !strings.HasPrefix(body, "stamp 3") {
		t.Fatalf("after Invalidate: %q", body[:8])
	}
	// An unknown site passes through, uncached.
	before := w.renders.Load()
	get(h, "/sites/nowhere/")
	get(h, "/sites/nowhere/")
	if w.renders.Load()-before != 2 {
		t.Fatalf("an unknown site was served from the cache")
	}
}

// TestBoundedEntries: an entry never outlives the time its response
// reported (an embargo or expiry moment), nor the settling of a change.
func TestBoundedEntries(t *testing.T) {
	w := newWorld()
	h := w.cache(t, 0)
	w.bound = w.clock().Add(10 * time.Second)
	r := get(h, "/sites/flood/bounded")
	if cc := r.Header().Get("Cache-Control"); cc != "public, max-age=10, s-maxage=10" {
		t.Fatalf("Cache-Control: %q, want it cut at the bound", cc)
	}
	for i := 0; i < 9; i++ {
		w.advance(time.Second)
		r = get(h, "/sites/flood/bounded")
	}
	if n := w.renders.Load(); n != 1 {
		t.Fatalf("%d renders before the bound, want 1", n)
	}
	if cc := r.Header().Get("Cache-Control"); !strings.Contains(cc, "max-age=1") || !strings.Contains(cc, "s-maxage=1") {
		t.Errorf("Cache-Control one second before the bound: %q", cc)
	}
	w.advance(time.Second) // the bound
	w.bound = time.Time{}
	get(h, "/sites/flood/bounded")
	if n := w.renders.Load(); n != 2 {
		t.Fatalf("%d renders at the bound, want 2", n)
	}

	// A change the store has just made is kept only until it settled.
	w.advance(time.Second)
	w.mu.Lock()
	w.stamp = centre.SiteStamp{Value: "9", ChangedAt: w.now.Add(-500 * time.Millisecond)}
	w.mu.Unlock()
	get(h, "/sites/flood/")
	n := w.renders.Load()
	w.advance(900 * time.Millisecond)
	get(h, "/sites/flood/")
	if w.renders.Load() != n {
		t.Fatalf("re-rendered before the change settled")
	}
	w.advance(700 * time.Millisecond) // 2.1 s after the change
	get(h, "/sites/flood/")
	if w.renders.Load() != n+1 {
		t.Fatalf("not re-rendered once the change settled")
	}
}

func TestNotKept(t *testing.T) {
	w := newWorld()
	h := w.cache(t, 0)
	for _, p := range []string{"/sites/flood/cookie", "/sites/flood/private", "/sites/flood/broken", "/elsewhere"} {
		before := w.renders.Load()
		a, b := get(h, p), get(h, p)
		if w.renders.Load()-before != 2 {
			t.Errorf("%s was served from the cache", p)
		}
		if a.Code != b.Code {
			t.Errorf("%s: %d then %d", p, a.Code, b.Code)
		}
	}
	if r := get(h, "/sites/flood/cookie"); r.Header().Get("Set-Cookie") != "a=b" {
		t.Errorf("a response passed through lost its headers")
	}
	r := httptest.NewRequest("POST", "/sites/flood/", nil)
	before := w.renders.Load()
	h.ServeHTTP(httptest.NewRecorder(), r)
	h.ServeHTTP(httptest.NewRecorder(), r)
	if w.renders.Load()-before != 2 {
		t.Errorf("POST was served from the cache")
	}
}

func TestVaryOnRequestHeaders(t *testing.T) {
	w := newWorld()
	h := w.cache(t, 0)
	fr := get(h, "/sites/flood/lang", "Accept-Language", "fr")
	en := get(h, "/sites/flood/lang", "Accept-Language", "en")
	fr2 := get(h, "/sites/flood/lang", "Accept-Language", "fr")
	if !strings.HasPrefix(decode(t, fr), "stamp 1 \nlang fr") || !strings.HasPrefix(decode(t, en), "stamp 1 \nlang en") || decode(t, fr2) != decode(t, fr) {
		t.Fatalf("bodies: %q %q %q", decode(t, fr)[:20], decode(t, en)[:20], decode(t, fr2)[:20])
	}
	if n := w.renders.Load(); n != 2 {
		t.Fatalf("%d renders for two languages, want 2", n)
	}
	if v := fr2.Header().Values("Vary"); !strings.Contains(strings.Join(v, ","), "Accept-Language") {
		t.Fatalf("Vary %v", v)
	}
}

// TestByteLimit: the cache holds at most MaxBytes, evicting the least
// recently used first.
func TestByteLimit(t *testing.T) {
	w := newWorld()
	const limit = 16 << 10
	h := w.cache(t, limit)
	get(h, "/sites/flood/?p=keep")
	for i := 0; i < 200; i++ {
		get(h, fmt.Sprintf("/sites/flood/?p=%d", i))
		get(h, "/sites/flood/?p=keep") // used all along: never evicted
	}
	st := lastCache.Stats()
	if st.Bytes > limit || st.Evictions == 0 || st.Entries < 3 {
		t.Fatalf("stats %+v", st)
	}
	before := w.renders.Load()
	get(h, "/sites/flood/?p=keep")
	get(h, "/sites/flood/?p=199")
	if w.renders.Load() != before {
		t.Fatalf("recently used entries were evicted")
	}
	get(h, "/sites/flood/?p=0")
	if w.renders.Load() != before+1 {
		t.Fatalf("the least recently used entry was kept")
	}
}

func TestNegotiate(t *testing.T) {
	for in, want := range map[string]string{"": "", "gzip": "gzip", "br": "br", "gzip, br": "br", "br;q=0.1, gzip;q=0.9": "gzip",
		"GZIP": "gzip", "br;q=0": "", "x-gzip": "", "*;q=0.5": "br"} {
		if got := rendercache.Negotiate([]string{in}); got != want {
			t.Errorf("Negotiate(%q) = %q, want %q", in, got, want)
		}
	}
}
