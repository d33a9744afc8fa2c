package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"infocentre/internal/boltstore"
	"infocentre/internal/centre"
	"infocentre/internal/dynamostore/dynamotest"
	"infocentre/internal/notify"
)

func TestMain(m *testing.M) { dynamotest.Main(m) }

// stores runs fn on the embedded store and on DynamoDB (moto_server).
func stores(t *testing.T, fn func(t *testing.T, s centre.Store)) {
	t.Run("bolt", func(t *testing.T) {
		s, err := boltstore.Open(filepath.Join(t.TempDir(), "n.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		fn(t, s)
	})
	t.Run("dynamodb", func(t *testing.T) {
		fn(t, dynamotest.NewStore(t))
	})
}

// recorder is a Channel that records what it is given and fails while
// fail says so.
type recorder struct {
	name string
	mu   sync.Mutex
	got  []centre.Notification
	fail func(n centre.Notification) error
}

func (r *recorder) Name() string { return r.name }

func (r *recorder) Deliver(_ context.Context, n centre.Notification) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, n)
	if r.fail != nil {
		return r.fail(n)
	}
	return nil
}

func (r *recorder) calls() []centre.Notification {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]centre.Notification(nil), r.got...)
}

// sweeper records the times it is called at.
type sweeper struct {
	mu  sync.Mutex
	ats []time.Time
}

func (s *sweeper) Sweep(_ context.Context, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ats = append(s.ats, now)
	return nil
}

// world is a Service and a Notifier on one store, with a clock the test
// moves.
type world struct {
	t      *testing.T
	store  centre.Store
	svc    *centre.Service
	owner  centre.Principal
	now    time.Time
	mu     sync.Mutex
	email  *recorder
	hook   *recorder
	sweep  *sweeper
	n      *notify.Notifier
	logs   bytes.Buffer
	metric bytes.Buffer
}

func (w *world) clock() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

func (w *world) advance(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.now = w.now.Add(d)
}

func newWorld(t *testing.T, s centre.Store) *world {
	w := &world{t: t, store: s, now: time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC),
		email: &recorder{name: "email"}, hook: &recorder{name: "webhook"}, sweep: &sweeper{}}
	log := slog.New(slog.NewJSONHandler(&syncWriter{w: &w.logs, mu: &w.mu}, nil))
	w.svc = &centre.Service{Store: s, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: w.clock}
	k, _, err := w.svc.Bootstrap(t.Context(), "owner")
	if err != nil {
		t.Fatal(err)
	}
	w.owner = centre.Principal{KeyID: k.ID, Site: centre.AllSites, Role: centre.RoleOwner}
	if _, err := w.svc.CreateSite(t.Context(), w.owner, centre.SiteInput{Slug: "demo", Title: "Demo", Publisher: "Test",
		Languages: []string{"en"}, Contact: centre.Contact{Email: "press@example.org"}}); err != nil {
		t.Fatal(err)
	}
	w.n = notify.New(notify.Config{Store: s, Channels: []notify.Channel{w.email, w.hook}, Sweepers: []notify.Sweeper{w.sweep},
		Log: log, Now: w.clock, MaxAttempts: 3, FirstRetry: time.Minute, MaxRetry: time.Hour, Metrics: &w.metric, Stage: "test"})
	return w
}

type syncWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (w *world) create(title string, in centre.EntryInput) *centre.Entry {
	w.t.Helper()
	in.Content = centre.Content{Type: centre.TypeStatement, Title: title}
	e, err := w.svc.CreateEntry(w.t.Context(), w.owner, "demo", in)
	if err != nil {
		w.t.Fatal(err)
	}
	return e
}

func (w *world) tick() notify.Stats {
	w.t.Helper()
	st, err := w.n.Tick(w.t.Context())
	if err != nil {
		w.t.Fatal(err)
	}
	return st
}

func kinds(list []centre.Notification) []string {
	out := make([]string, len(list))
	for i, n := range list {
		out[i] = n.Kind + ":" + n.Slug
	}
	return out
}

func (w *world) record(site, id string) *centre.OutboxRecord {
	w.t.Helper()
	r, err := w.store.GetNotification(w.t.Context(), site, id)
	if err != nil {
		w.t.Fatal(err)
	}
	return r
}

// TestPublishDeliversOnce: a publication reaches every channel once, the
// record is done, the sweepers ran, and ticks after that deliver nothing
// again; a correction and a withdrawal follow; a minor change sends
// nothing.
func TestPublishDeliversOnce(t *testing.T) {
	stores(t, func(t *testing.T, s centre.Store) {
		w := newWorld(t, s)
		e := w.create("Boil water", centre.EntryInput{Status: centre.StatusPublished})
		st := w.tick()
		if st.Delivered != 1 || len(w.email.calls()) != 1 || len(w.hook.calls()) != 1 {
			t.Fatalf("after one tick: %+v, email %v, webhook %v; want one delivery each", st, kinds(w.email.calls()), kinds(w.hook.calls()))
		}
		got := w.email.calls()[0]
		if got.Kind != centre.NotifyPublished || got.Entry != e.ID || got.Slug != e.Slug || got.Version != e.Version || got.Site != "demo" {
			t.Fatalf("delivered %+v, want the publication of %s v%d", got, e.ID, e.Version)
		}
		r := w.record("demo", got.ID)
		if r.State != centre.OutboxDone || len(r.Channels) != 2 || r.Attempts != 0 {
			t.Fatalf("the record after delivery: %+v", r)
		}
		w.advance(time.Hour)
		if st := w.tick(); st != (notify.Stats{}) || len(w.email.calls()) != 1 {
			t.Fatalf("a second tick did %+v (email calls %d)", st, len(w.email.calls()))
		}
		if len(w.sweep.ats) != 2 || !w.sweep.ats[1].Equal(w.clock()) {
			t.Fatalf("sweeper called at %v, want twice, last at %s", w.sweep.ats, w.clock())
		}

		minor := centre.ChangeMinor
		e, err := w.svc.UpdateEntry(t.Context(), w.owner, "demo", e.ID, centre.EntryPatch{ContentPatch: centre.ContentPatch{Summary: ptr("typo")}, Change: &minor}, e.Version)
		if err != nil {
			t.Fatal(err)
		}
		w.advance(time.Minute)
		note := "Now also for bottled water."
		if e, err = w.svc.UpdateEntry(t.Context(), w.owner, "demo", e.ID, centre.EntryPatch{ContentPatch: centre.ContentPatch{Summary: ptr("more")}, ChangeNote: &note}, e.Version); err != nil {
			t.Fatal(err)
		}
		w.tick()
		w.advance(time.Minute)
		if _, err = w.svc.Withdraw(t.Context(), w.owner, "demo", e.ID, e.Version, "Lifted", ""); err != nil {
			t.Fatal(err)
		}
		w.tick()
		want := []string{"entry.published:boil-water", "entry.updated:boil-water", "entry.withdrawn:boil-water"}
		if g := kinds(w.hook.calls()); strings.Join(g, " ") != strings.Join(want, " ") {
			t.Fatalf("webhook got %v, want %v", g, want)
		}
		var line map[string]any
		metrics := strings.Split(strings.TrimSpace(w.metric.String()), "\n")
		if err := json.Unmarshal([]byte(metrics[0]), &line); err != nil {
			t.Fatalf("metric line %q: %v", metrics[0], err)
		}
		if line["NotificationsDelivered"] != 1.0 || line["Stage"] != "test" || line["_aws"] == nil {
			t.Fatalf("first metric line %v", line)
		}
		if !strings.Contains(w.logs.String(), `"msg":"notify: delivered","site":"demo"`) {
			t.Fatalf("no structured delivery log in %s", w.logs.String())
		}
	})
}

func ptr[T any](v T) *T { return &v }

// TestFailingChannelRetried: a failing channel is retried with backoff
// (not before its time), the channel that succeeded is not run again, and
// the record is done once every channel delivered.
func TestFailingChannelRetried(t *testing.T) {
	stores(t, func(t *testing.T, s centre.Store) {
		w := newWorld(t, s)
		failures := 2
		w.hook.fail = func(centre.Notification) error {
			if failures > 0 {
				failures--
				return errors.New("endpoint answered 500")
			}
			return nil
		}
		w.create("Shelter open", centre.EntryInput{Status: centre.StatusPublished})
		if st := w.tick(); st.Retried != 1 || st.Failures != 1 {
			t.Fatalf("first tick: %+v, want one retry", st)
		}
		id := w.email.calls()[0].ID
		r := w.record("demo", id)
		wait := r.NextAt.Sub(w.clock())
		if r.State != centre.OutboxPending || r.Attempts != 1 || wait < time.Minute || wait > 75*time.Second ||
			len(r.Channels) != 1 || r.Channels[0] != "email" || !strings.Contains(r.LastError, "webhook: endpoint answered 500") {
			t.Fatalf("after a failure: %+v (retry in %s)", r, wait)
		}
		w.advance(wait - time.Second)
		if st := w.tick(); st != (notify.Stats{}) {
			t.Fatalf("before the retry time: %+v", st)
		}
		w.advance(time.Second)
		if st := w.tick(); st.Retried != 1 {
			t.Fatalf("second try: %+v, want a retry", st)
		}
		r = w.record("demo", id)
		if wait := r.NextAt.Sub(w.clock()); r.Attempts != 2 || wait < 2*time.Minute || wait > 150*time.Second {
			t.Fatalf("after the second failure: attempts %d, retry in %s; want 2, about 2 min", r.Attempts, wait)
		}
		w.advance(3 * time.Minute)
		if st := w.tick(); st.Delivered != 1 {
			t.Fatalf("third try: %+v, want delivered", st)
		}
		if len(w.email.calls()) != 1 || len(w.hook.calls()) != 3 {
			t.Fatalf("email called %d times (want 1), webhook %d (want 3)", len(w.email.calls()), len(w.hook.calls()))
		}
		r = w.record("demo", id)
		if r.State != centre.OutboxDone || r.LastError != "" || len(r.Channels) != 2 {
			t.Fatalf("at the end: %+v", r)
		}
	})
}

// TestScheduledNotBeforeDue: a scheduled entry announces nothing before
// it is public; the write that releases it records the announcement, due
// then, and the next tick delivers it.
func TestScheduledNotBeforeDue(t *testing.T) {
	stores(t, func(t *testing.T, s centre.Store) {
		w := newWorld(t, s)
		at := w.clock().Add(time.Hour)
		e := w.create("Curfew lifted", centre.EntryInput{Status: centre.StatusScheduled, PublishAt: at})
		w.tick()
		w.advance(time.Hour - time.Second)
		if n, err := w.svc.PublishDue(t.Context()); err != nil || n != 0 {
			t.Fatalf("PublishDue before publish_at: %d, %v", n, err)
		}
		w.tick()
		if len(w.email.calls()) != 0 {
			t.Fatalf("delivered before publish_at: %v", kinds(w.email.calls()))
		}
		w.advance(20 * time.Second)
		if n, err := w.svc.PublishDue(t.Context()); err != nil || n != 1 {
			t.Fatalf("PublishDue: %d, %v", n, err)
		}
		w.tick()
		got := w.email.calls()
		if len(got) != 1 || got[0].Entry != e.ID || got[0].Kind != centre.NotifyPublished || !got[0].Due.Equal(w.clock()) {
			t.Fatalf("after the release: %+v, want the publication of %s due %s", got, e.ID, w.clock())
		}
	})
}

// TestStaleSkipped: a notification whose entry left the state it
// announces is settled without delivery (a publication withdrawn before
// the notifier ran); the withdrawal itself goes out.
func TestStaleSkipped(t *testing.T) {
	stores(t, func(t *testing.T, s centre.Store) {
		w := newWorld(t, s)
		e := w.create("Wrong advice", centre.EntryInput{Status: centre.StatusPublished})
		w.advance(time.Second)
		if _, err := w.svc.Withdraw(t.Context(), w.owner, "demo", e.ID, e.Version, "Issued by mistake", ""); err != nil {
			t.Fatal(err)
		}
		if st := w.tick(); st.Skipped != 1 || st.Delivered != 1 {
			t.Fatalf("tick: %+v, want one skipped and one delivered", st)
		}
		if g := kinds(w.email.calls()); len(g) != 1 || g[0] != "entry.withdrawn:wrong-advice" {
			t.Fatalf("delivered %v, want only the withdrawal", g)
		}
		page, err := s.ListNotifications(t.Context(), centre.NotificationQuery{Site: "demo", State: centre.OutboxDone})
		if err != nil {
			t.Fatal(err)
		}
		skipped := 0
		for _, r := range page.Items {
			if r.Kind == centre.NotifyPublished && r.LastError == "skipped: the entry is withdrawn now" && len(r.Channels) == 0 {
				skipped++
			}
		}
		if skipped != 1 {
			t.Fatalf("done records %+v: want the publication skipped, with its reason", page.Items)
		}
	})
}

// TestDeadLetter: a channel that keeps failing makes the record dead after
// MaxAttempts; it stays listed with its error and is never taken again.
func TestDeadLetter(t *testing.T) {
	stores(t, func(t *testing.T, s centre.Store) {
		w := newWorld(t, s)
		w.hook.fail = func(centre.Notification) error { return errors.New("connection refused") }
		w.create("Road closed", centre.EntryInput{Status: centre.StatusPublished})
		var dead int
		for range 6 {
			dead += w.tick().Dead
			w.advance(2 * time.Hour)
		}
		if dead != 1 || len(w.hook.calls()) != 3 || len(w.email.calls()) != 1 {
			t.Fatalf("dead %d (want 1); webhook called %d times (want 3), email %d (want 1)", dead, len(w.hook.calls()), len(w.email.calls()))
		}
		page, err := s.ListNotifications(t.Context(), centre.NotificationQuery{Site: "demo", State: centre.OutboxDead})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 1 || page.Items[0].Attempts != 3 || page.Items[0].LastError != "webhook: connection refused" {
			t.Fatalf("dead records: %+v", page.Items)
		}
		if !strings.Contains(w.logs.String(), `"msg":"notify: dead letter"`) {
			t.Fatal("no dead-letter log line")
		}
	})
}

// TestWorkersShareTheOutbox: two notifiers ticking at once on one store
// deliver each record once per channel (the lease keeps them apart), and
// DeliverOne of a record already settled does nothing.
func TestWorkersShareTheOutbox(t *testing.T) {
	stores(t, func(t *testing.T, s centre.Store) {
		w := newWorld(t, s)
		for i := range 12 {
			w.create("Update "+string(rune('a'+i)), centre.EntryInput{Status: centre.StatusPublished})
		}
		other := notify.New(notify.Config{Store: s, Channels: []notify.Channel{w.email, w.hook}, Now: w.clock, Batch: 3})
		var wg sync.WaitGroup
		for _, n := range []*notify.Notifier{w.n, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := n.Tick(t.Context()); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		seen := map[string]int{}
		for _, n := range w.email.calls() {
			seen[n.ID]++
		}
		if len(seen) != 12 || len(w.email.calls()) != 12 {
			t.Fatalf("email: %d calls for %d notifications, want 12 for 12", len(w.email.calls()), len(seen))
		}
		id := w.email.calls()[0].ID
		if st, err := other.DeliverOne(t.Context(), "demo", id); err != nil || st != (notify.Stats{}) {
			t.Fatalf("DeliverOne of a done record: %+v, %v", st, err)
		}
	})
}

// TestDeliverOne: the stream path delivers one new record at once.
func TestDeliverOne(t *testing.T) {
	stores(t, func(t *testing.T, s centre.Store) {
		w := newWorld(t, s)
		w.create("Bridge reopened", centre.EntryInput{Status: centre.StatusPublished})
		page, err := s.ListNotifications(t.Context(), centre.NotificationQuery{Site: "demo"})
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("records: %v, %v", page.Items, err)
		}
		st, err := w.n.DeliverOne(t.Context(), "demo", page.Items[0].ID)
		if err != nil || st.Delivered != 1 || len(w.hook.calls()) != 1 {
			t.Fatalf("DeliverOne: %+v, %v, webhook calls %d", st, err, len(w.hook.calls()))
		}
		if st, err := w.n.DeliverOne(t.Context(), "demo", centre.NewID(w.clock())); err != nil || st != (notify.Stats{}) {
			t.Fatalf("DeliverOne of nothing: %+v, %v", st, err)
		}
	})
}

// TestLoop: the serve loop delivers what is written while it runs and
// returns once its context ends.
func TestLoop(t *testing.T) {
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "n.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	w := newWorld(t, s)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { w.n.Loop(ctx, 5*time.Millisecond); close(done) }()
	w.create("Power restored", centre.EntryInput{Status: centre.StatusPublished})
	deadline := time.Now().Add(10 * time.Second)
	for len(w.hook.calls()) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Loop did not return after its context ended")
	}
	if len(w.hook.calls()) != 1 {
		t.Fatalf("the loop delivered %d times, want 1", len(w.hook.calls()))
	}
}

// TestStopsBeforeTheDeadline: a run whose context ends within a channel's
// timeout takes nothing more (the records wait, due, for the next run).
func TestStopsBeforeTheDeadline(t *testing.T) {
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "n.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	w := newWorld(t, s)
	w.create("Late", centre.EntryInput{Status: centre.StatusPublished})
	ctx, cancel := context.WithTimeout(t.Context(), notify.DefaultChannelTimeout-time.Second)
	defer cancel()
	if w.n.TimeLeft(ctx) {
		t.Fatal("TimeLeft with less than a channel timeout left")
	}
	if st, err := w.n.Tick(ctx); err != nil || st != (notify.Stats{}) || len(w.hook.calls()) != 0 {
		t.Fatalf("a tick near its deadline: %+v, %v, %d deliveries", st, err, len(w.hook.calls()))
	}
	if st := w.tick(); st.Delivered != 1 {
		t.Fatalf("the next tick: %+v, want the record delivered", st)
	}
}

// taker is a recorder that takes confirmation emails only.
type taker struct{ recorder }

func (t *taker) Takes(kind string) bool { return kind == centre.NotifyConfirm }

// TestConfirmationGoesToItsChannel: a confirmation email recorded with a
// subscription goes only to the channel that takes it (no entry is read:
// it has none), and the changes of entries never reach that channel.
func TestConfirmationGoesToItsChannel(t *testing.T) {
	stores(t, func(t *testing.T, s centre.Store) {
		w := newWorld(t, s)
		confirm := &taker{recorder{name: "confirm"}}
		w.n = notify.New(notify.Config{Store: s, Channels: []notify.Channel{w.email, w.hook, confirm}, Now: w.clock})
		now := w.clock()
		sub := &centre.Subscription{Site: "demo", Email: "a@example.org", Scope: "site", Frequency: centre.FreqImmediate,
			Lang: "en", State: centre.SubPending, TokenHash: "h", Created: now, ExpiresAt: now.Add(48 * time.Hour), SentAt: now}
		n := &centre.Notification{ID: centre.NewID(now), Site: "demo", Kind: centre.NotifyConfirm, Version: 1, Due: now,
			Created: now, Email: sub.Email, Scope: sub.Scope, Lang: "en"}
		sub.Announce(n)
		if err := s.CreateSubscription(t.Context(), sub); err != nil {
			t.Fatal(err)
		}
		e := w.create("Flood warning", centre.EntryInput{Status: centre.StatusPublished})
		if st := w.tick(); st.Delivered != 2 || st.Skipped != 0 {
			t.Fatalf("tick: %+v, want 2 delivered", st)
		}
		if got := confirm.calls(); len(got) != 1 || got[0].ID != n.ID || got[0].Email != "a@example.org" {
			t.Fatalf("the confirmation channel got %v", kinds(got))
		}
		for _, ch := range []*recorder{w.email, w.hook} {
			if got := ch.calls(); len(got) != 1 || got[0].Entry != e.ID {
				t.Fatalf("%s got %v, want the publication only", ch.name, kinds(got))
			}
		}
		if r := w.record("demo", n.ID); r.State != centre.OutboxDone || !r.Delivered("confirm") || len(r.Channels) != 1 {
			t.Fatalf("the confirmation's record: %+v", r)
		}
		// Staff do not see it (it names a visitor's address).
		page, err := w.svc.Notifications(t.Context(), w.owner, centre.NotificationQuery{Site: "demo"})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 1 || page.Items[0].Entry != e.ID {
			t.Fatalf("staff see %d records", len(page.Items))
		}
	})
}
