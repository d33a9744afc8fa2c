package ratelimit

import (
	"fmt"
	"testing"
	"time"
)

func TestBucket(t *testing.T) {
	now := time.Unix(0, 0)
	l := New(0.5, 3, 10) // 3 at once, then one every 2 s
	l.Now = func() time.Time { return now }
	if blocked, _ := l.Blocked("a"); blocked || l.Len() != 0 {
		t.Fatal("Blocked tracked or blocked an unknown key")
	}
	for i := 0; i < 3; i++ {
		if ok, _ := l.Take("a"); !ok {
			t.Fatalf("take %d refused within the burst", i)
		}
	}
	ok, wait := l.Take("a")
	if ok || wait != 2*time.Second {
		t.Fatalf("take past the burst: %v, wait %v; want refused, 2s", ok, wait)
	}
	if blocked, w := l.Blocked("a"); !blocked || w != 2*time.Second {
		t.Fatalf("Blocked: %v %v", blocked, w)
	}
	if ok, _ := l.Take("b"); !ok {
		t.Fatal("another key is limited by the first")
	}
	now = now.Add(2 * time.Second)
	if ok, _ := l.Take("a"); !ok {
		t.Fatal("no token after the refill time")
	}
	if ok, _ := l.Take("a"); ok {
		t.Fatal("two tokens after one refill time")
	}
}

// TestBounded: a flood of distinct keys keeps at most max buckets, and
// the keys used most recently are the ones kept.
func TestBounded(t *testing.T) {
	l := New(1, 1, 100)
	now := time.Unix(0, 0)
	l.Now = func() time.Time { return now }
	l.Take("attacker")
	for i := 0; i < 100_000; i++ {
		l.Take(fmt.Sprintf("198.51.%d.%d", i/256, i%256))
		if i%50 == 0 {
			l.Take("attacker") // keeps it recent
		}
	}
	if n := l.Len(); n != 100 {
		t.Fatalf("tracks %d keys, want the bound 100", n)
	}
	if blocked, _ := l.Blocked("attacker"); !blocked {
		t.Fatal("a recently used empty bucket was evicted")
	}
}
