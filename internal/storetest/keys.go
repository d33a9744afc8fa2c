package storetest

import (
	"slices"
	"testing"
	"time"

	"infocentre/internal/centre"
)

func testDueEntries(t *testing.T, s centre.Store) {
	ctx := t.Context()
	sched := func(site, slug string, at time.Time) *centre.Entry {
		e := NewEntry(site, slug, "en")
		e.Status, e.PublishAt = centre.StatusScheduled, at
		return mustCreateEntry(t, s, e)
	}
	a3 := sched("flood", "a3", Base.Add(3*time.Hour))
	a1 := sched("flood", "a1", Base.Add(1*time.Hour))
	b2 := sched("storm", "b2", Base.Add(2*time.Hour))
	sched("flood", "a10", Base.Add(10*time.Hour)) // not due yet
	draft := NewEntry("flood", "draft", "en")
	draft.PublishAt = Base.Add(time.Hour) // a draft is never due
	mustCreateEntry(t, s, draft)
	mustCreateEntry(t, s, Publish(NewEntry("flood", "published", "en"), Base))

	due := func(now time.Time, limit int) []*centre.Entry {
		t.Helper()
		list, err := s.DueEntries(ctx, now, limit)
		must(t, err, "DueEntries")
		return list
	}
	list := due(Base.Add(5*time.Hour), 10)
	if got, want := entryIDs(list), entryIDs([]*centre.Entry{a1, b2, a3}); !slices.Equal(got, want) {
		t.Fatalf("DueEntries: got %v, want %v", got, want)
	}
	sameEntry(t, "DueEntries item", list[0], a1) // complete entries, body included
	if got, want := entryIDs(due(Base.Add(5*time.Hour), 2)), entryIDs([]*centre.Entry{a1, b2}); !slices.Equal(got, want) {
		t.Fatalf("DueEntries limit 2: got %v, want %v", got, want)
	}
	if got, want := entryIDs(due(Base.Add(2*time.Hour), 10)), entryIDs([]*centre.Entry{a1, b2}); !slices.Equal(got, want) {
		t.Fatalf("DueEntries at exactly b2's PublishAt: got %v, want %v", got, want)
	}
	if got := due(Base, 10); len(got) != 0 {
		t.Fatalf("DueEntries before any PublishAt: got %v", entryIDs(got))
	}

	// Publishing or rescheduling takes entries off the due list.
	e := mustGetEntry(t, s, "flood", a1.ID)
	must(t, s.UpdateEntry(ctx, Publish(e, Base.Add(5*time.Hour))), "publish a1")
	e = mustGetEntry(t, s, "storm", b2.ID)
	e.PublishAt = Base.Add(20 * time.Hour)
	must(t, s.UpdateEntry(ctx, e), "reschedule b2")
	if got, want := entryIDs(due(Base.Add(5*time.Hour), 10)), []string{a3.ID}; !slices.Equal(got, want) {
		t.Fatalf("DueEntries after publishing a1 and rescheduling b2: got %v, want %v", got, want)
	}
	must(t, s.DeleteEntry(ctx, "flood", a3.ID, 1), "DeleteEntry a3")
	if got := due(Base.Add(5*time.Hour), 10); len(got) != 0 {
		t.Fatalf("DueEntries after deleting a3: got %v", entryIDs(got))
	}
	if got, want := entryIDs(due(Base.Add(24*time.Hour), 10)), 2; len(got) != want {
		t.Fatalf("DueEntries a day later: got %v, want 2 entries", got)
	}
}

func testKeys(t *testing.T, s centre.Store) {
	ctx := t.Context()
	a1 := NewKey("flood", centre.RoleEditor)
	a2 := NewKey("flood", centre.RoleAdmin)
	a2.ExpiresAt = time.Time{}
	owner := NewKey(centre.AllSites, centre.RoleOwner)
	b1 := NewKey("storm", centre.RolePublisher)
	for _, k := range []*centre.Key{a2, owner, a1, b1} { // stored out of order
		must(t, s.CreateKey(ctx, k), "CreateKey "+k.Name)
	}
	for _, k := range []*centre.Key{a1, a2, owner, b1} {
		got, err := s.KeyByHash(ctx, k.Hash)
		must(t, err, "KeyByHash")
		sameKey(t, "KeyByHash", got, k)
	}
	for _, k := range []*centre.Key{a1, a2, owner, b1} {
		got, err := s.KeyByID(ctx, k.ID)
		must(t, err, "KeyByID")
		sameKey(t, "KeyByID", got, k)
	}
	if _, err := s.KeyByID(ctx, NextID()); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("KeyByID of an unknown ID: got %v, want ENOTFOUND", err)
	}
	_, missing := centre.NewKeySecret()
	if _, err := s.KeyByHash(ctx, missing); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("KeyByHash of an unknown hash: got %v, want ENOTFOUND", err)
	}

	list := func(site string) []*centre.Key {
		t.Helper()
		l, err := s.ListKeys(ctx, site)
		must(t, err, "ListKeys "+site)
		return l
	}
	got := list("flood")
	if g, w := keyIDs(got), keyIDs([]*centre.Key{a1, a2}); !slices.Equal(g, w) {
		t.Fatalf("ListKeys flood: got %v, want %v (oldest first)", g, w)
	}
	sameKey(t, "ListKeys item", got[0], a1)
	if g, w := keyIDs(list(centre.AllSites)), []string{owner.ID}; !slices.Equal(g, w) {
		t.Fatalf("ListKeys *: got %v, want %v", g, w)
	}
	if l := list("quake"); len(l) != 0 {
		t.Fatalf("ListKeys of a site without keys: %v", keyIDs(l))
	}

	dupID := NewKey("flood", centre.RoleViewer)
	dupID.ID = a1.ID
	mustCode(t, s.CreateKey(ctx, dupID), centre.ECONFLICT, "CreateKey with a taken ID")
	dupHash := NewKey("quake", centre.RoleViewer)
	dupHash.Hash = b1.Hash
	mustCode(t, s.CreateKey(ctx, dupHash), centre.ECONFLICT, "CreateKey with a taken hash")
	if l := list("quake"); len(l) != 0 {
		t.Fatalf("a refused CreateKey stored a key: %v", keyIDs(l))
	}
	if _, err := s.KeyByHash(ctx, dupID.Hash); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("a refused CreateKey stored its hash: %v", err)
	}
	if k, err := s.KeyByID(ctx, a1.ID); err != nil || k.Site != "flood" {
		t.Fatalf("KeyByID after a refused CreateKey with its ID: %+v, %v", k, err)
	}
	if _, err := s.KeyByID(ctx, dupHash.ID); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("a refused CreateKey is found by ID: %v", err)
	}
	k, err := s.KeyByHash(ctx, b1.Hash)
	must(t, err, "KeyByHash")
	sameKey(t, "KeyByHash after a refused CreateKey", k, b1)
	if g := keyIDs(list("flood")); len(g) != 2 {
		t.Fatalf("ListKeys flood after refused creates: %v", g)
	}
}

func testRevokeKey(t *testing.T, s centre.Store) {
	ctx := t.Context()
	k := NewKey("flood", centre.RoleEditor)
	other := NewKey("flood", centre.RoleViewer)
	must(t, s.CreateKey(ctx, k), "CreateKey")
	must(t, s.CreateKey(ctx, other), "CreateKey")

	if _, err := s.RevokeKey(ctx, "storm", k.ID, Base); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("RevokeKey with another site: got %v, want ENOTFOUND", err)
	}
	if _, err := s.RevokeKey(ctx, "flood", NextID(), Base); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("RevokeKey of a missing ID: got %v, want ENOTFOUND", err)
	}
	first := Base.Add(time.Hour)
	got, err := s.RevokeKey(ctx, "flood", k.ID, first)
	must(t, err, "RevokeKey")
	want := *k
	want.RevokedAt = first
	sameKey(t, "RevokeKey result", got, &want)
	got, err = s.RevokeKey(ctx, "flood", k.ID, first.Add(time.Hour))
	must(t, err, "RevokeKey again")
	sameKey(t, "second RevokeKey result (keeps the first time)", got, &want)
	got, err = s.KeyByHash(ctx, k.Hash)
	must(t, err, "KeyByHash of a revoked key")
	sameKey(t, "KeyByHash of a revoked key", got, &want)
	if got.Usable(first) {
		t.Fatal("a revoked key is usable")
	}
	got, err = s.KeyByID(ctx, k.ID)
	must(t, err, "KeyByID of a revoked key")
	sameKey(t, "KeyByID of a revoked key", got, &want)
	l, err := s.ListKeys(ctx, "flood")
	must(t, err, "ListKeys")
	if len(l) != 2 {
		t.Fatalf("ListKeys after revoking: %v", keyIDs(l))
	}
	sameKey(t, "ListKeys revoked item", l[0], &want)
	sameKey(t, "ListKeys other item", l[1], other)
}

func testIdempotency(t *testing.T, s centre.Store) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Millisecond)
	rec := &centre.IdempotencyRecord{
		Scope: "01jzkeyid0000000000000000a", Key: "3f1c8a2e-key", RequestHash: "hash-1",
		CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour),
	}
	prev, err := s.ClaimIdempotency(ctx, rec)
	if err != nil || prev != nil {
		t.Fatalf("first ClaimIdempotency: got (%+v, %v), want (nil, nil)", prev, err)
	}
	again := *rec
	again.RequestHash = "hash-2"
	prev, err = s.ClaimIdempotency(ctx, &again)
	must(t, err, "second ClaimIdempotency")
	sameIdem(t, "second ClaimIdempotency returns the first record", prev, rec)

	// Another scope with the same key is independent.
	otherScope := *rec
	otherScope.Scope = "01jzkeyid0000000000000000b"
	if prev, err := s.ClaimIdempotency(ctx, &otherScope); err != nil || prev != nil {
		t.Fatalf("ClaimIdempotency in another scope: got (%+v, %v), want (nil, nil)", prev, err)
	}

	done := *rec
	done.Done = true
	done.Status = 201
	done.Header = []string{"Location", "/api/sites/flood/entries/x", "ETag", `"v1"`}
	done.Body = []byte(`{"id":"x"}`)
	must(t, s.CompleteIdempotency(ctx, &done), "CompleteIdempotency")
	prev, err = s.ClaimIdempotency(ctx, &again)
	must(t, err, "ClaimIdempotency after completion")
	sameIdem(t, "ClaimIdempotency after completion", prev, &done)

	must(t, s.ReleaseIdempotency(ctx, otherScope.Scope, otherScope.Key), "ReleaseIdempotency")
	if prev, err := s.ClaimIdempotency(ctx, &otherScope); err != nil || prev != nil {
		t.Fatalf("ClaimIdempotency after release: got (%+v, %v), want (nil, nil)", prev, err)
	}
	// The record of the first scope was left alone.
	prev, err = s.ClaimIdempotency(ctx, &again)
	must(t, err, "ClaimIdempotency")
	sameIdem(t, "record of the first scope after releasing the other", prev, &done)

	gone := *rec
	gone.Key = "never-claimed"
	gone.Done = true
	mustCode(t, s.CompleteIdempotency(ctx, &gone), centre.ENOTFOUND, "CompleteIdempotency of a missing record")
	if prev, err := s.ClaimIdempotency(ctx, &gone); err != nil || prev != nil {
		t.Fatalf("a refused CompleteIdempotency stored a record: (%+v, %v)", prev, err)
	}
}

func testIdempotencyExpired(t *testing.T, s centre.Store) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Millisecond)
	old := &centre.IdempotencyRecord{
		Scope: "scope", Key: "k", RequestHash: "old", Done: true, Status: 200,
		CreatedAt: now.Add(-2 * time.Hour), ExpiresAt: now.Add(-time.Hour),
	}
	if prev, err := s.ClaimIdempotency(ctx, old); err != nil || prev != nil {
		t.Fatalf("ClaimIdempotency: got (%+v, %v), want (nil, nil)", prev, err)
	}
	done := *old
	done.Body = []byte("late")
	mustCode(t, s.CompleteIdempotency(ctx, &done), centre.ENOTFOUND, "CompleteIdempotency of an expired record")
	fresh := &centre.IdempotencyRecord{
		Scope: "scope", Key: "k", RequestHash: "fresh",
		CreatedAt: now, ExpiresAt: now.Add(time.Hour),
	}
	if prev, err := s.ClaimIdempotency(ctx, fresh); err != nil || prev != nil {
		t.Fatalf("ClaimIdempotency over an expired record: got (%+v, %v), want (nil, nil)", prev, err)
	}
	prev, err := s.ClaimIdempotency(ctx, old)
	must(t, err, "ClaimIdempotency")
	sameIdem(t, "ClaimIdempotency after replacing an expired record", prev, fresh)
}
