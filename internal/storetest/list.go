package storetest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"infocentre/internal/centre"
)

// maxPages bounds every paging loop so that a store whose cursor never
// ends fails instead of hanging.
const maxPages = 200

// collect pages through q until Next is "" and returns every item. It checks
// the rules that hold for every page: at most Limit items, no body, items
// of the queried site.
func collect(t *testing.T, s centre.Store, q centre.EntryQuery) []*centre.Entry {
	t.Helper()
	limit := q.Limit
	if limit == 0 {
		limit = 20
	}
	var all []*centre.Entry
	for range maxPages {
		page, err := s.ListEntries(t.Context(), q)
		if err != nil {
			t.Fatalf("ListEntries %+v: %v", q, err)
		}
		if len(page.Items) > limit {
			t.Fatalf("ListEntries %+v: %d items, more than the limit %d", q, len(page.Items), limit)
		}
		for _, e := range page.Items {
			checkListed(t, q, e)
		}
		all = append(all, page.Items...)
		if page.Next == "" {
			return all
		}
		if page.Next == q.After {
			t.Fatalf("ListEntries %+v returned its own cursor as Next", q)
		}
		q.After = page.Next
	}
	t.Fatalf("ListEntries %+v: still a Next after %d pages", q, maxPages)
	return nil
}

func checkListed(t *testing.T, q centre.EntryQuery, e *centre.Entry) {
	t.Helper()
	if e.Body != "" || e.BodyHTML != "" || e.Pending != nil && e.Pending.Body != "" {
		t.Fatalf("ListEntries %+v: item %s carries its body", q, e.ID)
	}
	if e.Site != q.Site {
		t.Fatalf("ListEntries %+v: item %s of site %q", q, e.ID, e.Site)
	}
	if e.Version < 1 || e.Title == "" || e.Slug == "" {
		t.Fatalf("ListEntries %+v: incomplete item %+v", q, e)
	}
}

// matches is the reference filter of EntryQuery.
func matches(e *centre.Entry, q centre.EntryQuery) bool {
	if e.Site != q.Site || (q.Public && !e.Public()) {
		return false
	}
	if q.Public && !q.Now.IsZero() && e.Expired(q.Now) {
		return false
	}
	if (!q.Public && q.Status != "" && e.Status != q.Status) || (q.Type != "" && e.Type != q.Type) || (q.Lang != "" && e.Lang != q.Lang) {
		return false
	}
	if q.Tag != "" && !slices.Contains(e.Tags, q.Tag) {
		return false
	}
	if q.Organisation != "" && !slices.ContainsFunc(e.Organisations, func(o string) bool {
		return centre.OrgKey(o) == centre.OrgKey(q.Organisation)
	}) {
		return false
	}
	return true
}

// before is the reference order of EntryQuery: does a come before b?
func before(public bool, a, b *centre.Entry) bool {
	if public && !a.PublishedAt.Equal(b.PublishedAt) {
		return a.PublishedAt.After(b.PublishedAt)
	}
	return a.ID > b.ID
}

// expect returns the IDs that q must list out of all, in order.
func expect(all []*centre.Entry, q centre.EntryQuery) []string {
	var out []*centre.Entry
	for _, e := range all {
		if matches(e, q) {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b *centre.Entry) int {
		if before(q.Public, a, b) {
			return -1
		}
		return 1
	})
	return entryIDs(out)
}

// checkList checks that q lists exactly the expected entries of all, in
// order, each equal to the stored entry without its body.
func checkList(t *testing.T, s centre.Store, all []*centre.Entry, q centre.EntryQuery) {
	t.Helper()
	items := collect(t, s, q)
	got := entryIDs(items)
	if want := expect(all, q); !slices.Equal(got, want) {
		t.Fatalf("ListEntries %+v:\n got %v\nwant %v", q, got, want)
	}
	byID := map[string]*centre.Entry{}
	for _, e := range all {
		byID[e.ID] = e
	}
	for _, item := range items {
		want := withoutBodies(byID[item.ID])
		sameEntry(t, fmt.Sprintf("ListEntries %+v item", q), item, &want)
	}
}

// filterFixture stores 20 entries of site "flood" covering every type,
// status, both languages, several tags and organisations, and ties in
// PublishedAt, plus 3 entries of site "storm"; it returns them all.
func filterFixture(t *testing.T, s centre.Store) []*centre.Entry {
	statuses := []string{centre.StatusPublished, centre.StatusDraft, centre.StatusPublished, centre.StatusWithdrawn, centre.StatusScheduled}
	var all []*centre.Entry
	for i := range 20 {
		e := NewEntry("flood", fmt.Sprintf("entry-%02d", i), []string{"en", "fr"}[(i/4)%2])
		e.Type = centre.Types[i%4]
		e.Status = statuses[i%5]
		e.Tags = nil
		if i%2 == 0 {
			e.Tags = append(e.Tags, "health")
		}
		if i%3 == 0 {
			e.Tags = append(e.Tags, "travel")
		}
		if i%7 == 0 {
			e.Tags = append(e.Tags, "schools")
		}
		e.Organisations = nil
		switch i % 3 {
		case 1:
			e.Organisations = append(e.Organisations, "Société X")
		case 2:
			if i%4 == 2 {
				e.Organisations = append(e.Organisations, "SOCIETE  x!") // same OrgKey
			}
		}
		if i%4 == 3 {
			e.Organisations = append(e.Organisations, "Ministry of Health")
		}
		if i%4 == 1 {
			e.Pinned = true
			e.ChangeNotes = []centre.ChangeNote{{At: Base.Add(30 * time.Hour), Note: "Updated figures."}}
		}
		switch e.Status {
		case centre.StatusPublished, centre.StatusWithdrawn:
			// Groups of equal PublishedAt: ties are broken by ID.
			e.PublishedAt = Base.Add(time.Duration(i%6) * time.Hour)
			if e.Status == centre.StatusWithdrawn {
				e.WithdrawnAt = e.PublishedAt.Add(time.Hour)
				e.WithdrawnReason = "Superseded."
				e.SupersededBy = "entry-00"
			}
		case centre.StatusScheduled:
			e.PublishAt = Base.Add(time.Duration(i) * time.Hour)
		}
		all = append(all, mustCreateEntry(t, s, e))
	}
	for i := range 3 {
		all = append(all, mustCreateEntry(t, s, Publish(NewEntry("storm", fmt.Sprintf("entry-%02d", i), "en"), Base.Add(time.Hour))))
	}
	return all
}

func testListFilters(t *testing.T, s centre.Store) {
	all := filterFixture(t, s)
	var queries []centre.EntryQuery
	for _, public := range []bool{true, false} {
		base := centre.EntryQuery{Site: "flood", Public: public, Limit: 4}
		add := func(f func(q *centre.EntryQuery)) {
			q := base
			f(&q)
			queries = append(queries, q)
		}
		add(func(q *centre.EntryQuery) {})
		add(func(q *centre.EntryQuery) { q.Limit = 0 })
		add(func(q *centre.EntryQuery) { q.Site = "storm" })
		add(func(q *centre.EntryQuery) { q.Site = "quake" })
		for _, typ := range centre.Types {
			add(func(q *centre.EntryQuery) { q.Type = typ })
		}
		for _, tag := range []string{"health", "travel", "schools", "none"} {
			add(func(q *centre.EntryQuery) { q.Tag = tag })
		}
		for _, org := range []string{"Société X", "societe-x", "Ministry of Health", "ministry-of-health", "Nobody"} {
			add(func(q *centre.EntryQuery) { q.Organisation = org })
		}
		for _, lang := range []string{"en", "fr", "de"} {
			add(func(q *centre.EntryQuery) { q.Lang = lang })
		}
		add(func(q *centre.EntryQuery) { q.Type, q.Tag = centre.TypeStatement, "health" })
		add(func(q *centre.EntryQuery) { q.Tag, q.Organisation, q.Lang = "travel", "societe-x", "en" })
		add(func(q *centre.EntryQuery) { q.Type, q.Lang = centre.TypeNews, "fr" })
		add(func(q *centre.EntryQuery) { q.Organisation, q.Type = "Ministry of Health", centre.TypePage })
	}
	for _, status := range centre.Statuses {
		queries = append(queries,
			centre.EntryQuery{Site: "flood", Status: status, Limit: 3},
			centre.EntryQuery{Site: "flood", Status: status, Tag: "health", Limit: 2},
			centre.EntryQuery{Site: "flood", Status: status, Lang: "fr", Type: centre.TypePublication},
		)
	}
	nonEmpty := 0
	for _, q := range queries {
		if len(expect(all, q)) > 0 {
			nonEmpty++
		}
		checkList(t, s, all, q)
	}
	if nonEmpty < len(queries)*2/3 {
		t.Fatalf("fixture too sparse: only %d of %d queries match anything", nonEmpty, len(queries))
	}
}

func testListLimits(t *testing.T, s centre.Store) {
	ctx := t.Context()
	var all []*centre.Entry
	for i := range 105 {
		all = append(all, mustCreateEntry(t, s, Publish(NewEntry("flood", fmt.Sprintf("e%03d", i), "en"), Base.Add(time.Duration(i)*time.Minute))))
	}
	staff := expect(all, centre.EntryQuery{Site: "flood"})
	for _, c := range []struct{ limit, want int }{{0, 20}, {1, 1}, {37, 37}, {100, 100}, {101, 100}, {1000, 100}} {
		page, err := s.ListEntries(ctx, centre.EntryQuery{Site: "flood", Limit: c.limit})
		must(t, err, fmt.Sprintf("ListEntries limit %d", c.limit))
		if got := entryIDs(page.Items); !slices.Equal(got, staff[:c.want]) {
			t.Fatalf("ListEntries limit %d: got %d items %v, want the first %d", c.limit, len(got), got, c.want)
		}
		if page.Next == "" {
			t.Fatalf("ListEntries limit %d: no Next with %d entries", c.limit, len(all))
		}
	}
	// Public listings respect the limits as well (they may return fewer).
	page, err := s.ListEntries(ctx, centre.EntryQuery{Site: "flood", Public: true})
	must(t, err, "ListEntries public")
	if n := len(page.Items); n == 0 || n > 20 || page.Next == "" {
		t.Fatalf("ListEntries public, default limit: %d items, Next %q", n, page.Next)
	}
	page, err = s.ListEntries(ctx, centre.EntryQuery{Site: "flood", Public: true, Limit: 500})
	must(t, err, "ListEntries public limit 500")
	if n := len(page.Items); n == 0 || n > centre.MaxPageSize {
		t.Fatalf("ListEntries public, limit 500: %d items", n)
	}
}

func testListPaging(t *testing.T, s centre.Store) {
	var all []*centre.Entry
	for i := range 57 {
		e := NewEntry("flood", fmt.Sprintf("e%03d", i), "en")
		if i%4 != 3 {
			Publish(e, Base.Add(time.Duration(i%10)*time.Hour)) // many ties
		}
		if i%3 == 0 {
			e.Tags = []string{"travel"}
		}
		all = append(all, mustCreateEntry(t, s, e))
	}
	for _, q := range []centre.EntryQuery{
		{Site: "flood", Limit: 10},
		{Site: "flood", Public: true, Limit: 10},
		{Site: "flood", Public: true, Limit: 7, Tag: "travel"},
		{Site: "flood", Limit: 5, Status: centre.StatusDraft},
	} {
		checkList(t, s, all, q) // checks each exactly once, in order
	}
}

// testPagingWhileWriting pages through listings while entries are being
// published and edited: no entry that matched at the start and still
// matches is skipped, and none appears twice.
func testPagingWhileWriting(t *testing.T, s centre.Store) {
	ctx := t.Context()
	var originals []*centre.Entry
	for i := range 30 {
		originals = append(originals, mustCreateEntry(t, s, Publish(NewEntry("flood", fmt.Sprintf("e%03d", i), "en"), Base.Add(time.Duration(i%8)*time.Hour))))
	}
	for _, public := range []bool{true, false} {
		t.Run(fmt.Sprintf("public=%v", public), func(t *testing.T) {
			q := centre.EntryQuery{Site: "flood", Public: public, Limit: 7}
			want := expect(originals, q)

			// A writer publishes new entries while we page: newer ones,
			// and back-dated ones that land behind the cursor.
			var wg sync.WaitGroup
			stop := make(chan struct{})
			wg.Go(func() {
				for i := 0; i < 12; i++ {
					select {
					case <-stop:
						return
					default:
					}
					at := Base.Add(100 * time.Hour)
					if i%2 == 1 {
						at = Base.Add(-time.Hour)
					}
					e := Publish(NewEntry("flood", fmt.Sprintf("new-%v-%02d", public, i), "en"), at)
					if err := s.CreateEntry(ctx, e); err != nil {
						t.Errorf("concurrent CreateEntry: %v", err)
						return
					}
				}
			})
			// However the paging ends (a failed call stops this goroutine
			// with t.Fatal), the writer stops and is waited for before the
			// subtest returns: it must not report after the test has ended.
			var once sync.Once
			stopWriter := func() { once.Do(func() { close(stop); wg.Wait() }) }
			defer stopWriter()
			seen := map[string]int{}
			var got []*centre.Entry
			for page := 0; ; page++ {
				if page >= maxPages {
					t.Fatalf("still a Next after %d pages", maxPages)
				}
				res, err := s.ListEntries(ctx, q)
				must(t, err, "ListEntries")
				for _, e := range res.Items {
					seen[e.ID]++
					got = append(got, e)
				}
				// Edit an entry not listed yet: it keeps its place.
				if page < len(want) {
					id := want[len(want)-1-page]
					if seen[id] == 0 {
						e := mustGetEntry(t, s, "flood", id)
						e.Title += " (edited)"
						e.Summary = "Edited while paging."
						must(t, s.UpdateEntry(ctx, e), "UpdateEntry while paging")
					}
				}
				if res.Next == "" {
					break
				}
				q.After = res.Next
			}
			stopWriter()
			for id, n := range seen {
				if n > 1 {
					t.Errorf("entry %s listed %d times", id, n)
				}
			}
			for _, id := range want {
				if seen[id] != 1 {
					t.Errorf("entry %s listed %d times, want once", id, seen[id])
				}
			}
			for i := 1; i < len(got); i++ {
				if !before(public, got[i-1], got[i]) {
					t.Errorf("items %s and %s out of order", got[i-1].ID, got[i].ID)
				}
			}
		})
	}
}

func testBadCursor(t *testing.T, s centre.Store) {
	ctx := t.Context()
	for i := range 3 {
		mustCreateEntry(t, s, Publish(NewEntry("flood", fmt.Sprintf("e%d", i), "en"), Base))
	}
	for _, after := range []string{"%%%", "not a cursor", strings.Repeat("A", 3), "\x00\xff"} {
		for _, public := range []bool{true, false} {
			_, err := s.ListEntries(ctx, centre.EntryQuery{Site: "flood", Public: public, After: after})
			if !centre.IsCode(err, centre.EINVALID) {
				t.Fatalf("ListEntries with cursor %q (public %v): got %v, want EINVALID", after, public, err)
			}
		}
	}
}

// testStatusMoves checks that an entry changing status moves between the
// public and staff views.
func testStatusMoves(t *testing.T, s centre.Store) {
	ctx := t.Context()
	y := mustCreateEntry(t, s, Publish(NewEntry("flood", "older", "en"), Base))
	x := mustCreateEntry(t, s, NewEntry("flood", "newer", "en"))
	var all []*centre.Entry
	refresh := func() {
		all = []*centre.Entry{mustGetEntry(t, s, "flood", x.ID), mustGetEntry(t, s, "flood", y.ID)}
	}
	check := func(step string) {
		t.Helper()
		refresh()
		t.Logf("step: %s", step)
		for _, q := range []centre.EntryQuery{
			{Site: "flood", Public: true},
			{Site: "flood", Public: true, Tag: "health"},
			{Site: "flood"},
			{Site: "flood", Status: centre.StatusDraft},
			{Site: "flood", Status: centre.StatusScheduled},
			{Site: "flood", Status: centre.StatusPublished},
			{Site: "flood", Status: centre.StatusWithdrawn},
		} {
			checkList(t, s, all, q)
		}
	}
	check("draft")
	if got := entryIDs(collect(t, s, centre.EntryQuery{Site: "flood", Public: true})); !slices.Equal(got, []string{y.ID}) {
		t.Fatalf("a draft is listed publicly: %v", got)
	}
	e := mustGetEntry(t, s, "flood", x.ID)
	e.Status, e.PublishAt = centre.StatusScheduled, Base.Add(time.Hour)
	must(t, s.UpdateEntry(ctx, e), "schedule")
	check("scheduled")
	Publish(e, Base.Add(time.Hour))
	must(t, s.UpdateEntry(ctx, e), "publish")
	check("published")
	if got := entryIDs(collect(t, s, centre.EntryQuery{Site: "flood", Public: true})); !slices.Equal(got, []string{x.ID, y.ID}) {
		t.Fatalf("after publishing: public list %v, want [%s %s]", got, x.ID, y.ID)
	}
	e.Status, e.WithdrawnAt, e.WithdrawnReason = centre.StatusWithdrawn, Base.Add(2*time.Hour), "Wrong figures."
	must(t, s.UpdateEntry(ctx, e), "withdraw")
	check("withdrawn")
	e.Status = centre.StatusDraft
	must(t, s.UpdateEntry(ctx, e), "back to draft")
	check("back to draft")
}

// testFieldChanges checks that filtered lists follow changes of type, tags,
// organisations and language, in both views.
func testFieldChanges(t *testing.T, s centre.Store) {
	ctx := t.Context()
	e := mustCreateEntry(t, s, Publish(NewEntry("flood", "moving", "en"), Base))
	other := mustCreateEntry(t, s, Publish(NewEntry("flood", "still", "en"), Base.Add(time.Hour)))
	var queries []centre.EntryQuery
	for _, public := range []bool{true, false} {
		for _, f := range []centre.EntryQuery{
			{Type: centre.TypeStatement}, {Type: centre.TypeNews},
			{Tag: "health"}, {Tag: "travel"}, {Tag: "schools"},
			{Organisation: "Société Française d'Oncologie"}, {Organisation: "who"},
			{Lang: "en"}, {Lang: "fr"},
			{Type: centre.TypeNews, Tag: "travel", Organisation: "WHO", Lang: "fr"},
		} {
			f.Site, f.Public = "flood", public
			queries = append(queries, f)
		}
	}
	check := func(step string) {
		t.Helper()
		t.Logf("step: %s", step)
		all := []*centre.Entry{mustGetEntry(t, s, "flood", e.ID), other}
		for _, q := range queries {
			checkList(t, s, all, q)
		}
	}
	check("before")
	e.Title, e.Summary, e.Pinned = "Moved", "A new summary.", true
	e.Type = centre.TypeNews
	e.Tags = []string{"travel", "schools"}
	e.Organisations = []string{"WHO"}
	e.Lang = "fr"
	must(t, s.UpdateEntry(ctx, e), "UpdateEntry")
	check("after changing type, tags, organisations and language")
	e.Tags = nil
	e.Organisations = nil
	must(t, s.UpdateEntry(ctx, e), "UpdateEntry")
	check("after removing tags and organisations")
}

// withoutBodies returns e as a listing returns it: without its body, nor the body
// of its held change.
func withoutBodies(e *centre.Entry) centre.Entry {
	c := *e
	c.Body, c.BodyHTML = "", ""
	if c.Pending != nil {
		p := *c.Pending
		p.Body = ""
		c.Pending = &p
	}
	return c
}
