package app_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"infocentre/internal/app"
	"infocentre/internal/demo"
)

// TestWiring checks that one handler serves the JSON API, the HTML site
// and the staff API on the embedded store, as `infocentre serve` and the
// Lambda functions use it.
func TestWiring(t *testing.T) {
	cfg := app.Config{Store: "bolt", DataDir: t.TempDir()}
	store, err := app.OpenStore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(cfg, store, app.NewLogger(io.Discard, "error"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := demo.Seed(context.Background(), a.Service, time.Now()); err != nil {
		t.Fatal(err)
	}
	_, owner, err := a.Service.Bootstrap(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"/api/v1/sites/demo":                                "application/json",
		"/sites/demo/":                                      "text/html",
		"/sites/demo/en/keep-cancer-care-going":             "text/html",
		"/sites/demo/feed.atom":                             "application/atom+xml",
		"/api/v1/sites/demo/entries/keep-cancer-care-going": "application/json",
	} {
		w := httptest.NewRecorder()
		a.Handler.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), want) {
			t.Errorf("%s: %d %s", path, w.Code, w.Header().Get("Content-Type"))
		}
	}
	// The public handler alone does not serve staff routes; the admin one does.
	r := httptest.NewRequest("GET", "/api/v1/admin/whoami", nil)
	r.Header.Set("Authorization", "Bearer "+owner)
	w := httptest.NewRecorder()
	a.Handler.Admin().ServeHTTP(w, r)
	if w.Code != 200 {
		t.Fatalf("admin whoami: %d", w.Code)
	}
	w = httptest.NewRecorder()
	a.Handler.Public().ServeHTTP(w, r)
	if w.Code == 200 {
		t.Fatal("the public handler served a staff route")
	}
	p, err := a.Authorize(context.Background(), "Bearer "+owner)
	if err != nil || p.Role != "owner" {
		t.Fatalf("Authorize: %+v %v", p, err)
	}
	if _, err := a.Authorize(context.Background(), "Basic x"); err == nil {
		t.Fatal("Authorize accepted a non-bearer header")
	}
	_ = http.StatusOK
}
