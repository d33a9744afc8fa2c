package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"infocentre/internal/centre"
	"infocentre/internal/httpapi"
)

// TestStaffCORS: by default no staff response allows another origin and
// every staff preflight is refused, while the public read API stays open
// to every origin; with an allowlist, exactly the listed origins get in.
func TestStaffCORS(t *testing.T) {
	e := newEnv(t)
	serve := func(h http.Handler, method, path, origin, key string, preflight bool) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, nil)
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		if key != "" {
			r.Header.Set("Authorization", "Bearer "+key)
		}
		if preflight {
			r.Header.Set("Access-Control-Request-Method", "PATCH")
			r.Header.Set("Access-Control-Request-Headers", "authorization, if-match")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	owner := e.keys[centre.RoleOwner]
	staffPaths := []string{"/api/v1/admin/whoami", "/api/v1/admin/sites", "/api/v1/admin/sites/demo", "/api/v1/admin/nothing"}
	origins := []string{"https://evil.example", "null", "https://console.example.org"}

	// Default: no staff cross-origin access at all.
	for _, h := range []http.Handler{e.h, httpapi.New(httpapi.Config{Service: e.svc, Cursors: nil}).Admin()} {
		for _, p := range staffPaths {
			for _, o := range origins {
				if w := serve(h, "GET", p, o, owner, false); w.Header().Get("Access-Control-Allow-Origin") != "" {
					t.Errorf("GET %s from %s: Access-Control-Allow-Origin %q", p, o, w.Header().Get("Access-Control-Allow-Origin"))
				}
				w := serve(h, "OPTIONS", p, o, "", true)
				if w.Code != http.StatusForbidden || w.Header().Get("Access-Control-Allow-Origin") != "" {
					t.Errorf("preflight %s from %s: %d %v", p, o, w.Code, w.Header())
				}
			}
		}
	}
	// The public read API is open to every origin, as before.
	if w := serve(e.h, "GET", "/api/v1/sites/demo", "https://evil.example", "", false); w.Code != 200 || w.Header().Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("public API: %d, Access-Control-Allow-Origin %q", w.Code, w.Header().Get("Access-Control-Allow-Origin"))
	}

	// Public preflights are answered by the handler (the deployment has no
	// API Gateway CORS configuration, which would override the staff rules).
	for _, h := range []http.Handler{e.h, httpapi.New(httpapi.Config{Service: e.svc}).Public()} {
		w := serve(h, "OPTIONS", "/api/v1/sites/demo/entries", "https://evil.example", "", true)
		if w.Code != http.StatusNoContent || w.Header().Get("Access-Control-Allow-Origin") != "*" ||
			w.Header().Get("Access-Control-Allow-Methods") != "GET, HEAD" {
			t.Errorf("public preflight: %d %v", w.Code, w.Header())
		}
	}

	// An allowlist lets exactly its origins in.
	h := httpapi.New(httpapi.Config{Service: e.svc, StaffOrigins: []string{"https://console.example.org/"}})
	for _, p := range staffPaths {
		w := serve(h, "OPTIONS", p, "https://console.example.org", "", true)
		if w.Code != http.StatusNoContent || w.Header().Get("Access-Control-Allow-Origin") != "https://console.example.org" ||
			w.Header().Get("Access-Control-Allow-Headers") == "" || w.Header().Get("Vary") != "Origin" {
			t.Errorf("allowed preflight %s: %d %v", p, w.Code, w.Header())
		}
		w = serve(h, "GET", p, "https://console.example.org", owner, false)
		if w.Header().Get("Access-Control-Allow-Origin") != "https://console.example.org" {
			t.Errorf("allowed GET %s: %v", p, w.Header())
		}
		for _, o := range []string{"https://evil.example", "https://console.example.org.evil.example", "http://console.example.org", "null"} {
			if w := serve(h, "GET", p, o, owner, false); w.Header().Get("Access-Control-Allow-Origin") != "" {
				t.Errorf("GET %s from %s: allowed", p, o)
			}
			if w := serve(h, "OPTIONS", p, o, "", true); w.Code != http.StatusForbidden {
				t.Errorf("preflight %s from %s: %d", p, o, w.Code)
			}
		}
	}
}
