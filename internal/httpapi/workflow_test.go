package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/httpapi"
)

// checkRevisionList checks the revisions of the entry of
// TestRevisionsDiffRestore before the restore: who made each, which action,
// and which fields each changed.
func checkRevisionList(t *testing.T, e *env, revs httpapi.RevisionList) {
	t.Helper()
	if len(revs.Items) != 4 {
		t.Fatalf("%d revisions, want 4: %+v", len(revs.Items), revs.Items)
	}
	wantActions := []string{"create", "update", "update", "publish"}
	for i, r := range revs.Items {
		if r.Version != int64(i+1) || r.Change.Action != wantActions[i] || r.Change.KeyID == "" {
			t.Errorf("revision %d: %+v", i+1, r)
		}
	}
	if strings.Join(revs.Items[1].Fields, ",") != "title" || strings.Join(revs.Items[2].Fields, ",") != "summary,tags" {
		t.Errorf("changed fields: %v / %v", revs.Items[1].Fields, revs.Items[2].Fields)
	}
	if revs.Items[1].Change.KeyID != e.keyIDs[centre.RoleEditor] || revs.Items[3].Change.KeyID != e.keyIDs[centre.RolePublisher] {
		t.Errorf("who: %+v", revs.Items)
	}
}

func TestRevisionsDiffRestore(t *testing.T) {
	e := newEnv(t)
	d := e.draft("revised", map[string]any{"title": "First title"})
	path := "/api/v1/admin/sites/demo/entries/" + d.ID
	var v2, v3 centre.Entry
	e.must(req{method: "PATCH", path: path, role: centre.RoleEditor, body: map[string]any{"title": "Second title"}, header: map[string]string{"If-Match": tag(1)}}, 200).json(t, &v2)
	e.must(req{method: "PATCH", path: path, role: centre.RoleEditor, body: map[string]any{"summary": "New summary", "tags": []string{"a", "b"}}, header: map[string]string{"If-Match": tag(2)}}, 200).json(t, &v3)
	e.must(req{method: "POST", path: path + "/publish", role: centre.RolePublisher}, 200)

	var revs httpapi.RevisionList
	e.must(req{method: "GET", path: path + "/revisions", role: centre.RoleViewer}, 200).json(t, &revs)
	checkRevisionList(t, e, revs)
	var r1 centre.Entry
	e.must(req{method: "GET", path: path + "/revisions/1", role: centre.RoleViewer}, 200).json(t, &r1)
	if r1.Title != "First title" || r1.Version != 1 || r1.Body == "" {
		t.Fatalf("revision 1: %+v", r1)
	}
	e.must(req{method: "GET", path: path + "/revisions/9", role: centre.RoleViewer}, 404)
	e.must(req{method: "GET", path: path + "/revisions/x", role: centre.RoleViewer}, 400)
	var diff httpapi.Diff
	e.must(req{method: "GET", path: path + "/diff?from=1&to=3", role: centre.RoleViewer}, 200).json(t, &diff)
	fields := []string{}
	for _, c := range diff.Changes {
		fields = append(fields, c.Field)
	}
	if strings.Join(fields, ",") != "title,summary,tags" || string(diff.Changes[0].From) != `"First title"` || string(diff.Changes[0].To) != `"Second title"` {
		t.Fatalf("diff %+v", diff)
	}
	e.must(req{method: "GET", path: path + "/diff?from=1", role: centre.RoleViewer}, 400)
	// Restoring revision 1 into the published entry is a change like any other.
	e.must(req{method: "POST", path: path + "/revisions/1/restore", role: centre.RolePublisher}, 428)
	e.must(req{method: "POST", path: path + "/revisions/1/restore", role: centre.RolePublisher, header: map[string]string{"If-Match": tag(4)}}, 400)
	e.must(req{method: "POST", path: path + "/revisions/1/restore", role: centre.RoleEditor, body: map[string]any{"change": "minor"}, header: map[string]string{"If-Match": tag(4)}}, 403)
	var restored centre.Entry
	e.must(req{method: "POST", path: path + "/revisions/1/restore", role: centre.RolePublisher,
		body: map[string]any{"change": "major", "change_note": "Restored the original wording."}, header: map[string]string{"If-Match": tag(4)}}, 200).json(t, &restored)
	if restored.Title != "First title" || restored.Version != 5 || restored.Status != centre.StatusPublished || restored.LastChange.Action != "restore" {
		t.Fatalf("restored %+v", restored)
	}
	e.must(req{method: "GET", path: path + "/revisions", role: centre.RoleViewer}, 200).json(t, &revs)
	if len(revs.Items) != 5 || revs.Items[4].Change.Kind != "major" || revs.Items[4].Change.Note != "Restored the original wording." {
		t.Fatalf("restore revision %+v", revs.Items[len(revs.Items)-1])
	}
	// The public never sees staff bookkeeping.
	r := e.must(req{method: "GET", path: "/api/v1/sites/demo/entries/revised"}, 200)
	for _, leak := range []string{"last_change", "created_by", e.keyIDs[centre.RolePublisher]} {
		if strings.Contains(string(r.Body), leak) {
			t.Errorf("public entry shows %q", leak)
		}
	}
}

func TestMajorAndMinorChanges(t *testing.T) {
	e := newEnv(t)
	p := e.published("rules", nil)
	path := "/api/v1/admin/sites/demo/entries/" + p.ID
	hdr := map[string]string{"If-Match": tag(p.Version)}
	for body, field := range map[string]string{
		`{"title":"x"}`:                                    "change",
		`{"title":"x","change":"huge"}`:                    "change",
		`{"title":"x","change":"major"}`:                   "change_note",
		`{"title":"x","change":"minor","change_note":"n"}`: "change_note",
	} {
		pr := e.must(req{method: "PATCH", path: path, role: centre.RolePublisher, body: body, header: hdr}, 400).problem(t)
		if pr.Errors[0].Field != field {
			t.Errorf("%s: %+v", body, pr.Errors)
		}
	}
	d := e.draft("a-draft", nil)
	e.must(req{method: "PATCH", path: "/api/v1/admin/sites/demo/entries/" + d.ID, role: centre.RoleEditor,
		body: map[string]any{"title": "x", "change": "minor"}, header: map[string]string{"If-Match": tag(d.Version)}}, 400)
}

func TestReviewRequest(t *testing.T) {
	e := newEnv(t)
	d := e.draft("for-review", nil)
	path := "/api/v1/admin/sites/demo/entries/" + d.ID
	var got centre.Entry
	e.must(req{method: "POST", path: path + "/review", role: centre.RoleEditor, body: map[string]any{"note": "Please check the figures."}}, 200).json(t, &got)
	if got.ReviewRequestedAt.IsZero() || got.ReviewNote != "Please check the figures." || got.Status != centre.StatusDraft {
		t.Fatalf("review %+v", got)
	}
	e.must(req{method: "POST", path: path + "/review", role: centre.RoleViewer}, 403)
	var published centre.Entry
	e.must(req{method: "POST", path: path + "/publish", role: centre.RolePublisher}, 200).json(t, &published)
	if !published.ReviewRequestedAt.IsZero() || published.ReviewNote != "" {
		t.Fatalf("publishing kept the review request: %+v", published)
	}
	e.must(req{method: "POST", path: path + "/review", role: centre.RoleEditor}, 409)
}

func TestPreviewLinks(t *testing.T) {
	e := newEnv(t)
	d := e.draft("embargoed-report", nil)
	path := "/api/v1/admin/sites/demo/entries/" + d.ID
	e.must(req{method: "POST", path: path + "/previews", role: centre.RoleViewer}, 403)
	e.must(req{method: "POST", path: path + "/previews", role: centre.RoleEditor, body: map[string]any{"expires_in": 0 - 5}}, 400)
	var link httpapi.IssuedPreview
	e.must(req{method: "POST", path: path + "/previews", role: centre.RoleEditor, body: map[string]any{"expires_in": 3600}}, 201).json(t, &link)
	r := e.must(req{method: "GET", path: link.APIURL}, 200)
	if r.Header.Get("Cache-Control") != "private, no-store" || !strings.Contains(r.Header.Get("X-Robots-Tag"), "noindex") {
		t.Fatalf("preview headers %v", r.Header)
	}
	var shown centre.Entry
	r.json(t, &shown)
	if shown.ID != d.ID || shown.Status != centre.StatusDraft {
		t.Fatalf("preview shows %+v", shown)
	}
	// Tampered and expired links show nothing.
	e.must(req{method: "GET", path: link.APIURL + "x"}, 404).problem(t)
	e.must(req{method: "GET", path: "/api/v1/preview/garbage"}, 404)
	later := time.Now().Add(2 * time.Hour)
	e.svc.Now = func() time.Time { return later }
	e.must(req{method: "GET", path: link.APIURL}, 404)
	e.svc.Now = nil
	// Revoking revokes every link of the entry.
	var link2 httpapi.IssuedPreview
	e.must(req{method: "POST", path: path + "/previews", role: centre.RoleEditor}, 201).json(t, &link2)
	e.must(req{method: "GET", path: link2.APIURL}, 200)
	e.must(req{method: "DELETE", path: path + "/previews", role: centre.RoleEditor}, 200)
	e.must(req{method: "GET", path: link2.APIURL}, 404)
	// Once public, a preview link points readers to the public page.
	var link3 httpapi.IssuedPreview
	e.must(req{method: "POST", path: path + "/previews", role: centre.RoleEditor}, 201).json(t, &link3)
	e.must(req{method: "POST", path: path + "/publish", role: centre.RolePublisher}, 200)
	e.must(req{method: "GET", path: link3.APIURL}, 410).problem(t)
}

// TestPreviewLinksAreAbsolute: preview links are absolute URLs on the
// public origin, else on the host the request came to (issue 15, defect 9).
func TestPreviewLinksAreAbsolute(t *testing.T) {
	e := newEnv(t)
	path := "/api/v1/admin/sites/demo/entries/" + e.draft("embargoed", nil).ID + "/previews"
	issue := func(header map[string]string) httpapi.IssuedPreview {
		t.Helper()
		var link httpapi.IssuedPreview
		e.must(req{method: "POST", path: path, role: centre.RoleEditor, header: header}, 201).json(t, &link)
		origin, tok, _ := strings.Cut(link.APIURL, "/api/v1/preview/")
		if tok == "" || link.URL != origin+"/preview/"+tok {
			t.Fatalf("links %q %q", link.URL, link.APIURL)
		}
		return link
	}
	forwarded := map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "news.example.org"}
	if l := issue(forwarded); !strings.HasPrefix(l.URL, "http://example.com/preview/") || !strings.HasPrefix(l.APIURL, "http://example.com/api/v1/preview/") {
		t.Fatalf("on the request's host, forwarded headers untrusted: %+v", l)
	}
	e.reconfigure(func(c *httpapi.Config) { c.TrustForwarded = true })
	if l := issue(forwarded); !strings.HasPrefix(l.URL, "https://news.example.org/preview/") {
		t.Fatalf("behind a trusted proxy: %+v", l)
	}
	e.reconfigure(func(c *httpapi.Config) { c.PublicOrigin = "https://info.example.org" })
	l := issue(forwarded)
	if !strings.HasPrefix(l.URL, "https://info.example.org/preview/") || !strings.HasPrefix(l.APIURL, "https://info.example.org/api/v1/preview/") {
		t.Fatalf("on the public origin: %+v", l)
	}
	e.must(req{method: "GET", path: strings.TrimPrefix(l.APIURL, "https://info.example.org")}, 200)
}

func TestAuditLog(t *testing.T) {
	e := newEnv(t)
	d := e.draft("audited", nil)
	path := "/api/v1/admin/sites/demo/entries/" + d.ID
	e.must(req{method: "POST", path: path + "/publish", role: centre.RoleEditor}, 403) // a refused attempt
	e.must(req{method: "POST", path: path + "/publish", role: centre.RolePublisher, header: map[string]string{"X-Request-Id": "req-publish-1"}}, 200)
	e.must(req{method: "GET", path: path, role: centre.RoleViewer}, 200) // reads are not audited…
	// … unless refused (issue 12.7).
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/audit", role: centre.RolePublisher}, 403)
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/audit", role: "other-admin"}, 403)

	var log httpapi.AuditList
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/audit", role: centre.RoleAdmin}, 200).json(t, &log)
	if len(log.Items) != 5 {
		t.Fatalf("%d events: %+v", len(log.Items), log.Items)
	}
	for i, role := range []string{"other-admin", centre.RolePublisher} {
		ev := log.Items[i]
		if ev.Action != "read" || ev.Outcome != 403 || ev.KeyID != e.keyIDs[role] || ev.Detail != "GET /api/v1/admin/sites/{site}/audit" || ev.Client == "" {
			t.Errorf("refused read event %+v", ev)
		}
	}
	pub, refused, created := log.Items[2], log.Items[3], log.Items[4]
	if pub.Action != "entry.publish" || pub.Outcome != 200 || pub.KeyID != e.keyIDs[centre.RolePublisher] || pub.Role != "publisher" ||
		pub.Target != d.ID || pub.ClientRequestID != "req-publish-1" || len(pub.RequestID) != 24 || pub.Client != "192.0.2.1" {
		t.Errorf("publish event %+v", pub)
	}
	if refused.Action != "entry.publish" || refused.Outcome != 403 || refused.KeyID != e.keyIDs[centre.RoleEditor] {
		t.Errorf("refused event %+v", refused)
	}
	if created.Action != "entry.create" || created.Outcome != 201 {
		t.Errorf("create event %+v", created)
	}
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/audit?action=entry.create", role: centre.RoleAdmin}, 200).json(t, &log)
	if len(log.Items) != 1 {
		t.Errorf("action filter: %d events", len(log.Items))
	}
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/audit?key_id=" + e.keyIDs[centre.RoleEditor], role: centre.RoleAdmin}, 200).json(t, &log)
	if len(log.Items) != 2 {
		t.Errorf("key filter: %d events", len(log.Items))
	}
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/audit?limit=3", role: centre.RoleAdmin}, 200).json(t, &log)
	if len(log.Items) != 3 || log.NextCursor == "" {
		t.Fatalf("paging: %+v", log)
	}
	var rest httpapi.AuditList
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/audit?limit=3&cursor=" + log.NextCursor, role: centre.RoleAdmin}, 200).json(t, &rest)
	if len(rest.Items) != 2 || rest.Items[1].Action != "entry.create" {
		t.Fatalf("second page %+v", rest)
	}
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/audit?from=yesterday", role: centre.RoleAdmin}, 400)
	// Owner-level actions go to the owner log.
	e.must(req{method: "POST", path: "/api/v1/admin/sites", role: centre.RoleOwner, body: map[string]any{"slug": "new-site", "title": "N", "publisher": "P", "contact": map[string]any{"email": "a@example.org"}}}, 201)
	e.must(req{method: "GET", path: "/api/v1/admin/audit", role: centre.RoleOwner}, 200).json(t, &log)
	if len(log.Items) != 1 || log.Items[0].Action != "site.create" || log.Items[0].Target != "new-site" {
		t.Fatalf("owner log %+v", log.Items)
	}
	e.must(req{method: "GET", path: "/api/v1/admin/audit", role: centre.RoleAdmin}, 403)
}

func TestExpiry(t *testing.T) {
	e := newEnv(t)
	now := time.Now().UTC()
	e.svc.Now = func() time.Time { return now }
	e.published("short-lived", map[string]any{"expires_at": now.Add(time.Hour)})
	e.published("lasting", nil)
	e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/entries", role: centre.RoleEditor,
		body: map[string]any{"type": "news", "title": "Bad", "publish_at": now.Add(2 * time.Hour), "expires_at": now.Add(time.Hour)}}, 400)
	var list httpapi.EntryList
	e.must(req{method: "GET", path: "/api/v1/sites/demo/entries"}, 200).json(t, &list)
	if len(list.Items) != 2 {
		t.Fatalf("before expiry: %d", len(list.Items))
	}
	e.svc.Now = func() time.Time { return now.Add(2 * time.Hour) }
	e.must(req{method: "GET", path: "/api/v1/sites/demo/entries"}, 200).json(t, &list)
	if len(list.Items) != 1 || list.Items[0].Slug != "lasting" {
		t.Fatalf("after expiry: %+v", list.Items)
	}
	var got centre.Entry
	e.must(req{method: "GET", path: "/api/v1/sites/demo/entries/short-lived"}, 200).json(t, &got)
	if got.ExpiresAt.IsZero() {
		t.Fatal("expired entry does not say when it expired")
	}
}

func TestTranslationsFlaggedOutdated(t *testing.T) {
	e := newEnv(t)
	en := e.published("plan", map[string]any{"lang": "en"})
	fr := e.published("plan", map[string]any{"lang": "fr"})
	e.must(req{method: "PATCH", path: "/api/v1/admin/sites/demo/entries/" + en.ID, role: centre.RolePublisher,
		body: map[string]any{"summary": "Typo", "change": "minor"}, header: map[string]string{"If-Match": tag(en.Version)}}, 200).json(t, &en)
	var got centre.Entry
	e.must(req{method: "GET", path: "/api/v1/sites/demo/entries/plan?lang=fr"}, 200).json(t, &got)
	if !got.OutdatedSince.IsZero() {
		t.Fatal("a minor change flagged the translation")
	}
	e.must(req{method: "PATCH", path: "/api/v1/admin/sites/demo/entries/" + en.ID, role: centre.RolePublisher,
		body: map[string]any{"summary": "New figures", "change": "major", "change_note": "Updated the figures."}, header: map[string]string{"If-Match": tag(en.Version)}}, 200)
	got = centre.Entry{}
	e.must(req{method: "GET", path: "/api/v1/sites/demo/entries/plan?lang=fr"}, 200).json(t, &got)
	if got.OutdatedSince.IsZero() {
		t.Fatal("translation not flagged after a major change of the source")
	}
	var source centre.Entry
	e.must(req{method: "GET", path: "/api/v1/sites/demo/entries/plan?lang=en"}, 200).json(t, &source)
	if !source.OutdatedSince.IsZero() {
		t.Fatal("the source itself was flagged")
	}
	var cur, updated centre.Entry
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/entries/" + fr.ID, role: centre.RoleViewer}, 200).json(t, &cur)
	e.must(req{method: "PATCH", path: "/api/v1/admin/sites/demo/entries/" + fr.ID, role: centre.RolePublisher,
		body: map[string]any{"summary": "Nouveaux chiffres", "change": "minor"}, header: map[string]string{"If-Match": tag(cur.Version)}}, 200).json(t, &updated)
	if !updated.OutdatedSince.IsZero() {
		t.Fatal("updating the translation did not clear the flag")
	}
}

// TestNoLostUpdates has many editors change one entry at once, each
// re-reading and retrying on 412: every change survives.
func TestNoLostUpdates(t *testing.T) {
	e := newEnv(t)
	d := e.draft("busy", map[string]any{"tags": []string{}})
	testNoLostUpdates(t, e, d.ID)
}

func testNoLostUpdates(t *testing.T, e *env, id string) {
	path := "/api/v1/admin/sites/demo/entries/" + id
	const writers = 8
	var wg sync.WaitGroup
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for attempt := 0; attempt < 100; attempt++ {
				cur, err := e.svc.Entry(context.Background(), centre.Principal{Role: centre.RoleOwner}, "demo", id)
				if err != nil {
					t.Error(err)
					return
				}
				tags := append(append([]string{}, cur.Tags...), fmt.Sprintf("writer-%d", i))
				r := e.do(req{method: "PATCH", path: path, role: centre.RoleEditor, body: map[string]any{"tags": tags},
					header: map[string]string{"If-Match": tag(cur.Version)}})
				if r.Status == 200 {
					return
				}
				if r.Status != 412 {
					t.Errorf("writer %d: %d %s", i, r.Status, r.Body)
					return
				}
			}
			t.Errorf("writer %d never got its change in", i)
		}(i)
	}
	wg.Wait()
	final, err := e.svc.Entry(context.Background(), centre.Principal{Role: centre.RoleOwner}, "demo", id)
	if err != nil {
		t.Fatal(err)
	}
	if len(final.Tags) != writers {
		t.Fatalf("%d of %d changes survived: %v", len(final.Tags), writers, final.Tags)
	}
}

func TestEmbargoOnAPI(t *testing.T) {
	e := newEnv(t)
	at := time.Now().UTC().Add(time.Hour).Truncate(time.Second)
	d := e.draft("embargoed", map[string]any{"publish_at": at, "tags": []string{"embargo"}})
	e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/entries/" + d.ID + "/publish", role: centre.RolePublisher}, 200)
	surfaces := []string{"/api/v1/sites/demo/entries", "/api/v1/sites/demo/entries?tag=embargo", "/api/v1/sites/demo/entries?type=statement"}
	visible := func() (n int) {
		for _, s := range surfaces {
			var l httpapi.EntryList
			e.must(req{method: "GET", path: s}, 200).json(t, &l)
			n += len(l.Items)
		}
		if e.do(req{method: "GET", path: "/api/v1/sites/demo/entries/embargoed"}).Status == 200 {
			n++
		}
		return n
	}
	e.svc.Now = func() time.Time { return at.Add(-time.Second) }
	if n, _ := e.svc.PublishDue(context.Background()); n != 0 || visible() != 0 {
		t.Fatal("embargoed entry visible one second before its time")
	}
	e.svc.Now = func() time.Time { return at }
	if n, err := e.svc.PublishDue(context.Background()); n != 1 || err != nil {
		t.Fatalf("publisher run: %d %v", n, err)
	}
	if got := visible(); got != len(surfaces)+1 {
		t.Fatalf("visible on %d of %d surfaces after release", got, len(surfaces)+1)
	}
}
