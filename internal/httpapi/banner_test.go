package httpapi_test

import (
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/httpapi"
)

// TestBannerAPI: publishers set and remove the banner through PATCH on the
// site (other settings stay admin-only), the change is audited, the public
// profile shows it until it expires, and no cache may keep it longer.
func TestBannerAPI(t *testing.T) {
	e := newEnv(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	e.svc.Now = func() time.Time { return now }
	version := func() string {
		var s centre.Site
		e.must(req{method: "GET", path: "/api/v1/admin/sites/demo", role: centre.RoleViewer}, 200).json(t, &s)
		return tag(s.Version)
	}
	banner := map[string]any{"severity": "severe", "heading": "Heatwave: red alert", "text": "Stay indoors.",
		"url": "https://example.org/heat", "expires_at": now.Add(time.Hour).Format(time.RFC3339Nano)}
	e.must(req{method: "PATCH", path: "/api/v1/admin/sites/demo", role: centre.RoleEditor, body: map[string]any{"banner": banner},
		header: map[string]string{"If-Match": version()}}, 403)
	e.must(req{method: "PATCH", path: "/api/v1/admin/sites/demo", role: centre.RolePublisher, body: map[string]any{"title": "T"},
		header: map[string]string{"If-Match": version()}}, 403)
	p := e.must(req{method: "PATCH", path: "/api/v1/admin/sites/demo", role: centre.RolePublisher,
		body:   map[string]any{"banner": map[string]any{"severity": "red", "heading": "", "url": "ftp://x", "colour": "red"}},
		header: map[string]string{"If-Match": version()}}, 400).problem(t)
	if len(p.Errors) == 0 || p.Errors[0].Field != "banner.colour" {
		t.Fatalf("unknown banner field: %+v", p)
	}
	p = e.must(req{method: "PATCH", path: "/api/v1/admin/sites/demo", role: centre.RolePublisher,
		body:   map[string]any{"banner": map[string]any{"severity": "red", "heading": "", "url": "ftp://x"}},
		header: map[string]string{"If-Match": version()}}, 400).problem(t)
	if len(p.Errors) != 3 {
		t.Fatalf("bad banner: %+v", p)
	}

	var s centre.Site
	e.must(req{method: "PATCH", path: "/api/v1/admin/sites/demo", role: centre.RolePublisher, body: map[string]any{"banner": banner},
		header: map[string]string{"If-Match": version()}}, 200).json(t, &s)
	if s.Banner == nil || s.Banner.Severity != "severe" || s.Banner.ID == "" {
		t.Fatalf("site after setting the banner: %+v", s.Banner)
	}
	var pub httpapi.PublicSite
	r := e.must(req{method: "GET", path: "/api/v1/sites/demo"}, 200)
	r.json(t, &pub)
	if pub.Banner == nil || pub.Banner.Heading != "Heatwave: red alert" || pub.Banner.ID != s.Banner.ID {
		t.Fatalf("public profile banner: %+v", pub.Banner)
	}
	if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=60") || strings.Contains(cc, "stale-if-error=86400") {
		t.Fatalf("Cache-Control with a banner expiring in an hour: %q", cc)
	}
	etag := r.Header.Get("ETag")

	now = now.Add(59*time.Minute + 50*time.Second)
	r = e.must(req{method: "GET", path: "/api/v1/sites/demo"}, 200)
	if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=10,") || !strings.Contains(cc, "s-maxage=10") || strings.Contains(cc, "stale") {
		t.Fatalf("Cache-Control ten seconds before expiry: %q", cc)
	}
	now = now.Add(10 * time.Second)
	r = e.must(req{method: "GET", path: "/api/v1/sites/demo", header: map[string]string{"If-None-Match": etag}}, 200)
	pub = httpapi.PublicSite{}
	r.json(t, &pub)
	if pub.Banner != nil || r.Header.Get("ETag") == etag {
		t.Fatalf("expired banner still shown: %+v (ETag %s)", pub.Banner, r.Header.Get("ETag"))
	}

	now = now.Add(time.Minute)
	banner["expires_at"] = now.Add(time.Hour).Format(time.RFC3339)
	e.must(req{method: "PATCH", path: "/api/v1/admin/sites/demo", role: centre.RolePublisher, body: map[string]any{"banner": banner},
		header: map[string]string{"If-Match": version()}}, 200)
	e.must(req{method: "PATCH", path: "/api/v1/admin/sites/demo", role: centre.RolePublisher, body: `{"banner":null}`,
		header: map[string]string{"If-Match": version()}}, 200).json(t, &s)
	if s.Banner == nil || s.Banner.RemovedAt.IsZero() {
		t.Fatalf("staff see the removed banner with removed_at: %+v", s.Banner)
	}
	pub = httpapi.PublicSite{}
	e.must(req{method: "GET", path: "/api/v1/sites/demo"}, 200).json(t, &pub)
	if pub.Banner != nil {
		t.Fatalf("removed banner still public: %+v", pub.Banner)
	}

	var audit httpapi.AuditList
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/audit?action=site.update", role: centre.RoleAdmin}, 200).json(t, &audit)
	var details []string
	for _, ev := range audit.Items {
		details = append(details, ev.Detail)
	}
	got := strings.Join(details, "|")
	if !strings.Contains(got, "banner removed") || strings.Count(got, "banner set: severe") != 2 {
		t.Fatalf("audit details: %q", got)
	}
}
