package httpapi

import (
	"net/http"
	"strings"

	"infocentre/internal/centre"
)

// staffCORS gives the staff API cross-origin access only for the origins
// in Config.StaffOrigins. Any other origin, and every origin when the list
// is empty, gets no Access-Control-Allow-Origin (a browser then withholds
// the response from the page) and a refused preflight. Preflights carry no
// key, so they are answered here, before authentication.
func (h *Handler) staffCORS(next http.Handler) http.Handler {
	allowed := map[string]bool{}
	for _, o := range h.cfg.StaffOrigins {
		if o = strings.TrimRight(strings.TrimSpace(o), "/"); o != "" && o != "*" {
			allowed[o] = true
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		ok := origin != "" && allowed[origin]
		hd := w.Header()
		if len(allowed) > 0 {
			hd.Add("Vary", "Origin")
		}
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			if !ok {
				writeProblem(w, r, http.StatusForbidden, centre.EFORBIDDEN,
					"cross-origin requests to the staff API are not allowed from this origin", nil)
				return
			}
			hd.Set("Access-Control-Allow-Origin", origin)
			hd.Set("Access-Control-Allow-Methods", "GET, HEAD, POST, PATCH, DELETE")
			hd.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key, If-Match, X-Request-Id")
			hd.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if ok {
			hd.Set("Access-Control-Allow-Origin", origin)
			hd.Set("Access-Control-Expose-Headers", "ETag, Location, Retry-After, X-Request-Id")
		}
		next.ServeHTTP(w, r)
	})
}

// publicPreflight answers a browser's CORS preflight for the public read
// API, which every origin may read (GET and HEAD, conditionally). The
// deployment answers preflights here rather than in API Gateway, whose CORS
// configuration would override the staff API's allowlist.
func publicPreflight(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Access-Control-Request-Method") == "" {
		w.Header().Set("Allow", "GET, HEAD, OPTIONS")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	hd := w.Header()
	hd.Set("Access-Control-Allow-Origin", "*")
	hd.Set("Access-Control-Allow-Methods", "GET, HEAD")
	hd.Set("Access-Control-Allow-Headers", "If-None-Match")
	hd.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}
