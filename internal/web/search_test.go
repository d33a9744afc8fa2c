package web

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"infocentre/internal/centre"
	"infocentre/internal/web/fixture"
)

func TestSearchPage(t *testing.T) {
	e := newEnv(t)
	noindex := `<meta name="robots" content="noindex">`
	cases := []struct {
		path, host string
		status     int
		want, not  []string
	}{
		{path: base + "/search", status: 200,
			want: []string{`<form class="search" role="search" aria-label="Search this information centre" action="/sites/demo/search" method="get">`, `<label for="q">Search this information centre</label>`,
				`<input id="q" name="q" type="search" value=""`, `<label for="type">Type</label>`, `<option value="" selected>All types</option>`,
				`<button type="submit">Search</button>`, `<li aria-current="page">Search</li>`, "Search the statements, publications"},
			not: []string{noindex, `class="items"`, "result"}},
		{path: base + "/search?q=medicines", status: 200,
			want: []string{noindex, "<title>Search: medicines – Crisis Information Centre</title>", `value="medicines"`,
				`<a href="/sites/demo/en/medicine-supply/">Joint statement on the supply of medicines</a>`,
				`<a href="/sites/demo/fr/medicine-supply/" lang="fr" hreflang="fr">`, `<p lang="fr">Les membres`, "<mark>",
				`class="count">`, " results</p>", "Refine the results",
				`<a href="/sites/demo/search?q=medicines&amp;type=statement">Statements (`,
				`<a href="/sites/demo/search?q=medicines&amp;tag=medicines">medicines (`,
				`<a href="/sites/demo/search?q=medicines" aria-current="true">All</a>`}},
		{path: base + "/search?q=masks", status: 200,
			want: []string{`<span class="badge">Withdrawn</span>Statement`, "Early advice on masks"}},
		{path: base + "/search?q=zzqxv+unfindable", status: 200,
			want: []string{noindex, "0 results", "No results for “zzqxv unfindable”.", "Check the spelling"},
			not:  []string{`class="items"`, "Refine the results"}},
		{path: base + "/search?q=medicines&type=publication", status: 200,
			want: []string{"Report on hospital capacity", `<option value="publication" selected>Publications</option>`,
				`<a href="/sites/demo/search?q=medicines">Remove the filter Type: Publications</a>`,
				`aria-current="true">Publications (`},
			not: []string{"Joint statement on the supply"}},
		{path: base + "/search?tag=medicines&q=", status: 200,
			want: []string{"Joint statement on the supply of medicines", "Report on hospital capacity", `<input type="hidden" name="tag" value="medicines">`,
				"Remove the filter Topic: medicines"}},
		{path: base + "/search?q=m%C3%A9dicaments&lang=fr", status: 200,
			want: []string{`<html lang="fr">`, "Déclaration commune", `<input type="hidden" name="lang" value="fr">`, `<label for="q">Rechercher`,
				`href="/sites/demo/fr/medicine-supply/">`},
			not: []string{`href="/sites/demo/en/medicine-supply/"`}},
		{path: base + "/search?q=medicines&to=2026-03-11", status: 200,
			want: []string{"Report on hospital capacity", "Remove the filter until 11 March 2026"},
			not:  []string{"Joint statement on the supply"}},
		{path: base + "/search?q=medicines&from=2026-03-11", status: 200,
			want: []string{"Joint statement on the supply", "Remove the filter from 11 March 2026"},
			not:  []string{"Report on hospital capacity"}},
		{path: "/search?q=medicines", host: fixture.Host, status: 200,
			want: []string{`action="/search"`, `href="/en/medicine-supply/"`, `href="/search?q=medicines&amp;type=statement"`}},
		{path: base + "/search?q=x&from=yesterday", status: 400, want: []string{"This search could not be run", noindex}},
		{path: base + "/search?q=x&type=secret", status: 400, want: []string{"This search could not be run"}},
		{path: base + "/search?q=x&page=0", status: 400},
		{path: base + "/search?q=" + strings.Repeat("a", 501), status: 400},
		{path: base + "/search?q=medicines&page=9", status: 404},
		{path: base + "/search?lang=de", status: 404},
		{path: "/sites/nope/search?q=x", status: 404},
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
			for _, w := range c.not {
				if strings.Contains(r.body, w) {
					t.Errorf("body has %q", w)
				}
			}
			for _, hidden := range []string{fixture.DraftTitle, fixture.ScheduledTitle, fixture.OtherTitle} {
				if strings.Contains(r.body, hidden) {
					t.Errorf("non-public or foreign entry %q shown", hidden)
				}
			}
			if strings.Contains(r.body, noindex) != (r.Header.Get("X-Robots-Tag") == "noindex") {
				t.Errorf("robots meta and X-Robots-Tag %q disagree", r.Header.Get("X-Robots-Tag"))
			}
			checkHTML(t, r.body)
		})
	}
}

// TestSearchFindsNoHiddenEntry searches for the words of every entry that
// must not be shown: drafts, scheduled and removed entries, another site's.
func TestSearchFindsNoHiddenEntry(t *testing.T) {
	e := newEnv(t)
	for _, q := range []string{"secret draft", "embargoed figures", "entry of another site", "removed notice"} {
		r := e.get(base + "/search?q=" + url.QueryEscape(q))
		// Nothing matches every word: either no results, or entries that
		// hold some of the words (partial matches), never a hidden one.
		partial := strings.Contains(r.body, "No entry holds all of these words")
		if r.StatusCode != 200 || !strings.Contains(r.body, "No results") && !partial {
			t.Errorf("%q: %d, want no full match\n%s", q, r.StatusCode, r.body)
		}
		for _, hidden := range []string{fixture.DraftSlug, fixture.ScheduledSlug, fixture.GoneSlug, "/sites/" + fixture.OtherSite} {
			if strings.Contains(r.body, `href="`+base+`/en/`+hidden+`/"`) || strings.Contains(r.body, `href="`+hidden) {
				t.Errorf("%q links to the hidden %s", q, hidden)
			}
		}
	}
}

func TestSearchEscapesEntryText(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	at := fixture.Base.Add(40 * 24 * 3600e9)
	x := &centre.Entry{ID: centre.NewID(at), Site: fixture.Site, Slug: "escaping", Lang: "en",
		BodyHTML: "<p>Zebra body &lt;script&gt;alert(1)&lt;/script&gt; &amp; more</p>", Status: centre.StatusPublished,
		PublishedAt: at, UpdatedAt: at, CreatedAt: at,
		Content: centre.Content{
			Type:    centre.TypeNews,
			Title:   `Zebra <b>crossing</b>`,
			Summary: `Zebra summary <img src=x onerror=alert(2)>`,
			Body:    "Zebra body <script>alert(1)</script> & more",
		},
	}
	if err := e.store.CreateEntry(ctx, x); err != nil {
		t.Fatal(err)
	}
	r := e.get(base + "/search?q=zebra")
	if r.StatusCode != 200 {
		t.Fatalf("status %d", r.StatusCode)
	}
	for _, bad := range []string{"<script>alert", "<b>crossing", "<img"} {
		if strings.Contains(r.body, bad) {
			t.Errorf("page holds raw %q:\n%s", bad, r.body)
		}
	}
	if !strings.Contains(r.body, "Zebra &lt;b&gt;crossing&lt;/b&gt;") || !strings.Contains(r.body, "&lt;script&gt;") {
		t.Errorf("escaped text missing:\n%s", r.body)
	}
	if !strings.Contains(r.body, "<mark>Zebra</mark>") {
		t.Errorf("no highlighted match:\n%s", r.body)
	}
	checkHTML(t, r.body)
}

func TestSearchPagination(t *testing.T) {
	e := newEnv(t)
	seen := map[string]bool{}
	next := base + "/search?type=news"
	linkRE := regexp.MustCompile(`<h2><a href="(/sites/demo/en/update-\d+/)"`)
	nextRE := regexp.MustCompile(`<a href="([^"]+)" rel="next">`)
	prevRE := regexp.MustCompile(`<a href="([^"]+)" rel="prev">`)
	pages := 0
	for next != "" {
		r := e.get(next)
		if r.StatusCode != 200 {
			t.Fatalf("GET %s: %d", next, r.StatusCode)
		}
		pages++
		for _, m := range linkRE.FindAllStringSubmatch(r.body, -1) {
			if seen[m[1]] {
				t.Errorf("%s listed twice", m[1])
			}
			seen[m[1]] = true
		}
		if p := prevRE.FindStringSubmatch(r.body); (p != nil) != (pages > 1) {
			t.Errorf("page %d: previous link %v", pages, p)
		}
		next = ""
		if m := nextRE.FindStringSubmatch(r.body); m != nil {
			next = html.UnescapeString(m[1])
		}
	}
	if pages != 2 || len(seen) != fixture.NewsCount {
		t.Errorf("%d pages, %d news found, want 2 and %d", pages, len(seen), fixture.NewsCount)
	}
	if r := e.get(base + "/search?type=news&page=2"); !strings.Contains(r.body, strconv.Itoa(fixture.NewsCount)+" results") {
		t.Errorf("page 2 does not count every result")
	}
}

func TestSearchCaching(t *testing.T) {
	e := newEnv(t)
	p := base + "/search?q=medicines"
	first := e.get(p)
	etag := first.Header.Get("ETag")
	if !etagRE.MatchString(etag) || !strings.Contains(first.Header.Get("Cache-Control"), "public") {
		t.Fatalf("ETag %q, Cache-Control %q", etag, first.Header.Get("Cache-Control"))
	}
	if r := e.get(p); r.Header.Get("ETag") != etag {
		t.Error("ETag is not stable")
	}
	if r := e.get(p, "If-None-Match", etag); r.StatusCode != http.StatusNotModified || r.body != "" {
		t.Errorf("revalidation: %d", r.StatusCode)
	}
	if r := e.get(base + "/search?q=report"); r.Header.Get("ETag") == etag {
		t.Error("two searches share an ETag")
	}
	if r := e.get(p+"&utm_source=x", "Host", "centre.example.net"); r.StatusCode != http.StatusMovedPermanently || r.Header.Get("Location") != p {
		t.Errorf("unknown parameter: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if csp := first.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self'") || strings.Contains(csp, "script-src") {
		t.Errorf("CSP %q", csp)
	}
}

func TestOpenSearch(t *testing.T) {
	e := newEnv(t)
	// Pages outside any site have no search to offer.
	for _, p := range []string{"/sites/nope/", "/nope"} {
		if r := e.get(p); r.StatusCode != 404 || strings.Contains(r.body, "opensearch") || strings.Contains(r.body, "/search") {
			t.Errorf("%s: %d, links to a search", p, r.StatusCode)
		}
	}
	for _, h := range []struct{ host, prefix string }{{"centre.example.net", base}, {fixture.Host, ""}} {
		home := e.get(h.prefix+"/", "Host", h.host)
		link := `<link rel="search" type="application/opensearchdescription+xml" title="Crisis Information Centre" href="` + h.prefix + `/opensearch.xml">`
		if !strings.Contains(home.body, link) {
			t.Fatalf("%s: home lacks %s", h.host, link)
		}
		for _, p := range []string{"/en/" + fixture.StatementSlug + "/", "/news/", "/en/nope/"} {
			if r := e.get(h.prefix+p, "Host", h.host); !strings.Contains(r.body, link) || !strings.Contains(r.body, `action="`+h.prefix+`/search"`) {
				t.Errorf("%s%s lacks the OpenSearch or search link", h.host, p)
			}
		}
		r := e.get(h.prefix+"/opensearch.xml", "Host", h.host)
		if r.StatusCode != 200 || r.Header.Get("Content-Type") != "application/opensearchdescription+xml; charset=utf-8" ||
			!etagRE.MatchString(r.Header.Get("ETag")) {
			t.Fatalf("%s: %d %v", h.host, r.StatusCode, r.Header)
		}
		var d struct {
			XMLName   xml.Name `xml:"http://a9.com/-/spec/opensearch/1.1/ OpenSearchDescription"`
			ShortName string   `xml:"ShortName"`
			Desc      string   `xml:"Description"`
			URLs      []struct {
				Type     string `xml:"type,attr"`
				Rel      string `xml:"rel,attr"`
				Template string `xml:"template,attr"`
			} `xml:"Url"`
		}
		if err := xml.Unmarshal([]byte(r.body), &d); err != nil {
			t.Fatalf("%s: %v\n%s", h.host, err, r.body)
		}
		if d.ShortName != "Crisis Informati" || d.Desc != "Search Crisis Information Centre" {
			t.Errorf("%s: ShortName %q, Description %q", h.host, d.ShortName, d.Desc)
		}
		var tmpl string
		for _, u := range d.URLs {
			if u.Type == "text/html" {
				tmpl = u.Template
			}
		}
		want := "http://" + h.host + h.prefix + "/search?q={searchTerms}"
		if tmpl != want {
			t.Fatalf("%s: template %q, want %q", h.host, tmpl, want)
		}
		u, err := url.Parse(strings.Replace(tmpl, "{searchTerms}", url.QueryEscape("supply of medicines"), 1))
		if err != nil {
			t.Fatal(err)
		}
		s := e.get(u.RequestURI(), "Host", u.Host)
		if s.StatusCode != 200 || !strings.Contains(s.body, "Joint statement on the supply of medicines") {
			t.Errorf("%s: the template URL answers %d", h.host, s.StatusCode)
		}
	}
}

// TestNoSearchWithoutSearcher checks that a site without a Searcher, and a
// static copy even with one, neither link to nor serve search.
func TestNoSearchWithoutSearcher(t *testing.T) {
	for name, mod := range map[string]func(centre.Store, *Options, *centre.Service){
		"none": func(_ centre.Store, o *Options, _ *centre.Service) { o.Searcher = nil },
		"static": func(_ centre.Store, o *Options, _ *centre.Service) {
			o.Static = true
			o.SiteForHost = func(context.Context, string) (string, bool) { return fixture.Site, true }
		},
	} {
		e := newEnv(t, mod)
		prefix := base
		if name == "static" {
			prefix = ""
		}
		for _, p := range []string{"/", "/en/" + fixture.StatementSlug + "/", "/news/"} {
			r := e.get(prefix + p)
			if r.StatusCode != 200 {
				t.Errorf("%s %s: %d", name, p, r.StatusCode)
			}
			if strings.Contains(r.body, "opensearch") || strings.Contains(r.body, `/search"`) || strings.Contains(r.body, "role=\"search\"") {
				t.Errorf("%s %s links to search", name, p)
			}
		}
		for _, p := range []string{"/search", "/search?q=medicines", "/opensearch.xml"} {
			if r := e.get(prefix + p); r.StatusCode != 404 && r.StatusCode != 301 {
				t.Errorf("%s %s: %d, want 404", name, p, r.StatusCode)
			}
		}
	}
}

// TestForgivingSearchPage: a misspelt word finds the right one's entries
// with "Did you mean …?" linking the corrected query; words that do not
// all match show the entries that hold some of them, marked partial.
func TestForgivingSearchPage(t *testing.T) {
	e := newEnv(t)
	r := e.get(base + "/search?q=medicnes")
	if !strings.Contains(r.body, `<p class="suggest">Did you mean <a href="/sites/demo/search?q=medicines">medicines</a>?</p>`) ||
		!strings.Contains(r.body, `href="/sites/demo/en/`+fixture.StatementSlug+`/"`) {
		t.Errorf("misspelt query:\n%s", r.body)
	}
	checkHTML(t, r.body)
	r = e.get(base + "/search?q=" + url.QueryEscape("medicines zzqxv"))
	if !strings.Contains(r.body, "No entry holds all of these words") || !strings.Contains(r.body, `<span class="badge">Partial match</span>`) ||
		!strings.Contains(r.body, `href="/sites/demo/en/`+fixture.StatementSlug+`/"`) {
		t.Errorf("partial matches:\n%s", r.body)
	}
	if r := e.get(base + "/search?q=medicines"); strings.Contains(r.body, "Partial match") || strings.Contains(r.body, "Did you mean") {
		t.Error("a full match is marked partial or corrected")
	}
	fr := e.get(base + "/search?lang=fr&q=" + url.QueryEscape("médicamnts"))
	if !strings.Contains(fr.body, `<p class="suggest">Vouliez-vous dire <a href="/sites/demo/search?lang=fr&amp;q=medicaments">medicaments</a> ?</p>`) {
		t.Errorf("French suggestion:\n%s", fr.body)
	}
}
