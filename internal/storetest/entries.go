package storetest

import (
	"slices"
	"testing"
	"time"

	"infocentre/internal/centre"
)

func testEntryCreateGet(t *testing.T, s centre.Store) {
	ctx := t.Context()
	e := NewEntry("flood", "evacuation-order", "en")
	e.Pinned = true
	e.ChangeNotes = []centre.ChangeNote{{At: Base.Add(time.Hour), Note: "Corrected the map."}}
	e.SupersededBy = "evacuation-order-2"
	Publish(e, Base.Add(time.Minute))
	e.Version = 5 // ignored: Create stores Version 1
	want := *e
	want.Version = 1
	mustCreateEntry(t, s, e)
	if e.Version != 1 {
		t.Errorf("CreateEntry set Version %d on the value, want 1", e.Version)
	}
	sameEntry(t, "GetEntry after CreateEntry", mustGetEntry(t, s, "flood", e.ID), &want)

	if _, err := s.GetEntry(ctx, "storm", e.ID); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("GetEntry with another site: got %v, want ENOTFOUND", err)
	}
	if _, err := s.GetEntry(ctx, "flood", NextID()); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("GetEntry of a missing ID: got %v, want ENOTFOUND", err)
	}

	// Same ID: conflict, even with another slug.
	dupID := NewEntry("flood", "other-slug", "en")
	dupID.ID = e.ID
	mustCode(t, s.CreateEntry(ctx, dupID), centre.ECONFLICT, "CreateEntry with a taken ID")
	// Same (Lang, Slug) in the same site: conflict.
	dupSlug := NewEntry("flood", "evacuation-order", "en")
	mustCode(t, s.CreateEntry(ctx, dupSlug), centre.ECONFLICT, "CreateEntry with a taken (lang, slug)")
	if _, err := s.GetEntry(ctx, "flood", dupSlug.ID); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("a refused CreateEntry stored the entry: %v", err)
	}
	sameEntry(t, "GetEntry after refused creates", mustGetEntry(t, s, "flood", e.ID), &want)

	// Same slug in another language, or in another site: fine.
	mustCreateEntry(t, s, NewEntry("flood", "evacuation-order", "fr"))
	mustCreateEntry(t, s, NewEntry("storm", "evacuation-order", "en"))
	// The refused dupSlug can be stored under another slug.
	dupSlug.Slug = "evacuation-order-2"
	mustCreateEntry(t, s, dupSlug)
}

func testEntriesBySlug(t *testing.T, s centre.Store) {
	ctx := t.Context()
	if _, err := s.EntriesBySlug(ctx, "flood", "guidance"); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("EntriesBySlug on an empty store: got %v, want ENOTFOUND", err)
	}
	fr := NewEntry("flood", "guidance", "fr")
	en := Publish(NewEntry("flood", "guidance", "en"), Base.Add(time.Hour))
	de := NewEntry("flood", "guidance", "de")
	de.Status = centre.StatusScheduled
	de.PublishAt = Base.Add(3 * time.Hour)
	enGB := NewEntry("flood", "guidance", "en-GB")
	for _, e := range []*centre.Entry{fr, en, de, enGB} {
		mustCreateEntry(t, s, e)
	}
	// Neighbours that must not show up.
	mustCreateEntry(t, s, NewEntry("flood", "guidance-2", "en"))
	mustCreateEntry(t, s, NewEntry("flood", "guid", "en"))
	mustCreateEntry(t, s, NewEntry("storm", "guidance", "en"))

	list, err := s.EntriesBySlug(ctx, "flood", "guidance")
	must(t, err, "EntriesBySlug")
	want := []*centre.Entry{de, en, enGB, fr} // ordered by Lang
	if got, w := entryIDs(list), entryIDs(want); !slices.Equal(got, w) {
		t.Fatalf("EntriesBySlug: got %v, want %v (de, en, en-GB, fr)", got, w)
	}
	for i := range want {
		// Every status, and complete entries: Body and BodyHTML included.
		sameEntry(t, "EntriesBySlug item "+want[i].Lang, list[i], want[i])
	}
	list, err = s.EntriesBySlug(ctx, "storm", "guidance")
	must(t, err, "EntriesBySlug storm")
	if len(list) != 1 || list[0].Site != "storm" {
		t.Fatalf("EntriesBySlug storm: got %v", entryIDs(list))
	}
	if _, err := s.EntriesBySlug(ctx, "quake", "guidance"); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("EntriesBySlug of another site: got %v, want ENOTFOUND", err)
	}
}

func testEntryUpdate(t *testing.T, s centre.Store) {
	ctx := t.Context()
	e := mustCreateEntry(t, s, NewEntry("flood", "water-quality", "en"))
	read := mustGetEntry(t, s, "flood", e.ID)
	stale := mustGetEntry(t, s, "flood", e.ID)

	read.Title = "Water quality: boil your water"
	read.Body = "Boil tap water for one minute."
	read.BodyHTML = "<p>Boil tap water for one minute.</p>"
	read.Tags = []string{"water", "health"}
	read.Organisations = nil
	read.Attachments = nil
	read.UpdatedAt = Base.Add(2 * time.Hour)
	must(t, s.UpdateEntry(ctx, read), "UpdateEntry")
	if read.Version != 2 {
		t.Fatalf("UpdateEntry set Version %d on the value, want 2", read.Version)
	}
	sameEntry(t, "GetEntry after UpdateEntry", mustGetEntry(t, s, "flood", e.ID), read)

	stale.Title = "Lost update"
	mustCode(t, s.UpdateEntry(ctx, stale), centre.EPRECONDITION, "UpdateEntry with a stale version")
	if stale.Version != 1 {
		t.Errorf("a refused UpdateEntry changed Version on the value to %d", stale.Version)
	}
	sameEntry(t, "GetEntry after a refused UpdateEntry", mustGetEntry(t, s, "flood", e.ID), read)

	ahead := mustGetEntry(t, s, "flood", e.ID)
	ahead.Version = 9
	mustCode(t, s.UpdateEntry(ctx, ahead), centre.EPRECONDITION, "UpdateEntry with a version ahead of the store")

	missing := NewEntry("flood", "nowhere", "en")
	missing.Version = 1
	mustCode(t, s.UpdateEntry(ctx, missing), centre.ENOTFOUND, "UpdateEntry of a missing entry")
	if _, err := s.EntriesBySlug(ctx, "flood", "nowhere"); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("a refused UpdateEntry reserved its slug: %v", err)
	}
	other := mustGetEntry(t, s, "flood", e.ID)
	other.Site = "storm"
	mustCode(t, s.UpdateEntry(ctx, other), centre.ENOTFOUND, "UpdateEntry of an entry ID in another site")
}

func testEntryUpdateSlug(t *testing.T, s centre.Store) {
	ctx := t.Context()
	a := mustCreateEntry(t, s, NewEntry("flood", "alpha", "en"))
	b := mustCreateEntry(t, s, NewEntry("flood", "beta", "en"))
	mustCreateEntry(t, s, NewEntry("flood", "gamma", "fr"))

	// Renaming onto a taken (lang, slug): conflict, nothing changes.
	b2 := mustGetEntry(t, s, "flood", b.ID)
	b2.Slug = "alpha"
	b2.Title = "Renamed"
	mustCode(t, s.UpdateEntry(ctx, b2), centre.ECONFLICT, "UpdateEntry onto a taken slug")
	if b2.Version != 1 {
		t.Errorf("a refused UpdateEntry changed Version on the value to %d", b2.Version)
	}
	sameEntry(t, "entry after a refused rename", mustGetEntry(t, s, "flood", b.ID), b)
	list, err := s.EntriesBySlug(ctx, "flood", "alpha")
	must(t, err, "EntriesBySlug alpha")
	if got := entryIDs(list); !slices.Equal(got, []string{a.ID}) {
		t.Fatalf("EntriesBySlug alpha after a refused rename: %v, want [%s]", got, a.ID)
	}
	if _, err := s.EntriesBySlug(ctx, "flood", "beta"); err != nil {
		t.Fatalf("a refused rename freed the old slug: %v", err)
	}

	// Changing the language onto a taken (lang, slug): conflict.
	g := mustGetEntry(t, s, "flood", b.ID)
	g.Slug, g.Lang = "gamma", "fr"
	mustCode(t, s.UpdateEntry(ctx, g), centre.ECONFLICT, "UpdateEntry onto a taken (lang, slug)")

	// The same slug in another language is free.
	b3 := mustGetEntry(t, s, "flood", b.ID)
	b3.Slug = "gamma"
	must(t, s.UpdateEntry(ctx, b3), "UpdateEntry to a slug taken only in another language")
	list, err = s.EntriesBySlug(ctx, "flood", "gamma")
	must(t, err, "EntriesBySlug gamma")
	if len(list) != 2 || list[0].ID != b.ID || list[1].Lang != "fr" {
		t.Fatalf("EntriesBySlug gamma: got %v", entryIDs(list))
	}
	sameEntry(t, "EntriesBySlug gamma[0]", list[0], b3)

	// The old slug is free and can be reused by a new entry...
	if _, err := s.EntriesBySlug(ctx, "flood", "beta"); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("EntriesBySlug of the old slug after a rename: got %v, want ENOTFOUND", err)
	}
	reuse := mustCreateEntry(t, s, NewEntry("flood", "beta", "en"))
	// ...and no longer by the renamed entry, whose old slug is taken again.
	b4 := mustGetEntry(t, s, "flood", b.ID)
	b4.Slug = "beta"
	mustCode(t, s.UpdateEntry(ctx, b4), centre.ECONFLICT, "renaming back onto a reused slug")
	// Keeping the own slug is no conflict.
	r2 := mustGetEntry(t, s, "flood", reuse.ID)
	r2.Title = "Kept slug"
	must(t, s.UpdateEntry(ctx, r2), "UpdateEntry keeping its slug")

	// A language change moves the reservation too.
	a2 := mustGetEntry(t, s, "flood", a.ID)
	a2.Lang = "de"
	must(t, s.UpdateEntry(ctx, a2), "UpdateEntry changing the language")
	mustCreateEntry(t, s, NewEntry("flood", "alpha", "en"))
	mustCode(t, s.CreateEntry(ctx, NewEntry("flood", "alpha", "de")), centre.ECONFLICT, "CreateEntry onto the moved reservation")
}

func testEntryDelete(t *testing.T, s centre.Store) {
	ctx := t.Context()
	e := mustCreateEntry(t, s, Publish(NewEntry("flood", "road-closures", "en"), Base))
	keep := mustCreateEntry(t, s, Publish(NewEntry("flood", "road-closures", "fr"), Base))

	mustCode(t, s.DeleteEntry(ctx, "flood", e.ID, 2), centre.EPRECONDITION, "DeleteEntry with a wrong version")
	mustGetEntry(t, s, "flood", e.ID)
	mustCode(t, s.DeleteEntry(ctx, "storm", e.ID, 1), centre.ENOTFOUND, "DeleteEntry with another site")
	mustCode(t, s.DeleteEntry(ctx, "flood", NextID(), 1), centre.ENOTFOUND, "DeleteEntry of a missing ID")

	must(t, s.DeleteEntry(ctx, "flood", e.ID, 1), "DeleteEntry")
	if _, err := s.GetEntry(ctx, "flood", e.ID); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("GetEntry after DeleteEntry: got %v, want ENOTFOUND", err)
	}
	mustCode(t, s.DeleteEntry(ctx, "flood", e.ID, 1), centre.ENOTFOUND, "DeleteEntry twice")
	list, err := s.EntriesBySlug(ctx, "flood", "road-closures")
	must(t, err, "EntriesBySlug")
	if got := entryIDs(list); !slices.Equal(got, []string{keep.ID}) {
		t.Fatalf("EntriesBySlug after DeleteEntry: %v, want [%s]", got, keep.ID)
	}
	for _, q := range []centre.EntryQuery{
		{Site: "flood"}, {Site: "flood", Public: true}, {Site: "flood", Tag: "health"},
		{Site: "flood", Public: true, Lang: "en"}, {Site: "flood", Status: centre.StatusPublished},
	} {
		if got := entryIDs(collect(t, s, q)); slices.Contains(got, e.ID) {
			t.Fatalf("ListEntries %+v still lists the deleted entry", q)
		}
	}
	// The slug is free again.
	mustCreateEntry(t, s, NewEntry("flood", "road-closures", "en"))
}
