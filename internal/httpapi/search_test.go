package httpapi_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/httpapi"
)

func (e *env) search(params url.Values, status int) httpapi.SearchResults {
	e.t.Helper()
	got := e.must(req{method: "GET", path: "/api/v1/sites/demo/search?" + params.Encode()}, status)
	var out httpapi.SearchResults
	if status == 200 {
		got.json(e.t, &out)
	}
	return out
}

func hitSlugs(r httpapi.SearchResults) []string {
	out := make([]string, len(r.Items))
	for i, h := range r.Items {
		out[i] = h.Slug
	}
	return out
}

func TestSearch(t *testing.T) {
	e := newEnv(t)
	e.published("oxygen-supply", map[string]any{"title": "Oxygen supply in hospitals", "tags": []string{"oxygen"},
		"body": "Hospitals need `<script>alert(1)</script>` more **oxygen** concentrators."})
	e.published("oxygen-fr", map[string]any{"lang": "fr", "type": "news", "title": "Santé : l'oxygène manque",
		"body": "Les hôpitaux manquent d'oxygène.", "tags": []string{"oxygen", "france"}})
	old := e.published("oxygen-old", map[string]any{"title": "Old oxygen guidance", "body": "Outdated."})
	e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/entries/" + old.ID + "/withdraw", role: centre.RolePublisher,
		body: map[string]any{"reason": "Superseded."}}, 200)
	e.draft("oxygen-draft", map[string]any{"title": "Oxygen draft plans"})

	res := e.search(url.Values{"q": {"oxygen"}}, 200)
	if got := hitSlugs(res); len(got) != 3 || res.Total != 3 {
		t.Fatalf("oxygen: %v (total %d), want the three public entries", got, res.Total)
	}
	checkOxygenHits(t, res.Items)
	if res.Facets.Types["statement"] != 2 || res.Facets.Types["news"] != 1 || res.Facets.Tags["oxygen"] != 2 {
		t.Fatalf("facets %+v", res.Facets)
	}

	// A typo is corrected (suggestion), and words that do not all match
	// give partial hits; the responses follow the OpenAPI document.
	typo := e.search(url.Values{"q": {"oxygn concentrators"}}, 200)
	if typo.Suggestion != "oxygen concentrators" || len(typo.Items) != 1 || typo.Items[0].Slug != "oxygen-supply" || typo.Items[0].Partial {
		t.Fatalf("typo: %+v", typo)
	}
	part := e.search(url.Values{"q": {"oxygen shortage"}}, 200)
	if len(part.Items) == 0 || part.Suggestion != "" {
		t.Fatalf("partial: %+v", part)
	}
	for _, h := range part.Items {
		if !h.Partial {
			t.Errorf("oxygen shortage: %s not marked partial", h.Slug)
		}
	}
	if full := e.search(url.Values{"q": {"oxygen"}}, 200); full.Suggestion != "" || full.Items[0].Partial {
		t.Errorf("a full match is corrected or partial: %+v", full)
	}

	// Accents fold, the last word is a prefix, filters narrow.
	for _, c := range []struct {
		params url.Values
		want   []string
	}{
		{url.Values{"q": {"sante oxyg"}}, []string{"oxygen-fr"}},
		{url.Values{"q": {"oxygen"}, "type": {"news"}}, []string{"oxygen-fr"}},
		{url.Values{"q": {"oxygen"}, "lang": {"fr"}}, []string{"oxygen-fr"}},
		{url.Values{"q": {"oxygen"}, "tag": {"france"}}, []string{"oxygen-fr"}},
		{url.Values{"q": {"oxygen"}, "organisation": {"test association"}, "type": {"statement"}, "tag": {"oxygen"}}, []string{"oxygen-supply"}},
		{url.Values{"q": {`"oxygen concentrators"`}}, []string{"oxygen-supply"}},
		{url.Values{"q": {"oxygen"}, "to": {"2000-01-01"}}, []string{}},
		{url.Values{"q": {"oxygen"}, "from": {time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}}, []string{}},
		{url.Values{"type": {"news"}, "from": {"2000-01-01"}, "to": {time.Now().UTC().Format(time.DateOnly)}}, []string{"oxygen-fr"}},
	} {
		if got := hitSlugs(e.search(c.params, 200)); strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%v: got %v, want %v", c.params, got, c.want)
		}
	}

	// Paging with sealed cursors.
	checkSearchPaging(t, e)

	// Caching: a matching ETag answers 304.
	r := e.must(req{method: "GET", path: "/api/v1/sites/demo/search?q=oxygen"}, 200)
	if r.Header.Get("ETag") == "" || !strings.Contains(r.Header.Get("Cache-Control"), "public") {
		t.Fatalf("headers %v", r.Header)
	}
	e.must(req{method: "GET", path: "/api/v1/sites/demo/search?q=oxygen", header: map[string]string{"If-None-Match": r.Header.Get("ETag")}}, 304)

	// New content is found at once.
	e.published("ventilators", map[string]any{"title": "Ventilator production doubles"})
	if got := hitSlugs(e.search(url.Values{"q": {"ventilator"}}, 200)); strings.Join(got, ",") != "ventilators" {
		t.Fatalf("after publishing: %v", got)
	}
}

// checkOxygenHits checks the hits of the search for "oxygen": no draft,
// withdrawn entries marked, snippets escaped with the words marked.
func checkOxygenHits(t *testing.T, hits []httpapi.SearchHit) {
	t.Helper()
	for _, h := range hits {
		if h.Slug == "oxygen-draft" {
			t.Fatal("a draft was found")
		}
		if (h.Slug == "oxygen-old") != h.Withdrawn {
			t.Fatalf("%s withdrawn=%v", h.Slug, h.Withdrawn)
		}
		if h.Slug == "oxygen-supply" {
			if !strings.Contains(h.Snippet, "&lt;script&gt;") || strings.Contains(h.Snippet, "<script") ||
				!strings.Contains(h.Snippet, "<mark>oxygen</mark>") {
				t.Fatalf("snippet %q", h.Snippet)
			}
		}
	}
}

// checkSearchPaging pages through the search for "oxygen" with sealed
// cursors, which are good only for the query they came from.
func checkSearchPaging(t *testing.T, e *env) {
	t.Helper()
	page1 := e.search(url.Values{"q": {"oxygen"}, "limit": {"2"}}, 200)
	if len(page1.Items) != 2 || page1.NextCursor == "" || page1.Total != 3 {
		t.Fatalf("page 1: %v next %q", hitSlugs(page1), page1.NextCursor)
	}
	page2 := e.search(url.Values{"q": {"oxygen"}, "limit": {"2"}, "cursor": {page1.NextCursor}}, 200)
	if len(page2.Items) != 1 || page2.NextCursor != "" || page2.Items[0].Slug == page1.Items[0].Slug || page2.Items[0].Slug == page1.Items[1].Slug {
		t.Fatalf("page 2: %v next %q", hitSlugs(page2), page2.NextCursor)
	}
	// A cursor is only good for the query it came from.
	p := e.must(req{method: "GET", path: "/api/v1/sites/demo/search?q=oxygens&limit=2&cursor=" + url.QueryEscape(page1.NextCursor)}, 400).problem(t)
	if len(p.Errors) != 1 || p.Errors[0].Field != "cursor" {
		t.Fatalf("cursor of another query: %+v", p)
	}
}

func TestSearchRefusesBadInput(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		query, field string
	}{
		{"q=" + strings.Repeat("a", 501), "q"},
		{"q=" + strings.Repeat("a+", 33), "q"},
		{"q=" + strings.Repeat("a", 5000), "q"},
		{"type=memo", "type"},
		{"tag=Not+A+Tag", "tag"},
		{"lang=x", "lang"},
		{"limit=0", "limit"},
		{"limit=101", "limit"},
		{"from=yesterday", "from"},
		{"to=2020-13-01", "to"},
		{"from=2021-01-02&to=2021-01-01", "to"},
		{"status=draft", "status"},
		{"cursor=forged.token", "cursor"},
	} {
		p := e.must(req{method: "GET", path: "/api/v1/sites/demo/search?" + c.query}, 400).problem(t)
		if len(p.Errors) != 1 || p.Errors[0].Field != c.field {
			t.Errorf("%s: problem fields %+v, want %s", c.query, p.Errors, c.field)
		}
	}
	p := e.must(req{method: "GET", path: "/api/v1/sites/nowhere/search?q=x"}, 404).problem(t)
	if !strings.Contains(p.Detail, "nowhere") {
		t.Fatalf("unknown site: %+v", p)
	}
}
