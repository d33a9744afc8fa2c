package edge

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
)

var at = time.Date(2026, 3, 2, 8, 30, 0, 0, time.UTC)

func testSite() *centre.Site {
	return &centre.Site{Slug: "demo", Title: "Demo", Languages: []string{"en", "fr"}, Hosts: []string{"info.example.org"},
		Status: centre.SiteActive, Version: 3}
}

func entry(status string, mut ...func(e *centre.Entry)) *centre.Entry {
	e := &centre.Entry{ID: "e1", Site: "demo", Slug: "masks", Lang: "en", Status: status, Version: 2,
		Content: centre.Content{Type: centre.TypeStatement, Title: "Masks", Tags: []string{"health"},
			Organisations: []string{"Société Française"}}}
	if status == centre.StatusPublished || status == centre.StatusWithdrawn {
		e.PublishedAt = at
	}
	for _, m := range mut {
		m(e)
	}
	return e
}

// TestSitePathsPerKind: the pages each kind of change affects, in every
// language of the site, and the invalidation paths made of them (below
// /sites/demo and, since the site claims a host, at the root).
func TestSitePathsPerKind(t *testing.T) {
	site := testSite()
	scheduled := entry(centre.StatusScheduled, func(e *centre.Entry) { e.PublishAt = at })
	published := entry(centre.StatusPublished)
	major := entry(centre.StatusPublished, func(e *centre.Entry) {
		e.ChangeNotes = []centre.ChangeNote{{At: at, Note: "Corrected figures"}}
	})
	retagged := entry(centre.StatusPublished, func(e *centre.Entry) { e.Tags = []string{"schools"} })
	withdrawn := entry(centre.StatusWithdrawn, func(e *centre.Entry) { e.SupersededBy = "masks-2" })
	draft := entry(centre.StatusDraft)
	every := []string{"/", "/fr/", "/feed.atom", "/feed.rss", "/feed.json", "/tags/", "/tags/fr/", "/organisations/",
		"/organisations/fr/", "/sitemap.xml", "/cap.xml", "/en/masks/", "/fr/masks/", "/statements/", "/statements/fr/",
		"/statements/feed.atom", "/tags/health/", "/tags/health/fr/", "/tags/health/feed.json",
		"/organisations/societe-francaise/", "/organisations/societe-francaise/fr/"}
	for _, tc := range []struct {
		name     string
		c        Change
		kind     string
		want     []string // among the paths
		wantNot  []string
		all      bool
		nothing  bool
		purgeHas []string
	}{
		{name: "publish now", c: Change{Site: "demo", NewEntry: published}, kind: "publish", want: every,
			purgeHas: []string{"/sites/demo/en/masks/", "/en/masks/", "/hosts/info.example.org/en/masks/", "/hosts/info.example.org/tags/health/", "/sites/demo/tags/health/", "/api/v1/sites/demo/entries", "/api/v1/sites/demo/entries/masks"}},
		{name: "scheduled release", c: Change{Site: "demo", OldEntry: scheduled, NewEntry: published}, kind: "publish", want: every},
		{name: "major change", c: Change{Site: "demo", OldEntry: published, NewEntry: major}, kind: "major", want: every},
		{name: "minor change moving a tag", c: Change{Site: "demo", OldEntry: published, NewEntry: retagged}, kind: "minor",
			want: append([]string{"/tags/schools/", "/tags/schools/fr/", "/tags/schools/feed.rss"}, every...)},
		{name: "withdraw", c: Change{Site: "demo", OldEntry: published, NewEntry: withdrawn}, kind: "withdraw",
			want: append([]string{"/en/masks-2/", "/fr/masks-2/"}, every...)},
		{name: "delete", c: Change{Site: "demo", OldEntry: withdrawn}, kind: "delete", want: every},
		{name: "draft edit", c: Change{Site: "demo", OldEntry: draft, NewEntry: draft}, kind: "", nothing: true},
		{name: "scheduled, not yet released", c: Change{Site: "demo", NewEntry: scheduled}, kind: "", nothing: true},
		{name: "site settings, banner or archive", c: Change{Site: "demo", OldSite: site, NewSite: site}, kind: "site", all: true,
			purgeHas: []string{"/sites/demo/*", "/*", "/hosts/info.example.org/*", "/api/v1/sites/demo", "/api/v1/sites/demo/*"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Kind(tc.c); got != tc.kind {
				t.Errorf("Kind = %q, want %q", got, tc.kind)
			}
			paths, all := SitePaths(site, tc.c)
			if all != tc.all {
				t.Errorf("all = %v, want %v", all, tc.all)
			}
			if tc.nothing && (len(paths) > 0 || all) {
				t.Errorf("a change the public does not see affects %v", paths)
			}
			for _, p := range tc.want {
				if !slices.Contains(paths, p) {
					t.Errorf("paths lack %s: %v", p, paths)
				}
			}
			if !slices.IsSorted(paths) || len(slices.Compact(slices.Clone(paths))) != len(paths) {
				t.Errorf("paths not sorted and distinct: %v", paths)
			}
			purge := PurgePaths(site, paths, []string{"masks"}, all)
			for _, p := range tc.purgeHas {
				if !slices.Contains(purge, p) {
					t.Errorf("purge lacks %s: %v", p, purge)
				}
			}
			for _, p := range purge {
				if strings.ContainsAny(p, " ?#") || !strings.HasPrefix(p, "/") {
					t.Errorf("invalid invalidation path %q", p)
				}
			}
			if !tc.nothing {
				t.Logf("%s: %d site paths, %d invalidation paths", tc.name, len(paths), len(purge))
			}
		})
	}
}

// TestPurgePathsEncoding: a tag outside ASCII is percent-encoded, as
// CloudFront wants its paths; a site without hosts of its own has no root
// paths.
func TestPurgePathsEncoding(t *testing.T) {
	site := testSite()
	site.Hosts = nil
	got := PurgePaths(site, []string{"/tags/santé/"}, nil, false)
	want := []string{"/api/v1/sites/demo/entries", "/sites/demo/tags/sant%C3%A9/"}
	if !slices.Equal(got, want) {
		t.Errorf("PurgePaths = %v, want %v", got, want)
	}
}

// TestPlan: batches of at most MaxPaths; a site above WildcardAbove and,
// while the whole is too large, the largest site go by wildcard.
func TestPlan(t *testing.T) {
	many := func(site string, n int) SitePurge {
		sp := SitePurge{Site: site, Wildcards: []string{"/sites/" + site + "/*"}}
		for i := range n {
			sp.Paths = append(sp.Paths, "/sites/"+site+"/p"+strings.Repeat("x", i%7)+"/"+string(rune('a'+i%26))+"/"+strconv.Itoa(i))
		}
		return sp
	}
	p := &Purger{MaxPaths: 80, WildcardAbove: 60}
	batches, wild := p.Plan([]SitePurge{many("a", 50), many("b", 70), many("c", 40)})
	if !slices.Equal(wild, []string{"a", "b"}) {
		t.Errorf("wildcard sites %v, want [a b]: b above 60, then a, the largest, while 91 paths > 80", wild)
	}
	total := 0
	for _, b := range batches {
		if len(b) > 80 {
			t.Errorf("batch of %d paths", len(b))
		}
		total += len(b)
	}
	if total != 1+1+40 {
		t.Errorf("%d paths in all, want 42", total)
	}
	batches, wild = (&Purger{MaxPaths: 30, WildcardAbove: 1000}).Plan([]SitePurge{{Site: "x", Paths: many("x", 70).Paths}})
	if len(wild) != 0 || len(batches) != 3 || len(batches[2]) != 10 {
		t.Errorf("a site without wildcards: %d batches, wild %v", len(batches), wild)
	}
}
