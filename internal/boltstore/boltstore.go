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
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
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
	allBucket     = [][]byte{bMeta, bSites, bEntries, bBodies, bSlugs, bLists, bDue, bKeys, bKeyHash, bKeyIDs, bIdem, bIdemExp,
		bHosts, bRevs, bAudit, bAuditIDs, bPeople, bEmails, bPeopleSite, bSessions, bSessionExp, bChallenges, bChallengeExp,
		bFiles, bFileHash, bFileUse}
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
		for _, name := range allBucket {
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

// ---- sites

func (s *Store) CreateSite(ctx context.Context, site *centre.Site) error {
	r := toSiteRec(site)
	r.Version = 1
	err := s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bSites)
		if b.Get([]byte(r.Slug)) != nil {
			return centre.Errorf(centre.ECONFLICT, "the site %q already exists", r.Slug)
		}
		if err := claim(tx, r.Slug, r.Hosts, nil); err != nil {
			return err
		}
		return put(b, []byte(r.Slug), r)
	})
	if err == nil {
		site.Version = 1
	}
	return err
}

func (s *Store) GetSite(ctx context.Context, slug string) (*centre.Site, error) {
	var r *siteRec
	err := s.view(ctx, func(tx *bolt.Tx) error {
		var err error
		r, err = getSite(tx, slug)
		if err == nil && r == nil {
			return centre.Errorf(centre.ENOTFOUND, "no site %q", slug)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return r.site(), nil
}

func getSite(tx *bolt.Tx, slug string) (*siteRec, error) {
	v := tx.Bucket(bSites).Get([]byte(slug))
	if v == nil {
		return nil, nil
	}
	var r siteRec
	if err := decode(v, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

func (s *Store) UpdateSite(ctx context.Context, site *centre.Site) error {
	r := toSiteRec(site)
	r.Version = site.Version + 1
	err := s.update(ctx, func(tx *bolt.Tx) error {
		old, err := getSite(tx, r.Slug)
		if err != nil {
			return err
		}
		if old == nil {
			return centre.Errorf(centre.ENOTFOUND, "no site %q", r.Slug)
		}
		if old.Version != site.Version {
			return centre.Errorf(centre.EPRECONDITION, "the site %q has changed (version %d, not %d)", r.Slug, old.Version, site.Version)
		}
		if err := claim(tx, r.Slug, r.Hosts, old.Hosts); err != nil {
			return err
		}
		return put(tx.Bucket(bSites), []byte(r.Slug), r)
	})
	if err == nil {
		site.Version = r.Version
	}
	return err
}

// claim makes site the holder of every host in hosts and releases those of
// old that hosts no longer names. It fails with ECONFLICT, before writing
// anything, if another site holds one of hosts.
func claim(tx *bolt.Tx, site string, hosts, old []string) error {
	b := tx.Bucket(bHosts)
	keep := map[string]bool{}
	for _, h := range hosts {
		h = strings.ToLower(h)
		if v := b.Get([]byte(h)); v != nil && string(v) != site {
			return centre.Errorf(centre.ECONFLICT, "the host %q belongs to another site", h)
		}
		keep[h] = true
	}
	for _, h := range old {
		h = strings.ToLower(h)
		if keep[h] {
			continue
		}
		if v := b.Get([]byte(h)); string(v) == site {
			if err := b.Delete([]byte(h)); err != nil {
				return err
			}
		}
	}
	for h := range keep {
		if err := b.Put([]byte(h), []byte(site)); err != nil {
			return err
		}
	}
	return nil
}

// claimExistingHosts claims the hosts of the sites of a file written
// before host claims were kept; of two sites naming one host, the first
// by slug keeps it.
func claimExistingHosts(tx *bolt.Tx) error {
	hosts := tx.Bucket(bHosts)
	return tx.Bucket(bSites).ForEach(func(k, v []byte) error {
		var r siteRec
		if err := decode(v, &r); err != nil {
			return err
		}
		for _, h := range r.Hosts {
			h = strings.ToLower(h)
			if hosts.Get([]byte(h)) == nil {
				if err := hosts.Put([]byte(h), k); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// indexExistingKeys fills the key ID index of a file written before it
// existed.
func indexExistingKeys(tx *bolt.Tx) error {
	ids := tx.Bucket(bKeyIDs)
	return tx.Bucket(bKeys).ForEach(func(k, v []byte) error {
		var r keyRec
		if err := decode(v, &r); err != nil {
			return err
		}
		return ids.Put([]byte(r.ID), k)
	})
}

func (s *Store) SiteByHost(ctx context.Context, host string) (*centre.Site, error) {
	host = strings.ToLower(host)
	var r *siteRec
	err := s.view(ctx, func(tx *bolt.Tx) error {
		slug := tx.Bucket(bHosts).Get([]byte(host))
		if slug == nil {
			return centre.Errorf(centre.ENOTFOUND, "no site serves the host %q", host)
		}
		var err error
		r, err = getSite(tx, string(slug))
		if err == nil && r == nil {
			return errDangling
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return r.site(), nil
}

func (s *Store) DeleteSite(ctx context.Context, slug string, version int64) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		old, err := getSite(tx, slug)
		if err != nil {
			return err
		}
		if old == nil {
			return centre.Errorf(centre.ENOTFOUND, "no site %q", slug)
		}
		if old.Version != version {
			return centre.Errorf(centre.EPRECONDITION, "the site %q has changed (version %d, not %d)", slug, old.Version, version)
		}
		if err := claim(tx, slug, nil, old.Hosts); err != nil {
			return err
		}
		return tx.Bucket(bSites).Delete([]byte(slug))
	})
}

func (s *Store) ListSites(ctx context.Context) ([]*centre.Site, error) {
	var out []*centre.Site
	err := s.view(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket(bSites).ForEach(func(_, v []byte) error {
			var r siteRec
			if err := decode(v, &r); err != nil {
				return err
			}
			out = append(out, r.site())
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ---- keys

func (s *Store) CreateKey(ctx context.Context, k *centre.Key) error {
	r := toKeyRec(k)
	return s.update(ctx, func(tx *bolt.Tx) error {
		keys, hashes := tx.Bucket(bKeys), tx.Bucket(bKeyHash)
		id := key(r.ID, r.Site)
		if keys.Get(id) != nil {
			return centre.Errorf(centre.ECONFLICT, "the key %q already exists", r.ID)
		}
		if hashes.Get([]byte(r.Hash)) != nil {
			return centre.Errorf(centre.ECONFLICT, "a key with the same secret already exists")
		}
		ids := tx.Bucket(bKeyIDs)
		if ids.Get([]byte(r.ID)) != nil {
			return centre.Errorf(centre.ECONFLICT, "the key %q already exists", r.ID)
		}
		if err := hashes.Put([]byte(r.Hash), id); err != nil {
			return err
		}
		if err := ids.Put([]byte(r.ID), id); err != nil {
			return err
		}
		return put(keys, id, r)
	})
}

func (s *Store) KeyByHash(ctx context.Context, hash string) (*centre.Key, error) {
	var r keyRec
	err := s.view(ctx, func(tx *bolt.Tx) error {
		id := tx.Bucket(bKeyHash).Get([]byte(hash))
		if id == nil {
			return centre.Errorf(centre.ENOTFOUND, "unknown key")
		}
		v := tx.Bucket(bKeys).Get(id)
		if v == nil {
			return fmt.Errorf("boltstore: dangling key hash")
		}
		return decode(v, &r)
	})
	if err != nil {
		return nil, err
	}
	return r.key(), nil
}

func (s *Store) KeyByID(ctx context.Context, id string) (*centre.Key, error) {
	var r keyRec
	err := s.view(ctx, func(tx *bolt.Tx) error {
		k := tx.Bucket(bKeyIDs).Get([]byte(id))
		if k == nil {
			return centre.Errorf(centre.ENOTFOUND, "no key %q", id)
		}
		v := tx.Bucket(bKeys).Get(k)
		if v == nil {
			return fmt.Errorf("boltstore: dangling key ID %q", id)
		}
		return decode(v, &r)
	})
	if err != nil {
		return nil, err
	}
	return r.key(), nil
}

func (s *Store) ListKeys(ctx context.Context, site string) ([]*centre.Key, error) {
	var out []*centre.Key
	err := s.view(ctx, func(tx *bolt.Tx) error {
		prefix := parts(nil, site)
		c := tx.Bucket(bKeys).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var r keyRec
			if err := decode(v, &r); err != nil {
				return err
			}
			out = append(out, r.key())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// IDs sort by creation time; CreatedAt has the last word.
	slices.SortStableFunc(out, func(a, b *centre.Key) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}

func (s *Store) RevokeKey(ctx context.Context, site, id string, at time.Time) (*centre.Key, error) {
	var r keyRec
	err := s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bKeys)
		k := key(id, site)
		v := b.Get(k)
		if v == nil {
			return centre.Errorf(centre.ENOTFOUND, "no key %q in site %q", id, site)
		}
		if err := decode(v, &r); err != nil {
			return err
		}
		if !r.RevokedAt.IsZero() {
			return nil
		}
		r.RevokedAt = stamp(at)
		return put(b, k, &r)
	})
	if err != nil {
		return nil, err
	}
	return r.key(), nil
}

// ---- idempotency

// ClaimIdempotency also deletes a few expired records, so that the file
// does not grow with them.
func (s *Store) ClaimIdempotency(ctx context.Context, rec *centre.IdempotencyRecord) (*centre.IdempotencyRecord, error) {
	r := toIdemRec(rec)
	now := s.now()
	var existing *idemRec
	err := s.update(ctx, func(tx *bolt.Tx) error {
		b, exp := tx.Bucket(bIdem), tx.Bucket(bIdemExp)
		k := key(r.Key, r.Scope)
		if v := b.Get(k); v != nil {
			var old idemRec
			if err := decode(v, &old); err != nil {
				return err
			}
			if now.Before(old.ExpiresAt) {
				existing = &old
				return nil
			}
			if err := exp.Delete(append(timeKey(old.ExpiresAt), k...)); err != nil {
				return err
			}
		}
		if err := purgeExpired(b, exp, now, 16); err != nil {
			return err
		}
		if err := exp.Put(append(timeKey(r.ExpiresAt), k...), nil); err != nil {
			return err
		}
		return put(b, k, r)
	})
	if err != nil || existing == nil {
		return nil, err
	}
	return existing.record(), nil
}

// purgeExpired deletes up to n records that expired before now.
func purgeExpired(b, exp *bolt.Bucket, now time.Time, n int) error {
	limit := timeKey(now)
	c := exp.Cursor()
	var dead [][]byte
	for k, _ := c.First(); len(k) >= 8 && len(dead) < n && bytes.Compare(k[:8], limit) < 0; k, _ = c.Next() {
		dead = append(dead, append([]byte(nil), k...))
	}
	for _, k := range dead {
		if err := exp.Delete(k); err != nil {
			return err
		}
		if err := b.Delete(k[8:]); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) CompleteIdempotency(ctx context.Context, rec *centre.IdempotencyRecord) error {
	r := toIdemRec(rec)
	now := s.now()
	return s.update(ctx, func(tx *bolt.Tx) error {
		b, exp := tx.Bucket(bIdem), tx.Bucket(bIdemExp)
		k := key(r.Key, r.Scope)
		v := b.Get(k)
		var old idemRec
		if v != nil {
			if err := decode(v, &old); err != nil {
				return err
			}
		}
		if v == nil || !now.Before(old.ExpiresAt) {
			return centre.Errorf(centre.ENOTFOUND, "the idempotency record is gone")
		}
		if err := exp.Delete(append(timeKey(old.ExpiresAt), k...)); err != nil {
			return err
		}
		if err := exp.Put(append(timeKey(r.ExpiresAt), k...), nil); err != nil {
			return err
		}
		return put(b, k, r)
	})
}

func (s *Store) ReleaseIdempotency(ctx context.Context, scope, idemKey string) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		b, exp := tx.Bucket(bIdem), tx.Bucket(bIdemExp)
		k := key(idemKey, scope)
		v := b.Get(k)
		if v == nil {
			return nil
		}
		var old idemRec
		if err := decode(v, &old); err != nil {
			return err
		}
		if err := exp.Delete(append(timeKey(old.ExpiresAt), k...)); err != nil {
			return err
		}
		return b.Delete(k)
	})
}
