package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"infocentre/internal/alerts"
	"infocentre/internal/boltstore"
	"infocentre/internal/centre"
	"infocentre/internal/cursor"
	"infocentre/internal/filestore"
	"infocentre/internal/httpapi"
	"infocentre/internal/markdown"
	"infocentre/internal/media"
	"infocentre/internal/search"
	"infocentre/internal/static"
)

// env is a handler on a real embedded store, with a key per role.
type env struct {
	t       *testing.T
	h       http.Handler
	svc     *centre.Service
	store   centre.Store
	keys    map[string]string // role (and "other-admin", "owner") → secret
	keyIDs  map[string]string
	openapi *openapiChecker
	cfg     httpapi.Config
	// remote is the RemoteAddr of the requests do makes ("" for
	// httptest's 192.0.2.1:1234).
	remote string
	// alerts serves the public forms of email alerts (mounted as the
	// handler's Web routes); its emails are .eml files in outbox.
	alerts *alerts.Alerts
	outbox string
}

// reconfigure rebuilds the handler with a changed configuration.
func (e *env) reconfigure(change func(*httpapi.Config)) {
	change(&e.cfg)
	e.h = httpapi.New(e.cfg)
}

var (
	checkerOnce sync.Once
	checker     *openapiChecker
)

func newEnv(t *testing.T) *env {
	t.Helper()
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return newEnvOn(t, store)
}

func newEnvOn(t *testing.T, store centre.Store) *env { return newEnvWith(t, store, nil) }

// newEnvWith is newEnvOn with a chance to change the handler's Config.
func newEnvWith(t *testing.T, store centre.Store, configure func(*httpapi.Config)) *env {
	t.Helper()
	checkerOnce.Do(func() { checker = newOpenAPIChecker(t) })
	finder := &search.Service{Store: store}
	svc := &centre.Service{Store: finder.Watch(store), Render: markdown.Render}
	sealer, err := cursor.New([]byte("test-cursor-secret-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, svc: svc, store: store, keys: map[string]string{}, keyIDs: map[string]string{}, openapi: checker}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	svc.Log, svc.Signer = log, sealer
	files, err := filestore.Open(filepath.Join(t.TempDir(), "files"))
	if err != nil {
		t.Fatal(err)
	}
	svc.Files, svc.Inspect = files, media.Inspector{}
	finder.Log = log
	links, err := alerts.NewLinks([]byte("test-alerts-secret-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	e.outbox = filepath.Join(t.TempDir(), "outbox")
	e.alerts = &alerts.Alerts{Store: store, Links: links, Mailer: &alerts.Dir{Path: e.outbox}, From: "Alerts <alerts@example.org>",
		Base: func(s *centre.Site) string { return "https://centre.example.net/sites/" + s.Slug }, Log: log}
	e.alerts.Init()
	e.cfg = httpapi.Config{Service: svc, Cursors: sealer, MaxBody: 64 << 10, Log: log, Search: finder,
		Web: func(m *http.ServeMux) { e.alerts.Register(m, httpapi.ClientAddress) },
		// Tests make many requests at once; limits_test.go sets its own.
		Limits: httpapi.Limits{StaffPerSecond: 1e6, StaffBurst: 1e6, AuthFailures: 1e6},
		StaticArchive: func(ctx context.Context, slug, baseURL string, w io.Writer) error {
			return static.Options{BaseURL: baseURL}.Archive(ctx, svc, slug, w)
		}}
	if configure != nil {
		configure(&e.cfg)
	}
	e.h = httpapi.New(e.cfg)
	ctx := context.Background()
	k, secret, err := svc.Bootstrap(ctx, "test owner")
	if err != nil {
		t.Fatal(err)
	}
	e.keys[centre.RoleOwner], e.keyIDs[centre.RoleOwner] = secret, k.ID
	owner := centre.Principal{KeyID: k.ID, Site: centre.AllSites, Role: centre.RoleOwner}
	for _, slug := range []string{"demo", "other"} {
		if _, err := svc.CreateSite(ctx, owner, centre.SiteInput{Slug: slug, Title: "Site " + slug, Publisher: "Test Association",
			Languages: []string{"en", "fr"}, Contact: centre.Contact{Email: "press@example.org"}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, role := range []string{centre.RoleViewer, centre.RoleEditor, centre.RolePublisher, centre.RoleAdmin} {
		k, secret, err := svc.CreateKey(ctx, owner, "demo", centre.KeyInput{Role: role, Name: role})
		if err != nil {
			t.Fatal(err)
		}
		e.keys[role], e.keyIDs[role] = secret, k.ID
	}
	k, secret, err = svc.CreateKey(ctx, owner, "other", centre.KeyInput{Role: centre.RoleAdmin, Name: "other admin"})
	if err != nil {
		t.Fatal(err)
	}
	e.keys["other-admin"], e.keyIDs["other-admin"] = secret, k.ID
	return e
}

// resp is a recorded response.
type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r resp) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

func (r resp) problem(t *testing.T) httpapi.Problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json (status %d, body %s)", ct, r.Status, r.Body)
	}
	var p httpapi.Problem
	r.json(t, &p)
	if p.Status != r.Status || p.Detail == "" || p.Title == "" || p.Type == "" {
		t.Fatalf("incomplete problem %+v for status %d", p, r.Status)
	}
	return p
}

// req is a request to make.
type req struct {
	method, path, role string
	body               any // string is sent raw; anything else as JSON
	header             map[string]string
}

func (e *env) do(r req) resp {
	e.t.Helper()
	var body io.Reader
	switch b := r.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		body = bytes.NewReader(buf)
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	if e.remote != "" {
		hr.RemoteAddr = e.remote
	}
	if r.body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if r.role != "" {
		hr.Header.Set("Authorization", "Bearer "+e.keys[r.role])
	}
	for k, v := range r.header {
		if v == "" {
			hr.Header.Del(k)
		} else {
			hr.Header.Set(k, v)
		}
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, hr)
	out := resp{Status: w.Code, Header: w.Result().Header, Body: w.Body.Bytes()}
	e.openapi.check(e.t, r.method, hr, out)
	return out
}

func (e *env) must(r req, status int) resp {
	e.t.Helper()
	got := e.do(r)
	if got.Status != status {
		e.t.Fatalf("%s %s as %q: status %d, want %d; body %s", r.method, r.path, r.role, got.Status, status, got.Body)
	}
	return got
}

// draft creates a draft entry through the API and returns it.
func (e *env) draft(slug string, extra map[string]any) centre.Entry {
	e.t.Helper()
	body := map[string]any{"type": "statement", "slug": slug, "title": "Statement " + slug,
		"summary": "A summary", "body": "Some **body** text.", "tags": []string{"cancer-care"},
		"organisations": []string{"Test Association"}}
	for k, v := range extra {
		body[k] = v
	}
	var got centre.Entry
	e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/entries", role: centre.RoleEditor, body: body}, 201).json(e.t, &got)
	return got
}

// published creates and publishes an entry.
func (e *env) published(slug string, extra map[string]any) centre.Entry {
	e.t.Helper()
	d := e.draft(slug, extra)
	var got centre.Entry
	e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/entries/" + d.ID + "/publish", role: centre.RolePublisher}, 200).json(e.t, &got)
	return got
}

func tag(v int64) string { return `"v` + strconv.FormatInt(v, 10) + `"` }

// doLines makes r with header name sent as several header lines.
func (e *env) doLines(r req, name string, values ...string) resp {
	e.t.Helper()
	buf, err := json.Marshal(r.body)
	if err != nil {
		e.t.Fatal(err)
	}
	hr := httptest.NewRequest(r.method, r.path, bytes.NewReader(buf))
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Authorization", "Bearer "+e.keys[r.role])
	for _, v := range values {
		hr.Header.Add(name, v)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, hr)
	out := resp{Status: w.Code, Header: w.Result().Header, Body: w.Body.Bytes()}
	e.openapi.check(e.t, r.method, hr, out)
	return out
}
