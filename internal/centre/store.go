package centre

import (
	"context"
	"time"
)

// Store persists sites, entries, keys and idempotency records. It enforces
// uniqueness and optimistic locking; it does not enforce business rules
// (validation, permissions, state transitions), which belong to Service.
//
// Every implementation must pass internal/storetest. Common contract:
//   - Methods honour ctx: a cancelled or expired ctx makes them return an
//     error wrapping ctx.Err() and write nothing.
//   - A method that fails writes nothing (no half-written state).
//   - Returned values are copies: mutating them never changes stored data.
//   - Times come back in UTC with at least millisecond precision.
//   - Versions: Create* stores Version 1. Update* takes the value as the caller
//     read it (with the Version read), stores it with Version+1 only if the
//     stored version still equals the Version read, and sets the new Version
//     on the value passed in. Otherwise it returns EPRECONDITION.
type Store interface {
	// CreateSite stores a new site. Returns ECONFLICT if the slug is taken.
	CreateSite(ctx context.Context, s *Site) error
	// GetSite returns the site with that slug, or ENOTFOUND.
	GetSite(ctx context.Context, slug string) (*Site, error)
	// UpdateSite replaces a site (see the version rule above). Returns
	// ENOTFOUND if it does not exist, EPRECONDITION on a version mismatch.
	UpdateSite(ctx context.Context, s *Site) error
	// ListSites returns every site ordered by slug.
	ListSites(ctx context.Context) ([]*Site, error)
	// SiteByHost returns the site that claims host name host (compared in
	// lowercase), or ENOTFOUND. CreateSite and UpdateSite claim a site's
	// Hosts atomically with the site: they return ECONFLICT if another site
	// holds one of them, and UpdateSite releases the hosts a site dropped.
	SiteByHost(ctx context.Context, host string) (*Site, error)
	// DeleteSite removes a site record and its host claims if its stored
	// version equals version (it does not remove entries, keys or audit
	// events). Returns ENOTFOUND or EPRECONDITION. Only used to undo a
	// failed import.
	DeleteSite(ctx context.Context, slug string, version int64) error
	// SiteStamp returns the change stamp of a site: a value that changes
	// with every write the public can see (the site record, and each entry
	// that is or ever was public), read consistently, in one request. Equal
	// stamps mean nothing public changed in between. It carries the
	// site's front (SiteFront), which CreateSite starts empty and every
	// write of an entry changes (SiteFront.Apply) atomically with the
	// entry. Returns ENOTFOUND for an unknown site.
	SiteStamp(ctx context.Context, slug string) (SiteStamp, error)
	// PutSiteFront stores front as the site's front if the site's change
	// stamp still has the value stamp (SiteStamp.Value, read before front
	// was built from the site's entries; the front a store keeps is
	// otherwise only changed by entry writes): it gives a site created
	// before fronts were kept its front (Service.RebuildFront). Returns
	// ENOTFOUND for an unknown site, EPRECONDITION if the stamp has moved
	// (an entry was written meanwhile: build again).
	PutSiteFront(ctx context.Context, slug string, front *SiteFront, stamp string) error

	// CreateEntry stores a new entry. Returns ECONFLICT if its ID exists or
	// another entry of the site has the same (Lang, Slug).
	//
	// CreateEntry and UpdateEntry make the files of the entry's FileMarks
	// public (PublicSince = At, PublicEntry = the entry's ID; a file public
	// already keeps its own) in the same atomic write as the entry, and
	// clear the marks on the value passed in once stored. A marked file
	// that no longer exists fails the write as a whole (ECONFLICT).
	CreateEntry(ctx context.Context, e *Entry) error
	// GetEntry returns the entry with that ID in site, or ENOTFOUND.
	GetEntry(ctx context.Context, site, id string) (*Entry, error)
	// EntriesBySlug returns every language version of the site's entries
	// with that slug, in any status, ordered by Lang. Returns ENOTFOUND if
	// there is none. It costs one read on every backend.
	EntriesBySlug(ctx context.Context, site, slug string) ([]*Entry, error)
	// PublicEntriesBySlug returns the language versions of the site's
	// entries with that slug that are public or were once (EverPublic),
	// ordered by Lang: what the public side reads, never a version that
	// was never public (a draft translation). Returns ENOTFOUND if there
	// is none. One read on every backend.
	PublicEntriesBySlug(ctx context.Context, site, slug string) ([]*Entry, error)
	// UpdateEntry replaces an entry (see the version rule above), moving its
	// slug reservation and list positions as needed. Returns ENOTFOUND,
	// EPRECONDITION, or ECONFLICT if the new (Lang, Slug) is taken.
	UpdateEntry(ctx context.Context, e *Entry) error
	// DeleteEntry removes an entry and frees its slug if its stored version
	// equals version. Returns ENOTFOUND or EPRECONDITION.
	DeleteEntry(ctx context.Context, site, id string, version int64) error
	// ListEntries returns one page of entries matching q. See EntryQuery.
	ListEntries(ctx context.Context, q EntryQuery) (EntryPage, error)
	// EntriesByID returns the site's entries with those IDs (at most
	// MaxPageSize), as listings return them (without Body or BodyHTML), in
	// the order of ids; an unknown ID is left out. One read on every
	// backend. Returns EINVALID for more than MaxPageSize IDs.
	EntriesByID(ctx context.Context, site string, ids []string) ([]*Entry, error)
	// DueEntries returns up to limit scheduled entries of any site whose
	// PublishAt is at or before now, oldest PublishAt first.
	DueEntries(ctx context.Context, now time.Time, limit int) ([]*Entry, error)

	// Revisions: CreateEntry and UpdateEntry keep a full copy of the entry
	// as stored (Body and LastChange included) as its revision number
	// Version, in the same atomic write. DeleteEntry keeps them.

	// Revisions returns up to limit revisions of an entry with a version
	// greater than after, oldest first (an empty slice past the last).
	// Returns ENOTFOUND if the entry has no revision at all.
	Revisions(ctx context.Context, site, id string, after int64, limit int) ([]*Entry, error)
	// Revision returns revision version of an entry, or ENOTFOUND.
	Revision(ctx context.Context, site, id string, version int64) (*Entry, error)

	// AppendAudit stores an audit event. Events are never changed or
	// deleted. Returns ECONFLICT if an event with its ID exists.
	AppendAudit(ctx context.Context, ev *AuditEvent) error
	// ListAudit returns one page of a site's audit events matching q,
	// newest first. Paging follows the rules of ListEntries.
	ListAudit(ctx context.Context, q AuditQuery) (AuditPage, error)

	// CreateKey stores a new key. Returns ECONFLICT if its ID or Hash exists.
	CreateKey(ctx context.Context, k *Key) error
	// KeyByHash returns the key with that hash (revoked and expired ones
	// too), or ENOTFOUND.
	KeyByHash(ctx context.Context, hash string) (*Key, error)
	// KeyByID returns the key with that ID, whatever its site (revoked and
	// expired ones too), or ENOTFOUND. Authentication follows a key's
	// CreatedBy chain with it; it costs one read on every backend.
	KeyByID(ctx context.Context, id string) (*Key, error)
	// ListKeys returns the keys of site (AllSites for owner keys), oldest
	// first.
	ListKeys(ctx context.Context, site string) ([]*Key, error)
	// RevokeKey marks the key revoked at the given time and returns it.
	// Revoking a revoked key keeps the first time. Returns ENOTFOUND if site
	// has no key with that ID.
	RevokeKey(ctx context.Context, site, id string, at time.Time) (*Key, error)

	// CreatePerson stores a new person. Returns ECONFLICT if its ID exists
	// or another person has the same Email.
	CreatePerson(ctx context.Context, p *Person) error
	// GetPerson returns the person with that ID, or ENOTFOUND. One read.
	GetPerson(ctx context.Context, id string) (*Person, error)
	// PersonByEmail returns the person with that (normalised) email, or
	// ENOTFOUND. At most two reads.
	PersonByEmail(ctx context.Context, email string) (*Person, error)
	// ListPeople returns the people of site (AllSites for owners), oldest
	// first.
	ListPeople(ctx context.Context, site string) ([]*Person, error)
	// UpdatePerson replaces a person (see the version rule above), moving
	// the email reservation if it changed. Returns ENOTFOUND, EPRECONDITION,
	// or ECONFLICT if the new email is taken.
	UpdatePerson(ctx context.Context, p *Person) error

	// CreateSession stores a new session. Returns ECONFLICT if its Hash
	// exists.
	CreateSession(ctx context.Context, s *Session) error
	// Sessions and challenges carry their ExpiresAt; a store may return
	// one past it until the backend deletes it (DynamoDB's TTL), so
	// callers check it against their own clock (Service does).

	// GetSession returns the session with that hash, or ENOTFOUND.
	GetSession(ctx context.Context, hash string) (*Session, error)
	// TouchSession sets the session's LastSeenAt. Returns ENOTFOUND if it
	// is gone.
	TouchSession(ctx context.Context, hash string, at time.Time) error
	// DeleteSession removes a session; removing a missing one is no error.
	DeleteSession(ctx context.Context, hash string) error

	// CreateChallenge stores a ceremony's state. Returns ECONFLICT if its
	// Hash exists.
	CreateChallenge(ctx context.Context, c *Challenge) error
	// TakeChallenge removes the challenge with that hash and returns it:
	// a challenge is used at most once. Returns ENOTFOUND if there is none.
	TakeChallenge(ctx context.Context, hash string) (*Challenge, error)

	// ClaimIdempotency stores rec if no unexpired record has the same Scope
	// and Key, and returns (nil, nil). Otherwise it stores nothing and
	// returns the existing record. Records past ExpiresAt are treated as
	// absent (and may linger until the backend deletes them).
	ClaimIdempotency(ctx context.Context, rec *IdempotencyRecord) (*IdempotencyRecord, error)
	// CompleteIdempotency saves the response of a claimed record. Returns
	// ENOTFOUND if the record is gone.
	CompleteIdempotency(ctx context.Context, rec *IdempotencyRecord) error
	// ReleaseIdempotency deletes a claimed record whose request failed
	// without effect, so that the client may retry with the same key.
	ReleaseIdempotency(ctx context.Context, scope, key string) error

	// CreateFile stores a new file record if the site's files, with it,
	// take at most quota bytes (StoredBytes; quota 0: no limit), and
	// counts it in FileUsage, in one atomic write. Returns ECONFLICT if
	// its ID exists or the site has a file with the same SHA256, and
	// ETOOLARGE past the quota.
	CreateFile(ctx context.Context, f *File, quota int64) error
	// GetFile returns the file with that ID in site, or ENOTFOUND.
	GetFile(ctx context.Context, site, id string) (*File, error)
	// FileByHash returns the site's file with that SHA256, or ENOTFOUND.
	// It costs one read on every backend.
	FileByHash(ctx context.Context, site, sha256 string) (*File, error)
	// ListFiles returns one page of a site's files, newest ID first.
	// Paging follows the rules of ListEntries.
	ListFiles(ctx context.Context, q FileQuery) (FilePage, error)
	// DeleteFile removes a file record (and its hash) and uncounts it
	// from FileUsage. Returns ENOTFOUND, and ECONFLICT if the file is
	// public (PublicSince set), checked in the same atomic write.
	DeleteFile(ctx context.Context, site, id string) error
	// MarkFilePublic (for imports; entry writes use FileMarks) sets the
	// file's PublicSince to at and PublicEntry to
	// entry, unless it is public already (the first time and entry stay).
	// Returns ENOTFOUND.
	MarkFilePublic(ctx context.Context, site, id, entry string, at time.Time) error
	// FileUsage returns what a site's files take (zero for none).
	FileUsage(ctx context.Context, site string) (FileUsage, error)

	// Webhooks (internal/webhook): endpoints of a site and their delivery
	// log.

	// CreateWebhook stores a new endpoint. Returns ECONFLICT if its ID
	// exists.
	CreateWebhook(ctx context.Context, w *Webhook) error
	// GetWebhook returns the endpoint with that ID in site, or ENOTFOUND.
	GetWebhook(ctx context.Context, site, id string) (*Webhook, error)
	// ListWebhooks returns the endpoints of site, oldest first.
	ListWebhooks(ctx context.Context, site string) ([]*Webhook, error)
	// UpdateWebhook replaces an endpoint (see the version rule above).
	// Returns ENOTFOUND, EPRECONDITION.
	UpdateWebhook(ctx context.Context, w *Webhook) error
	// DeleteWebhook removes an endpoint (its deliveries stay until they
	// expire). Returns ENOTFOUND.
	DeleteWebhook(ctx context.Context, site, id string) error
	// CreateWebhookDelivery stores a new delivery. Returns ECONFLICT if
	// the endpoint has a delivery with its ID (one delivery per
	// notification and endpoint).
	CreateWebhookDelivery(ctx context.Context, d *WebhookDelivery) error
	// UpdateWebhookDelivery replaces a delivery (see the version rule
	// above). Returns ENOTFOUND, EPRECONDITION.
	UpdateWebhookDelivery(ctx context.Context, d *WebhookDelivery) error
	// ListWebhookDeliveries returns one page of an endpoint's deliveries,
	// newest ID first. Paging follows the rules of ListEntries. Deliveries
	// carry their ExpiresAt; a store may return one past it until the
	// backend deletes it (DynamoDB's TTL).
	ListWebhookDeliveries(ctx context.Context, q WebhookDeliveryQuery) (WebhookDeliveryPage, error)
	// DueWebhookDeliveries returns up to limit pending deliveries of any
	// site whose NextAttempt is at or before now, earliest NextAttempt
	// first. A delivery leaves the list when it is no longer pending.
	DueWebhookDeliveries(ctx context.Context, now time.Time, limit int) ([]*WebhookDelivery, error)

	// ExpireRecords deletes up to limit (1..10000) records past their
	// retention at now — settled (done) outbox records (Updated +
	// OutboxRecord.Retention; dead ones stay), delivery claims
	// (ClaimRetention), who-was-told records (ToldRetention) and ended
	// TakeQuota windows — and returns how many it deleted. Each call looks
	// at no more than limit records of each kind, going on where the last
	// call stopped, so that calls made again and again (the notifier's
	// sweep) cover every record. Nothing within its retention is deleted.
	// A backend that expires records itself (DynamoDB's TTL) deletes none.
	// Returns EINVALID.
	ExpireRecords(ctx context.Context, now time.Time, limit int) (int, error)

	// --- Outbox (notifications; see notification.go) ---
	//
	// CreateEntry and UpdateEntry store the entry's Announcement, if any,
	// as a pending OutboxRecord (NextAt = Due, Updated = Created) in the
	// same atomic write as the entry, and clear it on the value passed in
	// once stored; a write that fails stores none. An id that exists
	// already is not stored again: the write fails as a whole (ECONFLICT,
	// or the error of the entry's own version condition, which a repeated
	// write meets first).

	// GetNotification returns the outbox record id of site, or ENOTFOUND.
	GetNotification(ctx context.Context, site, id string) (*OutboxRecord, error)
	// ClaimNotifications takes up to limit (1..MaxPageSize) pending
	// records of any site whose NextAt is at or before now, earliest
	// NextAt first, and leases each to the caller: its NextAt becomes
	// now+lease and its Claim a new token, so that no other caller takes
	// it before the lease ends (or after it settled), and another caller
	// takes it again if this one never settles it. Returns the records
	// as claimed. A record another caller claimed first is left out.
	ClaimNotifications(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*OutboxRecord, error)
	// ClaimNotification leases the record id of site like
	// ClaimNotifications, if it is pending and its NextAt is at or before
	// now. Returns ENOTFOUND, or ECONFLICT when it is not pending or not
	// due (or leased to another caller).
	ClaimNotification(ctx context.Context, site, id string, now time.Time, lease time.Duration) (*OutboxRecord, error)
	// NotificationDelivered adds channel to the record's Channels (once),
	// whoever holds it. Returns ENOTFOUND.
	NotificationDelivered(ctx context.Context, site, id, channel string) error
	// SettleNotification stores the outcome of a claimed record — its
	// State, Attempts, NextAt, LastError and Updated; Channels stay as
	// NotificationDelivered left them — if its stored Claim still equals
	// r.Claim. A record no longer pending leaves every due list. Returns
	// ENOTFOUND, or EPRECONDITION when another caller claimed it since.
	SettleNotification(ctx context.Context, r *OutboxRecord) error
	// ListNotifications returns one page of a site's outbox records,
	// newest ID first; paging follows the rules of ListEntries.
	ListNotifications(ctx context.Context, q NotificationQuery) (NotificationPage, error)

	// Email alerts (#18): subscriptions, deliveries, digests, suppression.
	AlertStore

	// Close releases the store's resources.
	Close() error
}

// MaxPageSize is the largest page ListEntries returns.
const MaxPageSize = 100

// EntryQuery selects entries of one site.
//
// Public queries return only public entries (published or withdrawn),
// newest PublishedAt first (ties: higher ID first). Staff queries return
// entries in every status (or only Status, if set), newest ID first.
// Type, Tag, Organisation (matched by OrgKey) and Lang narrow either kind.
//
// Public queries with a non-zero Now leave out entries that expired at Now
// (see Entry.Expired). Listed entries never carry Body or BodyHTML. A page may hold fewer than
// Limit items even when Next is set; callers page until Next is "". Paging
// with After never skips or repeats an entry that matched when paging
// started and still matches, even while entries are being added.
type EntryQuery struct {
	Site         string
	Public       bool
	Status       string
	Type         string
	Tag          string
	Organisation string
	Lang         string
	Limit        int       // 1..MaxPageSize; 0 means 20
	After        string    // Next of the previous page; "" for the first
	Now          time.Time // public queries: leave out entries expired at Now
}

// EntryPage is one page of a listing. Next is a raw store position that
// callers must not show unsealed to clients (see internal/cursor).
type EntryPage struct {
	Items []*Entry
	Next  string
}

// IdempotencyRecord remembers a staff POST made with an Idempotency-Key.
type IdempotencyRecord struct {
	Scope       string   `json:"scope"`        // the key id of the caller
	Key         string   `json:"key"`          // the Idempotency-Key header
	RequestHash string   `json:"request_hash"` // method, path and body hash
	Done        bool     `json:"done"`
	Status      int      `json:"status,omitempty"`
	Header      []string `json:"header,omitempty"` // name, value pairs to replay
	Body        []byte   `json:"body,omitempty"`
	// BodyDigest is the hex SHA-256 of a response body that was not kept
	// because it carried a secret (a key secret, a preview link): Body is
	// then empty, and a replay is refused instead of repeating it.
	BodyDigest string    `json:"body_digest,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// AuditEvent records one staff action, successful or not.
type AuditEvent struct {
	ID    string    `json:"id"`   // a NewID of At: events sort by time
	Site  string    `json:"site"` // the site acted on, or AllSites
	At    time.Time `json:"at"`
	KeyID string    `json:"key_id"`
	// PersonID is the signed-in person who acted (KeyID is then empty).
	PersonID  string `json:"person_id,omitempty"`
	Role      string `json:"role"`
	Action    string `json:"action"` // e.g. entry.publish, key.revoke
	Target    string `json:"target,omitempty"`
	RequestID string `json:"request_id,omitempty"` // made by the server
	// ClientRequestID is the X-Request-Id the client sent, sanitised and
	// cut to MaxClientRequestID characters: a correlation hint, never
	// trusted as the event's identity.
	ClientRequestID string `json:"client_request_id,omitempty"`
	// Client is the address the request came from (see the access log).
	Client  string `json:"client,omitempty"`
	Outcome int    `json:"outcome"` // the HTTP status answered
	Detail  string `json:"detail,omitempty"`
}

// MaxClientRequestID bounds AuditEvent.ClientRequestID.
const MaxClientRequestID = 64

// AuditQuery selects audit events of one site, newest first. Empty fields
// do not filter; From and To bound At (From inclusive, To exclusive).
type AuditQuery struct {
	Site   string
	Action string
	KeyID  string
	// PersonID selects the events of a signed-in person.
	PersonID string
	Target   string
	From     time.Time
	To       time.Time
	Limit    int    // 1..MaxPageSize; 0 means 20
	After    string // Next of the previous page
}

// AuditPage is one page of audit events.
type AuditPage struct {
	Items []*AuditEvent
	Next  string
}
