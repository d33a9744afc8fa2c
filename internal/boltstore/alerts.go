package boltstore

import (
	"bytes"
	"context"
	"time"

	bolt "go.etcd.io/bbolt"

	"infocentre/internal/centre"
)

// Email alerts (centre.AlertStore). Keys join the address and what follows
// it with "#", which no subscriber address holds and which sorts before
// every character an address may hold, so that they order as DynamoDB
// orders the same strings.
var (
	bSubs     = []byte("subscriptions") // (site) email#scope -> subRec
	bSubScope = []byte("subscope")      // (site, scope, frequency) email -> "" (confirmed only)
	bSubExp   = []byte("subexpiry")     // timeKey(ExpiresAt) (site) email#scope -> "" (pending only)
	bClaims   = []byte("alertclaims")   // (notification) email -> timeKey(At)
	bTold     = []byte("alerttold")     // (site, entry) email -> timeKey(At)
	bDigest   = []byte("alertdigest")   // (site) timeKey(Due) email#notification -> centre.DigestItem
	bSuppress = []byte("suppressed")    // email -> suppressRec
	bQuota    = []byte("alertquota")    // key -> quotaRec (the current window's count)
)

func init() {
	allBucket = append(allBucket, bSubs, bSubScope, bSubExp, bClaims, bTold, bDigest, bSuppress, bQuota)
}

type subRec struct {
	centre.Subscription
	TokenHash string `json:"token_hash,omitempty"`
}

// quotaRec is the count of a TakeQuota key in the window that ends at End.
type quotaRec struct {
	End time.Time `json:"end"`
	N   int       `json:"n"`
}

type suppressRec struct {
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

func subKey(site, email, scope string) []byte { return key(email+"#"+scope, site) }
func subScopeKey(site, scope, freq, email string) []byte {
	return key(email, site, scope, freq)
}
func subExpKey(s *centre.Subscription) []byte {
	return append(timeKey(s.ExpiresAt), subKey(s.Site, s.Email, s.Scope)...)
}

func toSubRec(s *centre.Subscription) *subRec {
	r := &subRec{Subscription: *s, TokenHash: s.TokenHash}
	r.Created, r.ConfirmedAt, r.ExpiresAt, r.SentAt = stamp(s.Created), stamp(s.ConfirmedAt), stamp(s.ExpiresAt), stamp(s.SentAt)
	return r
}

func (r *subRec) sub() *centre.Subscription {
	s := r.Subscription
	s.TokenHash = r.TokenHash
	return &s
}

func getSub(tx *bolt.Tx, site, email, scope string) (*subRec, error) {
	v := tx.Bucket(bSubs).Get(subKey(site, email, scope))
	if v == nil {
		return nil, nil
	}
	var r subRec
	return &r, decode(v, &r)
}

// putSub stores r and its indexes, after removing old's.
func putSub(tx *bolt.Tx, old, r *subRec) error {
	if old != nil {
		if err := delSubIndexes(tx, &old.Subscription); err != nil {
			return err
		}
	}
	if err := put(tx.Bucket(bSubs), subKey(r.Site, r.Email, r.Scope), r); err != nil {
		return err
	}
	switch {
	case r.State == centre.SubConfirmed:
		return tx.Bucket(bSubScope).Put(subScopeKey(r.Site, r.Scope, r.Frequency, r.Email), nil)
	case r.State == centre.SubPending && !r.ExpiresAt.IsZero():
		return tx.Bucket(bSubExp).Put(subExpKey(&r.Subscription), nil)
	}
	return nil
}

func delSubIndexes(tx *bolt.Tx, s *centre.Subscription) error {
	if err := tx.Bucket(bSubScope).Delete(subScopeKey(s.Site, s.Scope, s.Frequency, s.Email)); err != nil {
		return err
	}
	if s.ExpiresAt.IsZero() {
		return nil
	}
	return tx.Bucket(bSubExp).Delete(subExpKey(s))
}

// addressSubs returns the subscriptions of an address on a site.
func addressSubs(tx *bolt.Tx, site, email string) ([]*subRec, error) {
	prefix := key(email+"#", site)
	var out []*subRec
	c := tx.Bucket(bSubs).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(out) < centre.MaxSubscriptions; k, v = c.Next() {
		var r subRec
		if err := decode(v, &r); err != nil {
			return nil, err
		}
		out = append(out, &r)
	}
	return out, nil
}

func (s *Store) CreateSubscription(ctx context.Context, sub *centre.Subscription) error {
	r := toSubRec(sub)
	r.Version = 1
	err := s.update(ctx, func(tx *bolt.Tx) error {
		all, err := addressSubs(tx, r.Site, r.Email)
		if err != nil {
			return err
		}
		var old *subRec
		for _, o := range all {
			lapsed := o.Lapsed(r.Created)
			if o.Scope == r.Scope {
				if !lapsed {
					return centre.Errorf(centre.ECONFLICT, "the address is already subscribed to %s", r.Scope)
				}
				old = o
			} else if o.State == centre.SubPending && !lapsed {
				return centre.Errorf(centre.ECONFLICT, "the address has a subscription waiting for confirmation")
			}
		}
		if err := putAnnouncement(tx, sub.Announcement()); err != nil {
			return err
		}
		return putSub(tx, old, r)
	})
	if err == nil {
		sub.Version = 1
		sub.Announce(nil)
	}
	return err
}

func (s *Store) Subscriptions(ctx context.Context, site, email string) ([]*centre.Subscription, error) {
	var out []*centre.Subscription
	err := s.view(ctx, func(tx *bolt.Tx) error {
		all, err := addressSubs(tx, site, email)
		for _, r := range all {
			out = append(out, r.sub())
		}
		return err
	})
	return out, err
}

func (s *Store) UpdateSubscription(ctx context.Context, sub *centre.Subscription) error {
	r := toSubRec(sub)
	err := s.update(ctx, func(tx *bolt.Tx) error {
		old, err := getSub(tx, r.Site, r.Email, r.Scope)
		if err != nil {
			return err
		}
		if old == nil {
			return centre.Errorf(centre.ENOTFOUND, "no subscription to %s", r.Scope)
		}
		if old.Version != r.Version {
			return centre.Errorf(centre.EPRECONDITION, "the subscription changed since it was read")
		}
		r.Version++
		if err := putAnnouncement(tx, sub.Announcement()); err != nil {
			return err
		}
		return putSub(tx, old, r)
	})
	if err == nil {
		sub.Version = r.Version
		sub.Announce(nil)
	}
	return err
}

func (s *Store) DeleteSubscription(ctx context.Context, site, email, scope string) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		old, err := getSub(tx, site, email, scope)
		if err != nil {
			return err
		}
		if old == nil {
			return centre.Errorf(centre.ENOTFOUND, "no subscription to %s", scope)
		}
		if err := delSubIndexes(tx, &old.Subscription); err != nil {
			return err
		}
		return tx.Bucket(bSubs).Delete(subKey(site, email, scope))
	})
}

// pageLimit returns limit within 1..centre.MaxSubscriberPage.
func pageLimit(limit int) int {
	if limit <= 0 || limit > centre.MaxSubscriberPage {
		return centre.MaxSubscriberPage
	}
	return limit
}

// scan calls fn for the keys after prefix+after that start with prefix, in
// order, until fn returns false or limit keys were seen; it returns the
// tail (the key without prefix) of the last key seen if more may follow.
func scan(b *bolt.Bucket, prefix []byte, after string, limit int, fn func(tail string, v []byte) error) (string, error) {
	c := b.Cursor()
	start := append(bytes.Clone(prefix), after...)
	k, v := c.Seek(start)
	if after != "" && bytes.Equal(k, start) {
		k, v = c.Next()
	}
	n, last := 0, ""
	for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if n == limit {
			return last, nil
		}
		last = string(k[len(prefix):])
		if err := fn(last, v); err != nil {
			return "", err
		}
		n++
	}
	return "", nil
}

func (s *Store) Subscribers(ctx context.Context, q centre.SubscriberQuery) (centre.SubscriptionPage, error) {
	var page centre.SubscriptionPage
	err := s.view(ctx, func(tx *bolt.Tx) error {
		var err error
		page.Next, err = scan(tx.Bucket(bSubScope), parts(nil, q.Site, q.Scope, q.Frequency), q.After, pageLimit(q.Limit),
			func(email string, _ []byte) error {
				r, err := getSub(tx, q.Site, email, q.Scope)
				if err != nil {
					return err
				}
				if r == nil {
					return errDangling
				}
				page.Items = append(page.Items, r.sub())
				return nil
			})
		return err
	})
	return page, err
}

func (s *Store) ListSubscriptions(ctx context.Context, site, after string, limit int) (centre.SubscriptionPage, error) {
	var page centre.SubscriptionPage
	err := s.view(ctx, func(tx *bolt.Tx) error {
		var err error
		page.Next, err = scan(tx.Bucket(bSubs), parts(nil, site), after, pageLimit(limit), func(_ string, v []byte) error {
			var r subRec
			if err := decode(v, &r); err != nil {
				return err
			}
			page.Items = append(page.Items, r.sub())
			return nil
		})
		return err
	})
	return page, err
}

func (s *Store) ExpireSubscriptions(ctx context.Context, now time.Time, limit int) (int, error) {
	n := 0
	err := s.update(ctx, func(tx *bolt.Tx) error {
		n = 0
		c := tx.Bucket(bSubExp).Cursor()
		end := timeKey(now)
		var gone [][]byte
		for k, _ := c.First(); k != nil && bytes.Compare(k[:8], end) <= 0 && len(gone) < limit; k, _ = c.Next() {
			gone = append(gone, bytes.Clone(k))
		}
		for _, k := range gone {
			site, rest, err := splitPart(k[8:])
			if err != nil {
				return err
			}
			email, scope, _ := bytes.Cut(rest, []byte("#"))
			old, err := getSub(tx, site, string(email), string(scope))
			if err != nil {
				return err
			}
			if err := tx.Bucket(bSubExp).Delete(k); err != nil {
				return err
			}
			if old == nil || !old.Lapsed(now) {
				continue
			}
			if err := delSubIndexes(tx, &old.Subscription); err != nil {
				return err
			}
			if err := tx.Bucket(bSubs).Delete(subKey(site, string(email), string(scope))); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

func (s *Store) ClaimDeliveries(ctx context.Context, ds []centre.Delivery) ([]string, error) {
	var out []string
	err := s.update(ctx, func(tx *bolt.Tx) error {
		out = out[:0]
		claims, told := tx.Bucket(bClaims), tx.Bucket(bTold)
		for _, d := range ds {
			k := key(d.Email, d.Notification)
			if claims.Get(k) != nil {
				continue
			}
			at := timeKey(d.At)
			if err := claims.Put(k, at); err != nil {
				return err
			}
			if d.Entry != "" {
				if err := told.Put(key(d.Email, d.Site, d.Entry), at); err != nil {
					return err
				}
			}
			out = append(out, d.Email)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) ReleaseDelivery(ctx context.Context, notification, email string) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket(bClaims).Delete(key(email, notification))
	})
}

func (s *Store) Told(ctx context.Context, site, entry, after string, limit int) ([]string, string, error) {
	var out []string
	var next string
	err := s.view(ctx, func(tx *bolt.Tx) error {
		var err error
		next, err = scan(tx.Bucket(bTold), parts(nil, site, entry), after, pageLimit(limit), func(email string, _ []byte) error {
			out = append(out, email)
			return nil
		})
		return err
	})
	return out, next, err
}

func digestKey(d *centre.DigestItem) []byte {
	return append(append(parts(nil, d.Site), timeKey(d.Due)...), d.Email+"#"+d.Notification...)
}

func (s *Store) AddDigest(ctx context.Context, items []*centre.DigestItem) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bDigest)
		for _, d := range items {
			k := digestKey(d)
			if b.Get(k) != nil {
				continue
			}
			c := *d
			c.Due, c.Created = stamp(d.Due), stamp(d.Created)
			if err := put(b, k, &c); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) DueDigests(ctx context.Context, site string, now time.Time, after string, limit int) ([]*centre.DigestItem, string, error) {
	var out []*centre.DigestItem
	var next string
	end := timeKey(now)
	err := s.view(ctx, func(tx *bolt.Tx) error {
		var err error
		errStop := bytes.ErrTooLarge // any sentinel: the scan stops at the first item not yet due
		next, err = scan(tx.Bucket(bDigest), parts(nil, site), after, pageLimit(limit), func(tail string, v []byte) error {
			if bytes.Compare([]byte(tail[:8]), end) > 0 {
				return errStop
			}
			var d centre.DigestItem
			if err := decode(v, &d); err != nil {
				return err
			}
			out = append(out, &d)
			return nil
		})
		if err == errStop {
			next, err = "", nil
		}
		return err
	})
	return out, next, err
}

func (s *Store) DeleteDigests(ctx context.Context, items []*centre.DigestItem) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bDigest)
		for _, d := range items {
			if err := b.Delete(digestKey(d)); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) SuppressEmail(ctx context.Context, email, reason string, at time.Time) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		return put(tx.Bucket(bSuppress), []byte(email), &suppressRec{Reason: reason, At: stamp(at)})
	})
}

func (s *Store) UnsuppressEmail(ctx context.Context, email string) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bSuppress)
		if b.Get([]byte(email)) == nil {
			return centre.Errorf(centre.ENOTFOUND, "the address is not suppressed")
		}
		return b.Delete([]byte(email))
	})
}

func (s *Store) Suppressed(ctx context.Context, emails []string) (map[string]bool, error) {
	out := map[string]bool{}
	err := s.view(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bSuppress)
		for _, e := range emails {
			if b.Get([]byte(e)) != nil {
				out[e] = true
			}
		}
		return nil
	})
	return out, err
}

// TakeQuota keeps one record per key, the count of its latest window; a
// request in a later window starts the count again.
func (s *Store) TakeQuota(ctx context.Context, key string, window time.Duration, max int, now time.Time) (bool, error) {
	if err := centre.CheckQuota(key, window, max); err != nil {
		return false, err
	}
	end := now.UTC().Truncate(window).Add(window)
	ok := false
	err := s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bQuota)
		var r quotaRec
		if v := b.Get([]byte(key)); v != nil {
			if err := decode(v, &r); err != nil {
				return err
			}
		}
		switch {
		case !r.End.Equal(end):
			r = quotaRec{End: end, N: 1}
		case r.N >= max:
			return nil
		default:
			r.N++
		}
		ok = true
		return put(b, []byte(key), &r)
	})
	return ok, err
}
