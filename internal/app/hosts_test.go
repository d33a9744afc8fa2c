package app_test

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"infocentre/internal/app"
	"infocentre/internal/centre"
	"infocentre/internal/httpapi"
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

// TestViewerHostThroughTheCDN: behind the distribution, the API origin
// sees only its own name; a request carrying the origin secret and the
// viewer's host (X-Viewer-Host, set by the distribution's viewer-request
// function) is served the site that claims that host, at "/", with links
// on that host. Without the secret the header changes nothing (and the
// request is refused); without the header it is the directory.
func TestViewerHostThroughTheCDN(t *testing.T) {
	const secret = "origin-secret-0123456789abcdefghij"
	t.Setenv("INFOCENTRE_DATA", t.TempDir())
	t.Setenv("ORIGIN_SECRET", secret)
	cfg := app.ConfigFromEnv()
	store, err := app.OpenStore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	flood := storetest.NewSite("flood")
	flood.Title, flood.Hosts = "Flood response centre", []string{"flood.example.org"}
	if err := store.CreateSite(context.Background(), flood); err != nil {
		t.Fatal(err)
	}
	a, err := app.NewPublic(cfg, store, app.NewLogger(io.Discard, "error"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	getPath := func(path, secretValue, viewer string) (int, string) {
		r := httptest.NewRequest("GET", path, nil)
		r.Host = "abc123.execute-api.eu-west-1.amazonaws.com"
		if secretValue != "" {
			r.Header.Set(httpapi.OriginSecretHeader, secretValue)
		}
		if viewer != "" {
			r.Header.Set(httpapi.ViewerHostHeader, viewer)
		}
		w := httptest.NewRecorder()
		a.Handler.Public().ServeHTTP(w, r)
		return w.Code, w.Body.String()
	}
	get := func(secretValue, viewer string) (int, string) { return getPath("/", secretValue, viewer) }
	code, body := get(secret, "Flood.Example.org")
	if code != 200 || !strings.Contains(body, "<title>Flood response centre") || strings.Contains(body, "<title>Information centres") {
		t.Errorf("with the secret and the viewer's host: %d, want the site's home on its host:\n%.400s", code, body)
	}
	const directory = "<title>Information centres</title>"
	if code, body := get(secret, ""); code != 200 || !strings.Contains(body, directory) {
		t.Errorf("without a viewer host: %d, want the directory:\n%.400s", code, body)
	}
	if code, _ := get("", "flood.example.org"); code != 403 {
		t.Errorf("viewer host without the secret: %d, want 403", code)
	}
	if code, body := get(secret, "flood.example.org:8443/evil"); code != 200 || !strings.Contains(body, directory) {
		t.Errorf("an invalid viewer host: %d, want the directory:\n%.300s", code, body)
	}
	// The distribution asks for a site's own host below its
	// ViewerHostPath (the viewer-request function's rewrite, so that the
	// mirror can hold each host's copy): the same page, byte for byte.
	for _, p := range []string{"/", "/robots.txt", "/statements/"} {
		wantCode, want := getPath(p, secret, "flood.example.org")
		code, got := getPath(httpapi.ViewerHostPath("flood.example.org")+p, secret, "flood.example.org")
		if wantCode != 200 || code != wantCode || got != want {
			t.Errorf("%s below the host's path: %d, want %d and the same bytes as %s:\n%.300s", p, code, wantCode, p, got)
		}
	}
	// Only below the viewer's own host, and only with the secret.
	for _, c := range []struct{ path, secret, viewer string }{
		{httpapi.ViewerHostPath("flood.example.org") + "/", secret, ""},
		{httpapi.ViewerHostPath("flood.example.org") + "/", secret, "other.example.org"},
		{httpapi.ViewerHostPath("other.example.org") + "/", secret, "flood.example.org"},
	} {
		if code, body := getPath(c.path, c.secret, c.viewer); code != 404 {
			t.Errorf("%s for viewer %q: %d, want 404:\n%.300s", c.path, c.viewer, code, body)
		}
	}
	if code, _ := getPath(httpapi.ViewerHostPath("flood.example.org")+"/", "", "flood.example.org"); code != 403 {
		t.Errorf("the host's path without the secret: %d, want 403", code)
	}
}
