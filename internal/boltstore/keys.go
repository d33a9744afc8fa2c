package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"infocentre/internal/centre"
)

// Keys of the bbolt buckets. A key is a sequence of length-prefixed parts
// (so that no part can run into the next, whatever bytes it holds),
// optionally followed by one raw tail that orders the keys sharing those
// parts.

// parts appends each part with its length (uvarint) to b.
func parts(b []byte, ps ...string) []byte {
	for _, p := range ps {
		b = binary.AppendUvarint(b, uint64(len(p)))
		b = append(b, p...)
	}
	return b
}

// key returns the parts followed by the raw tail.
func key(tail string, ps ...string) []byte {
	return append(parts(nil, ps...), tail...)
}

var errBadKey = errors.New("malformed key")

// splitPart reads one length-prefixed part off the front of b.
func splitPart(b []byte) (part string, rest []byte, err error) {
	n, w := binary.Uvarint(b)
	if w <= 0 || uint64(len(b)-w) < n {
		return "", nil, errBadKey
	}
	return string(b[w : w+int(n)]), b[w+int(n):], nil
}

// timeKey encodes t as 8 bytes that sort like the times themselves, with
// millisecond precision (the precision the store keeps).
func timeKey(t time.Time) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(t.UnixMilli())^(1<<63))
}

// upper returns the smallest key greater than every key that starts with
// prefix, or nil if there is none.
func upper(prefix []byte) []byte {
	b := append([]byte(nil), prefix...)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return b[:i+1]
		}
	}
	return nil
}

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
