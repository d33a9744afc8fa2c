package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"infocentre/internal/app"
	"infocentre/internal/centre"
	"infocentre/internal/demo"
)

// launchEnv is a wired app with the demo site and an owner key.
func launchEnv(b testing.TB, cfg app.Config, store centre.Store) (*app.App, string) {
	a, err := app.New(cfg, store, app.NewLogger(io.Discard, "error"))
	if err != nil {
		b.Fatal(err)
	}
	if err := demo.Seed(context.Background(), a.Service, time.Now()); err != nil {
		b.Fatal(err)
	}
	_, owner, err := a.Service.Bootstrap(context.Background(), "bench")
	if err != nil {
		b.Fatal(err)
	}
	return a, owner
}

// launch creates a site from the demo through the API and returns how long
// it took until the new site's home page first answered 200.
func launch(b testing.TB, a *app.App, owner, slug string) time.Duration {
	body, _ := json.Marshal(map[string]any{"slug": slug, "title": "Crisis " + slug, "from": demo.Slug,
		"publisher": "Heat Agency", "contact": map[string]any{"email": "heat@example.org"}})
	start := time.Now()
	r := httptest.NewRequest("POST", "/api/v1/admin/sites", bytes.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+owner)
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	a.Handler.ServeHTTP(w, r)
	if w.Code != http.StatusCreated {
		b.Fatalf("create: %d %s", w.Code, w.Body)
	}
	for i := 0; ; i++ {
		w := httptest.NewRecorder()
		a.Handler.ServeHTTP(w, httptest.NewRequest("GET", "/sites/"+slug+"/", nil))
		if w.Code == http.StatusOK {
			if i > 0 {
				b.Errorf("the new site needed %d retries before it was live", i)
			}
			return time.Since(start)
		}
		if i == 100 {
			b.Fatalf("the new site's home page never answered 200 (last %d)", w.Code)
		}
	}
}

// TestLaunchIsLiveAtOnce: the first request for a new site's home page
// succeeds, with no redeploy or retry.
func TestLaunchIsLiveAtOnce(t *testing.T) {
	cfg := app.Config{Store: "bolt", DataDir: t.TempDir()}
	store, err := app.OpenStore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, owner := launchEnv(t, cfg, store)
	defer a.Close()
	launch(t, a, owner, "heatwave-2026")
}

// BenchmarkLaunchToFirstPage measures, on the embedded store, the time from
// the create call to the first 200 of the new site's home page.
func BenchmarkLaunchToFirstPage(b *testing.B) {
	cfg := app.Config{Store: "bolt", DataDir: b.TempDir()}
	store, err := app.OpenStore(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	a, owner := launchEnv(b, cfg, store)
	defer a.Close()
	var total time.Duration
	for i := 0; b.Loop(); i++ {
		total += launch(b, a, owner, "site-"+strconv.Itoa(i))
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N)/1000, "ms/launch")
}
