package centre

import "time"

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
)

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
}
