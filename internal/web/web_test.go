package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"image"
	"image/png"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/html"

	"infocentre/internal/boltstore"
	"infocentre/internal/centre"
	"infocentre/internal/cursor"
	"infocentre/internal/search"
	"infocentre/internal/web/fixture"
)

type env struct {
	t      testing.TB
	store  *boltstore.Store
	site   *Site
	mux    *http.ServeMux
	finder *search.Service
}

// newEnv serves the fixture through the site reading through a service on
// a fresh store; mods may change the options and the service.
func newEnv(t testing.TB, mods ...func(centre.Store, *Options, *centre.Service)) *env {
	t.Helper()
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "web.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := fixture.Seed(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	sealer, err := cursor.New([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	// Search reads the store as the application wires it; writes made
	// around finder.Watch are not seen once an index is built.
	finder := &search.Service{Store: st}
	opts := Options{
		BuildID:        "test",
		Cursors:        sealer,
		Searcher:       finder,
		PublicOrigin:   "http://centre.example.net",
		TrustForwarded: true, // as behind API Gateway: X-Forwarded-Proto says https
		Subscribe:      true, // the alert forms count in the page budgets
		SiteForHost: func(_ context.Context, host string) (string, bool) {
			return fixture.Site, host == fixture.Host
		},
	}
	svc := &centre.Service{Store: st}
	for _, m := range mods {
		m(st, &opts, svc)
	}
	s := New(svc, opts)
	mux := http.NewServeMux()
	// The routes of the JSON API, as internal/httpapi registers them.
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "api", http.StatusTeapot) })
	s.Register(mux)
	return &env{t: t, store: st, site: s, mux: mux, finder: finder}
}

type resp struct {
	*http.Response
	body string
}

func (e *env) get(path string, header ...string) resp {
	e.t.Helper()
	r := httptest.NewRequest("GET", path, nil)
	r.Host = "centre.example.net"
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Host" {
			r.Host = header[i+1]
			continue
		}
		r.Header.Add(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, r)
	res := w.Result()
	b, _ := io.ReadAll(res.Body)
	if res.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			e.t.Fatalf("GET %s: bad gzip: %v", path, err)
		}
		if b, err = io.ReadAll(zr); err != nil {
			e.t.Fatalf("GET %s: bad gzip: %v", path, err)
		}
	}
	return resp{res, string(b)}
}

const base = "/sites/" + fixture.Site

func TestPages(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		path   string
		status int
		want   []string
		host   string
	}{
		{base + "/", 200, []string{"<h1>Crisis Information Centre</h1>", "Joint statement on the supply of medicines",
			"Report on hospital capacity", "Daily update 24", "All statements", "About this centre", `lang="en"`,
			`hreflang="fr"`, `href="/sites/demo/statements/"`}, ""},
		{base + "/fr/", 200, []string{`<html lang="fr">`, "Déclaration commune", "À propos", ">Accueil<",
			"Dernières déclarations", "Aller au contenu", `<h1 lang="en">Crisis Information Centre</h1>`, `<time datetime="2026-03-12T09:30:00Z">12 mars 2026, 09:30</time>`}, ""},
		{base + "/statements/", 200, []string{"<h1>Statements</h1>", "Early advice on masks", "Withdrawn"}, ""},
		{base + "/publications/", 200, []string{"Report on hospital capacity"}, ""},
		{base + "/news/", 200, []string{"Daily update 24", "Older entries"}, ""},
		{base + "/tags/" + fixture.Tag + "/", 200, []string{"Topic: medicines", "Joint statement", "Report on hospital capacity"}, ""},
		{base + "/organisations/" + centre.OrgKey(fixture.Org) + "/", 200, []string{"<h1>" + html.EscapeString(fixture.Org) + "</h1>"}, ""},
		{base + "/en/" + fixture.StatementSlug + "/", 200, []string{"<h1>Joint statement on the supply of medicines</h1>",
			"<h2>What we commit to</h2>", "Corrected the weeks of insulin stock", `hreflang="fr"`, `rel="noopener noreferrer"`,
			"Last updated", `href="/sites/demo/tags/medicines/"`, `href="/sites/demo/organisations/societe-francaise-d-exemple/"`,
			`"@type":"SpecialAnnouncement"`, `property="og:title"`}, ""},
		{base + "/fr/" + fixture.StatementSlug + "/", 200, []string{`<html lang="fr">`, "Déclaration commune", `hreflang="en"`,
			"<dt>Publié le :</dt>", "Historique"}, ""},
		{base + "/fr/nope/", 404, []string{`<html lang="fr">`, "Page introuvable"}, ""},
		{base + "/en/" + fixture.ReportSlug + "/", 200, []string{"Download Full report", "PDF, 2.4 MB", "CSV, 48.2 kB", "Français",
			`"@type":"Report"`, "Added the French summary."}, ""},
		{base + "/en/" + fixture.WithdrawnSlug + "/", 200, []string{`class="withdrawn"`, "This statement was withdrawn on",
			"The health authority now recommends masks for visitors too.", `href="/sites/demo/en/mask-advice/"`,
			"Clarified who counts as staff."}, ""},
		{base + "/en/" + fixture.PageSlug + "/", 200, []string{"<h1>About this centre</h1>", `aria-current="page"`, `"@type":"WebPage"`}, ""},
		{base + "/en/" + fixture.GoneSlug + "/", 410, []string{"This page has been removed", "Crisis Information Centre"}, ""},
		{base + "/en/" + fixture.DraftSlug + "/", 404, []string{"Page not found", "Crisis Information Centre"}, ""},
		{base + "/en/" + fixture.ScheduledSlug + "/", 404, nil, ""},
		{base + "/en/nope/", 404, []string{"Page not found"}, ""},
		{base + "/de/" + fixture.StatementSlug + "/", 404, nil, ""},
		{base + "/tags/no-such-tag/", 404, nil, ""},
		{base + "/de/", 404, nil, ""},
		{"/sites/no-such-site/", 404, []string{"Page not found", "Information centre"}, ""},
		{"/sites/Bad_Slug/", 404, nil, ""},
		{"/", 200, []string{"<h1>Information centres</h1>", `href="/sites/` + fixture.Site + `/"`}, ""},
		{"/healthz", 200, []string{"ok"}, ""},
		{"/api/v1/nope", 418, []string{"api"}, ""},
		{"/api/v1/nope", 418, []string{"api"}, fixture.Host},
		{"/", 200, []string{"<h1>Crisis Information Centre</h1>", `href="/statements/"`, `href="/en/medicine-supply/"`}, fixture.Host},
		{"/en/" + fixture.StatementSlug + "/", 200, []string{`<link rel="canonical" href="http://demo.example.org/en/medicine-supply/">`}, fixture.Host},
		{"/nope/nope/nope", 404, []string{"Crisis Information Centre"}, fixture.Host},
	}
	for _, c := range cases {
		t.Run(c.host+c.path, func(t *testing.T) {
			r := e.get(c.path, "Host", or(c.host, "centre.example.net"))
			if r.StatusCode != c.status {
				t.Fatalf("status %d, want %d\n%s", r.StatusCode, c.status, r.body)
			}
			for _, w := range c.want {
				if !strings.Contains(r.body, w) {
					t.Errorf("body lacks %q", w)
				}
			}
			if strings.Contains(r.body, fixture.DraftTitle) || strings.Contains(r.body, fixture.ScheduledTitle) || strings.Contains(r.body, fixture.OtherTitle) {
				t.Errorf("non-public or foreign entry shown")
			}
			if r.StatusCode != 200 && r.StatusCode != 418 || strings.Contains(r.Header.Get("Content-Type"), "html") {
				checkHTML(t, r.body)
			}
		})
	}
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func TestRedirects(t *testing.T) {
	e := newEnv(t)
	for path, want := range map[string]string{
		"/sites/demo":                         "/sites/demo/",
		base + "/statements":                  base + "/statements/",
		base + "/tags/" + fixture.Tag:         base + "/tags/" + fixture.Tag + "/",
		base + "/tags/" + fixture.Tag + "/fr": base + "/tags/" + fixture.Tag + "/fr/",
		base + "/en/about":                    base + "/en/about/",
		base + "/en/about/?lang=fr":           base + "/en/about/",
		base + "/fr":                          base + "/fr/",
		base + "/en/":                         base + "/",
		base + "/news/en/":                    base + "/news/",
		base + "/news/?lang=fr&after=x":       base + "/news/fr/?after=x",
		base + "/?utm_source=x&lang=fr":       base + "/fr/",
		base + "/en/about/?nocache=123":       base + "/en/about/",
	} {
		r := e.get(path)
		if r.StatusCode != http.StatusMovedPermanently || r.Header.Get("Location") != want {
			t.Errorf("GET %s = %d %q, want 301 %q", path, r.StatusCode, r.Header.Get("Location"), want)
		}
	}
}

// TestRouteShapes: every shape of path below a site's base reaches its
// page, redirect or 404, by its segments (Site.dispatch), literal
// segments before wildcard ones.
func TestRouteShapes(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		path   string
		status int
		where  string // Location of a redirect, or a string of the body
	}{
		{base + "/", 200, "<h1>Crisis Information Centre</h1>"},
		{base + "/sitemap.xml", 200, "<urlset"},
		{base + "/robots.txt", 200, "Sitemap:"},
		{base + "/cap.xml", 200, "<feed"},
		{base + "/search", 200, "<h1>Search"},
		{base + "/opensearch.xml", 200, "OpenSearchDescription"},
		{base + "/feed.atom", 200, "<feed"},
		{base + "/nope.txt", 404, "Page not found"},
		{base + "/news", 301, base + "/news/"},
		{base + "/tags", 301, base + "/tags/"},
		{base + "/organisations", 301, base + "/organisations/"},
		{base + "/news/", 200, "Daily update 24"},
		{base + "/news/feed.json", 200, `"version"`},
		{base + "/news/nope", 404, "Page not found"},
		{base + "/news/fr", 301, base + "/news/fr/"},
		{base + "/news/a/b", 404, "Page not found"},
		{base + "/statements/" + fixture.StatementSlug + "/", 404, "Page not found"},
		{base + "/tags/", 200, "medicines"},
		{base + "/tags/" + fixture.Tag, 301, base + "/tags/" + fixture.Tag + "/"},
		{base + "/tags/" + fixture.Tag + "/feed.rss", 200, "<rss"},
		{base + "/tags/" + fixture.Tag + "/nope", 404, "Page not found"},
		{base + "/tags/" + fixture.Tag + "/feed.rss/x", 404, "Page not found"},
		{base + "/tags/Not_A_Slug", 404, "Page not found"},
		{base + "/tags/Not_A_Slug/", 404, "Page not found"},
		{base + "/organisations/" + centre.OrgKey(fixture.Org) + "/feed.atom", 200, "<feed"},
		{base + "/cap/nope.xml", 404, "Page not found"},
		{base + "/cap/nope.xml/", 404, "Page not found"},
		{base + "/files/abc", 404, "Page not found"},
		{base + "/files/abc/def", 404, "Page not found"},
		{base + "/files/abc/def/ghi/jkl", 404, "Page not found"},
		{base + "/en/" + fixture.StatementSlug, 301, base + "/en/" + fixture.StatementSlug + "/"},
		{base + "/EN/" + fixture.StatementSlug + "/", 301, base + "/en/" + fixture.StatementSlug + "/"},
		{base + "/en/Not_A_Slug", 404, "Page not found"},
		{base + "/xx/" + fixture.StatementSlug, 404, "Page not found"},
		{base + "/en/" + fixture.StatementSlug + "/x", 404, "Page not found"},
		{base + "/a/b/c/d/e", 404, "Page not found"},
	} {
		r := e.get(c.path)
		if r.StatusCode != c.status {
			t.Errorf("GET %s = %d, want %d", c.path, r.StatusCode, c.status)
			continue
		}
		if c.status == http.StatusMovedPermanently {
			if got := r.Header.Get("Location"); got != c.where {
				t.Errorf("GET %s redirects to %q, want %q", c.path, got, c.where)
			}
		} else if !strings.Contains(r.body, c.where) {
			t.Errorf("GET %s: body lacks %q", c.path, c.where)
		}
	}
}

// checkHTML parses a page and checks what the browser test checks too,
// cheaply: one lang, one h1, headings that never skip a level, no inline
// script or style, and every link with text.
func checkHTML(t *testing.T, page string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	h1, last := 0, 0
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			attr := map[string]string{}
			for _, a := range n.Attr {
				attr[a.Key] = a.Val
				if strings.HasPrefix(a.Key, "on") || a.Key == "style" {
					t.Errorf("inline %s attribute on <%s>", a.Key, n.Data)
				}
			}
			switch n.Data {
			case "html":
				if attr["lang"] == "" {
					t.Error("<html> without lang")
				}
			case "script":
				if attr["type"] != "application/ld+json" {
					t.Errorf("script of type %q", attr["type"])
				}
				if n.FirstChild != nil && !json.Valid([]byte(n.FirstChild.Data)) {
					t.Errorf("JSON-LD does not parse: %s", n.FirstChild.Data)
				}
			case "style", "iframe", "object":
				t.Errorf("<%s> in page", n.Data)
			case "img":
				// Only the site's own images (its logo, hosted files), each
				// with its alt attribute.
				if !strings.HasPrefix(attr["src"], "/") || strings.HasPrefix(attr["src"], "//") {
					t.Errorf("<img> from elsewhere: %q", attr["src"])
				}
				if _, ok := attr["alt"]; !ok {
					t.Errorf("<img src=%q> without alt", attr["src"])
				}
			case "h1", "h2", "h3", "h4", "h5", "h6":
				level := int(n.Data[1] - '0')
				if level == 1 {
					h1++
				}
				if level > last+1 {
					t.Errorf("heading <%s> after <h%d>", n.Data, last)
				}
				last = level
			case "a":
				if strings.TrimSpace(textOf(n)) == "" {
					t.Errorf("link to %q without text", attr["href"])
				}
			case "link":
				if h := attr["href"]; strings.HasPrefix(h, "http") && attr["rel"] == "stylesheet" {
					t.Errorf("stylesheet from %s", h)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if h1 != 1 {
		t.Errorf("%d <h1>, want 1", h1)
	}
}

func textOf(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(textOf(c))
	}
	return b.String()
}

var etagRE = regexp.MustCompile(`^"[A-Za-z0-9_-]+"$`)

func TestCachingAndSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	paths := []string{base + "/", base + "/statements/", base + "/tags/" + fixture.Tag + "/", base + "/en/" + fixture.ReportSlug + "/",
		base + "/feed.atom", base + "/news/feed.rss", base + "/tags/" + fixture.Tag + "/feed.json", base + "/sitemap.xml",
		base + "/robots.txt", "/robots.txt", base + "/en/nope/", base + "/en/" + fixture.GoneSlug + "/", "/sites/none/",
		e.site.assets.url("style.css")}
	for _, p := range paths {
		for _, https := range []bool{false, true} {
			var hdr []string
			if https {
				hdr = []string{"X-Forwarded-Proto", "https"}
			}
			r := e.get(p, hdr...)
			h := r.Header
			if !etagRE.MatchString(h.Get("ETag")) {
				t.Errorf("%s: ETag %q is not strong", p, h.Get("ETag"))
			}
			cc := h.Get("Cache-Control")
			for _, d := range []string{"public", "max-age="} {
				if !strings.Contains(cc, d) {
					t.Errorf("%s: Cache-Control %q lacks %s", p, cc, d)
				}
			}
			if !strings.Contains(cc, "immutable") {
				for _, d := range []string{"s-maxage=", "stale-while-revalidate=", "stale-if-error="} {
					if !strings.Contains(cc, d) {
						t.Errorf("%s: Cache-Control %q lacks %s", p, cc, d)
					}
				}
			}
			if h.Get("Vary") != "Accept-Encoding" {
				t.Errorf("%s: Vary %q", p, h.Get("Vary"))
			}
			csp := h.Get("Content-Security-Policy")
			for _, d := range []string{"default-src 'none'", "style-src 'self'", "frame-ancestors 'none'"} {
				if !strings.Contains(csp, d) {
					t.Errorf("%s: CSP %q lacks %s", p, csp, d)
				}
			}
			if strings.Contains(csp, "unsafe") || strings.Contains(csp, "script-src") {
				t.Errorf("%s: CSP %q allows scripts or unsafe sources", p, csp)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
				t.Errorf("%s: nosniff/Referrer-Policy missing", p)
			}
			if got := h.Get("Strict-Transport-Security") != ""; got != https {
				t.Errorf("%s: HSTS present=%v over https=%v", p, got, https)
			}
		}
	}
}

func TestConditionalRequestsDoNotRender(t *testing.T) {
	e := newEnv(t)
	for _, p := range []string{base + "/", base + "/news/", base + "/en/" + fixture.StatementSlug + "/", base + "/en/nope/", base + "/tags/" + fixture.Tag + "/"} {
		first := e.get(p)
		etag := first.Header.Get("ETag")
		before := e.site.renders.Load()
		for _, inm := range []string{etag, `"x", ` + etag, "W/" + etag} {
			r := e.get(p, "If-None-Match", inm)
			if r.StatusCode != http.StatusNotModified || r.body != "" {
				t.Errorf("%s with If-None-Match %s: %d %q", p, inm, r.StatusCode, r.body)
			}
			if r.Header.Get("ETag") != etag || r.Header.Get("Cache-Control") == "" {
				t.Errorf("%s: 304 without ETag or Cache-Control", p)
			}
		}
		// The Lambda proxy splits one header into several values.
		r := e.get(p, "If-None-Match", `"x"`, "If-None-Match", etag)
		if r.StatusCode != http.StatusNotModified {
			t.Errorf("%s: split If-None-Match not honoured: %d", p, r.StatusCode)
		}
		if n := e.site.renders.Load() - before; n != 0 {
			t.Errorf("%s: %d renders for conditional requests", p, n)
		}
		if r := e.get(p, "If-None-Match", `"stale"`); r.StatusCode == http.StatusNotModified {
			t.Errorf("%s: 304 for a stale ETag", p)
		}
		gz := e.get(p, "Accept-Encoding", "gzip")
		if gz.Header.Get("Content-Encoding") != "gzip" || gz.body != first.body {
			t.Errorf("%s: gzip response differs", p)
		}
		if gz.Header.Get("ETag") == etag {
			t.Errorf("%s: gzip and identity share the strong ETag %s", p, etag)
		}
		if r := e.get(p, "Accept-Encoding", "gzip", "If-None-Match", gz.Header.Get("ETag")); r.StatusCode != http.StatusNotModified {
			t.Errorf("%s: gzip ETag not honoured: %d", p, r.StatusCode)
		}
	}
}

func TestETagFollowsData(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	entryPath := base + "/en/" + fixture.StatementSlug + "/"
	home0, entry0, other0 := e.get(base+"/").Header.Get("ETag"), e.get(entryPath).Header.Get("ETag"), e.get(base+"/en/"+fixture.ReportSlug+"/").Header.Get("ETag")
	if e.get(base+"/").Header.Get("ETag") != home0 {
		t.Fatal("ETag is not stable")
	}
	list, err := e.store.EntriesBySlug(ctx, fixture.Site, fixture.StatementSlug)
	if err != nil {
		t.Fatal(err)
	}
	en := list[0]
	en.ChangeNotes = append(en.ChangeNotes, centre.ChangeNote{At: fixture.Base.AddDate(0, 1, 0), Note: "A new correction."})
	if err := e.store.UpdateEntry(ctx, en); err != nil {
		t.Fatal(err)
	}
	r := e.get(entryPath, "If-None-Match", entry0)
	if r.StatusCode != 200 || !strings.Contains(r.body, "A new correction.") {
		t.Errorf("changed entry answered %d", r.StatusCode)
	}
	if e.get(base+"/").Header.Get("ETag") == home0 {
		t.Error("home ETag unchanged after a listed entry changed")
	}
	if e.get(base+"/en/"+fixture.ReportSlug+"/").Header.Get("ETag") != other0 {
		t.Error("ETag of an unrelated entry changed")
	}
	site, _ := e.store.GetSite(ctx, fixture.Site)
	site.Tagline = "New tagline"
	if err := e.store.UpdateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	if e.get(base+"/en/"+fixture.ReportSlug+"/").Header.Get("ETag") == other0 {
		t.Error("ETag unchanged after the site changed")
	}
	s2 := New(&centre.Service{Store: e.store}, Options{BuildID: "other-build"})
	w := httptest.NewRecorder()
	s2.ServeHTTP(w, httptest.NewRequest("GET", base+"/", nil))
	if w.Header().Get("ETag") == e.get(base+"/").Header.Get("ETag") {
		t.Error("ETag does not depend on the build")
	}
}

func TestPagination(t *testing.T) {
	e := newEnv(t)
	seen := map[string]bool{}
	next := base + "/news/"
	pages := 0
	linkRE := regexp.MustCompile(`href="(/sites/demo/en/update-\d+/)"`)
	nextRE := regexp.MustCompile(`href="([^"]+)" rel="next"`)
	for next != "" {
		r := e.get(next)
		if r.StatusCode != 200 {
			t.Fatalf("GET %s: %d", next, r.StatusCode)
		}
		for _, m := range linkRE.FindAllStringSubmatch(r.body, -1) {
			if seen[m[1]] {
				t.Errorf("%s listed twice", m[1])
			}
			seen[m[1]] = true
		}
		next = ""
		if m := nextRE.FindStringSubmatch(r.body); m != nil {
			next = html.UnescapeString(m[1])
		}
		if pages++; pages > 5 {
			t.Fatal("pagination does not end")
		}
	}
	if pages != 2 || len(seen) != fixture.NewsCount {
		t.Errorf("%d pages listing %d news, want 2 and %d", pages, len(seen), fixture.NewsCount)
	}
	first := e.get(base + "/news/")
	tok := html.UnescapeString(nextRE.FindStringSubmatch(first.body)[1])
	tok = tok[strings.Index(tok, "after=")+len("after="):]
	for _, bad := range []string{
		base + "/news/?after=" + tok + "x",
		base + "/news/?after=bm9wZQ.AAAA",
		base + "/statements/?after=" + tok, // another list
		"/sites/other/news/?after=" + tok,  // another site
	} {
		if r := e.get(bad); r.StatusCode != 404 {
			t.Errorf("GET %s = %d, want 404", bad, r.StatusCode)
		}
	}
}

func TestFeedsListEveryPublicEntry(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	specs := []struct {
		path string
		q    centre.EntryQuery
	}{
		{"", centre.EntryQuery{}},
		{"/statements/", centre.EntryQuery{Type: centre.TypeStatement}},
		{"/publications/", centre.EntryQuery{Type: centre.TypePublication}},
		{"/news/", centre.EntryQuery{Type: centre.TypeNews}},
		{"/tags/" + fixture.Tag + "/", centre.EntryQuery{Tag: fixture.Tag}},
		{"/organisations/" + centre.OrgKey(fixture.Org) + "/", centre.EntryQuery{Organisation: centre.OrgKey(fixture.Org)}},
	}
	for _, sp := range specs {
		q := sp.q
		q.Site, q.Public, q.Limit = fixture.Site, true, feedItems
		page, err := e.store.ListEntries(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{}
		for _, x := range page.Items {
			want["urn:infocentre:"+x.Site+":"+x.ID] = true
		}
		if len(want) == 0 {
			t.Fatalf("%s: no entries in fixture", sp.path)
		}
		prefix := base + strings.TrimSuffix(sp.path, "/") + "/"
		if sp.path == "" {
			prefix = base + "/"
		}
		// Atom
		r := e.get(prefix + "feed.atom")
		var atom struct {
			Entries []struct {
				ID      string `xml:"id"`
				Content string `xml:"content"`
			} `xml:"entry"`
		}
		if err := xml.Unmarshal([]byte(r.body), &atom); err != nil || r.Header.Get("Content-Type") != "application/atom+xml; charset=utf-8" {
			t.Fatalf("%sfeed.atom: %v %s", prefix, err, r.Header.Get("Content-Type"))
		}
		var got []string
		for _, x := range atom.Entries {
			got = append(got, x.ID)
		}
		sameSet(t, prefix+"feed.atom", got, want)
		// RSS
		r = e.get(prefix + "feed.rss")
		var rss struct {
			Items []struct {
				GUID string `xml:"guid"`
			} `xml:"channel>item"`
		}
		if err := xml.Unmarshal([]byte(r.body), &rss); err != nil {
			t.Fatalf("%sfeed.rss: %v", prefix, err)
		}
		got = got[:0]
		for _, x := range rss.Items {
			got = append(got, x.GUID)
		}
		sameSet(t, prefix+"feed.rss", got, want)
		// JSON Feed
		r = e.get(prefix + "feed.json")
		var jf struct {
			Version string `json:"version"`
			Items   []struct {
				ID  string `json:"id"`
				Ext struct {
					ChangeNotes []struct{ Note string } `json:"change_notes"`
				} `json:"_infocentre"`
			} `json:"items"`
		}
		if err := json.Unmarshal([]byte(r.body), &jf); err != nil || jf.Version != "https://jsonfeed.org/version/1.1" {
			t.Fatalf("%sfeed.json: %v %q", prefix, err, jf.Version)
		}
		got = got[:0]
		for _, x := range jf.Items {
			got = append(got, x.ID)
		}
		sameSet(t, prefix+"feed.json", got, want)
	}
	atom := e.get(base + "/feed.atom").body
	for _, s := range []string{"Corrected the weeks of insulin stock", "[Withdrawn] Early advice on masks", "capacity-2026-03.pdf"} {
		if !strings.Contains(atom, s) && !strings.Contains(atom, html.EscapeString(s)) {
			t.Errorf("site feed lacks %q", s)
		}
	}
	if r := e.get(base + "/tags/no-such-tag/feed.atom"); r.StatusCode != 404 {
		t.Errorf("feed of unknown tag: %d", r.StatusCode)
	}
}

func sameSet(t *testing.T, name string, got []string, want map[string]bool) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d items, want %d", name, len(got), len(want))
	}
	for _, g := range got {
		if !want[g] {
			t.Errorf("%s: unexpected item %s", name, g)
		}
	}
}

func TestSitemapAndRobots(t *testing.T) {
	e := newEnv(t)
	r := e.get(base + "/sitemap.xml")
	var sm struct {
		URLs []struct {
			Loc   string `xml:"loc"`
			Links []struct {
				HrefLang string `xml:"hreflang,attr"`
				Href     string `xml:"href,attr"`
			} `xml:"http://www.w3.org/1999/xhtml link"`
		} `xml:"url"`
	}
	if err := xml.Unmarshal([]byte(r.body), &sm); err != nil {
		t.Fatal(err)
	}
	locs := map[string]int{}
	for _, u := range sm.URLs {
		locs[u.Loc] = len(u.Links)
	}
	origin := "http://centre.example.net"
	for _, want := range []string{"/", "/statements/", "/en/" + fixture.StatementSlug + "/", "/fr/" + fixture.StatementSlug + "/", "/en/" + fixture.WithdrawnSlug + "/", "/en/update-01/"} {
		if _, ok := locs[origin+base+want]; !ok {
			t.Errorf("sitemap lacks %s", want)
		}
	}
	if locs[origin+base+"/en/"+fixture.StatementSlug+"/"] != 2 {
		t.Errorf("translated entry has %d alternates, want 2", locs[origin+base+"/en/"+fixture.StatementSlug+"/"])
	}
	if strings.Contains(r.body, fixture.DraftSlug) || strings.Contains(r.body, fixture.GoneSlug) || strings.Contains(r.body, fixture.ScheduledSlug) {
		t.Error("sitemap lists non-public entries")
	}
	if got := e.get("/robots.txt").body; !strings.Contains(got, "Disallow: /api/") || !strings.Contains(got, "Sitemap: "+origin+"/sites/demo/sitemap.xml") {
		t.Errorf("main robots.txt = %q", got)
	}
	if got := e.get("/robots.txt", "Host", fixture.Host).body; got != "User-agent: *\nDisallow:\n\nSitemap: http://demo.example.org/sitemap.xml\n" {
		t.Errorf("site robots.txt = %q", got)
	}
}

func TestAssetsAndTheme(t *testing.T) {
	e := newEnv(t)
	home := e.get(base + "/")
	css := regexp.MustCompile(`href="(/assets/style\.[0-9a-f]{12}\.css)"`).FindStringSubmatch(home.body)
	theme := regexp.MustCompile(`href="(/sites/demo/theme\.[0-9a-f]{10}\.css)"`).FindStringSubmatch(home.body)
	if css == nil || theme == nil {
		t.Fatalf("stylesheets not linked: %s", home.body)
	}
	r := e.get(css[1])
	if r.StatusCode != 200 || r.Header.Get("Cache-Control") != cacheControlAsset || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/css") {
		t.Errorf("asset: %d %v", r.StatusCode, r.Header)
	}
	if r := e.get(css[1], "If-None-Match", r.Header.Get("ETag")); r.StatusCode != 304 {
		t.Errorf("asset revalidation: %d", r.StatusCode)
	}
	if r := e.get("/assets/style.000000000000.css"); r.StatusCode != 404 {
		t.Errorf("unknown asset: %d", r.StatusCode)
	}
	r = e.get(theme[1])
	if r.body != ":root{--accent:#1d5a8c}\n@media (prefers-color-scheme:dark){:root{--link:#6c94b4}}\n" || r.Header.Get("Cache-Control") != cacheControlAsset {
		t.Errorf("theme: %q %v", r.body, r.Header)
	}
}

func TestPageWeight(t *testing.T) {
	e := newEnv(t)
	css := e.site.assets.files[strings.TrimPrefix(e.site.assets.url("style.css"), "/assets/")]
	// Every page type: home (both languages), lists, tag and organisation
	// pages and indexes, entries, pages, search, not found (the banner:
	// TestBanner).
	for _, p := range []string{base + "/", base + "/fr/", base + "/news/", base + "/tags/" + fixture.Tag + "/",
		base + "/organisations/" + centre.OrgKey(fixture.Org) + "/", base + "/tags/", base + "/organisations/",
		base + "/en/" + fixture.StatementSlug + "/", base + "/en/" + fixture.ReportSlug + "/", base + "/en/" + fixture.WithdrawnSlug + "/",
		base + "/en/" + fixture.PageSlug + "/", base + "/en/nope/",
		base + "/search", base + "/search?q=medicines", base + "/search?type=news", base + "/search?q=nothing-matches-this"} {
		r := e.get(p)
		page := len(gzipBytes([]byte(r.body)))
		total := page + len(css.gz()) + len(gzipBytes([]byte(themeStylesheet("#1d5a8c"))))
		t.Logf("%s: HTML %d bytes (%d gzip) + CSS %d gzip = %d bytes gzip", p, len(r.body), page, len(css.gz()), total)
		if total > 14*1024 {
			t.Errorf("%s weighs %d bytes gzip, budget 14 KB", p, total)
		}
	}
}

func TestCheckAccent(t *testing.T) {
	for _, c := range []struct {
		hex string
		ok  bool
	}{
		{"#0b5394", true}, {"#1d5a8c", true}, {"#000000", true}, {"#767676", true},
		{"#777777", false}, {"#ffffff", false}, {"#ffcc00", false}, {"#4a90e2", false},
		{"red", false}, {"#12345", false}, {"#gggggg", false},
	} {
		err := CheckAccent(c.hex)
		if (err == nil) != c.ok {
			t.Errorf("CheckAccent(%s) = %v, want ok=%v", c.hex, err, c.ok)
		}
		if err != nil && !centre.IsCode(err, centre.EINVALID) {
			t.Errorf("CheckAccent(%s) code = %s", c.hex, centre.ErrorCode(err))
		}
	}
	if r := Contrast("#000000", "#ffffff"); r < 20.99 || r > 21.01 {
		t.Errorf("black on white = %f, want 21", r)
	}
	if r := Contrast(TextColour, BackgroundColour); r < 7 {
		t.Errorf("text contrast %f below AAA", r)
	}
}

// failingStore is the real store with one method failing as a backend
// under pressure would.
type failingStore struct {
	*boltstore.Store
	err error
}

func (f failingStore) ListEntries(context.Context, centre.EntryQuery) (centre.EntryPage, error) {
	return centre.EntryPage{}, f.err
}

// EntriesByID fails too: the home page reads the entries its front names.
func (f failingStore) EntriesByID(context.Context, string, []string) ([]*centre.Entry, error) {
	return nil, f.err
}

func TestStoreFailures(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		err    error
		status int
	}{
		{centre.Errorf(centre.EUNAVAILABLE, "throttled"), http.StatusServiceUnavailable},
		{io.ErrUnexpectedEOF, http.StatusInternalServerError},
	} {
		s := New(&centre.Service{Store: failingStore{e.store, c.err}}, Options{BuildID: "x", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest("GET", base+"/", nil))
		if w.Code != c.status || w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("ETag") != "" {
			t.Errorf("%v: %d %v", c.err, w.Code, w.Header())
		}
		if b := w.Body.String(); strings.Contains(b, "throttled") || strings.Contains(b, "EOF") {
			t.Errorf("error detail leaked: %q", b)
		}
		if w.Header().Get("Content-Security-Policy") == "" {
			t.Error("error response without security headers")
		}
	}
}

func TestArchivedSiteShowsNotice(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	site, _ := e.store.GetSite(ctx, fixture.Site)
	site.Status = centre.SiteArchived
	if err := e.store.UpdateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{base + "/", base + "/en/" + fixture.ReportSlug + "/"} {
		if r := e.get(p); r.StatusCode != 200 || !strings.Contains(r.body, "is archived") {
			t.Errorf("%s: %d, no archive notice", p, r.StatusCode)
		}
	}
}

func TestMethods(t *testing.T) {
	e := newEnv(t)
	for _, p := range []string{base + "/", "/", "/assets/x.css", base + "/en/" + fixture.StatementSlug + "/"} {
		w := httptest.NewRecorder()
		e.mux.ServeHTTP(w, httptest.NewRequest("POST", p, nil))
		if w.Code != http.StatusMethodNotAllowed {
			t.Errorf("POST %s = %d, want 405", p, w.Code)
		}
	}
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, httptest.NewRequest("HEAD", base+"/", nil))
	if w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("ETag") == "" {
		t.Errorf("HEAD: %d, %d bytes, ETag %q", w.Code, w.Body.Len(), w.Header().Get("ETag"))
	}
}

// countingStore counts the host lookups and site listings of a store.
type countingStore struct {
	centre.Store
	byHost, list atomic.Int64
	fail         atomic.Bool
}

func (c *countingStore) SiteByHost(ctx context.Context, host string) (*centre.Site, error) {
	c.byHost.Add(1)
	if c.fail.Load() {
		return nil, centre.Errorf(centre.EUNAVAILABLE, "down")
	}
	return c.Store.SiteByHost(ctx, host)
}

func (c *countingStore) ListSites(ctx context.Context) ([]*centre.Site, error) {
	c.list.Add(1)
	return c.Store.ListSites(ctx)
}

func TestHostLookup(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cs := &countingStore{Store: e.store}
	lookup := HostLookup(&centre.Service{Store: cs}, time.Hour)
	for range 3 {
		if slug, ok := lookup(ctx, fixture.Host); !ok || slug != fixture.Site {
			t.Errorf("lookup(%s) = %q %v", fixture.Host, slug, ok)
		}
		if _, ok := lookup(ctx, "other.example.org"); ok {
			t.Error("unknown host mapped")
		}
	}
	if n := cs.byHost.Load(); n != 2 || cs.list.Load() != 0 {
		t.Errorf("%d SiteByHost and %d ListSites calls for two hosts asked three times, want 2 and 0", n, cs.list.Load())
	}
	site, _ := e.store.GetSite(ctx, fixture.OtherSite)
	site.Hosts = []string{"other.example.org"}
	if err := e.store.UpdateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	if _, ok := lookup(ctx, "other.example.org"); ok {
		t.Error("cached answer not used within its lifetime")
	}
	if slug, ok := HostLookup(&centre.Service{Store: e.store}, time.Hour)(ctx, "Other.Example.org"); !ok || slug != fixture.OtherSite {
		t.Errorf("fresh lookup = %q %v", slug, ok)
	}

	// Expired answers are looked up again; while the store fails, the last
	// answer stands.
	cs2 := &countingStore{Store: e.store}
	short := HostLookup(&centre.Service{Store: cs2}, 20*time.Millisecond)
	if _, ok := short(ctx, fixture.Host); !ok {
		t.Fatal("not mapped")
	}
	time.Sleep(30 * time.Millisecond)
	cs2.fail.Store(true)
	if slug, ok := short(ctx, fixture.Host); !ok || slug != fixture.Site {
		t.Errorf("during a store failure: %q %v, want the last answer", slug, ok)
	}
	if _, ok := short(ctx, "never.example.org"); ok {
		t.Error("failed lookup of a new host mapped")
	}
	if cs2.byHost.Load() != 3 {
		t.Errorf("%d lookups, want 3", cs2.byHost.Load())
	}

	// Concurrent first requests for a host share one lookup.
	cs3 := &countingStore{Store: e.store}
	shared := HostLookup(&centre.Service{Store: cs3}, time.Hour)
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, ok := shared(ctx, fixture.Host); !ok {
				t.Error("not mapped")
			}
		}()
	}
	wg.Wait()
	if cs3.byHost.Load() != 1 {
		t.Errorf("%d lookups for 20 concurrent requests, want 1", cs3.byHost.Load())
	}
}

func TestUntranslatedLanguageIsMarked(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	site := &centre.Site{Slug: "pl-site", Title: "Centrum informacji", Languages: []string{"pl"}, Publisher: "Urząd",
		Contact: centre.Contact{Email: "a@example.org"}, Status: centre.SiteActive, CreatedAt: fixture.Base, UpdatedAt: fixture.Base}
	if err := e.store.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	en := &centre.Entry{ID: centre.NewID(fixture.Base), Site: "pl-site", Slug: "komunikat", Lang: "pl",
		Status: centre.StatusPublished, PublishedAt: fixture.Base, UpdatedAt: fixture.Base, CreatedAt: fixture.Base,
		Content: centre.Content{
			Type:  centre.TypeNews,
			Title: "Komunikat",
		},
	}
	if err := e.store.CreateEntry(ctx, en); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/sites/pl-site/", "/sites/pl-site/pl/komunikat/"} {
		r := e.get(p)
		for _, want := range []string{`<html lang="pl">`, `<a class="skip" href="#main" lang="en">Skip to content</a>`,
			`<footer lang="en">`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("%s lacks %s", p, want)
			}
		}
		if !regexp.MustCompile(`<a href="[^"]+" lang="en"[^>]*>Home</a>`).MatchString(r.body) {
			t.Errorf("%s: Home link not marked English", p)
		}
		checkHTML(t, r.body)
	}
}

func TestFormatDate(t *testing.T) {
	d := time.Date(2026, 5, 1, 23, 0, 0, 0, time.UTC)
	for ui, want := range map[string]string{"en": "1 May 2026", "fr": "1er mai 2026", "de": "1. Mai 2026", "xx": "1 May 2026"} {
		if got := formatDate(ui, d); got != want {
			t.Errorf("formatDate(%s) = %q, want %q", ui, got, want)
		}
	}
	if got := msgHTML("en", "download", "<b>&"); got != "Download &lt;b&gt;&amp;" {
		t.Errorf("msgHTML escapes args: %q", got)
	}
}

// TestMessages: the site's words are sorted by key (msg searches them),
// each key once, in every language, with the placeholders of English.
func TestMessages(t *testing.T) {
	for i, m := range messages {
		if i > 0 && messages[i-1].key >= m.key {
			t.Errorf("message %q after %q: keep messages sorted by key, each once", m.key, messages[i-1].key)
		}
		for lang, s := range map[string]string{"fr": m.fr, "de": m.de} {
			if s == "" {
				t.Errorf("%s lacks message %s", lang, m.key)
			}
			for _, verb := range []string{"%s", "%d"} {
				if strings.Count(s, verb) != strings.Count(m.en, verb) {
					t.Errorf("%s message %s has other placeholders than English", lang, m.key)
				}
			}
		}
		if got := msg("fr", m.key); got != m.fr || msg("de", m.key) != m.de || msg("en", m.key) != m.en || msg("pl", m.key) != m.en {
			t.Errorf("msg(fr, %s) = %q, want %q (or another language's is wrong)", m.key, got, m.fr)
		}
	}
	if got := msg("en", "no.such.key"); got != "" {
		t.Errorf("unknown key: %q", got)
	}
	for lang, want := range map[string]string{"fr-CA": "fr", "DE": "de", "en-GB": "en", "pl": "en", "": "en"} {
		if got := uiLang(lang); got != want {
			t.Errorf("uiLang(%q) = %q, want %q", lang, got, want)
		}
	}
	// messageLangs names message's fields.
	var fields []string
	for f := range reflect.TypeFor[message]().Fields() {
		if f.Name != "key" {
			fields = append(fields, f.Name)
		}
	}
	slices.Sort(fields)
	if !slices.Equal(fields, messageLangs[:]) {
		t.Errorf("message holds %v, messageLangs says %v", fields, messageLangs)
	}
}

func TestDirectoryOfSites(t *testing.T) {
	e := newEnv(t)
	w := e.get("/")
	if w.StatusCode != 200 || !strings.Contains(w.body, `href="/sites/`+fixture.Site+`/"`) {
		t.Fatalf("directory: %d\n%s", w.StatusCode, w.body)
	}
	checkHTML(t, w.body)
	etag := w.Header.Get("ETag")
	if etag == "" || e.get("/", "If-None-Match", etag).StatusCode != 304 {
		t.Fatal("the directory is not conditional")
	}
	// A host mapped to a site gets that site's home page instead.
	if w := e.get("/", "Host", fixture.Host); w.StatusCode != 200 || strings.Contains(w.body, "Information centres") {
		t.Fatalf("mapped host: %d", w.StatusCode)
	}
	// Each centre says where it lives, so that two with one title can be
	// told apart; the footer is not empty (issue 15, defect 9).
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	if err := e.store.CreateSite(context.Background(), &centre.Site{Slug: "crisis-2", Title: "Crisis Information Centre",
		Languages: []string{"en"}, Publisher: "Example Association", Contact: centre.Contact{Email: "a@example.org"},
		Status: centre.SiteActive, CreatedAt: at, UpdatedAt: at}); err != nil {
		t.Fatal(err)
	}
	w = e.get("/")
	footer := w.body[strings.Index(w.body, "<footer"):]
	if strings.Count(w.body, ">Crisis Information Centre</a>") != 2 || !strings.Contains(w.body, "Information centre at "+fixture.Host) ||
		!strings.Contains(w.body, "Information centre at /sites/crisis-2/") || !strings.Contains(w.body, "Information centre at /sites/"+fixture.OtherSite+"/") {
		t.Fatalf("directory does not tell the centres apart:\n%s", w.body)
	}
	if !strings.Contains(footer, `href="/api/v1/openapi.json"`) || strings.Contains(footer, "Published by") || strings.Contains(footer, "<p></p>") {
		t.Fatalf("footer with several publishers:\n%s", footer)
	}
	checkHTML(t, w.body)
}

func TestDirectoryFooterNamesTheSharedPublisher(t *testing.T) {
	if got := sharedPublisher([]*centre.Site{{Publisher: "A"}, {Publisher: "A"}}); got != "A" {
		t.Fatalf("shared publisher: %q", got)
	}
	if got := sharedPublisher([]*centre.Site{{Publisher: "A"}, {Publisher: "B"}}); got != "" {
		t.Fatalf("different publishers: %q", got)
	}
}

func TestLogoServedBySite(t *testing.T) {
	var buf bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	logo := "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
	e := newEnv(t, func(st centre.Store, _ *Options, _ *centre.Service) {
		s, err := st.GetSite(context.Background(), fixture.Site)
		if err != nil {
			t.Fatal(err)
		}
		s.Theme.LogoURL = logo
		if err := st.UpdateSite(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	})
	home := e.get(base + "/")
	m := regexp.MustCompile(`<img src="(` + base + `/logo\.[0-9a-f]{12}\.png)" alt="Crisis Information Centre" height="32">`).FindStringSubmatch(home.body)
	if m == nil {
		t.Fatalf("home page shows no logo:\n%.600s", home.body)
	}
	// An entry without a lead image has the logo as its social card.
	page := e.get(base + "/en/" + fixture.StatementSlug + "/")
	if !strings.Contains(page.body, `<meta property="og:image" content="http://centre.example.net`+m[1]+`">`) ||
		!strings.Contains(page.body, `<meta name="twitter:card" content="summary">`) {
		t.Errorf("entry without an image: no logo card\n%.1500s", page.body)
	}
	w := e.get(m[1])
	if w.StatusCode != 200 || w.Header.Get("Content-Type") != "image/png" || w.body != buf.String() ||
		!strings.Contains(w.Header.Get("Cache-Control"), "immutable") {
		t.Fatalf("logo: %d %s %s", w.StatusCode, w.Header.Get("Content-Type"), w.Header.Get("Cache-Control"))
	}
	if e.get(base+"/logo.000000000000.png").Header.Get("Cache-Control") == w.Header.Get("Cache-Control") {
		t.Error("an old logo name is cached for good")
	}
	// A logo on another host is never requested by the pages.
	e2 := newEnv(t, func(st centre.Store, _ *Options, _ *centre.Service) {
		s, _ := st.GetSite(context.Background(), fixture.Site)
		s.Theme.LogoURL = "https://cdn.example.com/logo.png"
		if err := st.UpdateSite(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	})
	if body := e2.get(base + "/").body; strings.Contains(body, "cdn.example.com") || strings.Contains(body, "<img") {
		t.Fatal("a third-party logo is requested by the page")
	}
}

// TestPinnedShownOnce: a pinned entry is listed under "Important" and not
// again in its type's latest list, which still shows as many entries as it
// has to show.
func TestPinnedShownOnce(t *testing.T) {
	e := newEnv(t)
	body := e.get("/sites/" + fixture.Site + "/").body
	href := `href="/sites/` + fixture.Site + `/en/` + fixture.StatementSlug + `/"`
	if n := strings.Count(body, href); n != 1 {
		t.Fatalf("the pinned statement is linked %d times on the home page, want once", n)
	}
	pinned := strings.Index(body, `id="s-pinned"`)
	latest := strings.Index(body, `id="s-statements"`)
	if pinned < 0 || latest < 0 || strings.Index(body, href) > latest || strings.Index(body, href) < pinned {
		t.Fatalf("the pinned statement is not in the Important section (pinned at %d, latest at %d, link at %d)",
			pinned, latest, strings.Index(body, href))
	}
	if end := strings.Index(body[latest:], "</section>"); end < 0 || !strings.Contains(body[latest:latest+end], "<li") {
		t.Fatalf("the latest statements list is empty:\n%s", body[latest:])
	}
}

// TestTemplatesParse: every page template parses with base.html (they are
// parsed on first use, so a broken one would otherwise show only when its
// page is asked for).
func TestTemplatesParse(t *testing.T) {
	tmpl := parseTemplates()
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil || len(files) < 2 || len(tmpl) != len(files)-1 {
		t.Fatalf("%d page templates of %d files (%v), want every templates/*.html but base", len(tmpl), len(files), err)
	}
	for name := range tmpl {
		func() {
			defer func() {
				if v := recover(); v != nil {
					t.Errorf("template %s: %v", name, v)
				}
			}()
			if got := tmpl.get(name); got == nil || got.Lookup(name+".html") == nil {
				t.Errorf("template %s: not parsed from %s.html", name, name)
			}
		}()
	}
	if tmpl.get("no-such-page") != nil {
		t.Error("an unknown page has a template")
	}
}

// TestBuildInfoIdentifiesBuild: the build ID changes with anything that
// tells builds apart, and not otherwise.
func TestBuildInfoIdentifiesBuild(t *testing.T) {
	base := func() *debug.BuildInfo {
		return &debug.BuildInfo{GoVersion: "go1.26.8", Path: "infocentre/functions/public",
			Main: debug.Module{Path: "infocentre", Version: "(devel)"},
			Deps: []*debug.Module{{Path: "github.com/aws/aws-lambda-go", Version: "v1.55.1", Sum: "h1:a"},
				{Path: "golang.org/x/text", Version: "v0.31.0", Sum: "h1:b"}},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}, {Key: "-tags", Value: "publicfn"}}}
	}
	sum := func(bi *debug.BuildInfo) string {
		h := sha256.New()
		writeBuildInfo(h, bi)
		return hex.EncodeToString(h.Sum(nil))
	}
	want := sum(base())
	if sum(base()) != want {
		t.Fatal("the same build information gives another ID")
	}
	for name, change := range map[string]func(*debug.BuildInfo){
		"Go version":       func(b *debug.BuildInfo) { b.GoVersion = "go1.26.9" },
		"dependency":       func(b *debug.BuildInfo) { b.Deps[1].Version = "v0.32.0" },
		"checksum":         func(b *debug.BuildInfo) { b.Deps[0].Sum = "h1:c" },
		"replacement":      func(b *debug.BuildInfo) { b.Deps[0].Replace = &debug.Module{Path: "../fork"} },
		"revision":         func(b *debug.BuildInfo) { b.Settings[0].Value = "abd" },
		"tags":             func(b *debug.BuildInfo) { b.Settings[1].Value = "" },
		"field boundaries": func(b *debug.BuildInfo) { b.Settings[0] = debug.BuildSetting{Key: "vcs.revisio", Value: "nabc"} },
		"module boundaries": func(b *debug.BuildInfo) {
			b.Deps = append(b.Deps[:1], &debug.Module{Path: ""}, b.Deps[1])
		},
	} {
		b := base()
		change(b)
		if sum(b) == want {
			t.Errorf("a change of %s leaves the build ID as it was", name)
		}
	}
}
