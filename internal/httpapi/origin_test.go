package httpapi_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"infocentre/internal/centre"
	"infocentre/internal/httpapi"
)

// TestOriginSecret: with Config.OriginSecret set, the public routes answer
// only requests carrying it (as the CDN sends them), refuse the others with
// a 403 problem, keep /healthz open, leave the staff API alone, and never
// log the secret.
func TestOriginSecret(t *testing.T) {
	const secret = "s3cr3t-origin-value-0123456789abcdef"
	e := newEnv(t)
	e.published("notice", nil)
	var logs bytes.Buffer
	e.reconfigure(func(c *httpapi.Config) {
		c.OriginSecret = secret
		c.Log = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	for name, h := range map[string]http.Handler{"all routes": httpapi.New(e.cfg), "public function": httpapi.New(e.cfg).Public()} {
		serve := func(method, path, value string, header ...string) *httptest.ResponseRecorder {
			r := httptest.NewRequest(method, path, nil)
			if value != "" {
				r.Header.Set(httpapi.OriginSecretHeader, value)
			}
			for i := 0; i+1 < len(header); i += 2 {
				r.Header.Set(header[i], header[i+1])
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			return w
		}
		for _, path := range []string{"/api/v1/sites/demo/entries/notice", "/api/v1/sites/demo/entries", "/api/v1/sites/demo/search?q=x"} {
			for _, value := range []string{"", "wrong", secret[:len(secret)-1], secret + "x"} {
				w := serve(http.MethodGet, path, value)
				if w.Code != http.StatusForbidden {
					t.Errorf("%s: GET %s with %q: status %d, want 403", name, path, value, w.Code)
					continue
				}
				if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("%s: GET %s: Content-Type %q", name, path, ct)
				}
				if !strings.Contains(w.Body.String(), `"code":"`+centre.EFORBIDDEN+`"`) || !strings.Contains(w.Body.String(), "CDN") {
					t.Errorf("%s: GET %s: body %s, want a forbidden problem naming the CDN", name, path, w.Body)
				}
				if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
					t.Errorf("%s: GET %s: Cache-Control %q, want no-store (a refusal must not be cached)", name, path, cc)
				}
			}
			if w := serve(http.MethodGet, path, secret); w.Code != http.StatusOK {
				t.Errorf("%s: GET %s with the secret: status %d, want 200 (%s)", name, path, w.Code, w.Body)
			}
		}
		if w := serve(http.MethodGet, "/healthz", ""); w.Code != http.StatusOK {
			t.Errorf("%s: /healthz without the secret: status %d, want 200", name, w.Code)
		}
		if name == "all routes" {
			// The staff API is not behind the CDN's cache: its key decides.
			w := serve(http.MethodGet, "/api/v1/admin/sites/demo/entries", "", "Authorization", "Bearer "+e.keys[centre.RoleEditor])
			if w.Code != http.StatusOK {
				t.Errorf("staff API without the origin secret: status %d, want 200 (%s)", w.Code, w.Body)
			}
		}
	}
	if strings.Contains(logs.String(), secret[:12]) {
		t.Errorf("the origin secret is in the logs: %s", logs.String())
	}
	if !strings.Contains(logs.String(), `"status":403`) {
		t.Errorf("refusals are not logged as requests: %s", logs.String())
	}
}

// TestOriginSecretOff: without a configured secret every request is
// answered, whatever it carries.
func TestOriginSecretOff(t *testing.T) {
	e := newEnv(t)
	e.published("notice", nil)
	for _, value := range []string{"", "anything"} {
		r := httptest.NewRequest(http.MethodGet, "/api/v1/sites/demo/entries/notice", nil)
		if value != "" {
			r.Header.Set(httpapi.OriginSecretHeader, value)
		}
		w := httptest.NewRecorder()
		httpapi.New(e.cfg).Public().ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			t.Errorf("header %q: status %d, want 200", value, w.Code)
		}
	}
}
