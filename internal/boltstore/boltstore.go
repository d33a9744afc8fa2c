// Package boltstore is the embedded centre.Store: one bbolt file, for local
// runs and small deployments. It behaves like the DynamoDB store: the same
// ordering, keyset cursors, conditional writes and errors (both pass
// internal/storetest).
//
// Every write happens in one bbolt transaction together with the secondary
// indexes it touches (slug reservations, listing indexes, the due list), so
// nothing is ever half-written.
package boltstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"infocentre/internal/centre"
)

// FileName is the name of the data file when Open is given a directory.
const FileName = "infocentre.db"

// ErrLocked is returned (wrapped) by Open when another process holds the
// data file, typically a running `infocentre serve`.
var ErrLocked = errors.New("the data file is in use by another process")

// openTimeout is how long Open waits for the file lock.
var openTimeout = 2 * time.Second

// schemaVersion is the version of the storage format, kept in the meta
// bucket.
const schemaVersion = 1

// Buckets.
var (
	bMeta         = []byte("meta")
	bSites        = []byte("sites")        // slug -> siteRec
	bEntries      = []byte("entries")      // (site) id -> entryRec
	bBodies       = []byte("bodies")       // (site) id -> bodyRec
	bSlugs        = []byte("slugs")        // (site, slug) lang -> id
	bLists        = []byte("lists")        // (view, site, dim, value) sortkey -> id
	bDue          = []byte("due")          // timeKey(PublishAt) (site) id -> ""
	bKeys         = []byte("keys")         // (site) id -> keyRec
	bKeyHash      = []byte("keyhashes")    // hash -> (site) id
	bKeyIDs       = []byte("keyids")       // id -> (site) id
	bIdem         = []byte("idem")         // (scope) key -> idemRec
	bIdemExp      = []byte("idemexp")      // timeKey(ExpiresAt) (scope) key -> ""
	bHosts        = []byte("hosts")        // lowercase host name -> site slug
	bRevs         = []byte("revisions")    // (site, id) uint64(version) -> revRec
	bAudit        = []byte("audit")        // (site) timeKey(At) id -> auditRec
	bAuditIDs     = []byte("auditids")     // (site) id -> timeKey(At)
	bPeople       = []byte("people")       // id -> personRec
	bEmails       = []byte("emails")       // email -> person id
	bPeopleSite   = []byte("peoplesite")   // (site) timeKey(CreatedAt) id -> person id
	bSessions     = []byte("sessions")     // token hash -> sessionRec
	bSessionExp   = []byte("sessionexp")   // timeKey(ExpiresAt) hash -> ""
	bChallenges   = []byte("challenges")   // token hash -> challengeRec
	bChallengeExp = []byte("challengeexp") // timeKey(ExpiresAt) hash -> ""
	bFiles        = []byte("files")        // (site) id -> centre.File
	bFileHash     = []byte("filehashes")   // (site) sha256 -> id
	bFileUse      = []byte("fileusage")    // site -> centre.FileUsage
	bOutbox       = []byte("outbox")       // (site) id -> centre.OutboxRecord
	bOutboxDue    = []byte("outboxdue")    // timeKey(NextAt) (site) id -> "" (pending records)
	bFronts       = []byte("fronts")       // site -> centre.SiteFront (JSON)
	allBucket     = [][]byte{bMeta, bSites, bEntries, bBodies, bSlugs, bLists, bDue, bKeys, bKeyHash, bKeyIDs, bIdem, bIdemExp,
		bHosts, bRevs, bAudit, bAuditIDs, bPeople, bEmails, bPeopleSite, bSessions, bSessionExp, bChallenges, bChallengeExp,
		bFiles, bFileHash, bFileUse, bOutbox, bOutboxDue, bFronts}
)

// Store is a centre.Store on a bbolt file. It is safe for concurrent use.
type Store struct {
	db  *bolt.DB
	now func() time.Time
}

var _ centre.Store = (*Store)(nil)

// Open opens (creating if needed) the store in the file at path. If path
// is a directory, the file is FileName inside it; missing parent
// directories are created. If another process holds the file, Open gives
// up after a short wait with an error wrapping ErrLocked.
func Open(path string) (*Store, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, FileName)
	} else if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("boltstore: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: openTimeout})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("boltstore: %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		claimHosts := tx.Bucket(bSites) != nil && tx.Bucket(bHosts) == nil
		indexKeys := tx.Bucket(bKeys) != nil && tx.Bucket(bKeyIDs) == nil
		for _, name := range slices.Concat(allBucket, hookBkts) {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bMeta)
		if v := meta.Get([]byte("schema")); v != nil {
			var n int
			if err := json.Unmarshal(v, &n); err != nil || n != schemaVersion {
				return fmt.Errorf("unsupported storage format %q (want %d)", v, schemaVersion)
			}
			if claimHosts {
				if err := claimExistingHosts(tx); err != nil {
					return err
				}
			}
			if indexKeys {
				return indexExistingKeys(tx)
			}
			return nil
		}
		return meta.Put([]byte("schema"), fmt.Appendf(nil, "%d", schemaVersion))
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("boltstore: %s: %w", path, err)
	}
	return &Store{db: db, now: time.Now}, nil
}

// Path returns the path of the data file.
func (s *Store) Path() string { return s.db.Path() }

// Close releases the file.
func (s *Store) Close() error { return s.db.Close() }

// Bulk runs fill, whose writes are not flushed to disk one by one, then
// flushes them all at once: a fast way to fill a store (benchmarks, tests,
// seeding). A crash during fill may lose its writes. Other writers must
// not run meanwhile. Returns fill's error, or the flush's.
func (s *Store) Bulk(fill func() error) error {
	s.db.NoSync = true
	defer func() { s.db.NoSync = false }()
	if err := fill(); err != nil {
		return err
	}
	return s.db.Sync()
}

// view runs fn in a read transaction after checking ctx.
func (s *Store) view(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(fn)
}

// update runs fn in a write transaction, which is rolled back if fn fails
// or ctx is done by the time fn returns.
func (s *Store) update(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return ctx.Err()
	})
}

// errDangling reports an index entry without its record: a bug or a
// damaged file.
var errDangling = errors.New("boltstore: index entry without its record")

func put(b *bolt.Bucket, k []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("boltstore: encode: %w", err)
	}
	return b.Put(k, data)
}

func decode(data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("boltstore: decode: %w", err)
	}
	return nil
}
