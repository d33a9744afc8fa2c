package app_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"infocentre/internal/app"
	"infocentre/internal/cursor"
	"infocentre/internal/demo"
	"infocentre/internal/previewlink"
)

// previewEnv is an app on the embedded store with the demo site, an owner
// key and a draft entry.
type previewEnv struct {
	a     *app.App
	owner string
	draft string
}

func newPreviewEnv(t *testing.T, cfg app.Config, log *slog.Logger) *previewEnv {
	t.Helper()
	ctx := context.Background()
	store, err := app.OpenStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(cfg, store, log)
	if err != nil {
		store.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if err := demo.Seed(ctx, a.Service, time.Now()); err != nil {
		t.Fatal(err)
	}
	_, owner, err := a.Service.Bootstrap(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	e := &previewEnv{a: a, owner: owner}
	var created struct{ ID string }
	e.call(t, "POST", "/api/v1/admin/sites/demo/entries", `{"type":"statement","title":"Draft for review","body":"Not public yet."}`, 201, &created)
	e.draft = created.ID
	return e
}

func (e *previewEnv) call(t *testing.T, method, path, body string, want int, out any) {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if strings.HasPrefix(path, "/api/v1/admin/") {
		r.Header.Set("Authorization", "Bearer "+e.owner)
	}
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	e.a.Handler.ServeHTTP(w, r)
	if w.Code != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, w.Code, want, w.Body)
	}
	if out != nil {
		if err := json.Unmarshal(w.Body.Bytes(), out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// link issues a preview link of the draft and returns its token.
func (e *previewEnv) link(t *testing.T) string {
	t.Helper()
	var issued struct {
		URL    string `json:"url"`
		APIURL string `json:"api_url"`
	}
	e.call(t, "POST", "/api/v1/admin/sites/demo/entries/"+e.draft+"/previews", "", 201, &issued)
	// Absolute links (issue 15, defect 9): on PUBLIC_ORIGIN, else on the
	// host the request came to (httptest's example.com).
	origin := cmp.Or(e.a.Config.PublicOrigin, "http://example.com")
	token, ok := strings.CutPrefix(issued.APIURL, origin+"/api/v1/preview/")
	if !ok || token == "" || issued.URL != origin+"/preview/"+token {
		t.Fatalf("preview links %q %q, want them on %s", issued.URL, issued.APIURL, origin)
	}
	return token
}

// rawOf returns the signed value inside a token (its first part).
func rawOf(t *testing.T, token string) string {
	t.Helper()
	body, _, _ := strings.Cut(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		t.Fatalf("token %q: %v", token, err)
	}
	return string(raw)
}

// TestPreviewLinksHaveTheirOwnSecret checks that preview links are signed
// with the preview secret, not the cursor secret: a link made with the
// cursor secret does not open.
func TestPreviewLinksHaveTheirOwnSecret(t *testing.T) {
	t.Run("generated locally", func(t *testing.T) {
		dir := t.TempDir()
		e := newPreviewEnv(t, app.Config{Store: "bolt", DataDir: dir}, app.NewLogger(io.Discard, "error"))
		token := e.link(t)
		e.call(t, "GET", "/api/v1/preview/"+token, "", 200, nil)

		cursorKey, err1 := os.ReadFile(filepath.Join(dir, "cursor.key"))
		previewKey, err2 := os.ReadFile(filepath.Join(dir, "preview.key"))
		if err1 != nil || err2 != nil {
			t.Fatalf("secrets in the data directory: %v, %v", err1, err2)
		}
		if len(previewKey) < previewlink.MinSecret || bytes.Equal(cursorKey, previewKey) {
			t.Fatalf("preview.key (%d bytes) must be a secret of its own", len(previewKey))
		}
		if info, err := os.Stat(filepath.Join(dir, "preview.key")); err != nil || info.Mode().Perm() != 0o600 {
			t.Fatalf("preview.key mode: %v %v", info.Mode(), err)
		}
		// The same link, signed with the cursor secret, is refused.
		sealer, err := cursor.New(cursorKey)
		if err != nil {
			t.Fatal(err)
		}
		forged := sealer.Seal("preview", rawOf(t, token))
		e.call(t, "GET", "/api/v1/preview/"+forged, "", 404, nil)
		w := httptest.NewRecorder()
		e.a.Handler.ServeHTTP(w, httptest.NewRequest("GET", "/preview/"+forged, nil))
		if w.Code != 404 {
			t.Fatalf("preview page with a cursor-signed token: %d", w.Code)
		}
		// Reopening the data directory keeps the secret: links stay valid.
		e.a.Close()
		cfg := app.Config{Store: "bolt", DataDir: dir}
		store, err := app.OpenStore(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		a, err := app.New(cfg, store, app.NewLogger(io.Discard, "error"))
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		e.a = a
		e.call(t, "GET", "/api/v1/preview/"+token, "", 200, nil)
	})

	t.Run("PREVIEW_SECRET", func(t *testing.T) {
		const secret = "a-preview-secret-for-tests-0123"
		const cursorSecret = "a-cursor-secret-for-tests-01234"
		cfg := app.Config{Store: "bolt", DataDir: t.TempDir(), CursorSecret: cursorSecret, PreviewSecret: secret, PublicOrigin: "https://info.example.org"}
		e := newPreviewEnv(t, cfg, app.NewLogger(io.Discard, "error"))
		raw := rawOf(t, e.link(t))
		signer, err := previewlink.New([]byte(secret))
		if err != nil {
			t.Fatal(err)
		}
		e.call(t, "GET", "/api/v1/preview/"+signer.Seal("preview", raw), "", 200, nil)
		sealer, err := cursor.New([]byte(cursorSecret))
		if err != nil {
			t.Fatal(err)
		}
		e.call(t, "GET", "/api/v1/preview/"+sealer.Seal("preview", raw), "", 404, nil)
		if _, err := os.Stat(filepath.Join(cfg.DataDir, "preview.key")); err == nil {
			t.Fatal("a preview.key was generated although PREVIEW_SECRET was given")
		}
	})

	t.Run("DynamoDB without PREVIEW_SECRET", func(t *testing.T) {
		// The rule is the configuration's, so the embedded store stands in.
		var logs bytes.Buffer
		cfg := app.Config{Store: "dynamodb", DataDir: t.TempDir(), CursorSecret: "a-cursor-secret-for-tests-01234"}
		storeCfg := cfg
		storeCfg.Store = "bolt"
		store, err := app.OpenStore(context.Background(), storeCfg)
		if err != nil {
			t.Fatal(err)
		}
		a, err := app.New(cfg, store, app.NewLogger(&logs, "warn"))
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		if !strings.Contains(logs.String(), "PREVIEW_SECRET is not set") {
			t.Fatalf("no warning logged: %s", logs.String())
		}
		if _, err := os.Stat(filepath.Join(cfg.DataDir, "preview.key")); err == nil {
			t.Fatal("a preview.key was generated for the DynamoDB store")
		}
	})

	t.Run("short secret", func(t *testing.T) {
		cfg := app.Config{Store: "bolt", DataDir: t.TempDir(), PreviewSecret: "short"}
		store, err := app.OpenStore(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		if _, err := app.New(cfg, store, app.NewLogger(io.Discard, "error")); err == nil || !strings.Contains(err.Error(), "PREVIEW_SECRET") {
			t.Fatalf("a 5-byte PREVIEW_SECRET: %v", err)
		}
	})

	t.Run("ConfigFromEnv", func(t *testing.T) {
		t.Setenv("PREVIEW_SECRET", "from-the-environment-0123456")
		if got := app.ConfigFromEnv().PreviewSecret; got != "from-the-environment-0123456" {
			t.Fatalf("PreviewSecret = %q", got)
		}
	})
}
