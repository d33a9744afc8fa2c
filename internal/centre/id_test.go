package centre

import (
	"slices"
	"sync"
	"testing"
	"time"
)

// The IDs derived from content are stored and compared across versions
// (a retried write must name the same notification record), so they must
// not change: these were made by github.com/oklog/ulid/v2, which made
// IDs before.
func TestDerivedIDsAsBefore(t *testing.T) {
	for _, c := range []struct {
		site, id string
		version  int64
		kind     string
		ms       int64
		want     string
	}{
		{"demo", "01hzzzzzzzzzzzzzzzzzzzzzzz", 1, "published", 1774958400123, "01kn1w7mkv4ay8718h7fms1wqy"},
		{"covid19", "01j0000000000000000000000a", 42, "updated", 0, "0000000000b3ekc8r27ntz3a8w"},
		{"x", "y", 7, "withdrawn", maxIDTime, "7zzzzzzzzz44q0b7ksjw681w37"},
		// Outside the range: the epoch.
		{"x", "y", 8, "withdrawn", maxIDTime + 1, "0000000000ddh919hgbapg9c18"},
		{"x", "y", 9, "withdrawn", -1, "00000000005c89datnrgbvxkkf"},
	} {
		if got := NotificationID(c.site, c.id, c.version, c.kind, time.UnixMilli(c.ms)); got != c.want {
			t.Errorf("NotificationID(%q, %q, %d, %q, %d) = %q, want %q", c.site, c.id, c.version, c.kind, c.ms, got, c.want)
		}
	}
	for _, c := range []struct {
		ms                       int64
		notification, hook, want string
	}{
		{1796083199999, "01jnotification000000000000", "01jwebhook0000000000000000", "01m8qedbzzcs5m2p2tx30apthr"},
		{0, "", "", "0000000000drt0q77zpdx9h755"},
		{maxIDTime, "n", "w", "7zzzzzzzzz3x3ygmmqt9586p6h"},
	} {
		if got := WebhookDeliveryID(time.UnixMilli(c.ms), c.notification, c.hook); got != c.want {
			t.Errorf("WebhookDeliveryID(%d, %q, %q) = %q, want %q", c.ms, c.notification, c.hook, got, c.want)
		}
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("WebhookDeliveryID of a time before 1970 did not panic")
			}
		}()
		WebhookDeliveryID(time.UnixMilli(-1), "n", "w")
	}()
}

func TestFormatID(t *testing.T) {
	for _, c := range []struct {
		ms   uint64
		e    idEntropy
		want string
	}{
		// The ULID specification's example, and the bits of each digit.
		{1469922850259, idEntropy{0xd676, 0x4c61efb99302bd5b}, "01arz3ndektsv4rrffq69g5fav"},
		{0, idEntropy{}, "00000000000000000000000000"},
		{maxIDTime, idEntropy{0xffff, 1<<64 - 1}, "7zzzzzzzzzzzzzzzzzzzzzzzzz"},
		// 0xff, 0xee, … 0x10: made by oklog/ulid.
		{0xffeeddccbbaa, idEntropy{0x9988, 0x7766554433221100}, "7zxvewsexak647esjn8gsj4480"},
		{1, idEntropy{}, "00000000010000000000000000"},
		{0, idEntropy{0, 1}, "00000000000000000000000001"},
		{0, idEntropy{1, 0}, "0000000000000g000000000000"},
	} {
		if got := formatID(c.ms, c.e); got != c.want {
			t.Errorf("formatID(%d, %x) = %q, want %q", c.ms, c.e, got, c.want)
		}
	}
}

func TestNewIDOrder(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var ids []string
	// Many in one millisecond, then later ones.
	for i := range 5000 {
		ids = append(ids, NewID(at.Add(time.Duration(i/1000)*time.Millisecond)))
	}
	if !slices.IsSorted(ids) {
		t.Fatal("IDs made with non-decreasing times are not in order")
	}
	seen := map[string]bool{}
	for i, id := range ids {
		if !ValidID(id) || seen[id] {
			t.Fatalf("ID %q invalid or made twice", id)
		}
		seen[id] = true
		ms := uint64(at.UnixMilli()) + uint64(i/1000)
		if want := formatID(ms, idEntropy{})[:10]; id[:10] != want {
			t.Fatalf("ID %q does not start with its time %s", id, want)
		}
	}
	// A new millisecond starts from fresh entropy, not from the last ID's.
	a, b := NewID(at.Add(time.Hour)), NewID(at.Add(time.Hour+time.Millisecond))
	if a[10:] == b[10:] {
		t.Errorf("IDs of two milliseconds share their random part: %s %s", a, b)
	}
	// Earlier times still make valid, distinct IDs.
	if c := NewID(at); c == ids[0] || !ValidID(c) {
		t.Errorf("NewID of an earlier time = %q", c)
	}
}

func TestNewIDConcurrent(t *testing.T) {
	const workers, each = 8, 2000
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	out := make([][]string, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for range each {
				out[w] = append(out[w], NewID(at))
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, ids := range out {
		if !slices.IsSorted(ids) {
			t.Fatal("one goroutine's IDs of one millisecond are not in order")
		}
		for _, id := range ids {
			if seen[id] {
				t.Fatalf("ID %q made twice", id)
			}
			seen[id] = true
		}
	}
}

func TestNewIDOutOfRange(t *testing.T) {
	for _, at := range []time.Time{time.UnixMilli(-1), time.UnixMilli(maxIDTime + 1)} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewID(%v) did not panic", at)
				}
			}()
			NewID(at)
		}()
	}
}
