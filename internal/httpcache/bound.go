package httpcache

import (
	"context"
	"sync"
	"time"
)

// A bound records, for a response being rendered, the earliest time it
// will change by itself (an entry expiring, a banner ending): a cache that
// keeps the rendered response (internal/rendercache) must drop it then.

type boundKey struct{}

type bound struct {
	mu sync.Mutex
	at time.Time
}

// WithBound returns ctx carrying an empty bound, for BoundOf to read
// after the response was rendered.
func WithBound(ctx context.Context) context.Context {
	return context.WithValue(ctx, boundKey{}, &bound{})
}

// Bound records in ctx's bound (if any) that the response changes at t;
// the earliest time recorded wins, and a zero t records nothing.
func Bound(ctx context.Context, t time.Time) {
	if ctx == nil || t.IsZero() {
		return
	}
	b, _ := ctx.Value(boundKey{}).(*bound)
	if b == nil {
		return
	}
	b.mu.Lock()
	if b.at.IsZero() || t.Before(b.at) {
		b.at = t
	}
	b.mu.Unlock()
}

// BoundOf returns the earliest time recorded by Bound in ctx's bound, or
// zero (no known time, or no bound).
func BoundOf(ctx context.Context) time.Time {
	b, _ := ctx.Value(boundKey{}).(*bound)
	if b == nil {
		return time.Time{}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.at
}
