// Package webhook delivers a site's public changes to the webhook
// endpoints its admins registered, as Standard Webhooks: a JSON body
// {"type", "timestamp", "data"} POSTed with webhook-id, webhook-timestamp
// and webhook-signature headers. It is a notifier channel (Deliver: one
// outbox notification to every endpoint that wants it, once per endpoint)
// and a sweeper (Sweep: the retries, with exponential backoff for
// RetryFor), and it is centre.WebhookSender (CheckURL at registration,
// SendTest). Every connection goes through the SSRF guard (guard.go).
package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"sync"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/httpapi"
)

// Defaults of Sender.
const (
	DefaultTimeout         = 10 * time.Second
	DefaultRetryFor        = 24 * time.Hour
	DefaultDisableAfter    = 20             // failed attempts in a row …
	DefaultDisableAfterFor = 24 * time.Hour // … over at least this long
	// MaxResponse is how much of an endpoint's answer is read (and
	// thrown away) before the connection is closed.
	MaxResponse = 64 << 10
	// firstRetry is the delay before the second attempt; each later one
	// doubles it, up to maxRetryDelay, with ±20% jitter.
	firstRetry    = 30 * time.Second
	maxRetryDelay = 6 * time.Hour
	// lease is how long an attempt holds a delivery: another sweeper
	// does not take it meanwhile. Longer than any attempt takes.
	lease = 2 * time.Minute
	// parallel bounds the attempts in flight in one Deliver or Sweep.
	parallel = 8
	// sweepBatch and sweepBatches bound one Sweep.
	sweepBatch, sweepBatches = 50, 10
)

// Sender delivers webhooks. Its zero fields take the defaults above; it
// is safe for concurrent use once in use (set the fields first).
type Sender struct {
	Store centre.Store
	Log   *slog.Logger
	// Now returns the time deliveries are scheduled by (tests move it);
	// the webhook-timestamp header is always the wall clock, which
	// receivers compare with theirs.
	Now func() time.Time
	// AllowLoopback is the test-only switch: it lets deliveries and
	// registrations use http:// and loopback addresses (127.0.0.0/8,
	// ::1), for a receiver a test runs. Every other address stays
	// refused. Never set in a deployment (WEBHOOK_ALLOW_LOOPBACK).
	AllowLoopback bool
	// LookupHost resolves a host at registration (nil: the system
	// resolver); deliveries resolve through the dialer, whose every
	// address is checked again.
	LookupHost func(ctx context.Context, host string) ([]netip.Addr, error)
	// Timeout bounds one attempt, connection to last byte read.
	Timeout time.Duration
	// RetryFor is how long a failing delivery is retried after the
	// notification was first delivered.
	RetryFor time.Duration
	// An endpoint is disabled once DisableAfter attempts in a row have
	// failed and the first of them is at least DisableAfterFor old.
	DisableAfter    int
	DisableAfterFor time.Duration

	once   sync.Once
	client *http.Client
}

var _ centre.WebhookSender = (*Sender)(nil)

// Name returns the channel's name, "webhook".
func (s *Sender) Name() string { return "webhook" }

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Millisecond)
	}
	return time.Now().UTC().Truncate(time.Millisecond)
}

func (s *Sender) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

func orDefault[T int | time.Duration](v, d T) T {
	if v <= 0 {
		return d
	}
	return v
}

// httpClient returns the guarded client: the dialer checks every address
// it connects to, no proxy, no redirects, bounded in time.
func (s *Sender) httpClient() *http.Client {
	s.once.Do(func() {
		timeout := orDefault(s.Timeout, DefaultTimeout)
		d := &net.Dialer{Timeout: 5 * time.Second, Control: s.control}
		s.client = &http.Client{
			Timeout: timeout,
			Transport: &http.Transport{
				Proxy:                  nil,
				DialContext:            d.DialContext,
				ForceAttemptHTTP2:      true,
				TLSHandshakeTimeout:    5 * time.Second,
				ResponseHeaderTimeout:  timeout,
				MaxIdleConns:           16,
				IdleConnTimeout:        30 * time.Second,
				MaxResponseHeaderBytes: 16 << 10,
			},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	})
	return s.client
}

// Payload is the body of every webhook.
type Payload struct {
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      any       `json:"data"`
}

// TestData is the data of a test event.
type TestData struct {
	Site    string `json:"site"`
	Webhook string `json:"webhook"`
	Message string `json:"message"`
}

// Deliver implements the notifier's Channel: it records one delivery of n
// for every enabled endpoint of n's site subscribed to n.Kind (the same
// delivery if n is delivered again, so no endpoint gets it twice) and
// attempts those that are due; failed attempts are retried by Sweep.
// Returns only store errors (the notifier then delivers n again).
func (s *Sender) Deliver(ctx context.Context, n centre.Notification) error {
	hooks, err := s.Store.ListWebhooks(ctx, n.Site)
	if err != nil {
		return err
	}
	now := s.now()
	at := n.Due.UTC().Truncate(time.Millisecond)
	var due []job
	for _, w := range hooks {
		if !w.Wants(n.Kind) {
			continue
		}
		created := n.Created
		if created.IsZero() {
			created = now
		}
		d := &centre.WebhookDelivery{ID: centre.WebhookDeliveryID(created, n.ID, w.ID), Site: n.Site, Webhook: w.ID,
			Event: n.Kind, Notification: n.ID, Entry: n.Entry, Slug: n.Slug, Lang: n.Lang, EntryVersion: n.Version,
			EventAt: at, Status: centre.DeliveryPending, NextAttempt: now, CreatedAt: now,
			ExpiresAt: now.Add(centre.WebhookDeliveryTTL)}
		if d.EventAt.IsZero() {
			d.EventAt = now
		}
		if at.After(now) {
			d.NextAttempt = at // the embargo holds: Sweep sends it once due
		}
		err := s.Store.CreateWebhookDelivery(ctx, d)
		if centre.IsCode(err, centre.ECONFLICT) {
			continue // delivered (or being delivered) already
		} else if err != nil {
			return err
		}
		if !d.NextAttempt.After(now) {
			due = append(due, job{d: d, w: w})
		}
	}
	return s.run(ctx, due, now)
}

// job is one attempt to make.
type job struct {
	d *centre.WebhookDelivery
	w *centre.Webhook
}

// run attempts the jobs, up to parallel at once, and returns the first
// store error.
func (s *Sender) run(ctx context.Context, jobs []job, now time.Time) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		sem   = make(chan struct{}, parallel)
	)
	for _, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := s.attempt(ctx, j.d, j.w, now); err != nil {
				s.log().ErrorContext(ctx, "webhook: attempt", slog.String("site", j.d.Site), slog.String("webhook", j.d.Webhook),
					slog.String("delivery", j.d.ID), slog.String("error", err.Error()))
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return first
}

// Sweep implements the notifier's Sweeper: it attempts the pending
// deliveries due at now (at most sweepBatches batches of sweepBatch), and
// gives up those whose endpoint is gone or disabled.
func (s *Sender) Sweep(ctx context.Context, now time.Time) error {
	now = now.UTC().Truncate(time.Millisecond)
	hooks := map[string]*centre.Webhook{}
	seen := map[string]bool{}
	for range sweepBatches {
		list, err := s.Store.DueWebhookDeliveries(ctx, now, sweepBatch)
		if err != nil {
			return err
		}
		var jobs []job
		fresh := 0
		for _, d := range list {
			if seen[d.ID+d.Webhook] {
				continue // an index not yet caught up (DynamoDB's GSI): next sweep
			}
			seen[d.ID+d.Webhook] = true
			fresh++
			k := d.Site + "\x00" + d.Webhook
			w, ok := hooks[k]
			if !ok {
				w, err = s.Store.GetWebhook(ctx, d.Site, d.Webhook)
				if centre.IsCode(err, centre.ENOTFOUND) {
					w, err = nil, nil
				} else if err != nil {
					return err
				}
				hooks[k] = w
			}
			switch {
			case w == nil:
				err = s.giveUp(ctx, d, now, "the endpoint was deleted")
			case w.State != centre.WebhookEnabled:
				err = s.giveUp(ctx, d, now, "the endpoint is disabled")
			default:
				jobs = append(jobs, job{d: d, w: w})
			}
			if err != nil {
				return err
			}
		}
		if err := s.run(ctx, jobs, now); err != nil {
			return err
		}
		if len(list) < sweepBatch || fresh == 0 {
			return nil
		}
	}
	return nil
}

// giveUp marks d failed without an attempt.
func (s *Sender) giveUp(ctx context.Context, d *centre.WebhookDelivery, now time.Time, why string) error {
	d.Status, d.NextAttempt, d.Error = centre.DeliveryFailed, time.Time{}, why
	err := s.Store.UpdateWebhookDelivery(ctx, d)
	if centre.IsCode(err, centre.EPRECONDITION) || centre.IsCode(err, centre.ENOTFOUND) {
		return nil // another sweeper acted on it
	}
	return err
}

// attempt sends d to w once (unless another process holds it), records
// the outcome on d and on w's failure count, and schedules the next
// attempt or gives up. Returns store errors only.
func (s *Sender) attempt(ctx context.Context, d *centre.WebhookDelivery, w *centre.Webhook, now time.Time) error {
	// Hold the delivery while sending: a concurrent sweeper sees it due
	// only after the lease.
	d.NextAttempt = now.Add(lease)
	if err := s.Store.UpdateWebhookDelivery(ctx, d); centre.IsCode(err, centre.EPRECONDITION) || centre.IsCode(err, centre.ENOTFOUND) {
		return nil
	} else if err != nil {
		return err
	}
	body, gone, err := s.body(ctx, d, now)
	if err != nil {
		return err
	}
	if gone != "" {
		return s.giveUp(ctx, d, now, gone)
	}
	res := s.post(ctx, w, d.ID, body)
	d.Attempts++
	d.LastAttempt, d.ResponseCode, d.DurationMS, d.Error = now, res.code, res.took.Milliseconds(), res.err
	switch {
	case res.ok():
		d.Status, d.NextAttempt = centre.DeliverySucceeded, time.Time{}
	default:
		next := now.Add(backoff(d.Attempts)).Truncate(time.Millisecond)
		if next.After(d.CreatedAt.Add(orDefault(s.RetryFor, DefaultRetryFor))) {
			d.Status, d.NextAttempt = centre.DeliveryFailed, time.Time{}
			d.Error = fmt.Sprintf("%s; gave up after %d attempts", res.err, d.Attempts)
		} else {
			d.NextAttempt = next
		}
	}
	if err := s.Store.UpdateWebhookDelivery(ctx, d); err != nil && !centre.IsCode(err, centre.EPRECONDITION) {
		return err
	}
	return s.count(ctx, w.Site, w.ID, res.ok(), now)
}

// backoff returns the delay after attempt n (1: the first) failed:
// firstRetry doubled n-1 times, at most maxRetryDelay, ±20% jitter.
func backoff(n int) time.Duration {
	d := firstRetry
	for i := 1; i < n && d < maxRetryDelay; i++ {
		d *= 2
	}
	d = min(d, maxRetryDelay)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// count records an attempt's outcome on the endpoint, and disables it
// after repeated failure. It retries a few times on a concurrent change.
func (s *Sender) count(ctx context.Context, site, id string, ok bool, now time.Time) error {
	for range 5 {
		w, err := s.Store.GetWebhook(ctx, site, id)
		if centre.IsCode(err, centre.ENOTFOUND) {
			return nil
		} else if err != nil {
			return err
		}
		if ok {
			if w.Failures == 0 && !w.LastSuccess.Before(now) {
				return nil
			}
			w.Failures, w.FailingSince, w.LastSuccess = 0, time.Time{}, now
		} else {
			w.Failures++
			w.LastFailure = now
			if w.FailingSince.IsZero() {
				w.FailingSince = now
			}
			if w.State == centre.WebhookEnabled && w.Failures >= orDefault(s.DisableAfter, DefaultDisableAfter) &&
				now.Sub(w.FailingSince) >= orDefault(s.DisableAfterFor, DefaultDisableAfterFor) {
				w.State, w.DisabledAt = centre.WebhookDisabled, now
				w.DisabledReason = fmt.Sprintf("disabled automatically: %d delivery attempts failed in a row since %s",
					w.Failures, w.FailingSince.Format(time.RFC3339))
				s.log().WarnContext(ctx, "webhook: endpoint disabled", slog.String("site", site), slog.String("webhook", id),
					slog.Int("failures", w.Failures))
			}
		}
		err = s.Store.UpdateWebhook(ctx, w)
		if !centre.IsCode(err, centre.EPRECONDITION) {
			return err
		}
	}
	return centre.Errorf(centre.EUNAVAILABLE, "webhook %q changed too often to record a delivery", id)
}

// body returns the payload of d: the entry as the public read API shows
// it now. gone is why there is nothing to send (the entry is no longer
// public), "" otherwise.
func (s *Sender) body(ctx context.Context, d *centre.WebhookDelivery, now time.Time) (body []byte, gone string, err error) {
	var data any
	if d.Event == centre.WebhookTestEvent {
		data = TestData{Site: d.Site, Webhook: d.Webhook, Message: "A test event from infocentre: this endpoint is reachable."}
	} else {
		e, err := s.Store.GetEntry(ctx, d.Site, d.Entry)
		if centre.IsCode(err, centre.ENOTFOUND) {
			return nil, "the entry was deleted", nil
		} else if err != nil {
			return nil, "", err
		}
		if !e.Public() || e.Expired(now) {
			return nil, "the entry is no longer public", nil
		}
		data = httpapi.PublicEntryOf(e)
	}
	body, err = json.Marshal(Payload{Type: d.Event, Timestamp: d.EventAt, Data: data})
	return body, "", err
}

// result is the outcome of one POST.
type result struct {
	code int
	took time.Duration
	err  string
}

func (r result) ok() bool { return r.err == "" }

// post sends body to w once, signed, and reads at most MaxResponse bytes
// of the answer. A 2xx answer is a success; anything else (redirects
// included: they are not followed) is a failure, described in err
// without the URL (which may carry a token of the receiver's).
func (s *Sender) post(ctx context.Context, w *centre.Webhook, id string, body []byte) result {
	start := time.Now()
	msgID := "msg_" + id
	ts := time.Now().Unix()
	sig, err := Sign(w.Secret, msgID, ts, body)
	if err != nil {
		return result{err: "the endpoint's secret is malformed"}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return result{err: "the endpoint URL is malformed"}
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "infocentre-webhooks/1")
	h.Set("webhook-id", msgID)
	h.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	h.Set("webhook-signature", sig)
	if u := req.URL; !(u.Scheme == "https" || u.Scheme == "http" && s.AllowLoopback) {
		return result{err: "the endpoint URL is not https"}
	}
	resp, err := s.httpClient().Do(req)
	if err != nil {
		return result{took: time.Since(start), err: describe(err)}
	}
	_, rerr := io.Copy(io.Discard, io.LimitReader(resp.Body, MaxResponse))
	resp.Body.Close()
	res := result{code: resp.StatusCode, took: time.Since(start)}
	switch {
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		res.err = fmt.Sprintf("HTTP %d", resp.StatusCode)
	case rerr != nil:
		res.err = "reading the answer: " + describe(rerr)
	}
	return res
}

// describe returns err without the request URL.
func describe(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	switch {
	case errors.Is(err, errRefused):
		return "the address was refused: " + err.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timed out"
	}
	return err.Error()
}

// SendTest implements centre.WebhookSender: a WebhookTestEvent to w now,
// attempted once (never retried, not counted towards the automatic
// disable), recorded in w's delivery log.
func (s *Sender) SendTest(ctx context.Context, w *centre.Webhook) (*centre.WebhookDelivery, error) {
	now := s.now()
	d := &centre.WebhookDelivery{ID: centre.NewID(now), Site: w.Site, Webhook: w.ID, Event: centre.WebhookTestEvent,
		EventAt: now, Status: centre.DeliveryPending, CreatedAt: now, NextAttempt: now.Add(lease),
		ExpiresAt: now.Add(centre.WebhookDeliveryTTL)}
	if err := s.Store.CreateWebhookDelivery(ctx, d); err != nil {
		return nil, err
	}
	body, _, err := s.body(ctx, d, now)
	if err != nil {
		return nil, err
	}
	res := s.post(ctx, w, d.ID, body)
	d.Attempts, d.LastAttempt, d.ResponseCode, d.DurationMS, d.Error = 1, now, res.code, res.took.Milliseconds(), res.err
	d.Status, d.NextAttempt = centre.DeliverySucceeded, time.Time{}
	if !res.ok() {
		d.Status = centre.DeliveryFailed
	}
	if err := s.Store.UpdateWebhookDelivery(ctx, d); err != nil {
		return nil, err
	}
	return d, nil
}
