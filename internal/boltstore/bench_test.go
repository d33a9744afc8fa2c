package boltstore

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/storetest"
)

// fill stores n published entries of site "flood" (every third in French
// too) with a 4 KB body.
func fill(b *testing.B, s *Store, n int) {
	b.Helper()
	body := strings.Repeat("Lorem ipsum dolor sit amet. ", 146) // 4 KB
	for i := range n {
		for _, lang := range []string{"en", "fr"} {
			if lang == "fr" && i%3 != 0 {
				continue
			}
			e := storetest.Publish(storetest.NewEntry("flood", fmt.Sprintf("entry-%05d", i), lang), storetest.Base.Add(time.Duration(i)*time.Minute))
			e.Body, e.BodyHTML = body, body
			if i%5 == 0 {
				e.Tags = append(e.Tags, "travel")
			}
			if err := s.CreateEntry(b.Context(), e); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkCreateEntry(b *testing.B) {
	s := newStore(b)
	i := 0
	for b.Loop() {
		e := storetest.NewEntry("flood", fmt.Sprintf("entry-%07d", i), "en")
		i++
		if err := s.CreateEntry(b.Context(), e); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkListEntries(b *testing.B) {
	s := newStore(b)
	fill(b, s, 1000)
	first, err := s.ListEntries(b.Context(), centre.EntryQuery{Site: "flood", Public: true, Limit: 100})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		q    centre.EntryQuery
	}{
		{"public", centre.EntryQuery{Site: "flood", Public: true}},
		{"public-second-page", centre.EntryQuery{Site: "flood", Public: true, After: first.Next}},
		{"tag", centre.EntryQuery{Site: "flood", Public: true, Tag: "travel"}},
		{"tag-lang", centre.EntryQuery{Site: "flood", Public: true, Tag: "travel", Lang: "fr"}},
		{"staff-100", centre.EntryQuery{Site: "flood", Limit: 100}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				page, err := s.ListEntries(b.Context(), bc.q)
				if err != nil || len(page.Items) == 0 {
					b.Fatal(len(page.Items), err)
				}
			}
		})
	}
}

func BenchmarkEntriesBySlug(b *testing.B) {
	s := newStore(b)
	fill(b, s, 1000)
	i := 0
	for b.Loop() {
		list, err := s.EntriesBySlug(b.Context(), "flood", fmt.Sprintf("entry-%05d", (i*37)%1000))
		i++
		if err != nil || len(list) == 0 {
			b.Fatal(err)
		}
	}
}

func BenchmarkListAudit(b *testing.B) {
	s := newStore(b)
	const n = 5000
	actions := []string{"entry.update", "entry.publish", "entry.create", "key.create"}
	s.db.NoSync = true // only to fill the store faster
	defer func() { s.db.NoSync = false }()
	for i := range n {
		ev := storetest.NewAuditEvent("flood", storetest.Base.Add(time.Duration(i)*time.Second))
		ev.Action = actions[i%len(actions)]
		ev.KeyID = fmt.Sprintf("key-%02d", i%10)
		ev.Target = fmt.Sprintf("entry-%03d", i%200)
		if err := s.AppendAudit(b.Context(), ev); err != nil {
			b.Fatal(err)
		}
	}
	first, err := s.ListAudit(b.Context(), centre.AuditQuery{Site: "flood", Limit: 100})
	if err != nil {
		b.Fatal(err)
	}
	mid := storetest.Base.Add(n / 2 * time.Second)
	for _, bc := range []struct {
		name string
		q    centre.AuditQuery
	}{
		{"newest", centre.AuditQuery{Site: "flood"}},
		{"second-page", centre.AuditQuery{Site: "flood", After: first.Next}},
		{"action", centre.AuditQuery{Site: "flood", Action: "entry.publish"}},
		{"key", centre.AuditQuery{Site: "flood", KeyID: "key-07"}},
		{"target", centre.AuditQuery{Site: "flood", Target: "entry-042"}},
		{"window", centre.AuditQuery{Site: "flood", From: mid, To: mid.Add(time.Hour), Limit: 100}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				page, err := s.ListAudit(b.Context(), bc.q)
				if err != nil || len(page.Items) == 0 {
					b.Fatal(len(page.Items), err)
				}
			}
		})
	}
}
