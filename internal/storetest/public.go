package storetest

import (
	"slices"
	"testing"
	"time"

	"infocentre/internal/centre"
)

// testPublicEntriesBySlug: the versions of a slug the public side reads
// are the public ones and those public once (withdrawn, unpublished),
// never a version that was never public; a slug with none is ENOTFOUND.
func testPublicEntriesBySlug(t *testing.T, s centre.Store) {
	ctx := t.Context()
	must(t, s.CreateSite(ctx, NewSite("pubslug")), "CreateSite")
	en := mustCreateEntry(t, s, Publish(NewEntry("pubslug", "notice", "en"), Base.Add(time.Hour)))
	mustCreateEntry(t, s, NewEntry("pubslug", "notice", "fr")) // a draft translation
	de := mustCreateEntry(t, s, Publish(NewEntry("pubslug", "notice", "de"), Base.Add(2*time.Hour)))
	de.Status = centre.StatusDraft // unpublished: its address answers 410
	must(t, s.UpdateEntry(ctx, de), "UpdateEntry")
	wd := mustCreateEntry(t, s, Publish(NewEntry("pubslug", "notice", "it"), Base.Add(3*time.Hour)))
	wd.Status, wd.WithdrawnAt = centre.StatusWithdrawn, Base.Add(4*time.Hour)
	must(t, s.UpdateEntry(ctx, wd), "UpdateEntry")
	sched := NewEntry("pubslug", "notice", "nl")
	sched.Status, sched.PublishAt = centre.StatusScheduled, Base.Add(48*time.Hour)
	mustCreateEntry(t, s, sched)

	list, err := s.PublicEntriesBySlug(ctx, "pubslug", "notice")
	must(t, err, "PublicEntriesBySlug")
	var langs []string
	for _, e := range list {
		langs = append(langs, e.Lang)
	}
	if want := []string{"de", "en", "it"}; !slices.Equal(langs, want) {
		t.Fatalf("PublicEntriesBySlug languages %v, want %v", langs, want)
	}
	sameEntry(t, "PublicEntriesBySlug en", list[1], mustGetEntry(t, s, "pubslug", en.ID))

	mustCreateEntry(t, s, NewEntry("pubslug", "only-draft", "en"))
	_, err = s.PublicEntriesBySlug(ctx, "pubslug", "only-draft")
	mustCode(t, err, centre.ENOTFOUND, "PublicEntriesBySlug of a slug never public")
	_, err = s.PublicEntriesBySlug(ctx, "pubslug", "nowhere")
	mustCode(t, err, centre.ENOTFOUND, "PublicEntriesBySlug of an unknown slug")
}
