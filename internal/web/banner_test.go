package web

import (
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/web/fixture"
)

// TestBanner: a site's emergency banner shows at the top of every page of
// the site and first in its feeds, in the site's language on pages in
// another; at its expiry it is off every page at once (new ETag, no cache
// allowed to keep it longer).
func TestBanner(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	var svc *centre.Service
	e := newEnv(t, func(_ centre.Store, _ *Options, s *centre.Service) {
		s.Now = func() time.Time { return now }
		svc = s
	})
	site, err := svc.Site(t.Context(), fixture.Site)
	if err != nil {
		t.Fatal(err)
	}
	p := centre.Principal{KeyID: "test", Site: fixture.Site, Role: centre.RolePublisher}
	in := centre.BannerInput{Severity: centre.SeveritySevere, Heading: "Hospitals: emergencies only", Text: "Routine appointments are postponed.",
		URL: "https://example.org/hospitals", ExpiresAt: now.Add(time.Hour)}
	if _, err := svc.UpdateSite(t.Context(), p, fixture.Site, centre.SitePatch{Banner: &in}, site.Version); err != nil {
		t.Fatal(err)
	}
	pages := []string{base + "/", base + "/fr/", base + "/news/", base + "/en/" + fixture.StatementSlug + "/", base + "/tags/medicines/",
		base + "/search?q=medicines", base + "/en/no-such-entry/", "/"}
	etags := map[string]string{}
	for _, path := range pages {
		r := e.get(path)
		has := strings.Contains(r.body, `<section class="alert alert-severe" aria-labelledby="alert-h">`)
		if path == "/" { // the directory of all sites is no page of the site
			if has {
				t.Errorf("%s shows a site's banner", path)
			}
			continue
		}
		if !has || !strings.Contains(r.body, `>Hospitals: emergencies only</h2>`) || !strings.Contains(r.body, `href="https://example.org/hospitals"`) {
			t.Errorf("%s (%d): no banner", path, r.StatusCode)
			continue
		}
		if strings.Index(r.body, "alert-h") > strings.Index(r.body, `<header class="top">`) {
			t.Errorf("%s: the banner is not at the top of the page", path)
		}
		if cc := r.Header.Get("Cache-Control"); strings.Contains(cc, "stale-if-error=86400") {
			t.Errorf("%s: caches may keep the banner past its expiry: %q", path, cc)
		}
		etags[path] = r.Header.Get("ETag")
		if path == base+"/" { // the first-load budget holds with a banner
			css := e.site.assets.files[strings.TrimPrefix(e.site.assets.url("style.css"), "/assets/")]
			total := len(gzipBytes([]byte(r.body))) + len(css.gz())
			t.Logf("%s with a banner: HTML+CSS %d bytes gzip", path, total)
			if total > 14*1024 {
				t.Errorf("%s with a banner weighs %d bytes gzip, budget 14 KB", path, total)
			}
		}
	}
	fr := e.get(base + "/fr/").body
	if !strings.Contains(fr, `<strong>Alerte grave</strong>`) || !strings.Contains(fr, `<h2 id="alert-h" lang="en">`) {
		t.Errorf("French page: the label is French, the site's English text is marked lang=en:\n%s", fr[:min(len(fr), 3000)])
	}
	for _, f := range []string{"/feed.atom", "/feed.rss", "/feed.json", "/news/feed.atom"} {
		body := e.get(base + f).body
		at := strings.Index(body, "Severe warning: Hospitals: emergencies only")
		if at < 0 || !strings.Contains(body, "urn:infocentre:"+fixture.Site+":banner:") {
			t.Errorf("%s: no banner item", f)
			continue
		}
		for _, it := range []string{"<entry>", "<item>", `"id": "urn:infocentre:` + fixture.Site + `:`} {
			if first := strings.Index(body, it); first >= 0 && first > at {
				t.Errorf("%s: the banner is not the first item", f)
			}
		}
	}

	now = now.Add(time.Hour) // expiry
	for _, path := range pages[:len(pages)-1] {
		r := e.get(path, "If-None-Match", etags[path])
		if r.StatusCode == 304 || strings.Contains(r.body, "alert-h") {
			t.Errorf("%s after expiry: status %d, banner still shown", path, r.StatusCode)
		}
		if r.Header.Get("ETag") == etags[path] {
			t.Errorf("%s: same ETag after expiry", path)
		}
	}
	if body := e.get(base + "/feed.atom").body; strings.Contains(body, ":banner:") {
		t.Error("expired banner still in the feed")
	}
}
