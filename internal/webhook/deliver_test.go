package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"infocentre/internal/boltstore"
	"infocentre/internal/centre"
	"infocentre/internal/dynamostore/dynamotest"
	"infocentre/internal/storetest"
)

func TestMain(m *testing.M) { dynamotest.Main(m) }

// onStores runs fn on the embedded store and on DynamoDB (moto_server;
// skipped under -short).
func onStores(t *testing.T, fn func(t *testing.T, store centre.Store)) {
	t.Run("bolt", func(t *testing.T) {
		s, err := boltstore.Open(filepath.Join(t.TempDir(), "test.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		fn(t, s)
	})
	t.Run("dynamodb", func(t *testing.T) { fn(t, dynamotest.NewStore(t)) })
}

// captured is one request a receiver got.
type captured struct {
	header http.Header
	body   []byte
}

// receiver is a loopback endpoint that answers with the next of codes
// (the last one once they run out) and keeps what it got.
type receiver struct {
	srv   *httptest.Server
	mu    sync.Mutex
	codes []int
	got   []captured
}

func newReceiver(t *testing.T, tls bool, codes ...int) *receiver {
	r := &receiver{codes: codes}
	h := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, captured{header: req.Header.Clone(), body: body})
		code := http.StatusNoContent
		if len(r.codes) > 0 {
			code = r.codes[0]
			if len(r.codes) > 1 {
				r.codes = r.codes[1:]
			}
		}
		r.mu.Unlock()
		w.WriteHeader(code)
	})
	if tls {
		r.srv = httptest.NewTLSServer(h)
	} else {
		r.srv = httptest.NewServer(h)
	}
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) requests() []captured {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]captured(nil), r.got...)
}

// env is a site with a published entry, a sender with a clock the test
// moves, and a service that registers endpoints through it.
type env struct {
	t      *testing.T
	store  centre.Store
	svc    *centre.Service
	sender *Sender
	now    time.Time
	entry  *centre.Entry
	owner  centre.Principal
}

func newEnv(t *testing.T, store centre.Store) *env {
	ctx := t.Context()
	e := &env{t: t, store: store, now: time.Now().UTC().Truncate(time.Millisecond),
		owner: centre.Principal{KeyID: "test-owner", Site: centre.AllSites, Role: centre.RoleOwner}}
	e.sender = &Sender{Store: store, AllowLoopback: true, Now: func() time.Time { return e.now },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	e.svc = &centre.Service{Store: store, Now: func() time.Time { return e.now }, WebhookSender: e.sender,
		Render: func(md string) (string, error) { return "<p>" + md + "</p>", nil }}
	if err := store.CreateSite(ctx, storetest.NewSite("demo")); err != nil {
		t.Fatal(err)
	}
	entry := storetest.Publish(storetest.NewEntry("demo", "flood-warning", "en"), e.now)
	if err := store.CreateEntry(ctx, entry); err != nil {
		t.Fatal(err)
	}
	e.entry = entry
	return e
}

// register creates an endpoint for url through the service (CheckURL
// included) and returns it with its secret.
func (e *env) register(url string, events ...string) (*centre.Webhook, string) {
	e.t.Helper()
	if len(events) == 0 {
		events = centre.WebhookEvents
	}
	w, secret, err := e.svc.CreateWebhook(e.t.Context(), e.owner, "demo", centre.WebhookInput{URL: url, Events: events, Description: "test receiver"})
	if err != nil {
		e.t.Fatalf("CreateWebhook %s: %v", url, err)
	}
	return w, secret
}

// notification returns the outbox record of a change of the entry.
func (e *env) notification(id, kind string) centre.Notification {
	return centre.Notification{ID: id, Site: "demo", Entry: e.entry.ID, Slug: e.entry.Slug, Lang: e.entry.Lang,
		Kind: kind, Version: e.entry.Version, Due: e.now, Created: e.now}
}

func (e *env) deliveries(w *centre.Webhook) []*centre.WebhookDelivery {
	e.t.Helper()
	page, err := e.store.ListWebhookDeliveries(e.t.Context(), centre.WebhookDeliveryQuery{Site: "demo", Webhook: w.ID, Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	return page.Items
}

func (e *env) webhook(w *centre.Webhook) *centre.Webhook {
	e.t.Helper()
	got, err := e.store.GetWebhook(e.t.Context(), "demo", w.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

// verify checks a request with the Standard Webhooks reference library
// (Python, .cache/webhooks-venv: .ci/setup-standardwebhooks.sh installs
// it) and returns the payload it verified, or its error.
func verify(t *testing.T, secret string, c captured) (map[string]any, error) {
	t.Helper()
	py, err := filepath.Abs("../../.cache/webhooks-venv/bin/python")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(py); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the Standard Webhooks library is not installed (bash .ci/setup-standardwebhooks.sh): %v", err)
		}
		t.Skipf("the Standard Webhooks library is not installed (bash .ci/setup-standardwebhooks.sh): %v", err)
	}
	headers := map[string]string{}
	for k := range c.header {
		headers[k] = c.header.Get(k)
	}
	in, _ := json.Marshal(map[string]any{"secret": secret, "headers": headers, "body": string(c.body)})
	cmd := exec.CommandContext(t.Context(), py, "testdata/verify.py")
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, errors.New(strings.TrimSpace(string(out)))
	}
	var payload map[string]any
	if err := json.Unmarshal(out, &payload); err != nil {
		t.Fatalf("verify.py printed %q: %v", out, err)
	}
	return payload, nil
}

// TestDeliverSigned: a publication reaches the endpoint as a Standard
// Webhook that the reference library verifies, with the public entry as
// data; a tampered body or another secret fails the same verification;
// delivering the notification again sends nothing more.
func TestDeliverSigned(t *testing.T) {
	onStores(t, func(t *testing.T, store centre.Store) {
		e := newEnv(t, store)
		rcv := newReceiver(t, false)
		w, secret := e.register(rcv.srv.URL + "/hook?token=abc")
		other, _ := e.register(rcv.srv.URL+"/withdrawals-only", centre.NotifyWithdrawn)
		n := e.notification("n-publish", centre.NotifyPublished)
		if err := e.sender.Deliver(t.Context(), n); err != nil {
			t.Fatal(err)
		}
		got := rcv.requests()
		if len(got) != 1 {
			t.Fatalf("the receiver got %d requests, want 1 (one endpoint wants entry.published)", len(got))
		}
		c := got[0]
		payload, err := verify(t, secret, c)
		if err != nil {
			t.Fatalf("the reference library refused the signature: %v\nheaders %v\nbody %s", err, c.header, c.body)
		}
		data, _ := payload["data"].(map[string]any)
		if payload["type"] != centre.NotifyPublished || data["slug"] != "flood-warning" || data["title"] != e.entry.Title || data["status"] != "published" {
			t.Fatalf("payload %v", payload)
		}
		if _, leaked := data["created_by"]; leaked {
			t.Fatalf("the payload carries a staff-only field: %v", data)
		}
		if ts, _ := time.Parse(time.RFC3339, payload["timestamp"].(string)); !ts.Equal(n.Due.Truncate(time.Second)) && !ts.Equal(n.Due) {
			t.Fatalf("timestamp %v, want the change's time %v", payload["timestamp"], n.Due)
		}
		if id := c.header.Get("webhook-id"); id != "msg_"+centre.WebhookDeliveryID(n.Created, n.ID, w.ID) {
			t.Fatalf("webhook-id %q", id)
		}
		if ct := c.header.Get("Content-Type"); ct != "application/json" {
			t.Fatalf("Content-Type %q", ct)
		}
		tampered := c
		tampered.body = bytes.Replace(c.body, []byte("flood-warning"), []byte("fl00d-warning"), 1)
		if _, err := verify(t, secret, tampered); err == nil {
			t.Fatal("the reference library accepted a tampered body")
		}
		if _, err := verify(t, centre.NewWebhookSecret(), c); err == nil {
			t.Fatal("the reference library accepted another secret")
		}

		// At least once upstream, once here: the same notification again
		// sends nothing.
		if err := e.sender.Deliver(t.Context(), n); err != nil {
			t.Fatal(err)
		}
		if n := len(rcv.requests()); n != 1 {
			t.Fatalf("delivering the notification again: %d requests, want 1", n)
		}
		log := e.deliveries(w)
		if len(log) != 1 || log[0].Status != centre.DeliverySucceeded || log[0].Attempts != 1 || log[0].ResponseCode != 204 || log[0].Event != centre.NotifyPublished {
			t.Fatalf("delivery log %+v", log)
		}
		if len(e.deliveries(other)) != 0 {
			t.Fatal("an endpoint that wants only withdrawals got a delivery")
		}
		if h := e.webhook(w); h.LastSuccess.IsZero() || h.Failures != 0 {
			t.Fatalf("endpoint after a success: %+v", h)
		}
	})
}

// TestRetryAfter500: a 500 is retried by Sweep once due, with the same
// webhook-id and body, and a fresh signature the library verifies.
func TestRetryAfter500(t *testing.T) {
	onStores(t, func(t *testing.T, store centre.Store) {
		e := newEnv(t, store)
		rcv := newReceiver(t, false, 500, 200)
		w, secret := e.register(rcv.srv.URL)
		if err := e.sender.Deliver(t.Context(), e.notification("n-retry", centre.NotifyPublished)); err != nil {
			t.Fatal(err)
		}
		log := e.deliveries(w)
		if len(log) != 1 || log[0].Status != centre.DeliveryPending || log[0].Attempts != 1 || log[0].ResponseCode != 500 || log[0].Error != "HTTP 500" {
			t.Fatalf("after a 500: %+v", log[0])
		}
		wait := log[0].NextAttempt.Sub(e.now)
		if wait < 24*time.Second || wait > 36*time.Second {
			t.Fatalf("first retry in %v, want 30 s ± 20%%", wait)
		}
		if h := e.webhook(w); h.Failures != 1 || h.FailingSince.IsZero() {
			t.Fatalf("endpoint after a failure: %+v", h)
		}
		// Not yet due: nothing.
		if err := e.sender.Sweep(t.Context(), e.now.Add(10*time.Second)); err != nil {
			t.Fatal(err)
		}
		if n := len(rcv.requests()); n != 1 {
			t.Fatalf("a sweep before the retry is due sent %d requests in all", n)
		}
		e.now = e.now.Add(time.Minute)
		if err := e.sender.Sweep(t.Context(), e.now); err != nil {
			t.Fatal(err)
		}
		got := rcv.requests()
		if len(got) != 2 {
			t.Fatalf("after the retry: %d requests, want 2", len(got))
		}
		if a, b := got[0].header.Get("webhook-id"), got[1].header.Get("webhook-id"); a != b || a == "" {
			t.Fatalf("the retry's webhook-id %q differs from the first attempt's %q", b, a)
		}
		if !bytes.Equal(got[0].body, got[1].body) {
			t.Fatalf("the retry's body differs:\n%s\n%s", got[0].body, got[1].body)
		}
		if _, err := verify(t, secret, got[1]); err != nil {
			t.Fatalf("the retry's signature: %v", err)
		}
		log = e.deliveries(w)
		if log[0].Status != centre.DeliverySucceeded || log[0].Attempts != 2 || log[0].ResponseCode != 200 || log[0].Error != "" {
			t.Fatalf("after the retry: %+v", log[0])
		}
		if h := e.webhook(w); h.Failures != 0 || !h.FailingSince.IsZero() {
			t.Fatalf("a success did not reset the failures: %+v", h)
		}
		// Done: later sweeps send nothing.
		if err := e.sender.Sweep(t.Context(), e.now.Add(48*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if n := len(rcv.requests()); n != 2 {
			t.Fatalf("a sweep after success sent more: %d requests", n)
		}
	})
}

// TestGivesUpAfterRetryFor: an endpoint that always fails is retried with
// growing delays for RetryFor (24 h), then the delivery is given up.
func TestGivesUpAfterRetryFor(t *testing.T) {
	onStores(t, func(t *testing.T, store centre.Store) {
		e := newEnv(t, store)
		e.sender.DisableAfter = 1000 // not disabled meanwhile
		rcv := newReceiver(t, false, 503)
		w, _ := e.register(rcv.srv.URL)
		start := e.now
		if err := e.sender.Deliver(t.Context(), e.notification("n-fail", centre.NotifyPublished)); err != nil {
			t.Fatal(err)
		}
		var gaps []time.Duration
		for i := 0; i < 40; i++ {
			d := e.deliveries(w)[0]
			if d.Status != centre.DeliveryPending {
				break
			}
			gaps = append(gaps, d.NextAttempt.Sub(e.now))
			e.now = d.NextAttempt
			if err := e.sender.Sweep(t.Context(), e.now); err != nil {
				t.Fatal(err)
			}
		}
		d := e.deliveries(w)[0]
		if d.Status != centre.DeliveryFailed || !strings.Contains(d.Error, "gave up") || d.Attempts != len(rcv.requests()) {
			t.Fatalf("after %d attempts: %+v", len(rcv.requests()), d)
		}
		if e.now.Sub(start) > 24*time.Hour || e.now.Sub(start) < 16*time.Hour {
			t.Fatalf("the last attempt came %v after the first; want within 24 h, near its end", e.now.Sub(start))
		}
		for i := 1; i < len(gaps); i++ {
			if gaps[i] < gaps[i-1]*6/5 && gaps[i] < 4*time.Hour { // doubling, ±20% jitter: at least ×1.33
				t.Fatalf("delays %v do not grow exponentially", gaps)
			}
		}
		t.Logf("%d attempts over %v; delays %v", d.Attempts, e.now.Sub(start), gaps)
	})
}

// TestAutoDisable: after DisableAfter failed attempts in a row spread
// over DisableAfterFor, the endpoint is disabled with its reason; nothing
// more is sent to it, and its pending retries are given up.
func TestAutoDisable(t *testing.T) {
	onStores(t, func(t *testing.T, store centre.Store) {
		e := newEnv(t, store)
		e.sender.DisableAfter, e.sender.DisableAfterFor = 3, time.Hour
		rcv := newReceiver(t, false, 500)
		w, _ := e.register(rcv.srv.URL)
		for i, id := range []string{"n1", "n2", "n3"} {
			e.now = e.now.Add(time.Second)
			if err := e.sender.Deliver(t.Context(), e.notification(id, centre.NotifyPublished)); err != nil {
				t.Fatal(err)
			}
			if h := e.webhook(w); h.Failures != i+1 || h.State != centre.WebhookEnabled {
				t.Fatalf("after %d failures within the hour: %+v", i+1, h)
			}
		}
		e.now = e.now.Add(2 * time.Hour)
		if err := e.sender.Deliver(t.Context(), e.notification("n4", centre.NotifyPublished)); err != nil {
			t.Fatal(err)
		}
		h := e.webhook(w)
		if h.State != centre.WebhookDisabled || !strings.Contains(h.DisabledReason, "4 delivery attempts failed in a row") || h.DisabledAt.IsZero() {
			t.Fatalf("after 4 failures over 2 h: %+v", h)
		}
		sent := len(rcv.requests())
		if err := e.sender.Deliver(t.Context(), e.notification("n5", centre.NotifyPublished)); err != nil {
			t.Fatal(err)
		}
		if err := e.sender.Sweep(t.Context(), e.now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if n := len(rcv.requests()); n != sent {
			t.Fatalf("a disabled endpoint got %d more requests", n-sent)
		}
		for _, d := range e.deliveries(w) {
			if d.Status != centre.DeliveryFailed {
				t.Fatalf("a delivery to the disabled endpoint is %s: %+v", d.Status, d)
			}
		}
	})
}

// TestSendTest: "send test event" posts a signed webhook.test now and
// answers with the result, success or not, without counting a failure
// towards the automatic disable.
func TestSendTest(t *testing.T) {
	onStores(t, func(t *testing.T, store centre.Store) {
		e := newEnv(t, store)
		rcv := newReceiver(t, false, 200, 500)
		w, secret := e.register(rcv.srv.URL)
		d, err := e.svc.TestWebhook(t.Context(), e.owner, "demo", w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != centre.DeliverySucceeded || d.ResponseCode != 200 || d.Event != centre.WebhookTestEvent || d.Attempts != 1 {
			t.Fatalf("test event: %+v", d)
		}
		payload, err := verify(t, secret, rcv.requests()[0])
		if err != nil {
			t.Fatalf("the test event's signature: %v", err)
		}
		if data, _ := payload["data"].(map[string]any); payload["type"] != centre.WebhookTestEvent || data["webhook"] != w.ID {
			t.Fatalf("test payload %v", payload)
		}
		d, err = e.svc.TestWebhook(t.Context(), e.owner, "demo", w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != centre.DeliveryFailed || d.ResponseCode != 500 || d.Error != "HTTP 500" {
			t.Fatalf("failed test event: %+v", d)
		}
		if h := e.webhook(w); h.Failures != 0 {
			t.Fatalf("a failed test event counted: %+v", h)
		}
		if log := e.deliveries(w); len(log) != 2 {
			t.Fatalf("the log has %d test deliveries, want 2", len(log))
		}
		if err := e.sender.Sweep(t.Context(), e.now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if n := len(rcv.requests()); n != 2 {
			t.Fatalf("a test event was retried: %d requests", n)
		}
	})
}

// TestSSRFAtDelivery: an endpoint whose name resolved to a public address
// at registration and to loopback at delivery (DNS rebinding) is refused
// on the connection itself, as is a stored URL that points inside; the
// receiver never hears of it.
func TestSSRFAtDelivery(t *testing.T) {
	onStores(t, func(t *testing.T, store centre.Store) {
		e := newEnv(t, store)
		e.sender.AllowLoopback = false
		rcv := newReceiver(t, true)
		_, port, _ := strings.Cut(strings.TrimPrefix(rcv.srv.URL, "https://"), ":")
		// At registration "localhost" resolves to a public address.
		e.sender.LookupHost = func(context.Context, string) ([]netip.Addr, error) {
			return []netip.Addr{netip.MustParseAddr("93.184.216.34")}, nil
		}
		w, _ := e.register("https://localhost:" + port + "/hook")
		// Registration refuses the loopback address itself.
		if _, _, err := e.svc.CreateWebhook(t.Context(), e.owner, "demo", centre.WebhookInput{URL: "https://127.0.0.1:" + port + "/hook",
			Events: centre.WebhookEvents}); !centre.IsCode(err, centre.EINVALID) {
			t.Fatalf("registering a loopback URL: %v", err)
		}
		// A URL stored by other means (an older rule, a restore) is
		// refused at delivery too.
		inside := &centre.Webhook{ID: centre.NewID(e.now), Site: "demo", URL: "https://[::ffff:127.0.0.1]:" + port + "/", Events: centre.WebhookEvents,
			Secret: centre.NewWebhookSecret(), State: centre.WebhookEnabled, CreatedAt: e.now}
		if err := store.CreateWebhook(t.Context(), inside); err != nil {
			t.Fatal(err)
		}
		if err := e.sender.Deliver(t.Context(), e.notification("n-ssrf", centre.NotifyPublished)); err != nil {
			t.Fatal(err)
		}
		if n := len(rcv.requests()); n != 0 {
			t.Fatalf("the loopback receiver got %d requests", n)
		}
		for _, hook := range []*centre.Webhook{w, inside} {
			log := e.deliveries(hook)
			if len(log) != 1 || !strings.Contains(log[0].Error, "refused") || !strings.Contains(log[0].Error, "loopback") || log[0].ResponseCode != 0 {
				t.Fatalf("delivery to %s: %+v", hook.URL, log)
			}
		}
		// And the test event too.
		d, err := e.svc.TestWebhook(t.Context(), e.owner, "demo", w.ID)
		if err != nil || d.Status != centre.DeliveryFailed || !strings.Contains(d.Error, "refused") {
			t.Fatalf("test event to a rebound name: %+v, %v", d, err)
		}
	})
}

// TestRedirectNotFollowed: a 3xx answer is a failure; its target is never
// requested.
func TestRedirectNotFollowed(t *testing.T) {
	onStores(t, func(t *testing.T, store centre.Store) {
		e := newEnv(t, store)
		target := newReceiver(t, false)
		var mu sync.Mutex
		hits := 0
		redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			hits++
			mu.Unlock()
			http.Redirect(w, r, target.srv.URL, http.StatusTemporaryRedirect)
		}))
		t.Cleanup(redirector.Close)
		w, _ := e.register(redirector.URL)
		if err := e.sender.Deliver(t.Context(), e.notification("n-redirect", centre.NotifyPublished)); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		n := hits
		mu.Unlock()
		if len(target.requests()) != 0 || n != 1 {
			t.Fatalf("redirect followed: target %d, redirector %d", len(target.requests()), n)
		}
		if d := e.deliveries(w)[0]; d.Status != centre.DeliveryPending || d.ResponseCode != 307 {
			t.Fatalf("after a redirect: %+v", d)
		}
	})
}

// TestEmbargoAndGone: a notification not yet due is held until Sweep
// reaches its time; one whose entry is no longer public is given up.
func TestEmbargoAndGone(t *testing.T) {
	onStores(t, func(t *testing.T, store centre.Store) {
		e := newEnv(t, store)
		rcv := newReceiver(t, false)
		w, _ := e.register(rcv.srv.URL)
		n := e.notification("n-later", centre.NotifyPublished)
		n.Due = e.now.Add(time.Hour)
		if err := e.sender.Deliver(t.Context(), n); err != nil {
			t.Fatal(err)
		}
		if err := e.sender.Sweep(t.Context(), e.now.Add(59*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if len(rcv.requests()) != 0 {
			t.Fatal("a notification was sent before it was due")
		}
		e.now = n.Due
		if err := e.sender.Sweep(t.Context(), e.now); err != nil {
			t.Fatal(err)
		}
		if len(rcv.requests()) != 1 {
			t.Fatalf("at its time: %d requests, want 1", len(rcv.requests()))
		}
		// The entry goes back to draft: a pending notification of it is
		// given up, not sent.
		draft := e.entry
		draft.Status = centre.StatusDraft
		if err := store.UpdateEntry(t.Context(), draft); err != nil {
			t.Fatal(err)
		}
		if err := e.sender.Deliver(t.Context(), e.notification("n-updated", centre.NotifyUpdated)); err != nil {
			t.Fatal(err)
		}
		if len(rcv.requests()) != 1 {
			t.Fatal("a notification of an entry that is no longer public was sent")
		}
		for _, d := range e.deliveries(w) {
			if d.Notification == "n-updated" && (d.Status != centre.DeliveryFailed || d.Error != "the entry is no longer public") {
				t.Fatalf("delivery of a non-public entry: %+v", d)
			}
		}
	})
}
