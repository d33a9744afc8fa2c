package centre_test

import (
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"infocentre/internal/boltstore"
	"infocentre/internal/centre"
	"infocentre/internal/cursor"
)

// fixture is a Service on a real embedded store, with a clock the test
// moves and an owner key that is a real key.
type fixture struct {
	t     *testing.T
	svc   *centre.Service
	store centre.Store
	now   time.Time
	owner centre.Principal
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	sealer, err := cursor.New([]byte("test-cursor-secret-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, store: store, now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	f.svc = &centre.Service{Store: store, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return f.now }, Signer: sealer,
		Render: func(md string) (string, error) { return "<p>" + md + "</p>", nil }}
	k, _, err := f.svc.Bootstrap(t.Context(), "root owner")
	if err != nil {
		t.Fatal(err)
	}
	f.owner = centre.Principal{KeyID: k.ID, Site: centre.AllSites, Role: centre.RoleOwner}
	for _, slug := range []string{"demo", "other"} {
		f.site(slug)
	}
	return f
}

func (f *fixture) site(slug string) *centre.Site {
	f.t.Helper()
	s, err := f.svc.CreateSite(f.t.Context(), f.owner, centre.SiteInput{Slug: slug, Title: "Site " + slug,
		Publisher: "Test Association", Languages: []string{"en", "fr"}, Contact: centre.Contact{Email: "press@example.org"}})
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

// key issues a key as p and returns the principal it authenticates as,
// with its secret.
func (f *fixture) key(p centre.Principal, site, role string, expires time.Time) (centre.Principal, string, *centre.Key) {
	f.t.Helper()
	k, secret, err := f.svc.CreateKey(f.t.Context(), p, site, centre.KeyInput{Role: role, Name: role, ExpiresAt: expires})
	if err != nil {
		f.t.Fatalf("CreateKey %s/%s as %s: %v", site, role, p.Role, err)
	}
	got, err := f.svc.Authenticate(f.t.Context(), secret)
	if err != nil {
		f.t.Fatalf("Authenticate a new key: %v", err)
	}
	return got, secret, k
}

func wantCode(t *testing.T, err error, code, what string) {
	t.Helper()
	if !centre.IsCode(err, code) {
		t.Fatalf("%s: got %v, want %s", what, err, code)
	}
}
