package centre_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"infocentre/internal/boltstore"
	"infocentre/internal/centre"
	"infocentre/internal/cursor"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func TestLastModified(t *testing.T) {
	h := time.Hour
	for name, c := range map[string]struct {
		e    centre.Entry
		want time.Time
	}{
		"published only":         {centre.Entry{PublishedAt: t0}, t0},
		"update after":           {centre.Entry{PublishedAt: t0, UpdatedAt: t0.Add(h)}, t0.Add(h)},
		"update before (import)": {centre.Entry{PublishedAt: t0.Add(h), UpdatedAt: t0}, t0.Add(h)},
		"change note latest": {centre.Entry{PublishedAt: t0, UpdatedAt: t0.Add(h),
			ChangeNotes: []centre.ChangeNote{{At: t0.Add(3 * h)}, {At: t0.Add(2 * h)}}}, t0.Add(3 * h)},
		"withdrawal latest": {centre.Entry{PublishedAt: t0, UpdatedAt: t0.Add(h), WithdrawnAt: t0.Add(4 * h),
			ChangeNotes: []centre.ChangeNote{{At: t0.Add(3 * h)}}}, t0.Add(4 * h)},
	} {
		if got := c.e.LastModified(); !got.Equal(c.want) {
			t.Errorf("%s: %v, want %v", name, got, c.want)
		}
	}
}

// readSide returns a service on a store holding site "demo" with one slug
// in four states and an entry that expires at t0+2h.
func readSide(t *testing.T) *centre.Service {
	t.Helper()
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "public.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	site := &centre.Site{Slug: "demo", Title: "Demo", Languages: []string{"en", "fr", "de", "es"}, Publisher: "P",
		Contact: centre.Contact{Email: "p@example.org"}, Status: centre.SiteActive, Hosts: []string{"demo.example.org"}}
	if err := st.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	for _, e := range []*centre.Entry{
		{ID: "1", Lang: "en", Status: centre.StatusPublished, PublishedAt: t0},
		{ID: "2", Lang: "fr", Status: centre.StatusWithdrawn, PublishedAt: t0, WithdrawnAt: t0.Add(time.Hour)},
		{ID: "3", Lang: "de", Status: centre.StatusDraft, PublishedAt: t0}, // unpublished
		{ID: "4", Lang: "es", Status: centre.StatusDraft},                  // never public
		{ID: "5", Lang: "en", Slug: "short-lived", Status: centre.StatusPublished, PublishedAt: t0, ExpiresAt: t0.Add(2 * time.Hour)},
		{ID: "6", Lang: "en", Slug: "to-come", Status: centre.StatusScheduled, PublishAt: t0.Add(5 * time.Hour)},
		{ID: "7", Lang: "en", Slug: "a-draft", Status: centre.StatusDraft},
	} {
		e.Site, e.Type, e.Title = "demo", centre.TypeStatement, "Entry "+e.ID
		if e.Slug == "" {
			e.Slug = "the-slug"
		}
		if err := st.CreateEntry(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	sealer, err := cursor.New([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return &centre.Service{Store: st, Signer: sealer, Now: func() time.Time { return t0.Add(time.Hour) }}
}

func TestPublicVersions(t *testing.T) {
	svc := readSide(t)
	ctx := context.Background()
	pub, err := svc.PublicVersions(ctx, "demo", "the-slug")
	if err != nil {
		t.Fatal(err)
	}
	if len(pub.Versions) != 2 || pub.Versions[0].Lang != "en" || pub.Versions[1].Lang != "fr" {
		t.Fatalf("versions %+v, want en (published) and fr (withdrawn)", pub.Versions)
	}
	for lang, want := range map[string]struct {
		found, gone bool
	}{"EN": {true, false}, "fr": {true, false}, "de": {false, true}, "es": {false, false}, "it": {false, false}} {
		e, gone := pub.In(lang)
		if (e != nil) != want.found || gone != want.gone {
			t.Errorf("In(%s) = %v, %v; want found %v, gone %v", lang, e, gone, want.found, want.gone)
		}
	}
	if _, err := svc.PublicVersions(ctx, "demo", "a-draft"); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Errorf("a draft never public: %v, want ENOTFOUND", err)
	}
	if _, err := svc.PublicVersions(ctx, "demo", "nope"); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Errorf("unknown slug: %v, want ENOTFOUND", err)
	}
	// Expiry is decided by the service's clock, and At stops it.
	for _, c := range []struct {
		svc     *centre.Service
		expired bool
	}{{svc, false}, {svc.At(t0.Add(2 * time.Hour)), true}} {
		pub, err := c.svc.PublicVersions(ctx, "demo", "short-lived")
		if err != nil {
			t.Fatal(err)
		}
		if got := pub.Expired(pub.Versions[0]); got != c.expired {
			t.Errorf("as of %v: expired %v, want %v", pub.AsOf, got, c.expired)
		}
	}
}

func TestPublicListingLeavesOutExpired(t *testing.T) {
	svc := readSide(t).At(t0.Add(3 * time.Hour))
	ctx := context.Background()
	slugs := func(page centre.EntryPage, err error) map[string]bool {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, e := range page.Items {
			out[e.Slug+"/"+e.Lang] = true
		}
		return out
	}
	// The caller cannot widen a public read to other statuses.
	q := centre.EntryQuery{Site: "demo", Status: centre.StatusDraft, Limit: 50}
	listed := slugs(svc.PublicListing(ctx, q))
	readable := slugs(svc.ReadableEntries(ctx, q))
	if len(listed) != 2 || !listed["the-slug/en"] || !listed["the-slug/fr"] {
		t.Errorf("listed %v, want the public, unexpired entries", listed)
	}
	if len(readable) != 3 || !readable["short-lived/en"] {
		t.Errorf("readable %v, want the expired entry too", readable)
	}
}

func TestPreviewEntryIsDatedAsPublished(t *testing.T) {
	svc := readSide(t)
	ctx := context.Background()
	owner := centre.Principal{KeyID: "k", Site: centre.AllSites, Role: centre.RoleOwner}
	for id, want := range map[string]time.Time{"6": t0.Add(5 * time.Hour), "7": t0.Add(time.Hour)} {
		link, err := svc.CreatePreview(ctx, owner, "demo", id, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		pub, err := svc.PreviewEntry(ctx, link.Token)
		if err != nil {
			t.Fatal(err)
		}
		if e := pub.Versions[0]; !e.PublishedAt.Equal(want) || !e.UpdatedAt.Equal(want) {
			t.Errorf("entry %s shown as published at %v (updated %v), want %v", id, e.PublishedAt, e.UpdatedAt, want)
		}
	}
	if _, err := svc.PreviewEntry(ctx, "forged"); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Errorf("forged token: %v", err)
	}
}

func TestSiteByHost(t *testing.T) {
	svc := readSide(t)
	if s, err := svc.SiteByHost(context.Background(), "Demo.Example.org"); err != nil || s.Slug != "demo" {
		t.Errorf("claimed host: %v %v", s, err)
	}
	if _, err := svc.SiteByHost(context.Background(), "evil.example"); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Errorf("unclaimed host: %v", err)
	}
}
