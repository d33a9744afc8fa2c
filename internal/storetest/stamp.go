package storetest

import (
	"testing"
	"time"

	"infocentre/internal/centre"
)

// testSiteStamp: a site's change stamp stays put while nothing is written,
// and moves with every write the public can see: the site record, a
// published entry (created, changed, unpublished, deleted); an unknown
// site is ENOTFOUND.
func testSiteStamp(t *testing.T, s centre.Store) {
	ctx := t.Context()
	_, err := s.SiteStamp(ctx, "nowhere")
	mustCode(t, err, centre.ENOTFOUND, "SiteStamp of an unknown site")

	site := NewSite("stamped")
	must(t, s.CreateSite(ctx, site), "CreateSite")
	stamp := func(what string) string {
		t.Helper()
		st, err := s.SiteStamp(ctx, "stamped")
		must(t, err, "SiteStamp "+what)
		if st.Value == "" {
			t.Fatalf("SiteStamp %s: empty value", what)
		}
		if st.Site != nil {
			got, err := s.GetSite(ctx, "stamped")
			must(t, err, "GetSite")
			sameSite(t, "the site read with the stamp", st.Site, got)
		}
		return st.Value
	}
	prev := stamp("after CreateSite")
	if again := stamp("again"); again != prev {
		t.Fatalf("the stamp moved without a write: %q then %q", prev, again)
	}
	moved := func(what string) {
		t.Helper()
		cur := stamp(what)
		if cur == prev {
			t.Fatalf("the stamp did not move after %s (%q)", what, cur)
		}
		prev = cur
	}

	site.Title = "Stamped centre"
	must(t, s.UpdateSite(ctx, site), "UpdateSite")
	moved("UpdateSite")

	e := mustCreateEntry(t, s, Publish(NewEntry("stamped", "first", "en"), Base.Add(time.Hour)))
	moved("creating a published entry")

	e.Pinned = true // no search field: the public still sees it
	must(t, s.UpdateEntry(ctx, e), "UpdateEntry")
	moved("pinning a published entry")

	e.Status = centre.StatusDraft // unpublished: its address answers 410
	must(t, s.UpdateEntry(ctx, e), "UpdateEntry")
	moved("unpublishing an entry")

	must(t, s.DeleteEntry(ctx, "stamped", e.ID, e.Version), "DeleteEntry")
	moved("deleting an entry that was public")

	// Another site's writes may move it or not; this site's stamp stays
	// readable and its site stays found.
	must(t, s.CreateSite(ctx, NewSite("other")), "CreateSite other")
	stamp("after another site's write")
}
