package boltstore

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"infocentre/internal/centre"
	"infocentre/internal/storetest"
)

func newStore(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "data", FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) centre.Store { return newStore(t) })
}

func TestOpenLocked(t *testing.T) {
	defer func(d time.Duration) { openTimeout = d }(openTimeout)
	openTimeout = 100 * time.Millisecond
	dir := t.TempDir()
	s, err := Open(dir) // a directory: the file is FileName inside it
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if want := filepath.Join(dir, FileName); s.Path() != want {
		t.Fatalf("Path %q, want %q", s.Path(), want)
	}
	start := time.Now()
	_, err = Open(filepath.Join(dir, FileName))
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: got %v, want ErrLocked", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("second Open took %v", d)
	}
	if !strings.Contains(err.Error(), FileName) {
		t.Fatalf("the error does not name the file: %v", err)
	}
}

func TestReopen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "nested", "dir", "centre.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	e := storetest.Publish(storetest.NewEntry("flood", "kept", "en"), storetest.Base)
	if err := s.CreateEntry(ctx, e); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateSite(ctx, storetest.NewSite("flood")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.EntriesBySlug(ctx, "flood", "kept")
	if err != nil || len(got) != 1 || got[0].Body != e.Body || got[0].Version != 1 {
		t.Fatalf("after reopening: %+v, %v", got, err)
	}
	page, err := s.ListEntries(ctx, centre.EntryQuery{Site: "flood", Public: true, Tag: "health"})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("ListEntries after reopening: %+v, %v", page, err)
	}
	if _, err := s.GetSite(ctx, "flood"); err != nil {
		t.Fatal(err)
	}
}

func TestBulkWritesAreKept(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "bulk.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Bulk(func() error {
		for i := range 50 {
			if err := s.CreateEntry(ctx, storetest.NewEntry("flood", fmt.Sprintf("bulk-%02d", i), "en")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || s.db.NoSync {
		t.Fatalf("Bulk: %v; NoSync left %v", err, s.db.NoSync)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	page, err := s.ListEntries(ctx, centre.EntryQuery{Site: "flood", Limit: 100})
	if err != nil || len(page.Items) != 50 {
		t.Fatalf("after reopening: %d entries, %v", len(page.Items), err)
	}
	boom := errors.New("boom")
	if err := s.Bulk(func() error { return boom }); !errors.Is(err, boom) || s.db.NoSync {
		t.Fatalf("a failed fill: %v, NoSync %v", err, s.db.NoSync)
	}
}

func TestOpenRefusesUnknownFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Put([]byte("schema"), []byte("99")) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "storage format") {
		t.Fatalf("Open of a newer format: got %v", err)
	}
}

// TestPartialPages checks paging when a sparse filter makes a page stop at
// the scan bound: pages may be short or empty, yet every match comes once,
// in order.
func TestPartialPages(t *testing.T) {
	defer func(n int) { maxScan = n }(maxScan)
	maxScan = 4
	ctx := t.Context()
	s := newStore(t)
	var want []string
	for i := range 30 {
		e := storetest.NewEntry("flood", fmt.Sprintf("e%02d", i), "en")
		if i%7 == 0 {
			e.Lang = "fr"
			want = append([]string{e.ID}, want...)
		}
		if err := s.CreateEntry(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	q := centre.EntryQuery{Site: "flood", Tag: "health", Lang: "fr", Limit: 2}
	var got []string
	pages, short := 0, 0
	for {
		page, err := s.ListEntries(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if page.Next != "" && len(page.Items) < q.Limit {
			short++
		}
		for _, e := range page.Items {
			got = append(got, e.ID)
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if short == 0 || pages < 30/maxScan {
		t.Fatalf("%d pages, %d short: the scan bound was not applied", pages, short)
	}
}

func TestCursorOfAnotherView(t *testing.T) {
	ctx := t.Context()
	s := newStore(t)
	for i := range 3 {
		e := storetest.Publish(storetest.NewEntry("flood", fmt.Sprintf("e%d", i), "en"), storetest.Base)
		if err := s.CreateEntry(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	page, err := s.ListEntries(ctx, centre.EntryQuery{Site: "flood", Limit: 1})
	if err != nil || page.Next == "" {
		t.Fatalf("staff page: %+v, %v", page, err)
	}
	_, err = s.ListEntries(ctx, centre.EntryQuery{Site: "flood", Public: true, After: page.Next})
	if !centre.IsCode(err, centre.EINVALID) {
		t.Fatalf("a staff cursor on a public listing: got %v, want EINVALID", err)
	}
	if _, err := s.ListEntries(ctx, centre.EntryQuery{Site: "flood", Limit: -1}); !centre.IsCode(err, centre.EINVALID) {
		t.Fatalf("a negative limit: got %v, want EINVALID", err)
	}
}

func TestIdempotencyPurge(t *testing.T) {
	ctx := t.Context()
	s := newStore(t)
	now := time.Now()
	for i := range 40 {
		rec := &centre.IdempotencyRecord{Scope: "s", Key: fmt.Sprint(i), CreatedAt: now.Add(-2 * time.Hour), ExpiresAt: now.Add(-time.Hour)}
		if _, err := s.ClaimIdempotency(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	count := func() (n int) {
		s.db.View(func(tx *bolt.Tx) error {
			n = tx.Bucket(bIdem).Stats().KeyN
			if m := tx.Bucket(bIdemExp).Stats().KeyN; m != n {
				t.Errorf("%d records but %d expiry keys", n, m)
			}
			return nil
		})
		return n
	}
	if n := count(); n >= 40 {
		t.Fatalf("%d expired records kept, want some purged", n)
	}
	for i := range 5 {
		fresh := &centre.IdempotencyRecord{Scope: "t", Key: fmt.Sprint(i), CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if _, err := s.ClaimIdempotency(ctx, fresh); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(); n != 5 {
		t.Fatalf("%d records left, want only the 5 fresh ones", n)
	}
}

// TestNothingLeftBehind checks that deleting entries and sites and
// releasing records leaves no index key behind; only the revisions of the
// deleted entries stay.
func TestNothingLeftBehind(t *testing.T) {
	ctx := t.Context()
	s := newStore(t)
	var entries []*centre.Entry
	for i := range 5 {
		e := storetest.NewEntry("flood", fmt.Sprintf("e%d", i), "en")
		e.Tags = []string{"health", "travel"}
		e.Organisations = []string{"WHO", "Société X"}
		switch i % 3 {
		case 0:
			storetest.Publish(e, storetest.Base)
		case 1:
			e.Status, e.PublishAt = centre.StatusScheduled, storetest.Base
		}
		if err := s.CreateEntry(ctx, e); err != nil {
			t.Fatal(err)
		}
		entries = append(entries, e)
	}
	for _, e := range entries {
		e.Slug += "-renamed"
		e.Tags = []string{"schools"}
		e.Status = centre.StatusWithdrawn
		if err := s.UpdateEntry(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range entries {
		if err := s.DeleteEntry(ctx, e.Site, e.ID, e.Version); err != nil {
			t.Fatal(err)
		}
	}
	rec := &centre.IdempotencyRecord{Scope: "s", Key: "k", ExpiresAt: time.Now().Add(time.Hour)}
	if _, err := s.ClaimIdempotency(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if err := s.ReleaseIdempotency(ctx, "s", "k"); err != nil {
		t.Fatal(err)
	}
	site := storetest.NewSite("flood")
	site.Hosts = []string{"flood.example.org", "www.flood.example.org"}
	if err := s.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	site.Hosts = []string{"Flood.example.org", "news.flood.example.org"}
	if err := s.UpdateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSite(ctx, "flood", site.Version); err != nil {
		t.Fatal(err)
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		for _, name := range allBucket {
			n, want := tx.Bucket(name).Stats().KeyN, 0
			switch string(name) {
			case string(bMeta):
				continue
			case string(bRevs):
				want = 2 * len(entries) // created and updated
			}
			if n != want {
				t.Errorf("bucket %s: %d keys left, want %d", name, n, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestOpenClaimsHostsOfOlderFiles checks that opening a file written
// before host claims were kept claims the hosts of its sites.
func TestOpenClaimsHostsOfOlderFiles(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), FileName)
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	flood := storetest.NewSite("flood")
	flood.Hosts = []string{"flood.example.org", "shared.example.org"}
	storm := storetest.NewSite("storm")
	storm.Hosts = []string{"storm.example.org"}
	for _, site := range []*centre.Site{flood, storm} {
		if err := s.CreateSite(ctx, site); err != nil {
			t.Fatal(err)
		}
	}
	// An older file: no host claims, and two sites naming one host.
	err = s.db.Update(func(tx *bolt.Tx) error {
		storm.Hosts = append(storm.Hosts, "shared.example.org")
		if err := put(tx.Bucket(bSites), []byte("storm"), toSiteRec(storm)); err != nil {
			return err
		}
		return tx.DeleteBucket(bHosts)
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for host, want := range map[string]string{
		"flood.example.org": "flood", "storm.example.org": "storm", "shared.example.org": "flood",
	} {
		got, err := s.SiteByHost(ctx, host)
		if err != nil || got.Slug != want {
			t.Fatalf("SiteByHost %s after reopening: %v, %v; want %s", host, got, err, want)
		}
	}
}

// TestOpenIndexesKeysOfOlderFiles checks that opening a file written
// before keys were indexed by ID indexes them.
func TestOpenIndexesKeysOfOlderFiles(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), FileName)
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	keys := []*centre.Key{storetest.NewKey("flood", centre.RoleAdmin), storetest.NewKey(centre.AllSites, centre.RoleOwner)}
	for _, k := range keys {
		if err := s.CreateKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bKeyIDs) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, k := range keys {
		got, err := s.KeyByID(ctx, k.ID)
		if err != nil || got.Site != k.Site || got.Hash != k.Hash {
			t.Fatalf("KeyByID %s after reopening: %+v, %v", k.ID, got, err)
		}
	}
}

// TestAuditPartialPages checks audit paging when a sparse filter makes
// pages stop at the scan bound.
func TestAuditPartialPages(t *testing.T) {
	defer func(n int) { maxScan = n }(maxScan)
	maxScan = 4
	ctx := t.Context()
	s := newStore(t)
	var want []string
	for i := range 30 {
		ev := storetest.NewAuditEvent("flood", storetest.Base.Add(time.Duration(i)*time.Minute))
		if i%7 == 0 {
			ev.Action = "key.revoke"
			want = append([]string{ev.ID}, want...)
		}
		if err := s.AppendAudit(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	q := centre.AuditQuery{Site: "flood", Action: "key.revoke", Limit: 2}
	var got []string
	pages, short := 0, 0
	for {
		page, err := s.ListAudit(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if page.Next != "" && len(page.Items) < q.Limit {
			short++
		}
		for _, ev := range page.Items {
			got = append(got, ev.ID)
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if short == 0 || pages < 30/maxScan {
		t.Fatalf("%d pages, %d short: the scan bound was not applied", pages, short)
	}
	if _, err := s.ListAudit(ctx, centre.AuditQuery{Site: "flood", Limit: -1}); !centre.IsCode(err, centre.EINVALID) {
		t.Fatalf("a negative limit: got %v, want EINVALID", err)
	}
}

// TestExpireRecords: the embedded store has no TTL: ExpireRecords,
// called again and again with a small limit, deletes every claim, who-
// was-told record, done outbox record and quota window past its
// retention — and keeps pending outbox records.
func TestExpireRecords(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	done, pending := storetest.SentRecords(t, s, "exp")
	// More claims than one call looks at.
	for i := range 7 {
		if _, err := s.ClaimDeliveries(ctx, []centre.Delivery{{Notification: fmt.Sprintf("n%d", i), Site: "exp",
			Email: "more@example.org", At: storetest.Base}}); err != nil {
			t.Fatal(err)
		}
	}
	// Past the outbox retention, before the told one: the told record stays.
	at := storetest.Base.Add(centre.OutboxRetention + time.Hour)
	total := 0
	for range 20 {
		n, err := s.ExpireRecords(ctx, at, 3)
		if err != nil {
			t.Fatal(err)
		}
		if n > 3 {
			t.Fatalf("one call deleted %d records, limit 3", n)
		}
		total += n
	}
	if total != 1+7+1+1 { // claims, the done record, the quota window
		t.Fatalf("deleted %d records, want 10", total)
	}
	if got, _ := s.ClaimDeliveries(ctx, []centre.Delivery{{Notification: "n-old", Site: "exp", Email: "old@example.org", At: at}}); len(got) != 1 {
		t.Fatal("the expired claim is still there")
	}
	if _, err := s.GetNotification(ctx, "exp", done); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("the done record past its retention: %v", err)
	}
	if _, err := s.GetNotification(ctx, "exp", pending); err != nil {
		t.Fatalf("the pending record: %v", err)
	}
	if told, _, _ := s.Told(ctx, "exp", "e1", "", 0); len(told) != 1 {
		t.Fatalf("Told before its retention ended: %v", told)
	}
	if _, err := s.ExpireRecords(ctx, storetest.Base.Add(centre.ToldRetention+time.Hour), 100); err != nil {
		t.Fatal(err)
	}
	if told, _, _ := s.Told(ctx, "exp", "e1", "", 0); len(told) != 0 {
		t.Fatalf("Told past its retention: %v", told)
	}
}
