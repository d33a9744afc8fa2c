package alerts_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"infocentre/internal/alerts"
	"infocentre/internal/alerts/mailpittest"
	"infocentre/internal/boltstore"
	"infocentre/internal/centre"
	"infocentre/internal/storetest"
)

// BenchmarkFanOut100k delivers one publication to FANOUT_SUBSCRIBERS
// (default 100,000) confirmed subscribers of a site on the embedded store,
// through SMTP to mailpit (the mail stand-in): time per publication, peak
// heap while it runs, and messages per second to the stand-in.
//
//	go test -run '^$' -bench FanOut -benchtime 1x ./internal/alerts/
func BenchmarkFanOut100k(b *testing.B) {
	n := 100_000
	if s := os.Getenv("FANOUT_SUBSCRIBERS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	mail := mailpittest.Start(b, 1000)
	smtp, err := alerts.NewSMTP(mail.SMTPURL)
	if err != nil {
		b.Fatal(err)
	}
	defer smtp.Close()
	store, err := boltstore.Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	ctx := b.Context()
	if err := store.CreateSite(ctx, storetest.NewSite("demo")); err != nil {
		b.Fatal(err)
	}
	err = store.Bulk(func() error {
		for i := range n {
			sub := &centre.Subscription{Site: "demo", Email: fmt.Sprintf("reader%06d@example.net", i), Scope: "site",
				Frequency: centre.FreqImmediate, Lang: "en", State: centre.SubConfirmed, Created: storetest.Base, ConfirmedAt: storetest.Base}
			if err := store.CreateSubscription(ctx, sub); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	e := storetest.Publish(storetest.NewEntry("demo", "bench", "en"), storetest.Base)
	if err := store.CreateEntry(ctx, e); err != nil {
		b.Fatal(err)
	}
	links, _ := alerts.NewLinks([]byte("0123456789abcdef0123456789abcdef"))
	sent := &sendCounter{next: smtp}
	a := &alerts.Alerts{Store: store, Links: links, Mailer: sent, From: "Centre <alerts@example.org>",
		Base: func(s *centre.Site) string { return "https://info.example.org/sites/" + s.Slug },
		Log:  slog.New(slog.NewTextHandler(io.Discard, nil))}
	a.Init()
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // sample the heap while the fan-out runs
		defer close(done)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		note := centre.Notification{ID: fmt.Sprintf("bench-%d", i), Site: "demo", Entry: e.ID, Slug: e.Slug, Lang: "en",
			Kind: centre.NotifyPublished, Due: storetest.Base}
		if err := a.Deliver(ctx, note); err != nil {
			b.Fatal(err)
		}
	}
	took := time.Since(start)
	b.StopTimer()
	close(stop)
	<-done
	if got := sent.n.Load(); got != int64(n*b.N) {
		b.Fatalf("sent %d messages, want %d", got, n*b.N)
	}
	b.ReportMetric(float64(sent.n.Load())/took.Seconds(), "msgs/s")
	b.ReportMetric(float64(peak.Load()-min(peak.Load(), base.HeapInuse))/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(n), "subscribers")
}

// sendCounter passes messages to next, counting them.
type sendCounter struct {
	next alerts.Mailer
	n    atomic.Int64
}

func (c *sendCounter) Send(ctx context.Context, m *alerts.Message) error {
	if err := c.next.Send(ctx, m); err != nil {
		return err
	}
	c.n.Add(1)
	return nil
}
