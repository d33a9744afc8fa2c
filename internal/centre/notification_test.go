package centre_test

import (
	"testing"
	"time"

	"infocentre/internal/centre"
)

// outbox returns every outbox record of site, oldest first, as
// "kind v<version> due <due>".
func (f *fixture) outbox(site string) []*centre.OutboxRecord {
	f.t.Helper()
	page, err := f.store.ListNotifications(f.t.Context(), centre.NotificationQuery{Site: site, Limit: centre.MaxPageSize})
	if err != nil {
		f.t.Fatal(err)
	}
	out := make([]*centre.OutboxRecord, len(page.Items))
	for i, r := range page.Items {
		out[len(out)-1-i] = r
	}
	return out
}

// TestAnnouncements: every public change records its notification with the
// entry — publishing (now, on creation, or a scheduled entry when it is
// released, due then), a major change, a withdrawal — and nothing else does
// (drafts, scheduling, minor changes, unscheduling, failed writes).
func TestAnnouncements(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	want := func(what string, kinds ...string) []*centre.OutboxRecord {
		t.Helper()
		got := f.outbox("demo")
		if len(got) != len(kinds) {
			t.Fatalf("%s: %d records, want %v", what, len(got), kinds)
		}
		for i, r := range got {
			if r.Kind != kinds[i] || r.State != centre.OutboxPending || r.Site != "demo" {
				t.Fatalf("%s: record %d is %s %s of %s, want pending %s of demo", what, i, r.State, r.Kind, r.Site, kinds[i])
			}
		}
		return got
	}

	e, err := f.svc.CreateEntry(ctx, f.owner, "demo", centre.EntryInput{Content: centre.Content{Type: centre.TypeStatement, Title: "Water advice"}})
	if err != nil {
		t.Fatal(err)
	}
	e, err = f.svc.UpdateEntry(ctx, f.owner, "demo", e.ID, centre.EntryPatch{ContentPatch: centre.ContentPatch{Summary: ptr("Boil water")}}, e.Version)
	if err != nil {
		t.Fatal(err)
	}
	want("a draft created and changed")

	f.now = f.now.Add(time.Minute)
	e, err = f.svc.Publish(ctx, f.owner, "demo", e.ID, e.Version, "")
	if err != nil {
		t.Fatal(err)
	}
	got := want("published", centre.NotifyPublished)
	n := got[0]
	if n.Entry != e.ID || n.Slug != e.Slug || n.Lang != e.Lang || n.Version != e.Version || !n.Due.Equal(f.now) || !n.NextAt.Equal(f.now) {
		t.Fatalf("the published record %+v does not match entry %s v%d %s/%s due %s", n, e.ID, e.Version, e.Lang, e.Slug, f.now)
	}
	if e.Announcement() != nil {
		t.Fatal("the entry returned still carries its announcement")
	}

	f.now = f.now.Add(time.Minute)
	minor := centre.ChangeMinor
	e, err = f.svc.UpdateEntry(ctx, f.owner, "demo", e.ID, centre.EntryPatch{ContentPatch: centre.ContentPatch{Summary: ptr("Boil water first")}, Change: &minor}, e.Version)
	if err != nil {
		t.Fatal(err)
	}
	want("a minor change", centre.NotifyPublished)

	f.now = f.now.Add(time.Minute)
	note := "The advice now covers bottled water."
	e, err = f.svc.UpdateEntry(ctx, f.owner, "demo", e.ID, centre.EntryPatch{ContentPatch: centre.ContentPatch{Summary: ptr("Boil or buy")}, ChangeNote: &note}, e.Version)
	if err != nil {
		t.Fatal(err)
	}
	got = want("a major change", centre.NotifyPublished, centre.NotifyUpdated)
	if got[1].Version != e.Version {
		t.Fatalf("the update's record names version %d, want %d", got[1].Version, e.Version)
	}
	f.now = f.now.Add(time.Minute)
	e, err = f.svc.Publish(ctx, f.owner, "demo", e.ID, e.Version, "Re-issued with a map.")
	if err != nil {
		t.Fatal(err)
	}
	want("re-published with a change note", centre.NotifyPublished, centre.NotifyUpdated, centre.NotifyUpdated)

	_, err = f.svc.Withdraw(ctx, f.owner, "demo", e.ID, e.Version-1, "Superseded", "")
	wantCode(t, err, centre.EPRECONDITION, "Withdraw at a stale version")
	want("a failed withdrawal", centre.NotifyPublished, centre.NotifyUpdated, centre.NotifyUpdated)
	f.now = f.now.Add(time.Minute)
	if _, err = f.svc.Withdraw(ctx, f.owner, "demo", e.ID, e.Version, "The advice is lifted.", ""); err != nil {
		t.Fatal(err)
	}
	want("withdrawn", centre.NotifyPublished, centre.NotifyUpdated, centre.NotifyUpdated, centre.NotifyWithdrawn)

	f.now = f.now.Add(time.Minute)
	// Created published: announced at once.
	if _, err := f.svc.CreateEntry(ctx, f.owner, "other", centre.EntryInput{Status: centre.StatusPublished,
		Content: centre.Content{Type: centre.TypeNews, Title: "Roads open"}}); err != nil {
		t.Fatal(err)
	}
	if got := f.outbox("other"); len(got) != 1 || got[0].Kind != centre.NotifyPublished || got[0].Version != 1 {
		t.Fatalf("created published: records %+v, want one published v1", got)
	}

	// Scheduled: nothing when scheduled or unscheduled; announced by the
	// write that releases it, due then.
	at := f.now.Add(2 * time.Hour)
	s, err := f.svc.CreateEntry(ctx, f.owner, "other", centre.EntryInput{Status: centre.StatusScheduled, PublishAt: at,
		Content: centre.Content{Type: centre.TypeNews, Title: "Shelters reopen"}})
	if err != nil {
		t.Fatal(err)
	}
	if s, err = f.svc.Unschedule(ctx, f.owner, "other", s.ID, s.Version); err != nil {
		t.Fatal(err)
	}
	if s, err = f.svc.Publish(ctx, f.owner, "other", s.ID, s.Version, ""); err != nil || s.Status != centre.StatusScheduled {
		t.Fatalf("schedule again: %v, status %s", err, s.Status)
	}
	if got := f.outbox("other"); len(got) != 1 {
		t.Fatalf("after scheduling: %d records, want only the first entry's", len(got))
	}
	f.now = at.Add(30 * time.Second) // the publisher runs a little after publish_at
	if n, err := f.svc.PublishDue(ctx); err != nil || n != 1 {
		t.Fatalf("PublishDue: %d, %v", n, err)
	}
	got = f.outbox("other")
	if len(got) != 2 || got[1].Kind != centre.NotifyPublished || got[1].Entry != s.ID || !got[1].Due.Equal(f.now) {
		t.Fatalf("after the release: %+v, want a published record of %s due %s", got, s.ID, f.now)
	}
	if n, err := f.svc.PublishDue(ctx); err != nil || n != 0 || len(f.outbox("other")) != 2 {
		t.Fatalf("PublishDue again: %d, %v, %d records", n, err, len(f.outbox("other")))
	}
}

// TestNotificationID: the same change gets the same id, any other change
// another one; ids are valid IDs that sort by time.
func TestNotificationID(t *testing.T) {
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	a := centre.NotificationID("demo", "e1", 3, centre.NotifyUpdated, at)
	if !centre.ValidID(a) || a != centre.NotificationID("demo", "e1", 3, centre.NotifyUpdated, at) {
		t.Fatalf("id %q: not valid or not stable", a)
	}
	for _, other := range []string{
		centre.NotificationID("other", "e1", 3, centre.NotifyUpdated, at),
		centre.NotificationID("demo", "e2", 3, centre.NotifyUpdated, at),
		centre.NotificationID("demo", "e1", 4, centre.NotifyUpdated, at),
		centre.NotificationID("demo", "e1", 3, centre.NotifyWithdrawn, at),
	} {
		if other == a {
			t.Fatalf("two changes share id %q", a)
		}
	}
	if later := centre.NotificationID("demo", "e0", 1, centre.NotifyPublished, at.Add(time.Millisecond)); later <= a {
		t.Fatalf("a later id %q sorts before %q", later, a)
	}
}

func ptr[T any](v T) *T { return &v }

// TestNotificationsListing: publishers of the site read its outbox;
// editors and other sites' keys may not; a bad state names the field.
func TestNotificationsListing(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	pub, _, _ := f.key(f.owner, "demo", centre.RolePublisher, time.Time{})
	ed, _, _ := f.key(f.owner, "demo", centre.RoleEditor, time.Time{})
	other, _, _ := f.key(f.owner, "other", centre.RoleAdmin, time.Time{})
	if _, err := f.svc.CreateEntry(ctx, pub, "demo", centre.EntryInput{Status: centre.StatusPublished,
		Content: centre.Content{Type: centre.TypeNews, Title: "Listed"}}); err != nil {
		t.Fatal(err)
	}
	page, err := f.svc.Notifications(ctx, pub, centre.NotificationQuery{Site: "demo", State: centre.OutboxPending})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("publisher: %v, %v", page.Items, err)
	}
	_, err = f.svc.Notifications(ctx, ed, centre.NotificationQuery{Site: "demo"})
	wantCode(t, err, centre.EFORBIDDEN, "editor")
	_, err = f.svc.Notifications(ctx, other, centre.NotificationQuery{Site: "demo"})
	wantCode(t, err, centre.EFORBIDDEN, "another site's admin")
	_, err = f.svc.Notifications(ctx, pub, centre.NotificationQuery{Site: "demo", State: "sent"})
	wantCode(t, err, centre.EINVALID, "unknown state")
	_, err = f.svc.Notifications(ctx, f.owner, centre.NotificationQuery{Site: "nowhere"})
	wantCode(t, err, centre.ENOTFOUND, "unknown site")
}
