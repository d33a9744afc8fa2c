package app_test

import (
	"context"
	"io"
	"testing"

	"infocentre/internal/app"
	"infocentre/internal/centre"
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
