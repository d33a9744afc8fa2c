package storetest

import (
	"slices"
	"testing"
	"time"

	"infocentre/internal/centre"
)

func testSiteCreateGet(t *testing.T, s centre.Store) {
	ctx := t.Context()
	if _, err := s.GetSite(ctx, "flood"); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("GetSite on an empty store: got %v, want ENOTFOUND", err)
	}
	site := NewSite("flood")
	site.Version = 7 // ignored: Create stores Version 1
	must(t, s.CreateSite(ctx, site), "CreateSite")
	if site.Version != 1 {
		t.Errorf("CreateSite set Version %d on the value, want 1", site.Version)
	}
	got, err := s.GetSite(ctx, "flood")
	must(t, err, "GetSite")
	want := NewSite("flood")
	want.Version = 1
	sameSite(t, "GetSite after CreateSite", got, want)

	dup := NewSite("flood")
	dup.Title = "Another title"
	mustCode(t, s.CreateSite(ctx, dup), centre.ECONFLICT, "CreateSite with a taken slug")
	got, err = s.GetSite(ctx, "flood")
	must(t, err, "GetSite")
	sameSite(t, "GetSite after a refused CreateSite", got, want)

	if _, err := s.GetSite(ctx, "flood2"); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("GetSite of a missing slug: got %v, want ENOTFOUND", err)
	}
}

func testSiteUpdate(t *testing.T, s centre.Store) {
	ctx := t.Context()
	site := NewSite("storm")
	must(t, s.CreateSite(ctx, site), "CreateSite")

	read, err := s.GetSite(ctx, "storm")
	must(t, err, "GetSite")
	stale, err := s.GetSite(ctx, "storm")
	must(t, err, "GetSite")

	read.Title = "Storm centre"
	read.Languages = []string{"fr", "en", "de"}
	read.Status = centre.SiteArchived
	read.ArchivedAt = Base.Add(48 * time.Hour)
	must(t, s.UpdateSite(ctx, read), "UpdateSite")
	if read.Version != 2 {
		t.Fatalf("UpdateSite set Version %d on the value, want 2", read.Version)
	}
	got, err := s.GetSite(ctx, "storm")
	must(t, err, "GetSite")
	sameSite(t, "GetSite after UpdateSite", got, read)

	stale.Title = "Lost update"
	mustCode(t, s.UpdateSite(ctx, stale), centre.EPRECONDITION, "UpdateSite with a stale version")
	if stale.Version != 1 {
		t.Errorf("a refused UpdateSite changed Version on the value to %d", stale.Version)
	}
	got, err = s.GetSite(ctx, "storm")
	must(t, err, "GetSite")
	sameSite(t, "GetSite after a refused UpdateSite", got, read)

	// A second update from the fresh value succeeds again.
	got.Tagline = "Second edit"
	must(t, s.UpdateSite(ctx, got), "second UpdateSite")
	if got.Version != 3 {
		t.Fatalf("second UpdateSite: Version %d, want 3", got.Version)
	}

	missing := NewSite("nowhere")
	missing.Version = 1
	mustCode(t, s.UpdateSite(ctx, missing), centre.ENOTFOUND, "UpdateSite of a missing site")
	if _, err := s.GetSite(ctx, "nowhere"); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("UpdateSite of a missing site created it: %v", err)
	}
}

func testListSites(t *testing.T, s centre.Store) {
	ctx := t.Context()
	list, err := s.ListSites(ctx)
	must(t, err, "ListSites on an empty store")
	if len(list) != 0 {
		t.Fatalf("ListSites on an empty store: %d sites", len(list))
	}
	for _, slug := range []string{"quake", "covid-19", "zika", "ebola"} {
		must(t, s.CreateSite(ctx, NewSite(slug)), "CreateSite "+slug)
	}
	list, err = s.ListSites(ctx)
	must(t, err, "ListSites")
	var slugs []string
	for _, site := range list {
		slugs = append(slugs, site.Slug)
		if site.Version != 1 || site.Title != "Centre "+site.Slug {
			t.Errorf("ListSites item %s: %+v", site.Slug, site)
		}
	}
	if want := []string{"covid-19", "ebola", "quake", "zika"}; !slices.Equal(slugs, want) {
		t.Fatalf("ListSites order: got %v, want %v", slugs, want)
	}
}
