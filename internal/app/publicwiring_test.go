package app_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"infocentre/internal/app"
	"infocentre/internal/centre"
	"infocentre/internal/storetest"
)

// TestPublicWiring: NewPublic (the public function) serves the site and
// the read API but no staff route, shows an entry's body as stored — it
// carries no Markdown renderer — and leaves Brotli to the CDN. An entry stored with its Markdown but
// without HTML (written around the service) shows no body there, and the
// warning names it; New (every other process) renders it.
func TestPublicWiring(t *testing.T) {
	ctx := context.Background()
	cfg := app.Config{Store: "bolt", DataDir: t.TempDir()}
	store, err := app.OpenStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	site := storetest.NewSite("wiring")
	if err := store.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-time.Hour).UTC().Truncate(time.Millisecond)
	put := func(slug, body, html string) {
		t.Helper()
		e := &centre.Entry{ID: centre.NewID(at), Site: site.Slug, Slug: slug, Lang: "en", Status: centre.StatusPublished,
			PublishedAt: at, CreatedAt: at, UpdatedAt: at, CreatedBy: "test", BodyHTML: html,
			Content: centre.Content{Type: centre.TypeStatement, Title: "Entry " + slug, Body: body}}
		if err := store.CreateEntry(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	put("stored", "Boil *tap water*.", "<p>Boil <em>tap water</em> for one minute.</p>")
	put("markdown-only", "Avoid the *river banks*.", "")

	var logs bytes.Buffer
	public, err := app.NewPublic(cfg, store, app.NewLogger(&logs, "warn"))
	if err != nil {
		t.Fatal(err)
	}
	staff, err := app.New(cfg, store, app.NewLogger(&bytes.Buffer{}, "error"))
	if err != nil {
		t.Fatal(err)
	}
	get := func(a *app.App, path string) (int, string) {
		w := httptest.NewRecorder()
		a.Handler.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		return w.Code, w.Body.String()
	}
	if code, _ := get(public, "/api/v1/admin/whoami"); code != 404 {
		t.Errorf("NewPublic: a staff route answers %d, want 404 (not registered)", code)
	}
	if code, _ := get(staff, "/api/v1/admin/whoami"); code != 401 {
		t.Errorf("New: a staff route without a key answers %d, want 401", code)
	}
	base := "/sites/" + site.Slug + "/en/"
	for name, a := range map[string]*app.App{"NewPublic": public, "New": staff} {
		if code, body := get(a, base+"stored/"); code != 200 || !strings.Contains(body, "<p>Boil <em>tap water</em> for one minute.</p>") {
			t.Errorf("%s: the stored body is not shown as stored: %d\n%.600s", name, code, body)
		}
		if code, body := get(a, "/api/v1/sites/"+site.Slug+"/entries/stored"); code != 200 || !strings.Contains(body, "for one minute") {
			t.Errorf("%s: read API: %d %.300s", name, code, body)
		}
	}
	code, body := get(public, base+"markdown-only/")
	if code != 200 || strings.Contains(body, "river banks</em>") {
		t.Errorf("NewPublic: an entry without HTML: %d, want its page without a body:\n%.600s", code, body)
	}
	if !strings.Contains(logs.String(), "body stored without its HTML") || !strings.Contains(logs.String(), `"site":"wiring"`) {
		t.Errorf("NewPublic: no warning names the entry stored without HTML:\n%s", logs.String())
	}
	if code, body := get(staff, base+"markdown-only/"); code != 200 || !strings.Contains(body, "<em>river banks</em>") {
		t.Errorf("New: an entry without HTML is not rendered: %d\n%.600s", code, body)
	}
	// Brotli: New compresses with it; NewPublic leaves it to the CDN and
	// answers a client that prefers it uncompressed (gzip stays gzip).
	for _, c := range []struct {
		a              *app.App
		accept, encode string
	}{{staff, "gzip, deflate, br", "br"}, {public, "gzip, deflate, br", ""}, {public, "br,gzip", ""}, {public, "gzip", "gzip"}} {
		for i := 0; i < 2; i++ { // the render, then a hit
			r := httptest.NewRequest("GET", base+"stored/", nil)
			r.Header.Set("Accept-Encoding", c.accept)
			w := httptest.NewRecorder()
			c.a.Handler.ServeHTTP(w, r)
			if got := w.Header().Get("Content-Encoding"); w.Code != 200 || got != c.encode ||
				!strings.Contains(w.Header().Get("Vary"), "Accept-Encoding") {
				t.Errorf("Accept-Encoding %q (try %d): %d, Content-Encoding %q, Vary %q; want %q", c.accept, i, w.Code, got,
					w.Header().Get("Vary"), c.encode)
			}
		}
	}
}
