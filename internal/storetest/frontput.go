package storetest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"infocentre/internal/centre"
)

// testPutSiteFront: PutSiteFront stores a front at the stamp it was built
// for, refuses one built before an entry write (EPRECONDITION) and one of
// an unknown site (ENOTFOUND); the site's entries are untouched.
func testPutSiteFront(t *testing.T, s centre.Store) {
	ctx := t.Context()
	must(t, s.CreateSite(ctx, NewSite("putfront")), "CreateSite")
	at := Base
	for i := range 3 {
		at = at.Add(time.Minute)
		mustCreateEntry(t, s, Publish(NewEntry("putfront", fmt.Sprintf("p%d", i), "en"), at))
	}
	st, err := s.SiteStamp(ctx, "putfront")
	must(t, err, "SiteStamp")
	built := centre.NewSiteFront()
	built.Partial = true // a front the entry writes would not make: it shows where it came from
	mustCreateEntry(t, s, Publish(NewEntry("putfront", "later", "en"), at.Add(time.Minute)))
	if err := s.PutSiteFront(ctx, "putfront", built, st.Value); !centre.IsCode(err, centre.EPRECONDITION) {
		t.Fatalf("PutSiteFront at a stamp an entry write moved: %v, want EPRECONDITION", err)
	}
	if err := s.PutSiteFront(ctx, "no-such-site", built, st.Value); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("PutSiteFront of an unknown site: %v, want ENOTFOUND", err)
	}
	st, err = s.SiteStamp(ctx, "putfront")
	must(t, err, "SiteStamp")
	if st.Front == nil || st.Front.Partial {
		t.Fatalf("a refused PutSiteFront changed the front: %s", show(st.Front))
	}
	must(t, s.PutSiteFront(ctx, "putfront", built, st.Value), "PutSiteFront")
	st, err = s.SiteStamp(ctx, "putfront")
	must(t, err, "SiteStamp")
	if st.Front == nil || !st.Front.Partial || len(st.Front.Langs) != 0 {
		t.Fatalf("the front after PutSiteFront: %s, want the one put", show(st.Front))
	}
	page, err := s.ListEntries(ctx, centre.EntryQuery{Site: "putfront", Public: true, Limit: 10})
	must(t, err, "ListEntries")
	if len(page.Items) != 4 {
		t.Fatalf("after PutSiteFront the site lists %d entries, want 4", len(page.Items))
	}
}

// RunFrontRebuild checks, on a store whose tests can take a site's front
// away (drop: as a site created before fronts were kept has none), that
// centre.Service.RebuildFront restores the front the entry writes had
// kept, and does nothing for a site that has one.
func RunFrontRebuild(t *testing.T, s centre.Store, drop func(t *testing.T, site string)) {
	ctx := t.Context()
	svc := &centre.Service{Store: s}
	must(t, s.CreateSite(ctx, NewSite("oldfront")), "CreateSite")
	at := Base
	n := 0
	add := func(typ, lang string, pinned, public bool) {
		n++
		at = at.Add(time.Minute)
		e := NewEntry("oldfront", fmt.Sprintf("r%02d", n), lang)
		e.Type, e.Pinned = typ, pinned
		if public {
			Publish(e, at)
		}
		mustCreateEntry(t, s, e)
	}
	for i := range 5 {
		add(centre.TypeNews, "en", i == 2, true)
	}
	add(centre.TypePage, "en", false, true)
	add(centre.TypeStatement, "fr", true, true)
	add(centre.TypeStatement, "en", false, false) // a draft
	add(centre.TypePublication, "de", false, true)
	st, err := s.SiteStamp(ctx, "oldfront")
	must(t, err, "SiteStamp")
	kept, _ := json.Marshal(st.Front)

	if done, err := svc.RebuildFront(ctx, "oldfront"); done || err != nil {
		t.Fatalf("RebuildFront of a site with a front: %v, %v; want false, nil", done, err)
	}
	drop(t, "oldfront")
	if st, err := s.SiteStamp(ctx, "oldfront"); err != nil || st.Front != nil {
		t.Fatalf("the test's drop left a front: %s, %v", show(st.Front), err)
	}
	if n, err := svc.RebuildFronts(ctx); n != 1 || err != nil {
		t.Fatalf("RebuildFronts: %d, %v; want 1 (this site)", n, err)
	}
	st, err = s.SiteStamp(ctx, "oldfront")
	must(t, err, "SiteStamp")
	if got, _ := json.Marshal(st.Front); string(got) != string(kept) {
		t.Fatalf("rebuilt front\n%s\nthe one the entry writes kept\n%s", got, kept)
	}
	if _, err := svc.RebuildFront(ctx, "no-such-site"); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("RebuildFront of an unknown site: %v", err)
	}
}
