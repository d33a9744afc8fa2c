package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/httpcache"
)

// cacheableJSON answers a public GET with v, cacheable and conditional.
func (h *Handler) cacheableJSON(w http.ResponseWriter, r *http.Request, v any) {
	h.cacheableJSONUntil(w, r, v, time.Time{}, time.Time{})
}

// cacheableJSONUntil is cacheableJSON for a response that changes at time
// until (zero: no known time): no cache may keep it beyond then, now being
// the current time.
func (h *Handler) cacheableJSONUntil(w http.ResponseWriter, r *http.Request, v any, until, now time.Time) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if err := enc.Encode(v); err != nil {
		writeError(w, r, fmt.Errorf("encode response: %w", err))
		return
	}
	h.cacheableUntil(w, r, "application/json", buf.Bytes(), until, now)
}

// cacheable answers a public GET with body, a strong ETag derived from it,
// shared-cache friendly Cache-Control, and 304 for a matching
// If-None-Match.
func (h *Handler) cacheable(w http.ResponseWriter, r *http.Request, contentType string, body []byte) {
	h.cacheableUntil(w, r, contentType, body, time.Time{}, time.Time{})
}

func (h *Handler) cacheableUntil(w http.ResponseWriter, r *http.Request, contentType string, body []byte, until, now time.Time) {
	sum := sha256.Sum256(body)
	etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
	hd := w.Header()
	maxAge := int(h.cfg.PublicMaxAge.Seconds())
	hd.Set("ETag", etag)
	cc := fmt.Sprintf("public, max-age=%d, s-maxage=%d, stale-while-revalidate=%d, stale-if-error=%d",
		maxAge, maxAge*5, maxAge*10, 86400)
	if !until.IsZero() {
		cc = httpcache.Until(cc, until.Sub(now))
		httpcache.Bound(r.Context(), until)
	}
	hd.Set("Cache-Control", cc)
	hd.Set("Access-Control-Allow-Origin", "*")
	hd.Add("Vary", "Accept-Encoding")
	if ETagMatch(r.Header.Values("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hd.Set("Content-Type", contentType)
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// ETagMatch reports whether any If-None-Match value (each possibly a
// comma-separated list, weak or strong) matches etag, by the weak
// comparison RFC 9110 prescribes for If-None-Match.
func ETagMatch(values []string, etag string) bool {
	want := strings.TrimPrefix(etag, "W/")
	for _, v := range values {
		for _, t := range strings.Split(v, ",") {
			t = strings.TrimSpace(t)
			if t == "*" || strings.TrimPrefix(t, "W/") == want {
				return true
			}
		}
	}
	return false
}

// expiresFirst returns the earliest ExpiresAt after now of entries (zero
// if none expires): a response listing them changes then.
func expiresFirst(now time.Time, entries ...*centre.Entry) time.Time {
	var t time.Time
	for _, e := range entries {
		if e.ExpiresAt.After(now) && (t.IsZero() || e.ExpiresAt.Before(t)) {
			t = e.ExpiresAt
		}
	}
	return t
}
