package storetest

import (
	"testing"
	"time"

	"infocentre/internal/centre"
)

// newAnnouncement returns a notification of kind for the write that
// stores e as its next version, due at due.
func newAnnouncement(e *centre.Entry, kind string, due time.Time) *centre.Notification {
	v := e.Version + 1
	return &centre.Notification{
		ID: centre.NotificationID(e.Site, e.ID, v, kind, due), Site: e.Site, Entry: e.ID, Slug: e.Slug, Lang: e.Lang,
		Kind: kind, Version: v, Due: due, Created: due,
	}
}

// testOutboxRecorded: CreateEntry and UpdateEntry store the announcement
// with the entry (every field, pending, NextAt = Due) and clear it; a
// failed write stores none, and the same write repeated stores no second
// record; a write without one stores nothing.
func testOutboxRecorded(t *testing.T, s centre.Store) {
	ctx := t.Context()
	_, err := s.GetNotification(ctx, "out", NextID())
	mustCode(t, err, centre.ENOTFOUND, "GetNotification of nothing")

	e := NewEntry("out", "first", "en")
	Publish(e, Base)
	var n centre.Notification
	fill(t, &n, 3)
	n.Created = Base // before the update's record below
	n.ID, n.Site, n.Entry = centre.NotificationID(e.Site, e.ID, 1, n.Kind, n.Created), e.Site, e.ID
	e.Announce(&n)
	mustCreateEntry(t, s, e)
	if e.Announcement() != nil {
		t.Fatal("CreateEntry kept the announcement on the entry it stored")
	}
	got, err := s.GetNotification(ctx, "out", n.ID)
	must(t, err, "GetNotification")
	want := &centre.OutboxRecord{Notification: n, State: centre.OutboxPending, NextAt: n.Due, Updated: n.Created}
	same(t, "the record CreateEntry stored", got, want)

	// A write without an announcement records nothing.
	e.Title = "Quietly fixed"
	must(t, s.UpdateEntry(ctx, e), "UpdateEntry without an announcement")
	page, err := s.ListNotifications(ctx, centre.NotificationQuery{Site: "out"})
	must(t, err, "ListNotifications")
	if len(page.Items) != 1 {
		t.Fatalf("after a write without an announcement: %d records, want 1", len(page.Items))
	}

	// A failed write (stale version) stores nothing; the write that
	// succeeds stores its own; the same write repeated fails and adds
	// nothing.
	stale := *e
	stale.Version--
	stale.Announce(newAnnouncement(&stale, centre.NotifyUpdated, Base.Add(time.Hour)))
	mustCode(t, s.UpdateEntry(ctx, &stale), centre.EPRECONDITION, "UpdateEntry at a stale version")
	if stale.Announcement() == nil {
		t.Fatal("a failed UpdateEntry dropped the announcement")
	}
	_, err = s.GetNotification(ctx, "out", stale.Announcement().ID)
	mustCode(t, err, centre.ENOTFOUND, "the record of a failed write")

	upd := newAnnouncement(e, centre.NotifyUpdated, Base.Add(2*time.Hour))
	retry := *e
	e.Announce(upd)
	must(t, s.UpdateEntry(ctx, e), "UpdateEntry with an announcement")
	retry.Announce(upd)
	if err := s.UpdateEntry(ctx, &retry); err == nil {
		t.Fatal("the same write, repeated, succeeded")
	}
	page, err = s.ListNotifications(ctx, centre.NotificationQuery{Site: "out"})
	must(t, err, "ListNotifications")
	if len(page.Items) != 2 || page.Items[0].ID != upd.ID || page.Items[1].ID != n.ID {
		t.Fatalf("records after a repeated write: %v, want [%s %s]", outboxIDs(page.Items), upd.ID, n.ID)
	}
}

// testOutboxClaim: only pending records due at now are claimed, earliest
// first, each by one caller until its lease ends; settling needs the
// current claim; a settled record is no longer claimed; channels are
// recorded once, whoever holds the record.
func testOutboxClaim(t *testing.T, s centre.Store) {
	ctx := t.Context()
	lease := time.Minute
	var ids []string
	for i, due := range []time.Duration{2 * time.Hour, 0, time.Hour} {
		e := Publish(NewEntry("claims", "e"+string(rune('a'+i)), "en"), Base)
		a := newAnnouncement(&centre.Entry{ID: e.ID, Site: e.Site, Slug: e.Slug, Lang: e.Lang}, centre.NotifyPublished, Base.Add(due))
		e.Announce(a)
		mustCreateEntry(t, s, e)
		ids = append(ids, a.ID)
	}
	_, err := s.ClaimNotifications(ctx, Base, lease, 0)
	mustCode(t, err, centre.EINVALID, "ClaimNotifications with limit 0")

	got, err := s.ClaimNotifications(ctx, Base.Add(-time.Second), lease, 10)
	must(t, err, "ClaimNotifications before anything is due")
	if len(got) != 0 {
		t.Fatalf("claimed %v before they were due", outboxIDs(got))
	}
	now := Base.Add(90 * time.Minute)
	got, err = s.ClaimNotifications(ctx, now, lease, 10)
	must(t, err, "ClaimNotifications")
	if len(got) != 2 || got[0].ID != ids[1] || got[1].ID != ids[2] {
		t.Fatalf("claimed %v, want the two due ones earliest first [%s %s]", outboxIDs(got), ids[1], ids[2])
	}
	first := got[0]
	if first.Claim == "" || !first.NextAt.Equal(now.Add(lease)) || first.State != centre.OutboxPending {
		t.Fatalf("a claimed record: claim %q, next_at %s, state %s; want a claim, %s, pending", first.Claim, first.NextAt, first.State, now.Add(lease))
	}
	stored, err := s.GetNotification(ctx, first.Site, first.ID)
	must(t, err, "GetNotification")
	same(t, "the claimed record as stored", stored, first)
	done := *got[1]
	done.State, done.Updated = centre.OutboxDone, now
	must(t, s.SettleNotification(ctx, &done), "SettleNotification (done)")

	// Leased: nobody else takes them before the lease ends.
	again, err := s.ClaimNotifications(ctx, now.Add(lease-time.Millisecond), lease, 10)
	must(t, err, "ClaimNotifications during the lease")
	if len(again) != 0 {
		t.Fatalf("claimed %v again during their lease", outboxIDs(again))
	}
	_, err = s.ClaimNotification(ctx, first.Site, first.ID, now.Add(time.Second), lease)
	mustCode(t, err, centre.ECONFLICT, "ClaimNotification during the lease")
	_, err = s.ClaimNotification(ctx, first.Site, ids[0], now, lease)
	mustCode(t, err, centre.ECONFLICT, "ClaimNotification of a record not due")
	_, err = s.ClaimNotification(ctx, first.Site, NextID(), now, lease)
	mustCode(t, err, centre.ENOTFOUND, "ClaimNotification of nothing")

	// Channels are recorded once, in order, by anyone.
	must(t, s.NotificationDelivered(ctx, first.Site, first.ID, "webhook"), "NotificationDelivered")
	must(t, s.NotificationDelivered(ctx, first.Site, first.ID, "email"), "NotificationDelivered")
	must(t, s.NotificationDelivered(ctx, first.Site, first.ID, "webhook"), "NotificationDelivered again")
	mustCode(t, s.NotificationDelivered(ctx, first.Site, NextID(), "email"), centre.ENOTFOUND, "NotificationDelivered of nothing")

	// The lease ends: another caller takes it, and the first caller's
	// claim no longer settles it.
	later := now.Add(lease)
	retaken, err := s.ClaimNotification(ctx, first.Site, first.ID, later, lease)
	must(t, err, "ClaimNotification after the lease")
	if retaken.Claim == first.Claim || len(retaken.Channels) != 2 || retaken.Channels[0] != "email" || retaken.Channels[1] != "webhook" {
		t.Fatalf("retaken: claim %q (first %q), channels %v; want a new claim and [email webhook]", retaken.Claim, first.Claim, retaken.Channels)
	}
	first.State = centre.OutboxDone
	mustCode(t, s.SettleNotification(ctx, first), centre.EPRECONDITION, "SettleNotification with a lost claim")
	gone := *retaken
	gone.ID = NextID()
	mustCode(t, s.SettleNotification(ctx, &gone), centre.ENOTFOUND, "SettleNotification of nothing")

	// A retry: pending again at a later time, with every outcome field.
	retry := *retaken
	retry.Attempts, retry.NextAt, retry.LastError, retry.Updated = 3, later.Add(time.Hour), "email: 421 try later", later
	must(t, s.SettleNotification(ctx, &retry), "SettleNotification (retry)")
	stored, err = s.GetNotification(ctx, retry.Site, retry.ID)
	must(t, err, "GetNotification")
	same(t, "a record settled for a retry", stored, &retry)
	if got, _ := s.ClaimNotifications(ctx, later.Add(time.Hour-time.Millisecond), lease, 10); len(got) != 1 || got[0].ID != ids[0] {
		t.Fatalf("before the retry time: claimed %v, want only %s", outboxIDs(got), ids[0])
	}
	got, err = s.ClaimNotifications(ctx, later.Add(time.Hour), lease, 1)
	must(t, err, "ClaimNotifications at the retry time")
	if len(got) != 1 || got[0].ID != retry.ID {
		t.Fatalf("at the retry time: claimed %v, want %s", outboxIDs(got), retry.ID)
	}

	// Dead and done records stay listed and are never claimed again.
	dead := *got[0]
	dead.State, dead.Attempts, dead.LastError, dead.Updated = centre.OutboxDead, 4, "email: refused", later.Add(time.Hour)
	must(t, s.SettleNotification(ctx, &dead), "SettleNotification (dead)")
	left, err := s.ClaimNotifications(ctx, later.Add(100*time.Hour), lease, 10)
	must(t, err, "ClaimNotifications")
	for _, r := range left {
		if r.ID == dead.ID {
			t.Fatal("a dead record was claimed")
		}
		r.State, r.Updated = centre.OutboxDone, later
		must(t, s.SettleNotification(ctx, r), "SettleNotification (done)")
	}
	if more, _ := s.ClaimNotifications(ctx, later.Add(1000*time.Hour), lease, 10); len(more) != 0 {
		t.Fatalf("settled records claimed again: %v", outboxIDs(more))
	}
	page, err := s.ListNotifications(ctx, centre.NotificationQuery{Site: "claims", State: centre.OutboxDead})
	must(t, err, "ListNotifications dead")
	if len(page.Items) != 1 || page.Items[0].ID != dead.ID || page.Items[0].LastError != "email: refused" {
		t.Fatalf("dead records: %v, want [%s]", outboxIDs(page.Items), dead.ID)
	}
	page, err = s.ListNotifications(ctx, centre.NotificationQuery{Site: "claims", State: centre.OutboxDone})
	must(t, err, "ListNotifications done")
	if len(page.Items) != 2 {
		t.Fatalf("done records: %v, want 2", outboxIDs(page.Items))
	}
}

// testOutboxList: a site's records page newest first without skipping or
// repeating, other sites' records never show, and a bad cursor is
// EINVALID.
func testOutboxList(t *testing.T, s centre.Store) {
	ctx := t.Context()
	var want []string
	for i := range 5 {
		e := Publish(NewEntry("listed", "l"+string(rune('a'+i)), "en"), Base)
		a := newAnnouncement(&centre.Entry{ID: e.ID, Site: e.Site}, centre.NotifyPublished, Base.Add(time.Duration(i)*time.Minute))
		e.Announce(a)
		mustCreateEntry(t, s, e)
		want = append([]string{a.ID}, want...)
	}
	other := Publish(NewEntry("other", "x", "en"), Base)
	other.Announce(newAnnouncement(other, centre.NotifyPublished, Base))
	mustCreateEntry(t, s, other)

	var got []string
	after := ""
	for range 10 {
		page, err := s.ListNotifications(ctx, centre.NotificationQuery{Site: "listed", Limit: 2, After: after})
		must(t, err, "ListNotifications")
		got = append(got, outboxIDs(page.Items)...)
		if after = page.Next; after == "" {
			break
		}
	}
	if len(got) != len(want) {
		t.Fatalf("paged %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("paged %v, want %v", got, want)
		}
	}
	_, err := s.ListNotifications(ctx, centre.NotificationQuery{Site: "listed", After: "not-a-cursor"})
	mustCode(t, err, centre.EINVALID, "ListNotifications with a bad cursor")
}

func outboxIDs(list []*centre.OutboxRecord) []string {
	ids := make([]string, len(list))
	for i, r := range list {
		ids[i] = r.ID
	}
	return ids
}
