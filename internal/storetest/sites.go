package storetest

import (
	"fmt"
	"slices"
	"sync"
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

// wantHost checks that SiteByHost(host) returns the site with slug and
// version, or ENOTFOUND if slug is "".
func wantHost(t *testing.T, s centre.Store, host, slug string, version int64) {
	t.Helper()
	got, err := s.SiteByHost(t.Context(), host)
	if slug == "" {
		if !centre.IsCode(err, centre.ENOTFOUND) {
			t.Fatalf("SiteByHost %q: got (%v, %v), want ENOTFOUND (the host must be free)", host, siteSlug(got), err)
		}
		return
	}
	if err != nil {
		t.Fatalf("SiteByHost %q: %v, want site %q", host, err, slug)
	}
	if got.Slug != slug || got.Version != version {
		t.Fatalf("SiteByHost %q: got site %q version %d, want %q version %d", host, got.Slug, got.Version, slug, version)
	}
}

func siteSlug(s *centre.Site) string {
	if s == nil {
		return "<nil>"
	}
	return s.Slug
}

func testSiteHosts(t *testing.T, s centre.Store) {
	ctx := t.Context()
	wantHost(t, s, "flood.example.org", "", 0)

	// CreateSite claims every host; lookups ignore case.
	flood := NewSite("flood")
	flood.Hosts = []string{"flood.example.org", "www.flood.example.org"}
	must(t, s.CreateSite(ctx, flood), "CreateSite with two hosts")
	wantHost(t, s, "flood.example.org", "flood", 1)
	wantHost(t, s, "www.flood.example.org", "flood", 1)
	wantHost(t, s, "WWW.Flood.Example.ORG", "flood", 1)
	got, err := s.SiteByHost(ctx, "flood.example.org")
	must(t, err, "SiteByHost")
	sameSite(t, "SiteByHost returns the whole site", got, flood)
	wantHost(t, s, "example.org", "", 0)
	wantHost(t, s, "flood.example.org.evil.example", "", 0)

	// A site without hosts claims nothing.
	bare := NewSite("bare")
	bare.Hosts = nil
	must(t, s.CreateSite(ctx, bare), "CreateSite without hosts")

	// CreateSite with a held host (in any case): ECONFLICT, nothing stored.
	for _, hosts := range [][]string{
		{"storm.example.org", "www.flood.example.org"},
		{"FLOOD.example.org"},
	} {
		storm := NewSite("storm")
		storm.Hosts = hosts
		mustCode(t, s.CreateSite(ctx, storm), centre.ECONFLICT, fmt.Sprintf("CreateSite with hosts %v, one held by another site", hosts))
		if _, err := s.GetSite(ctx, "storm"); !centre.IsCode(err, centre.ENOTFOUND) {
			t.Fatalf("a CreateSite refused for its hosts stored the site: %v", err)
		}
		wantHost(t, s, "storm.example.org", "", 0)
	}
	wantHost(t, s, "www.flood.example.org", "flood", 1)

	storm := NewSite("storm")
	storm.Hosts = []string{"storm.example.org"}
	must(t, s.CreateSite(ctx, storm), "CreateSite with a free host")

	// UpdateSite adding a held host: ECONFLICT, and the losing write
	// changes nothing (the host it dropped stays claimed, the new free one
	// stays free).
	bad := *storm
	bad.Title = "Taken"
	bad.Hosts = []string{"new.storm.example.org", "www.flood.example.org"}
	mustCode(t, s.UpdateSite(ctx, &bad), centre.ECONFLICT, "UpdateSite adding a host held by another site")
	if bad.Version != 1 {
		t.Errorf("a refused UpdateSite changed Version on the value to %d", bad.Version)
	}
	got, err = s.GetSite(ctx, "storm")
	must(t, err, "GetSite")
	sameSite(t, "site after an UpdateSite refused for its hosts", got, storm)
	wantHost(t, s, "storm.example.org", "storm", 1)
	wantHost(t, s, "new.storm.example.org", "", 0)
	wantHost(t, s, "www.flood.example.org", "flood", 1)

	// A stale UpdateSite (EPRECONDITION) claims and releases nothing.
	stale := *flood
	stale.Version = 0
	stale.Hosts = []string{"stale.flood.example.org"}
	mustCode(t, s.UpdateSite(ctx, &stale), centre.EPRECONDITION, "UpdateSite with a stale version and new hosts")
	wantHost(t, s, "stale.flood.example.org", "", 0)
	wantHost(t, s, "flood.example.org", "flood", 1)

	// UpdateSite keeping one host, dropping one and adding one.
	flood.Hosts = []string{"flood.example.org", "news.flood.example.org"}
	must(t, s.UpdateSite(ctx, flood), "UpdateSite changing the hosts")
	wantHost(t, s, "flood.example.org", "flood", 2)
	wantHost(t, s, "news.flood.example.org", "flood", 2)
	wantHost(t, s, "www.flood.example.org", "", 0)
	// An update that keeps the hosts is no conflict with itself.
	flood.Title = "Flood centre"
	must(t, s.UpdateSite(ctx, flood), "UpdateSite keeping its hosts")
	wantHost(t, s, "news.flood.example.org", "flood", 3)

	// The released host can be claimed by another site, on update...
	storm.Hosts = []string{"storm.example.org", "www.flood.example.org"}
	must(t, s.UpdateSite(ctx, storm), "UpdateSite claiming a released host")
	wantHost(t, s, "www.flood.example.org", "storm", 2)
	// ...and on create, once released again.
	storm.Hosts = []string{"storm.example.org"}
	must(t, s.UpdateSite(ctx, storm), "UpdateSite dropping a host")
	quake := NewSite("quake")
	quake.Hosts = []string{"www.flood.example.org"}
	must(t, s.CreateSite(ctx, quake), "CreateSite claiming a released host")
	wantHost(t, s, "www.flood.example.org", "quake", 1)
	wantHost(t, s, "storm.example.org", "storm", 3)

	// A host listed twice is one claim, released once dropped.
	dup := NewSite("twice")
	dup.Hosts = []string{"twice.example.org", "twice.example.org"}
	must(t, s.CreateSite(ctx, dup), "CreateSite listing a host twice")
	wantHost(t, s, "twice.example.org", "twice", 1)
	dup.Hosts = []string{"again.example.org", "again.example.org", "twice.example.org"}
	must(t, s.UpdateSite(ctx, dup), "UpdateSite listing a host twice")
	wantHost(t, s, "again.example.org", "twice", 2)
	dup.Hosts = []string{"again.example.org"}
	must(t, s.UpdateSite(ctx, dup), "UpdateSite dropping a host listed twice")
	wantHost(t, s, "twice.example.org", "", 0)
	wantHost(t, s, "again.example.org", "twice", 3)

	// Dropping every host releases them all.
	flood.Hosts = nil
	must(t, s.UpdateSite(ctx, flood), "UpdateSite dropping every host")
	wantHost(t, s, "flood.example.org", "", 0)
	wantHost(t, s, "news.flood.example.org", "", 0)
}

func testDeleteSite(t *testing.T, s centre.Store) {
	ctx := t.Context()
	flood := NewSite("flood")
	flood.Hosts = []string{"flood.example.org", "www.flood.example.org"}
	must(t, s.CreateSite(ctx, flood), "CreateSite")
	must(t, s.UpdateSite(ctx, flood), "UpdateSite") // version 2
	storm := NewSite("storm")
	must(t, s.CreateSite(ctx, storm), "CreateSite")
	e := mustCreateEntry(t, s, NewEntry("flood", "kept", "en"))
	k := NewKey("flood", centre.RoleEditor)
	must(t, s.CreateKey(ctx, k), "CreateKey")
	ev := NewAuditEvent("flood", Base)
	must(t, s.AppendAudit(ctx, ev), "AppendAudit")

	mustCode(t, s.DeleteSite(ctx, "flood", 1), centre.EPRECONDITION, "DeleteSite with a stale version")
	mustCode(t, s.DeleteSite(ctx, "flood", 3), centre.EPRECONDITION, "DeleteSite with a version ahead of the store")
	got, err := s.GetSite(ctx, "flood")
	must(t, err, "GetSite after a refused DeleteSite")
	sameSite(t, "site after a refused DeleteSite", got, flood)
	wantHost(t, s, "www.flood.example.org", "flood", 2)
	mustCode(t, s.DeleteSite(ctx, "nowhere", 1), centre.ENOTFOUND, "DeleteSite of a missing site")

	must(t, s.DeleteSite(ctx, "flood", 2), "DeleteSite")
	if _, err := s.GetSite(ctx, "flood"); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("GetSite after DeleteSite: got %v, want ENOTFOUND", err)
	}
	wantHost(t, s, "flood.example.org", "", 0)
	wantHost(t, s, "www.flood.example.org", "", 0)
	list, err := s.ListSites(ctx)
	must(t, err, "ListSites")
	if len(list) != 1 || list[0].Slug != "storm" {
		t.Fatalf("ListSites after DeleteSite: %d sites, want only storm", len(list))
	}
	mustCode(t, s.DeleteSite(ctx, "flood", 2), centre.ENOTFOUND, "DeleteSite twice")

	// Entries, keys and audit events stay.
	sameEntry(t, "entry of a deleted site", mustGetEntry(t, s, "flood", e.ID), e)
	if _, err := s.KeyByHash(ctx, k.Hash); err != nil {
		t.Fatalf("KeyByHash of a key of a deleted site: %v", err)
	}
	if page, err := s.ListAudit(ctx, centre.AuditQuery{Site: "flood"}); err != nil || len(page.Items) != 1 {
		t.Fatalf("ListAudit of a deleted site: %d events, %v; want its 1 event", len(page.Items), err)
	}

	// The slug and the hosts are free: another site can take a host, and
	// the slug can be created again with the other one.
	storm.Hosts = []string{"storm.example.org", "flood.example.org"}
	must(t, s.UpdateSite(ctx, storm), "UpdateSite claiming a host of the deleted site")
	again := NewSite("flood")
	again.Hosts = []string{"www.flood.example.org"}
	must(t, s.CreateSite(ctx, again), "CreateSite with the slug and a host of the deleted site")
	if again.Version != 1 {
		t.Fatalf("CreateSite after DeleteSite set Version %d, want 1", again.Version)
	}
	wantHost(t, s, "www.flood.example.org", "flood", 1)
	wantHost(t, s, "flood.example.org", "storm", 2)
}

// testConcurrentHosts races sites for one host: exactly one claims it.
func testConcurrentHosts(t *testing.T, s centre.Store) {
	ctx := t.Context()
	const writers = 10
	var wg sync.WaitGroup
	errs := make([]error, 2*writers)
	for i := range writers {
		c := NewSite(fmt.Sprintf("new-%02d", i))
		c.Hosts = []string{fmt.Sprintf("new-%02d.example.org", i), "contended.example.org"}
		wg.Go(func() { errs[i] = s.CreateSite(ctx, c) })
	}
	wg.Wait()
	// The same with updates of existing sites, for a second host.
	var olds []*centre.Site
	for i := range writers {
		o := NewSite(fmt.Sprintf("old-%02d", i))
		must(t, s.CreateSite(ctx, o), "CreateSite")
		olds = append(olds, o)
	}
	for i, o := range olds {
		c := *o
		c.Hosts = append(slices.Clone(o.Hosts), "contended-2.example.org")
		wg.Go(func() { errs[writers+i] = s.UpdateSite(ctx, &c) })
	}
	wg.Wait()
	for round, host := range []string{"contended.example.org", "contended-2.example.org"} {
		winner := -1
		for i, err := range errs[round*writers : (round+1)*writers] {
			switch {
			case err == nil && winner >= 0:
				t.Fatalf("host %s: writers %d and %d both won", host, winner, i)
			case err == nil:
				winner = i
			case !centre.IsCode(err, centre.ECONFLICT):
				t.Fatalf("host %s: writer %d: %v, want nil or ECONFLICT", host, i, err)
			}
		}
		if winner < 0 {
			t.Fatalf("host %s: no writer won", host)
		}
		got, err := s.SiteByHost(ctx, host)
		must(t, err, "SiteByHost "+host)
		want := fmt.Sprintf("%s-%02d", []string{"new", "old"}[round], winner)
		if got.Slug != want {
			t.Fatalf("SiteByHost %s: site %q, want the winner %q", host, got.Slug, want)
		}
	}
	list, err := s.ListSites(ctx)
	must(t, err, "ListSites")
	if len(list) != writers+1 {
		t.Fatalf("ListSites after racing creates: %d sites, want %d (the winner and the %d others)", len(list), writers+1, writers)
	}
}
