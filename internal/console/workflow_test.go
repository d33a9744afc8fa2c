package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
)

func version(en *centre.Entry) string { return strconv.FormatInt(en.Version, 10) }

// audited returns the audit events of action on target, newest first.
func (e *env) audited(t *testing.T, action, target string) []*centre.AuditEvent {
	t.Helper()
	page, err := e.store.ListAudit(t.Context(), centre.AuditQuery{Site: "demo", Action: action, Target: target})
	if err != nil {
		t.Fatal(err)
	}
	return page.Items
}

func TestWorkflowActions(t *testing.T) {
	e := newsroom(t)
	ed, editor := e.signedIn(t, "ed@example.org", centre.RoleEditor)
	pub, publisher := e.signedIn(t, "pub@example.org", centre.RolePublisher)
	d := e.draft(t, centre.EntryInput{Content: centre.Content{Title: "Curfew lifted"}})

	// An editor: review and preview links, no publishing.
	status, page := ed.get(entryURL(d.ID))
	if status != http.StatusOK {
		t.Fatal(status)
	}
	mustContain(t, "an editor's workflow", page, `action="/admin/sites/demo/entries/`+d.ID+`/review"`, "Create a preview link")
	mustNotContain(t, "an editor's workflow", page, "/publish\"", "/withdraw\"", "/approve\"", "/request-changes\"")
	if status, _ := ed.post(entryURL(d.ID)+"/review", url.Values{"version": {version(d)}, "note": {"Check the hours"}}); status != http.StatusSeeOther ||
		ed.last.Header.Get("Location") != entryURL(d.ID)+"?done=review" {
		t.Fatalf("request review: %d %s", status, ed.last.Header.Get("Location"))
	}
	d = e.stored(t, d.ID)
	if d.ReviewRequestedAt.IsZero() || d.ReviewNote != "Check the hours" {
		t.Fatalf("after review: %+v", d)
	}
	if ev := e.audited(t, "entry.review", d.ID); len(ev) != 1 || ev[0].PersonID != editor.ID || ev[0].Outcome != http.StatusOK {
		t.Fatalf("review audit: %+v", ev)
	}

	// A preview link: an absolute URL on the console's origin, shown once.
	status, page = ed.post(entryURL(d.ID)+"/preview", url.Values{"version": {version(d)}, "days": {"7"}})
	if status != http.StatusCreated {
		t.Fatalf("preview link: %d\n%s", status, page)
	}
	m := regexp.MustCompile(`id="preview-url" readonly value="(https://console\.example\.org/preview/([^"]+))"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no preview URL:\n%s", page)
	}
	if got, err := e.svc.Preview(t.Context(), m[2]); err != nil || got.ID != d.ID {
		t.Fatalf("the preview link opens: %v", err)
	}
	if ev := e.audited(t, "entry.preview", d.ID); len(ev) != 1 || ev[0].Outcome != http.StatusCreated || strings.Contains(ev[0].Detail, m[2]) {
		t.Fatalf("preview audit: %+v", ev)
	}
	if status, _ := ed.post(entryURL(d.ID)+"/revoke-previews", url.Values{"version": {version(d)}}); status != http.StatusSeeOther {
		t.Fatalf("revoke previews: %d", status)
	}
	if _, err := e.svc.Preview(t.Context(), m[2]); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("a revoked preview link: %v", err)
	}
	d = e.stored(t, d.ID)

	// A publisher publishes, against the version the page showed.
	status, page = pub.post(entryURL(d.ID)+"/publish", url.Values{"version": {"1"}})
	if status != http.StatusConflict || !strings.Contains(page, "Someone else changed this entry since you loaded the page") {
		t.Fatalf("a stale publish: %d\n%s", status, page)
	}
	if e.stored(t, d.ID).Status != centre.StatusDraft {
		t.Fatal("a stale publish published")
	}
	if status, _ := pub.post(entryURL(d.ID)+"/publish", url.Values{"version": {version(d)}}); status != http.StatusSeeOther ||
		!strings.HasSuffix(pub.last.Header.Get("Location"), "?done=publish") {
		t.Fatalf("publish: %d", status)
	}
	d = e.stored(t, d.ID)
	if d.Status != centre.StatusPublished || d.LastChange.PersonID != publisher.ID {
		t.Fatalf("after publish: %+v", d)
	}
	mustContain(t, "a published entry", pub.page(entryURL(d.ID)), `<a href="https://console.example.org/sites/demo/en/curfew-lifted/">public page</a>`)

	// Schedule (per publish_at) and unschedule.
	when := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Minute)
	s := e.draft(t, centre.EntryInput{Content: centre.Content{Title: "Schools reopen"}, PublishAt: when})
	page = pub.page(entryURL(s.ID))
	mustContain(t, "a draft with publish_at", page, "Publish or schedule", "Publish at "+when.In(e.brussels(t)).Format("Mon 2 Jan 2006, 15:04 MST"))
	if status, _ := pub.post(entryURL(s.ID)+"/publish", url.Values{"version": {version(s)}}); status != http.StatusSeeOther ||
		!strings.HasSuffix(pub.last.Header.Get("Location"), "?done=schedule") {
		t.Fatalf("schedule: %d %s", status, pub.last.Header.Get("Location"))
	}
	s = e.stored(t, s.ID)
	if s.Status != centre.StatusScheduled || len(e.audited(t, "entry.schedule", s.ID)) != 1 {
		t.Fatalf("after schedule: %s", s.Status)
	}
	if status, _ := pub.post(entryURL(s.ID)+"/unschedule", url.Values{"version": {version(s)}}); status != http.StatusSeeOther {
		t.Fatalf("unschedule: %d", status)
	}
	if s = e.stored(t, s.ID); s.Status != centre.StatusDraft {
		t.Fatalf("after unschedule: %s", s.Status)
	}

	// Withdraw: a reason is required; the picker offers the site's public entries.
	other := e.draft(t, centre.EntryInput{Content: centre.Content{Title: "Curfew: new rules"}, Status: centre.StatusPublished})
	page = pub.page(entryURL(d.ID))
	mustContain(t, "withdraw form", page, `<option value="curfew-new-rules">Curfew: new rules (en, curfew-new-rules)</option>`)
	status, page = pub.post(entryURL(d.ID)+"/withdraw", url.Values{"version": {version(d)}, "superseded_by": {"curfew-new-rules"}})
	if status != http.StatusBadRequest || !strings.Contains(page, `<a href="#f-reason">Reason: `) || !strings.Contains(page, `<option value="curfew-new-rules" selected>`) {
		t.Fatalf("withdraw without a reason: %d\n%s", status, page)
	}
	if status, _ := pub.post(entryURL(d.ID)+"/withdraw", url.Values{"version": {version(d)}, "reason": {"Replaced by the new rules"},
		"superseded_by": {"curfew-new-rules"}}); status != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", status)
	}
	if d = e.stored(t, d.ID); d.Status != centre.StatusWithdrawn || d.SupersededBy != other.Slug || d.WithdrawnReason != "Replaced by the new rules" {
		t.Fatalf("after withdraw: %+v", d)
	}
	if ev := e.audited(t, "entry.withdraw", d.ID); len(ev) != 2 || ev[0].Outcome != http.StatusOK || ev[1].Outcome != http.StatusBadRequest {
		t.Fatalf("withdraw audit: %d events", len(ev))
	}
	// A withdrawn entry has no edit controls left.
	page = pub.page(entryURL(d.ID))
	mustNotContain(t, "a withdrawn entry", page, `id="editor-form"`, "/withdraw\"", "/restore\"")
}

func TestRevisionsDiffAndRestore(t *testing.T) {
	e := newsroom(t)
	d := e.draft(t, centre.EntryInput{Content: centre.Content{Title: "Water points", Body: "Water is handed out:\nAt the town hall.\nFrom 8 to 20."}})
	title, body := "Water points (moved)", "Water is handed out:\nAt the station.\nFrom 8 to 20."
	if _, err := e.svc.UpdateEntry(t.Context(), e.owner, "demo", d.ID, centre.EntryPatch{ContentPatch: centre.ContentPatch{Title: &title, Body: &body}}, 1); err != nil {
		t.Fatal(err)
	}
	ed, _ := e.signedIn(t, "ed@example.org", centre.RoleEditor)
	status, page := ed.get(entryURL(d.ID))
	if status != http.StatusOK {
		t.Fatal(status)
	}
	mustContain(t, "revisions", page, `<h2 id="h-revisions">Revisions</h2>`, "<td>2</td>", "<td>1</td>", "title, body",
		`href="/admin/sites/demo/entries/`+d.ID+`/diff?from=1&amp;to=2"`, `name="revision" value="1"`)
	status, page = ed.get(entryURL(d.ID) + "/diff?from=1&to=2")
	if status != http.StatusOK {
		t.Fatalf("diff: %d", status)
	}
	mustContain(t, "diff", page, `<th scope="row">Title</th><td><del>Water points</del></td><td><ins>Water points (moved)</ins></td>`,
		`<th scope="row">Body</th><td colspan="2"><pre class="linediff">  Water is handed out:
<del>- At the town hall.</del>
<ins>+ At the station.</ins>
  From 8 to 20.
</pre></td>`)
	if status, _ := ed.get(entryURL(d.ID) + "/diff?from=1&to=9"); status != http.StatusNotFound {
		t.Fatalf("a diff with a missing revision: %d", status)
	}
	if status, _ := ed.get(entryURL(d.ID) + "/diff?from=x"); status != http.StatusBadRequest {
		t.Fatalf("a diff with a bad revision: %d", status)
	}
	if status, _ := ed.post(entryURL(d.ID)+"/restore", url.Values{"version": {"2"}, "revision": {"1"}}); status != http.StatusSeeOther {
		t.Fatalf("restore: %d", status)
	}
	got := e.stored(t, d.ID)
	if got.Version != 3 || got.Title != "Water points" || got.Body != "Water is handed out:\nAt the town hall.\nFrom 8 to 20." || got.LastChange.Action != "restore" {
		t.Fatalf("after restore: %+v", got)
	}
	if ev := e.audited(t, "entry.restore", d.ID); len(ev) != 1 || ev[0].PersonID == "" {
		t.Fatalf("restore audit: %+v", ev)
	}
}

func TestViewerSeesNoControlsAndForgedPostsAreRefused(t *testing.T) {
	e := newsroom(t)
	d := e.draft(t, centre.EntryInput{Content: centre.Content{Title: "Draft statement"}})
	p := e.draft(t, centre.EntryInput{Content: centre.Content{Title: "Public statement"}, Status: centre.StatusPublished})
	viewer, person := e.signedIn(t, "viewer@example.org", centre.RoleViewer)
	for _, en := range []*centre.Entry{d, p} {
		status, page := viewer.get(entryURL(en.ID))
		if status != http.StatusOK || !strings.Contains(page, en.Title) {
			t.Fatalf("a viewer's entry page: %d", status)
		}
		mustNotContain(t, "a viewer's entry page", page, `method="post"`, "editor-form", "Save", "Restore", "Request review", "Approve", "Request changes")
	}
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{entryURL(d.ID), url.Values{"version": {version(d)}, "title": {"Forged"}, "type": {"statement"}, "lang": {"en"}, "op": {"save"}}},
		{"/admin/sites/demo/entries", url.Values{"title": {"Forged"}, "type": {"statement"}, "lang": {"en"}, "op": {"save"}}},
		{entryURL(d.ID) + "/review", url.Values{"version": {version(d)}}},
		{entryURL(d.ID) + "/publish", url.Values{"version": {version(d)}}},
		{entryURL(d.ID) + "/publish", url.Values{"version": {version(d)}, "force_reason": {"forged"}}},
		{entryURL(d.ID) + "/approve", url.Values{"version": {version(d)}}},
		{entryURL(d.ID) + "/request-changes", url.Values{"version": {version(d)}, "note": {"forged"}}},
		{entryURL(d.ID) + "/preview", url.Values{"version": {version(d)}, "days": {"1"}}},
		{entryURL(d.ID) + "/revoke-previews", url.Values{"version": {version(d)}}},
		{entryURL(d.ID) + "/restore", url.Values{"version": {version(d)}, "revision": {"1"}}},
		{entryURL(p.ID) + "/withdraw", url.Values{"version": {version(p)}, "reason": {"forged"}}},
	} {
		if status, page := viewer.post(tc.path, tc.form); status != http.StatusForbidden {
			t.Errorf("a viewer's POST %s: %d\n%s", tc.path, status, page)
		}
	}
	if got := e.stored(t, d.ID); got.Version != d.Version || got.Status != centre.StatusDraft {
		t.Fatalf("forged posts changed the draft: %+v", got)
	}
	if got := e.stored(t, p.ID); got.Status != centre.StatusPublished {
		t.Fatalf("a forged post withdrew the entry")
	}
	if list, _ := e.store.ListEntries(t.Context(), centre.EntryQuery{Site: "demo"}); len(list.Items) != 2 {
		t.Fatalf("a forged post created an entry: %d entries", len(list.Items))
	}
	if ev := e.audited(t, "entry.publish", d.ID); len(ev) != 2 || ev[0].Outcome != http.StatusForbidden || ev[0].PersonID != person.ID {
		t.Fatalf("a refused publish is audited: %+v", ev)
	}
}

func TestCrossOriginEntryPostsRefused(t *testing.T) {
	e := newsroom(t)
	d := e.draft(t, centre.EntryInput{Content: centre.Content{Title: "Draft"}})
	b, _ := e.signedIn(t, "pub@example.org", centre.RolePublisher)
	form := url.Values{"version": {version(d)}, "title": {"Hijacked"}, "type": {"statement"}, "lang": {"en"}, "op": {"save"}}.Encode()
	for _, h := range [][]string{
		{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"},
		{"Sec-Fetch-Site", "", "Origin", "https://evil.example"},
	} {
		for _, path := range []string{entryURL(d.ID), entryURL(d.ID) + "/publish", "/admin/sites/demo/entries"} {
			hdr := append([]string{"Content-Type", "application/x-www-form-urlencoded", "Accept", "text/html"}, h...)
			if status, body := b.do("POST", path, []byte(form), hdr...); status != http.StatusForbidden {
				t.Fatalf("cross-origin POST %s %v: %d %s", path, h, status, body)
			}
		}
	}
	if got := e.stored(t, d.ID); got.Version != d.Version || got.Title != "Draft" {
		t.Fatalf("a cross-origin post changed the entry: %+v", got)
	}
}

func (e *env) brussels(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestTwoPersonRuleApproveRequestChangesAndForce walks the two-person rule
// through the console on both stores.
func TestTwoPersonRuleApproveRequestChangesAndForce(t *testing.T) {
	eachStore(t, testTwoPersonRuleApproveRequestChangesAndForce)
}

func testTwoPersonRuleApproveRequestChangesAndForce(t *testing.T, open openStore) {
	e := newsroomOn(t, open)
	site, err := e.svc.Site(t.Context(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	on := true
	if _, err := e.svc.UpdateSite(t.Context(), e.owner, "demo", centre.SitePatch{ReviewRequired: &on}, site.Version); err != nil {
		t.Fatal(err)
	}
	ana, _ := e.signedIn(t, "ana@example.org", centre.RolePublisher)
	ben, benP := e.signedIn(t, "ben@example.org", centre.RolePublisher)
	owner, _ := e.signedIn(t, "owner@example.org", centre.RoleOwner)
	create := func(title string) *centre.Entry {
		t.Helper()
		if status, page := ana.post("/admin/sites/demo/entries", url.Values{"title": {title}, "type": {"statement"}, "lang": {"en"}, "op": {"save"}}); status != http.StatusSeeOther {
			t.Fatalf("create: %d\n%s", status, page)
		}
		id := strings.TrimSuffix(strings.TrimPrefix(ana.last.Header.Get("Location"), "/admin/sites/demo/entries/"), "?done=created")
		return e.stored(t, id)
	}
	d := create("Flood barrier closes")

	// The author may not approve her own draft, nor publish it unapproved.
	page := ana.page(entryURL(d.ID))
	mustContain(t, "the author's page", page, "This site requires approval", "Not approved yet.")
	mustNotContain(t, "the author's page", page, "/approve\"", "/request-changes\"", "Publish now", "Publish without approval")
	if status, body := ana.post(entryURL(d.ID)+"/publish", url.Values{"version": {version(d)}}); status != http.StatusConflict ||
		!strings.Contains(body, "Nothing was done: site &#34;demo&#34; requires approval") || !strings.Contains(body, `id="editor-form"`) {
		t.Fatalf("publishing unapproved: %d\n%s", status, body)
	}
	if status, _ := ana.post(entryURL(d.ID)+"/approve", url.Values{"version": {version(d)}}); status != http.StatusConflict {
		t.Fatalf("approving one's own draft: %d", status)
	}

	// Another publisher sends it back, with a note (required).
	page = ben.page(entryURL(d.ID))
	mustContain(t, "the reviewer's page", page, `action="/admin/sites/demo/entries/`+d.ID+`/approve"`, `action="/admin/sites/demo/entries/`+d.ID+`/request-changes"`)
	mustNotContain(t, "the reviewer's page", page, "Publish now")
	status, page := ben.post(entryURL(d.ID)+"/request-changes", url.Values{"version": {version(d)}})
	if status != http.StatusBadRequest {
		t.Fatalf("request changes without a note: %d", status)
	}
	mustContain(t, "request changes without a note", page, `<a href="#f-changes-note">Note: `, `id="f-changes-note-error"`)
	if status, _ := ben.post(entryURL(d.ID)+"/request-changes", url.Values{"version": {version(d)}, "note": {"Add the closing hours"}}); status != http.StatusSeeOther {
		t.Fatalf("request changes: %d", status)
	}
	d = e.stored(t, d.ID)
	if d.ChangesNote != "Add the closing hours" || d.ChangesRequestedBy != "person:"+benP.ID {
		t.Fatalf("after request changes: %+v", d)
	}
	mustContain(t, "the author's page after request changes", ana.page(entryURL(d.ID)), "Changes requested by", "“Add the closing hours”")
	if ev := e.audited(t, "entry.request-changes", d.ID); len(ev) != 2 || ev[0].PersonID != benP.ID || ev[0].Outcome != http.StatusOK {
		t.Fatalf("request changes audit: %d events", len(ev))
	}

	// Then approves it; now it can be published.
	if status, _ := ben.post(entryURL(d.ID)+"/approve", url.Values{"version": {version(d)}, "note": {"Good to go"}}); status != http.StatusSeeOther ||
		!strings.HasSuffix(ben.last.Header.Get("Location"), "?done=approve") {
		t.Fatalf("approve: %d", status)
	}
	d = e.stored(t, d.ID)
	if !d.Approved() || d.ApprovedBy != "person:"+benP.ID || d.ApprovalNote != "Good to go" {
		t.Fatalf("after approve: %+v", d)
	}
	page = ben.page(entryURL(d.ID) + "?done=approve")
	mustContain(t, "after approve", page, "The entry is approved.", "Approved by you", "“Good to go”", "Publish now")
	mustNotContain(t, "after approve", page, "/approve\"")
	if status, _ := ana.post(entryURL(d.ID)+"/publish", url.Values{"version": {version(d)}}); status != http.StatusSeeOther {
		t.Fatalf("publishing the approved draft: %d", status)
	}
	if d = e.stored(t, d.ID); d.Status != centre.StatusPublished {
		t.Fatalf("not published: %s", d.Status)
	}

	// A change to the public entry is held until Ben approves it.
	cf := editForm(d)
	cf.Set("title", "Flood barrier closes at 18:00")
	cf.Set("change", "major")
	cf.Set("change_note", "Closing time added.")
	if status, page := ana.post(entryURL(d.ID), cf); status != http.StatusSeeOther {
		t.Fatalf("a change to the public entry: %d\n%s", status, page)
	}
	d = e.stored(t, d.ID)
	if d.Title != "Flood barrier closes" || d.Pending == nil || d.Pending.Title != "Flood barrier closes at 18:00" || d.Pending.Note != "Closing time added." {
		t.Fatalf("the change is not held: %q, pending %+v", d.Title, d.Pending)
	}
	if pub, err := e.svc.PublicEntry(t.Context(), "demo", d.Slug, d.Lang); err != nil || pub[0].Title != "Flood barrier closes" {
		t.Fatalf("the public reads the held change: %v", err)
	}
	page = ana.page(entryURL(d.ID))
	mustContain(t, "the author's page of a held change", page, `id="held-change"`, "is held for approval, with the public note “Closing time added.”",
		`value="Flood barrier closes at 18:00"`, "Not approved yet.")
	mustNotContain(t, "the author's page of a held change", page, "Publish the change", "/approve\"")
	mustContain(t, "the dashboard with a held change", ben.page("/admin/sites/demo/"), `<h2 id="h-held">Changes to public entries held for approval</h2>`, "a major change, ")
	page = ben.page(entryURL(d.ID))
	mustContain(t, "the reviewer's page of a held change", page, `action="/admin/sites/demo/entries/`+d.ID+`/approve"`, `action="/admin/sites/demo/entries/`+d.ID+`/request-changes"`)
	if status, _ := ben.post(entryURL(d.ID)+"/approve", url.Values{"version": {version(d)}}); status != http.StatusSeeOther {
		t.Fatalf("approving the held change: %d", status)
	}
	mustContain(t, "the author's page after approval", ana.page(entryURL(d.ID)), "Publish the change", "with its dated public note")
	if status, _ := ana.post(entryURL(d.ID)+"/publish", url.Values{"version": {version(e.stored(t, d.ID))}}); status != http.StatusSeeOther {
		t.Fatalf("publishing the held change: %d", status)
	}
	if d = e.stored(t, d.ID); d.Title != "Flood barrier closes at 18:00" || d.Pending != nil || len(d.ChangeNotes) != 1 {
		t.Fatalf("after publishing the held change: %q pending %+v notes %v", d.Title, d.Pending, d.ChangeNotes)
	}

	// A scheduled entry cannot change under the rule: the editor says so
	// and keeps the input.
	later := create("Later bulletin")
	when := time.Now().Add(48 * time.Hour).UTC()
	if _, err := e.svc.UpdateEntry(t.Context(), e.owner, "demo", later.ID, centre.EntryPatch{PublishAt: &when}, later.Version); err != nil {
		t.Fatal(err)
	}
	later = e.stored(t, later.ID)
	if _, err := e.svc.Approve(t.Context(), centre.Principal{PersonID: benP.ID, Site: "demo", Role: centre.RolePublisher}, "demo", later.ID, later.Version, ""); err != nil {
		t.Fatal(err)
	}
	if status, _ := ben.post(entryURL(later.ID)+"/publish", url.Values{"version": {version(e.stored(t, later.ID))}}); status != http.StatusSeeOther {
		t.Fatalf("scheduling: %d", status)
	}
	later = e.stored(t, later.ID)
	lf := editForm(later)
	lf.Set("title", "Later bulletin, retitled")
	lf.Set("publish_at", ana.formValue(entryURL(later.ID), "publish_at"))
	status, page = ana.post(entryURL(later.ID), lf)
	if status != http.StatusConflict {
		t.Fatalf("changing a scheduled entry under the rule: %d\n%s", status, page)
	}
	mustContain(t, "a refused change", page, "There is a problem", "requires approval: unschedule it", `value="Later bulletin, retitled"`)

	// An owner may publish without approval, with a reason, audited.
	f := create("Evacuate the quay now")
	if status, _ := ana.post(entryURL(f.ID)+"/publish", url.Values{"version": {version(f)}, "force_reason": {"urgent"}}); status != http.StatusForbidden {
		t.Fatalf("a publisher forcing: %d", status)
	}
	page = owner.page(entryURL(f.ID))
	mustContain(t, "the owner's page", page, "Publish without approval", `name="force_reason"`)
	status, page = owner.post(entryURL(f.ID)+"/publish", url.Values{"version": {version(f)}, "force_reason": {" "}})
	if status != http.StatusBadRequest {
		t.Fatalf("forcing without a reason: %d", status)
	}
	mustContain(t, "forcing without a reason", page, `<a href="#f-force-reason">Reason: `)
	if status, _ := owner.post(entryURL(f.ID)+"/publish", url.Values{"version": {version(f)}, "force_reason": {"Storm surge: no second publisher reachable"}}); status != http.StatusSeeOther {
		t.Fatalf("forcing: %d", status)
	}
	if f = e.stored(t, f.ID); f.Status != centre.StatusPublished || f.LastChange.Reason != "Storm surge: no second publisher reachable" {
		t.Fatalf("after forcing: %s %q", f.Status, f.LastChange.Reason)
	}
	if ev := e.audited(t, "entry.publish", f.ID); len(ev) != 3 || ev[0].Outcome != http.StatusOK || ev[0].Detail != "forced without approval: Storm surge: no second publisher reachable" {
		t.Fatalf("forced publish audit: %d events", len(ev))
	}
}
