// Package ratelimit keeps token buckets per key (a client address) in a
// bounded least-recently-used set, in process. On Lambda each container
// keeps its own; the limits are per container.
package ratelimit

import (
	"container/list"
	"math"
	"sync"
	"time"
)

// Limiter is a set of token buckets, one per key, each holding up to
// Burst tokens and gaining Rate tokens a second. It tracks at most Max
// keys: when a new key would exceed Max, the least recently used one is
// forgotten (as if it had a full bucket), so that a flood of distinct
// keys cannot grow memory without bound. It is safe for concurrent use.
type Limiter struct {
	rate  float64
	burst float64
	max   int
	// Now returns the current time; tests replace it.
	Now func() time.Time

	mu  sync.Mutex
	lru *list.List // of *bucket, most recently used first
	idx map[string]*list.Element
}

type bucket struct {
	key    string
	tokens float64
	at     time.Time
}

// New returns a Limiter of buckets holding burst tokens, refilled at rate
// tokens a second, for at most maxKeys keys (at least 1).
func New(rate float64, burst, maxKeys int) *Limiter {
	return &Limiter{rate: rate, burst: float64(burst), max: max(maxKeys, 1), Now: time.Now,
		lru: list.New(), idx: map[string]*list.Element{}}
}

// refill brings b's tokens up to now.
func (l *Limiter) refill(b *bucket, now time.Time) {
	if d := now.Sub(b.at).Seconds(); d > 0 {
		b.tokens = math.Min(l.burst, b.tokens+d*l.rate)
	}
	b.at = now
}

// wait returns how long until b has one token.
func (l *Limiter) wait(b *bucket) time.Duration {
	switch {
	case b.tokens >= 1:
		return 0
	case l.rate <= 0:
		return time.Duration(math.MaxInt64)
	}
	return time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

// Take takes one token from key's bucket. If there is none it takes
// nothing and returns false with the time until there is one.
func (l *Limiter) Take(key string) (bool, time.Duration) {
	now := l.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	var b *bucket
	if el, ok := l.idx[key]; ok {
		l.lru.MoveToFront(el)
		b = el.Value.(*bucket)
		l.refill(b, now)
	} else {
		for l.lru.Len() >= l.max {
			old := l.lru.Back()
			l.lru.Remove(old)
			delete(l.idx, old.Value.(*bucket).key)
		}
		b = &bucket{key: key, tokens: l.burst, at: now}
		l.idx[key] = l.lru.PushFront(b)
	}
	if b.tokens < 1 {
		return false, l.wait(b)
	}
	b.tokens--
	return true, 0
}

// Blocked reports whether key's bucket is empty, and for how long, without
// taking a token or tracking a key it does not know.
func (l *Limiter) Blocked(key string) (bool, time.Duration) {
	now := l.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	el, ok := l.idx[key]
	if !ok {
		return false, 0
	}
	b := el.Value.(*bucket)
	l.refill(b, now)
	if b.tokens >= 1 {
		return false, 0
	}
	return true, l.wait(b)
}

// Len returns how many keys the Limiter tracks.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}
