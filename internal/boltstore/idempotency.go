package boltstore

import (
	"bytes"
	"context"
	"time"

	bolt "go.etcd.io/bbolt"

	"infocentre/internal/centre"
)

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
