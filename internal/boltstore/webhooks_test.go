package boltstore

import (
	"fmt"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"infocentre/internal/centre"
)

// TestWebhookDeliveryPurge: expired deliveries (the log keeps 30 days)
// are removed a bounded number at a time by later writes, with their due
// and expiry index keys; fresh ones stay.
func TestWebhookDeliveryPurge(t *testing.T) {
	ctx := t.Context()
	s := newStore(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	mk := func(n string, expires time.Time) *centre.WebhookDelivery {
		return &centre.WebhookDelivery{ID: centre.WebhookDeliveryID(now, n, "hook"), Site: "demo", Webhook: "hook", Event: centre.NotifyPublished,
			Notification: n, EventAt: now, Status: centre.DeliveryPending, NextAttempt: now, CreatedAt: now, ExpiresAt: expires}
	}
	for i := range 30 {
		if err := s.CreateWebhookDelivery(ctx, mk(fmt.Sprint("old", i), now.Add(-time.Hour))); err != nil {
			t.Fatal(err)
		}
	}
	count := func() (n int) {
		s.db.View(func(tx *bolt.Tx) error {
			n = tx.Bucket(bHookDel).Stats().KeyN
			if m := tx.Bucket(bHookExp).Stats().KeyN; m != n {
				t.Errorf("%d deliveries but %d expiry keys", n, m)
			}
			if m := tx.Bucket(bHookDue).Stats().KeyN; m != n {
				t.Errorf("%d pending deliveries but %d due keys", n, m)
			}
			return nil
		})
		return n
	}
	if n := count(); n >= 30 {
		t.Fatalf("%d expired deliveries kept, want some purged", n)
	}
	for i := range 3 {
		if err := s.CreateWebhookDelivery(ctx, mk(fmt.Sprint("new", i), now.Add(time.Hour))); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(); n != 3 {
		t.Fatalf("%d deliveries left, want only the 3 fresh ones", n)
	}
}
