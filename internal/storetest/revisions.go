package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"infocentre/internal/centre"
)

// allRevisions pages through the revisions of an entry, limit at a time,
// checking each page: at most limit items, versions increasing past after.
func allRevisions(t *testing.T, s centre.Store, site, id string, limit int) []*centre.Entry {
	t.Helper()
	var all []*centre.Entry
	after := int64(0)
	for range maxPages {
		page, err := s.Revisions(t.Context(), site, id, after, limit)
		if err != nil {
			t.Fatalf("Revisions %s/%s after %d limit %d: %v", site, id, after, limit, err)
		}
		if len(page) > limit {
			t.Fatalf("Revisions after %d limit %d: %d items, more than the limit", after, limit, len(page))
		}
		if len(page) == 0 {
			return all
		}
		for _, r := range page {
			if r.Version <= after {
				t.Fatalf("Revisions after %d: got version %d (versions must increase, past after)", after, r.Version)
			}
			if r.ID != id || r.Site != site {
				t.Fatalf("Revisions of %s/%s: got a revision of %s/%s", site, id, r.Site, r.ID)
			}
			after = r.Version
		}
		all = append(all, page...)
	}
	t.Fatalf("Revisions of %s/%s: still more after %d pages", site, id, maxPages)
	return nil
}

func versions(list []*centre.Entry) []int64 {
	out := make([]int64, len(list))
	for i, e := range list {
		out[i] = e.Version
	}
	return out
}

func seq64(from, to int64) []int64 {
	var out []int64
	for v := from; v <= to; v++ {
		out = append(out, v)
	}
	return out
}

// wantVersions checks that the entry's revisions are exactly versions 1..n.
func wantVersions(t *testing.T, s centre.Store, site, id string, n int64, what string) {
	t.Helper()
	if got := versions(allRevisions(t, s, site, id, centre.MaxPageSize)); !slices.Equal(got, seq64(1, n)) {
		t.Fatalf("%s: revisions %v, want %v", what, got, seq64(1, n))
	}
}

func testRevisions(t *testing.T, s centre.Store) {
	ctx := t.Context()
	e := NewEntry("flood", "revised", "en")
	e.LastChange = centre.Change{At: Base, KeyID: "01jzkeyid0000000000000000a", Role: centre.RoleEditor, Action: "create"}
	mustCreateEntry(t, s, e)
	if _, err := s.Revisions(ctx, "flood", NextID(), 0, 10); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("Revisions of a missing entry: got %v, want ENOTFOUND", err)
	}

	// Each write is kept in full: snapshots[v-1] is the entry as stored by
	// the write that made version v.
	snapshots := []*centre.Entry{mustGetEntry(t, s, "flood", e.ID)}
	for i := 2; i <= 5; i++ {
		u := mustGetEntry(t, s, "flood", e.ID)
		u.Body = fmt.Sprintf("Body of version %d.", i)
		u.BodyHTML = fmt.Sprintf("<p>Body of version %d.</p>", i)
		u.Tags = []string{fmt.Sprintf("tag-%d", i)}
		u.LastChange = centre.Change{At: Base.Add(time.Duration(i) * time.Hour), KeyID: "01jzkeyid0000000000000000b",
			Role: centre.RolePublisher, Action: "update", Kind: "major", Note: fmt.Sprintf("Change %d.", i)}
		if i == 4 {
			Publish(u, Base.Add(4*time.Hour))
			u.Slug = "revised-renamed"
		}
		must(t, s.UpdateEntry(ctx, u), fmt.Sprintf("UpdateEntry to version %d", i))
		snapshots = append(snapshots, mustGetEntry(t, s, "flood", e.ID))
	}
	for _, w := range snapshots {
		got, err := s.Revision(ctx, "flood", e.ID, w.Version)
		must(t, err, fmt.Sprintf("Revision %d", w.Version))
		sameEntry(t, fmt.Sprintf("Revision %d (a full copy, Body, BodyHTML and LastChange included)", w.Version), got, w)
	}
	all := allRevisions(t, s, "flood", e.ID, 100)
	if got := versions(all); !slices.Equal(got, []int64{1, 2, 3, 4, 5}) {
		t.Fatalf("Revisions: versions %v, want one per version [1 2 3 4 5], oldest first", got)
	}
	for i, r := range all {
		sameEntry(t, fmt.Sprintf("Revisions item %d", i), r, snapshots[i])
	}

	// Paging by after and limit.
	for _, c := range []struct {
		after int64
		limit int
		want  []int64
	}{
		{0, 2, []int64{1, 2}}, {2, 2, []int64{3, 4}}, {4, 2, []int64{5}}, {3, 100, []int64{4, 5}},
		{0, 1, []int64{1}}, {1, 3, []int64{2, 3, 4}}, {5, 10, nil}, {9, 10, nil},
	} {
		page, err := s.Revisions(ctx, "flood", e.ID, c.after, c.limit)
		must(t, err, fmt.Sprintf("Revisions after %d limit %d", c.after, c.limit))
		if got := versions(page); !slices.Equal(got, c.want) {
			t.Fatalf("Revisions after %d limit %d: versions %v, want %v", c.after, c.limit, got, c.want)
		}
	}
	// Limits follow ListEntries: 0 means 20, more than MaxPageSize means
	// MaxPageSize.
	for _, limit := range []int{0, 1000} {
		page, err := s.Revisions(ctx, "flood", e.ID, 0, limit)
		must(t, err, fmt.Sprintf("Revisions with limit %d", limit))
		if got := versions(page); !slices.Equal(got, []int64{1, 2, 3, 4, 5}) {
			t.Fatalf("Revisions with limit %d: versions %v, want all 5 (limit %d means %d)", limit, got, limit, min(max(limit, 20), centre.MaxPageSize))
		}
	}
	if got := versions(allRevisions(t, s, "flood", e.ID, 2)); !slices.Equal(got, []int64{1, 2, 3, 4, 5}) {
		t.Fatalf("paging Revisions 2 at a time: versions %v, want [1 2 3 4 5]", got)
	}

	for _, v := range []int64{0, 6, -1} {
		if _, err := s.Revision(ctx, "flood", e.ID, v); !centre.IsCode(err, centre.ENOTFOUND) {
			t.Fatalf("Revision %d of an entry at version 5: got %v, want ENOTFOUND", v, err)
		}
	}
	if _, err := s.Revision(ctx, "storm", e.ID, 1); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("Revision with another site: got %v, want ENOTFOUND", err)
	}
	if _, err := s.Revisions(ctx, "storm", e.ID, 0, 10); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("Revisions with another site: got %v, want ENOTFOUND", err)
	}
	if _, err := s.Revision(ctx, "flood", NextID(), 1); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("Revision of a missing entry: got %v, want ENOTFOUND", err)
	}

	// Returned revisions are copies.
	r, err := s.Revision(ctx, "flood", e.ID, 2)
	must(t, err, "Revision 2")
	r.Tags[0], r.Body = "changed", "changed"
	list, err := s.Revisions(ctx, "flood", e.ID, 1, 1)
	must(t, err, "Revisions")
	if len(list) != 1 {
		t.Fatalf("Revisions after 1 limit 1: %d items", len(list))
	}
	sameEntry(t, "Revision 2 after changing a returned value", list[0], snapshots[1])
	list[0].Tags[0] = "changed"
	r, err = s.Revision(ctx, "flood", e.ID, 2)
	must(t, err, "Revision 2")
	sameEntry(t, "Revision 2 after changing a listed value", r, snapshots[1])

	// DeleteEntry keeps the revisions.
	must(t, s.DeleteEntry(ctx, "flood", e.ID, 5), "DeleteEntry")
	all = allRevisions(t, s, "flood", e.ID, 100)
	if got := versions(all); !slices.Equal(got, []int64{1, 2, 3, 4, 5}) {
		t.Fatalf("Revisions after DeleteEntry: versions %v, want [1 2 3 4 5]", got)
	}
	r, err = s.Revision(ctx, "flood", e.ID, 5)
	must(t, err, "Revision 5 after DeleteEntry")
	sameEntry(t, "Revision 5 after DeleteEntry", r, snapshots[4])
}

// testRevisionsFailedWrites checks that refused writes keep no revision
// and leave the existing ones unchanged.
func testRevisionsFailedWrites(t *testing.T, s centre.Store) {
	ctx := t.Context()
	a := mustCreateEntry(t, s, NewEntry("flood", "alpha", "en"))
	b := mustCreateEntry(t, s, NewEntry("flood", "beta", "en"))
	wantB1 := mustGetEntry(t, s, "flood", b.ID)

	// EPRECONDITION: a stale version, and a version ahead.
	stale := *wantB1
	stale.Version = 0
	stale.Title = "Stale"
	mustCode(t, s.UpdateEntry(ctx, &stale), centre.EPRECONDITION, "UpdateEntry with a stale version")
	ahead := *wantB1
	ahead.Version = 7
	mustCode(t, s.UpdateEntry(ctx, &ahead), centre.EPRECONDITION, "UpdateEntry with a version ahead of the store")
	// ECONFLICT: renaming onto a taken slug.
	clash := *wantB1
	clash.Slug = "alpha"
	mustCode(t, s.UpdateEntry(ctx, &clash), centre.ECONFLICT, "UpdateEntry onto a taken slug")
	wantVersions(t, s, "flood", b.ID, 1, "after refused UpdateEntry calls")
	if _, err := s.Revision(ctx, "flood", b.ID, 2); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("Revision 2 after refused updates: got %v, want ENOTFOUND", err)
	}
	if _, err := s.Revision(ctx, "flood", b.ID, 8); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("Revision 8 after an UpdateEntry refused with version 7: got %v, want ENOTFOUND", err)
	}
	r, err := s.Revision(ctx, "flood", b.ID, 1)
	must(t, err, "Revision 1")
	sameEntry(t, "Revision 1 after refused updates", r, wantB1)

	// A refused CreateEntry with a taken ID leaves revision 1 of the
	// existing entry alone; one with a taken slug keeps no revision.
	dupID := NewEntry("flood", "gamma", "en")
	dupID.ID = a.ID
	dupID.Body = "Not the stored body."
	mustCode(t, s.CreateEntry(ctx, dupID), centre.ECONFLICT, "CreateEntry with a taken ID")
	r, err = s.Revision(ctx, "flood", a.ID, 1)
	must(t, err, "Revision 1")
	sameEntry(t, "Revision 1 after a refused CreateEntry with its ID", r, a)
	wantVersions(t, s, "flood", a.ID, 1, "after a refused CreateEntry with the same ID")
	dupSlug := NewEntry("flood", "alpha", "en")
	mustCode(t, s.CreateEntry(ctx, dupSlug), centre.ECONFLICT, "CreateEntry with a taken slug")
	if _, err := s.Revisions(ctx, "flood", dupSlug.ID, 0, 10); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("Revisions of a refused CreateEntry: got %v, want ENOTFOUND", err)
	}
	// ENOTFOUND: an update of a missing entry keeps nothing either.
	missing := NewEntry("flood", "missing", "en")
	missing.Version = 1
	mustCode(t, s.UpdateEntry(ctx, missing), centre.ENOTFOUND, "UpdateEntry of a missing entry")
	if _, err := s.Revisions(ctx, "flood", missing.ID, 0, 10); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("Revisions of a refused UpdateEntry of a missing entry: got %v, want ENOTFOUND", err)
	}
	// A refused DeleteEntry changes nothing; a successful update after all
	// this is version 2.
	mustCode(t, s.DeleteEntry(ctx, "flood", b.ID, 3), centre.EPRECONDITION, "DeleteEntry with a wrong version")
	u := mustGetEntry(t, s, "flood", b.ID)
	u.Title = "Second version"
	must(t, s.UpdateEntry(ctx, u), "UpdateEntry")
	wantVersions(t, s, "flood", b.ID, 2, "after refused writes and one update")
}

// testConcurrentRevisions races updaters on one entry: every version has
// exactly one revision, with the content of the write that made it.
func testConcurrentRevisions(t *testing.T, s centre.Store) {
	ctx := t.Context()
	const writers = 8
	e := mustCreateEntry(t, s, NewEntry("flood", "contended", "en"))
	var mu sync.Mutex
	made := map[int64]string{1: e.Summary} // version -> Summary written
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			for j := range 3 {
				c, err := s.GetEntry(ctx, "flood", e.ID)
				if err != nil {
					t.Errorf("GetEntry: %v", err)
					return
				}
				c.Summary = fmt.Sprintf("writer %d, try %d", i, j)
				c.Body = "Body by " + c.Summary
				switch err := s.UpdateEntry(ctx, c); {
				case err == nil:
					mu.Lock()
					made[c.Version] = c.Summary
					mu.Unlock()
				case !centre.IsCode(err, centre.EPRECONDITION):
					t.Errorf("UpdateEntry: %v, want nil or EPRECONDITION", err)
					return
				}
			}
		})
	}
	wg.Wait()
	final := mustGetEntry(t, s, "flood", e.ID)
	if int64(len(made)) != final.Version {
		t.Fatalf("%d successful writes (create included) but final version %d", len(made), final.Version)
	}
	all := allRevisions(t, s, "flood", e.ID, 7)
	if got := versions(all); !slices.Equal(got, seq64(1, final.Version)) {
		t.Fatalf("revisions after concurrent updates: %v, want exactly one per version %v", got, seq64(1, final.Version))
	}
	for _, r := range all {
		if r.Summary != made[r.Version] {
			t.Fatalf("revision %d has Summary %q, but the write that made version %d wrote %q", r.Version, r.Summary, r.Version, made[r.Version])
		}
		if r.Version > 1 && r.Body != "Body by "+r.Summary {
			t.Fatalf("revision %d: Body %q does not belong to Summary %q", r.Version, r.Body, r.Summary)
		}
	}
	sameEntry(t, "last revision", all[len(all)-1], final)
}
