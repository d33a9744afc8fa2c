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
	"infocentre/internal/dynamostore/dynamotest"
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

// TestMain starts moto_server for the tests that run on both stores.
func TestMain(m *testing.M) { dynamotest.Main(m) }

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureOn(t, openBolt(t))
}

// openBolt opens the embedded store in a temporary directory.
func openBolt(t *testing.T) centre.Store {
	t.Helper()
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

// onEachStore runs test on the fixture over each store: the embedded one
// and DynamoDB (moto_server through dynamotest: skipped under -short,
// failing under CI=true without it).
func onEachStore(t *testing.T, test func(t *testing.T, f *fixture)) {
	for name, open := range map[string]func(*testing.T) centre.Store{
		"bolt":     openBolt,
		"dynamodb": func(t *testing.T) centre.Store { return dynamotest.NewStore(t) },
	} {
		t.Run(name, func(t *testing.T) { test(t, newFixtureOn(t, open(t))) })
	}
}

// newFixtureOn is newFixture on store.
func newFixtureOn(t *testing.T, store centre.Store) *fixture {
	t.Helper()
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
