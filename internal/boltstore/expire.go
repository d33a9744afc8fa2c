package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"time"

	bolt "go.etcd.io/bbolt"

	"infocentre/internal/centre"
)

// ExpireRecords: DynamoDB removes these records by TTL; here each call
// walks a slice of each bucket from where the last call stopped (the
// resume key is kept in the meta bucket; at the end of a bucket the walk
// starts again from its first key) and deletes what is past its retention.
// The walk is bounded (limit keys per bucket and call), so a large file is
// covered by many small write transactions, not one long one.

// expiring lists the buckets ExpireRecords walks and when a record of each
// expires (zero: never).
var expiring = []struct {
	bucket  []byte
	expires func(v []byte) (time.Time, error)
}{
	{bClaims, func(v []byte) (time.Time, error) { return fromTimeKey(v).Add(centre.ClaimRetention), nil }},
	{bTold, func(v []byte) (time.Time, error) { return fromTimeKey(v).Add(centre.ToldRetention), nil }},
	{bOutbox, func(v []byte) (time.Time, error) {
		var r centre.OutboxRecord
		if err := decode(v, &r); err != nil {
			return time.Time{}, err
		}
		if r.State != centre.OutboxDone {
			return time.Time{}, nil // pending or dead: kept
		}
		return r.Updated.Add(r.Retention()), nil
	}},
	{bQuota, func(v []byte) (time.Time, error) {
		var r quotaRec
		return r.End, decode(v, &r)
	}},
}

// fromTimeKey is the inverse of timeKey (zero for a value of another
// length).
func fromTimeKey(v []byte) time.Time {
	if len(v) != 8 {
		return time.Time{}
	}
	return time.UnixMilli(int64(binary.BigEndian.Uint64(v) ^ (1 << 63))).UTC()
}

func (s *Store) ExpireRecords(ctx context.Context, now time.Time, limit int) (int, error) {
	if limit < 1 || limit > 10000 {
		return 0, centre.Errorf(centre.EINVALID, "limit must be between 1 and 10000")
	}
	deleted := 0
	for _, x := range expiring {
		if deleted >= limit {
			break
		}
		err := s.update(ctx, func(tx *bolt.Tx) error {
			b, meta := tx.Bucket(x.bucket), tx.Bucket(bMeta)
			resume := append([]byte("expire:"), x.bucket...)
			var gone [][]byte
			c := b.Cursor()
			k, v := c.First()
			if from := meta.Get(resume); from != nil {
				k, v = c.Seek(from)
			}
			seen := 0
			for ; k != nil && seen < limit && deleted+len(gone) < limit; k, v = c.Next() {
				seen++
				at, err := x.expires(v)
				if err != nil {
					return err
				}
				if !at.IsZero() && !now.Before(at) {
					gone = append(gone, bytes.Clone(k))
				}
			}
			for _, g := range gone {
				if err := b.Delete(g); err != nil {
					return err
				}
			}
			deleted += len(gone)
			if k == nil {
				return meta.Delete(resume) // the end: next time from the start
			}
			return meta.Put(resume, bytes.Clone(k))
		})
		if err != nil {
			return deleted, err
		}
	}
	return deleted, nil
}
