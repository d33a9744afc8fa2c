package storetest

import (
	"slices"
	"testing"
	"time"

	"infocentre/internal/centre"
)

// testExpiry checks that public queries with a non-zero Now leave out the
// entries expired at Now (ExpiresAt at or before Now), and that staff
// queries and queries without Now are not filtered.
func testExpiry(t *testing.T, s centre.Store) {
	ctx := t.Context()
	at := Base.Add(10 * time.Hour) // the expiry time of "expiring"
	never := mustCreateEntry(t, s, Publish(NewEntry("flood", "never", "en"), Base))
	expiring := Publish(NewEntry("flood", "expiring", "en"), Base.Add(time.Hour))
	expiring.ExpiresAt = at
	expiring.Tags = []string{"travel"}
	mustCreateEntry(t, s, expiring)
	later := Publish(NewEntry("flood", "later", "fr"), Base.Add(2*time.Hour))
	later.ExpiresAt = at.Add(time.Hour)
	mustCreateEntry(t, s, later)
	withdrawn := Publish(NewEntry("flood", "withdrawn", "en"), Base.Add(3*time.Hour))
	withdrawn.Status, withdrawn.WithdrawnAt, withdrawn.WithdrawnReason = centre.StatusWithdrawn, Base.Add(4*time.Hour), "Wrong."
	withdrawn.ExpiresAt = at.Add(-time.Hour)
	mustCreateEntry(t, s, withdrawn)
	draft := NewEntry("flood", "draft", "en")
	draft.ExpiresAt = at.Add(-time.Hour)
	mustCreateEntry(t, s, draft)
	other := Publish(NewEntry("storm", "expired", "en"), Base)
	other.ExpiresAt = Base
	mustCreateEntry(t, s, other)
	all := []*centre.Entry{never, expiring, later, withdrawn, draft, other}

	public := func(now time.Time) []string {
		return entryIDs(collect(t, s, centre.EntryQuery{Site: "flood", Public: true, Now: now, Limit: 2}))
	}
	// Explicit boundaries first, for clear failures.
	if got := public(at.Add(-time.Millisecond)); !slices.Contains(got, expiring.ID) {
		t.Fatalf("public list at 1ms before ExpiresAt: %v does not hold the entry %s (not expired yet)", got, expiring.ID)
	}
	if got := public(at); slices.Contains(got, expiring.ID) {
		t.Fatalf("public list with Now equal to ExpiresAt: %v holds the entry %s (expired from ExpiresAt on)", got, expiring.ID)
	}
	if got := public(time.Time{}); len(got) != 4 {
		t.Fatalf("public list with a zero Now: %v, want all 4 public entries (no expiry filter)", got)
	}

	var queries []centre.EntryQuery
	for _, now := range []time.Time{{}, at.Add(-2 * time.Hour), at.Add(-time.Millisecond), at, at.Add(30 * time.Minute), at.Add(2 * time.Hour)} {
		queries = append(queries, centre.EntryQuery{Site: "flood", Public: true, Now: now})
	}
	queries = append(queries,
		centre.EntryQuery{Site: "flood", Public: true, Now: at.Add(-time.Millisecond), Limit: 1},
		centre.EntryQuery{Site: "flood", Public: true, Now: at, Limit: 1},
	)
	at2 := at.Add(2 * time.Hour)
	queries = append(queries,
		centre.EntryQuery{Site: "flood", Public: true, Now: at, Tag: "travel"},
		centre.EntryQuery{Site: "flood", Public: true, Now: at.Add(-time.Minute), Tag: "travel"},
		centre.EntryQuery{Site: "flood", Public: true, Now: at, Lang: "en"},
		centre.EntryQuery{Site: "flood", Public: true, Now: at2, Lang: "fr"},
		centre.EntryQuery{Site: "flood", Public: true, Now: at, Type: centre.TypeStatement},
		centre.EntryQuery{Site: "storm", Public: true, Now: Base},
		centre.EntryQuery{Site: "storm", Public: true, Now: Base.Add(-time.Millisecond)},
		// Staff queries ignore Now.
		centre.EntryQuery{Site: "flood", Now: at2},
		centre.EntryQuery{Site: "flood", Now: at2, Limit: 1},
		centre.EntryQuery{Site: "flood", Now: at2, Status: centre.StatusPublished},
		centre.EntryQuery{Site: "flood", Now: at2, Tag: "travel"},
		centre.EntryQuery{Site: "storm", Now: at2},
	)
	for _, q := range queries {
		checkList(t, s, all, q)
	}
	if got := entryIDs(collect(t, s, centre.EntryQuery{Site: "flood", Now: at2})); len(got) != 5 {
		t.Fatalf("staff list with Now after every expiry: %v, want all 5 entries", got)
	}

	// Expired entries stay readable.
	sameEntry(t, "GetEntry of an expired entry", mustGetEntry(t, s, "flood", expiring.ID), expiring)
	list, err := s.EntriesBySlug(ctx, "flood", "expiring")
	must(t, err, "EntriesBySlug of an expired entry")
	if len(list) != 1 {
		t.Fatalf("EntriesBySlug of an expired entry: %d entries, want 1", len(list))
	}
	sameEntry(t, "EntriesBySlug of an expired entry", list[0], expiring)

	// Lists follow changes of ExpiresAt.
	later.ExpiresAt = time.Time{}
	must(t, s.UpdateEntry(ctx, later), "UpdateEntry clearing ExpiresAt")
	never.ExpiresAt = at
	must(t, s.UpdateEntry(ctx, never), "UpdateEntry setting ExpiresAt")
	expiring.ExpiresAt = at.Add(24 * time.Hour)
	must(t, s.UpdateEntry(ctx, expiring), "UpdateEntry moving ExpiresAt later")
	if got, want := public(at2), []string{expiring.ID, later.ID}; !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))) {
		t.Fatalf("public list after changing ExpiresAt: %v, want %v", got, want)
	}
	for _, q := range queries {
		checkList(t, s, all, q)
	}
}
