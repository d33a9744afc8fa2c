package centre

import (
	"context"
	"net/mail"
	"strings"
	"time"
)

// Email alerts for visitors: a Subscription asks for email about a site's
// new public entries, their major changes and withdrawals, for one scope
// (the whole site, a type, a tag, an organisation or one entry),
// immediately or in a daily digest. internal/alerts holds the rules (double
// opt-in, links, sending); the types and the store contract live here so
// that both stores and the conformance suite share them.

// States of a Subscription.
const (
	// SubPending: asked for, the confirmation email sent; nothing else is
	// sent to the address until it is confirmed. It lapses at ExpiresAt.
	SubPending = "pending"
	// SubConfirmed: the address owner followed the confirmation link.
	SubConfirmed = "confirmed"
)

// An address whose mail bounced for good or that complained is on the
// suppression list (AlertStore.SuppressEmail), apart from its
// subscriptions, which keep their state: nothing is sent to it, on any
// site, until an admin takes it off (Service.UnsuppressSubscriber).

// Frequencies of a Subscription.
const (
	FreqImmediate = "immediate"
	FreqDaily     = "daily"
)

// Limits of the subscription store.
const (
	// MaxSubscriptions is the most subscriptions an address may hold on
	// one site (Subscriptions returns at most this many).
	MaxSubscriptions = 50
	// MaxSubscriberPage is the largest page Subscribers, ListSubscriptions,
	// Told and DueDigests return.
	MaxSubscriberPage = 1000
	// MaxClaimBatch is the most addresses one ClaimDeliveries, AddDigest,
	// DeleteDigests or Suppressed call takes.
	MaxClaimBatch = 100
)

// Subscription is one address's subscription to one scope of a site. Its
// identity is (Site, Email, Scope).
type Subscription struct {
	Site      string `json:"site"`
	Email     string `json:"email"` // NormalizeEmail form
	Scope     string `json:"scope"` // see ParseScope
	Frequency string `json:"frequency"`
	Lang      string `json:"lang"` // the language of the page it was made on
	State     string `json:"state"`
	// TokenHash is HashToken of the confirmation token while pending.
	TokenHash   string    `json:"-"`
	Created     time.Time `json:"created"`
	ConfirmedAt time.Time `json:"confirmed_at,omitzero"`
	// ExpiresAt is when a pending subscription lapses (zero once
	// confirmed); the store may keep it until the backend deletes it.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// SentAt is when a confirmation email was last asked for (the
	// request that made the subscription, or a re-send) while pending.
	SentAt  time.Time `json:"sent_at,omitzero"`
	Version int64     `json:"version"`

	announce *Notification
}

// Announce sets the notification (a NotifyConfirm) that the next
// Store.CreateSubscription or Store.UpdateSubscription of s records in the
// outbox, in the same atomic write as the subscription (nil: none). The
// store clears it once the write succeeded.
func (s *Subscription) Announce(n *Notification) { s.announce = n }

// Announcement returns the notification the next write of s records, or
// nil.
func (s *Subscription) Announcement() *Notification { return s.announce }

// Lapsed reports whether s is a pending subscription past its ExpiresAt.
func (s *Subscription) Lapsed(now time.Time) bool {
	return s.State == SubPending && !s.ExpiresAt.IsZero() && !now.Before(s.ExpiresAt)
}

// SubscriberQuery selects the confirmed subscribers of one scope of a site
// with one frequency, ordered by Email.
type SubscriberQuery struct {
	Site, Scope, Frequency string
	Limit                  int    // 1..MaxSubscriberPage; 0 means MaxSubscriberPage
	After                  string // Next of the previous page
}

// SubscriptionPage is one page of subscriptions.
type SubscriptionPage struct {
	Items []*Subscription
	Next  string
}

// Delivery names one recipient of one notification: ClaimDeliveries
// records it before the message is sent, so that a retried notification
// never mails an address twice, and remembers that the address was told of
// the entry (Told), so that a withdrawal reaches it.
type Delivery struct {
	Notification string // Notification.ID, or a digest's id
	Site, Entry  string // Entry may be empty (a digest): then nothing is told
	Email        string
	At           time.Time
}

// DigestItem is one notification waiting in an address's daily digest.
type DigestItem struct {
	Site         string    `json:"site"`
	Email        string    `json:"email"`
	Due          time.Time `json:"due"` // when the digest holding it is sent
	Notification string    `json:"notification"`
	Entry        string    `json:"entry"`
	Slug         string    `json:"slug"`
	Lang         string    `json:"lang"`
	Kind         string    `json:"kind"`
	Created      time.Time `json:"created"`
}

// AlertStore is the part of Store that keeps email alerts (both stores;
// internal/storetest alerts.go). Subscriptions, deliveries, digests and
// the suppression list are kept apart from entries: no method here changes
// an entry or its change stamp.
type AlertStore interface {
	// CreateSubscription stores s as a pending subscription with Version
	// 1, and its announcement (Subscription.Announce) as a pending outbox
	// record in the same atomic write. Returns ECONFLICT if the address holds another pending
	// subscription on the site that has not lapsed at s.Created (one
	// pending confirmation per address and site), or a subscription to the
	// same scope that is not a lapsed pending one (which it replaces).
	CreateSubscription(ctx context.Context, s *Subscription) error
	// Subscriptions returns the subscriptions of an address on a site
	// (lapsed pending ones included), ordered by Scope, at most
	// MaxSubscriptions.
	Subscriptions(ctx context.Context, site, email string) ([]*Subscription, error)
	// UpdateSubscription replaces a subscription (see the version rule),
	// with its announcement as for CreateSubscription. Returns ENOTFOUND,
	// EPRECONDITION, or ECONFLICT if the announcement's record exists.
	UpdateSubscription(ctx context.Context, s *Subscription) error
	// DeleteSubscription removes a subscription. Returns ENOTFOUND.
	DeleteSubscription(ctx context.Context, site, email, scope string) error
	// Subscribers returns one page of the confirmed subscriptions that q
	// selects. Paging never skips or repeats one that matched throughout.
	Subscribers(ctx context.Context, q SubscriberQuery) (SubscriptionPage, error)
	// ListSubscriptions returns one page of every subscription of a site,
	// in every state, ordered by (Email, Scope); limit as in
	// SubscriberQuery.
	ListSubscriptions(ctx context.Context, site, after string, limit int) (SubscriptionPage, error)
	// ExpireSubscriptions deletes up to limit pending subscriptions that
	// lapsed at now and returns how many it deleted. A backend that
	// expires records itself (DynamoDB's TTL) may delete none.
	ExpireSubscriptions(ctx context.Context, now time.Time, limit int) (int, error)

	// ClaimDeliveries records each of ds (at most MaxClaimBatch) that was
	// not claimed before — (Notification, Email) — together with its Told
	// record, and returns the emails it claimed, in the order of ds.
	ClaimDeliveries(ctx context.Context, ds []Delivery) ([]string, error)
	// ReleaseDelivery forgets a claim whose message could not be sent, so
	// that a retry sends it (the Told record stays). Releasing a missing
	// claim is no error.
	ReleaseDelivery(ctx context.Context, notification, email string) error
	// Told returns one page of the addresses told of an entry of site,
	// ordered by email; limit as in SubscriberQuery.
	Told(ctx context.Context, site, entry, after string, limit int) ([]string, string, error)

	// AddDigest stores items (at most MaxClaimBatch); storing an item
	// again — same Site, Due, Email, Notification — changes nothing.
	AddDigest(ctx context.Context, items []*DigestItem) error
	// DueDigests returns one page of a site's digest items due at now,
	// ordered by (Due, Email, Notification); limit as in SubscriberQuery.
	DueDigests(ctx context.Context, site string, now time.Time, after string, limit int) ([]*DigestItem, string, error)
	// DeleteDigests removes items (at most MaxClaimBatch); missing ones
	// are no error.
	DeleteDigests(ctx context.Context, items []*DigestItem) error

	// SuppressEmail puts an address on the suppression list (a bounce or
	// a complaint): nothing more is sent to it, on any site.
	SuppressEmail(ctx context.Context, email, reason string, at time.Time) error
	// Suppressed returns which of emails (at most MaxClaimBatch) are on the
	// suppression list.
	Suppressed(ctx context.Context, emails []string) (map[string]bool, error)
	// UnsuppressEmail takes an address off the suppression list. Returns
	// ENOTFOUND if it is not on it.
	UnsuppressEmail(ctx context.Context, email string) error

	// TakeQuota counts one request against key (1..MaxQuotaKey bytes) in
	// the fixed window of length window that holds now (windows start at
	// now.Truncate(window), UTC), unless max (≥ 1) requests were counted
	// in it already: it reports whether the request was counted. Every
	// process sharing the store shares the counts (an atomic conditional
	// write); a window's count is forgotten after it ends (DynamoDB's TTL;
	// the embedded store replaces it with the next window's). Returns
	// EINVALID.
	TakeQuota(ctx context.Context, key string, window time.Duration, max int, now time.Time) (bool, error)
}

// MaxQuotaKey bounds the keys of TakeQuota, in bytes.
const MaxQuotaKey = 300

// CheckQuota returns EINVALID unless TakeQuota's arguments are valid.
func CheckQuota(key string, window time.Duration, max int) error {
	if key == "" || len(key) > MaxQuotaKey || window < time.Second || max < 1 {
		return Errorf(EINVALID, "quota: a key of 1 to %d bytes, a window of a second or more and a max of 1 or more", MaxQuotaKey)
	}
	return nil
}

// Scope kinds: a subscription's scope is "site" or "<kind>:<value>".
const (
	ScopeSite         = "site"
	ScopeType         = "type"
	ScopeTag          = "tag"
	ScopeOrganisation = "organisation"
	ScopeEntry        = "entry"
)

// ParseScope returns the canonical form of a scope — "site", "type:<type>",
// "tag:<tag>", "organisation:<organisation key>" or "entry:<slug>" — or
// EINVALID naming what is wrong. Tags and organisations are keyed as the
// public lists key them (OrgKey for organisations).
func ParseScope(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == ScopeSite {
		return s, nil
	}
	kind, value, ok := strings.Cut(s, ":")
	value = strings.TrimSpace(value)
	if !ok || value == "" {
		return "", Errorf(EINVALID, "scope must be site, type:<type>, tag:<tag>, organisation:<name> or entry:<slug>")
	}
	switch kind {
	case ScopeType:
		if !ValidType(value) {
			return "", Errorf(EINVALID, "scope: unknown type %q (one of %s)", value, strings.Join(Types, ", "))
		}
	case ScopeTag:
		value = strings.ToLower(value)
	case ScopeOrganisation:
		value = OrgKey(value)
	case ScopeEntry:
		if Slugify(value) != value {
			return "", Errorf(EINVALID, "scope: %q is not an entry slug", value)
		}
	default:
		return "", Errorf(EINVALID, "scope must be site, type:<type>, tag:<tag>, organisation:<name> or entry:<slug>")
	}
	if value == "" || len(value) > 200 || strings.ContainsAny(value, "#\x00") {
		return "", Errorf(EINVALID, "scope: %q is not a valid value", value)
	}
	return kind + ":" + value, nil
}

// Scopes returns the scopes whose subscribers hear of e: the site, its
// type, each tag, each organisation and the entry itself.
func Scopes(e *Entry) []string {
	out := []string{ScopeSite, ScopeType + ":" + e.Type, ScopeEntry + ":" + e.Slug}
	seen := map[string]bool{}
	for _, t := range e.Tags {
		if k := ScopeTag + ":" + strings.ToLower(t); !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	for _, o := range e.Organisations {
		if k := ScopeOrganisation + ":" + OrgKey(o); !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// MaxEmailLen bounds a subscriber's address (RFC 5321's path limit).
const MaxEmailLen = 254

// ParseSubscriberEmail returns the NormalizeEmail form of a bare address
// (no display name), or EINVALID.
func ParseSubscriberEmail(s string) (string, error) {
	s = NormalizeEmail(s)
	if s == "" {
		return "", Errorf(EINVALID, "email is required")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > MaxEmailLen || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") ||
		strings.ContainsAny(s, "#!\"\r\n\x00 ") {
		return "", Errorf(EINVALID, "email: %q is not an email address", s)
	}
	return s, nil
}
