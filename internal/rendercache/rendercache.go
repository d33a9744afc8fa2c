// Package rendercache renders each public response once and serves it many
// times: a bounded in-memory cache of the responses of the public routes
// (HTML pages, feeds, sitemaps, JSON), wrapped around the public handler.
//
// An entry is keyed by the change stamp of the site it shows
// (centre.SiteStamp), the request's host, forwarded host and scheme, its
// path and query, and the values of the request headers its response
// varies on besides Accept-Encoding (Accept-Language for the read API's
// entries). It holds the body compressed with gzip and with Brotli; each
// client gets the encoding its Accept-Encoding prefers, with Vary:
// Accept-Encoding and an ETag per encoding. Conditional requests are
// answered 304 from the entry.
//
// Freshness: the stamp of a site is read at most once per Window (at most
// one second) per process; in between, hits cost no store request at all.
// A write made through this process invalidates the site's stamp at once
// (Invalidate, or the store Watch returns); a write by another process is
// seen at the next read of the stamp. An entry never outlives the time its
// response changes by itself, which the handler reports with
// httpcache.Bound (an entry's expiry, a banner's end); and one filled soon
// after a change that the store reads from an eventually consistent index
// is kept only until that change has settled (Settle).
//
// Entries are evicted least recently used first once their bytes (bodies,
// headers and keys) pass MaxBytes.
package rendercache

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/httpcache"
)

// Defaults of Options.
const (
	DefaultMaxBytes = 64 << 20
	DefaultWindow   = time.Second
	DefaultSettle   = 2 * time.Second
	// maxBody is the largest body kept: a larger one is served as rendered.
	maxBody = 8 << 20
	// minCompress is the smallest body worth compressing.
	minCompress = 512
)

// Options configure a Cache.
type Options struct {
	// Stamp returns the change stamp of a site (centre.Service.SiteStamp).
	Stamp func(ctx context.Context, site string) (centre.SiteStamp, error)
	// SiteOf returns the slug of the site whose public response r asks
	// for, or "" for a request the cache must pass through (previews,
	// files, the staff routes, pages of no site).
	SiteOf func(r *http.Request) string
	// MaxBytes bounds the bytes kept (default DefaultMaxBytes).
	MaxBytes int64
	// Window is how long a site's stamp is trusted once read (default and
	// at most DefaultWindow).
	Window time.Duration
	// Settle is how long after a change (SiteStamp.ChangedAt) a response
	// may still miss it; one filled before then is kept only until then
	// (default DefaultSettle).
	Settle time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Log receives failures to read a stamp (default slog.Default()).
	Log *slog.Logger
	// Brotli compresses a body with Brotli (brcompress.Bytes). Nil: the
	// cache keeps each compressible body gzipped and as it is, and a
	// client that prefers Brotli gets it as it is, for the CDN in front
	// to compress (the distribution compresses uncompressed responses
	// with Brotli for viewers that take it: template.yaml, Compress and
	// EnableAcceptEncodingBrotli). The public function runs so, and links
	// no Brotli encoder.
	Brotli func([]byte) []byte
}

// Cache is the render cache. It is safe for concurrent use.
type Cache struct {
	o Options

	// mu guards the entries and their order. A hit holds it for one map
	// lookup and one move in the list: with every P doing nothing but hits
	// (BenchmarkHit/parallel, 2 CPUs) the mutex profile shows about 15 ns
	// of waiting per hit, and a server spends some 20 µs per request, so
	// it is neither sharded nor made read-mostly (which would give up the
	// exact LRU order).
	mu      sync.Mutex
	entries map[string]*list.Element // of *entry
	lru     *list.List               // most recently used first
	bytes   int64

	smu    sync.RWMutex
	stamps map[string]*stamp

	hits, misses, fills, evictions int64
}

// stamp is what the cache knows of one site's stamp.
type stamp struct {
	mu  sync.Mutex                // held while reading the stamp from the store
	cur atomic.Pointer[stampRead] // the last read, nil if none or failed
	gen atomic.Int64              // raised by Invalidate: a read begun before it is not trusted after it
}

type stampRead struct {
	value  centre.SiteStamp
	readAt time.Time
	gen    int64 // stamp.gen when the read began
}

// entry is one cached response.
type entry struct {
	key    string
	vary   []string // a vary record: the request headers the responses at this base key vary on
	varies []string // the request headers the response varies on besides Accept-Encoding
	status int
	header http.Header // without Content-Length, Content-Encoding, ETag, Vary
	etag   string      // of the identity body, "" for none
	until  time.Time   // zero: until the stamp changes
	plain  []byte      // identity body, kept only when not worth compressing
	gz, br []byte
	ident  []byte // identity body of a compressed one, kept instead of br when Options.Brotli is nil
	size   int64
	// Made once at fill, so that a hit sets header values it does not
	// build: Vary, and per encoding (encIdentity, encGzip, encBrotli) the
	// ETag, Content-Encoding and Content-Length.
	varyHdr []string
	tags    [3][]string
	encHdr  [3][]string
	lengths [3][]string
	hasCC   bool   // the header holds Cache-Control (cut to until on a hit)
	cc      string // the rendered Cache-Control, cut on a hit when until is set
	// cut is the last Cache-Control cut to until, for the whole seconds
	// left it was cut at: the hits of one second share it.
	cut atomic.Pointer[ccCut]
}

// ccCut is a Cache-Control value cut for secs whole seconds left.
type ccCut struct {
	secs  int64
	value []string
}

// cacheControl returns the entry's Cache-Control value at now, cut so that
// no cache keeps the response past until (see httpcache.Until).
func (e *entry) cacheControl(now time.Time) []string {
	left := e.until.Sub(now)
	secs := max(int64(left/time.Second), 0) // what Until cuts to
	if c := e.cut.Load(); c != nil && c.secs == secs {
		return c.value[:1:1]
	}
	c := &ccCut{secs: secs, value: []string{httpcache.Until(e.cc, left)}}
	e.cut.Store(c)
	return c.value[:1:1]
}

// Encodings of an entry's body, as indexes of its per-encoding values.
const (
	encIdentity = iota
	encGzip
	encBrotli
)

// prepare makes e's per-hit header values; e's bodies are set.
func (e *entry) prepare() {
	if e.plain == nil || e.status == http.StatusOK {
		e.varyHdr = append(e.varyHdr, "Accept-Encoding")
	}
	e.varyHdr = append(e.varyHdr, e.varies...)
	_, e.hasCC = e.header["Cache-Control"]
	e.cc = e.header.Get("Cache-Control")
	names := [3]string{"", "gzip", "br"}
	identity := e.plain
	if identity == nil {
		identity = e.ident
	}
	for i, body := range [3][]byte{identity, e.gz, e.br} {
		if e.etag != "" {
			e.tags[i] = []string{tagFor(e.etag, names[i])}
		}
		if i > encIdentity {
			e.encHdr[i] = []string{names[i]}
		}
		if body != nil || i == encIdentity {
			e.lengths[i] = []string{strconv.Itoa(len(body))}
		}
	}
}

// New returns a cache with options o; Stamp and SiteOf are required.
func New(o Options) *Cache {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.Window <= 0 || o.Window > DefaultWindow {
		o.Window = DefaultWindow
	}
	if o.Settle <= 0 {
		o.Settle = DefaultSettle
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Cache{o: o, entries: map[string]*list.Element{}, lru: list.New(), stamps: map[string]*stamp{}}
}

// Stats are the cache's counters.
type Stats struct {
	Entries                        int
	Bytes, MaxBytes                int64
	Hits, Misses, Fills, Evictions int64
}

// Stats returns the cache's counters.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{Entries: c.lru.Len(), Bytes: c.bytes, MaxBytes: c.o.MaxBytes,
		Hits: c.hits, Misses: c.misses, Fills: c.fills, Evictions: c.evictions}
}

// Invalidate forgets the stamp of site, so that the next request reads it
// again: a write made through this process is seen at once.
func (c *Cache) Invalidate(site string) {
	c.smu.RLock()
	if st := c.stamps[site]; st != nil {
		st.gen.Add(1)
	}
	c.smu.RUnlock()
}

// siteStamp returns the stamp of site at now, read from the store at most
// once per window, and the time to serve it at: now, or when the stamp had
// to be read, the clock after the read. ok is false when it cannot be read
// (the request then passes through, and the handler answers as it would
// without a cache). A fresh stamp costs no lock but a read lock of the map
// of sites.
func (c *Cache) siteStamp(ctx context.Context, site string, now time.Time) (_ centre.SiteStamp, at time.Time, ok bool) {
	c.smu.RLock()
	st := c.stamps[site]
	c.smu.RUnlock()
	if st == nil {
		c.smu.Lock()
		if st = c.stamps[site]; st == nil {
			if len(c.stamps) >= maxStamps {
				clear(c.stamps) // bounded: a flood of unknown sites costs reads, not memory
			}
			st = &stamp{}
			c.stamps[site] = st
		}
		c.smu.Unlock()
	}
	if v, ok := c.fresh(st, now); ok {
		return v, now, true
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	// The clock again: a read made meanwhile by another request may have
	// begun after now.
	now = c.o.Now()
	if v, ok := c.fresh(st, now); ok {
		return v, now, true // read meanwhile by another request
	}
	gen := st.gen.Load()
	v, err := c.o.Stamp(ctx, site)
	if err != nil {
		st.cur.Store(nil)
		if !centre.IsCode(err, centre.ENOTFOUND) {
			c.o.Log.WarnContext(ctx, "render cache: cannot read the site's stamp", slog.String("site", site), slog.String("error", err.Error()))
		}
		return centre.SiteStamp{}, now, false
	}
	st.cur.Store(&stampRead{value: v, readAt: now, gen: gen})
	return v, c.o.Now(), true
}

// fresh returns the stamp st holds if, at now, it was read within the
// window and no Invalidate came after the read began.
func (c *Cache) fresh(st *stamp, now time.Time) (centre.SiteStamp, bool) {
	r := st.cur.Load()
	if r == nil || r.gen != st.gen.Load() {
		return centre.SiteStamp{}, false
	}
	age := now.Sub(r.readAt)
	return r.value, age >= 0 && age < c.o.Window
}

// maxStamps bounds the sites whose stamps are remembered.
const maxStamps = 10_000

// Wrap returns next with the cache in front of it.
func (c *Cache) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		site := c.o.SiteOf(r)
		if site == "" {
			next.ServeHTTP(w, r)
			return
		}
		// One clock read serves the stamp's freshness and the entry's
		// bound: the clock costs tens of ns, a hit not much more.
		now := c.o.Now()
		st, now, ok := c.siteStamp(r.Context(), site, now)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		kb := keyPool.Get().(*[]byte)
		*kb = appendBaseKey((*kb)[:0], site, st.Value, r)
		e := c.lookup(*kb, r, now)
		base := ""
		if e == nil {
			base = string(*kb)
		}
		keyPool.Put(kb)
		if e != nil {
			c.serve(w, r, e, now)
			return
		}
		e = c.fill(w, next, r, base, st, now)
		if e == nil {
			return // answered as rendered
		}
		c.serve(w, r, e, now)
	})
}

// appendBaseKey appends to b the part of an entry's key every request of
// one response shares: each part with its length before it.
func appendBaseKey(b []byte, site, stamp string, r *http.Request) []byte {
	for _, p := range [...]string{site, stamp, r.Host, first(r.Header["X-Forwarded-Host"]), first(r.Header["X-Forwarded-Proto"]), tlsOf(r),
		r.URL.RawPath, r.URL.Path, r.URL.RawQuery} {
		b = strconv.AppendInt(b, int64(len(p)), 10)
		b = append(b, ':')
		b = append(b, p...)
	}
	return b
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// keyPool holds the buffers keys are made in: a hit looks its key up
// without making a string of it.
var keyPool = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

func tlsOf(r *http.Request) string {
	if r.TLS != nil {
		return "tls"
	}
	return ""
}

// varyKey extends base with the values of the request headers names.
func varyKey(base string, names []string, r *http.Request) string {
	var b strings.Builder
	b.WriteString(base)
	for _, n := range names {
		v := strings.Join(r.Header.Values(n), ",")
		b.WriteString("|")
		b.WriteString(strconv.Itoa(len(v)))
		b.WriteByte(':')
		b.WriteString(v)
	}
	return b.String()
}

// lookup returns the live entry for r, whose base key is base, or nil.
func (c *Cache) lookup(base []byte, r *http.Request, now time.Time) *entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.get(base, now)
	if e != nil && e.vary != nil {
		e = c.get([]byte(varyKey(string(base), e.vary, r)), now)
	}
	if e == nil {
		c.misses++
		return nil
	}
	c.hits++
	return e
}

// get returns the live entry at key, or nil; c.mu is held.
func (c *Cache) get(key []byte, now time.Time) *entry {
	el := c.entries[string(key)] // no string is made for a map index
	if el == nil {
		return nil
	}
	e := el.Value.(*entry)
	if !e.until.IsZero() && !now.Before(e.until) {
		c.remove(el)
		return nil
	}
	c.lru.MoveToFront(el)
	return e
}

func (c *Cache) remove(el *list.Element) {
	e := el.Value.(*entry)
	c.lru.Remove(el)
	delete(c.entries, e.key)
	c.bytes -= e.size
}

// put adds e (replacing an entry with its key) and evicts the least
// recently used entries past MaxBytes; c.mu is held.
func (c *Cache) put(e *entry) {
	if e.size > c.o.MaxBytes {
		return
	}
	if el := c.entries[e.key]; el != nil {
		c.remove(el)
	}
	c.entries[e.key] = c.lru.PushFront(e)
	c.bytes += e.size
	for c.bytes > c.o.MaxBytes {
		c.remove(c.lru.Back())
		c.evictions++
	}
}

// recorder captures a response.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
	big    bool
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}
func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if r.body.Len()+len(p) > maxBody {
		r.big = true
	}
	if !r.big {
		r.body.Write(p)
	}
	return len(p), nil
}

// cacheable reports the statuses a page or API route answers without an
// error.
func cacheable(status int) bool {
	switch status {
	case http.StatusOK, http.StatusMovedPermanently, http.StatusPermanentRedirect, http.StatusNotFound, http.StatusGone:
		return true
	}
	return false
}

// fill renders r through next as a plain GET without conditions or
// encodings, and keeps the response if it may be kept. It returns the
// entry to serve, or nil when it has answered w with the response as
// rendered (not cacheable).
func (c *Cache) fill(w http.ResponseWriter, next http.Handler, r *http.Request, base string, st centre.SiteStamp, now time.Time) *entry {
	ctx := httpcache.WithBound(r.Context())
	if st.Site != nil {
		ctx = context.WithValue(ctx, stampKey{}, st)
	}
	in := r.Clone(ctx)
	in.Method = http.MethodGet
	for _, h := range []string{"If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since", "Range", "If-Range", "Accept-Encoding"} {
		in.Header.Del(h)
	}
	rec := &recorder{header: http.Header{}}
	next.ServeHTTP(rec, in)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if !keepable(rec) {
		c.passOn(w, rec)
		return nil
	}
	e := &entry{status: rec.status, header: rec.header, until: httpcache.BoundOf(in.Context())}
	if !st.ChangedAt.IsZero() {
		if settled := st.ChangedAt.Add(c.o.Settle); now.Before(settled) && (e.until.IsZero() || settled.Before(e.until)) {
			e.until = settled
		}
	}
	if !e.until.IsZero() && !now.Before(e.until) {
		c.passOn(w, rec) // already changed: serve it, keep nothing
		return nil
	}
	e.etag = rec.header.Get("ETag")
	vary := varyNames(rec.header.Values("Vary"))
	for _, h := range []string{"Content-Length", "Content-Encoding", "ETag", "Vary"} {
		e.header.Del(h)
	}
	body := rec.body.Bytes()
	if e.etag == "" && rec.status == http.StatusOK {
		sum := sha256.Sum256(body)
		e.etag = `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
	}
	if len(body) >= minCompress && compressible(e.header.Get("Content-Type")) {
		e.gz = gzipBytes(body)
		if c.o.Brotli != nil {
			e.br = c.o.Brotli(body)
		} else {
			e.ident = bytes.Clone(body)
		}
	} else {
		e.plain = bytes.Clone(body)
	}
	e.key, e.varies = base, vary
	if len(vary) > 0 {
		e.key = varyKey(base, vary, r)
	}
	e.prepare()
	e.size = int64(len(e.key)+len(e.plain)+len(e.gz)+len(e.br)+len(e.ident)+len(e.etag)) + headerSize(e.header) + entryOverhead
	c.mu.Lock()
	c.fills++
	if len(vary) > 0 {
		c.put(&entry{key: base, vary: vary, until: e.until, size: int64(len(base)) + entryOverhead})
	}
	c.put(e)
	c.mu.Unlock()
	return e
}

// entryOverhead approximates the memory of an entry beyond its bytes and
// headers: the entry, its list element, map slot and header map.
const entryOverhead = 1024

// passOn writes a recorded response to the client as it was rendered.
func (c *Cache) passOn(w http.ResponseWriter, rec *recorder) {
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.body.Bytes())
}

// keepable reports whether a recorded response may be kept for everyone.
func keepable(rec *recorder) bool {
	if rec.big || !cacheable(rec.status) || rec.header.Get("Set-Cookie") != "" {
		return false
	}
	cc := strings.ToLower(rec.header.Get("Cache-Control"))
	if strings.Contains(cc, "no-store") || strings.Contains(cc, "private") || strings.Contains(cc, "no-cache") {
		return false
	}
	return !strings.Contains(rec.header.Get("Vary"), "*")
}

// varyNames returns the header names of Vary values other than
// Accept-Encoding, canonical and sorted as listed.
func varyNames(values []string) []string {
	var out []string
	for _, v := range values {
		for _, n := range strings.Split(v, ",") {
			n = http.CanonicalHeaderKey(strings.TrimSpace(n))
			if n != "" && n != "Accept-Encoding" {
				out = append(out, n)
			}
		}
	}
	return out
}

func compressible(contentType string) bool {
	ct, _, _ := strings.Cut(strings.ToLower(contentType), ";")
	ct = strings.TrimSpace(ct)
	return strings.HasPrefix(ct, "text/") || strings.HasSuffix(ct, "json") || strings.HasSuffix(ct, "xml") ||
		ct == "application/javascript" || ct == "image/svg+xml"
}

func headerSize(h http.Header) int64 {
	var n int
	for k, vs := range h {
		n += len(k)
		for _, v := range vs {
			n += len(v) + 16
		}
	}
	return int64(n)
}

// serve answers r from e: 304 when If-None-Match holds its ETag, else the
// body in the encoding the client prefers. Header values are the entry's
// own, made at fill (net/http only reads them), set under their canonical
// names.
func (c *Cache) serve(w http.ResponseWriter, r *http.Request, e *entry, now time.Time) {
	h := w.Header()
	for k, v := range e.header {
		h[k] = v[:len(v):len(v)] // an Add appends to a copy, never to the entry's
	}
	if e.hasCC && !e.until.IsZero() {
		h["Cache-Control"] = e.cacheControl(now)
	}
	body, enc := e.plain, encIdentity
	if e.plain == nil {
		switch Negotiate(r.Header["Accept-Encoding"]) {
		case "br":
			if e.br != nil {
				body, enc = e.br, encBrotli
			} else {
				body = e.ident // for the CDN to compress (Options.Brotli)
			}
		case "gzip":
			body, enc = e.gz, encGzip
		default:
			body = e.identityBody()
		}
	}
	if len(e.varyHdr) > 0 {
		h["Vary"] = e.varyHdr[:len(e.varyHdr):len(e.varyHdr)]
	}
	if e.etag != "" {
		h["Etag"] = e.tags[enc]
		if inm := r.Header["If-None-Match"]; len(inm) > 0 && e.status == http.StatusOK && etagMatch(inm, e.etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	if enc != encIdentity {
		h["Content-Encoding"] = e.encHdr[enc]
	}
	if l := e.lengths[enc]; l != nil && (enc != encIdentity || e.plain != nil || e.ident != nil) {
		h["Content-Length"] = l
	} else {
		h["Content-Length"] = []string{strconv.Itoa(len(body))}
	}
	w.WriteHeader(e.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// identityBody returns the uncompressed body of an entry kept compressed
// (for a client that takes no encoding): kept (ident) when the CDN
// compresses with Brotli, else decompressed on each such hit: rare, and
// not worth keeping twice.
func (e *entry) identityBody() []byte {
	if e.ident != nil {
		return e.ident
	}
	return gunzip(e.gz)
}

// tagFor returns the ETag of an encoding of the body whose identity ETag
// is etag: the same opaque tag with -gz or -br inside its quotes.
func tagFor(etag, enc string) string {
	switch enc {
	case "gzip":
		return strings.TrimSuffix(etag, `"`) + `-gz"`
	case "br":
		return strings.TrimSuffix(etag, `"`) + `-br"`
	}
	return etag
}

// etagMatch reports whether If-None-Match values match etag in any of its
// encodings, by the weak comparison RFC 9110 prescribes. Every header line
// is read: some proxies split one list into several.
func etagMatch(values []string, etag string) bool {
	for _, line := range values {
		for _, t := range strings.Split(line, ",") {
			t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
			if t == "*" || t == etag || t == tagFor(etag, "gzip") || t == tagFor(etag, "br") {
				return true
			}
		}
	}
	return false
}

// Negotiate returns the content coding of Accept-Encoding values to send:
// "br", "gzip" or "" (identity), preferring the higher q-value and, at
// equal ones, Brotli.
func Negotiate(values []string) string {
	if len(values) == 1 {
		if enc, ok := commonEncoding(values[0]); ok {
			return enc
		}
	}
	return negotiate(values)
}

// negotiate is Negotiate without the table of common values.
func negotiate(values []string) string {
	best, bestQ := "", 0.0
	for _, line := range values {
		for _, part := range strings.Split(line, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			name = strings.ToLower(strings.TrimSpace(name))
			if name != "br" && name != "gzip" && name != "*" {
				continue
			}
			q := 1.0
			for _, p := range strings.Split(params, ";") {
				k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
				if strings.EqualFold(strings.TrimSpace(k), "q") {
					if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
						q = f
					}
				}
			}
			if name == "*" {
				name = "br"
			}
			if q > bestQ || (q == bestQ && q > 0 && name == "br") {
				best, bestQ = name, q
			}
		}
	}
	if bestQ <= 0 {
		return ""
	}
	return best
}

// commonEncodings are Accept-Encoding values browsers, CDNs and load
// generators send (TestCommonEncodings checks commonEncoding's answer
// for each against the full parse).
var commonEncodings = [...]string{"gzip", "br", "identity", "gzip, deflate", "gzip,deflate", "gzip, deflate, br",
	"gzip,deflate,br", "gzip, deflate, br, zstd", "br, gzip", "deflate, gzip"}

// commonEncoding returns what Negotiate answers for one of
// commonEncodings, and false for any other value.
func commonEncoding(accept string) (string, bool) {
	switch accept {
	case "gzip", "gzip, deflate", "gzip,deflate", "deflate, gzip":
		return "gzip", true
	case "br", "gzip, deflate, br", "gzip,deflate,br", "gzip, deflate, br, zstd", "br, gzip":
		return "br", true
	case "identity":
		return "", true
	}
	return "", false
}

// Gzip writers are pooled: one per response would cost more than the
// compression.
var gzPool = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestCompression)
	return w
}}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzPool.Get().(*gzip.Writer)
	zw.Reset(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	gzPool.Put(zw)
	return bytes.Clone(buf.Bytes()) // exactly sized: kept for long
}

func gunzip(b []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil
	}
	out, _ := io.ReadAll(io.LimitReader(zr, maxBody))
	return out
}
