package boltstore

import (
	"bytes"
	"context"
	"errors"

	bolt "go.etcd.io/bbolt"

	"infocentre/internal/centre"
)

func (s *Store) Revisions(ctx context.Context, site, id string, after int64, limit int) ([]*centre.Entry, error) {
	switch {
	case limit < 0:
		return nil, centre.Errorf(centre.EINVALID, "limit must be between 1 and %d", centre.MaxPageSize)
	case limit == 0:
		limit = 20
	case limit > centre.MaxPageSize:
		limit = centre.MaxPageSize
	}
	if after < 0 {
		after = 0
	}
	out := []*centre.Entry{}
	err := s.view(ctx, func(tx *bolt.Tx) error {
		prefix := parts(nil, site, id)
		c := tx.Bucket(bRevs).Cursor()
		if k, _ := c.Seek(prefix); k == nil || !bytes.HasPrefix(k, prefix) {
			return centre.Errorf(centre.ENOTFOUND, "no revisions of entry %q in site %q", id, site)
		}
		for k, v := c.Seek(revKey(site, id, after+1)); k != nil && bytes.HasPrefix(k, prefix) && len(out) < limit; k, v = c.Next() {
			e, err := decodeRev(v)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) Revision(ctx context.Context, site, id string, version int64) (*centre.Entry, error) {
	var e *centre.Entry
	err := s.view(ctx, func(tx *bolt.Tx) error {
		v := tx.Bucket(bRevs).Get(revKey(site, id, version))
		if v == nil || version < 1 {
			return centre.Errorf(centre.ENOTFOUND, "no revision %d of entry %q in site %q", version, id, site)
		}
		var err error
		e, err = decodeRev(v)
		return err
	})
	return e, err
}

func decodeRev(v []byte) (*centre.Entry, error) {
	var r revRec
	if err := decode(v, &r); err != nil {
		return nil, err
	}
	if r.Entry == nil {
		return nil, errors.New("boltstore: revision without its entry")
	}
	return r.Entry.entry(r.Body), nil
}
