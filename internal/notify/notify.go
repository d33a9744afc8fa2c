// Package notify delivers the outbox: the notifier takes due
// notifications from the store (centre.OutboxRecord, recorded with the
// change that causes each one), checks that the entry still is in the
// state the notification announces, hands it to every Channel that has not
// delivered it yet, and records the outcome — done, a retry with backoff,
// or dead after MaxAttempts. It calls every Sweeper on each tick. `serve`
// runs it as a loop (Loop), AWS as the notifier function (the table's
// stream calls DeliverOne per new record; a schedule calls Tick).
package notify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"infocentre/internal/centre"
)

// A Channel delivers one notification to its recipients, at least once and
// idempotently per recipient (a retry never emails or posts twice to one
// recipient).
type Channel interface {
	Name() string
	Deliver(ctx context.Context, n centre.Notification) error
}

// A Taker is a Channel that says which kinds of notification it takes. A
// Channel that is not one takes the changes of entries only
// (centre.AboutEntry): a confirmation email (centre.NotifyConfirm) goes
// only to the channel that takes it.
type Taker interface {
	Takes(kind string) bool
}

// takes reports whether ch delivers notifications of kind.
func takes(ch Channel, kind string) bool {
	if t, ok := ch.(Taker); ok {
		return t.Takes(kind)
	}
	return centre.AboutEntry(kind)
}

// A Sweeper does a channel's timed work (retries, digests, expiry) on every
// tick.
type Sweeper interface {
	Sweep(ctx context.Context, now time.Time) error
}

// Store is what the notifier needs of a centre.Store.
type Store interface {
	GetEntry(ctx context.Context, site, id string) (*centre.Entry, error)
	ClaimNotifications(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*centre.OutboxRecord, error)
	ClaimNotification(ctx context.Context, site, id string, now time.Time, lease time.Duration) (*centre.OutboxRecord, error)
	NotificationDelivered(ctx context.Context, site, id, channel string) error
	SettleNotification(ctx context.Context, r *centre.OutboxRecord) error
}

// Defaults of Config.
const (
	DefaultBatch          = 8
	DefaultMaxBatches     = 25
	DefaultBudget         = 45 * time.Second
	DefaultChannelTimeout = 30 * time.Second
	DefaultMaxAttempts    = 8
	DefaultFirstRetry     = 30 * time.Second
	DefaultMaxRetry       = 6 * time.Hour
)

// Config configures a Notifier. Zero values take the defaults above.
type Config struct {
	Store    Store
	Channels []Channel
	Sweepers []Sweeper
	Log      *slog.Logger
	Now      func() time.Time

	// Batch is how many records one claim takes, delivered concurrently.
	Batch int
	// MaxBatches and Budget bound one Tick: it stops claiming after that
	// many batches or once the budget is spent (the rest waits for the
	// next tick).
	MaxBatches int
	Budget     time.Duration
	// ChannelTimeout bounds one Deliver call. A record's lease is long
	// enough for every channel to use it up.
	ChannelTimeout time.Duration
	// MaxAttempts is how many failed deliveries make a record dead.
	MaxAttempts int
	// FirstRetry is the wait after the first failure; each further one
	// doubles it (with up to 25% jitter), up to MaxRetry.
	FirstRetry time.Duration
	MaxRetry   time.Duration

	// Metrics, if set, receives one CloudWatch embedded-metric-format
	// JSON line per tick or stream batch (Lambda: os.Stdout), with the
	// dimension Stage and the namespace Namespace.
	Metrics   io.Writer
	Namespace string
	Stage     string
}

// Notifier delivers the outbox. It is safe for concurrent use.
type Notifier struct {
	cfg     Config
	lease   time.Duration
	metrics sync.Mutex
}

// New returns a Notifier with cfg's zero values defaulted. It panics
// without a Store or with two channels of the same name (the name keys
// what a record remembers as delivered).
func New(cfg Config) *Notifier {
	if cfg.Store == nil {
		panic("notify: no store")
	}
	seen := map[string]bool{}
	for _, c := range cfg.Channels {
		if c.Name() == "" || seen[c.Name()] {
			panic(fmt.Sprintf("notify: channel name %q empty or used twice", c.Name()))
		}
		seen[c.Name()] = true
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defD := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&cfg.Batch, DefaultBatch)
	cfg.Batch = min(cfg.Batch, centre.MaxPageSize)
	def(&cfg.MaxBatches, DefaultMaxBatches)
	def(&cfg.MaxAttempts, DefaultMaxAttempts)
	defD(&cfg.Budget, DefaultBudget)
	defD(&cfg.ChannelTimeout, DefaultChannelTimeout)
	defD(&cfg.FirstRetry, DefaultFirstRetry)
	defD(&cfg.MaxRetry, DefaultMaxRetry)
	if cfg.Namespace == "" {
		cfg.Namespace = "infocentre"
	}
	return &Notifier{cfg: cfg, lease: time.Duration(len(cfg.Channels)+1)*cfg.ChannelTimeout + time.Minute}
}

// Log returns the notifier's logger.
func (n *Notifier) Log() *slog.Logger { return n.cfg.Log }

// Lease returns how long a claimed record stays with the worker that took
// it: every channel's timeout and a minute more.
func (n *Notifier) Lease() time.Duration { return n.lease }

// Stats counts what a tick or a stream batch did.
type Stats struct {
	Delivered int // records every channel has now delivered
	Skipped   int // records that announced nothing any more
	Retried   int // records that failed and wait for a retry
	Dead      int // records that failed for the last time
	Failures  int // failed Deliver calls
	Lost      int // records another worker took over before they settled
}

func (s *Stats) add(o Stats) {
	s.Delivered += o.Delivered
	s.Skipped += o.Skipped
	s.Retried += o.Retried
	s.Dead += o.Dead
	s.Failures += o.Failures
	s.Lost += o.Lost
}

// Tick calls every Sweeper, then delivers due records batch by batch
// until none is left, MaxBatches were taken or the Budget is spent.
// Returns what it did, and the first error of a sweeper or of the store
// (channel failures are recorded on their records, not returned).
func (n *Notifier) Tick(ctx context.Context) (Stats, error) { return n.tick(ctx, ctx.Done()) }

// tick is Tick that stops claiming once stop is closed (the records it
// holds are still delivered and settled under ctx).
func (n *Notifier) tick(ctx context.Context, stop <-chan struct{}) (Stats, error) {
	start := n.cfg.Now()
	var errs []error
	for _, s := range n.cfg.Sweepers {
		if err := s.Sweep(ctx, start); err != nil {
			n.cfg.Log.ErrorContext(ctx, "notify: sweep failed", "sweeper", fmt.Sprintf("%T", s), "error", err.Error())
			errs = append(errs, fmt.Errorf("sweep %T: %w", s, err))
		}
	}
	var st Stats
	deadline := start.Add(n.cfg.Budget)
	for range n.cfg.MaxBatches {
		now := n.cfg.Now()
		if !now.Before(deadline) || ctx.Err() != nil || closed(stop) || !n.TimeLeft(ctx) {
			break
		}
		batch, err := n.cfg.Store.ClaimNotifications(ctx, now, n.lease, n.cfg.Batch)
		if err != nil {
			errs = append(errs, fmt.Errorf("claim notifications: %w", err))
			break
		}
		if len(batch) == 0 {
			break // nothing due, or another worker holds what is
		}
		st.add(n.deliverAll(ctx, batch))
	}
	n.report(ctx, "tick", st, n.cfg.Now().Sub(start))
	return st, errors.Join(errs...)
}

// Loop runs Tick at once and then every interval until ctx ends (the
// notifier of `infocentre serve`). A tick under way when ctx ends runs to
// its end (within Budget) before Loop returns, so that no record it took
// is left leased; errors are logged.
func (n *Notifier) Loop(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		tick, cancel := context.WithTimeout(context.WithoutCancel(ctx), n.cfg.Budget+n.lease)
		if _, err := n.tick(tick, ctx.Done()); err != nil {
			n.cfg.Log.ErrorContext(ctx, "notify: tick failed", "error", err.Error())
		}
		cancel()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// DeliverOne delivers the record id of site if it is pending and due (the
// notifier function calls it for each new record the table's stream
// carries). A record that is not due, is leased to another worker or is
// settled already is left alone without error. Returns the store's errors
// only (a failed channel is recorded for a retry).
func (n *Notifier) DeliverOne(ctx context.Context, site, id string) (Stats, error) {
	r, err := n.cfg.Store.ClaimNotification(ctx, site, id, n.cfg.Now(), n.lease)
	switch {
	case centre.IsCode(err, centre.ECONFLICT), centre.IsCode(err, centre.ENOTFOUND):
		n.cfg.Log.DebugContext(ctx, "notify: not claimed", "site", site, "notification", id, "reason", err.Error())
		return Stats{}, nil
	case err != nil:
		return Stats{}, err
	}
	st, err := n.deliver(ctx, r)
	return st, err
}

// TimeLeft reports whether ctx leaves time for another delivery: no
// deadline, or at least ChannelTimeout before it (a Lambda invocation's
// context ends with the function's timeout). Records not taken wait, due,
// for the next run.
func (n *Notifier) TimeLeft(ctx context.Context) bool {
	dl, ok := ctx.Deadline()
	return !ok || time.Until(dl) >= n.cfg.ChannelTimeout
}

// Report writes the metric line of a stream batch (see Config.Metrics).
func (n *Notifier) Report(ctx context.Context, st Stats, took time.Duration) {
	n.report(ctx, "stream", st, took)
}

// deliverAll delivers a batch concurrently.
func (n *Notifier) deliverAll(ctx context.Context, batch []*centre.OutboxRecord) Stats {
	var (
		mu  sync.Mutex
		st  Stats
		wg  sync.WaitGroup
		sem = make(chan struct{}, n.cfg.Batch)
	)
	for _, r := range batch {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			s, err := n.deliver(ctx, r)
			if err != nil {
				n.cfg.Log.ErrorContext(ctx, "notify: record not settled", "site", r.Site, "notification", r.ID, "error", err.Error())
			}
			mu.Lock()
			st.add(s)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return st
}

// deliver runs the channels of one claimed record and settles it.
func (n *Notifier) deliver(ctx context.Context, r *centre.OutboxRecord) (Stats, error) {
	var st Stats
	log := n.cfg.Log.With("site", r.Site, "notification", r.ID, "kind", r.Kind, "entry", r.Entry, "version", r.Version)
	if why, err := n.stale(ctx, r); err != nil {
		return st, err
	} else if why != "" {
		r.State, r.LastError = centre.OutboxDone, "skipped: "+why
		st.Skipped++
		log.InfoContext(ctx, "notify: skipped", "reason", why)
		return st, n.settle(ctx, r, &st)
	}
	var failed []string
	for _, ch := range n.cfg.Channels {
		if r.Delivered(ch.Name()) || !takes(ch, r.Kind) {
			continue
		}
		start := n.cfg.Now()
		err := n.call(ctx, ch, r.Notification)
		took := n.cfg.Now().Sub(start)
		if err == nil {
			err = n.cfg.Store.NotificationDelivered(ctx, r.Site, r.ID, ch.Name())
		}
		if err != nil {
			st.Failures++
			failed = append(failed, ch.Name()+": "+err.Error())
			log.WarnContext(ctx, "notify: channel failed", "channel", ch.Name(), "attempt", r.Attempts+1, "ms", took.Milliseconds(), "error", err.Error())
			continue
		}
		r.Channels = append(r.Channels, ch.Name())
		log.InfoContext(ctx, "notify: delivered", "channel", ch.Name(), "ms", took.Milliseconds(), "late_ms", n.cfg.Now().Sub(r.Due).Milliseconds())
	}
	if len(failed) == 0 {
		r.State, r.LastError = centre.OutboxDone, ""
		st.Delivered++
		return st, n.settle(ctx, r, &st)
	}
	r.Attempts++
	r.LastError = cut(strings.Join(failed, "; "), 1000)
	if r.Attempts >= n.cfg.MaxAttempts {
		r.State = centre.OutboxDead
		st.Dead++
		log.ErrorContext(ctx, "notify: dead letter", "attempts", r.Attempts, "error", r.LastError)
	} else {
		r.NextAt = n.cfg.Now().Add(n.backoff(r.Attempts)).UTC().Truncate(time.Millisecond)
		st.Retried++
		log.InfoContext(ctx, "notify: retry", "attempts", r.Attempts, "next_at", r.NextAt)
	}
	return st, n.settle(ctx, r, &st)
}

// call runs one Deliver under the channel timeout, turning a panic into
// an error.
func (n *Notifier) call(ctx context.Context, ch Channel, note centre.Notification) (err error) {
	ctx, cancel := context.WithTimeout(ctx, n.cfg.ChannelTimeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return ch.Deliver(ctx, note)
}

func (n *Notifier) settle(ctx context.Context, r *centre.OutboxRecord, st *Stats) error {
	r.Updated = n.cfg.Now().UTC()
	err := n.cfg.Store.SettleNotification(ctx, r)
	if centre.IsCode(err, centre.EPRECONDITION) {
		// Our lease ran out and another worker took the record; it will
		// settle it (channels done here are recorded already).
		st.Lost++
		n.cfg.Log.WarnContext(ctx, "notify: lease lost", "site", r.Site, "notification", r.ID)
		return nil
	}
	return err
}

// stale returns why r announces nothing any more ("" if it still does):
// its entry is gone, or no longer in the state r announces — a published
// entry withdrawn since (the withdrawal has its own record), an update of
// an entry withdrawn since. A confirmation email is about a subscription,
// not an entry: the channel that takes it checks that it still waits.
func (n *Notifier) stale(ctx context.Context, r *centre.OutboxRecord) (string, error) {
	if r.Kind == centre.NotifyConfirm {
		return "", nil
	}
	e, err := n.cfg.Store.GetEntry(ctx, r.Site, r.Entry)
	if centre.IsCode(err, centre.ENOTFOUND) {
		return "the entry is gone", nil
	}
	if err != nil {
		return "", err
	}
	if e.Version < r.Version {
		return "", fmt.Errorf("entry %s is at version %d, before the notification's %d (a stale read?)", e.ID, e.Version, r.Version)
	}
	switch r.Kind {
	case centre.NotifyPublished, centre.NotifyUpdated:
		if e.Status != centre.StatusPublished {
			return "the entry is " + e.Status + " now", nil
		}
	case centre.NotifyWithdrawn:
		if e.Status != centre.StatusWithdrawn {
			return "the entry is " + e.Status + " now", nil
		}
	default:
		return "unknown kind " + r.Kind, nil
	}
	return "", nil
}

// backoff returns the wait after the attempt-th failure.
func (n *Notifier) backoff(attempt int) time.Duration {
	d := n.cfg.FirstRetry
	for i := 1; i < attempt && d < n.cfg.MaxRetry; i++ {
		d *= 2
	}
	d = min(d, n.cfg.MaxRetry)
	return d + time.Duration(rand.Int64N(int64(d)/4+1))
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

func closed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
