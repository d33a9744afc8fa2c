package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"infocentre/internal/centre"
)

// testCopies checks that neither the values passed in nor the values
// returned share memory with the store.
func testCopies(t *testing.T, s centre.Store) {
	ctx := t.Context()
	site := NewSite("flood")
	must(t, s.CreateSite(ctx, site), "CreateSite")
	site.Languages[0], site.Hosts[0], site.Title = "xx", "evil.example", "changed"
	got, err := s.GetSite(ctx, "flood")
	must(t, err, "GetSite")
	want := NewSite("flood")
	want.Version = 1
	sameSite(t, "site after changing the value passed to CreateSite", got, want)
	got.Languages[1], got.Hosts[0] = "yy", "evil.example"
	got2, err := s.GetSite(ctx, "flood")
	must(t, err, "GetSite")
	sameSite(t, "site after changing a returned value", got2, want)
	sites, err := s.ListSites(ctx)
	must(t, err, "ListSites")
	sites[0].Languages[0] = "zz"
	got2, err = s.GetSite(ctx, "flood")
	must(t, err, "GetSite")
	sameSite(t, "site after changing a listed value", got2, want)

	e := NewEntry("flood", "copies", "en")
	e.ChangeNotes = []centre.ChangeNote{{At: Base, Note: "note"}}
	Publish(e, Base)
	wantE := *e
	wantE.Tags = append([]string(nil), e.Tags...)
	wantE.Organisations = append([]string(nil), e.Organisations...)
	wantE.Attachments = append([]centre.Attachment(nil), e.Attachments...)
	wantE.ChangeNotes = append([]centre.ChangeNote(nil), e.ChangeNotes...)
	wantE.Version = 1
	mustCreateEntry(t, s, e)
	e.Tags[0], e.Organisations[0], e.Attachments[0].URL, e.ChangeNotes[0].Note = "x", "x", "https://x.example/", "x"
	sameEntry(t, "entry after changing the value passed to CreateEntry", mustGetEntry(t, s, "flood", e.ID), &wantE)
	g := mustGetEntry(t, s, "flood", e.ID)
	g.Tags[0], g.Organisations[0], g.Attachments[0].Title, g.ChangeNotes[0].Note = "y", "y", "y", "y"
	bySlug, err := s.EntriesBySlug(ctx, "flood", "copies")
	must(t, err, "EntriesBySlug")
	sameEntry(t, "entry after changing a returned value", bySlug[0], &wantE)
	bySlug[0].Tags[0] = "z"
	page, err := s.ListEntries(ctx, centre.EntryQuery{Site: "flood", Public: true})
	must(t, err, "ListEntries")
	if len(page.Items) != 1 {
		t.Fatalf("ListEntries: %d items", len(page.Items))
	}
	page.Items[0].Tags[0] = "z"
	sameEntry(t, "entry after changing listed values", mustGetEntry(t, s, "flood", e.ID), &wantE)

	upd := mustGetEntry(t, s, "flood", e.ID)
	must(t, s.UpdateEntry(ctx, upd), "UpdateEntry")
	upd.Tags[0] = "w"
	wantE.Version = 2
	sameEntry(t, "entry after changing the value passed to UpdateEntry", mustGetEntry(t, s, "flood", e.ID), &wantE)

	rec := &centre.IdempotencyRecord{Scope: "s", Key: "k", RequestHash: "h", CreatedAt: Base, ExpiresAt: time.Now().Add(time.Hour)}
	if _, err := s.ClaimIdempotency(ctx, rec); err != nil {
		t.Fatal(err)
	}
	done := *rec
	done.Done, done.Status, done.Header, done.Body = true, 200, []string{"A", "b"}, []byte("body")
	must(t, s.CompleteIdempotency(ctx, &done), "CompleteIdempotency")
	wantR := done
	wantR.Header, wantR.Body = []string{"A", "b"}, []byte("body")
	done.Header[0], done.Body[0] = "X", 'X'
	prev, err := s.ClaimIdempotency(ctx, rec)
	must(t, err, "ClaimIdempotency")
	prev.Header[1], prev.Body[1] = "Y", 'Y'
	prev, err = s.ClaimIdempotency(ctx, rec)
	must(t, err, "ClaimIdempotency")
	sameIdem(t, "record after changing passed and returned values", prev, &wantR)
}

// testTimes checks that times come back in UTC, within a millisecond of
// what was stored, and that zero times stay zero.
func testTimes(t *testing.T, s centre.Store) {
	ctx := t.Context()
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	at := time.Date(2026, 4, 1, 10, 20, 30, 123456789, zone)
	check := func(what string, got, want time.Time) {
		t.Helper()
		if want.IsZero() {
			if !got.IsZero() {
				t.Errorf("%s: got %v, want the zero time", what, got)
			}
			return
		}
		if got.Location() != time.UTC {
			t.Errorf("%s: %v is not in UTC", what, got)
		}
		if d := got.Sub(want); d < -time.Millisecond || d > time.Millisecond {
			t.Errorf("%s: got %v, want %v (within 1ms)", what, got, want)
		}
	}

	site := NewSite("flood")
	site.CreatedAt, site.UpdatedAt = at, at.Add(time.Second)
	must(t, s.CreateSite(ctx, site), "CreateSite")
	gs, err := s.GetSite(ctx, "flood")
	must(t, err, "GetSite")
	check("site.CreatedAt", gs.CreatedAt, site.CreatedAt)
	check("site.UpdatedAt", gs.UpdatedAt, site.UpdatedAt)
	check("site.ArchivedAt", gs.ArchivedAt, time.Time{})

	e := NewEntry("flood", "times", "en")
	e.Status = centre.StatusWithdrawn
	e.PublishAt, e.PublishedAt, e.UpdatedAt = at, at.Add(time.Millisecond), at.Add(2*time.Second)
	e.CreatedAt, e.WithdrawnAt = at.Add(-time.Hour), at.Add(time.Hour)
	e.ChangeNotes = []centre.ChangeNote{{At: at.Add(time.Minute), Note: "n"}}
	e.ExpiresAt, e.ReviewRequestedAt, e.OutdatedSince = at.Add(24*time.Hour), at.Add(3*time.Second), at.Add(4*time.Second)
	e.LastChange = centre.Change{At: at.Add(5 * time.Second), Action: "withdraw"}
	mustCreateEntry(t, s, e)
	ge := mustGetEntry(t, s, "flood", e.ID)
	page, err := s.ListEntries(ctx, centre.EntryQuery{Site: "flood", Public: true})
	must(t, err, "ListEntries")
	if len(page.Items) != 1 {
		t.Fatalf("ListEntries: %d items, want 1", len(page.Items))
	}
	for _, g := range []*centre.Entry{ge, page.Items[0]} {
		check("entry.PublishAt", g.PublishAt, e.PublishAt)
		check("entry.PublishedAt", g.PublishedAt, e.PublishedAt)
		check("entry.UpdatedAt", g.UpdatedAt, e.UpdatedAt)
		check("entry.CreatedAt", g.CreatedAt, e.CreatedAt)
		check("entry.WithdrawnAt", g.WithdrawnAt, e.WithdrawnAt)
		check("entry.ExpiresAt", g.ExpiresAt, e.ExpiresAt)
		check("entry.ReviewRequestedAt", g.ReviewRequestedAt, e.ReviewRequestedAt)
		check("entry.OutdatedSince", g.OutdatedSince, e.OutdatedSince)
		check("entry.LastChange.At", g.LastChange.At, e.LastChange.At)
		if len(g.ChangeNotes) == 1 {
			check("entry.ChangeNotes[0].At", g.ChangeNotes[0].At, e.ChangeNotes[0].At)
		} else {
			t.Errorf("entry.ChangeNotes: %+v", g.ChangeNotes)
		}
	}
	e2 := NewEntry("flood", "zero-times", "en")
	e2.CreatedAt, e2.UpdatedAt = at, at
	mustCreateEntry(t, s, e2)
	ge = mustGetEntry(t, s, "flood", e2.ID)
	check("entry.PublishAt (zero)", ge.PublishAt, time.Time{})
	check("entry.PublishedAt (zero)", ge.PublishedAt, time.Time{})
	check("entry.WithdrawnAt (zero)", ge.WithdrawnAt, time.Time{})
	check("entry.ExpiresAt (zero)", ge.ExpiresAt, time.Time{})
	check("entry.ReviewRequestedAt (zero)", ge.ReviewRequestedAt, time.Time{})
	check("entry.OutdatedSince (zero)", ge.OutdatedSince, time.Time{})
	check("entry.LastChange.At (zero)", ge.LastChange.At, time.Time{})
	rev, err := s.Revision(ctx, "flood", e.ID, 1)
	must(t, err, "Revision")
	check("revision.PublishedAt", rev.PublishedAt, e.PublishedAt)
	check("revision.LastChange.At", rev.LastChange.At, e.LastChange.At)

	ev := NewAuditEvent("flood", at)
	must(t, s.AppendAudit(ctx, ev), "AppendAudit")
	events, err := s.ListAudit(ctx, centre.AuditQuery{Site: "flood"})
	must(t, err, "ListAudit")
	if len(events.Items) != 1 {
		t.Fatalf("ListAudit: %d events, want 1", len(events.Items))
	}
	check("event.At", events.Items[0].At, ev.At)

	k := NewKey("flood", centre.RoleViewer)
	k.CreatedAt, k.ExpiresAt = at, at.Add(24*time.Hour)
	must(t, s.CreateKey(ctx, k), "CreateKey")
	gk, err := s.KeyByHash(ctx, k.Hash)
	must(t, err, "KeyByHash")
	check("key.CreatedAt", gk.CreatedAt, k.CreatedAt)
	check("key.ExpiresAt", gk.ExpiresAt, k.ExpiresAt)
	check("key.RevokedAt (zero)", gk.RevokedAt, time.Time{})
	gk, err = s.RevokeKey(ctx, "flood", k.ID, at.Add(time.Hour))
	must(t, err, "RevokeKey")
	check("key.RevokedAt", gk.RevokedAt, at.Add(time.Hour))

	now := time.Now().In(zone)
	rec := &centre.IdempotencyRecord{Scope: "s", Key: "k", RequestHash: "h", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if _, err := s.ClaimIdempotency(ctx, rec); err != nil {
		t.Fatal(err)
	}
	gr, err := s.ClaimIdempotency(ctx, rec)
	must(t, err, "ClaimIdempotency")
	if gr == nil {
		t.Fatal("ClaimIdempotency returned no record")
	}
	check("record.CreatedAt", gr.CreatedAt, rec.CreatedAt)
	check("record.ExpiresAt", gr.ExpiresAt, rec.ExpiresAt)
}

// testConcurrentUpdates races writers on one entry and one site: exactly
// one writer wins per version.
func testConcurrentUpdates(t *testing.T, s centre.Store) {
	ctx := t.Context()
	const writers = 20
	e := mustCreateEntry(t, s, NewEntry("flood", "contended", "en"))

	// Round 1: every writer holds version 1.
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		c := *e
		c.Title = fmt.Sprintf("writer %d", i)
		wg.Go(func() { errs[i] = s.UpdateEntry(ctx, &c) })
	}
	wg.Wait()
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case !centre.IsCode(err, centre.EPRECONDITION):
			t.Errorf("writer %d: %v, want nil or EPRECONDITION", i, err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d writers won with the same version, want exactly 1", wins)
	}

	// Round 2: writers read and retry; the version counts the successes.
	var mu sync.Mutex
	successes := 1
	for i := range writers {
		wg.Go(func() {
			for range 3 {
				c, err := s.GetEntry(ctx, "flood", e.ID)
				if err != nil {
					t.Errorf("GetEntry: %v", err)
					return
				}
				c.Summary = fmt.Sprintf("writer %d", i)
				switch err := s.UpdateEntry(ctx, c); {
				case err == nil:
					mu.Lock()
					successes++
					mu.Unlock()
				case !centre.IsCode(err, centre.EPRECONDITION):
					t.Errorf("UpdateEntry: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	final := mustGetEntry(t, s, "flood", e.ID)
	if final.Version != int64(successes)+1 {
		t.Fatalf("final version %d after %d successful updates, want %d", final.Version, successes, successes+1)
	}

	// Sites follow the same rule.
	site := NewSite("flood")
	must(t, s.CreateSite(ctx, site), "CreateSite")
	wins = 0
	for i := range writers {
		c := *site
		c.Title = fmt.Sprintf("writer %d", i)
		wg.Go(func() {
			err := s.UpdateSite(ctx, &c)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case !centre.IsCode(err, centre.EPRECONDITION):
				t.Errorf("UpdateSite: %v", err)
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d site writers won with the same version, want exactly 1", wins)
	}
}

// testConcurrentSlugs races creators and renamers for one slug: exactly one
// wins.
func testConcurrentSlugs(t *testing.T, s centre.Store) {
	ctx := t.Context()
	const writers = 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	count := func(err error, what string, wins *int) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err == nil:
			*wins++
		case !centre.IsCode(err, centre.ECONFLICT):
			t.Errorf("%s: %v, want nil or ECONFLICT", what, err)
		}
	}

	entryWins := 0
	for range writers {
		e := NewEntry("flood", "same-slug", "en")
		wg.Go(func() { count(s.CreateEntry(ctx, e), "CreateEntry", &entryWins) })
	}
	siteWins := 0
	for range writers {
		site := NewSite("same-site")
		wg.Go(func() { count(s.CreateSite(ctx, site), "CreateSite", &siteWins) })
	}
	wg.Wait()
	if entryWins != 1 || siteWins != 1 {
		t.Fatalf("creating one slug concurrently: %d entries and %d sites won, want 1 each", entryWins, siteWins)
	}
	list, err := s.EntriesBySlug(ctx, "flood", "same-slug")
	must(t, err, "EntriesBySlug")
	if len(list) != 1 {
		t.Fatalf("EntriesBySlug after concurrent creates: %v", entryIDs(list))
	}
	if l := collect(t, s, centre.EntryQuery{Site: "flood"}); len(l) != 1 {
		t.Fatalf("ListEntries after concurrent creates: %v", entryIDs(l))
	}

	// Renaming different entries onto one free slug.
	var movers []*centre.Entry
	for i := range writers {
		movers = append(movers, mustCreateEntry(t, s, NewEntry("flood", fmt.Sprintf("mover-%02d", i), "en")))
	}
	renameWins := 0
	for _, m := range movers {
		c := *m
		c.Slug = "target"
		wg.Go(func() { count(s.UpdateEntry(ctx, &c), "UpdateEntry", &renameWins) })
	}
	wg.Wait()
	if renameWins != 1 {
		t.Fatalf("renaming onto one slug concurrently: %d won, want 1", renameWins)
	}
	list, err = s.EntriesBySlug(ctx, "flood", "target")
	must(t, err, "EntriesBySlug target")
	if len(list) != 1 {
		t.Fatalf("EntriesBySlug target: %v", entryIDs(list))
	}
	// Every loser kept its own slug.
	for _, m := range movers {
		if m.ID == list[0].ID {
			continue
		}
		if l, err := s.EntriesBySlug(ctx, "flood", m.Slug); err != nil || len(l) != 1 || l[0].ID != m.ID {
			t.Fatalf("EntriesBySlug %s after losing the race: %v, %v", m.Slug, entryIDs(l), err)
		}
	}
}

// testContext checks that a cancelled context fails every method with an
// error wrapping context.Canceled, and that nothing is written.
func testContext(t *testing.T, s centre.Store) {
	ctx := t.Context()
	site := NewSite("flood")
	must(t, s.CreateSite(ctx, site), "CreateSite")
	e := mustCreateEntry(t, s, Publish(NewEntry("flood", "kept", "en"), Base))
	ev := NewAuditEvent("flood", Base)
	must(t, s.AppendAudit(ctx, ev), "AppendAudit")
	k := NewKey("flood", centre.RoleEditor)
	must(t, s.CreateKey(ctx, k), "CreateKey")
	rec := &centre.IdempotencyRecord{Scope: "s", Key: "k", RequestHash: "h", CreatedAt: Base, ExpiresAt: time.Now().Add(time.Hour)}
	if _, err := s.ClaimIdempotency(ctx, rec); err != nil {
		t.Fatal(err)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	wantCancel := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: got %v, want an error wrapping context.Canceled", what, err)
		}
	}
	newSite := NewSite("storm")
	wantCancel("CreateSite", s.CreateSite(cancelled, newSite))
	siteUpd := *site
	siteUpd.Title = "changed"
	siteUpd.Hosts = []string{"changed.example.org"}
	wantCancel("UpdateSite", s.UpdateSite(cancelled, &siteUpd))
	wantCancel("DeleteSite", s.DeleteSite(cancelled, "flood", 1))
	_, err := s.SiteByHost(cancelled, site.Hosts[0])
	wantCancel("SiteByHost", err)
	newEv := NewAuditEvent("flood", Base.Add(time.Hour))
	wantCancel("AppendAudit", s.AppendAudit(cancelled, newEv))
	_, err = s.ListAudit(cancelled, centre.AuditQuery{Site: "flood"})
	wantCancel("ListAudit", err)
	_, err = s.Revisions(cancelled, "flood", e.ID, 0, 10)
	wantCancel("Revisions", err)
	_, err = s.Revision(cancelled, "flood", e.ID, 1)
	wantCancel("Revision", err)
	newEntry := NewEntry("flood", "new", "en")
	wantCancel("CreateEntry", s.CreateEntry(cancelled, newEntry))
	entryUpd := *e
	entryUpd.Slug = "renamed"
	wantCancel("UpdateEntry", s.UpdateEntry(cancelled, &entryUpd))
	wantCancel("DeleteEntry", s.DeleteEntry(cancelled, "flood", e.ID, 1))
	newKey := NewKey("flood", centre.RoleViewer)
	wantCancel("CreateKey", s.CreateKey(cancelled, newKey))
	_, err = s.RevokeKey(cancelled, "flood", k.ID, Base)
	wantCancel("RevokeKey", err)
	newRec := &centre.IdempotencyRecord{Scope: "s", Key: "k2", RequestHash: "h", CreatedAt: Base, ExpiresAt: time.Now().Add(time.Hour)}
	_, err = s.ClaimIdempotency(cancelled, newRec)
	wantCancel("ClaimIdempotency", err)
	done := *rec
	done.Done, done.Status = true, 200
	wantCancel("CompleteIdempotency", s.CompleteIdempotency(cancelled, &done))
	wantCancel("ReleaseIdempotency", s.ReleaseIdempotency(cancelled, "s", "k"))
	_, err = s.GetSite(cancelled, "flood")
	wantCancel("GetSite", err)
	_, err = s.ListSites(cancelled)
	wantCancel("ListSites", err)
	_, err = s.GetEntry(cancelled, "flood", e.ID)
	wantCancel("GetEntry", err)
	_, err = s.EntriesBySlug(cancelled, "flood", "kept")
	wantCancel("EntriesBySlug", err)
	_, err = s.ListEntries(cancelled, centre.EntryQuery{Site: "flood", Public: true})
	wantCancel("ListEntries", err)
	_, err = s.DueEntries(cancelled, Base, 10)
	wantCancel("DueEntries", err)
	_, err = s.KeyByHash(cancelled, k.Hash)
	wantCancel("KeyByHash", err)
	_, err = s.ListKeys(cancelled, "flood")
	wantCancel("ListKeys", err)

	// Nothing was written.
	if _, err := s.GetSite(ctx, "storm"); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Errorf("cancelled CreateSite stored the site: %v", err)
	}
	gs, err := s.GetSite(ctx, "flood")
	must(t, err, "GetSite")
	sameSite(t, "site after a cancelled UpdateSite and DeleteSite", gs, site)
	wantHost(t, s, site.Hosts[0], "flood", 1)
	wantHost(t, s, "changed.example.org", "", 0)
	if events := collectAudit(t, s, centre.AuditQuery{Site: "flood"}); len(events) != 1 || events[0].ID != ev.ID {
		t.Errorf("cancelled AppendAudit stored the event: %v", eventIDs(events))
	}
	wantVersions(t, s, "flood", e.ID, 1, "after a cancelled UpdateEntry")
	if _, err := s.GetEntry(ctx, "flood", newEntry.ID); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Errorf("cancelled CreateEntry stored the entry: %v", err)
	}
	sameEntry(t, "entry after cancelled UpdateEntry and DeleteEntry", mustGetEntry(t, s, "flood", e.ID), e)
	if _, err := s.EntriesBySlug(ctx, "flood", "renamed"); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Errorf("cancelled UpdateEntry reserved the new slug: %v", err)
	}
	if _, err := s.KeyByHash(ctx, newKey.Hash); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Errorf("cancelled CreateKey stored the key: %v", err)
	}
	gk, err := s.KeyByHash(ctx, k.Hash)
	must(t, err, "KeyByHash")
	sameKey(t, "key after a cancelled RevokeKey", gk, k)
	if prev, err := s.ClaimIdempotency(ctx, newRec); err != nil || prev != nil {
		t.Errorf("cancelled ClaimIdempotency stored a record: (%+v, %v)", prev, err)
	}
	prev, err := s.ClaimIdempotency(ctx, rec)
	must(t, err, "ClaimIdempotency")
	sameIdem(t, "record after cancelled CompleteIdempotency and ReleaseIdempotency", prev, rec)
}
