package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"infocentre/internal/app"
	"infocentre/internal/centre"
	"infocentre/internal/demo"
)

// TestPreviewTokensNotLogged: a preview link is a credential, so no log
// line (access log or error log, at debug level) holds its token, on the
// HTML page and the JSON route, valid, revoked or forged.
func TestPreviewTokensNotLogged(t *testing.T) {
	cfg := app.Config{Store: "bolt", DataDir: t.TempDir()}
	store, err := app.OpenStore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	a, err := app.New(cfg, store, app.NewLogger(&logs, "debug"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := context.Background()
	if err := demo.Seed(ctx, a.Service, time.Now()); err != nil {
		t.Fatal(err)
	}
	ok, _, err := a.Service.Bootstrap(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	owner := centre.Principal{KeyID: ok.ID, Site: centre.AllSites, Role: centre.RoleOwner}
	e, err := a.Service.CreateEntry(ctx, owner, demo.Slug, centre.EntryInput{Content: centre.Content{Type: centre.TypeNews, Title: "Embargoed"}})
	if err != nil {
		t.Fatal(err)
	}
	link, err := a.Service.CreatePreview(ctx, owner, demo.Slug, e.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	forged := strings.Repeat("Zm9yZ2Vk", 8) + ".c2lnbmF0dXJl"
	tokens := []string{link.Token, forged}
	cases := 0
	for _, tok := range tokens {
		for _, path := range []string{"/preview/" + tok, "/api/v1/preview/" + tok, "/preview/" + tok + "/", "/api/v1/preview/" + tok + "?x=1"} {
			w := httptest.NewRecorder()
			a.Handler.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
			cases++
		}
	}
	if _, err := a.Service.RevokePreviews(ctx, owner, demo.Slug, e.ID); err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	a.Handler.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/preview/"+link.Token, nil))
	if w.Code != http.StatusNotFound {
		t.Fatalf("revoked preview: %d", w.Code)
	}
	out := logs.String()
	if n := strings.Count(out, `"msg":"request"`); n < cases {
		t.Fatalf("%d access log lines for %d requests: the check would prove nothing\n%s", n, cases, out)
	}
	for _, tok := range tokens {
		if strings.Contains(out, tok) || strings.Contains(out, tok[len(tok)-12:]) {
			t.Errorf("a preview token is in the logs:\n%s", out)
		}
	}
	if !strings.Contains(out, "/preview/REDACTED") {
		t.Errorf("no redacted preview path in the logs:\n%s", out)
	}
}
