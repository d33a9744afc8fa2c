package storetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
)

var webhookTests = []struct {
	name string
	fn   func(t *testing.T, s centre.Store)
}{
	{"Webhooks/CRUD", testWebhooks},
	{"Webhooks/RoundTrip", testWebhookRoundTrip},
	{"Webhooks/Deliveries", testWebhookDeliveries},
	{"Webhooks/DeliveryList", testWebhookDeliveryList},
	{"Webhooks/Due", testWebhookDue},
}

// newWebhook returns an enabled endpoint of site created at at.
func newWebhook(site string, at time.Time) *centre.Webhook {
	return &centre.Webhook{ID: centre.NewID(at), Site: site, URL: "https://hooks.example.org/" + site,
		Events: []string{centre.NotifyPublished, centre.NotifyWithdrawn}, Description: "Member feed",
		Secret: centre.NewWebhookSecret(), State: centre.WebhookEnabled, CreatedAt: at, CreatedBy: "01jzkeyid0000000000000000a"}
}

// newDelivery returns a pending delivery to w created at at, due then.
func newDelivery(w *centre.Webhook, at time.Time, n string) *centre.WebhookDelivery {
	return &centre.WebhookDelivery{ID: centre.WebhookDeliveryID(at, n, w.ID), Site: w.Site, Webhook: w.ID,
		Event: centre.NotifyPublished, Notification: n, Entry: "01jzentry00000000000000000", Slug: "s", Lang: "en",
		EntryVersion: 2, EventAt: at, Status: centre.DeliveryPending, NextAttempt: at, CreatedAt: at,
		ExpiresAt: time.Now().UTC().Add(centre.WebhookDeliveryTTL).Truncate(time.Millisecond)}
}

func testWebhooks(t *testing.T, s centre.Store) {
	ctx := t.Context()
	a := newWebhook("w", Base)
	b := newWebhook("w", Base.Add(time.Second))
	other := newWebhook("other", Base)
	for _, w := range []*centre.Webhook{b, a, other} {
		must(t, s.CreateWebhook(ctx, w), "CreateWebhook")
		if w.Version != 1 {
			t.Fatalf("CreateWebhook set version %d, want 1", w.Version)
		}
	}
	dup := *a
	mustCode(t, s.CreateWebhook(ctx, &dup), centre.ECONFLICT, "CreateWebhook with an existing ID")
	got, err := s.GetWebhook(ctx, "w", a.ID)
	must(t, err, "GetWebhook")
	same(t, "GetWebhook", got, a)
	if got.Secret != a.Secret || !strings.HasPrefix(got.Secret, centre.WebhookSecretPrefix) {
		t.Fatalf("the secret did not survive: %q", got.Secret)
	}
	_, err = s.GetWebhook(ctx, "other", a.ID)
	mustCode(t, err, centre.ENOTFOUND, "GetWebhook of another site")
	list, err := s.ListWebhooks(ctx, "w")
	must(t, err, "ListWebhooks")
	if len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID {
		t.Fatalf("ListWebhooks: %v, want %s, %s (oldest first, this site only)", show(list), a.ID, b.ID)
	}
	if none, err := s.ListWebhooks(ctx, "none"); err != nil || len(none) != 0 {
		t.Fatalf("ListWebhooks of a site without any: %v, %v", none, err)
	}

	upd := *got
	upd.State, upd.DisabledReason, upd.DisabledAt, upd.Failures = centre.WebhookDisabled, "failing", Base.Add(time.Hour), 7
	must(t, s.UpdateWebhook(ctx, &upd), "UpdateWebhook")
	if upd.Version != 2 {
		t.Fatalf("UpdateWebhook set version %d, want 2", upd.Version)
	}
	stale := *got
	mustCode(t, s.UpdateWebhook(ctx, &stale), centre.EPRECONDITION, "UpdateWebhook with a stale version")
	got, err = s.GetWebhook(ctx, "w", a.ID)
	must(t, err, "GetWebhook after UpdateWebhook")
	same(t, "GetWebhook after UpdateWebhook", got, &upd)
	gone := *newWebhook("w", Base.Add(time.Hour))
	gone.Version = 1
	mustCode(t, s.UpdateWebhook(ctx, &gone), centre.ENOTFOUND, "UpdateWebhook of a missing endpoint")

	must(t, s.DeleteWebhook(ctx, "w", a.ID), "DeleteWebhook")
	mustCode(t, s.DeleteWebhook(ctx, "w", a.ID), centre.ENOTFOUND, "DeleteWebhook twice")
	mustCode(t, s.DeleteWebhook(ctx, "other", b.ID), centre.ENOTFOUND, "DeleteWebhook through another site")
	_, err = s.GetWebhook(ctx, "w", a.ID)
	mustCode(t, err, centre.ENOTFOUND, "GetWebhook after DeleteWebhook")
	if list, _ := s.ListWebhooks(ctx, "w"); len(list) != 1 || list[0].ID != b.ID {
		t.Fatalf("ListWebhooks after DeleteWebhook: %v", show(list))
	}
}

func testWebhookRoundTrip(t *testing.T, s centre.Store) {
	ctx := t.Context()
	w := &centre.Webhook{}
	fill(t, w, 0)
	w.Site, w.ID = "rt", NextID()
	if z := zeroFields(w); len(z) > 0 {
		t.Fatalf("storetest fixture: webhook fields %v left zero", z)
	}
	must(t, s.CreateWebhook(ctx, w), "CreateWebhook with every field set")
	want := *w
	want.Version = 1
	got, err := s.GetWebhook(ctx, "rt", w.ID)
	must(t, err, "GetWebhook")
	checkUTC(t, "GetWebhook", got)
	same(t, "GetWebhook (every field set)", got, &want)
	list, err := s.ListWebhooks(ctx, "rt")
	must(t, err, "ListWebhooks")
	if len(list) != 1 {
		t.Fatalf("ListWebhooks: %d, want 1", len(list))
	}
	same(t, "ListWebhooks (every field set)", list[0], &want)
	upd := &centre.Webhook{}
	fill(t, upd, 1000)
	upd.Site, upd.ID, upd.Version = "rt", w.ID, 1
	must(t, s.UpdateWebhook(ctx, upd), "UpdateWebhook with every field changed")
	got, err = s.GetWebhook(ctx, "rt", w.ID)
	must(t, err, "GetWebhook after UpdateWebhook")
	same(t, "GetWebhook after UpdateWebhook (every field changed)", got, upd)

	d := &centre.WebhookDelivery{}
	fill(t, d, 2000)
	d.Site, d.Webhook, d.ID, d.Status = "rt", w.ID, NextID(), centre.DeliveryPending
	d.ExpiresAt = time.Now().UTC().Add(centre.WebhookDeliveryTTL).Truncate(time.Millisecond) // not purged
	must(t, s.CreateWebhookDelivery(ctx, d), "CreateWebhookDelivery with every field set")
	wantD := *d
	wantD.Version = 1
	page, err := s.ListWebhookDeliveries(ctx, centre.WebhookDeliveryQuery{Site: "rt", Webhook: w.ID})
	must(t, err, "ListWebhookDeliveries")
	if len(page.Items) != 1 {
		t.Fatalf("ListWebhookDeliveries: %d, want 1", len(page.Items))
	}
	checkUTC(t, "ListWebhookDeliveries", page.Items[0])
	same(t, "ListWebhookDeliveries (every field set)", page.Items[0], &wantD)
	due, err := s.DueWebhookDeliveries(ctx, d.NextAttempt, 10)
	must(t, err, "DueWebhookDeliveries")
	if len(due) != 1 {
		t.Fatalf("DueWebhookDeliveries: %d, want 1", len(due))
	}
	same(t, "DueWebhookDeliveries (every field set)", due[0], &wantD)
	updD := &centre.WebhookDelivery{}
	fill(t, updD, 3000)
	updD.Site, updD.Webhook, updD.ID, updD.Status, updD.Version = "rt", w.ID, d.ID, centre.DeliveryFailed, 1
	updD.ExpiresAt = d.ExpiresAt.Add(time.Hour)
	must(t, s.UpdateWebhookDelivery(ctx, updD), "UpdateWebhookDelivery with every field changed")
	page, err = s.ListWebhookDeliveries(ctx, centre.WebhookDeliveryQuery{Site: "rt", Webhook: w.ID})
	must(t, err, "ListWebhookDeliveries after UpdateWebhookDelivery")
	same(t, "ListWebhookDeliveries after UpdateWebhookDelivery (every field changed)", page.Items[0], updD)
}

func testWebhookDeliveries(t *testing.T, s centre.Store) {
	ctx := t.Context()
	w := newWebhook("d", Base)
	must(t, s.CreateWebhook(ctx, w), "CreateWebhook")
	d := newDelivery(w, Base, "n1")
	must(t, s.CreateWebhookDelivery(ctx, d), "CreateWebhookDelivery")
	if d.Version != 1 {
		t.Fatalf("CreateWebhookDelivery set version %d, want 1", d.Version)
	}
	again := newDelivery(w, Base, "n1")
	again.Attempts = 5
	mustCode(t, s.CreateWebhookDelivery(ctx, again), centre.ECONFLICT, "CreateWebhookDelivery of the same notification and endpoint")

	first := *d
	d.Attempts, d.ResponseCode, d.Error, d.NextAttempt = 1, 500, "HTTP 500", Base.Add(time.Minute)
	must(t, s.UpdateWebhookDelivery(ctx, d), "UpdateWebhookDelivery")
	if d.Version != 2 {
		t.Fatalf("UpdateWebhookDelivery set version %d, want 2", d.Version)
	}
	mustCode(t, s.UpdateWebhookDelivery(ctx, &first), centre.EPRECONDITION, "UpdateWebhookDelivery with a stale version")
	missing := newDelivery(w, Base, "n-missing")
	missing.Version = 1
	mustCode(t, s.UpdateWebhookDelivery(ctx, missing), centre.ENOTFOUND, "UpdateWebhookDelivery of a missing delivery")
	page, err := s.ListWebhookDeliveries(ctx, centre.WebhookDeliveryQuery{Site: "d", Webhook: w.ID})
	must(t, err, "ListWebhookDeliveries")
	if len(page.Items) != 1 {
		t.Fatalf("ListWebhookDeliveries: %d, want 1", len(page.Items))
	}
	same(t, "ListWebhookDeliveries after an update", page.Items[0], d)
	// Deleting the endpoint leaves its log.
	must(t, s.DeleteWebhook(ctx, "d", w.ID), "DeleteWebhook")
	page, err = s.ListWebhookDeliveries(ctx, centre.WebhookDeliveryQuery{Site: "d", Webhook: w.ID})
	must(t, err, "ListWebhookDeliveries after DeleteWebhook")
	if len(page.Items) != 1 {
		t.Fatalf("ListWebhookDeliveries after DeleteWebhook: %d, want 1 (the log stays until it expires)", len(page.Items))
	}
}

func testWebhookDeliveryList(t *testing.T, s centre.Store) {
	ctx := t.Context()
	w := newWebhook("l", Base)
	other := newWebhook("l", Base.Add(time.Millisecond))
	must(t, s.CreateWebhook(ctx, w), "CreateWebhook")
	must(t, s.CreateWebhook(ctx, other), "CreateWebhook")
	var want []string
	for i := range 7 {
		d := newDelivery(w, Base.Add(time.Duration(i)*time.Second), fmt.Sprint("n", i))
		must(t, s.CreateWebhookDelivery(ctx, d), "CreateWebhookDelivery")
		want = append([]string{d.ID}, want...)
	}
	must(t, s.CreateWebhookDelivery(ctx, newDelivery(other, Base, "n0")), "CreateWebhookDelivery to another endpoint")
	var got []string
	after := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		page, err := s.ListWebhookDeliveries(ctx, centre.WebhookDeliveryQuery{Site: "l", Webhook: w.ID, Limit: 3, After: after})
		must(t, err, "ListWebhookDeliveries")
		if len(page.Items) > 3 {
			t.Fatalf("page of %d items, limit 3", len(page.Items))
		}
		for _, d := range page.Items {
			got = append(got, d.ID)
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("listed\n%v\nwant (newest first, this endpoint only)\n%v", got, want)
	}
	_, err := s.ListWebhookDeliveries(ctx, centre.WebhookDeliveryQuery{Site: "l", Webhook: w.ID, After: "not-a-cursor"})
	mustCode(t, err, centre.EINVALID, "ListWebhookDeliveries with a bad cursor")
}

func testWebhookDue(t *testing.T, s centre.Store) {
	ctx := t.Context()
	w := newWebhook("due", Base)
	must(t, s.CreateWebhook(ctx, w), "CreateWebhook")
	late := newDelivery(w, Base, "late")
	late.NextAttempt = Base.Add(time.Hour)
	early := newDelivery(w, Base, "early")
	early.NextAttempt = Base.Add(time.Minute)
	done := newDelivery(w, Base, "done")
	done.Status, done.NextAttempt = centre.DeliverySucceeded, time.Time{}
	for _, d := range []*centre.WebhookDelivery{late, early, done} {
		must(t, s.CreateWebhookDelivery(ctx, d), "CreateWebhookDelivery")
	}
	ids := func(at time.Time, limit int) string {
		t.Helper()
		list, err := s.DueWebhookDeliveries(ctx, at, limit)
		must(t, err, "DueWebhookDeliveries")
		var out []string
		for _, d := range list {
			out = append(out, d.Notification)
		}
		return strings.Join(out, ",")
	}
	if got := ids(Base, 10); got != "" {
		t.Fatalf("due before any NextAttempt: %q", got)
	}
	if got := ids(Base.Add(time.Minute), 10); got != "early" {
		t.Fatalf("due at the first NextAttempt: %q, want early", got)
	}
	if got := ids(Base.Add(2*time.Hour), 10); got != "early,late" {
		t.Fatalf("due later: %q, want early,late (earliest first, pending only)", got)
	}
	if got := ids(Base.Add(2*time.Hour), 1); got != "early" {
		t.Fatalf("due with limit 1: %q", got)
	}
	// Rescheduled, then given up: the delivery moves, then leaves the list.
	early.NextAttempt, early.Attempts = Base.Add(3*time.Hour), 1
	must(t, s.UpdateWebhookDelivery(ctx, early), "UpdateWebhookDelivery (rescheduled)")
	if got := ids(Base.Add(2*time.Hour), 10); got != "late" {
		t.Fatalf("due after rescheduling: %q, want late", got)
	}
	early.Status, early.NextAttempt = centre.DeliveryFailed, time.Time{}
	must(t, s.UpdateWebhookDelivery(ctx, early), "UpdateWebhookDelivery (given up)")
	if got := ids(Base.Add(4*time.Hour), 10); got != "late" {
		t.Fatalf("due after giving up: %q, want late", got)
	}
}
