package web

import (
	"context"
	"net/http/httptest"
	"testing"
)

// TestSiteOf: the site a public request belongs to (the render cache's
// key), with a host lookup only for paths that can be a site's pages on
// its own host — never for the health probe, assets, previews, files or
// the API, so that a cold start's first probe reads nothing.
func TestSiteOf(t *testing.T) {
	var lookups []string
	s := New(nil, Options{SiteForHost: func(_ context.Context, host string) (string, bool) {
		lookups = append(lookups, host)
		return "flood", host == "flood.example.org"
	}})
	for path, want := range map[string]string{
		"/sites/demo/":           "demo",
		"/sites/demo/en/boil/":   "demo",
		"/sites/demo/files/ab/x": "",
		"/sites/Bad_Slug/":       "",
		"/healthz":               "",
		"/assets/style.css":      "",
		"/preview/token":         "",
		"/api/v1/sites/demo":     "",
		"/admin/":                "",
		"/files/ab/x.pdf":        "",
	} {
		lookups = nil
		r := httptest.NewRequest("GET", path, nil)
		r.Host = "flood.example.org"
		if got := s.SiteOf(r); got != want {
			t.Errorf("SiteOf(%s) = %q, want %q", path, got, want)
		}
		if len(lookups) != 0 {
			t.Errorf("SiteOf(%s) looked up the host %v", path, lookups)
		}
	}
	for host, want := range map[string]string{"flood.example.org": "flood", "other.example.org": ""} {
		lookups = nil
		r := httptest.NewRequest("GET", "/statements/", nil)
		r.Host = host
		if got := s.SiteOf(r); got != want || len(lookups) != 1 {
			t.Errorf("SiteOf(/statements/ on %s) = %q after %d lookups, want %q after 1", host, got, len(lookups), want)
		}
	}
}
