package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
)

// testSiteFront: the front a site's change stamp carries tells, for every
// language and kind of list, the same first entries as a public listing at
// any time (or that it cannot tell), through creations, list cuts,
// unpinning, unpublishing, withdrawal, a change of language, expiry and
// deletion; the lists hold enough to answer the home page and navigation
// of this site.
func testSiteFront(t *testing.T, s centre.Store) {
	ctx := t.Context()
	must(t, s.CreateSite(ctx, NewSite("front")), "CreateSite")
	st, err := s.SiteStamp(ctx, "front")
	must(t, err, "SiteStamp")
	if st.Front == nil || len(st.Front.Langs) != 0 || st.Front.Partial {
		t.Fatalf("the front of a new site: %s, want empty and complete", show(st.Front))
	}

	at := Base
	n := 0
	add := func(typ, lang string, pinned bool, expires time.Duration, public bool) *centre.Entry {
		n++
		at = at.Add(time.Minute)
		e := NewEntry("front", fmt.Sprintf("e%02d", n), lang)
		e.Type, e.Pinned = typ, pinned
		if public {
			Publish(e, at)
		}
		if expires != 0 {
			e.ExpiresAt = at.Add(expires)
		}
		return mustCreateEntry(t, s, e)
	}
	var news []*centre.Entry
	for i := range centre.FrontListLen + 4 { // more than a list holds: it is cut
		news = append(news, add(centre.TypeNews, "en", i%5 == 0, 0, true))
	}
	pages := []*centre.Entry{add(centre.TypePage, "en", false, 0, true), add(centre.TypePage, "en", false, 0, true)}
	st1 := add(centre.TypeStatement, "en", true, 0, true)
	st2 := add(centre.TypeStatement, "en", false, 2*time.Hour, true) // expires
	add(centre.TypeStatement, "en", true, 0, false)                  // a draft: never listed
	pub := add(centre.TypePublication, "fr", true, 0, true)
	add(centre.TypePublication, "fr", false, 0, true)

	check := func(what string) {
		t.Helper()
		st, err := s.SiteStamp(ctx, "front")
		must(t, err, "SiteStamp "+what)
		if st.Front == nil {
			t.Fatalf("%s: no front", what)
		}
		for _, now := range []time.Time{at, at.Add(3 * time.Hour)} {
			for _, lang := range []string{"en", "fr", "de"} {
				// One listing of the language (the site holds fewer than a
				// page of entries), taken apart by kind.
				page, err := s.ListEntries(ctx, centre.EntryQuery{Site: "front", Public: true, Lang: lang, Now: now, Limit: centre.MaxPageSize})
				must(t, err, "ListEntries")
				if page.Next != "" {
					t.Fatalf("%s: more than a page of %s entries", what, lang)
				}
				for _, kind := range []string{centre.TypeStatement, centre.TypePublication, centre.TypeNews, centre.TypePage, centre.FrontPinned} {
					var want []string
					for _, e := range page.Items {
						if e.Type == kind || (kind == centre.FrontPinned && e.Pinned) {
							want = append(want, e.ID)
						}
					}
					for _, k := range []int{1, 5, 10} {
						items, exact := st.Front.Newest(lang, kind, k, now, nil)
						if !exact && k > 5 {
							continue // a cut list that lost some of its entries may not tell ten
						}
						if !exact {
							t.Errorf("%s: %s %s first %d at %s: the front cannot tell", what, lang, kind, k, now.Format(time.TimeOnly))
							continue
						}
						var got []string
						for _, it := range items {
							got = append(got, it.ID)
						}
						w := want[:min(k, len(want))]
						if !slices.Equal(got, w) {
							t.Errorf("%s: %s %s first %d at %s: front %v, listing %v", what, lang, kind, k, now.Format(time.TimeOnly), got, w)
						}
					}
				}
			}
		}
		// Pages carry what the navigation shows.
		if items, _ := st.Front.Newest("en", centre.TypePage, 20, at, nil); len(items) > 0 {
			got := mustGetEntry(t, s, "front", items[0].ID)
			if items[0].Title != got.Title || items[0].Slug != got.Slug || items[0].Version != got.Version || items[0].Status != got.Status {
				t.Errorf("%s: page in the front %s, stored %s", what, show(items[0]), show(got))
			}
		}
	}
	check("after creating")

	update := func(e *centre.Entry, change func(*centre.Entry)) {
		t.Helper()
		change(e)
		must(t, s.UpdateEntry(ctx, e), "UpdateEntry")
	}
	update(news[len(news)-1], func(e *centre.Entry) { e.Pinned = true })
	update(news[0], func(e *centre.Entry) { e.Pinned = false })
	update(st1, func(e *centre.Entry) { e.Status = centre.StatusDraft })
	update(st2, func(e *centre.Entry) { e.Status, e.WithdrawnAt = centre.StatusWithdrawn, at })
	update(pages[0], func(e *centre.Entry) { e.Title = "A page renamed" })
	update(pub, func(e *centre.Entry) { e.Lang = "de" })
	check("after changes")
	for _, e := range news[len(news)-3:] {
		must(t, s.DeleteEntry(ctx, "front", e.ID, e.Version), "DeleteEntry")
	}
	must(t, s.DeleteEntry(ctx, "front", pages[1].ID, pages[1].Version), "DeleteEntry")
	check("after deletions")

	// Deleting more of the newest than the cut list holds above its floor
	// leaves a list that cannot tell: never a wrong answer.
	for _, e := range news[2 : len(news)-3] {
		must(t, s.DeleteEntry(ctx, "front", e.ID, e.Version), "DeleteEntry")
	}
	st, err = s.SiteStamp(ctx, "front")
	must(t, err, "SiteStamp")
	if items, exact := st.Front.Newest("en", centre.TypeNews, 5, at, nil); exact {
		page, err := s.ListEntries(ctx, centre.EntryQuery{Site: "front", Public: true, Type: centre.TypeNews, Lang: "en", Now: at, Limit: 5})
		must(t, err, "ListEntries")
		if len(items) != len(page.Items) {
			t.Errorf("after deleting most news: the front tells %d, the listing %d", len(items), len(page.Items))
		}
	}
}

// testEntriesByID: entries by ID in the order asked, without body, unknown
// and repeated IDs left out, another site's entry not found, more than
// MaxPageSize IDs refused.
func testEntriesByID(t *testing.T, s centre.Store) {
	ctx := t.Context()
	must(t, s.CreateSite(ctx, NewSite("byid")), "CreateSite")
	must(t, s.CreateSite(ctx, NewSite("elsewhere")), "CreateSite")
	a := mustCreateEntry(t, s, Publish(NewEntry("byid", "a", "en"), Base.Add(time.Hour)))
	b := mustCreateEntry(t, s, NewEntry("byid", "b", "fr"))
	other := mustCreateEntry(t, s, NewEntry("elsewhere", "c", "en"))
	got, err := s.EntriesByID(ctx, "byid", []string{b.ID, "01nosuchentry0000000000000", a.ID, b.ID, other.ID})
	must(t, err, "EntriesByID")
	if ids := entryIDs(got); !slices.Equal(ids, []string{b.ID, a.ID}) {
		t.Fatalf("EntriesByID = %v, want %v", ids, []string{b.ID, a.ID})
	}
	for _, e := range got {
		if e.Body != "" || e.BodyHTML != "" {
			t.Errorf("EntriesByID %s carries its body", e.ID)
		}
		want := mustGetEntry(t, s, "byid", e.ID)
		want.Body, want.BodyHTML = "", ""
		sameEntry(t, "EntriesByID "+e.ID, e, want)
	}
	if got, err := s.EntriesByID(ctx, "byid", nil); err != nil || len(got) != 0 {
		t.Errorf("EntriesByID of none = %v, %v", got, err)
	}
	_, err = s.EntriesByID(ctx, "byid", strings.Split(strings.Repeat("x,", centre.MaxPageSize+1)[:2*(centre.MaxPageSize+1)-1], ","))
	mustCode(t, err, centre.EINVALID, "EntriesByID of too many")
}
