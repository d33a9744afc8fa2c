package boltstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"infocentre/internal/centre"
)

// Outbox records are kept under (site) id in bOutbox, so that a site's
// records sort by ID (time); a pending record also has a key
// timeKey(NextAt) (site) id in bOutboxDue, the due list that
// ClaimNotifications reads in order. Both change in one transaction.

// maxOutboxScan bounds the records one ListNotifications page looks at
// when it filters by state: a page past it ends early with a Next.
const maxOutboxScan = 1000

// putAnnouncement stores the announcement n of an entry's or a
// subscription's write as a new pending record, inside the transaction of
// that write (nil: nothing). Returns ECONFLICT if its id exists.
func putAnnouncement(tx *bolt.Tx, n *centre.Notification) error {
	if n == nil {
		return nil
	}
	k := key(n.ID, n.Site)
	if tx.Bucket(bOutbox).Get(k) != nil {
		return centre.Errorf(centre.ECONFLICT, "the notification %q exists", n.ID)
	}
	r := &centre.OutboxRecord{Notification: *n, State: centre.OutboxPending, NextAt: n.Due, Updated: n.Created}
	return putOutbox(tx, r, nil)
}

// putOutbox writes r and moves its due key from old's (nil: none).
func putOutbox(tx *bolt.Tx, r, old *centre.OutboxRecord) error {
	due := tx.Bucket(bOutboxDue)
	if old != nil && old.State == centre.OutboxPending {
		if err := due.Delete(outboxDueKey(old)); err != nil {
			return err
		}
	}
	if r.State == centre.OutboxPending {
		if err := due.Put(outboxDueKey(r), nil); err != nil {
			return err
		}
	}
	return put(tx.Bucket(bOutbox), key(r.ID, r.Site), r)
}

// outboxDueKey is timeKey(NextAt) followed by the record's key.
func outboxDueKey(r *centre.OutboxRecord) []byte {
	return append(timeKey(r.NextAt), key(r.ID, r.Site)...)
}

func getOutbox(tx *bolt.Tx, site, id string) (*centre.OutboxRecord, error) {
	v := tx.Bucket(bOutbox).Get(key(id, site))
	if v == nil {
		return nil, centre.Errorf(centre.ENOTFOUND, "site %q has no notification %q", site, id)
	}
	var r centre.OutboxRecord
	if err := decode(v, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

func (s *Store) GetNotification(ctx context.Context, site, id string) (*centre.OutboxRecord, error) {
	var r *centre.OutboxRecord
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		r, err = getOutbox(tx, site, id)
		return err
	})
	return r, err
}

func newClaim() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// lease claims r at now for lease.
func leaseOutbox(tx *bolt.Tx, r *centre.OutboxRecord, now time.Time, lease time.Duration) error {
	old := *r
	r.NextAt = now.Add(lease).UTC().Truncate(time.Millisecond)
	r.Claim = newClaim()
	return putOutbox(tx, r, &old)
}

func (s *Store) ClaimNotifications(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*centre.OutboxRecord, error) {
	if limit <= 0 || limit > centre.MaxPageSize {
		return nil, centre.Errorf(centre.EINVALID, "limit must be between 1 and %d", centre.MaxPageSize)
	}
	end := timeKey(now.Add(time.Millisecond)) // NextAt at or before now
	// A read first, so that an idle notifier polling the file writes
	// (and syncs) nothing.
	any := false
	err := s.view(ctx, func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bOutboxDue).Cursor().First()
		any = k != nil && bytes.Compare(k, end) < 0
		return nil
	})
	if err != nil || !any {
		return nil, err
	}
	var out []*centre.OutboxRecord
	err = s.update(ctx, func(tx *bolt.Tx) error {
		out = nil
		var due []*centre.OutboxRecord
		c := tx.Bucket(bOutboxDue).Cursor()
		for k, _ := c.First(); k != nil && bytes.Compare(k, end) < 0 && len(due) < limit; k, _ = c.Next() {
			site, rest, err := splitPart(k[8:])
			if err != nil {
				return err
			}
			r, err := getOutbox(tx, site, string(rest))
			if err != nil {
				return err
			}
			due = append(due, r)
		}
		for _, r := range due {
			if err := leaseOutbox(tx, r, now, lease); err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

func (s *Store) ClaimNotification(ctx context.Context, site, id string, now time.Time, lease time.Duration) (*centre.OutboxRecord, error) {
	var r *centre.OutboxRecord
	err := s.update(ctx, func(tx *bolt.Tx) (err error) {
		r, err = getOutbox(tx, site, id)
		if err != nil {
			return err
		}
		if r.State != centre.OutboxPending || r.NextAt.After(now) {
			return centre.Errorf(centre.ECONFLICT, "notification %q is %s and not due (next at %s)", id, r.State, r.NextAt.Format(time.RFC3339))
		}
		return leaseOutbox(tx, r, now, lease)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (s *Store) NotificationDelivered(ctx context.Context, site, id, channel string) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		r, err := getOutbox(tx, site, id)
		if err != nil {
			return err
		}
		if r.Delivered(channel) {
			return nil
		}
		r.Channels = append(r.Channels, channel)
		slices.Sort(r.Channels)
		return put(tx.Bucket(bOutbox), key(r.ID, r.Site), r)
	})
}

func (s *Store) SettleNotification(ctx context.Context, r *centre.OutboxRecord) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		cur, err := getOutbox(tx, r.Site, r.ID)
		if err != nil {
			return err
		}
		if cur.Claim != r.Claim {
			return centre.Errorf(centre.EPRECONDITION, "notification %q was claimed by another worker", r.ID)
		}
		next := *cur
		next.State, next.Attempts, next.NextAt, next.LastError, next.Updated = r.State, r.Attempts, r.NextAt, r.LastError, r.Updated
		return putOutbox(tx, &next, cur)
	})
}

func (s *Store) ListNotifications(ctx context.Context, q centre.NotificationQuery) (centre.NotificationPage, error) {
	limit := q.Limit
	switch {
	case limit < 0:
		return centre.NotificationPage{}, centre.Errorf(centre.EINVALID, "limit must be between 1 and %d", centre.MaxPageSize)
	case limit == 0:
		limit = 20
	case limit > centre.MaxPageSize:
		limit = centre.MaxPageSize
	}
	prefix := parts(nil, q.Site)
	start := upper(prefix)
	if q.After != "" {
		b, err := base64.RawURLEncoding.DecodeString(q.After)
		if err != nil || len(b) < 2 || b[0] != 'n' || !centre.ValidID(string(b[1:])) {
			return centre.NotificationPage{}, centre.Errorf(centre.EINVALID, "the cursor is not valid for this listing")
		}
		start = append(append([]byte(nil), prefix...), b[1:]...)
	}
	var page centre.NotificationPage
	err := s.view(ctx, func(tx *bolt.Tx) error {
		c := tx.Bucket(bOutbox).Cursor()
		scanned, last := 0, ""
		for k, v := seekBefore(c, start); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
			if len(page.Items) == limit || scanned == maxOutboxScan {
				page.Next = base64.RawURLEncoding.EncodeToString([]byte("n" + last))
				return nil
			}
			scanned, last = scanned+1, string(k[len(prefix):])
			var r centre.OutboxRecord
			if err := decode(v, &r); err != nil {
				return err
			}
			if q.State == "" || r.State == q.State {
				page.Items = append(page.Items, &r)
			}
		}
		return nil
	})
	if err != nil {
		return centre.NotificationPage{}, err
	}
	return page, nil
}
