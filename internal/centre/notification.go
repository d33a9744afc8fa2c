package centre

import (
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"time"
)

// Kinds of Notification, named as the webhook events that carry them.
const (
	// NotifyPublished: an entry became public (published now, or a
	// scheduled entry whose publish_at has come).
	NotifyPublished = "entry.published"
	// NotifyUpdated: a major change to a public entry, with its public
	// change note. Minor changes notify nobody.
	NotifyUpdated = "entry.updated"
	// NotifyWithdrawn: a public entry was withdrawn, with its reason and
	// what supersedes it.
	NotifyWithdrawn = "entry.withdrawn"
	// NotifyConfirm: a confirmation email to send to the address of a
	// pending subscription (Email, Scope; no entry), recorded with the
	// subscription (Store.CreateSubscription, UpdateSubscription). Only
	// the email channel takes it; staff do not see it (Notifications).
	NotifyConfirm = "subscription.confirm"
)

// AboutEntry reports whether kind is the kind of an entry's public change
// (published, updated, withdrawn), which every channel takes.
func AboutEntry(kind string) bool {
	return kind == NotifyPublished || kind == NotifyUpdated || kind == NotifyWithdrawn
}

// Notification is one record of the outbox: a public change that must
// reach people outside infocentre (email subscribers, webhook endpoints,
// the WebSub hub). The writer of the change records it in the same store
// transaction as the change itself, and the notifier delivers it at least
// once, never before Due, idempotently per recipient.
type Notification struct {
	ID      string    `json:"id"` // stable: the same change always gets the same id
	Site    string    `json:"site"`
	Entry   string    `json:"entry"` // entry id
	Slug    string    `json:"slug"`
	Lang    string    `json:"lang"`
	Kind    string    `json:"kind"`    // NotifyPublished, NotifyUpdated or NotifyWithdrawn
	Version int64     `json:"version"` // the entry version the change made
	Due     time.Time `json:"due"`     // when the change is public; nothing is sent before
	Created time.Time `json:"created"`
	// Email and Scope name the subscription a NotifyConfirm is about
	// (empty for the other kinds).
	Email string `json:"email,omitempty"`
	Scope string `json:"scope,omitempty"`
}

// Announce sets the notification that the next Store.CreateEntry or
// Store.UpdateEntry of e records in the outbox, in the same atomic write as
// the entry (nil: none). The store clears it once the write succeeded.
func (e *Entry) Announce(n *Notification) { e.announce = n }

// Announcement returns the notification the next write of e records, or
// nil.
func (e *Entry) Announcement() *Notification { return e.announce }

// NotificationID returns the stable id of the notification of the change
// that makes version of entry id in site, made at: a ULID (see NewID) of
// at whose random part is derived from (site, id, version, kind), so that
// the same write, retried, names the same record. Two writes can never
// make the same version of an entry (they are conditional on the version
// before), so no two changes share an id.
func NotificationID(site, id string, version int64, kind string, at time.Time) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%d\x00%s", site, id, version, kind))
	return derivedID(at, &sum)
}

// announcement returns the notification of kind for the write of e that
// is about to be stored (as version e.Version+1, or 1 for a new entry),
// due at due.
func announcement(e *Entry, kind string, due time.Time, created bool) *Notification {
	v := e.Version + 1
	if created {
		v = 1
	}
	at := e.LastChange.At
	if at.IsZero() {
		at = due
	}
	return &Notification{
		ID: NotificationID(e.Site, e.ID, v, kind, at), Site: e.Site, Entry: e.ID, Slug: e.Slug, Lang: e.Lang,
		Kind: kind, Version: v, Due: due, Created: at,
	}
}

// Outbox states of an OutboxRecord.
const (
	// OutboxPending: still to be delivered (at NextAt, or when the lease
	// of the worker that took it ends).
	OutboxPending = "pending"
	// OutboxDone: every channel delivered it, or it announced nothing any
	// more (its entry changed state before it was due) — see LastError.
	OutboxDone = "done"
	// OutboxDead: a channel failed MaxAttempts times; kept for staff to
	// see (ListNotifications), never retried on its own.
	OutboxDead = "dead"
)

// How long the records of what was sent are kept, by both stores
// (DynamoDB's TTL; the embedded store's Store.ExpireRecords).
const (
	// OutboxRetention: a done outbox record, after it settled (Updated).
	OutboxRetention = 90 * 24 * time.Hour
	// ConfirmRetention: a done confirmation email's record (it names
	// the visitor's address).
	ConfirmRetention = 7 * 24 * time.Hour
	// ClaimRetention: a delivery claim (Delivery.At), which keeps a
	// retried notification from mailing an address twice.
	ClaimRetention = 90 * 24 * time.Hour
	// ToldRetention: that an address was told of an entry (the last
	// Delivery.At), so that a withdrawal reaches it.
	ToldRetention = 400 * 24 * time.Hour
)

// Retention returns how long r is kept once done (Updated + this).
func (r *OutboxRecord) Retention() time.Duration {
	if r.Kind == NotifyConfirm {
		return ConfirmRetention
	}
	return OutboxRetention
}

// OutboxStates lists the states in the order staff see them.
var OutboxStates = []string{OutboxPending, OutboxDone, OutboxDead}

// OutboxRecord is a Notification in the outbox with its delivery state.
// Only the notifier changes it after the write that created it.
type OutboxRecord struct {
	Notification
	State    string `json:"state"`
	Attempts int    `json:"attempts"` // deliveries tried and failed
	// NextAt is when a pending record is next taken: Due at first, then
	// the time of its retry, or the end of the lease of the worker that
	// took it (ClaimNotifications).
	NextAt time.Time `json:"next_at,omitzero"`
	// Channels lists the channels (Channel.Name) that delivered it, so a
	// retry does not run them again.
	Channels  []string  `json:"channels,omitempty"`
	LastError string    `json:"last_error,omitempty"` // why the last attempt failed (or was skipped)
	Claim     string    `json:"claim,omitempty"`      // the lease token of the worker that took it last
	Updated   time.Time `json:"updated,omitzero"`
}

// Delivered reports whether channel delivered r.
func (r *OutboxRecord) Delivered(channel string) bool { return slices.Contains(r.Channels, channel) }

// NotificationQuery selects one page of a site's outbox records, newest
// first; State ("" for any) narrows it.
type NotificationQuery struct {
	Site  string
	State string
	Limit int    // 1..MaxPageSize; 0 means 20
	After string // Next of the previous page
}

// NotificationPage is one page of outbox records. A page may hold fewer
// than Limit items even when Next is set.
type NotificationPage struct {
	Items []*OutboxRecord
	Next  string
}

// Notifications returns one page of a site's outbox records, newest first,
// in q.State if set (pending, done or dead): what left, what waits for a
// retry and what failed for good, with the channels that delivered each.
// Only the records of entries' changes are listed (a confirmation email's
// names a visitor's address), so a page may hold fewer than q.Limit.
// Publishers may. Returns EINVALID (state), ENOTFOUND, EFORBIDDEN.
func (s *Service) Notifications(ctx context.Context, p Principal, q NotificationQuery) (NotificationPage, error) {
	if err := require(p, q.Site, RolePublisher); err != nil {
		return NotificationPage{}, err
	}
	if q.State != "" && !slices.Contains(OutboxStates, q.State) {
		return NotificationPage{}, &Error{Code: EINVALID, Message: "invalid fields: state",
			Fields: []FieldError{{Field: "state", Reason: "must be pending, done or dead"}}}
	}
	if _, err := s.Site(ctx, q.Site); err != nil {
		return NotificationPage{}, err
	}
	page, err := s.Store.ListNotifications(ctx, q)
	if err != nil {
		return NotificationPage{}, err
	}
	out := page.Items[:0]
	for _, r := range page.Items {
		if AboutEntry(r.Kind) {
			out = append(out, r)
		}
	}
	page.Items = out
	return page, nil
}
