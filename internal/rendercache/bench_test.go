package rendercache_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// The benchmarks run on the real clock: the world's clock takes a lock.

// sink is a ResponseWriter that keeps nothing but the status and the
// bytes written, with one header map cleared between requests: what a hit
// costs the cache itself, apart from a recorder's copies.
type sink struct {
	h      http.Header
	status int
	n      int
}

func (s *sink) Header() http.Header         { return s.h }
func (s *sink) WriteHeader(status int)      { s.status = status }
func (s *sink) Write(p []byte) (int, error) { s.n += len(p); return len(p), nil }
func (s *sink) reset()                      { clear(s.h); s.status, s.n = 0, 0 }

// BenchmarkHit measures a cache hit: a gzip page, one a bounded page
// (its Cache-Control cut to the bound on every hit), and the gzip page
// from every P at once (the LRU's lock under contention).
func BenchmarkHit(b *testing.B) {
	for _, c := range []struct{ name, path string }{{"page", "/sites/flood/"}, {"bounded", "/sites/flood/bounded"}} {
		b.Run(c.name, func(b *testing.B) {
			w := newWorld()
			w.bound = time.Now().Add(48 * time.Hour)
			h := w.cacheWith(b, 0, time.Now)
			r := httptest.NewRequest("GET", c.path, nil)
			r.Header.Set("Accept-Encoding", "gzip")
			s := &sink{h: http.Header{}}
			h.ServeHTTP(s, r)
			for b.Loop() {
				s.reset()
				h.ServeHTTP(s, r)
				if s.status != 200 || s.n == 0 {
					b.Fatalf("status %d, %d bytes", s.status, s.n)
				}
			}
			if w.renders.Load() != 1 {
				b.Fatalf("%d renders", w.renders.Load())
			}
		})
	}
	b.Run("parallel", func(b *testing.B) {
		w := newWorld()
		h := w.cacheWith(b, 0, time.Now)
		warm := httptest.NewRequest("GET", "/sites/flood/", nil)
		h.ServeHTTP(&sink{h: http.Header{}}, warm)
		b.RunParallel(func(pb *testing.PB) {
			r := httptest.NewRequest("GET", "/sites/flood/", nil)
			r.Header.Set("Accept-Encoding", "gzip")
			s := &sink{h: http.Header{}}
			for pb.Next() {
				s.reset()
				h.ServeHTTP(s, r)
				if s.status != 200 {
					b.Errorf("status %d", s.status)
					return
				}
			}
		})
		if w.renders.Load() != 1 {
			b.Fatalf("%d renders", w.renders.Load())
		}
	})
}
