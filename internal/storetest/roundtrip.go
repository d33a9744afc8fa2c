package storetest

import (
	"testing"
	"time"

	"infocentre/internal/centre"
)

// The round-trip tests fill every field of the stored types (see fill), so
// that a store which does not persist a field, on any write path or read
// path, fails here, including for fields added to the domain later.

// filledSite returns a site with every field set from seed.
func filledSite(t *testing.T, slug string, seed int, hosts ...string) *centre.Site {
	t.Helper()
	s := &centre.Site{}
	fill(t, s, seed)
	s.Slug, s.Hosts, s.Status = slug, hosts, centre.SiteArchived
	if z := zeroFields(s); len(z) > 0 {
		t.Fatalf("storetest fixture: site fields %v left zero", z)
	}
	return s
}

// filledEntry returns an entry with every field set from seed.
func filledEntry(t *testing.T, id, site, slug, lang, status string, seed int) *centre.Entry {
	t.Helper()
	e := &centre.Entry{}
	fill(t, e, seed)
	e.ID, e.Site, e.Slug, e.Lang, e.Type, e.Status = id, site, slug, lang, centre.TypePublication, status
	if z := zeroFields(e); len(z) > 0 {
		t.Fatalf("storetest fixture: entry fields %v left zero", z)
	}
	return e
}

func checkUTC(t *testing.T, what string, p any) {
	t.Helper()
	if l := nonUTC(p); len(l) > 0 {
		t.Fatalf("%s: times %v are not in UTC", what, l)
	}
}

func testRoundTripSite(t *testing.T, s centre.Store) {
	ctx := t.Context()
	site := filledSite(t, "round-trip", 0, "round-trip.example.org", "www.round-trip.example.org")
	want := *site
	want.Version = 1
	must(t, s.CreateSite(ctx, site), "CreateSite of a site with every field set")

	got, err := s.GetSite(ctx, "round-trip")
	must(t, err, "GetSite")
	checkUTC(t, "GetSite", got)
	sameSite(t, "GetSite after CreateSite (every field set)", got, &want)
	got, err = s.SiteByHost(ctx, "www.round-trip.example.org")
	must(t, err, "SiteByHost")
	sameSite(t, "SiteByHost after CreateSite (every field set)", got, &want)
	list, err := s.ListSites(ctx)
	must(t, err, "ListSites")
	if len(list) != 1 {
		t.Fatalf("ListSites: %d sites, want 1", len(list))
	}
	sameSite(t, "ListSites after CreateSite (every field set)", list[0], &want)

	// The update path must keep every field too, with all values changed.
	upd := filledSite(t, "round-trip", 1000, "round-trip.example.org", "news.round-trip.example.org")
	upd.Version = 1
	must(t, s.UpdateSite(ctx, upd), "UpdateSite of a site with every field changed")
	got, err = s.GetSite(ctx, "round-trip")
	must(t, err, "GetSite")
	checkUTC(t, "GetSite after UpdateSite", got)
	sameSite(t, "GetSite after UpdateSite (every field changed)", got, upd)
	got, err = s.SiteByHost(ctx, "news.round-trip.example.org")
	must(t, err, "SiteByHost")
	sameSite(t, "SiteByHost after UpdateSite (every field changed)", got, upd)
}

func testRoundTripEntry(t *testing.T, s centre.Store) {
	ctx := t.Context()
	id := NextID()
	e := filledEntry(t, id, "round-trip", "filled", "en", centre.StatusPublished, 0)
	want := *e
	want.Version = 1
	listed := withoutBodies(&want)
	mustCreateEntry(t, s, e)

	got := mustGetEntry(t, s, "round-trip", id)
	checkUTC(t, "GetEntry", got)
	sameEntry(t, "GetEntry after CreateEntry (every field set)", got, &want)
	bySlug, err := s.EntriesBySlug(ctx, "round-trip", "filled")
	must(t, err, "EntriesBySlug")
	if len(bySlug) != 1 {
		t.Fatalf("EntriesBySlug: %d entries, want 1", len(bySlug))
	}
	sameEntry(t, "EntriesBySlug after CreateEntry (every field set)", bySlug[0], &want)
	for _, q := range []centre.EntryQuery{{Site: "round-trip", Public: true}, {Site: "round-trip"}} {
		items := collect(t, s, q)
		if len(items) != 1 {
			t.Fatalf("ListEntries %+v: %d entries, want 1", q, len(items))
		}
		checkUTC(t, "ListEntries", items[0])
		sameEntry(t, "ListEntries (every field set but the body)", items[0], &listed)
	}
	rev, err := s.Revision(ctx, "round-trip", id, 1)
	must(t, err, "Revision 1")
	checkUTC(t, "Revision", rev)
	sameEntry(t, "Revision 1 after CreateEntry (every field set)", rev, &want)

	// The update path, with every value changed (a scheduled entry now, in
	// another language, under another slug).
	upd := filledEntry(t, id, "round-trip", "filled-2", "fr", centre.StatusScheduled, 1000)
	upd.Version = 1
	must(t, s.UpdateEntry(ctx, upd), "UpdateEntry of an entry with every field changed")
	got = mustGetEntry(t, s, "round-trip", id)
	checkUTC(t, "GetEntry after UpdateEntry", got)
	sameEntry(t, "GetEntry after UpdateEntry (every field changed)", got, upd)
	rev, err = s.Revision(ctx, "round-trip", id, 2)
	must(t, err, "Revision 2")
	sameEntry(t, "Revision 2 after UpdateEntry (every field changed)", rev, upd)
	rev, err = s.Revision(ctx, "round-trip", id, 1)
	must(t, err, "Revision 1")
	sameEntry(t, "Revision 1 after UpdateEntry", rev, &want)
	due, err := s.DueEntries(ctx, upd.PublishAt, 10)
	must(t, err, "DueEntries")
	if len(due) != 1 {
		t.Fatalf("DueEntries at the PublishAt of the entry: %d entries, want 1", len(due))
	}
	sameEntry(t, "DueEntries (every field changed)", due[0], upd)
	staff := collect(t, s, centre.EntryQuery{Site: "round-trip", Status: centre.StatusScheduled})
	listed = withoutBodies(upd)
	if len(staff) != 1 {
		t.Fatalf("ListEntries of scheduled entries: %d entries, want 1", len(staff))
	}
	sameEntry(t, "ListEntries after UpdateEntry (every field changed but the body)", staff[0], &listed)
}

// testRoundTripOthers fills every field of keys, audit events and
// idempotency records.
func testRoundTripOthers(t *testing.T, s centre.Store) {
	ctx := t.Context()
	k := &centre.Key{}
	fill(t, k, 0)
	k.ID, k.Site = NextID(), "round-trip"
	_, k.Hash = centre.NewKeySecret()
	if z := zeroFields(k); len(z) > 0 {
		t.Fatalf("storetest fixture: key fields %v left zero", z)
	}
	must(t, s.CreateKey(ctx, k), "CreateKey of a key with every field set")
	gk, err := s.KeyByHash(ctx, k.Hash)
	must(t, err, "KeyByHash")
	checkUTC(t, "KeyByHash", gk)
	sameKey(t, "KeyByHash (every field set)", gk, k)
	keys, err := s.ListKeys(ctx, "round-trip")
	must(t, err, "ListKeys")
	if len(keys) != 1 {
		t.Fatalf("ListKeys: %d keys, want 1", len(keys))
	}
	sameKey(t, "ListKeys (every field set)", keys[0], k)

	ev := &centre.AuditEvent{}
	fill(t, ev, 100)
	ev.ID, ev.Site = centre.NewID(ev.At), "round-trip"
	if z := zeroFields(ev); len(z) > 0 {
		t.Fatalf("storetest fixture: audit event fields %v left zero", z)
	}
	must(t, s.AppendAudit(ctx, ev), "AppendAudit of an event with every field set")
	page, err := s.ListAudit(ctx, centre.AuditQuery{Site: "round-trip"})
	must(t, err, "ListAudit")
	if len(page.Items) != 1 || page.Next != "" {
		t.Fatalf("ListAudit: %d events and Next %q, want 1 event and no Next", len(page.Items), page.Next)
	}
	checkUTC(t, "ListAudit", page.Items[0])
	sameEvent(t, "ListAudit (every field set)", page.Items[0], ev)

	now := time.Now()
	rec := &centre.IdempotencyRecord{}
	fill(t, rec, 200)
	rec.CreatedAt, rec.ExpiresAt = now, now.Add(time.Hour)
	if prev, err := s.ClaimIdempotency(ctx, rec); err != nil || prev != nil {
		t.Fatalf("ClaimIdempotency of a new record: (%+v, %v), want (nil, nil)", prev, err)
	}
	done := &centre.IdempotencyRecord{}
	fill(t, done, 300)
	done.Scope, done.Key, done.CreatedAt, done.ExpiresAt = rec.Scope, rec.Key, now, now.Add(2*time.Hour)
	if z := zeroFields(done); len(z) > 0 {
		t.Fatalf("storetest fixture: record fields %v left zero", z)
	}
	must(t, s.CompleteIdempotency(ctx, done), "CompleteIdempotency with every field set")
	prev, err := s.ClaimIdempotency(ctx, rec)
	must(t, err, "ClaimIdempotency of a completed record")
	if prev != nil {
		checkUTC(t, "ClaimIdempotency", prev)
	}
	sameIdem(t, "ClaimIdempotency after CompleteIdempotency (every field set)", prev, done)
}
