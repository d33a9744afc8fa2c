package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/httpapi"
)

func TestHealthAndOpenAPI(t *testing.T) {
	e := newEnv(t)
	e.must(req{method: "GET", path: "/healthz"}, 200)
	r := e.must(req{method: "GET", path: "/api/v1/openapi.json"}, 200)
	if !strings.Contains(string(r.Body), `"openapi": "3.1.0"`) {
		t.Fatalf("not the OpenAPI document: %.80s", r.Body)
	}
	e.must(req{method: "GET", path: "/api/v1/nothing-here"}, 404).problem(t)
}

func TestWalkthrough(t *testing.T) {
	e := newEnv(t)
	// An owner issues a publisher key for the site…
	var issued httpapi.IssuedKey
	e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/keys", role: centre.RoleOwner,
		body: map[string]any{"role": "publisher", "name": "press office"}}, 201).json(t, &issued)
	if !strings.HasPrefix(issued.Secret, centre.KeyPrefix) || issued.Key.Role != "publisher" {
		t.Fatalf("issued %+v", issued)
	}
	e.keys["press"] = issued.Secret
	// …who posts a statement (a draft, invisible to the public)…
	var created centre.Entry
	e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/entries", role: "press", body: map[string]any{
		"type": "statement", "title": "Keep cancer care going", "body": "Cancer does not stop.",
		"tags": []string{"cancer-care"}, "organisations": []string{"Société Française"}}}, 201).json(t, &created)
	if created.Status != centre.StatusDraft || created.Slug != "keep-cancer-care-going" || created.Lang != "en" ||
		created.BodyHTML != "<p>Cancer does not stop.</p>\n" {
		t.Fatalf("created %+v", created)
	}
	e.must(req{method: "GET", path: "/api/v1/sites/demo/entries/keep-cancer-care-going"}, 404).problem(t)
	// …publishes it…
	var pub centre.Entry
	e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/entries/" + created.ID + "/publish", role: "press"}, 200).json(t, &pub)
	if pub.Status != centre.StatusPublished || pub.PublishedAt.IsZero() {
		t.Fatalf("published %+v", pub)
	}
	// …and everyone sees it.
	var list httpapi.EntryList
	e.must(req{method: "GET", path: "/api/v1/sites/demo/entries"}, 200).json(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != created.ID || list.Items[0].Body != "" || list.Items[0].CreatedBy != "" {
		t.Fatalf("public list %+v", list.Items)
	}
	var got centre.Entry
	r := e.must(req{method: "GET", path: "/api/v1/sites/demo/entries/keep-cancer-care-going"}, 200)
	r.json(t, &got)
	if got.Title != "Keep cancer care going" || got.BodyHTML == "" || got.CreatedBy != "" {
		t.Fatalf("public entry %+v", got)
	}
	for _, f := range []string{"organisation=societe-francaise", "organisation=Soci%C3%A9t%C3%A9+Fran%C3%A7aise", "tag=cancer-care", "type=statement", "lang=en"} {
		e.must(req{method: "GET", path: "/api/v1/sites/demo/entries?" + f}, 200).json(t, &list)
		if len(list.Items) != 1 {
			t.Errorf("filter %s: %d items", f, len(list.Items))
		}
	}
	for _, f := range []string{"tag=other", "type=news", "lang=fr", "organisation=nobody"} {
		e.must(req{method: "GET", path: "/api/v1/sites/demo/entries?" + f}, 200).json(t, &list)
		if len(list.Items) != 0 {
			t.Errorf("filter %s: %d items, want 0", f, len(list.Items))
		}
	}
	var site httpapi.PublicSite
	e.must(req{method: "GET", path: "/api/v1/sites/demo"}, 200).json(t, &site)
	if site.Slug != "demo" || site.Publisher != "Test Association" {
		t.Fatalf("site %+v", site)
	}
	e.must(req{method: "GET", path: "/api/v1/sites/nope"}, 404).problem(t)
	e.must(req{method: "GET", path: "/api/v1/sites/nope/entries"}, 404).problem(t)
}

func TestPublicCaching(t *testing.T) {
	e := newEnv(t)
	e.published("cached", nil)
	for _, path := range []string{"/api/v1/sites/demo", "/api/v1/sites/demo/entries", "/api/v1/sites/demo/entries/cached", "/api/v1/openapi.json"} {
		r := e.must(req{method: "GET", path: path}, 200)
		etag := r.Header.Get("ETag")
		cc := r.Header.Get("Cache-Control")
		if !strings.HasPrefix(etag, `"`) || strings.HasPrefix(etag, "W/") {
			t.Errorf("%s: ETag %q is not strong", path, etag)
		}
		for _, want := range []string{"public", "max-age=", "s-maxage=", "stale-while-revalidate=", "stale-if-error="} {
			if !strings.Contains(cc, want) {
				t.Errorf("%s: Cache-Control %q lacks %s", path, cc, want)
			}
		}
		// A list of tags, as a browser or CDN sends it, and a weak form.
		for _, inm := range []string{etag, `"nope", ` + etag, "W/" + etag} {
			nm := e.must(req{method: "GET", path: path, header: map[string]string{"If-None-Match": inm}}, 304)
			if len(nm.Body) != 0 || nm.Header.Get("ETag") != etag {
				t.Errorf("%s: 304 with body %q / etag %q", path, nm.Body, nm.Header.Get("ETag"))
			}
		}
		e.must(req{method: "GET", path: path, header: map[string]string{"If-None-Match": `"other"`}}, 200)
	}
	// Staff responses are never cacheable.
	r := e.must(req{method: "GET", path: "/api/v1/admin/sites/demo", role: centre.RoleViewer}, 200)
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("staff Cache-Control %q", r.Header.Get("Cache-Control"))
	}
	r = e.must(req{method: "GET", path: "/api/v1/admin/sites/demo"}, 401)
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("401 Cache-Control %q", r.Header.Get("Cache-Control"))
	}
}

func TestPagination(t *testing.T) {
	e := newEnv(t)
	const n = 23
	want := map[string]bool{}
	for i := 0; i < n; i++ {
		en := e.published(fmt.Sprintf("entry-%02d", i), nil)
		want[en.ID] = true
	}
	seen := map[string]bool{}
	cur, pages := "", 0
	var last time.Time
	for {
		var page httpapi.EntryList
		path := "/api/v1/sites/demo/entries?limit=5"
		if cur != "" {
			path += "&cursor=" + url.QueryEscape(cur)
		}
		e.must(req{method: "GET", path: path}, 200).json(t, &page)
		pages++
		for _, it := range page.Items {
			if seen[it.ID] {
				t.Fatalf("entry %s repeated", it.ID)
			}
			if !last.IsZero() && it.PublishedAt.After(last) {
				t.Fatalf("not newest first: %v after %v", it.PublishedAt, last)
			}
			last = it.PublishedAt
			seen[it.ID] = true
		}
		if page.NextCursor == "" {
			break
		}
		if strings.Contains(page.NextCursor, "SITE") || strings.Contains(page.NextCursor, "demo") {
			t.Fatalf("cursor is not opaque: %s", page.NextCursor)
		}
		cur = page.NextCursor
		if pages > 10 {
			t.Fatal("too many pages")
		}
	}
	if len(seen) != n {
		t.Fatalf("saw %d entries, want %d", len(seen), n)
	}
	// A cursor is bound to its site and filters; tampering is refused.
	var first httpapi.EntryList
	e.must(req{method: "GET", path: "/api/v1/sites/demo/entries?limit=5"}, 200).json(t, &first)
	for name, path := range map[string]string{
		"other site":    "/api/v1/sites/other/entries?limit=5&cursor=" + url.QueryEscape(first.NextCursor),
		"other filter":  "/api/v1/sites/demo/entries?limit=5&type=news&cursor=" + url.QueryEscape(first.NextCursor),
		"staff listing": "/api/v1/admin/sites/demo/entries?limit=5&cursor=" + url.QueryEscape(first.NextCursor),
		"tampered":      "/api/v1/sites/demo/entries?limit=5&cursor=" + url.QueryEscape("x"+first.NextCursor),
		"garbage":       "/api/v1/sites/demo/entries?cursor=not-a-cursor",
	} {
		role := ""
		if strings.Contains(path, "admin") {
			role = centre.RoleViewer
		}
		p := e.must(req{method: "GET", path: path, role: role}, 400).problem(t)
		if len(p.Errors) != 1 || p.Errors[0].Field != "cursor" {
			t.Errorf("%s: problem %+v", name, p)
		}
	}
	for _, q := range []string{"limit=0", "limit=101", "limit=x", "type=blog", "lang=!!", "tag=Not+A+Tag", "status=draft"} {
		p := e.must(req{method: "GET", path: "/api/v1/sites/demo/entries?" + q}, 400).problem(t)
		if len(p.Errors) == 0 || !strings.HasPrefix(q, p.Errors[0].Field) {
			t.Errorf("%s: problem %+v", q, p)
		}
	}
	// Several bad parameters are all named.
	p := e.must(req{method: "GET", path: "/api/v1/sites/demo/entries?limit=0&type=blog"}, 400).problem(t)
	if len(p.Errors) != 2 {
		t.Errorf("want both fields named: %+v", p.Errors)
	}
}

func TestLanguages(t *testing.T) {
	e := newEnv(t)
	en := e.published("plan", map[string]any{"title": "Recovery plan", "lang": "en"})
	fr := e.published("plan", map[string]any{"title": "Plan de relance", "lang": "fr"})
	var got centre.Entry
	e.must(req{method: "GET", path: "/api/v1/sites/demo/entries/plan?lang=fr"}, 200).json(t, &got)
	if got.ID != fr.ID {
		t.Fatalf("lang=fr gave %s", got.Lang)
	}
	r := e.must(req{method: "GET", path: "/api/v1/sites/demo/entries/plan", header: map[string]string{"Accept-Language": "de-DE, fr;q=0.8, en;q=0.5"}}, 200)
	r.json(t, &got)
	if got.ID != fr.ID || r.Header.Get("Content-Language") != "fr" || !strings.Contains(strings.Join(r.Header.Values("Vary"), ","), "Accept-Language") {
		t.Fatalf("Accept-Language gave %s, headers %v", got.Lang, r.Header)
	}
	e.must(req{method: "GET", path: "/api/v1/sites/demo/entries/plan"}, 200).json(t, &got)
	if got.ID != en.ID {
		t.Fatalf("default gave %s, want the first published (en)", got.Lang)
	}
	e.must(req{method: "GET", path: "/api/v1/sites/demo/entries/plan?lang=de"}, 404).problem(t)
	p := e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/entries", role: centre.RoleEditor,
		body: map[string]any{"type": "news", "title": "Neu", "lang": "de"}}, 400).problem(t)
	if p.Errors[0].Field != "lang" || !strings.Contains(p.Errors[0].Reason, "en, fr") {
		t.Fatalf("problem %+v", p)
	}
	// The same slug and language twice is a conflict.
	p = e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/entries", role: centre.RoleEditor,
		body: map[string]any{"type": "news", "title": "Again", "slug": "plan", "lang": "fr"}}, 409).problem(t)
	if p.Errors[0].Field != "slug" {
		t.Fatalf("problem %+v", p)
	}
}

// TestStaffListBySlug: ?slug= answers every language version of one entry
// in any status (a draft included), filtered by the other parameters, in
// one page; an unknown slug is an empty list, a bad one a 400.
func TestStaffListBySlug(t *testing.T) {
	e := newEnv(t)
	en := e.published("plan", map[string]any{"title": "Recovery plan", "lang": "en"})
	fr := e.draft("plan", map[string]any{"title": "Plan de relance", "lang": "fr"})
	e.draft("other-plan", nil)
	var list httpapi.EntryList
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/entries?slug=plan", role: centre.RoleViewer}, 200).json(t, &list)
	if len(list.Items) != 2 || list.Items[0].ID != en.ID || list.Items[1].ID != fr.ID || list.NextCursor != "" {
		t.Fatalf("by slug: %+v", list)
	}
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/entries?slug=plan&lang=fr", role: centre.RoleViewer}, 200).json(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != fr.ID {
		t.Fatalf("by slug and lang: %+v", list)
	}
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/entries?slug=plan&status=draft", role: centre.RoleViewer}, 200).json(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != fr.ID {
		t.Fatalf("by slug and status: %+v", list)
	}
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/entries?slug=nothing-here", role: centre.RoleViewer}, 200).json(t, &list)
	if len(list.Items) != 0 {
		t.Fatalf("unknown slug: %+v", list)
	}
	if p := e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/entries?slug=Not%20A%20Slug", role: centre.RoleViewer}, 400).problem(t); p.Errors[0].Field != "slug" {
		t.Fatalf("bad slug: %+v", p)
	}
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/entries?slug=plan", role: "other-admin"}, 403)
}

func TestWithdrawnStaysReadable(t *testing.T) {
	e := newEnv(t)
	e.published("new-guidance", nil)
	old := e.published("old-guidance", nil)
	var w centre.Entry
	e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/entries/" + old.ID + "/withdraw", role: centre.RolePublisher,
		body: map[string]any{"reason": "Superseded by the new guidance.", "superseded_by": "new-guidance"}}, 200).json(t, &w)
	var got centre.Entry
	e.must(req{method: "GET", path: "/api/v1/sites/demo/entries/old-guidance"}, 200).json(t, &got)
	if got.Status != centre.StatusWithdrawn || got.WithdrawnReason != "Superseded by the new guidance." || got.SupersededBy != "new-guidance" {
		t.Fatalf("withdrawn entry %+v", got)
	}
	p := e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/entries/" + old.ID + "/withdraw", role: centre.RolePublisher,
		body: map[string]any{"reason": "again"}}, 409).problem(t)
	if !strings.Contains(p.Detail, "only published") {
		t.Fatalf("problem %+v", p)
	}
	d := e.published("third", nil)
	p = e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/entries/" + d.ID + "/withdraw", role: centre.RolePublisher,
		body: map[string]any{"reason": " "}}, 400).problem(t)
	if p.Errors[0].Field != "reason" {
		t.Fatalf("problem %+v", p)
	}
	e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/entries/" + d.ID + "/withdraw", role: centre.RolePublisher,
		body: map[string]any{"reason": "x", "superseded_by": "does-not-exist"}}, 400).problem(t)
	// Nothing was written by the failed attempts.
	var still centre.Entry
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/entries/" + d.ID, role: centre.RoleViewer}, 200).json(t, &still)
	if still.Status != centre.StatusPublished || still.Version != d.Version {
		t.Fatalf("failed withdraw changed the entry: %+v", still)
	}
}

func TestAuthentication(t *testing.T) {
	e := newEnv(t)
	path := "/api/v1/admin/sites/demo"
	for name, auth := range map[string]string{
		"missing":    "",
		"not bearer": "Basic dXNlcjpwYXNz",
		"malformed":  "Bearer nonsense",
		"unknown":    "Bearer " + centre.KeyPrefix + strings.Repeat("A", 43),
	} {
		r := e.must(req{method: "GET", path: path, header: map[string]string{"Authorization": auth}}, 401)
		r.problem(t)
		if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: no WWW-Authenticate", name)
		}
	}
	// A revoked key is refused at once.
	e.must(req{method: "GET", path: path, role: centre.RoleEditor}, 200)
	e.must(req{method: "DELETE", path: "/api/v1/admin/sites/demo/keys/" + e.keyIDs[centre.RoleEditor], role: centre.RoleAdmin}, 200)
	// Clients get one message whatever the reason (issue 12.9); the audit
	// log keeps the reason (TestFailedAuthenticationIsAudited).
	p := e.must(req{method: "GET", path: path, role: centre.RoleEditor}, 401).problem(t)
	if p.Detail != centre.UnauthorizedMessage {
		t.Errorf("problem %+v", p)
	}
	// An expired key is refused.
	now := time.Now()
	e.svc.Now = func() time.Time { return now }
	var k httpapi.IssuedKey
	e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/keys", role: centre.RoleAdmin,
		body: map[string]any{"role": "viewer", "expires_at": now.Add(time.Hour)}}, 201).json(t, &k)
	e.keys["short"] = k.Secret
	e.must(req{method: "GET", path: path, role: "short"}, 200)
	e.svc.Now = func() time.Time { return now.Add(2 * time.Hour) }
	p = e.must(req{method: "GET", path: path, role: "short"}, 401).problem(t)
	if p.Detail != centre.UnauthorizedMessage {
		t.Errorf("problem %+v", p)
	}
	// Keys are listed without their secrets or hashes.
	r := e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/keys", role: centre.RoleAdmin}, 200)
	if strings.Contains(string(r.Body), centre.KeyPrefix) || strings.Contains(string(r.Body), "hash") {
		t.Fatalf("key list leaks secrets: %s", r.Body)
	}
	var who centre.Principal
	e.must(req{method: "GET", path: "/api/v1/admin/whoami", role: centre.RoleAdmin}, 200).json(t, &who)
	if who.Role != centre.RoleAdmin || who.Site != "demo" {
		t.Fatalf("whoami %+v", who)
	}
}

// TestRoles checks every staff route with every role: below the route's
// role (or for another site) it is 403 and nothing changes; at or above,
// it succeeds.
func TestRoles(t *testing.T) {
	type route struct {
		name   string
		need   string // least role
		status int    // success status
		build  func(e *env) req
	}
	entryReq := func(method, suffix string, body any, draft bool) func(e *env) req {
		return func(e *env) req {
			var en centre.Entry
			if draft {
				en = e.draft(fmt.Sprintf("d-%d", time.Now().UnixNano()), nil)
			} else {
				en = e.published(fmt.Sprintf("p-%d", time.Now().UnixNano()), nil)
			}
			return req{method: method, path: "/api/v1/admin/sites/demo/entries/" + en.ID + suffix, body: body,
				header: map[string]string{"If-Match": tag(en.Version)}}
		}
	}
	routes := []route{
		{"list sites", centre.RoleViewer, 200, func(e *env) req { return req{method: "GET", path: "/api/v1/admin/sites"} }},
		{"get site", centre.RoleViewer, 200, func(e *env) req { return req{method: "GET", path: "/api/v1/admin/sites/demo"} }},
		{"patch site", centre.RoleAdmin, 200, func(e *env) req {
			s, _ := e.store.GetSite(context.Background(), "demo")
			return req{method: "PATCH", path: "/api/v1/admin/sites/demo", body: map[string]any{"tagline": "New"},
				header: map[string]string{"If-Match": tag(s.Version)}}
		}},
		{"create site", centre.RoleOwner, 201, func(e *env) req {
			return req{method: "POST", path: "/api/v1/admin/sites", body: map[string]any{"slug": fmt.Sprintf("s%d", time.Now().UnixNano()),
				"title": "New", "publisher": "P", "contact": map[string]any{"email": "a@example.org"}}}
		}},
		{"list entries", centre.RoleViewer, 200, func(e *env) req { return req{method: "GET", path: "/api/v1/admin/sites/demo/entries?status=draft"} }},
		{"create entry", centre.RoleEditor, 201, func(e *env) req {
			return req{method: "POST", path: "/api/v1/admin/sites/demo/entries", body: map[string]any{"type": "news", "title": fmt.Sprint("N ", time.Now().UnixNano())}}
		}},
		{"create published entry", centre.RolePublisher, 201, func(e *env) req {
			return req{method: "POST", path: "/api/v1/admin/sites/demo/entries", body: map[string]any{"type": "news", "status": "published", "title": fmt.Sprint("P ", time.Now().UnixNano())}}
		}},
		{"get entry", centre.RoleViewer, 200, entryReq("GET", "", nil, true)},
		{"patch draft", centre.RoleEditor, 200, entryReq("PATCH", "", map[string]any{"title": "Edited"}, true)},
		{"patch published", centre.RolePublisher, 200, entryReq("PATCH", "", map[string]any{"title": "Edited", "change_note": "Clarified."}, false)},
		{"delete draft", centre.RoleEditor, 204, entryReq("DELETE", "", nil, true)},
		{"publish", centre.RolePublisher, 200, entryReq("POST", "/publish", nil, true)},
		{"withdraw", centre.RolePublisher, 200, entryReq("POST", "/withdraw", map[string]any{"reason": "Out of date."}, false)},
		{"unschedule", centre.RolePublisher, 200, func(e *env) req {
			en := e.draft(fmt.Sprintf("s-%d", time.Now().UnixNano()), map[string]any{"publish_at": time.Now().Add(time.Hour)})
			e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/entries/" + en.ID + "/publish", role: centre.RolePublisher}, 200)
			return req{method: "POST", path: "/api/v1/admin/sites/demo/entries/" + en.ID + "/unschedule"}
		}},
		{"list keys", centre.RoleAdmin, 200, func(e *env) req { return req{method: "GET", path: "/api/v1/admin/sites/demo/keys"} }},
		{"create key", centre.RoleAdmin, 201, func(e *env) req {
			return req{method: "POST", path: "/api/v1/admin/sites/demo/keys", body: map[string]any{"role": "viewer"}}
		}},
		{"revoke key", centre.RoleAdmin, 200, func(e *env) req {
			k, _, err := e.svc.CreateKey(context.Background(), centre.Principal{Role: centre.RoleOwner, Site: centre.AllSites}, "demo", centre.KeyInput{Role: "viewer"})
			if err != nil {
				t.Fatal(err)
			}
			return req{method: "DELETE", path: "/api/v1/admin/sites/demo/keys/" + k.ID}
		}},
		{"list owner keys", centre.RoleOwner, 200, func(e *env) req { return req{method: "GET", path: "/api/v1/admin/keys"} }},
		{"create owner key", centre.RoleOwner, 201, func(e *env) req {
			return req{method: "POST", path: "/api/v1/admin/keys", body: map[string]any{"name": "second owner"}}
		}},
		{"revoke owner key", centre.RoleOwner, 200, func(e *env) req {
			k, _, err := e.svc.Bootstrap(context.Background(), "spare")
			if err != nil {
				t.Fatal(err)
			}
			return req{method: "DELETE", path: "/api/v1/admin/keys/" + k.ID}
		}},
	}
	e := newEnv(t)
	callers := append(append([]string{}, centre.Roles...), "other-admin")
	for _, rt := range routes {
		for _, role := range callers {
			t.Run(rt.name+"/"+role, func(t *testing.T) {
				e.t = t
				r := rt.build(e)
				r.role = role
				allowed := role != "other-admin" && centre.RoleRank(role) >= centre.RoleRank(rt.need)
				if rt.name == "list sites" && role == "other-admin" {
					allowed = true // lists only its own site
				}
				if allowed {
					e.must(r, rt.status)
				} else {
					e.must(r, 403).problem(t)
				}
			})
		}
	}
	e.t = t
	// The other site's admin saw only its own site.
	var sites httpapi.SiteList
	e.must(req{method: "GET", path: "/api/v1/admin/sites", role: "other-admin"}, 200).json(t, &sites)
	if len(sites.Items) != 1 || sites.Items[0].Slug != "other" {
		t.Fatalf("other admin sees %d sites", len(sites.Items))
	}
	// An admin cannot mint an owner key.
	e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/keys", role: centre.RoleAdmin, body: map[string]any{"role": "owner"}}, 403)
}

func TestRequestErrors(t *testing.T) {
	e := newEnv(t)
	post := "/api/v1/admin/sites/demo/entries"
	cases := []struct {
		name   string
		r      req
		status int
		field  string
	}{
		// Malformed JSON is said to be so (the detail, with the byte offset), not an invalid field.
		{"invalid JSON", req{method: "POST", path: post, body: `{"type": "news",`}, 400, ""},
		{"not an object", req{method: "POST", path: post, body: `[1,2]`}, 400, "body"},
		{"trailing data", req{method: "POST", path: post, body: `{"type":"news","title":"a"} {}`}, 400, ""},
		{"empty body", req{method: "POST", path: post, body: ``}, 400, ""},
		{"unknown field", req{method: "POST", path: post, body: `{"type":"news","title":"a","colour":"red"}`}, 400, "colour"},
		{"wrong type", req{method: "POST", path: post, body: `{"type":"news","title":7}`}, 400, "title"},
		{"bad time", req{method: "POST", path: post, body: `{"type":"news","title":"a","publish_at":"tomorrow"}`}, 400, "publish_at"},
		{"wrong content type", req{method: "POST", path: post, body: `{"type":"news","title":"a"}`, header: map[string]string{"Content-Type": "text/plain"}}, 415, ""},
		{"no content type", req{method: "POST", path: post, body: `{"type":"news","title":"a"}`, header: map[string]string{"Content-Type": ""}}, 415, ""},
		{"too large", req{method: "POST", path: post, body: `{"type":"news","title":"a","body":"` + strings.Repeat("x", 70<<10) + `"}`}, 413, ""},
		{"unknown site", req{method: "POST", path: "/api/v1/admin/sites/nope/entries", body: `{"type":"news","title":"a"}`}, 404, ""},
		{"unknown entry", req{method: "GET", path: post + "/01h0000000000000000000000"}, 404, ""},
		{"unknown route", req{method: "GET", path: "/api/v1/admin/nothing"}, 404, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			c.r.role = centre.RoleOwner
			p := e.must(c.r, c.status).problem(t)
			if c.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != c.field) {
				t.Fatalf("problem %+v, want field %s", p, c.field)
			}
			if c.field == "" && c.status == 400 && (len(p.Errors) != 0 || !strings.HasPrefix(p.Detail, "the request body is")) {
				t.Fatalf("problem %+v, want a detail about the request body and no field", p)
			}
		})
	}
	e.t = t
	// Every bad field is named at once.
	p := e.must(req{method: "POST", path: post, role: centre.RoleEditor, body: map[string]any{
		"type": "blog", "title": "", "slug": "Bad Slug", "tags": []string{"OK NO"},
		"attachments": []map[string]any{{"title": "f", "url": "ftp://x", "media_type": "pdf", "size": -1}}}}, 400).problem(t)
	named := map[string]bool{}
	for _, f := range p.Errors {
		named[f.Field] = true
	}
	for _, f := range []string{"type", "title", "slug", "tags", "attachments[0].url", "attachments[0].media_type", "attachments[0].size"} {
		if !named[f] {
			t.Errorf("field %s not named in %+v", f, p.Errors)
		}
	}
	// Nothing was written by any failed request.
	var list httpapi.EntryList
	e.must(req{method: "GET", path: post, role: centre.RoleViewer}, 200).json(t, &list)
	if len(list.Items) != 0 {
		t.Fatalf("failed requests left %d entries", len(list.Items))
	}
}

func TestOptimisticLocking(t *testing.T) {
	e := newEnv(t)
	d := e.draft("locked", nil)
	path := "/api/v1/admin/sites/demo/entries/" + d.ID
	e.must(req{method: "PATCH", path: path, role: centre.RoleEditor, body: map[string]any{"title": "x"}}, 428).problem(t)
	e.must(req{method: "PATCH", path: path, role: centre.RoleEditor, body: map[string]any{"title": "x"}, header: map[string]string{"If-Match": "v1"}}, 400).problem(t)
	r := e.must(req{method: "PATCH", path: path, role: centre.RoleEditor, body: map[string]any{"title": "First"}, header: map[string]string{"If-Match": tag(d.Version)}}, 200)
	if r.Header.Get("ETag") != tag(d.Version+1) {
		t.Fatalf("ETag %q after update", r.Header.Get("ETag"))
	}
	p := e.must(req{method: "PATCH", path: path, role: centre.RoleEditor, body: map[string]any{"title": "Stale"}, header: map[string]string{"If-Match": tag(d.Version)}}, 412).problem(t)
	if !strings.Contains(p.Detail, "changed") {
		t.Fatalf("problem %+v", p)
	}
	var got centre.Entry
	e.must(req{method: "GET", path: path, role: centre.RoleViewer}, 200).json(t, &got)
	if got.Title != "First" {
		t.Fatalf("stale write landed: %q", got.Title)
	}
	// Many concurrent editors: each version is won exactly once.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			hr := req{method: "PATCH", path: path, role: centre.RoleEditor, body: map[string]any{"summary": fmt.Sprint("s", i)}, header: map[string]string{"If-Match": tag(got.Version)}}
			if r := e.do(hr); r.Status == 200 {
				mu.Lock()
				wins++
				mu.Unlock()
			} else if r.Status != 412 {
				t.Errorf("concurrent PATCH: %d %s", r.Status, r.Body)
			}
		}(i)
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d concurrent writers won the same version", wins)
	}
	// Site settings are locked the same way.
	s, _ := e.store.GetSite(context.Background(), "demo")
	e.must(req{method: "PATCH", path: "/api/v1/admin/sites/demo", role: centre.RoleAdmin, body: map[string]any{"title": "T"}}, 428)
	e.must(req{method: "PATCH", path: "/api/v1/admin/sites/demo", role: centre.RoleAdmin, body: map[string]any{"title": "T"}, header: map[string]string{"If-Match": tag(s.Version + 5)}}, 412)
}

func TestEntryLifecycle(t *testing.T) {
	e := newEnv(t)
	d := e.draft("life", nil)
	path := "/api/v1/admin/sites/demo/entries/" + d.ID
	// A published entry cannot be deleted, only withdrawn.
	p := e.published("kept", nil)
	e.must(req{method: "DELETE", path: "/api/v1/admin/sites/demo/entries/" + p.ID, role: centre.RoleEditor}, 409).problem(t)
	// A major change to a published entry carries a public change note.
	var changed centre.Entry
	e.must(req{method: "PATCH", path: "/api/v1/admin/sites/demo/entries/" + p.ID, role: centre.RolePublisher,
		body:   map[string]any{"summary": "Corrected figure", "change_note": "Corrected the figure in paragraph 2."},
		header: map[string]string{"If-Match": tag(p.Version)}}, 200).json(t, &changed)
	if len(changed.ChangeNotes) != 1 || !changed.UpdatedAt.After(p.UpdatedAt) && !changed.UpdatedAt.Equal(p.UpdatedAt) {
		t.Fatalf("change notes %+v", changed.ChangeNotes)
	}
	var pub centre.Entry
	e.must(req{method: "GET", path: "/api/v1/sites/demo/entries/kept"}, 200).json(t, &pub)
	if len(pub.ChangeNotes) != 1 || pub.ChangeNotes[0].Note != "Corrected the figure in paragraph 2." {
		t.Fatalf("public change notes %+v", pub.ChangeNotes)
	}
	// A minor change keeps the updated date.
	e.must(req{method: "PATCH", path: "/api/v1/admin/sites/demo/entries/" + p.ID, role: centre.RolePublisher,
		body: map[string]any{"summary": "Typo fixed", "change": "minor"}, header: map[string]string{"If-Match": tag(changed.Version)}}, 200).json(t, &pub)
	if !pub.UpdatedAt.Equal(changed.UpdatedAt) || len(pub.ChangeNotes) != 1 {
		t.Fatalf("minor change moved updated_at or added a note: %+v", pub)
	}
	// The slug of a public entry is stable.
	e.must(req{method: "PATCH", path: "/api/v1/admin/sites/demo/entries/" + p.ID, role: centre.RolePublisher,
		body: map[string]any{"slug": "moved"}, header: map[string]string{"If-Match": tag(pub.Version)}}, 400)
	// Scheduling: publish with a future publish_at schedules.
	future := time.Now().Add(time.Hour).UTC()
	var sch centre.Entry
	e.must(req{method: "PATCH", path: path, role: centre.RoleEditor, body: map[string]any{"publish_at": future},
		header: map[string]string{"If-Match": tag(d.Version)}}, 200).json(t, &sch)
	e.must(req{method: "POST", path: path + "/publish", role: centre.RolePublisher}, 200).json(t, &sch)
	if sch.Status != centre.StatusScheduled {
		t.Fatalf("status %s, want scheduled", sch.Status)
	}
	e.must(req{method: "GET", path: "/api/v1/sites/demo/entries/life"}, 404)
	n, err := e.svc.PublishDue(context.Background())
	if err != nil || n != 0 {
		t.Fatalf("PublishDue before time: %d %v", n, err)
	}
	e.svc.Now = func() time.Time { return future.Add(time.Second) }
	n, err = e.svc.PublishDue(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("PublishDue after time: %d %v", n, err)
	}
	var rel centre.Entry
	e.must(req{method: "GET", path: "/api/v1/sites/demo/entries/life"}, 200).json(t, &rel)
	if !rel.PublishedAt.Equal(future.Truncate(time.Millisecond)) {
		t.Fatalf("published_at %v, want the embargo time %v", rel.PublishedAt, future)
	}
	// Publishing again needs a change note.
	e.must(req{method: "POST", path: path + "/publish", role: centre.RolePublisher}, 400)
	e.must(req{method: "POST", path: path + "/publish", role: centre.RolePublisher, body: map[string]any{"change_note": "Figures updated."}}, 200)
	// Deleting a never-published draft works and frees the slug.
	d2 := e.draft("temporary", nil)
	e.must(req{method: "DELETE", path: "/api/v1/admin/sites/demo/entries/" + d2.ID, role: centre.RoleEditor, header: map[string]string{"If-Match": tag(d2.Version)}}, 204)
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/entries/" + d2.ID, role: centre.RoleViewer}, 404)
	e.draft("temporary", nil)
}

func TestArchivedSiteIsReadOnly(t *testing.T) {
	e := newEnv(t)
	d := e.published("before", nil)
	s, _ := e.store.GetSite(context.Background(), "demo")
	var site centre.Site
	e.must(req{method: "PATCH", path: "/api/v1/admin/sites/demo", role: centre.RoleAdmin, body: map[string]any{"status": "archived"},
		header: map[string]string{"If-Match": tag(s.Version)}}, 200).json(t, &site)
	if site.Status != centre.SiteArchived || site.ArchivedAt.IsZero() {
		t.Fatalf("site %+v", site)
	}
	p := e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/entries", role: centre.RoleEditor, body: map[string]any{"type": "news", "title": "Late"}}, 409).problem(t)
	if !strings.Contains(p.Detail, "archived") {
		t.Fatalf("problem %+v", p)
	}
	e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/entries/" + d.ID + "/withdraw", role: centre.RolePublisher, body: map[string]any{"reason": "x"}}, 409)
	var pub httpapi.PublicSite
	e.must(req{method: "GET", path: "/api/v1/sites/demo"}, 200).json(t, &pub)
	if pub.Status != "archived" || pub.ArchivedAt == "" {
		t.Fatalf("public site %+v", pub)
	}
	e.must(req{method: "GET", path: "/api/v1/sites/demo/entries/before"}, 200)
	// Only an owner reopens it.
	e.must(req{method: "PATCH", path: "/api/v1/admin/sites/demo", role: centre.RoleAdmin, body: map[string]any{"status": "active"},
		header: map[string]string{"If-Match": tag(site.Version)}}, 403)
	e.must(req{method: "PATCH", path: "/api/v1/admin/sites/demo", role: centre.RoleOwner, body: map[string]any{"status": "active"},
		header: map[string]string{"If-Match": tag(site.Version)}}, 200)
}

func TestIdempotencyKey(t *testing.T) {
	e := newEnv(t)
	post := "/api/v1/admin/sites/demo/entries"
	body := map[string]any{"type": "news", "title": "Only once"}
	hdr := map[string]string{"Idempotency-Key": "create-1"}
	first := e.must(req{method: "POST", path: post, role: centre.RoleEditor, body: body, header: hdr}, 201)
	again := e.must(req{method: "POST", path: post, role: centre.RoleEditor, body: body, header: hdr}, 201)
	if string(first.Body) != string(again.Body) || again.Header.Get("Idempotent-Replayed") != "true" || again.Header.Get("Location") != first.Header.Get("Location") {
		t.Fatalf("replay differs:\n%s\n%s", first.Body, again.Body)
	}
	p := e.must(req{method: "POST", path: post, role: centre.RoleEditor, body: map[string]any{"type": "news", "title": "Other"}, header: hdr}, 422).problem(t)
	if !strings.Contains(p.Detail, "different request") {
		t.Fatalf("problem %+v", p)
	}
	// Keys are per caller: another key may use the same Idempotency-Key.
	e.must(req{method: "POST", path: post, role: centre.RolePublisher, body: map[string]any{"type": "news", "title": "Other"}, header: hdr}, 201)
	e.must(req{method: "POST", path: post, role: centre.RoleEditor, body: body, header: map[string]string{"Idempotency-Key": strings.Repeat("k", 300)}}, 400)
	// 20 concurrent identical requests create exactly one entry.
	var wg sync.WaitGroup
	statuses := make(chan int, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.do(req{method: "POST", path: post, role: centre.RoleEditor,
				body: map[string]any{"type": "news", "title": "Concurrent"}, header: map[string]string{"Idempotency-Key": "burst"}})
			statuses <- r.Status
		}()
	}
	wg.Wait()
	close(statuses)
	for s := range statuses {
		if s != 201 {
			t.Errorf("concurrent identical request answered %d", s)
		}
	}
	var list httpapi.EntryList
	e.must(req{method: "GET", path: post + "?limit=100", role: centre.RoleViewer}, 200).json(t, &list)
	count := 0
	for _, it := range list.Items {
		if it.Title == "Concurrent" {
			count++
		}
	}
	if count != 1 {
		t.Fatalf("%d entries created by 20 identical requests", count)
	}
}

func TestSiteAdministration(t *testing.T) {
	e := newEnv(t)
	var s centre.Site
	e.must(req{method: "POST", path: "/api/v1/admin/sites", role: centre.RoleOwner, body: map[string]any{
		"slug": "flood-2026", "title": "Flood information", "publisher": "Agency", "languages": []string{"en", "de"},
		"contact": map[string]any{"url": "https://example.org/contact"}}}, 201).json(t, &s)
	if s.Status != centre.SiteActive || s.Version != 1 || s.ReviewRequired {
		t.Fatalf("site %+v", s)
	}
	// A site can start with the two-person rule.
	var ruled centre.Site
	e.must(req{method: "POST", path: "/api/v1/admin/sites", role: centre.RoleOwner, body: map[string]any{
		"slug": "flood-ruled", "title": "Flood information", "publisher": "Agency", "review_required": true,
		"contact": map[string]any{"url": "https://example.org/contact"}}}, 201).json(t, &ruled)
	if stored, err := e.svc.Site(t.Context(), "flood-ruled"); err != nil || !ruled.ReviewRequired || !stored.ReviewRequired {
		t.Fatalf("a site created with review_required: %+v, stored %+v %v", ruled, stored, err)
	}
	p := e.must(req{method: "POST", path: "/api/v1/admin/sites", role: centre.RoleOwner, body: map[string]any{
		"slug": "flood-2026", "title": "Again", "publisher": "Agency", "contact": map[string]any{"email": "a@example.org"}}}, 409).problem(t)
	if !strings.Contains(p.Detail, "flood-2026") {
		t.Fatalf("problem %+v", p)
	}
	p = e.must(req{method: "POST", path: "/api/v1/admin/sites", role: centre.RoleOwner, body: map[string]any{
		"slug": "API", "title": "", "publisher": "", "languages": []string{"english"}, "contact": map[string]any{"email": "nope"},
		"theme": map[string]any{"accent": "red"}}}, 400).problem(t)
	named := map[string]bool{}
	for _, f := range p.Errors {
		named[f.Field] = true
	}
	for _, f := range []string{"slug", "title", "publisher", "languages", "contact.email", "theme.accent"} {
		if !named[f] {
			t.Errorf("field %s not named: %+v", f, p.Errors)
		}
	}
	e.must(req{method: "GET", path: "/api/v1/sites/flood-2026"}, 200)
}

func TestAdapterEdgeCasesInHandler(t *testing.T) {
	e := newEnv(t)
	// HEAD of a public resource answers headers only.
	r := e.must(req{method: "HEAD", path: "/api/v1/sites/demo"}, 200)
	if len(r.Body) != 0 || r.Header.Get("ETag") == "" {
		t.Fatalf("HEAD: %q %v", r.Body, r.Header)
	}
	// Every response carries a request id the server made, whatever the
	// client sent (issue 12.7: the client's is kept apart, see
	// TestAuditLog).
	r = e.must(req{method: "GET", path: "/healthz", header: map[string]string{"X-Request-Id": "abc-123"}}, 200)
	if id := r.Header.Get("X-Request-Id"); id == "abc-123" || len(id) != 24 {
		t.Fatalf("request id %q", id)
	}
	r = e.must(req{method: "GET", path: "/api/v1/sites/nope", header: map[string]string{"X-Request-Id": "abc-456"}}, 404)
	p := r.problem(t)
	if p.RequestID != r.Header.Get("X-Request-Id") || p.RequestID == "abc-456" || p.Instance != "/api/v1/sites/nope" {
		t.Fatalf("problem %+v", p)
	}
	_ = http.StatusOK
}

func TestLaunchSiteFromTemplate(t *testing.T) {
	e := newEnv(t)
	e.published("about", map[string]any{"type": "page", "title": "About us", "body": "Who we are."})
	e.published("a-statement", nil)
	e.draft("contact", map[string]any{"type": "page", "title": "Contact"})
	s, _ := e.store.GetSite(context.Background(), "demo")
	e.must(req{method: "PATCH", path: "/api/v1/admin/sites/demo", role: centre.RoleAdmin,
		body: map[string]any{"theme": map[string]any{"accent": "#0b5394"}}, header: map[string]string{"If-Match": tag(s.Version)}}, 200)

	// The publisher and contact are the creator's to give: never the template's.
	p := e.must(req{method: "POST", path: "/api/v1/admin/sites", role: centre.RoleOwner, body: map[string]any{
		"slug": "heatwave-2026", "title": "Heatwave information", "from": "demo"}}, 400).problem(t)
	if len(p.Errors) != 2 || p.Errors[0].Field != "contact" || p.Errors[1].Field != "publisher" {
		t.Fatalf("launch without publisher and contact: %+v", p)
	}
	var created httpapi.CreatedSite
	e.must(req{method: "POST", path: "/api/v1/admin/sites", role: centre.RoleOwner, body: map[string]any{
		"slug": "heatwave-2026", "title": "Heatwave information", "from": "demo",
		"publisher": "Heat Agency", "contact": map[string]any{"email": "heat@example.org"}}}, 201).json(t, &created)
	if created.Theme.Accent != "#0b5394" || strings.Join(created.Languages, ",") != "en,fr" || created.Publisher != "Heat Agency" {
		t.Fatalf("template settings not copied: %+v", created.Site)
	}
	if created.AdminKey.Key.Role != centre.RoleAdmin || created.AdminKey.Key.Site != "heatwave-2026" || !centre.LooksLikeKey(created.AdminKey.Secret) {
		t.Fatalf("admin key %+v", created.AdminKey)
	}
	// The copied pages are drafts to rewrite: nothing is public on the new site; statements were not copied.
	e.must(req{method: "GET", path: "/api/v1/sites/heatwave-2026/entries/about"}, 404)
	e.must(req{method: "GET", path: "/api/v1/sites/heatwave-2026/entries/a-statement"}, 404)
	e.keys["new-admin"] = created.AdminKey.Secret
	var all httpapi.EntryList
	e.must(req{method: "GET", path: "/api/v1/admin/sites/heatwave-2026/entries", role: "new-admin"}, 200).json(t, &all)
	if len(all.Items) != 2 || all.Items[0].Status != centre.StatusDraft || all.Items[1].Status != centre.StatusDraft {
		t.Fatalf("new site has %+v, want the 2 pages as drafts", all.Items)
	}
	// The new admin key is for the new site only.
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo", role: "new-admin"}, 403)
	p = e.must(req{method: "POST", path: "/api/v1/admin/sites", role: centre.RoleOwner, body: map[string]any{
		"slug": "x-2026", "title": "X", "from": "no-such-site"}}, 400).problem(t)
	if p.Errors[0].Field != "from" {
		t.Fatalf("problem %+v", p)
	}
	e.must(req{method: "GET", path: "/api/v1/sites/x-2026"}, 404)
}
