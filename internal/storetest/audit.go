package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
)

// collectAudit pages through q until Next is "" and returns every event,
// checking each page: at most Limit items (20 if 0, MaxPageSize at most),
// events of the queried site only, a Next that moves on.
func collectAudit(t *testing.T, s centre.Store, q centre.AuditQuery) []*centre.AuditEvent {
	t.Helper()
	limit := q.Limit
	if limit == 0 {
		limit = 20
	}
	limit = min(limit, centre.MaxPageSize)
	var all []*centre.AuditEvent
	for range maxPages {
		page, err := s.ListAudit(t.Context(), q)
		if err != nil {
			t.Fatalf("ListAudit %+v: %v", q, err)
		}
		if len(page.Items) > limit {
			t.Fatalf("ListAudit %+v: %d items, more than the limit %d", q, len(page.Items), limit)
		}
		for _, ev := range page.Items {
			if ev.Site != q.Site {
				t.Fatalf("ListAudit %+v: event %s of site %q", q, ev.ID, ev.Site)
			}
		}
		all = append(all, page.Items...)
		if page.Next == "" {
			return all
		}
		if page.Next == q.After {
			t.Fatalf("ListAudit %+v returned its own cursor as Next", q)
		}
		q.After = page.Next
	}
	t.Fatalf("ListAudit %+v: still a Next after %d pages", q, maxPages)
	return nil
}

// auditMatches is the reference filter of AuditQuery.
func auditMatches(ev *centre.AuditEvent, q centre.AuditQuery) bool {
	return ev.Site == q.Site &&
		(q.Action == "" || ev.Action == q.Action) &&
		(q.KeyID == "" || ev.KeyID == q.KeyID) &&
		(q.PersonID == "" || ev.PersonID == q.PersonID) &&
		(q.Target == "" || ev.Target == q.Target) &&
		(q.From.IsZero() || !ev.At.Before(q.From)) &&
		(q.To.IsZero() || ev.At.Before(q.To))
}

// auditBefore is the reference order: newest At first, ties by higher ID.
func auditBefore(a, b *centre.AuditEvent) bool {
	if !a.At.Equal(b.At) {
		return a.At.After(b.At)
	}
	return a.ID > b.ID
}

func eventIDs(list []*centre.AuditEvent) []string {
	ids := make([]string, len(list))
	for i, ev := range list {
		ids[i] = ev.ID
	}
	return ids
}

func expectAudit(all []*centre.AuditEvent, q centre.AuditQuery) []*centre.AuditEvent {
	var out []*centre.AuditEvent
	for _, ev := range all {
		if auditMatches(ev, q) {
			out = append(out, ev)
		}
	}
	slices.SortFunc(out, func(a, b *centre.AuditEvent) int {
		if auditBefore(a, b) {
			return -1
		}
		return 1
	})
	return out
}

// auditFixture appends 24 events of site "flood" (two of them at the same
// time), 4 of "storm" and 2 of AllSites, out of time order, and returns
// them all.
func auditFixture(t *testing.T, s centre.Store) []*centre.AuditEvent {
	actions := []string{"entry.publish", "entry.update", "key.revoke"}
	keys := []string{"01jzkeyid0000000000000000a", "01jzkeyid0000000000000000b"}
	people := []string{"01jzperson000000000000000a", "01jzperson000000000000000b"}
	targets := []string{"01jztarget000000000000000a", "01jztarget000000000000000b", "01jztarget000000000000000c", ""}
	var events []*centre.AuditEvent
	add := func(site string, i int, at time.Time) {
		ev := NewAuditEvent(site, at)
		ev.Action, ev.KeyID, ev.Target = actions[i%3], keys[i%2], targets[i%4]
		if i%5 >= 3 { // a signed-in person acted, not a key
			ev.KeyID, ev.PersonID = "", people[i%5-3]
		}
		ev.Outcome = []int{200, 201, 403, 409}[i%4]
		ev.Detail = fmt.Sprintf("%s event %d", site, i)
		events = append(events, ev)
	}
	for i := range 24 {
		at := Base.Add(time.Duration(i) * 7 * time.Minute)
		if i == 11 {
			at = events[10].At // a tie, broken by ID
		}
		add("flood", i, at)
	}
	for i := range 4 {
		add("storm", i, Base.Add(time.Duration(i)*10*time.Minute))
	}
	for i := range 2 {
		add(centre.AllSites, i, Base.Add(time.Duration(i)*time.Hour))
	}
	// Append out of time order: the listing order is the time order.
	for i := range events {
		ev := events[(i*7)%len(events)]
		if err := s.AppendAudit(t.Context(), ev); err != nil {
			t.Fatalf("AppendAudit %s: %v", ev.ID, err)
		}
	}
	return events
}

func testAuditList(t *testing.T, s centre.Store) {
	ctx := t.Context()
	page, err := s.ListAudit(ctx, centre.AuditQuery{Site: "flood"})
	must(t, err, "ListAudit on an empty store")
	if len(page.Items) != 0 || page.Next != "" {
		t.Fatalf("ListAudit on an empty store: %d events, Next %q", len(page.Items), page.Next)
	}
	all := auditFixture(t, s)
	flood := expectAudit(all, centre.AuditQuery{Site: "flood"})
	at := func(i int) time.Time { return flood[i].At } // flood[0] is the newest

	base := centre.AuditQuery{Site: "flood", Limit: 5}
	var queries []centre.AuditQuery
	add := func(f func(q *centre.AuditQuery)) {
		q := base
		f(&q)
		queries = append(queries, q)
	}
	add(func(q *centre.AuditQuery) {})
	add(func(q *centre.AuditQuery) { q.Limit = 0 })
	add(func(q *centre.AuditQuery) { q.Limit = 1 })
	add(func(q *centre.AuditQuery) { q.Limit = 1000 })
	add(func(q *centre.AuditQuery) { q.Site = "storm" })
	add(func(q *centre.AuditQuery) { q.Site = centre.AllSites })
	add(func(q *centre.AuditQuery) { q.Site = "quake" })
	for _, a := range []string{"entry.publish", "entry.update", "key.revoke", "site.delete"} {
		add(func(q *centre.AuditQuery) { q.Action = a })
	}
	add(func(q *centre.AuditQuery) { q.KeyID = all[0].KeyID })
	add(func(q *centre.AuditQuery) { q.KeyID = all[1].KeyID })
	add(func(q *centre.AuditQuery) { q.KeyID = "01jzkeyid0000000000000000z" })
	add(func(q *centre.AuditQuery) { q.PersonID = "01jzperson000000000000000a" })
	add(func(q *centre.AuditQuery) { q.PersonID = "01jzperson000000000000000b" })
	add(func(q *centre.AuditQuery) { q.PersonID = "01jzperson000000000000000z" })
	add(func(q *centre.AuditQuery) { q.Action, q.PersonID = "entry.update", "01jzperson000000000000000b" })
	add(func(q *centre.AuditQuery) { q.Target = all[0].Target })
	add(func(q *centre.AuditQuery) { q.Target = all[2].Target })
	add(func(q *centre.AuditQuery) { q.From = at(17) })              // inclusive: at(17) is listed
	add(func(q *centre.AuditQuery) { q.To = at(6) })                 // exclusive: at(6) is not
	add(func(q *centre.AuditQuery) { q.From, q.To = at(15), at(4) }) // 11 events
	add(func(q *centre.AuditQuery) { q.From, q.To = at(13), at(12) })
	add(func(q *centre.AuditQuery) { q.From, q.To = at(5), at(5) })  // empty
	add(func(q *centre.AuditQuery) { q.From, q.To = at(5), at(10) }) // reversed: empty
	add(func(q *centre.AuditQuery) { q.From = at(0).Add(time.Millisecond) })
	add(func(q *centre.AuditQuery) { q.To = at(23) })
	add(func(q *centre.AuditQuery) { q.Action, q.KeyID = "entry.update", all[1].KeyID })
	add(func(q *centre.AuditQuery) { q.Action, q.Target, q.From = "entry.publish", all[0].Target, at(20) })
	add(func(q *centre.AuditQuery) { q.KeyID, q.From, q.To = all[0].KeyID, at(18), at(2) })

	for _, q := range queries {
		got := collectAudit(t, s, q)
		want := expectAudit(all, q)
		if g, w := eventIDs(got), eventIDs(want); !slices.Equal(g, w) {
			t.Fatalf("ListAudit %+v (newest first):\n got %v\nwant %v", q, g, w)
		}
		for i := range got {
			sameEvent(t, fmt.Sprintf("ListAudit %+v item %d", q, i), got[i], want[i])
		}
	}
	if n := len(expectAudit(all, centre.AuditQuery{Site: "flood", From: at(15), To: at(4)})); n != 11 {
		t.Fatalf("storetest fixture: the From/To query matches %d events, want 11", n)
	}

	// Limits: 0 means 20, more than MaxPageSize means MaxPageSize.
	page, err = s.ListAudit(ctx, centre.AuditQuery{Site: "flood"})
	must(t, err, "ListAudit with the default limit")
	if len(page.Items) == 0 || len(page.Items) > 20 || page.Next == "" {
		t.Fatalf("ListAudit of 24 events with limit 0: %d items and Next %q, want 1-20 items and a Next", len(page.Items), page.Next)
	}
	page, err = s.ListAudit(ctx, centre.AuditQuery{Site: "flood", Limit: 1})
	must(t, err, "ListAudit limit 1")
	if len(page.Items) > 1 || page.Next == "" {
		t.Fatalf("ListAudit limit 1: %d items and Next %q", len(page.Items), page.Next)
	}

	// Returned events are copies.
	page, err = s.ListAudit(ctx, centre.AuditQuery{Site: "storm", Limit: 100})
	must(t, err, "ListAudit storm")
	if len(page.Items) != 4 {
		t.Fatalf("ListAudit storm: %d events, want 4", len(page.Items))
	}
	want := *page.Items[0]
	page.Items[0].Detail, page.Items[0].At = "changed", Base
	page, err = s.ListAudit(ctx, centre.AuditQuery{Site: "storm", Limit: 1})
	must(t, err, "ListAudit storm")
	if len(page.Items) != 1 {
		t.Fatalf("ListAudit storm limit 1: %d events, want 1", len(page.Items))
	}
	sameEvent(t, "event after changing a returned value", page.Items[0], &want)
}

func testAuditAppend(t *testing.T, s centre.Store) {
	ctx := t.Context()
	ev := NewAuditEvent("flood", Base)
	want := *ev
	must(t, s.AppendAudit(ctx, ev), "AppendAudit")
	ev.Detail = "changed after AppendAudit"

	// The same ID again, even with another time or content: ECONFLICT,
	// and the stored event is unchanged.
	for _, at := range []time.Time{Base, Base.Add(time.Hour), Base.Add(-time.Hour)} {
		dup := want
		dup.At, dup.Detail, dup.Action = at, "duplicate", "entry.delete"
		mustCode(t, s.AppendAudit(ctx, &dup), centre.ECONFLICT, fmt.Sprintf("AppendAudit with a taken ID at %v", at))
	}
	got := collectAudit(t, s, centre.AuditQuery{Site: "flood"})
	if len(got) != 1 {
		t.Fatalf("ListAudit after refused duplicates: %d events, want 1", len(got))
	}
	sameEvent(t, "event after refused duplicates", got[0], &want)

	// Bad cursors.
	for _, after := range []string{"%%%", "not a cursor", strings.Repeat("A", 3), "\x00\xff"} {
		if _, err := s.ListAudit(ctx, centre.AuditQuery{Site: "flood", After: after}); !centre.IsCode(err, centre.EINVALID) {
			t.Fatalf("ListAudit with cursor %q: got %v, want EINVALID", after, err)
		}
	}
}

// testAuditPagingWhileWriting pages through a site's events while events
// are appended: every event there at the start is listed exactly once, in
// order.
func testAuditPagingWhileWriting(t *testing.T, s centre.Store) {
	ctx := t.Context()
	var start []*centre.AuditEvent
	for i := range 15 {
		ev := NewAuditEvent("flood", Base.Add(time.Duration(i)*time.Minute))
		must(t, s.AppendAudit(ctx, ev), "AppendAudit")
		start = append(start, ev)
	}
	for _, filtered := range []bool{false, true} {
		q := centre.AuditQuery{Site: "flood", Limit: 4, From: Base.Add(-time.Hour)}
		if filtered {
			q.Action = "entry.update"
		}
		seen := map[string]int{}
		var got []*centre.AuditEvent
		for page := 0; ; page++ {
			if page >= maxPages {
				t.Fatalf("still a Next after %d pages", maxPages)
			}
			res, err := s.ListAudit(ctx, q)
			must(t, err, "ListAudit")
			for _, ev := range res.Items {
				seen[ev.ID]++
				got = append(got, ev)
			}
			// A newer event and an older one (behind the cursor).
			for _, at := range []time.Time{Base.Add(time.Duration(100+page) * time.Hour), Base.Add(-time.Duration(page+1) * time.Minute)} {
				must(t, s.AppendAudit(ctx, NewAuditEvent("flood", at)), "AppendAudit while paging")
			}
			if res.Next == "" {
				break
			}
			q.After = res.Next
		}
		for id, n := range seen {
			if n > 1 {
				t.Errorf("filtered %v: event %s listed %d times", filtered, id, n)
			}
		}
		for _, ev := range start {
			if seen[ev.ID] != 1 {
				t.Errorf("filtered %v: event %s (there when paging started) listed %d times, want once", filtered, ev.ID, seen[ev.ID])
			}
		}
		for i := 1; i < len(got); i++ {
			if !auditBefore(got[i-1], got[i]) {
				t.Errorf("filtered %v: events %s and %s out of order", filtered, got[i-1].ID, got[i].ID)
			}
		}
	}
}
