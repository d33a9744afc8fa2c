package boltstore

import (
	"context"
	"strconv"

	bolt "go.etcd.io/bbolt"

	"infocentre/internal/centre"
)

// getFront returns the front of site (bFronts), or nil if none is kept (a
// site created before fronts were).
func getFront(tx *bolt.Tx, site string) (*centre.SiteFront, error) {
	v := tx.Bucket(bFronts).Get([]byte(site))
	if v == nil {
		return nil, nil
	}
	return centre.DecodeSiteFront(v)
}

// PutSiteFront stores front as the site's front if no write transaction
// committed since stamp was read (SiteStamp's value is the last committed
// transaction's number): one write transaction. Returns ENOTFOUND or
// EPRECONDITION.
func (s *Store) PutSiteFront(ctx context.Context, slug string, front *centre.SiteFront, stamp string) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		r, err := getSite(tx, slug)
		if err != nil {
			return err
		}
		if r == nil {
			return centre.Errorf(centre.ENOTFOUND, "no site %q", slug)
		}
		// A write transaction's number is the last committed one's plus one.
		if "t"+strconv.Itoa(tx.ID()-1) != stamp {
			return centre.Errorf(centre.EPRECONDITION, "site %q changed since its stamp %q was read", slug, stamp)
		}
		return put(tx.Bucket(bFronts), []byte(slug), front)
	})
}

// applyFront changes the front of site for a write of an entry from old to
// cur (nil: none), in the write's transaction.
func applyFront(tx *bolt.Tx, site string, old, cur *entryRec) error {
	f, err := getFront(tx, site)
	if err != nil || f == nil {
		return err
	}
	var o, c *centre.Entry
	if old != nil {
		o = old.entry(nil)
	}
	if cur != nil {
		c = cur.entry(nil)
	}
	if !f.Apply(o, c) {
		return nil
	}
	return put(tx.Bucket(bFronts), []byte(site), f)
}

// EntriesByID returns the site's entries with those IDs, without body, in
// the order of ids (unknown ones left out): one read transaction. Returns
// EINVALID for more than MaxPageSize IDs.
func (s *Store) EntriesByID(ctx context.Context, site string, ids []string) ([]*centre.Entry, error) {
	if len(ids) > centre.MaxPageSize {
		return nil, centre.Errorf(centre.EINVALID, "at most %d entries by ID", centre.MaxPageSize)
	}
	var out []*centre.Entry
	err := s.view(ctx, func(tx *bolt.Tx) error {
		seen := map[string]bool{}
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			r, _, err := getEntry(tx, site, id, false)
			if err != nil {
				return err
			}
			if r != nil {
				out = append(out, r.entry(nil))
			}
		}
		return nil
	})
	return out, err
}
