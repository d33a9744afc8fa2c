package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
)

// The email alert part of the Store (centre.AlertStore).

var alertTests = []struct {
	name string
	fn   func(t *testing.T, s centre.Store)
}{
	{"Alerts/RoundTrip", testSubscriptionRoundTrip},
	{"Alerts/OnePending", testSubscriptionOnePending},
	{"Alerts/Announce", testSubscriptionAnnounce},
	{"Alerts/UpdateDelete", testSubscriptionUpdateDelete},
	{"Alerts/Subscribers", testSubscribers},
	{"Alerts/List", testListSubscriptions},
	{"Alerts/Expire", testExpireSubscriptions},
	{"Alerts/Claims", testDeliveryClaims},
	{"Alerts/Digest", testDigest},
	{"Alerts/Suppression", testSuppression},
	{"Alerts/Quota", testQuota},
	{"Alerts/ExpireRecords", testExpireRecords},
}

func pendingSub(site, email, scope string, created time.Time) *centre.Subscription {
	return &centre.Subscription{Site: site, Email: email, Scope: scope, Frequency: centre.FreqImmediate, Lang: "en",
		State: centre.SubPending, TokenHash: centre.HashToken(email + scope), Created: created,
		ExpiresAt: created.Add(48 * time.Hour)}
}

// confirmSub stores sub confirmed at at.
func confirmSub(t *testing.T, s centre.Store, sub *centre.Subscription, at time.Time) {
	t.Helper()
	must(t, s.CreateSubscription(t.Context(), sub), "CreateSubscription")
	sub.State, sub.ConfirmedAt, sub.ExpiresAt, sub.TokenHash = centre.SubConfirmed, at, time.Time{}, ""
	must(t, s.UpdateSubscription(t.Context(), sub), "UpdateSubscription (confirm)")
}

func testSubscriptionRoundTrip(t *testing.T, s centre.Store) {
	ctx := t.Context()
	sub := &centre.Subscription{}
	fill(t, sub, 0)
	sub.Site, sub.Email, sub.Scope, sub.State = "round-trip", "a@example.org", "tag:flood", centre.SubPending
	sub.ExpiresAt = sub.Created.Add(48 * time.Hour)
	if z := zeroFields(sub); len(z) > 0 {
		t.Fatalf("storetest fixture: subscription fields %v left zero", z)
	}
	must(t, s.CreateSubscription(ctx, sub), "CreateSubscription with every field set")
	if sub.Version != 1 {
		t.Fatalf("CreateSubscription set Version %d, want 1", sub.Version)
	}
	got, err := s.Subscriptions(ctx, "round-trip", "a@example.org")
	must(t, err, "Subscriptions")
	if len(got) != 1 {
		t.Fatalf("Subscriptions: %d, want 1", len(got))
	}
	checkUTC(t, "Subscriptions", got[0])
	same(t, "Subscriptions (every field set)", got[0], sub)
	got[0].Scope = "changed"
	again, _ := s.Subscriptions(ctx, "round-trip", "a@example.org")
	if again[0].Scope != "tag:flood" {
		t.Fatal("Subscriptions returned stored data, not a copy")
	}
	if other, _ := s.Subscriptions(ctx, "round-trip", "b@example.org"); len(other) != 0 {
		t.Fatalf("Subscriptions of another address: %d, want 0", len(other))
	}
	if other, _ := s.Subscriptions(ctx, "other", "a@example.org"); len(other) != 0 {
		t.Fatalf("Subscriptions of the address on another site: %d, want 0", len(other))
	}
}

func testSubscriptionOnePending(t *testing.T, s centre.Store) {
	ctx := t.Context()
	a := pendingSub("s1", "a@example.org", "site", Base)
	must(t, s.CreateSubscription(ctx, a), "CreateSubscription")
	mustCode(t, s.CreateSubscription(ctx, pendingSub("s1", "a@example.org", "tag:x", Base.Add(time.Hour))),
		centre.ECONFLICT, "a second pending subscription of the address on the site")
	mustCode(t, s.CreateSubscription(ctx, pendingSub("s1", "a@example.org", "site", Base.Add(time.Hour))),
		centre.ECONFLICT, "the same scope again while pending")
	// Another site and another address are unaffected.
	must(t, s.CreateSubscription(ctx, pendingSub("s2", "a@example.org", "tag:x", Base)), "pending on another site")
	must(t, s.CreateSubscription(ctx, pendingSub("s1", "b@example.org", "tag:x", Base)), "pending of another address")
	// Once the first lapsed, a new one may take its place (same scope or not).
	later := Base.Add(49 * time.Hour)
	b := pendingSub("s1", "a@example.org", "tag:x", later)
	must(t, s.CreateSubscription(ctx, b), "pending after the first lapsed")
	mustCode(t, s.CreateSubscription(ctx, pendingSub("s1", "a@example.org", "site", later.Add(time.Minute))),
		centre.ECONFLICT, "the lapsed scope while another is pending")
	// Confirming frees the address for another pending subscription.
	b.State, b.ConfirmedAt, b.ExpiresAt = centre.SubConfirmed, later, time.Time{}
	must(t, s.UpdateSubscription(ctx, b), "confirm")
	c := pendingSub("s1", "a@example.org", "site", later.Add(time.Minute))
	must(t, s.CreateSubscription(ctx, c), "pending (replacing the lapsed one) after the other was confirmed")
	mustCode(t, s.CreateSubscription(ctx, pendingSub("s1", "a@example.org", "tag:x", later.Add(2*time.Minute))),
		centre.ECONFLICT, "a confirmed scope again")
	subs, err := s.Subscriptions(ctx, "s1", "a@example.org")
	must(t, err, "Subscriptions")
	var scopes []string
	for _, x := range subs {
		scopes = append(scopes, x.Scope+"="+x.State)
	}
	if want := []string{"site=pending", "tag:x=confirmed"}; !slices.Equal(scopes, want) {
		t.Fatalf("Subscriptions: %v, want %v", scopes, want)
	}
	if subs[0].Created != ms(c.Created) {
		t.Fatalf("the replaced subscription kept Created %v, want %v", subs[0].Created, c.Created)
	}
}

func testSubscriptionUpdateDelete(t *testing.T, s centre.Store) {
	ctx := t.Context()
	a := pendingSub("s1", "a@example.org", "site", Base)
	must(t, s.CreateSubscription(ctx, a), "CreateSubscription")
	stale := *a
	a.Frequency = centre.FreqDaily
	must(t, s.UpdateSubscription(ctx, a), "UpdateSubscription")
	if a.Version != 2 {
		t.Fatalf("UpdateSubscription set Version %d, want 2", a.Version)
	}
	mustCode(t, s.UpdateSubscription(ctx, &stale), centre.EPRECONDITION, "UpdateSubscription with a stale version")
	missing := pendingSub("s1", "a@example.org", "tag:none", Base)
	missing.Version = 1
	mustCode(t, s.UpdateSubscription(ctx, missing), centre.ENOTFOUND, "UpdateSubscription of a missing one")
	must(t, s.DeleteSubscription(ctx, "s1", "a@example.org", "site"), "DeleteSubscription")
	mustCode(t, s.DeleteSubscription(ctx, "s1", "a@example.org", "site"), centre.ENOTFOUND, "DeleteSubscription again")
	if subs, _ := s.Subscriptions(ctx, "s1", "a@example.org"); len(subs) != 0 {
		t.Fatalf("Subscriptions after delete: %d", len(subs))
	}
	// Deleting the pending one frees the address.
	must(t, s.CreateSubscription(ctx, pendingSub("s1", "a@example.org", "tag:y", Base.Add(time.Minute))),
		"pending after the pending one was deleted")
}

func testSubscribers(t *testing.T, s centre.Store) {
	ctx := t.Context()
	var want []string
	for i := range 5 {
		email := fmt.Sprintf("p%d@example.org", 4-i)
		confirmSub(t, s, pendingSub("s1", email, "tag:flood", Base), Base.Add(time.Minute))
		want = append([]string{email}, want...)
	}
	// Not listed: pending, another frequency, another scope, another site.
	must(t, s.CreateSubscription(ctx, pendingSub("s1", "pending@example.org", "tag:flood", Base)), "pending")
	daily := pendingSub("s1", "daily@example.org", "tag:flood", Base)
	daily.Frequency = centre.FreqDaily
	confirmSub(t, s, daily, Base)
	confirmSub(t, s, pendingSub("s1", "other@example.org", "tag:fire", Base), Base)
	confirmSub(t, s, pendingSub("s2", "p9@example.org", "tag:flood", Base), Base)

	var got []string
	q := centre.SubscriberQuery{Site: "s1", Scope: "tag:flood", Frequency: centre.FreqImmediate, Limit: 2}
	for range 10 {
		page, err := s.Subscribers(ctx, q)
		must(t, err, "Subscribers")
		if len(page.Items) > 2 {
			t.Fatalf("Subscribers: a page of %d, limit 2", len(page.Items))
		}
		for _, x := range page.Items {
			if x.State != centre.SubConfirmed {
				t.Fatalf("Subscribers listed a %s subscription", x.State)
			}
			got = append(got, x.Email)
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Subscribers: %v, want %v", got, want)
	}
	page, err := s.Subscribers(ctx, centre.SubscriberQuery{Site: "s1", Scope: "tag:flood", Frequency: centre.FreqDaily})
	must(t, err, "Subscribers daily")
	if len(page.Items) != 1 || page.Items[0].Email != "daily@example.org" || page.Next != "" {
		t.Fatalf("Subscribers daily: %v next %q", page.Items, page.Next)
	}
	// A changed frequency moves the subscriber; deleting removes it.
	daily.Frequency = centre.FreqImmediate
	must(t, s.UpdateSubscription(ctx, daily), "UpdateSubscription frequency")
	must(t, s.DeleteSubscription(ctx, "s1", "p0@example.org", "tag:flood"), "DeleteSubscription")
	page, err = s.Subscribers(ctx, centre.SubscriberQuery{Site: "s1", Scope: "tag:flood", Frequency: centre.FreqImmediate})
	must(t, err, "Subscribers")
	got = got[:0]
	for _, x := range page.Items {
		got = append(got, x.Email)
	}
	if want := []string{"daily@example.org", "p1@example.org", "p2@example.org", "p3@example.org", "p4@example.org"}; !slices.Equal(got, want) {
		t.Fatalf("Subscribers after changes: %v, want %v", got, want)
	}
}

func testListSubscriptions(t *testing.T, s centre.Store) {
	ctx := t.Context()
	confirmSub(t, s, pendingSub("s1", "b@example.org", "site", Base), Base)
	confirmSub(t, s, pendingSub("s1", "a@example.org", "type:news", Base), Base)
	must(t, s.CreateSubscription(ctx, pendingSub("s1", "a@example.org", "entry:x", Base)), "pending")
	confirmSub(t, s, pendingSub("s2", "c@example.org", "site", Base), Base)
	var got []string
	after := ""
	for range 10 {
		page, err := s.ListSubscriptions(ctx, "s1", after, 1)
		must(t, err, "ListSubscriptions")
		for _, x := range page.Items {
			got = append(got, x.Email+" "+x.Scope)
		}
		if after = page.Next; after == "" {
			break
		}
	}
	if want := []string{"a@example.org entry:x", "a@example.org type:news", "b@example.org site"}; !slices.Equal(got, want) {
		t.Fatalf("ListSubscriptions: %v, want %v", got, want)
	}
}

func testExpireSubscriptions(t *testing.T, s centre.Store) {
	ctx := t.Context()
	must(t, s.CreateSubscription(ctx, pendingSub("s1", "a@example.org", "site", Base)), "pending")
	confirmSub(t, s, pendingSub("s1", "b@example.org", "site", Base), Base)
	n, err := s.ExpireSubscriptions(ctx, Base.Add(time.Hour), 10)
	must(t, err, "ExpireSubscriptions before the lapse")
	if n != 0 {
		t.Fatalf("ExpireSubscriptions before the lapse deleted %d", n)
	}
	n, err = s.ExpireSubscriptions(ctx, Base.Add(49*time.Hour), 10)
	must(t, err, "ExpireSubscriptions")
	subs, err := s.Subscriptions(ctx, "s1", "a@example.org")
	must(t, err, "Subscriptions")
	// A store that expires records itself may keep the lapsed one a while;
	// one that sweeps must have deleted it.
	swept := n == 1 && len(subs) == 0
	kept := n == 0 && len(subs) == 1 && subs[0].Lapsed(Base.Add(49*time.Hour))
	if !swept && !kept {
		t.Fatalf("ExpireSubscriptions deleted %d, and %d subscriptions remain", n, len(subs))
	}
	if subs, _ := s.Subscriptions(ctx, "s1", "b@example.org"); len(subs) != 1 {
		t.Fatal("ExpireSubscriptions deleted a confirmed subscription")
	}
}

func testDeliveryClaims(t *testing.T, s centre.Store) {
	ctx := t.Context()
	ds := []centre.Delivery{
		{Notification: "n1", Site: "s1", Entry: "e1", Email: "b@example.org", At: Base},
		{Notification: "n1", Site: "s1", Entry: "e1", Email: "a@example.org", At: Base},
	}
	got, err := s.ClaimDeliveries(ctx, ds)
	must(t, err, "ClaimDeliveries")
	if want := []string{"b@example.org", "a@example.org"}; !slices.Equal(got, want) {
		t.Fatalf("ClaimDeliveries: %v, want %v", got, want)
	}
	ds = append(ds, centre.Delivery{Notification: "n1", Site: "s1", Entry: "e1", Email: "c@example.org", At: Base})
	got, err = s.ClaimDeliveries(ctx, ds)
	must(t, err, "ClaimDeliveries again")
	if want := []string{"c@example.org"}; !slices.Equal(got, want) {
		t.Fatalf("ClaimDeliveries again: %v, want %v", got, want)
	}
	// Another notification of the same entry claims anew; a digest (no
	// entry) tells nobody.
	got, err = s.ClaimDeliveries(ctx, []centre.Delivery{
		{Notification: "n2", Site: "s1", Entry: "e1", Email: "a@example.org", At: Base},
		{Notification: "digest", Site: "s1", Email: "z@example.org", At: Base},
	})
	must(t, err, "ClaimDeliveries n2")
	if len(got) != 2 {
		t.Fatalf("ClaimDeliveries n2: %v", got)
	}
	must(t, s.ReleaseDelivery(ctx, "n1", "a@example.org"), "ReleaseDelivery")
	must(t, s.ReleaseDelivery(ctx, "n1", "nobody@example.org"), "ReleaseDelivery of a missing claim")
	got, err = s.ClaimDeliveries(ctx, ds[1:2])
	must(t, err, "ClaimDeliveries after release")
	if len(got) != 1 {
		t.Fatalf("ClaimDeliveries after release: %v", got)
	}
	var told []string
	after := ""
	for range 10 {
		page, next, err := s.Told(ctx, "s1", "e1", after, 2)
		must(t, err, "Told")
		told = append(told, page...)
		if after = next; after == "" {
			break
		}
	}
	if want := []string{"a@example.org", "b@example.org", "c@example.org"}; !slices.Equal(told, want) {
		t.Fatalf("Told: %v, want %v", told, want)
	}
	if other, _, _ := s.Told(ctx, "s1", "e2", "", 0); len(other) != 0 {
		t.Fatalf("Told of another entry: %v", other)
	}
}

func testDigest(t *testing.T, s centre.Store) {
	ctx := t.Context()
	due := Base.Add(24 * time.Hour)
	item := func(email, n string, due time.Time) *centre.DigestItem {
		return &centre.DigestItem{Site: "s1", Email: email, Due: due, Notification: n, Entry: "e-" + n, Slug: "slug-" + n,
			Lang: "en", Kind: centre.NotifyPublished, Created: Base}
	}
	items := []*centre.DigestItem{item("b@example.org", "n1", due), item("a@example.org", "n2", due),
		item("a@example.org", "n1", due), item("a@example.org", "n3", due.Add(24*time.Hour))}
	must(t, s.AddDigest(ctx, items), "AddDigest")
	must(t, s.AddDigest(ctx, items[:2]), "AddDigest again")
	full := &centre.DigestItem{}
	fill(t, full, 0)
	full.Site, full.Email, full.Due = "s2", "f@example.org", due
	must(t, s.AddDigest(ctx, []*centre.DigestItem{full}), "AddDigest with every field set")
	if z := zeroFields(full); len(z) > 0 {
		t.Fatalf("fixture: %v zero", z)
	}
	got, next, err := s.DueDigests(ctx, "s2", due, "", 0)
	must(t, err, "DueDigests s2")
	if len(got) != 1 || next != "" {
		t.Fatalf("DueDigests s2: %d items, next %q", len(got), next)
	}
	same(t, "DueDigests (every field set)", got[0], full)

	var names []string
	after := ""
	for range 10 {
		page, next, err := s.DueDigests(ctx, "s1", due, after, 2)
		must(t, err, "DueDigests")
		for _, d := range page {
			names = append(names, d.Email+" "+d.Notification)
		}
		if after = next; after == "" {
			break
		}
	}
	if want := []string{"a@example.org n1", "a@example.org n2", "b@example.org n1"}; !slices.Equal(names, want) {
		t.Fatalf("DueDigests: %v, want %v", names, want)
	}
	if page, _, _ := s.DueDigests(ctx, "s1", due.Add(-time.Millisecond), "", 0); len(page) != 0 {
		t.Fatalf("DueDigests before due: %d items", len(page))
	}
	must(t, s.DeleteDigests(ctx, items[:3]), "DeleteDigests")
	must(t, s.DeleteDigests(ctx, items[:1]), "DeleteDigests again")
	page, _, err := s.DueDigests(ctx, "s1", due.Add(48*time.Hour), "", 0)
	must(t, err, "DueDigests later")
	if len(page) != 1 || page[0].Notification != "n3" {
		t.Fatalf("DueDigests after delete: %v", page)
	}
}

func testSuppression(t *testing.T, s centre.Store) {
	ctx := t.Context()
	got, err := s.Suppressed(ctx, []string{"a@example.org"})
	must(t, err, "Suppressed")
	if len(got) != 0 {
		t.Fatalf("Suppressed before: %v", got)
	}
	must(t, s.SuppressEmail(ctx, "a@example.org", "bounce", Base), "SuppressEmail")
	must(t, s.SuppressEmail(ctx, "a@example.org", "complaint", Base.Add(time.Hour)), "SuppressEmail again")
	got, err = s.Suppressed(ctx, []string{"a@example.org", "b@example.org", "a@example.org"})
	must(t, err, "Suppressed")
	if len(got) != 1 || !got["a@example.org"] {
		t.Fatalf("Suppressed: %v", got)
	}
	mustCode(t, s.UnsuppressEmail(ctx, "b@example.org"), centre.ENOTFOUND, "UnsuppressEmail of an address not suppressed")
	must(t, s.UnsuppressEmail(ctx, "a@example.org"), "UnsuppressEmail")
	if got, _ := s.Suppressed(ctx, []string{"a@example.org"}); len(got) != 0 {
		t.Fatalf("Suppressed after UnsuppressEmail: %v", got)
	}
	mustCode(t, s.UnsuppressEmail(ctx, "a@example.org"), centre.ENOTFOUND, "UnsuppressEmail again")
}

// confirmNote returns a confirmation notification of sub, due at at.
func confirmNote(sub *centre.Subscription, at time.Time) *centre.Notification {
	return &centre.Notification{ID: NextID(), Site: sub.Site, Kind: centre.NotifyConfirm, Version: sub.Version + 1,
		Due: at, Created: at, Email: sub.Email, Scope: sub.Scope, Lang: sub.Lang}
}

// testSubscriptionAnnounce: CreateSubscription and UpdateSubscription
// store the announcement (every field) as a pending outbox record in the
// same write and clear it; a write that fails stores none.
func testSubscriptionAnnounce(t *testing.T, s centre.Store) {
	ctx := t.Context()
	sub := pendingSub("ann", "a@example.org", "site", Base)
	var n centre.Notification
	fill(t, &n, 5)
	n.ID, n.Site, n.Kind, n.Email, n.Scope = NextID(), "ann", centre.NotifyConfirm, sub.Email, sub.Scope
	sub.Announce(&n)
	must(t, s.CreateSubscription(ctx, sub), "CreateSubscription with an announcement")
	if sub.Announcement() != nil {
		t.Fatal("CreateSubscription kept the announcement")
	}
	got, err := s.GetNotification(ctx, "ann", n.ID)
	must(t, err, "GetNotification")
	same(t, "the record CreateSubscription stored", got, &centre.OutboxRecord{Notification: n, State: centre.OutboxPending,
		NextAt: n.Due, Updated: n.Created})

	// A refused create (one pending per address and site) stores nothing.
	other := pendingSub("ann", "a@example.org", "tag:x", Base.Add(time.Minute))
	lost := confirmNote(other, Base.Add(time.Minute))
	other.Announce(lost)
	mustCode(t, s.CreateSubscription(ctx, other), centre.ECONFLICT, "a second pending subscription")
	_, err = s.GetNotification(ctx, "ann", lost.ID)
	mustCode(t, err, centre.ENOTFOUND, "the record of a refused CreateSubscription")

	// An update (a re-sent confirmation) stores its own; a stale one none.
	stale := *sub
	sub.SentAt = Base.Add(time.Hour)
	again := confirmNote(sub, sub.SentAt)
	sub.Announce(again)
	must(t, s.UpdateSubscription(ctx, sub), "UpdateSubscription with an announcement")
	if sub.Announcement() != nil {
		t.Fatal("UpdateSubscription kept the announcement")
	}
	rec, err := s.GetNotification(ctx, "ann", again.ID)
	must(t, err, "GetNotification of the update's record")
	if rec.Kind != centre.NotifyConfirm || rec.Email != sub.Email || rec.Scope != sub.Scope || rec.State != centre.OutboxPending {
		t.Fatalf("the update's record: %+v", rec)
	}
	subs, err := s.Subscriptions(ctx, "ann", "a@example.org")
	must(t, err, "Subscriptions")
	if len(subs) != 1 || !subs[0].SentAt.Equal(ms(sub.SentAt)) {
		t.Fatalf("SentAt after the update: %+v", subs)
	}
	staleNote := confirmNote(&stale, Base.Add(2*time.Hour))
	stale.Announce(staleNote)
	mustCode(t, s.UpdateSubscription(ctx, &stale), centre.EPRECONDITION, "UpdateSubscription at a stale version")
	_, err = s.GetNotification(ctx, "ann", staleNote.ID)
	mustCode(t, err, centre.ENOTFOUND, "the record of a failed UpdateSubscription")
	// The same record twice is a conflict, and the subscription unchanged.
	sub.Announce(again)
	mustCode(t, s.UpdateSubscription(ctx, sub), centre.ECONFLICT, "UpdateSubscription with an existing record")
	if subs, _ := s.Subscriptions(ctx, "ann", "a@example.org"); subs[0].Version != sub.Version {
		t.Fatalf("a refused update changed the version: %d, want %d", subs[0].Version, sub.Version)
	}
}

// testQuota: TakeQuota counts up to max per key and window, each key
// apart, and starts again in the next window; bad arguments are EINVALID.
func testQuota(t *testing.T, s centre.Store) {
	ctx := t.Context()
	at := Base.Truncate(time.Hour).Add(10 * time.Minute)
	take := func(key string, now time.Time) bool {
		t.Helper()
		ok, err := s.TakeQuota(ctx, key, time.Hour, 3, now)
		must(t, err, "TakeQuota")
		return ok
	}
	for i := range 3 {
		if !take("addr:a", at.Add(time.Duration(i)*time.Minute)) {
			t.Fatalf("request %d of 3 refused", i+1)
		}
	}
	if take("addr:a", at.Add(40*time.Minute)) {
		t.Fatal("the fourth request in the window was counted")
	}
	if take("addr:a", at.Add(45*time.Minute)) {
		t.Fatal("a refused request made room for another")
	}
	if !take("addr:b", at) || !take("client:192.0.2.1", at) {
		t.Fatal("another key was refused")
	}
	next := at.Truncate(time.Hour).Add(time.Hour)
	if !take("addr:a", next) {
		t.Fatal("the next window was refused")
	}
	for _, bad := range []struct {
		key    string
		window time.Duration
		max    int
	}{{"", time.Hour, 1}, {strings.Repeat("k", centre.MaxQuotaKey+1), time.Hour, 1}, {"k", 0, 1}, {"k", time.Hour, 0}} {
		_, err := s.TakeQuota(ctx, bad.key, bad.window, bad.max, at)
		mustCode(t, err, centre.EINVALID, fmt.Sprintf("TakeQuota(%d-byte key, %s, %d)", len(bad.key), bad.window, bad.max))
	}
}

// SentRecords stores, at Base, what ExpireRecords may remove once past
// its retention: a delivery claim and its who-was-told record (n-old,
// old@example.org, entry "e1" of site), a done outbox record and a
// pending one (their ids returned), and a quota window ("quota:old", max
// 1, counted once).
func SentRecords(t *testing.T, s centre.Store, site string) (done, pending string) {
	t.Helper()
	ctx := t.Context()
	if got, err := s.ClaimDeliveries(ctx, []centre.Delivery{{Notification: "n-old", Site: site, Entry: "e1",
		Email: "old@example.org", At: Base}}); err != nil || len(got) != 1 {
		t.Fatalf("ClaimDeliveries: %v, %v", got, err)
	}
	e := NewEntry(site, "sent", "en")
	Publish(e, Base)
	n := newAnnouncement(e, centre.NotifyPublished, Base)
	e.Announce(n)
	mustCreateEntry(t, s, e)
	r, err := s.ClaimNotification(ctx, site, n.ID, Base, time.Minute)
	must(t, err, "ClaimNotification")
	r.State, r.Updated = centre.OutboxDone, Base
	must(t, s.SettleNotification(ctx, r), "SettleNotification")
	e.Title = "Changed"
	p := newAnnouncement(e, centre.NotifyUpdated, Base.Add(time.Minute))
	e.Announce(p)
	must(t, s.UpdateEntry(ctx, e), "UpdateEntry")
	if ok, err := s.TakeQuota(ctx, "quota:old", time.Hour, 1, Base); err != nil || !ok {
		t.Fatalf("TakeQuota: %v, %v", ok, err)
	}
	return n.ID, p.ID
}

// testExpireRecords: ExpireRecords deletes nothing within its retention
// (a backend without TTL deletes the rest: the embedded store's own
// test), and refuses a bad limit.
func testExpireRecords(t *testing.T, s centre.Store) {
	ctx := t.Context()
	done, pending := SentRecords(t, s, "exp")
	for range 3 {
		n, err := s.ExpireRecords(ctx, Base.Add(30*time.Minute), 1000)
		must(t, err, "ExpireRecords")
		if n != 0 {
			t.Fatalf("ExpireRecords within the retention deleted %d records", n)
		}
	}
	if got, _ := s.ClaimDeliveries(ctx, []centre.Delivery{{Notification: "n-old", Site: "exp", Email: "old@example.org", At: Base}}); len(got) != 0 {
		t.Fatal("the claim within its retention is gone")
	}
	if told, _, _ := s.Told(ctx, "exp", "e1", "", 0); len(told) != 1 {
		t.Fatalf("Told within its retention: %v", told)
	}
	for _, id := range []string{done, pending} {
		_, err := s.GetNotification(ctx, "exp", id)
		must(t, err, "GetNotification of a record within its retention")
	}
	if ok, _ := s.TakeQuota(ctx, "quota:old", time.Hour, 1, Base.Add(30*time.Minute)); ok {
		t.Fatal("the quota window was forgotten before its end")
	}
	_, err := s.ExpireRecords(ctx, Base, 0)
	mustCode(t, err, centre.EINVALID, "ExpireRecords with limit 0")
}
