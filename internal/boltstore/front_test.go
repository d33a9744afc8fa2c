package boltstore

import (
	"testing"

	bolt "go.etcd.io/bbolt"

	"infocentre/internal/storetest"
)

// TestFrontRebuild: a site without a front (created before fronts were
// kept) gets the front its entries make (storetest.RunFrontRebuild).
func TestFrontRebuild(t *testing.T) {
	s := newStore(t)
	storetest.RunFrontRebuild(t, s, func(t *testing.T, site string) {
		if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bFronts).Delete([]byte(site)) }); err != nil {
			t.Fatal(err)
		}
	})
}
