package app_test

import (
	"net/http/httptest"
	"path/filepath"
	"testing"

	"infocentre/internal/app"
	"infocentre/internal/boltstore"
)

// BenchmarkCachedPage measures a warm page of the embedded store's
// handler, answered from the render cache (what make bench-http loads).
func BenchmarkCachedPage(b *testing.B) {
	for _, path := range []string{"/sites/demo/", "/sites/demo/en/keep-cancer-care-going/", "/api/v1/sites/demo/entries"} {
		b.Run(path, func(b *testing.B) {
			dir := b.TempDir()
			store, err := boltstore.Open(filepath.Join(dir, "db"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { store.Close() })
			a, _ := launchEnv(b, app.Config{DataDir: dir}, store)
			r := httptest.NewRequest("GET", path, nil)
			r.Header.Set("Accept-Encoding", "gzip")
			if w := httptest.NewRecorder(); true {
				a.Handler.ServeHTTP(w, r)
				if w.Code != 200 {
					b.Fatalf("%d", w.Code)
				}
			}
			for b.Loop() {
				w := httptest.NewRecorder()
				a.Handler.ServeHTTP(w, r)
				if w.Code != 200 {
					b.Fatalf("%d", w.Code)
				}
			}
			b.ReportMetric(float64(a.Cache.Stats().Hits)/float64(b.N), "hits/op")
		})
	}
}
