package httpapi_test

import (
	"strings"
	"testing"

	"infocentre/internal/centre"
	"infocentre/internal/dynamostore/dynamotest"
	"infocentre/internal/httpapi"
)

func TestTwoPersonRuleOverAPI(t *testing.T) { testTwoPersonRule(t, newEnv(t)) }

func TestTwoPersonRuleOverAPIOnDynamoDB(t *testing.T) {
	if testing.Short() {
		t.Skip("moto_server: not under -short")
	}
	testTwoPersonRule(t, newEnvOn(t, dynamotest.NewStore(t)))
}

// testTwoPersonRule walks the two-person rule through the staff API: the
// site setting, approve and request-changes with If-Match, the refused
// publication, an owner's forced one, the audit log, and no approval
// field in public output.
func testTwoPersonRule(t *testing.T, e *env) {
	var site centre.Site
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo", role: centre.RoleViewer}, 200).json(t, &site)
	if site.ReviewRequired {
		t.Fatal("review_required is on by default")
	}
	e.must(req{method: "PATCH", path: "/api/v1/admin/sites/demo", role: centre.RolePublisher, body: map[string]any{"review_required": true},
		header: map[string]string{"If-Match": tag(site.Version)}}, 403)
	e.must(req{method: "PATCH", path: "/api/v1/admin/sites/demo", role: centre.RoleAdmin, body: map[string]any{"review_required": true},
		header: map[string]string{"If-Match": tag(site.Version)}}, 200).json(t, &site)
	if !site.ReviewRequired {
		t.Fatal("review_required not set")
	}

	d := e.draft("two-person", nil)
	path := "/api/v1/admin/sites/demo/entries/" + d.ID
	var got centre.Entry
	e.must(req{method: "POST", path: path + "/review", role: centre.RoleEditor, body: map[string]any{"note": "Ready."}}, 200).json(t, fresh(&got))
	p := e.must(req{method: "POST", path: path + "/publish", role: centre.RolePublisher, header: map[string]string{"If-Match": tag(got.Version)}}, 409).problem(t)
	if !strings.Contains(p.Detail, "requires approval") {
		t.Fatalf("refusal says %q", p.Detail)
	}
	// request-changes needs a note, the publisher role and the version read.
	e.must(req{method: "POST", path: path + "/request-changes", role: centre.RoleEditor, body: map[string]any{"note": "x"}}, 403)
	e.must(req{method: "POST", path: path + "/request-changes", role: centre.RolePublisher, body: map[string]any{}}, 400)
	e.must(req{method: "POST", path: path + "/request-changes", role: centre.RolePublisher, body: map[string]any{"note": "Add the source."},
		header: map[string]string{"If-Match": tag(got.Version + 1)}}, 412)
	e.must(req{method: "POST", path: path + "/request-changes", role: centre.RolePublisher, body: map[string]any{"note": "Add the source."},
		header: map[string]string{"If-Match": tag(got.Version)}}, 200).json(t, fresh(&got))
	if got.ChangesNote != "Add the source." || !got.ReviewRequestedAt.IsZero() || got.ChangesRequestedBy != e.keyIDs[centre.RolePublisher] {
		t.Fatalf("after request-changes: %+v", got)
	}
	e.must(req{method: "PATCH", path: path, role: centre.RoleEditor, body: map[string]any{"summary": "Source: the 2025 survey."},
		header: map[string]string{"If-Match": tag(got.Version)}}, 200).json(t, fresh(&got))

	// approve: publishers only, and not the last author.
	e.must(req{method: "POST", path: path + "/approve", role: centre.RoleEditor}, 403)
	e.must(req{method: "POST", path: path + "/approve", role: centre.RolePublisher, header: map[string]string{"If-Match": tag(got.Version - 1)}}, 412)
	e.must(req{method: "POST", path: path + "/approve", role: centre.RolePublisher, body: map[string]any{"note": "Good."},
		header: map[string]string{"If-Match": tag(got.Version)}}, 200).json(t, fresh(&got))
	if got.ApprovedBy != e.keyIDs[centre.RolePublisher] || got.ApprovalNote != "Good." || got.ApprovedAt.IsZero() || got.EditedBy != e.keyIDs[centre.RoleEditor] {
		t.Fatalf("after approve: %+v", got)
	}
	e.must(req{method: "POST", path: path + "/publish", role: centre.RolePublisher, header: map[string]string{"If-Match": tag(got.Version)}}, 200).json(t, fresh(&got))
	if got.Status != centre.StatusPublished || !got.ApprovedAt.IsZero() {
		t.Fatalf("after publish: %+v", got)
	}
	// The public sees none of it.
	r := e.must(req{method: "GET", path: "/api/v1/sites/demo/entries/two-person"}, 200)
	for _, field := range []string{"approved", "approval", "changes_", "edited_by"} {
		if strings.Contains(string(r.Body), field) {
			t.Errorf("public entry shows %q: %s", field, r.Body)
		}
	}

	// A change to the published entry is held: the staff API shows it
	// under "pending", the public keeps reading the published version.
	e.must(req{method: "PATCH", path: path, role: centre.RolePublisher, body: map[string]any{"title": "Two-person rule, revised", "change": "major",
		"change_note": "Revised."}, header: map[string]string{"If-Match": tag(got.Version)}}, 200).json(t, fresh(&got))
	if got.Pending == nil || got.Pending.Title != "Two-person rule, revised" || got.Pending.Kind != centre.ChangeMajor || got.Title == got.Pending.Title {
		t.Fatalf("a held change: %+v", got)
	}
	r = e.must(req{method: "GET", path: "/api/v1/sites/demo/entries/two-person"}, 200)
	if strings.Contains(string(r.Body), "pending") || strings.Contains(string(r.Body), "revised") {
		t.Errorf("the public entry shows the held change: %s", r.Body)
	}
	e.must(req{method: "POST", path: path + "/publish", role: centre.RolePublisher, header: map[string]string{"If-Match": tag(got.Version)}}, 409)
	e.must(req{method: "POST", path: path + "/approve", role: centre.RoleAdmin, header: map[string]string{"If-Match": tag(got.Version)}}, 200).json(t, fresh(&got))
	e.must(req{method: "POST", path: path + "/publish", role: centre.RolePublisher, header: map[string]string{"If-Match": tag(got.Version)}}, 200).json(t, fresh(&got))
	if got.Pending != nil || got.Title != "Two-person rule, revised" || len(got.ChangeNotes) != 1 {
		t.Fatalf("after publishing the held change: %+v", got)
	}

	// An owner forces a draft out with a reason; a publisher may not.
	d2 := e.draft("forced", nil)
	path2 := "/api/v1/admin/sites/demo/entries/" + d2.ID
	e.must(req{method: "POST", path: path2 + "/publish", role: centre.RolePublisher, body: map[string]any{"force_reason": "urgent"}}, 403)
	e.must(req{method: "POST", path: path2 + "/publish", role: centre.RoleOwner, body: map[string]any{"force_reason": ""}}, 400)
	e.must(req{method: "POST", path: path2 + "/publish", role: centre.RoleOwner, body: map[string]any{"force_reason": "Evacuation order, no reviewer on duty."},
		header: map[string]string{"If-Match": tag(d2.Version)}}, 200).json(t, fresh(&got))
	if got.Status != centre.StatusPublished || got.LastChange.Reason != "Evacuation order, no reviewer on duty." {
		t.Fatalf("forced publish: %+v", got)
	}

	var log httpapi.AuditList
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/audit?target=" + d2.ID, role: centre.RoleAdmin}, 200).json(t, &log)
	forced := false
	for _, ev := range log.Items {
		if ev.Action == "entry.publish" && ev.Outcome == 200 && strings.Contains(ev.Detail, "Evacuation order") {
			forced = true
		}
	}
	if !forced {
		t.Errorf("the audit log does not record the forced publication: %+v", log.Items)
	}
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/audit?action=entry.approve", role: centre.RoleAdmin}, 200).json(t, &log)
	if len(log.Items) != 4 { // refused as editor, refused on version, approved, the held change approved
		t.Errorf("approve events: %+v", log.Items)
	}
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/audit?action=entry.request-changes", role: centre.RoleAdmin}, 200).json(t, &log)
	if len(log.Items) != 4 || log.Items[0].Outcome != 200 || log.Items[0].Target != d.ID {
		t.Errorf("request-changes events: %+v", log.Items)
	}
}

// fresh zeroes *e before a response is decoded into it: fields left out
// of the JSON (omitzero) must not keep their earlier values.
func fresh(e *centre.Entry) *centre.Entry {
	*e = centre.Entry{}
	return e
}
