// Package storetest is the conformance suite of centre.Store. Every
// storage backend runs it unchanged:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) centre.Store {
//			s, err := Open(filepath.Join(t.TempDir(), "test.db"))
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// The suite makes about 1,500 store calls in all, most of them small, so
// that it stays fast against remote backends. Apart from the races of the
// Concurrent tests, it is deterministic.
package storetest

import (
	"sync/atomic"
	"testing"
	"time"

	"infocentre/internal/centre"
)

// Run runs every conformance test against stores made by newStore. Each
// subtest gets a fresh, empty store; newStore registers its own cleanup
// (t.Cleanup) and fails the test itself if the store cannot be made, and
// must be safe to call from parallel tests.
//
// Because each subtest owns its store (its own table or file), the
// subtests run in parallel with each other (up to go test's -parallel),
// unless opts include Sequential. Parallel subtests finish after the
// calling test function returns, so a check over the whole suite belongs
// in the caller's t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) centre.Store, opts ...Option) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	tests := []struct {
		name string
		fn   func(t *testing.T, s centre.Store)
	}{
		{"Sites/CreateGet", testSiteCreateGet},
		{"Sites/Update", testSiteUpdate},
		{"Sites/List", testListSites},
		{"Sites/Hosts", testSiteHosts},
		{"Sites/Delete", testDeleteSite},
		{"Sites/Stamp", testSiteStamp},
		{"Sites/Front", testSiteFront},
		{"Sites/PutFront", testPutSiteFront},
		{"Entries/CreateGet", testEntryCreateGet},
		{"Entries/BySlug", testEntriesBySlug},
		{"Entries/ByID", testEntriesByID},
		{"Entries/PublicBySlug", testPublicEntriesBySlug},
		{"Entries/Update", testEntryUpdate},
		{"Entries/UpdateSlug", testEntryUpdateSlug},
		{"Entries/Delete", testEntryDelete},
		{"Revisions", testRevisions},
		{"Revisions/FailedWrites", testRevisionsFailedWrites},
		{"List/Filters", testListFilters},
		{"List/Limits", testListLimits},
		{"List/Paging", testListPaging},
		{"List/PagingWhileWriting", testPagingWhileWriting},
		{"List/BadCursor", testBadCursor},
		{"List/StatusMoves", testStatusMoves},
		{"List/FieldChanges", testFieldChanges},
		{"List/Expiry", testExpiry},
		{"Due", testDueEntries},
		{"Audit/List", testAuditList},
		{"Audit/Append", testAuditAppend},
		{"Audit/PagingWhileWriting", testAuditPagingWhileWriting},
		{"Keys/CreateGet", testKeys},
		{"Keys/Revoke", testRevokeKey},
		{"Idempotency/ClaimCompleteRelease", testIdempotency},
		{"Idempotency/Expired", testIdempotencyExpired},
		{"RoundTrip/Site", testRoundTripSite},
		{"RoundTrip/Entry", testRoundTripEntry},
		{"RoundTrip/Others", testRoundTripOthers},
		{"Outbox/Recorded", testOutboxRecorded},
		{"Outbox/Claim", testOutboxClaim},
		{"Outbox/List", testOutboxList},
		{"Copies", testCopies},
		{"Times", testTimes},
		{"Concurrent/Updates", testConcurrentUpdates},
		{"Concurrent/Slugs", testConcurrentSlugs},
		{"Concurrent/Hosts", testConcurrentHosts},
		{"Concurrent/Revisions", testConcurrentRevisions},
		{"Context", testContext},
		{"Files/CreateGetDelete", testFiles},
		{"Files/Quota", testFileQuota},
		{"Files/List", testFileList},
		{"Files/Public", testFilePublic},
		{"Files/Marks", testFileMarks},
	}
	tests = append(tests, peopleTests...)
	tests = append(tests, webhookTests...)
	tests = append(tests, alertTests...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !o.sequential {
				t.Parallel()
			}
			tc.fn(t, newStore(t))
		})
	}
}

// Option changes how Run runs the suite.
type Option func(*options)

type options struct{ sequential bool }

// Sequential runs the subtests one at a time, for a backend that serves
// one request at a time anyway (moto_server under dynamotest): there,
// parallel subtests only queue up and push operations past their
// deadlines.
func Sequential() Option { return func(o *options) { o.sequential = true } }

// Base is the reference time of fixtures: a whole second, in UTC.
var Base = time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)

var seq atomic.Int64

// NextID returns a new entry or key ID that sorts after every ID NextID
// returned before, in any goroutine (a ULID whose time part grows by one
// millisecond a call, starting at Base).
func NextID() string {
	return centre.NewID(Base.Add(time.Duration(seq.Add(1)) * time.Millisecond))
}

// NewSite returns a valid active site with every field set.
func NewSite(slug string) *centre.Site {
	return &centre.Site{
		Slug:        slug,
		Title:       "Centre " + slug,
		Tagline:     "Official statements and updates",
		Description: "Statements, publications and news about the crisis.",
		Languages:   []string{"en", "fr"},
		Publisher:   "Example Association",
		Contact:     centre.Contact{Email: "press@example.org", URL: "https://example.org/contact"},
		Theme:       centre.Theme{Accent: "#0b5394", LogoURL: "https://example.org/logo.svg"},
		Hosts:       []string{slug + ".example.org"},
		Status:      centre.SiteActive,
		CreatedAt:   Base,
		UpdatedAt:   Base,
	}
}

// NewEntry returns a valid draft statement of site with a fresh ID (see
// NextID) and every content field set, body included.
func NewEntry(site, slug, lang string) *centre.Entry {
	return &centre.Entry{
		ID:        NextID(),
		Site:      site,
		Slug:      slug,
		Lang:      lang,
		BodyHTML:  "<h1>" + slug + "</h1>\n<p>The body of the statement.</p>",
		Status:    centre.StatusDraft,
		CreatedAt: Base,
		UpdatedAt: Base,
		CreatedBy: "01jzkeyid0000000000000000a",
		Content: centre.Content{
			Type:          centre.TypeStatement,
			Title:         "Statement " + slug + " (" + lang + ")",
			Summary:       "Summary of " + slug,
			Body:          "# " + slug + "\n\nThe body of the statement.",
			Tags:          []string{"health"},
			Organisations: []string{"Société Française d'Oncologie"},
			Attachments: []centre.Attachment{{
				Title: "Full text", URL: "https://example.org/" + slug + ".pdf",
				MediaType: "application/pdf", Size: 12345, Lang: lang,
			}},
		},
	}
}

// Publish sets e's status to published at time at (PublishedAt and
// UpdatedAt), as the service does.
func Publish(e *centre.Entry, at time.Time) *centre.Entry {
	e.Status = centre.StatusPublished
	e.PublishedAt = at
	e.UpdatedAt = at
	e.PublishAt = time.Time{}
	return e
}

// NewKey returns a key of site with role, a fresh ID and a random hash.
// Keys made later have later CreatedAt and higher IDs.
func NewKey(site, role string) *centre.Key {
	n := seq.Add(1)
	at := Base.Add(time.Duration(n) * time.Millisecond)
	_, hash := centre.NewKeySecret()
	return &centre.Key{
		ID:        centre.NewID(at),
		Site:      site,
		Role:      role,
		Name:      "key " + role,
		Hash:      hash,
		CreatedAt: at,
		CreatedBy: "01jzkeyid0000000000000000a",
		ExpiresAt: at.Add(90 * 24 * time.Hour),
	}
}

// NewAuditEvent returns an audit event of site at time at, with an ID of
// that time and every field set.
func NewAuditEvent(site string, at time.Time) *centre.AuditEvent {
	return &centre.AuditEvent{
		ID:        centre.NewID(at),
		Site:      site,
		At:        at,
		KeyID:     "01jzkeyid0000000000000000a",
		Role:      centre.RoleEditor,
		Action:    "entry.update",
		Target:    "01jzentry00000000000000000",
		RequestID: "req-1",
		Outcome:   200,
		Detail:    "updated",
	}
}
