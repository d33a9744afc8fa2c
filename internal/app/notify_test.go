package app_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"infocentre/internal/app"
	"infocentre/internal/centre"
	"infocentre/internal/demo"
)

// TestNotifierWiring: with WEBSUB_HUB set, the feeds the handler serves
// name the hub, and the notifier `serve` runs pings it when an entry is
// published; the loop returns once stopped. A hub that is not an absolute
// URL stops the start.
func TestNotifierWiring(t *testing.T) {
	var mu sync.Mutex
	var topics []string
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		topics = append(topics, r.PostForm.Get("hub.url"))
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(hub.Close)
	ctx := context.Background()
	cfg := app.Config{Store: "bolt", DataDir: t.TempDir(), WebSubHub: hub.URL + "/", PublicOrigin: "https://centre.example.net"}
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
	w := httptest.NewRecorder()
	a.Handler.ServeHTTP(w, httptest.NewRequest("GET", "/sites/"+demo.Slug+"/feed.atom", nil))
	if w.Code != 200 || !strings.Contains(w.Body.String(), `<link rel="hub" href="`+hub.URL+`/">`) {
		t.Fatalf("feed %d without the hub:\n%.500s", w.Code, w.Body.String())
	}

	run, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { a.RunNotifier(run, 10*time.Millisecond); close(done) }()
	staff := centre.Principal{KeyID: "test", Site: centre.AllSites, Role: centre.RoleOwner}
	if _, err := a.Service.CreateEntry(ctx, staff, demo.Slug, centre.EntryInput{Status: centre.StatusPublished,
		Content: centre.Content{Type: centre.TypeNews, Title: "Pharmacies open late"}}); err != nil {
		t.Fatal(err)
	}
	want := "https://centre.example.net/sites/" + demo.Slug + "/news/feed.json"
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		found := strings.Contains(strings.Join(topics, " "), want)
		mu.Unlock()
		if found {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no ping for %s; pinged %v", want, topics)
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("RunNotifier did not return")
	}

	cfg.WebSubHub = "hub.example.org"
	if _, err := app.New(cfg, store, app.NewLogger(io.Discard, "error")); err == nil || !strings.Contains(err.Error(), "WEBSUB_HUB") {
		t.Fatalf("a relative hub: %v, want an error naming WEBSUB_HUB", err)
	}
}

// TestServeExpiresWhatWasSent: the embedded store has no TTL, so the
// notifier `serve` runs deletes what was sent past its retention (here a
// delivery claim 91 days old) and keeps what is not.
func TestServeExpiresWhatWasSent(t *testing.T) {
	ctx := context.Background()
	cfg := app.Config{Store: "bolt", DataDir: t.TempDir(), PublicOrigin: "https://centre.example.net"}
	store, err := app.OpenStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(cfg, store, app.NewLogger(io.Discard, "error"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	old := centre.Delivery{Notification: "n-old", Site: "s", Email: "old@example.org", At: time.Now().Add(-centre.ClaimRetention - 24*time.Hour)}
	recent := centre.Delivery{Notification: "n-new", Site: "s", Email: "new@example.org", At: time.Now().Add(-time.Hour)}
	if got, err := store.ClaimDeliveries(ctx, []centre.Delivery{old, recent}); err != nil || len(got) != 2 {
		t.Fatalf("ClaimDeliveries: %v, %v", got, err)
	}
	run, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { a.RunNotifier(run, 10*time.Millisecond); close(done) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		// Claiming the old one again succeeds once it expired (and
		// claims it anew, which the next ticks keep: it is recent now).
		got, err := store.ClaimDeliveries(ctx, []centre.Delivery{{Notification: old.Notification, Site: "s", Email: old.Email, At: time.Now()}})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the notifier did not expire a claim past its retention")
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	<-done
	if got, _ := store.ClaimDeliveries(ctx, []centre.Delivery{recent}); len(got) != 0 {
		t.Fatal("the notifier expired a claim within its retention")
	}
}
