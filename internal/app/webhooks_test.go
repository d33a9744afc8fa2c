package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"infocentre/internal/app"
	"infocentre/internal/centre"
	"infocentre/internal/webhook"
)

// TestWebhookSenderWired: both wirings (the staff one and the public one
// the notifier runs) have the webhook sender, with the test-only loopback
// switch off unless WEBHOOK_ALLOW_LOOPBACK asks for it; a deployment's
// sender refuses a loopback endpoint.
func TestWebhookSenderWired(t *testing.T) {
	ctx := context.Background()
	cfg := app.Config{Store: "bolt", DataDir: t.TempDir()}
	store, err := app.OpenStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	log := app.NewLogger(io.Discard, "error")
	staff, err := app.New(cfg, store, log)
	if err != nil {
		t.Fatal(err)
	}
	public, err := app.NewPublic(cfg, store, log)
	if err != nil {
		t.Fatal(err)
	}
	for name, a := range map[string]*app.App{"New": staff, "NewPublic": public} {
		s := a.Webhooks()
		if s == nil || s.AllowLoopback {
			t.Fatalf("%s: webhook sender %+v", name, s)
		}
		if err := s.CheckURL(ctx, "http://127.0.0.1:8080/hook"); !centre.IsCode(err, centre.EINVALID) {
			t.Fatalf("%s: a deployment's sender accepts a loopback endpoint: %v", name, err)
		}
	}
	t.Setenv("WEBHOOK_ALLOW_LOOPBACK", "true")
	if c := app.ConfigFromEnv(); !c.WebhookAllowLoopback {
		t.Fatal("WEBHOOK_ALLOW_LOOPBACK=true does not turn the switch on")
	}
	t.Setenv("WEBHOOK_ALLOW_LOOPBACK", "")
	if c := app.ConfigFromEnv(); c.WebhookAllowLoopback {
		t.Fatal("the switch is on without WEBHOOK_ALLOW_LOOPBACK")
	}
}

// TestWebhooksThroughTheNotifier: end to end on the embedded store, as
// `serve` runs it — a publication and its withdrawal, recorded in the
// outbox by the service, reach a registered endpoint through the notifier
// as signed webhooks; a second tick sends nothing more.
func TestWebhooksThroughTheNotifier(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	var got []*http.Request
	var bodies [][]byte
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, bodies = append(got, r), append(bodies, b)
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(rcv.Close)
	cfg := app.Config{Store: "bolt", DataDir: t.TempDir(), WebhookAllowLoopback: true}
	store, err := app.OpenStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(cfg, store, app.NewLogger(io.Discard, "error"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	staff := centre.Principal{KeyID: "test", Site: centre.AllSites, Role: centre.RoleOwner}
	if _, err := a.Service.CreateSite(ctx, staff, centre.SiteInput{Slug: "alerts", Title: "Alerts", Publisher: "P",
		Contact: centre.Contact{Email: "press@example.org"}}); err != nil {
		t.Fatal(err)
	}
	hook, secret, err := a.Service.CreateWebhook(ctx, staff, "alerts", centre.WebhookInput{URL: rcv.URL, Events: centre.WebhookEvents})
	if err != nil {
		t.Fatal(err)
	}
	e, err := a.Service.CreateEntry(ctx, staff, "alerts", centre.EntryInput{Status: centre.StatusPublished, Slug: "boil-water",
		Content: centre.Content{Type: centre.TypeStatement, Title: "Boil water notice"}})
	if err != nil {
		t.Fatal(err)
	}
	n := a.NewNotifier(nil)
	if _, err := n.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Service.Withdraw(ctx, staff, "alerts", e.ID, e.Version, "Lifted", ""); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := n.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 {
		t.Fatalf("the endpoint got %d webhooks, want 2 (published, withdrawn)", len(got))
	}
	for i, want := range []string{centre.NotifyPublished, centre.NotifyWithdrawn} {
		r, body := got[i], bodies[i]
		ts, _ := strconv.ParseInt(r.Header.Get("webhook-timestamp"), 10, 64)
		sig, err := webhook.Sign(secret, r.Header.Get("webhook-id"), ts, body)
		if err != nil || sig != r.Header.Get("webhook-signature") {
			t.Fatalf("webhook %d: signature %q, want %q (%v)", i, r.Header.Get("webhook-signature"), sig, err)
		}
		var p struct {
			Type string `json:"type"`
			Data struct {
				Slug string `json:"slug"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &p); err != nil || p.Type != want || p.Data.Slug != "boil-water" {
			t.Fatalf("webhook %d: %s (%v), want type %s", i, body, err, want)
		}
	}
	page, err := a.Service.WebhookDeliveries(ctx, staff, centre.WebhookDeliveryQuery{Site: "alerts", Webhook: hook.ID})
	if err != nil || len(page.Items) != 2 || page.Items[0].Status != centre.DeliverySucceeded {
		t.Fatalf("delivery log %+v, %v", page.Items, err)
	}
}
