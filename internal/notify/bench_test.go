package notify_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"infocentre/internal/boltstore"
	"infocentre/internal/centre"
	"infocentre/internal/dynamostore/dynamotest"
	"infocentre/internal/notify"
)

// BenchmarkDeliver measures the notifier's own cost per notification
// (claim, entry re-read, one channel that does nothing, record, settle)
// on each store: b.N published entries, then ticks until every record is
// delivered. `go test -run '^$' -bench Deliver -benchtime 200x ./internal/notify/`
func BenchmarkDeliver(b *testing.B) {
	for _, kind := range []string{"bolt", "dynamodb"} {
		b.Run(kind, func(b *testing.B) {
			var s centre.Store
			if kind == "bolt" {
				bs, err := boltstore.Open(filepath.Join(b.TempDir(), "n.db"))
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { bs.Close() })
				s = bs
			} else {
				s = dynamotest.NewStore(b)
			}
			ctx := context.Background()
			svc := &centre.Service{Store: s}
			k, _, err := svc.Bootstrap(ctx, "owner")
			if err != nil {
				b.Fatal(err)
			}
			owner := centre.Principal{KeyID: k.ID, Site: centre.AllSites, Role: centre.RoleOwner}
			if _, err := svc.CreateSite(ctx, owner, centre.SiteInput{Slug: "demo", Title: "Demo", Publisher: "Test",
				Languages: []string{"en"}, Contact: centre.Contact{Email: "press@example.org"}}); err != nil {
				b.Fatal(err)
			}
			for i := range b.N {
				if _, err := svc.CreateEntry(ctx, owner, "demo", centre.EntryInput{Status: centre.StatusPublished,
					Content: centre.Content{Type: centre.TypeNews, Title: fmt.Sprintf("Entry %d", i)}}); err != nil {
					b.Fatal(err)
				}
			}
			ch := &recorder{name: "noop"}
			n := notify.New(notify.Config{Store: s, Channels: []notify.Channel{ch}, Budget: time.Hour, MaxBatches: 1 << 20})
			b.ResetTimer()
			start := time.Now()
			st, err := n.Tick(ctx)
			b.StopTimer()
			if err != nil || st.Delivered != b.N || len(ch.calls()) != b.N {
				b.Fatalf("delivered %+v (%v), %d calls; want %d", st, err, len(ch.calls()), b.N)
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "notifications/s")
		})
	}
}
