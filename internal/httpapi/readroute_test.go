package httpapi

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"infocentre/internal/search"
)

// TestReadRoutesAsServeMux checks the read API's routing in code
// (readRoute) against a ServeMux with a pattern for each route, as the
// routes were registered before: the same route, path values, redirects
// and 404s for every path and method below.
func TestReadRoutesAsServeMux(t *testing.T) {
	label := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "%s site=%q slug=%q token=%q", name, r.PathValue("site"), r.PathValue("slug"), r.PathValue("token"))
		}
	}
	// The site's patterns, registered on the same mux in every binary.
	site := func(mux *http.ServeMux) {
		for _, p := range []string{"GET /assets/{name}", "GET /preview/{token}", "GET /sites/{site}", "GET /sites/{site}/{rest...}", "/"} {
			mux.HandleFunc(p, label("site "+p))
		}
	}
	names := map[string]string{"getPublicSite": "site", "listPublicEntries": "entries", "getPublicEntry": "entry",
		"getPreview": "preview", "searchEntries": "search", "readRoute.func1": "openapi"}
	for _, withSearch := range []bool{false, true} {
		old := http.NewServeMux()
		old.HandleFunc("GET /healthz", label("healthz"))
		old.HandleFunc("GET /api/v1/openapi.json", label("openapi"))
		old.HandleFunc("GET /api/v1/sites/{site}", label("site"))
		old.HandleFunc("GET /api/v1/sites/{site}/entries", label("entries"))
		old.HandleFunc("GET /api/v1/sites/{site}/entries/{slug}", label("entry"))
		old.HandleFunc("GET /api/v1/preview/{token}", label("preview"))
		old.HandleFunc("OPTIONS /api/v1/", label("preflight"))
		old.HandleFunc("/api/", label("notfound"))
		if withSearch {
			old.HandleFunc("GET /api/v1/sites/{site}/search", label("search"))
		}
		site(old)

		h := &Handler{}
		if withSearch {
			h.cfg.Search = &search.Service{}
		}
		now := http.NewServeMux()
		now.HandleFunc("GET /healthz", label("healthz"))
		now.HandleFunc("OPTIONS /api/v1/", label("preflight"))
		now.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
			route := h.readRoute(r)
			if route == nil {
				label("notfound")(w, r)
				return
			}
			full := runtime.FuncForPC(reflect.ValueOf(route).Pointer()).Name()
			full = strings.TrimSuffix(full[strings.LastIndex(full, ".(*Handler).")+len(".(*Handler)."):], "-fm")
			name, ok := names[full]
			if !ok {
				t.Fatalf("readRoute gave %s", full)
			}
			label(name)(w, r)
		})
		site(now)

		paths := []string{"/healthz", "/healthz/", "/api", "/api/", "/api/v1", "/api/v1/", "/api/v2/sites/demo", "/API/v1/sites/demo",
			"/api/v1/openapi.json", "/api/v1/openapi.json/", "/api/v1/openapi.json/x",
			"/api/v1/sites", "/api/v1/sites/", "/api/v1/sites/demo", "/api/v1/sites/demo/",
			"/api/v1/sites/demo/entries", "/api/v1/sites/demo/entries/", "/api/v1/sites/demo/entries/a-b",
			"/api/v1/sites/demo/entries/a-b/", "/api/v1/sites/demo/entries/a-b/c", "/api/v1/sites/demo/search",
			"/api/v1/sites/demo/search/", "/api/v1/sites/demo/search/x", "/api/v1/sites/demo/other", "/api/v1/sites/demo/x/y/z",
			"/api/v1/preview", "/api/v1/preview/", "/api/v1/preview/tok", "/api/v1/preview/tok/", "/api/v1/preview/tok/x",
			"/api/v1//sites/demo", "/api/v1/sites//entries", "/api/v1/sites/./demo", "/api/v1/sites/../sites/demo",
			"/api/v1/sites/demo/entries/..", "/api/v1/%73ites/demo", "/api/%761/sites/demo", "/%61pi/v1/sites/demo/entries", "/%61pi/%76%31/openapi.json", "/api/v1%2Fsites/demo", "/api/v1/sites/a%2Fb", "/api/v1/sites/a%2Fb/entries/c%20d",
			"/api/v1/sites/demo/%65ntries", "/api/v1/preview/%2F", "/api/v1/sites/%2F/entries", "/api/v1/sites/demo/entries/%2f", "/api/v1/sites/demo/entries/%2F%2F", "/api/v1/sites/demo?lang=fr",
			"/api/v1/sites/demo/entries?after=x&limit=5", "/sites/demo", "/sites/demo/", "/"}
		for _, p := range paths {
			for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} {
				want, got := httptest.NewRecorder(), httptest.NewRecorder()
				old.ServeHTTP(want, httptest.NewRequest(m, p, nil))
				now.ServeHTTP(got, httptest.NewRequest(m, p, nil))
				if got.Code != want.Code || got.Body.String() != want.Body.String() || got.Header().Get("Location") != want.Header().Get("Location") {
					t.Errorf("search %v, %s %s: got %d %q (Location %q), want %d %q (Location %q)", withSearch, m, p,
						got.Code, got.Body, got.Header().Get("Location"), want.Code, want.Body, want.Header().Get("Location"))
				}
			}
		}
	}
}
