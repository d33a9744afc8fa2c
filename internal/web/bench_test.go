package web

import (
	"net/http/httptest"
	"testing"
)

func benchPage(b *testing.B, path string, conditional bool) {
	e := newEnv(b)
	r := httptest.NewRequest("GET", path, nil)
	r.Header.Set("Accept-Encoding", "gzip")
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, r)
	if conditional {
		r.Header.Set("If-None-Match", w.Header().Get("ETag"))
	}
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		e.mux.ServeHTTP(w, r)
		if conditional && w.Code != 304 || !conditional && w.Code != 200 {
			b.Fatalf("status %d", w.Code)
		}
	}
}

func BenchmarkHome(b *testing.B)             { benchPage(b, base+"/", false) }
func BenchmarkHomeNotModified(b *testing.B)  { benchPage(b, base+"/", true) }
func BenchmarkEntry(b *testing.B)            { benchPage(b, base+"/en/medicine-supply/", false) }
func BenchmarkEntryNotModified(b *testing.B) { benchPage(b, base+"/en/medicine-supply/", true) }
