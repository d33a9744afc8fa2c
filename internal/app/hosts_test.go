package app_test

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"infocentre/internal/app"
	"infocentre/internal/centre"
	"infocentre/internal/storetest"
)

// TestReservedHostsWiring: RESERVED_HOSTS and the host of PUBLIC_ORIGIN
// reach the service, and a reserved host serves the directory even if a
// site claimed it before it was reserved.
func TestReservedHostsWiring(t *testing.T) {
	t.Setenv("RESERVED_HOSTS", " api.example.org, *.cloudfront.net ,")
	t.Setenv("PUBLIC_ORIGIN", "https://centre.example.org")
	t.Setenv("INFOCENTRE_DATA", t.TempDir())
	cfg := app.ConfigFromEnv()
	store, err := app.OpenStore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	// A claim made before the host was reserved.
	legacy := storetest.NewSite("legacy")
	legacy.Hosts = []string{"api.example.org"}
	if err := store.CreateSite(context.Background(), legacy); err != nil {
		t.Fatal(err)
	}
	a, err := app.New(cfg, store, app.NewLogger(io.Discard, "error"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for host, want := range map[string]bool{"api.example.org": true, "centre.example.org": true, "d111.cloudfront.net": true,
		"cloudfront.net": false, "flood.example.org": false} {
		if got := a.Service.HostReserved(host); got != want {
			t.Errorf("HostReserved(%s) = %v, want %v", host, got, want)
		}
	}
	owner := centre.Principal{KeyID: "cli", Site: centre.AllSites, Role: centre.RoleOwner}
	if _, err := a.Service.CreateSite(context.Background(), owner, centre.SiteInput{Slug: "x", Title: "X", Publisher: "P",
		Contact: centre.Contact{Email: "a@example.org"}, Hosts: []string{"centre.example.org"}}); !centre.IsCode(err, centre.EINVALID) {
		t.Fatalf("claiming the public origin's host: %v", err)
	}
	get := func(host string) string {
		r := httptest.NewRequest("GET", "/robots.txt", nil)
		r.Host = host
		w := httptest.NewRecorder()
		a.Handler.ServeHTTP(w, r)
		return strings.ReplaceAll(w.Body.String(), host, "HOST") // today the directory names the host it was asked for
	}
	if got, dir := get("api.example.org"), get("unclaimed.example.org"); got != dir {
		t.Fatalf("the reserved host serves the claiming site's robots.txt:\n%s\nnot the directory's:\n%s", got, dir)
	}
}
