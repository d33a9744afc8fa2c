package boltstore

import (
	"bytes"
	"context"
	"encoding/base64"
	"time"

	bolt "go.etcd.io/bbolt"

	"infocentre/internal/centre"
)

// Audit events are kept under (site) timeKey(At) ID, so that a site's
// events sort by time and a From/To range is a key range. bAuditIDs makes
// IDs unique within a site.

func auditKey(r *auditRec) []byte {
	return append(parts(nil, r.Site), append(timeKey(r.At), r.ID...)...)
}

func (s *Store) AppendAudit(ctx context.Context, ev *centre.AuditEvent) error {
	r := toAuditRec(ev)
	return s.update(ctx, func(tx *bolt.Tx) error {
		ids := tx.Bucket(bAuditIDs)
		idKey := key(r.ID, r.Site)
		if ids.Get(idKey) != nil {
			return centre.Errorf(centre.ECONFLICT, "the audit event %q already exists", r.ID)
		}
		if err := ids.Put(idKey, timeKey(r.At)); err != nil {
			return err
		}
		return put(tx.Bucket(bAudit), auditKey(r), r)
	})
}

// ListAudit walks the site's events newest first, from To (or the cursor)
// down to From. The cursor is base64url of "a" and the time and ID of the
// last event returned.
func (s *Store) ListAudit(ctx context.Context, q centre.AuditQuery) (centre.AuditPage, error) {
	limit := q.Limit
	switch {
	case limit < 0:
		return centre.AuditPage{}, centre.Errorf(centre.EINVALID, "limit must be between 1 and %d", centre.MaxPageSize)
	case limit == 0:
		limit = 20
	case limit > centre.MaxPageSize:
		limit = centre.MaxPageSize
	}
	prefix := parts(nil, q.Site)
	// start is the first key not to list (nil: past the site's last event).
	start := upper(prefix)
	if !q.To.IsZero() {
		start = append(append([]byte(nil), prefix...), timeKey(ceilMilli(q.To))...)
	}
	if q.After != "" {
		b, err := base64.RawURLEncoding.DecodeString(q.After)
		if err != nil || len(b) < 1+8+1 || b[0] != 'a' {
			return centre.AuditPage{}, centre.Errorf(centre.EINVALID, "the cursor is not valid for this listing")
		}
		if after := append(append([]byte(nil), prefix...), b[1:]...); bytes.Compare(after, start) < 0 {
			start = after
		}
	}
	var from []byte
	if !q.From.IsZero() {
		from = append(append([]byte(nil), prefix...), timeKey(ceilMilli(q.From))...)
	}

	var page centre.AuditPage
	err := s.view(ctx, func(tx *bolt.Tx) error {
		c := tx.Bucket(bAudit).Cursor()
		k, v := seekBefore(c, start)
		var lastItem, lastSeen []byte
		for scanned := 0; k != nil && bytes.HasPrefix(k, prefix) && (from == nil || bytes.Compare(k, from) >= 0); k, v = c.Prev() {
			if scanned >= maxScan {
				if len(page.Items) < limit {
					lastItem = lastSeen
				}
				page.Next = encodeAuditCursor(lastItem)
				return nil
			}
			scanned++
			if scanned%64 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			var r auditRec
			if err := decode(v, &r); err != nil {
				return err
			}
			lastSeen = k[len(prefix):]
			if (q.Action != "" && r.Action != q.Action) || (q.KeyID != "" && r.KeyID != q.KeyID) ||
				(q.PersonID != "" && r.PersonID != q.PersonID) || (q.Target != "" && r.Target != q.Target) {
				continue
			}
			if len(page.Items) == limit {
				page.Next = encodeAuditCursor(lastItem)
				return nil
			}
			page.Items = append(page.Items, r.event())
			lastItem = lastSeen
		}
		return nil
	})
	if err != nil {
		return centre.AuditPage{}, err
	}
	return page, nil
}

func encodeAuditCursor(pos []byte) string {
	return base64.RawURLEncoding.EncodeToString(append([]byte("a"), pos...))
}

// ceilMilli rounds t up to a whole millisecond, the precision of stored
// times, so that a bound between two milliseconds keeps its meaning.
func ceilMilli(t time.Time) time.Time {
	if d := t.Truncate(time.Millisecond); !d.Equal(t) {
		return d.Add(time.Millisecond)
	}
	return t
}
