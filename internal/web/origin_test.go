package web

import (
	"strings"
	"testing"

	"infocentre/internal/centre"
	"infocentre/internal/web/fixture"
)

// hostilePaths are every kind of response that may carry absolute URLs:
// pages, error pages, feeds, sitemaps, robots.txt, OpenSearch and the
// directory, under /sites/{site}/ and on the site's own host.
func hostilePaths() []struct{ host, path string } {
	var out []struct{ host, path string }
	for _, p := range []string{"/", "/statements/", "/news/fr/", "/tags/" + fixture.Tag + "/", "/organisations/" + centre.OrgKey(fixture.Org) + "/",
		"/en/" + fixture.StatementSlug + "/", "/fr/" + fixture.StatementSlug + "/", "/en/" + fixture.GoneSlug + "/", "/en/nope/",
		"/search", "/search?q=medicines", "/opensearch.xml",
		"/feed.atom", "/feed.rss", "/feed.json", "/news/feed.atom", "/tags/" + fixture.Tag + "/feed.rss",
		"/organisations/" + centre.OrgKey(fixture.Org) + "/feed.json", "/sitemap.xml", "/robots.txt"} {
		out = append(out, struct{ host, path string }{"", base + p}, struct{ host, path string }{fixture.Host, p})
	}
	for _, p := range []string{"/", "/robots.txt", "/nowhere", "/sites/none/", "/preview/forged"} {
		out = append(out, struct{ host, path string }{"", p})
	}
	return out
}

// hostileHeaders are what an attacker sends to get their own name into a
// cached response.
var hostileHeaders = [][]string{
	{"Host", "evil.example"},
	{"Host", "evil.example:8443"},
	{"X-Forwarded-Host", "evil.example"},
	{"X-Forwarded-Host", "evil.example", "X-Forwarded-Proto", "http"},
	{"Host", "evil.example", "X-Forwarded-Host", "evil.example", "X-Forwarded-Proto", "gopher"},
	{"Forwarded", "host=evil.example;proto=http", "X-Forwarded-Server", "evil.example"},
}

func TestHostileHostsNeverEchoed(t *testing.T) {
	for name, mod := range map[string]func(centre.Store, *Options, *centre.Service){
		"public origin": func(_ centre.Store, o *Options, _ *centre.Service) {
			o.PublicOrigin, o.TrustForwarded = "https://info.example.org", false
		},
		"no origin": func(_ centre.Store, o *Options, _ *centre.Service) {
			o.PublicOrigin, o.TrustForwarded = "", false
		},
		"public origin behind a trusted proxy": func(_ centre.Store, o *Options, _ *centre.Service) {
			o.PublicOrigin, o.TrustForwarded = "https://info.example.org", true
		},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, mod)
			trusted := e.site.opts.TrustForwarded
			for _, hp := range hostilePaths() {
				host := hp.host
				if host == "" {
					host = "centre.example.net"
				}
				clean := e.get(hp.path, "Host", host)
				for _, hdr := range hostileHeaders {
					hdr := append([]string(nil), hdr...)
					if hp.host != "" {
						if hdr[0] == "Host" && trusted {
							continue // behind a proxy, Host is the proxy's to set
						}
						if hdr[0] == "Host" {
							// On a claimed host, only forwarded headers can lie.
							hdr[0] = "X-Forwarded-Server"
						}
						hdr = append(hdr, "Host", hp.host)
					}
					if trusted && hdr[0] == "X-Forwarded-Host" {
						continue // a trusted proxy's word is taken, by configuration
					}
					r := e.get(hp.path, hdr...)
					where := hp.host + hp.path + " " + strings.Join(hdr, " ")
					if strings.Contains(r.body, "evil.example") || strings.Contains(r.body, "gopher") {
						t.Errorf("%s: the response names the client's host:\n%.400s", where, r.body)
					}
					for k, vs := range r.Header {
						for _, v := range vs {
							if strings.Contains(v, "evil.example") {
								t.Errorf("%s: header %s: %s", where, k, v)
							}
						}
					}
					// The cache key is the URL: what a hostile request
					// caches must be what everyone gets.
					if r.StatusCode != clean.StatusCode || r.body != clean.body || r.Header.Get("ETag") != clean.Header.Get("ETag") {
						t.Errorf("%s: %d %q differs from the clean answer %d %q", where, r.StatusCode, r.Header.Get("ETag"),
							clean.StatusCode, clean.Header.Get("ETag"))
					}
				}
			}
		})
	}
}

func TestAbsoluteURLsFromTheConfiguredOrigin(t *testing.T) {
	e := newEnv(t, func(_ centre.Store, o *Options, _ *centre.Service) {
		o.PublicOrigin, o.TrustForwarded = "https://Info.Example.org:8443/", false
	})
	for _, c := range []struct {
		host, path string
		want       []string
	}{
		{"evil.example", base + "/", []string{`<link rel="canonical" href="https://info.example.org:8443/sites/demo/">`,
			`<meta property="og:url" content="https://info.example.org:8443/sites/demo/">`}},
		{"evil.example", base + "/en/" + fixture.StatementSlug + "/", []string{`href="https://info.example.org:8443/sites/demo/fr/` + fixture.StatementSlug + `/"`}},
		{"evil.example", base + "/feed.atom", []string{`<id>https://info.example.org:8443/sites/demo/feed.atom</id>`}},
		{"evil.example", base + "/sitemap.xml", []string{`<loc>https://info.example.org:8443/sites/demo/news/</loc>`}},
		{"evil.example", base + "/robots.txt", []string{"Sitemap: https://info.example.org:8443/sites/demo/sitemap.xml"}},
		{"evil.example", "/robots.txt", []string{"Sitemap: https://info.example.org:8443/sites/demo/sitemap.xml"}},
		{"evil.example", base + "/opensearch.xml", []string{`template="https://info.example.org:8443/sites/demo/search?q={searchTerms}"`}},
		// A claimed host names itself, with the origin's scheme and port.
		{fixture.Host, "/", []string{`<link rel="canonical" href="https://` + fixture.Host + `:8443/">`}},
		{fixture.Host + ":1234", "/feed.json", []string{`"feed_url": "https://` + fixture.Host + `:8443/feed.json"`}},
		{strings.ToUpper(fixture.Host) + ".", "/robots.txt", []string{"Sitemap: https://" + fixture.Host + ":8443/sitemap.xml"}},
	} {
		r := e.get(c.path, "Host", c.host)
		for _, w := range c.want {
			if !strings.Contains(r.body, w) {
				t.Errorf("%s%s lacks %s:\n%.600s", c.host, c.path, w, r.body)
			}
		}
		if r.Header.Get("Strict-Transport-Security") == "" {
			t.Errorf("%s%s: no HSTS on an https origin", c.host, c.path)
		}
	}
}

func TestWithoutOriginLinksAreRootRelative(t *testing.T) {
	e := newEnv(t, func(_ centre.Store, o *Options, _ *centre.Service) { o.PublicOrigin, o.TrustForwarded = "", false })
	if r := e.get(base+"/", "Host", "evil.example"); !strings.Contains(r.body, `<link rel="canonical" href="/sites/demo/">`) {
		t.Errorf("canonical link not root-relative:\n%.600s", r.body)
	}
	if r := e.get("/robots.txt", "Host", "evil.example"); r.body != "User-agent: *\nDisallow: /api/\n" {
		t.Errorf("main robots.txt names sitemaps without an origin: %q", r.body)
	}
	// A claimed host is safe to name: it was matched, not echoed.
	if r := e.get("/robots.txt", "Host", fixture.Host); r.body != "User-agent: *\nDisallow:\n\nSitemap: http://"+fixture.Host+"/sitemap.xml\n" {
		t.Errorf("site robots.txt = %q", r.body)
	}
}

func TestTrustedProxyNamesTheHost(t *testing.T) {
	e := newEnv(t, func(_ centre.Store, o *Options, _ *centre.Service) { o.PublicOrigin, o.TrustForwarded = "", true })
	r := e.get(base+"/", "X-Forwarded-Host", "api.example.org", "X-Forwarded-Proto", "https")
	if !strings.Contains(r.body, `<link rel="canonical" href="https://api.example.org/sites/demo/">`) {
		t.Errorf("canonical link does not follow the trusted proxy:\n%.600s", r.body)
	}
	// Even a trusted proxy's value goes into links only if it is a host.
	for _, bad := range []string{`evil.example/"><script>`, "evil.example/path", "user@evil.example"} {
		if r := e.get(base+"/", "X-Forwarded-Host", bad); strings.Contains(r.body, "evil.example") {
			t.Errorf("X-Forwarded-Host %q reached the page", bad)
		}
	}
	// A claimed host sent by the proxy selects its site.
	if r := e.get("/", "Host", "proxy.internal", "X-Forwarded-Host", fixture.Host); !strings.Contains(r.body, `<link rel="canonical" href="http://`+fixture.Host+`/">`) {
		t.Errorf("forwarded claimed host not served:\n%.600s", r.body)
	}
}

func TestParseOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "https://info.example.org": "https://info.example.org", "HTTP://LOCALHOST:8080/": "http://localhost:8080",
		"https://[::1]:8443": "https://[::1]:8443",
	} {
		if got, err := ParseOrigin(in); err != nil || got != want {
			t.Errorf("ParseOrigin(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"info.example.org", "ftp://x.example", "https://x.example/sub", "https://x.example?q=1",
		"https://user@x.example", "https://", "https://x.example#f"} {
		if _, err := ParseOrigin(bad); err == nil {
			t.Errorf("ParseOrigin(%q) accepted", bad)
		}
	}
}
