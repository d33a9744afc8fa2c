package centre_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"infocentre/internal/centre"
)

// TestHeldChanges: on a site with the two-person rule, a change to a
// published entry is held (Entry.Pending) and the public reads the
// published content until a publisher other than its author approves the
// change and it is published; a held major change stays major, a minor
// one publishes without a note or a new date, and withdrawing drops it.
func TestHeldChanges(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.requireReview("demo")
	alice, _, _ := f.key(f.owner, "demo", centre.RolePublisher, time.Time{})
	bob, _, _ := f.key(f.owner, "demo", centre.RolePublisher, time.Time{})
	publish := func(title string) *centre.Entry {
		t.Helper()
		e, err := f.svc.CreateEntry(ctx, alice, "demo", centre.EntryInput{Content: centre.Content{Type: centre.TypeStatement, Title: title, Body: "Boil water."}})
		if err != nil {
			t.Fatal(err)
		}
		if e, err = f.svc.Approve(ctx, bob, "demo", e.ID, e.Version, ""); err != nil {
			t.Fatal(err)
		}
		if e, err = f.svc.Publish(ctx, alice, "demo", e.ID, e.Version, ""); err != nil {
			t.Fatal(err)
		}
		return e
	}
	public := func(e *centre.Entry) *centre.Entry {
		t.Helper()
		got, err := f.svc.PublicEntry(ctx, "demo", e.Slug, e.Lang)
		if err != nil {
			t.Fatal(err)
		}
		return got[0]
	}
	e := publish("Water advice")
	published, updated := e.Version, e.UpdatedAt
	// kinds returns the kinds of the outbox records of e, oldest first:
	// only what the public sees is announced.
	kinds := func() []string {
		t.Helper()
		var out []string
		for _, r := range f.outbox("demo") {
			if r.Entry == e.ID {
				out = append(out, fmt.Sprintf("%s v%d", r.Kind, r.Version))
			}
		}
		return out
	}
	f.now = f.now.Add(time.Hour)

	// A major change is held: the public still reads the published text.
	title, body, major, minor, note := "Water advice: boil for 3 minutes", "Boil water for 3 minutes.", centre.ChangeMajor, centre.ChangeMinor, "Boiling time corrected."
	e, err := f.svc.UpdateEntry(ctx, alice, "demo", e.ID, centre.EntryPatch{ContentPatch: centre.ContentPatch{Title: &title, Body: &body},
		Change: &major, ChangeNote: &note}, e.Version)
	if err != nil {
		t.Fatalf("a change to a published entry: %v", err)
	}
	if e.Title != "Water advice" || e.Pending == nil || e.Pending.Title != title || e.Pending.Body != body || e.Pending.Kind != major ||
		e.Pending.Note != note || len(e.ChangeNotes) != 0 || !e.UpdatedAt.Equal(updated) || e.EditedBy != alice.Actor() || e.Version != published+1 {
		t.Fatalf("after the held change: %+v pending %+v", e, e.Pending)
	}
	if p := public(e); p.Title != "Water advice" || p.Body != "Boil water." || len(p.ChangeNotes) != 0 {
		t.Fatalf("the public reads the held change: %q %q", p.Title, p.Body)
	}
	if got := kinds(); !slices.Equal(got, []string{fmt.Sprintf("%s v%d", centre.NotifyPublished, published)}) {
		t.Fatalf("a held change is announced: %v", got)
	}
	if pr := e.Proposed(); pr.Title != title || pr.Body != body || e.Title != "Water advice" {
		t.Fatalf("Proposed: %q, and the entry itself %q", pr.Title, e.Title)
	}
	// A minor change on top keeps it major with its note.
	summary := "How long to boil"
	if e, err = f.svc.UpdateEntry(ctx, alice, "demo", e.ID, centre.EntryPatch{ContentPatch: centre.ContentPatch{Summary: &summary}, Change: &minor}, e.Version); err != nil {
		t.Fatal(err)
	}
	if e.Pending.Title != title || e.Pending.Summary != summary || e.Pending.Kind != major || e.Pending.Note != note || e.Summary != "" {
		t.Fatalf("a minor change on a held major one: %+v", e.Pending)
	}
	// The address does not change this way.
	lang := "fr"
	_, err = f.svc.UpdateEntry(ctx, alice, "demo", e.ID, centre.EntryPatch{Lang: &lang, Change: &minor}, e.Version)
	wantCode(t, err, centre.EINVALID, "a held change of language")

	// Not published unapproved, nor approved by its author.
	_, err = f.svc.Publish(ctx, alice, "demo", e.ID, e.Version, "")
	wantCode(t, err, centre.ECONFLICT, "publish a held change unapproved")
	_, err = f.svc.Approve(ctx, alice, "demo", e.ID, e.Version, "")
	wantCode(t, err, centre.ECONFLICT, "the author approves her held change")
	// Sent back, changed again, approved by Bob, published by Alice.
	if e, err = f.svc.RequestChanges(ctx, bob, "demo", e.ID, e.Version, "Say who advises it."); err != nil {
		t.Fatalf("request changes to a held change: %v", err)
	}
	body2 := body + " Advice of the water board."
	if e, err = f.svc.UpdateEntry(ctx, alice, "demo", e.ID, centre.EntryPatch{ContentPatch: centre.ContentPatch{Body: &body2}, Change: &minor}, e.Version); err != nil {
		t.Fatal(err)
	}
	if e, err = f.svc.Approve(ctx, bob, "demo", e.ID, e.Version, "Fine."); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(time.Hour)
	if e, err = f.svc.Publish(ctx, alice, "demo", e.ID, e.Version, ""); err != nil {
		t.Fatalf("publish the approved held change: %v", err)
	}
	if e.Pending != nil || e.Title != title || e.Body != body2 || e.Summary != summary || e.Approved() || len(e.ChangeNotes) != 1 ||
		e.ChangeNotes[0].Note != note || !e.UpdatedAt.Equal(f.now) || e.LastChange.Kind != major || e.BodyHTML == "" || e.Status != centre.StatusPublished {
		t.Fatalf("after publishing the held change: %+v", e)
	}
	if p := public(e); p.Title != title || p.Body != body2 || len(p.ChangeNotes) != 1 {
		t.Fatalf("the public after publication: %q", p.Title)
	}
	if got := kinds(); len(got) != 2 || got[1] != fmt.Sprintf("%s v%d", centre.NotifyUpdated, e.Version) {
		t.Fatalf("publishing a held major change announces %v", got)
	}

	// A minor held change: no public note, no new date.
	updated = e.UpdatedAt
	fixed := "Water advice: boil for three minutes"
	if e, err = f.svc.UpdateEntry(ctx, bob, "demo", e.ID, centre.EntryPatch{ContentPatch: centre.ContentPatch{Title: &fixed}, Change: &minor}, e.Version); err != nil {
		t.Fatal(err)
	}
	if e, err = f.svc.Approve(ctx, alice, "demo", e.ID, e.Version, ""); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Publish(ctx, bob, "demo", e.ID, e.Version, "A note")
	wantCode(t, err, centre.EINVALID, "a note on a minor held change")
	f.now = f.now.Add(time.Hour)
	if e, err = f.svc.Publish(ctx, bob, "demo", e.ID, e.Version, ""); err != nil {
		t.Fatal(err)
	}
	if e.Title != fixed || len(e.ChangeNotes) != 1 || !e.UpdatedAt.Equal(updated) || e.LastChange.Kind != minor {
		t.Fatalf("after a minor held change: %q, %d notes, updated %v", e.Title, len(e.ChangeNotes), e.UpdatedAt)
	}
	if got := kinds(); len(got) != 2 {
		t.Fatalf("publishing a minor held change announces: %v", got)
	}

	// Withdrawing drops a held change.
	if e, err = f.svc.UpdateEntry(ctx, alice, "demo", e.ID, centre.EntryPatch{ContentPatch: centre.ContentPatch{Title: &title}, Change: &minor}, e.Version); err != nil {
		t.Fatal(err)
	}
	if e, err = f.svc.Withdraw(ctx, bob, "demo", e.ID, e.Version, "Superseded by new advice", ""); err != nil {
		t.Fatal(err)
	}
	if e.Pending != nil || e.Title != fixed {
		t.Fatalf("after withdrawing: pending %+v, title %q", e.Pending, e.Title)
	}

	// Without the rule, a change to a published entry is public at once.
	o, err := f.svc.CreateEntry(ctx, f.owner, "other", centre.EntryInput{Content: centre.Content{Type: centre.TypeStatement, Title: "Free"}, Status: centre.StatusPublished})
	if err != nil {
		t.Fatal(err)
	}
	if o, err = f.svc.UpdateEntry(ctx, f.owner, "other", o.ID, centre.EntryPatch{ContentPatch: centre.ContentPatch{Title: &title}, Change: &minor}, o.Version); err != nil ||
		o.Pending != nil || o.Title != title {
		t.Fatalf("a change without the rule: %+v %v", o, err)
	}
}

// TestPublishDueRespectsTheTwoPersonRule: an entry scheduled before its
// site required approval is not published when due but goes back to
// review, saying why; one approved (or forced by an owner) under the rule
// is published.
func TestPublishDueRespectsTheTwoPersonRule(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	alice, _, _ := f.key(f.owner, "demo", centre.RolePublisher, time.Time{})
	bob, _, _ := f.key(f.owner, "demo", centre.RolePublisher, time.Time{})
	at := f.now.Add(2 * time.Hour)
	schedule := func(title string, p centre.Principal, force string) *centre.Entry {
		t.Helper()
		e, err := f.svc.CreateEntry(ctx, alice, "demo", centre.EntryInput{Content: centre.Content{Type: centre.TypeNews, Title: title}, PublishAt: at})
		if err != nil {
			t.Fatal(err)
		}
		if force != "" {
			e, err = f.svc.ForcePublish(ctx, p, "demo", e.ID, e.Version, "", force)
		} else {
			if p != alice {
				if e, err = f.svc.Approve(ctx, p, "demo", e.ID, e.Version, ""); err != nil {
					t.Fatal(err)
				}
			}
			e, err = f.svc.Publish(ctx, alice, "demo", e.ID, e.Version, "")
		}
		if err != nil || e.Status != centre.StatusScheduled {
			t.Fatalf("schedule %q: %+v %v", title, e, err)
		}
		return e
	}
	before := schedule("Scheduled before the rule", alice, "")
	f.requireReview("demo")
	approved := schedule("Approved under the rule", bob, "")
	forced := schedule("Forced by an owner", f.owner, "No second publisher tonight")
	f.now = at.Add(time.Minute)
	n, err := f.svc.PublishDue(ctx)
	if err != nil || n != 2 {
		t.Fatalf("PublishDue: %d, %v; want 2", n, err)
	}
	got, _ := f.svc.Entry(ctx, f.owner, "demo", before.ID)
	if got.Status != centre.StatusDraft || got.ReviewRequestedAt.IsZero() || got.LastChange.Action != "hold" || got.ReviewNote == "" {
		t.Fatalf("the entry scheduled before the rule: %+v", got)
	}
	if _, err := f.svc.PublicEntry(ctx, "demo", before.Slug, ""); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("the unapproved entry is public: %v", err)
	}
	for _, r := range f.outbox("demo") {
		if r.Entry == before.ID {
			t.Fatalf("the held entry is announced: %+v", r)
		}
	}
	for _, e := range []*centre.Entry{approved, forced} {
		got, _ := f.svc.Entry(ctx, f.owner, "demo", e.ID)
		if got.Status != centre.StatusPublished || got.Approved() {
			t.Fatalf("%q after PublishDue: %s, approved %v", got.Title, got.Status, got.Approved())
		}
	}
	if n, err := f.svc.PublishDue(ctx); err != nil || n != 0 {
		t.Fatalf("a second run: %d %v", n, err)
	}
}
