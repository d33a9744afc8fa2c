package centre

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
	"time"
)

// WebhookEvents are the events an endpoint may subscribe to: the kinds of
// Notification.
var WebhookEvents = []string{NotifyPublished, NotifyUpdated, NotifyWithdrawn}

// WebhookTestEvent is the type of the event "send test event" sends; it
// needs no subscription.
const WebhookTestEvent = "webhook.test"

// WebhookSecretPrefix starts every webhook signing secret, as the Standard
// Webhooks libraries expect ("whsec_" and the base64 of the key bytes).
const WebhookSecretPrefix = "whsec_"

// Limits of webhook endpoints.
const (
	MaxWebhooksPerSite     = 20
	MaxWebhookURL          = 2000
	MaxWebhookDescription  = 200
	WebhookDeliveryTTL     = 30 * 24 * time.Hour // how long the delivery log keeps a delivery
	MaxWebhookDeliveryPage = MaxPageSize
)

// States of a webhook endpoint.
const (
	WebhookEnabled  = "enabled"
	WebhookDisabled = "disabled" // no delivery is attempted (DisabledReason says why)
)

// Webhook is an endpoint of a site that receives its public changes as
// signed HTTP POSTs (Standard Webhooks). Its Secret signs them: deliveries
// need it in clear, so the store keeps it (the one secret not stored as a
// hash); it is shown to the admin once, when the endpoint is created, and
// never in a listing or a log.
type Webhook struct {
	ID          string   `json:"id"`
	Site        string   `json:"site"`
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Description string   `json:"description,omitempty"`
	Secret      string   `json:"-"`
	State       string   `json:"state"` // WebhookEnabled or WebhookDisabled
	// DisabledReason and DisabledAt say why and when the endpoint was
	// disabled (by the automatic disable after repeated failure).
	DisabledReason string    `json:"disabled_reason,omitempty"`
	DisabledAt     time.Time `json:"disabled_at,omitzero"`
	CreatedAt      time.Time `json:"created_at"`
	CreatedBy      string    `json:"created_by,omitempty"`
	// Failures counts the delivery attempts that failed in a row since
	// the last success (FailingSince: the first of them). A success
	// resets both.
	Failures     int       `json:"failures"`
	FailingSince time.Time `json:"failing_since,omitzero"`
	LastSuccess  time.Time `json:"last_success,omitzero"`
	LastFailure  time.Time `json:"last_failure,omitzero"`
	Version      int64     `json:"version"`
}

// Wants reports whether the endpoint is enabled and subscribed to event.
func (w *Webhook) Wants(event string) bool {
	return w.State == WebhookEnabled && slices.Contains(w.Events, event)
}

// States of a webhook delivery.
const (
	DeliveryPending   = "pending"   // not yet delivered; NextAttempt says when it is tried
	DeliverySucceeded = "succeeded" // the endpoint answered 2xx
	DeliveryFailed    = "failed"    // given up (retries exhausted, endpoint gone or disabled)
)

// WebhookDelivery is one message to one endpoint (one notification, or a
// test event) and the state of its attempts: the delivery log of the
// endpoint. Its ID is also the message's webhook-id ("msg_" + ID), the same
// on every retry.
type WebhookDelivery struct {
	ID      string `json:"id"`
	Site    string `json:"site"`
	Webhook string `json:"webhook"`
	Event   string `json:"event"`
	// Notification is the outbox record's ID (empty for a test event);
	// Entry, Slug, Lang and EntryVersion name what it is about.
	Notification string    `json:"notification,omitempty"`
	Entry        string    `json:"entry,omitempty"`
	Slug         string    `json:"slug,omitempty"`
	Lang         string    `json:"lang,omitempty"`
	EntryVersion int64     `json:"entry_version,omitempty"`
	EventAt      time.Time `json:"event_at"` // the payload's timestamp
	Status       string    `json:"status"`   // DeliveryPending, DeliverySucceeded or DeliveryFailed
	Attempts     int       `json:"attempts"`
	// The last attempt: when, the HTTP status answered (0: none), how
	// long it took, and what went wrong.
	LastAttempt  time.Time `json:"last_attempt,omitzero"`
	ResponseCode int       `json:"response_code,omitempty"`
	DurationMS   int64     `json:"duration_ms"`
	Error        string    `json:"error,omitempty"`
	// NextAttempt is when a pending delivery is tried next.
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	CreatedAt   time.Time `json:"created_at"`
	ExpiresAt   time.Time `json:"expires_at"` // the log forgets it then
	Version     int64     `json:"version"`
}

// WebhookDeliveryQuery selects the deliveries of one endpoint, newest
// first. Paging follows the rules of ListEntries.
type WebhookDeliveryQuery struct {
	Site    string
	Webhook string
	Limit   int    // 1..MaxPageSize; 0 means 20
	After   string // Next of the previous page
}

// WebhookDeliveryPage is one page of deliveries.
type WebhookDeliveryPage struct {
	Items []*WebhookDelivery
	Next  string
}

// NewWebhookSecret returns a new signing secret: WebhookSecretPrefix and
// the base64 of 32 random bytes.
func NewWebhookSecret() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error()) // never happens on supported platforms
	}
	return WebhookSecretPrefix + base64.StdEncoding.EncodeToString(b[:])
}

// WebhookDeliveryID returns the ID of the delivery of notification to
// endpoint webhook: the same for the same pair, so that a notification
// delivered twice (the notifier delivers at least once) claims one
// delivery, and its retries carry one webhook-id. It is a ULID whose time
// is created (the notification's), so the log sorts by it.
func WebhookDeliveryID(created time.Time, notification, webhook string) string {
	sum := sha256.Sum256([]byte(notification + "\x00" + webhook))
	if _, ok := idTime(created); !ok {
		panic("centre: notification time out of the ULID range: " + created.String())
	}
	return derivedID(created, &sum)
}

// WebhookInput asks for a new endpoint.
type WebhookInput struct {
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Description string   `json:"description"`
}

// WebhookSender is what Service needs of the delivery side
// (internal/webhook implements it).
type WebhookSender interface {
	// CheckURL returns EINVALID (naming the field "url") if deliveries
	// may not go to rawURL: not https, or a host that resolves to an
	// address that is not public (private, loopback, link-local,
	// metadata …).
	CheckURL(ctx context.Context, rawURL string) error
	// SendTest sends a WebhookTestEvent to w now, records the delivery in
	// w's log and returns it (a failed attempt is a delivery with
	// DeliveryFailed, not an error). Returns the store's errors.
	SendTest(ctx context.Context, w *Webhook) (*WebhookDelivery, error)
}

// checkWebhookInput validates the shape of in (the sender checks where
// the URL leads).
func checkWebhookInput(in *WebhookInput, p *Problems) {
	in.URL = strings.TrimSpace(in.URL)
	switch u, err := url.Parse(in.URL); {
	case in.URL == "":
		p.Add("url", "is required")
	case len(in.URL) > MaxWebhookURL:
		p.Add("url", "must be at most %d characters", MaxWebhookURL)
	case err != nil || !u.IsAbs() || u.Host == "":
		p.Add("url", "must be an absolute https URL like https://hooks.example.org/infocentre")
	case u.Scheme != "https" && u.Scheme != "http": // http: refused by the sender, but for its test-only switch
		p.Add("url", "must use https")
	case u.User != nil:
		p.Add("url", "must not carry a user name or password")
	case u.Fragment != "":
		p.Add("url", "must not have a fragment")
	}
	if len(in.Events) == 0 {
		p.Add("events", "must name at least one of %s", strings.Join(WebhookEvents, ", "))
	}
	seen := map[string]bool{}
	for i, ev := range in.Events {
		if i >= len(WebhookEvents)*2 {
			p.Add("events", "names too many events")
			break
		}
		if !slices.Contains(WebhookEvents, ev) {
			p.Add("events", "%q is not an event; events are %s", clipText(ev, 40), strings.Join(WebhookEvents, ", "))
		} else if seen[ev] {
			p.Add("events", "names %q twice", ev)
		}
		seen[ev] = true
	}
	normalizeText(&in.Description)
	if len([]rune(in.Description)) > MaxWebhookDescription {
		p.Add("description", "must be at most %d characters", MaxWebhookDescription)
	}
	checkVisible(p, "description", in.Description)
}
