package httpapi

import (
	"crypto/subtle"
	"net/http"

	"infocentre/internal/centre"
)

// OriginSecretHeader carries the secret the CDN in front of the API adds
// to every request it forwards (template.yaml's distribution, from its
// OriginSecret). With Config.OriginSecret set, the public routes answer
// only requests that carry it, so that the API's own endpoint is no way
// around the cache.
const OriginSecretHeader = "X-Origin-Verify"

// originGuard returns next behind the origin-secret check: with no secret
// configured it returns next itself. A request without the header, or with
// another value (compared in constant time), is refused with a 403
// problem (centre.EFORBIDDEN); GET /healthz is always answered (a probe of
// the function, not a page). The header is removed before next sees the
// request, so that nothing downstream can log or echo it.
func originGuard(secret string, next http.Handler) http.Handler {
	if secret == "" {
		return next
	}
	want := []byte(secret)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := r.Header.Get(OriginSecretHeader)
		r.Header.Del(OriginSecretHeader)
		if r.URL.Path == "/healthz" {
			next.ServeHTTP(w, r)
			return
		}
		if subtle.ConstantTimeCompare([]byte(got), want) != 1 {
			writeProblem(w, r, http.StatusForbidden, centre.EFORBIDDEN,
				"this endpoint serves public pages only through the deployment's CDN; use its address", nil)
			return
		}
		next.ServeHTTP(w, r)
	})
}
