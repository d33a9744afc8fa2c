package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/httpcache"
)

// Cache policies. Pages and feeds are fresh for a minute in browsers and
// five in shared caches, then served stale while revalidating; on origin
// errors caches may keep serving them for a day.
const (
	cacheControlPage     = "public, max-age=60, s-maxage=300, stale-while-revalidate=600, stale-if-error=86400"
	cacheControlNotFound = "public, max-age=30, s-maxage=60, stale-while-revalidate=60, stale-if-error=3600"
	cacheControlAsset    = "public, max-age=31536000, immutable"
)

// contentSecurityPolicy forbids every script, and styles, images and fonts
// from anywhere but the site itself.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; font-src 'self'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets the headers every response carries.
func (s *Site) securityHeaders(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	if h.Get("Referrer-Policy") == "" { // preview pages send none
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	}
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "interest-cohort=(), camera=(), microphone=(), geolocation=()")
	if s.scheme(r) == "https" || s.origin.scheme == "https" {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
}

// etagger builds a strong ETag from the data a response is made of, and
// finds the time the response changes by itself: when a banner or an
// entry it shows expires.
type etagger struct {
	b          []byte
	until, now time.Time // the response changes at until (zero: unknown)
	r          *http.Request
}

func (s *Site) newETag(q *req, kind string) *etagger {
	e := &etagger{now: q.now, r: q.r}
	e.add("v1", s.buildID, kind, q.origin, q.prefix, q.path, q.r.URL.RawQuery, q.lang)
	if q.site != nil {
		e.add(q.site.Slug, strconv.FormatInt(q.site.Version, 10), q.site.UpdatedAt.Format(time.RFC3339Nano))
	}
	if b := q.banner; b != nil {
		// The banner shows until it expires: the response changes then,
		// and no cache may keep it longer.
		e.add("banner", b.ID, strconv.Itoa(b.Updates))
		e.changesAt(b.ExpiresAt)
	}
	return e
}

// changesAt records that the response changes at t, if t is after now.
func (e *etagger) changesAt(t time.Time) {
	if !t.IsZero() && !e.now.IsZero() && t.After(e.now) && (e.until.IsZero() || t.Before(e.until)) {
		e.until = t
	}
}

// cc returns the Cache-Control policy cc, cut so that no cache keeps the
// response past the time it changes (see httpcache.Until), if known; a
// render cache learns that time too (httpcache.Bound).
func (e *etagger) cc(cc string) string {
	if e.until.IsZero() {
		return cc
	}
	if e.r != nil {
		httpcache.Bound(e.r.Context(), e.until)
	}
	return httpcache.Until(cc, e.until.Sub(e.now))
}

func (e *etagger) add(parts ...string) {
	for _, p := range parts {
		e.b = strconv.AppendInt(e.b, int64(len(p)), 10)
		e.b = append(e.b, ':')
		e.b = append(e.b, p...)
	}
}

// entries adds the identity and version of every entry; the response
// changes when one of them expires.
func (e *etagger) entries(list []*centre.Entry) {
	e.add("n", strconv.Itoa(len(list)))
	for _, x := range list {
		e.add(x.ID, strconv.FormatInt(x.Version, 10))
		e.changesAt(x.ExpiresAt)
	}
}

func (e *etagger) String() string {
	sum := sha256.Sum256(e.b)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
}

// notModified sets the caching headers of a response with ETag etag and
// reports whether the request's If-None-Match already holds it, in which
// case it has answered 304 and the caller must not render anything.
func notModified(w http.ResponseWriter, r *http.Request, etag, cacheControl string) bool {
	h := w.Header()
	h.Set("Cache-Control", cacheControl)
	h.Set("Vary", "Accept-Encoding")
	gz := acceptsGzip(r)
	if gz {
		h.Set("ETag", gzipETag(etag))
	} else {
		h.Set("ETag", etag)
	}
	if ifNoneMatch(r, etag) {
		w.WriteHeader(http.StatusNotModified)
		return true
	}
	return false
}

func gzipETag(etag string) string { return strings.TrimSuffix(etag, `"`) + `-gz"` }

// ifNoneMatch reports whether an If-None-Match header of r matches etag by
// the weak comparison RFC 9110 prescribes for it. It reads every header
// line, because some proxies split one list into several values.
func ifNoneMatch(r *http.Request, etag string) bool {
	for _, line := range r.Header.Values("If-None-Match") {
		for _, tag := range strings.Split(line, ",") {
			tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
			if tag == "*" || tag == etag || tag == gzipETag(etag) {
				return true
			}
		}
	}
	return false
}

func acceptsGzip(r *http.Request) bool {
	for _, line := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(line, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
				continue
			}
			q := 1.0
			for _, p := range strings.Split(params, ";") {
				k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
				if strings.EqualFold(k, "q") {
					if f, err := strconv.ParseFloat(v, 64); err == nil {
						q = f
					}
				}
			}
			return q > 0
		}
	}
	return false
}

var gzPool = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestCompression)
	return w
}}

// gzipBytes compresses b.
func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzPool.Get().(*gzip.Writer)
	zw.Reset(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	gzPool.Put(zw)
	return buf.Bytes()
}

// write sends body with status, compressed when the client accepts gzip
// and the body is worth compressing. Caching headers must already be set.
func write(w http.ResponseWriter, r *http.Request, status int, contentType string, body []byte) {
	if acceptsGzip(r) && len(body) > 512 {
		body = gzipBytes(body)
		w.Header().Set("Content-Encoding", "gzip")
	}
	send(w, r, status, contentType, body)
}

// send writes body as is.
func send(w http.ResponseWriter, r *http.Request, status int, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}
