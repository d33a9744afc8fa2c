package app_test

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"infocentre/internal/app"
	"infocentre/internal/centre"
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
		"/sites/demo/en/keep-cancer-care-going/":            "text/html",
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
	// A theme accent that fails AA contrast is refused when the site is saved.
	r = httptest.NewRequest("PATCH", "/api/v1/admin/sites/demo", strings.NewReader(`{"theme":{"accent":"#ffff66"}}`))
	r.Header.Set("Authorization", "Bearer "+owner)
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("If-Match", `"v1"`)
	w = httptest.NewRecorder()
	a.Handler.ServeHTTP(w, r)
	if w.Code != 400 || !strings.Contains(w.Body.String(), `"field":"theme.accent"`) || !strings.Contains(w.Body.String(), "contrast") {
		t.Fatalf("low-contrast accent: %d %s", w.Code, w.Body)
	}
	p, err := a.Authorize(context.Background(), "Bearer "+owner)
	if err != nil || p.Role != "owner" {
		t.Fatalf("Authorize: %+v %v", p, err)
	}
	if _, err := a.Authorize(context.Background(), "Basic x"); err == nil {
		t.Fatal("Authorize accepted a non-bearer header")
	}
}

// TestScheduledEntryReachesSearch checks, on the wiring the application
// uses, that the release of a scheduled entry by PublishDue reaches the
// search index: the entry is absent from the search page and the search
// API one second before its publication time, and present once the
// publisher ran at that time, without a rebuild of the index.
func TestScheduledEntryReachesSearch(t *testing.T) {
	ctx := context.Background()
	cfg := app.Config{Store: "bolt", DataDir: t.TempDir()}
	store, err := app.OpenStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(cfg, store, app.NewLogger(io.Discard, "error"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := demo.Seed(ctx, a.Service, time.Now()); err != nil {
		t.Fatal(err)
	}
	// The publication time is just past, so that the public pages (which
	// run on the real clock) see nothing in the future; the service's
	// clock is moved around it.
	publishAt := time.Now().UTC().Truncate(time.Second).Add(-time.Minute)
	clock := publishAt.Add(-48 * time.Hour)
	a.Service.Now = func() time.Time { return clock }
	staff := centre.Principal{KeyID: "test", Site: centre.AllSites, Role: centre.RoleOwner}
	const title = "Quarantine rules for returning travellers"
	_, err = a.Service.CreateEntry(ctx, staff, demo.Slug, centre.EntryInput{Slug: "quarantine-rules", Lang: "en",
		Status: centre.StatusScheduled, PublishAt: publishAt,
		Content: centre.Content{
			Type:    centre.TypeNews,
			Title:   title,
			Summary: "Who must stay at home.",
			Body:    "Travellers returning from affected areas stay home for five days.",
			Tags:    []string{"travel"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	surfaces := []string{"/sites/" + demo.Slug + "/search?q=quarantine", "/sites/" + demo.Slug + "/search?q=returning+travellers",
		"/api/v1/sites/" + demo.Slug + "/search?q=quarantine", "/api/v1/sites/" + demo.Slug + "/search?tag=travel"}
	get := func(path string) (int, string) {
		w := httptest.NewRecorder()
		a.Handler.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		return w.Code, w.Body.String()
	}
	clock = publishAt.Add(-time.Second)
	if n, err := a.PublishDue(ctx); err != nil || n != 0 {
		t.Fatalf("PublishDue before time: %d, %v", n, err)
	}
	for _, p := range surfaces {
		if code, body := get(p); code != 200 || strings.Contains(body, title) {
			t.Errorf("%s before publication: %d, shows the entry: %v", p, code, strings.Contains(body, title))
		}
	}
	clock = publishAt
	if n, err := a.PublishDue(ctx); err != nil || n != 1 {
		t.Fatalf("PublishDue at time: %d, %v", n, err)
	}
	for _, p := range surfaces {
		if code, body := get(p); code != 200 || !strings.Contains(body, title) {
			t.Errorf("%s after publication: %d, lacks the entry", p, code)
		}
	}
}
