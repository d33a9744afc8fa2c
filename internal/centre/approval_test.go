package centre_test

import (
	"testing"
	"time"

	"infocentre/internal/centre"
)

// requireReview turns the two-person rule on for site.
func (f *fixture) requireReview(site string) {
	f.t.Helper()
	st, err := f.svc.Site(f.t.Context(), site)
	if err != nil {
		f.t.Fatal(err)
	}
	on := true
	if _, err := f.svc.UpdateSite(f.t.Context(), f.owner, site, centre.SitePatch{ReviewRequired: &on}, st.Version); err != nil {
		f.t.Fatalf("turn review_required on: %v", err)
	}
}

// TestTwoPersonRule: on a site with review_required, a draft is published
// or scheduled only after a publisher other than its last author approved
// its current content; a change clears the approval and publishing uses
// it up.
func TestTwoPersonRule(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.requireReview("demo")
	editor, _, _ := f.key(f.owner, "demo", centre.RoleEditor, time.Time{})
	alice, _, _ := f.key(f.owner, "demo", centre.RolePublisher, time.Time{})
	bob, _, _ := f.key(f.owner, "demo", centre.RolePublisher, time.Time{})

	_, err := f.svc.CreateEntry(ctx, alice, "demo", centre.EntryInput{Content: centre.Content{Type: centre.TypeStatement, Title: "Direct"}, Status: centre.StatusPublished})
	wantCode(t, err, centre.ECONFLICT, "create as published on a review_required site")

	e, err := f.svc.CreateEntry(ctx, editor, "demo", centre.EntryInput{Content: centre.Content{Type: centre.TypeStatement, Title: "Statement"}})
	if err != nil {
		t.Fatal(err)
	}
	if e.EditedBy != editor.Actor() {
		t.Fatalf("EditedBy = %q, want %q", e.EditedBy, editor.Actor())
	}
	_, err = f.svc.Publish(ctx, alice, "demo", e.ID, e.Version, "")
	wantCode(t, err, centre.ECONFLICT, "publish without approval")
	_, err = f.svc.Approve(ctx, editor, "demo", e.ID, e.Version, "")
	wantCode(t, err, centre.EFORBIDDEN, "approve as an editor")

	// Alice changes it: she may no longer approve it, Bob may.
	title := "Statement, revised"
	e, err = f.svc.UpdateEntry(ctx, alice, "demo", e.ID, centre.EntryPatch{ContentPatch: centre.ContentPatch{Title: &title}}, e.Version)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Approve(ctx, alice, "demo", e.ID, e.Version, "")
	wantCode(t, err, centre.ECONFLICT, "approve one's own change")
	_, err = f.svc.Approve(ctx, bob, "demo", e.ID, e.Version-1, "")
	wantCode(t, err, centre.EPRECONDITION, "approve an older version")
	e, err = f.svc.Approve(ctx, bob, "demo", e.ID, e.Version, "Checked with legal.")
	if err != nil {
		t.Fatalf("approve as another publisher: %v", err)
	}
	if !e.Approved() || e.ApprovedBy != bob.Actor() || e.ApprovalNote != "Checked with legal." || e.LastChange.Action != "approve" {
		t.Fatalf("approval not recorded: %+v", e)
	}
	_, err = f.svc.Approve(ctx, bob, "demo", e.ID, e.Version, "")
	wantCode(t, err, centre.ECONFLICT, "approve twice")

	// A change after approval clears it.
	body := "A sentence added after approval."
	e, err = f.svc.UpdateEntry(ctx, editor, "demo", e.ID, centre.EntryPatch{ContentPatch: centre.ContentPatch{Body: &body}}, e.Version)
	if err != nil {
		t.Fatal(err)
	}
	if e.Approved() {
		t.Fatal("a content change kept the approval")
	}
	_, err = f.svc.Publish(ctx, alice, "demo", e.ID, e.Version, "")
	wantCode(t, err, centre.ECONFLICT, "publish after a change to the approved content")
	if got, _ := f.svc.Entry(ctx, f.owner, "demo", e.ID); got.Status != centre.StatusDraft || got.Version != e.Version {
		t.Fatalf("a refused publish changed the entry: %s v%d", got.Status, got.Version)
	}

	// The editor made the last change, so Alice may approve now, and
	// even publish what she approved.
	e, err = f.svc.Approve(ctx, alice, "demo", e.ID, e.Version, "")
	if err != nil {
		t.Fatal(err)
	}
	e, err = f.svc.Publish(ctx, alice, "demo", e.ID, e.Version, "")
	if err != nil {
		t.Fatalf("publish an approved draft: %v", err)
	}
	if e.Status != centre.StatusPublished || e.Approved() {
		t.Fatalf("after publishing: status %s, approved %v (the approval is used up)", e.Status, e.Approved())
	}

	// Re-publishing (a major update) needs a new approval.
	_, err = f.svc.Publish(ctx, alice, "demo", e.ID, e.Version, "Corrected the figures.")
	wantCode(t, err, centre.ECONFLICT, "re-publish without a new approval")
	e, err = f.svc.Approve(ctx, bob, "demo", e.ID, e.Version, "")
	if err != nil {
		t.Fatal(err)
	}
	if e, err = f.svc.Publish(ctx, alice, "demo", e.ID, e.Version, "Corrected the figures."); err != nil {
		t.Fatalf("re-publish with approval: %v", err)
	}
	if len(e.ChangeNotes) != 1 {
		t.Fatalf("change notes %v", e.ChangeNotes)
	}

	// Scheduling is publishing: it needs approval, and a scheduled entry
	// cannot be changed behind the approval.
	later := f.now.Add(48 * time.Hour)
	s, err := f.svc.CreateEntry(ctx, editor, "demo", centre.EntryInput{Content: centre.Content{Type: centre.TypeNews, Title: "Later"}, PublishAt: later})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Publish(ctx, alice, "demo", s.ID, s.Version, "")
	wantCode(t, err, centre.ECONFLICT, "schedule without approval")
	if s, err = f.svc.Approve(ctx, bob, "demo", s.ID, s.Version, ""); err != nil {
		t.Fatal(err)
	}
	if s, err = f.svc.Publish(ctx, alice, "demo", s.ID, s.Version, ""); err != nil || s.Status != centre.StatusScheduled {
		t.Fatalf("schedule an approved draft: %v", err)
	}
	_, err = f.svc.UpdateEntry(ctx, alice, "demo", s.ID, centre.EntryPatch{ContentPatch: centre.ContentPatch{Title: &title}}, s.Version)
	wantCode(t, err, centre.ECONFLICT, "change a scheduled entry on a review_required site")

	// Without the rule, nothing of this is asked.
	o, err := f.svc.CreateEntry(ctx, f.owner, "other", centre.EntryInput{Content: centre.Content{Type: centre.TypeStatement, Title: "Free"}, Status: centre.StatusPublished})
	if err != nil || o.Status != centre.StatusPublished {
		t.Fatalf("publish on a site without the rule: %v", err)
	}
}

// TestApprovalByPeople: a signed-in person is an actor of their own: the
// person who wrote a draft cannot approve it, another person can.
func TestApprovalByPeople(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.requireReview("demo")
	author, _ := f.signIn(f.person(f.owner, "demo", centre.RolePublisher, "author@example.org"))
	reviewer, _ := f.signIn(f.person(f.owner, "demo", centre.RolePublisher, "reviewer@example.org"))
	e, err := f.svc.CreateEntry(ctx, author, "demo", centre.EntryInput{Content: centre.Content{Type: centre.TypeStatement, Title: "By a person"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Approve(ctx, author, "demo", e.ID, e.Version, "")
	wantCode(t, err, centre.ECONFLICT, "a person approves their own draft")
	if e, err = f.svc.Approve(ctx, reviewer, "demo", e.ID, e.Version, ""); err != nil {
		t.Fatal(err)
	}
	if e.ApprovedBy != "person:"+reviewer.PersonID {
		t.Fatalf("ApprovedBy = %q", e.ApprovedBy)
	}
	if _, err = f.svc.Publish(ctx, author, "demo", e.ID, e.Version, ""); err != nil {
		t.Fatalf("the author publishes what another approved: %v", err)
	}
}

// TestRequestChanges: a reviewer sends a draft back with a note; asking
// for review again clears it.
func TestRequestChanges(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	editor, _, _ := f.key(f.owner, "demo", centre.RoleEditor, time.Time{})
	reviewer, _, _ := f.key(f.owner, "demo", centre.RolePublisher, time.Time{})
	e, err := f.svc.CreateEntry(ctx, editor, "demo", centre.EntryInput{Content: centre.Content{Type: centre.TypeStatement, Title: "Draft"}})
	if err != nil {
		t.Fatal(err)
	}
	if e, err = f.svc.RequestReview(ctx, editor, "demo", e.ID, e.Version, "Ready?"); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.RequestChanges(ctx, editor, "demo", e.ID, e.Version, "no")
	wantCode(t, err, centre.EFORBIDDEN, "request changes as an editor")
	_, err = f.svc.RequestChanges(ctx, reviewer, "demo", e.ID, e.Version, "  ")
	wantCode(t, err, centre.EINVALID, "request changes without a note")
	e, err = f.svc.RequestChanges(ctx, reviewer, "demo", e.ID, e.Version, "Cite the source of the figures.")
	if err != nil {
		t.Fatal(err)
	}
	if !e.ReviewRequestedAt.IsZero() || e.ReviewNote != "" || e.ChangesNote != "Cite the source of the figures." ||
		e.ChangesRequestedBy != reviewer.Actor() || !e.ChangesRequestedAt.Equal(f.now) || e.LastChange.Action != "request-changes" {
		t.Fatalf("changes not requested: %+v", e)
	}
	if e, err = f.svc.RequestReview(ctx, editor, "demo", e.ID, e.Version, "Sources added."); err != nil {
		t.Fatal(err)
	}
	if !e.ChangesRequestedAt.IsZero() || e.ChangesNote != "" || e.ReviewNote != "Sources added." {
		t.Fatalf("asking for review again kept the request for changes: %+v", e)
	}
	// An approved draft sent back is no longer approved.
	if e, err = f.svc.Approve(ctx, reviewer, "demo", e.ID, e.Version, ""); err != nil {
		t.Fatal(err)
	}
	if !e.ReviewRequestedAt.IsZero() {
		t.Fatal("an approved draft still awaits review")
	}
	if e, err = f.svc.RequestChanges(ctx, reviewer, "demo", e.ID, e.Version, "On second thought, shorten it."); err != nil {
		t.Fatal(err)
	}
	if e.Approved() {
		t.Fatal("a draft sent back for changes kept its approval")
	}
	p, err := f.svc.Publish(ctx, reviewer, "demo", e.ID, e.Version, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.RequestChanges(ctx, reviewer, "demo", p.ID, p.Version, "too late")
	wantCode(t, err, centre.ECONFLICT, "request changes on a published entry")
}

// TestForcePublish: an owner may publish without approval with a reason,
// which the entry's history keeps; nobody else may.
func TestForcePublish(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.requireReview("demo")
	editor, _, _ := f.key(f.owner, "demo", centre.RoleEditor, time.Time{})
	admin, _, _ := f.key(f.owner, "demo", centre.RoleAdmin, time.Time{})
	e, err := f.svc.CreateEntry(ctx, editor, "demo", centre.EntryInput{Content: centre.Content{Type: centre.TypeStatement, Title: "Urgent"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.ForcePublish(ctx, admin, "demo", e.ID, e.Version, "", "urgent")
	wantCode(t, err, centre.EFORBIDDEN, "force-publish as an admin")
	_, err = f.svc.ForcePublish(ctx, f.owner, "demo", e.ID, e.Version, "", " ")
	wantCode(t, err, centre.EINVALID, "force-publish without a reason")
	p, err := f.svc.ForcePublish(ctx, f.owner, "demo", e.ID, e.Version, "", "Evacuation order; no second publisher on duty.")
	if err != nil {
		t.Fatalf("force-publish as owner: %v", err)
	}
	if p.Status != centre.StatusPublished {
		t.Fatalf("status %s", p.Status)
	}
	rev, err := f.svc.Revision(ctx, f.owner, "demo", e.ID, p.Version)
	if err != nil {
		t.Fatal(err)
	}
	if rev.LastChange.Reason != "Evacuation order; no second publisher on duty." || rev.LastChange.Action != "publish" {
		t.Fatalf("history does not keep the reason: %+v", rev.LastChange)
	}
}
