package httpapi

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"infocentre/internal/centre"
)

// OriginSecretHeader carries the secret the CDN in front of the API adds
// to every request it forwards (template.yaml's distribution, from its
// OriginSecret). With Config.OriginSecret set, the public routes answer
// only requests that carry it, so that the API's own endpoint is no way
// around the cache.
const OriginSecretHeader = "X-Origin-Verify"

// ViewerHostHeader carries the host name the visitor asked the CDN for
// (template.yaml's viewer-request function sets it from Host, replacing
// whatever the visitor sent): the API origin sees only its own name, so a
// site on its own host name (Site.Hosts, in the distribution's aliases) is
// found by this header. It is trusted only on a request that carries the
// origin secret, and removed from every other.
const ViewerHostHeader = "X-Viewer-Host"

// ViewerHostPath returns the path below which the CDN asks for the pages of
// a site on a host of its own: template.yaml's viewer-request function
// rewrites a request for /en/x/ on flood.example.org (a host no
// deployment name reserves) to /hosts/flood.example.org/en/x/, so that
// the cache key and the static mirror (internal/edge, which keeps that
// host's copy there) hold the host. The public routes serve such a path,
// on a request carrying the origin secret whose ViewerHostHeader names the
// same host, as the path below it.
func ViewerHostPath(host string) string { return "/hosts/" + host }

// originGuard returns next behind the origin-secret check: with no secret
// configured it returns next itself. A request without the header, or with
// another value (compared in constant time), is refused with a 403
// problem (centre.EFORBIDDEN); GET /healthz is always answered (a probe of
// the function, not a page). The header is removed before next sees the
// request, so that nothing downstream can log or echo it. A request with
// the secret and a valid ViewerHostHeader is served as a request for that
// host (Host and X-Forwarded-Host), and a path below that host's
// ViewerHostPath as the path below it (once); without the secret the
// header is dropped.
func originGuard(secret string, next http.Handler) http.Handler {
	if secret == "" {
		return next
	}
	want := []byte(secret)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := r.Header.Get(OriginSecretHeader)
		viewer := strings.ToLower(r.Header.Get(ViewerHostHeader))
		r.Header.Del(OriginSecretHeader)
		r.Header.Del(ViewerHostHeader)
		if r.URL.Path == "/healthz" {
			next.ServeHTTP(w, r)
			return
		}
		if subtle.ConstantTimeCompare([]byte(got), want) != 1 {
			writeProblem(w, r, http.StatusForbidden, centre.EFORBIDDEN,
				"this endpoint serves public pages only through the deployment's CDN; use its address", nil)
			return
		}
		if viewer != "" && validHostName(viewer) {
			r.Host = viewer
			r.Header.Set("X-Forwarded-Host", viewer)
			base := ViewerHostPath(viewer)
			if rest, ok := strings.CutPrefix(r.URL.Path, base); ok && strings.HasPrefix(rest, "/") {
				r.URL.Path = rest
				if raw, ok := strings.CutPrefix(r.URL.RawPath, base); ok {
					r.URL.RawPath = raw
				} else {
					r.URL.RawPath = ""
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// validHostName reports whether h is a DNS host name (letters, digits,
// hyphens and dots, at most 253 bytes), without a port.
func validHostName(h string) bool {
	if h == "" || len(h) > 253 || strings.HasPrefix(h, ".") || strings.HasSuffix(h, ".") || strings.Contains(h, "..") {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}
