package dynamostore_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/dynamostore"
	"infocentre/internal/storetest"
)

// capacityFixture stores a site with 40 published entries (three language
// versions of one slug among them) and returns a fresh draft to publish.
func capacityFixture(t testing.TB, s *dynamostore.Store) {
	ctx := t.Context()
	if err := s.CreateSite(ctx, storetest.NewSite("flood")); err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		slug, lang := fmt.Sprintf("entry-%02d", i), "en"
		if i < 3 {
			slug, lang = "guidance", []string{"en", "fr", "de"}[i]
		}
		e := storetest.Publish(storetest.NewEntry("flood", slug, lang), storetest.Base.Add(time.Duration(i)*time.Minute))
		e.Body = strings.Repeat("A paragraph of the statement. ", 100)
		e.BodyHTML = "<p>" + e.Body + "</p>"
		if err := s.CreateEntry(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
}

type measured struct {
	calls             string
	readRep, writeRep float64
	reported          bool
	readEst, writeEst float64
}

func measure(t testing.TB, c *dynamostore.CallCounter, fn func() error) measured {
	t.Helper()
	c.Reset()
	if err := fn(); err != nil {
		t.Fatal(err)
	}
	var m measured
	m.calls = c.String()
	m.readRep, m.writeRep, m.reported = c.Capacity()
	m.readEst, m.writeEst = c.Estimated()
	return m
}

// storeOps are the store operations behind public routes and staff writes.
func storeOps(t testing.TB, s *dynamostore.Store) []struct {
	name string
	fn   func() error
} {
	ctx := t.Context()
	n := 0
	var draft *centre.Entry
	return []struct {
		name string
		fn   func() error
	}{
		{"GetSite", func() error { _, err := s.GetSite(ctx, "flood"); return err }},
		{"SiteByHost", func() error { _, err := s.SiteByHost(ctx, "flood.example.org"); return err }},
		{"ListEntries(public, 20)", func() error {
			p, err := s.ListEntries(ctx, centre.EntryQuery{Site: "flood", Public: true})
			if err == nil && len(p.Items) != 20 {
				err = fmt.Errorf("%d items", len(p.Items))
			}
			return err
		}},
		{"ListEntries(public, tag, 20)", func() error {
			_, err := s.ListEntries(ctx, centre.EntryQuery{Site: "flood", Public: true, Tag: "health"})
			return err
		}},
		{"EntriesBySlug(3 languages)", func() error { _, err := s.EntriesBySlug(ctx, "flood", "guidance"); return err }},
		{"CreateEntry(draft)", func() error {
			n++
			draft = storetest.NewEntry("flood", fmt.Sprintf("draft-%d", n), "en")
			draft.Body = strings.Repeat("A paragraph of the statement. ", 100)
			draft.BodyHTML = "<p>" + draft.Body + "</p>"
			return s.CreateEntry(ctx, draft)
		}},
		{"UpdateEntry(publish)", func() error {
			return s.UpdateEntry(ctx, storetest.Publish(draft, storetest.Base.Add(time.Hour)))
		}},
	}
}

// TestCapacityReport prints, for each store operation behind public routes
// and staff writes, the DynamoDB calls it makes and the capacity consumed:
// as reported by the server (ReturnConsumedCapacity TOTAL) and as DynamoDB
// would charge it by item size. Run with -v to see the table.
func TestCapacityReport(t *testing.T) {
	c := dynamostore.NewCallCounter()
	s := newEnv(t, dynamostore.WithCallCounter(c)).store
	capacityFixture(t, s)
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-30s %-34s %-22s %s\n", "operation", "calls", "reported RCU/WCU", "estimated RCU/WCU")
	for _, op := range storeOps(t, s) {
		m := measure(t, c, op.fn)
		rep := "not reported"
		if m.reported {
			rep = fmt.Sprintf("%.1f / %.1f", m.readRep, m.writeRep)
		}
		fmt.Fprintf(&b, "%-30s %-34s %-22s %.1f / %.1f\n", op.name, m.calls, rep, m.readEst, m.writeEst)
	}
	t.Log(b.String())
}

// BenchmarkStoreOps measures the store operations against moto_server and
// reports calls and estimated capacity units per operation.
func BenchmarkStoreOps(b *testing.B) {
	c := dynamostore.NewCallCounter()
	s := newEnv(b, dynamostore.WithCallCounter(c)).store
	capacityFixture(b, s)
	ops := storeOps(b, s)
	for i, op := range ops {
		if op.name == "UpdateEntry(publish)" {
			continue // measured with CreateEntry, which makes its draft
		}
		name := op.name
		if name == "CreateEntry(draft)" {
			name = "CreateEntry+UpdateEntry(publish)"
		}
		b.Run(name, func(b *testing.B) {
			var calls int
			var r, w float64
			for b.Loop() {
				c.Reset()
				if err := op.fn(); err != nil {
					b.Fatal(err)
				}
				if op.name == "CreateEntry(draft)" {
					if err := ops[i+1].fn(); err != nil {
						b.Fatal(err)
					}
				}
				calls += c.Total()
				er, ew := c.Estimated()
				r, w = r+er, w+ew
			}
			b.ReportMetric(float64(calls)/float64(b.N), "calls/op")
			b.ReportMetric(r/float64(b.N), "RCU/op")
			b.ReportMetric(w/float64(b.N), "WCU/op")
		})
	}
}
