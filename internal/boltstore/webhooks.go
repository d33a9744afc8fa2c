package boltstore

import (
	"bytes"
	"context"
	"encoding/base64"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"infocentre/internal/centre"
)

// Webhook endpoints and their delivery log:
//
//	webhooks      (site) id                                   -> hookRec
//	hookdeliv     (site, webhook) id                          -> centre.WebhookDelivery
//	hookdue       timeKey(NextAttempt) (site, webhook, id)    -> ""   pending deliveries only
//	hookexp       timeKey(ExpiresAt) (site, webhook, id)      -> ""   every delivery, for the purge
var (
	bHooks    = []byte("webhooks")
	bHookDel  = []byte("hookdeliv")
	bHookDue  = []byte("hookdue")
	bHookExp  = []byte("hookexp")
	hookBkts  = [][]byte{bHooks, bHookDel, bHookDue, bHookExp}
	purgeEach = 20 // expired deliveries removed by each CreateWebhookDelivery
)

// hookRec is a webhook as stored: with its secret, which the domain type
// keeps out of JSON.
type hookRec struct {
	centre.Webhook
	Secret string `json:"secret"`
}

func toHookRec(w *centre.Webhook) *hookRec {
	r := &hookRec{Webhook: *w, Secret: w.Secret}
	r.Events = slices.Clone(w.Events)
	for _, t := range []*time.Time{&r.CreatedAt, &r.DisabledAt, &r.FailingSince, &r.LastSuccess, &r.LastFailure} {
		*t = stamp(*t)
	}
	return r
}

func (r *hookRec) webhook() *centre.Webhook {
	w := r.Webhook
	w.Secret = r.Secret
	w.Events = slices.Clone(r.Events)
	return &w
}

func stampDelivery(d *centre.WebhookDelivery) centre.WebhookDelivery {
	c := *d
	for _, t := range []*time.Time{&c.EventAt, &c.LastAttempt, &c.NextAttempt, &c.CreatedAt, &c.ExpiresAt} {
		*t = stamp(*t)
	}
	return c
}

func (s *Store) CreateWebhook(ctx context.Context, w *centre.Webhook) error {
	r := toHookRec(w)
	r.Version = 1
	err := s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bHooks)
		k := key(r.ID, r.Site)
		if b.Get(k) != nil {
			return centre.Errorf(centre.ECONFLICT, "the webhook %q already exists", r.ID)
		}
		return put(b, k, r)
	})
	if err == nil {
		w.Version = 1
	}
	return err
}

func getHook(tx *bolt.Tx, site, id string) (*hookRec, error) {
	v := tx.Bucket(bHooks).Get(key(id, site))
	if v == nil {
		return nil, centre.Errorf(centre.ENOTFOUND, "site %q has no webhook %q", site, id)
	}
	var r hookRec
	return &r, decode(v, &r)
}

func (s *Store) GetWebhook(ctx context.Context, site, id string) (*centre.Webhook, error) {
	var r *hookRec
	err := s.view(ctx, func(tx *bolt.Tx) error {
		var err error
		r, err = getHook(tx, site, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return r.webhook(), nil
}

func (s *Store) ListWebhooks(ctx context.Context, site string) ([]*centre.Webhook, error) {
	var out []*centre.Webhook
	err := s.view(ctx, func(tx *bolt.Tx) error {
		prefix := parts(nil, site)
		c := tx.Bucket(bHooks).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var r hookRec
			if err := decode(v, &r); err != nil {
				return err
			}
			out = append(out, r.webhook())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b *centre.Webhook) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}

func (s *Store) UpdateWebhook(ctx context.Context, w *centre.Webhook) error {
	r := toHookRec(w)
	r.Version = w.Version + 1
	err := s.update(ctx, func(tx *bolt.Tx) error {
		old, err := getHook(tx, w.Site, w.ID)
		if err != nil {
			return err
		}
		if old.Version != w.Version {
			return centre.Errorf(centre.EPRECONDITION, "the webhook changed: version %d, not %d", old.Version, w.Version)
		}
		return put(tx.Bucket(bHooks), key(r.ID, r.Site), r)
	})
	if err == nil {
		w.Version = r.Version
	}
	return err
}

func (s *Store) DeleteWebhook(ctx context.Context, site, id string) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		if _, err := getHook(tx, site, id); err != nil {
			return err
		}
		return tx.Bucket(bHooks).Delete(key(id, site))
	})
}

// deliveryTail is (site, webhook, id) as the due and expiry indexes keep
// it after the time.
func deliveryTail(d *centre.WebhookDelivery) []byte { return parts(nil, d.Site, d.Webhook, d.ID) }

func (s *Store) CreateWebhookDelivery(ctx context.Context, d *centre.WebhookDelivery) error {
	r := stampDelivery(d)
	r.Version = 1
	err := s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bHookDel)
		k := key(r.ID, r.Site, r.Webhook)
		if b.Get(k) != nil {
			return centre.Errorf(centre.ECONFLICT, "webhook %q has a delivery %q", r.Webhook, r.ID)
		}
		if err := purgeDeliveries(tx, s.now().UTC()); err != nil {
			return err
		}
		if r.Status == centre.DeliveryPending {
			if err := tx.Bucket(bHookDue).Put(append(timeKey(r.NextAttempt), deliveryTail(&r)...), nil); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bHookExp).Put(append(timeKey(r.ExpiresAt), deliveryTail(&r)...), nil); err != nil {
			return err
		}
		return put(b, k, &r)
	})
	if err == nil {
		d.Version = 1
	}
	return err
}

// purgeDeliveries removes up to purgeEach deliveries that expired before
// now (bounded, so that one write never does unbounded work).
func purgeDeliveries(tx *bolt.Tx, now time.Time) error {
	exp := tx.Bucket(bHookExp)
	end := timeKey(now)
	c := exp.Cursor()
	var gone [][]byte
	for k, _ := c.First(); k != nil && len(gone) < purgeEach; k, _ = c.Next() {
		if len(k) < 8 || bytes.Compare(k[:8], end) >= 0 {
			break
		}
		gone = append(gone, slices.Clone(k))
	}
	for _, k := range gone {
		site, rest, err := splitPart(k[8:])
		if err != nil {
			return err
		}
		hook, rest, err := splitPart(rest)
		if err != nil {
			return err
		}
		id, _, err := splitPart(rest)
		if err != nil {
			return err
		}
		dk := key(id, site, hook)
		if v := tx.Bucket(bHookDel).Get(dk); v != nil {
			var d centre.WebhookDelivery
			if err := decode(v, &d); err != nil {
				return err
			}
			if d.Status == centre.DeliveryPending {
				if err := tx.Bucket(bHookDue).Delete(append(timeKey(d.NextAttempt), deliveryTail(&d)...)); err != nil {
					return err
				}
			}
			if err := tx.Bucket(bHookDel).Delete(dk); err != nil {
				return err
			}
		}
		if err := exp.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) UpdateWebhookDelivery(ctx context.Context, d *centre.WebhookDelivery) error {
	r := stampDelivery(d)
	r.Version = d.Version + 1
	err := s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bHookDel)
		k := key(r.ID, r.Site, r.Webhook)
		v := b.Get(k)
		if v == nil {
			return centre.Errorf(centre.ENOTFOUND, "webhook %q has no delivery %q", r.Webhook, r.ID)
		}
		var old centre.WebhookDelivery
		if err := decode(v, &old); err != nil {
			return err
		}
		if old.Version != d.Version {
			return centre.Errorf(centre.EPRECONDITION, "the delivery changed: version %d, not %d", old.Version, d.Version)
		}
		due := tx.Bucket(bHookDue)
		if old.Status == centre.DeliveryPending {
			if err := due.Delete(append(timeKey(old.NextAttempt), deliveryTail(&old)...)); err != nil {
				return err
			}
		}
		if r.Status == centre.DeliveryPending {
			if err := due.Put(append(timeKey(r.NextAttempt), deliveryTail(&r)...), nil); err != nil {
				return err
			}
		}
		exp := tx.Bucket(bHookExp)
		if err := exp.Delete(append(timeKey(old.ExpiresAt), deliveryTail(&old)...)); err != nil {
			return err
		}
		if err := exp.Put(append(timeKey(r.ExpiresAt), deliveryTail(&r)...), nil); err != nil {
			return err
		}
		return put(b, k, &r)
	})
	if err == nil {
		d.Version = r.Version
	}
	return err
}

func (s *Store) ListWebhookDeliveries(ctx context.Context, q centre.WebhookDeliveryQuery) (centre.WebhookDeliveryPage, error) {
	limit := q.Limit
	switch {
	case limit < 0:
		return centre.WebhookDeliveryPage{}, centre.Errorf(centre.EINVALID, "limit must be between 1 and %d", centre.MaxPageSize)
	case limit == 0:
		limit = 20
	case limit > centre.MaxPageSize:
		limit = centre.MaxPageSize
	}
	prefix := parts(nil, q.Site, q.Webhook)
	start := upper(prefix)
	if q.After != "" {
		b, err := base64.RawURLEncoding.DecodeString(q.After)
		if err != nil || len(b) < 2 || b[0] != 'd' || !centre.ValidID(string(b[1:])) {
			return centre.WebhookDeliveryPage{}, centre.Errorf(centre.EINVALID, "the cursor is not valid for this listing")
		}
		start = append(append([]byte(nil), prefix...), b[1:]...)
	}
	var page centre.WebhookDeliveryPage
	err := s.view(ctx, func(tx *bolt.Tx) error {
		c := tx.Bucket(bHookDel).Cursor()
		for k, v := seekBefore(c, start); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
			if len(page.Items) == limit {
				page.Next = base64.RawURLEncoding.EncodeToString([]byte("d" + page.Items[limit-1].ID))
				return nil
			}
			var d centre.WebhookDelivery
			if err := decode(v, &d); err != nil {
				return err
			}
			page.Items = append(page.Items, &d)
		}
		return nil
	})
	if err != nil {
		return centre.WebhookDeliveryPage{}, err
	}
	return page, nil
}

func (s *Store) DueWebhookDeliveries(ctx context.Context, now time.Time, limit int) ([]*centre.WebhookDelivery, error) {
	if limit <= 0 {
		limit = centre.MaxPageSize
	}
	var out []*centre.WebhookDelivery
	end := timeKey(now)
	err := s.view(ctx, func(tx *bolt.Tx) error {
		c := tx.Bucket(bHookDue).Cursor()
		for k, _ := c.First(); k != nil && len(out) < limit; k, _ = c.Next() {
			if len(k) < 8 || bytes.Compare(k[:8], end) > 0 {
				break
			}
			site, rest, err := splitPart(k[8:])
			if err != nil {
				return err
			}
			hook, rest, err := splitPart(rest)
			if err != nil {
				return err
			}
			id, _, err := splitPart(rest)
			if err != nil {
				return err
			}
			v := tx.Bucket(bHookDel).Get(key(id, site, hook))
			if v == nil {
				return errDangling
			}
			var d centre.WebhookDelivery
			if err := decode(v, &d); err != nil {
				return err
			}
			out = append(out, &d)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
