package web

import (
	"context"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"infocentre/internal/httpcache"
	"infocentre/internal/web/fixture"
)

// TestExpiryBoundsResponses: a page, feed or sitemap showing an entry that
// expires later reports that moment to a render cache (httpcache.Bound)
// and cuts its Cache-Control so that no shared cache keeps it past then;
// a page that does not show it is not bounded.
func TestExpiryBoundsResponses(t *testing.T) {
	now := fixture.Base.Add(40 * 24 * time.Hour)
	e, _, _ := newServiceEnv(t, now)
	x := entryBySlug(t, e.store, fixture.ReportSlug, "en")
	x.ExpiresAt = now.Add(90 * time.Minute)
	if err := e.store.UpdateEntry(context.Background(), x); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/", "/publications/", "/en/" + fixture.ReportSlug + "/", "/feed.atom", "/publications/feed.rss", "/sitemap.xml"} {
		ctx := httpcache.WithBound(context.Background())
		r := httptest.NewRequest("GET", base+p, nil).WithContext(ctx)
		r.Host = "centre.example.net"
		w := httptest.NewRecorder()
		e.mux.ServeHTTP(w, r)
		if w.Code != 200 {
			t.Fatalf("%s: %d", p, w.Code)
		}
		if got := httpcache.BoundOf(ctx); !got.Equal(x.ExpiresAt) {
			t.Errorf("%s: bound %v, want the expiry %v", p, got, x.ExpiresAt)
		}
		for _, d := range strings.Split(w.Header().Get("Cache-Control"), ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(d), "=")
			if n, err := strconv.Atoi(v); ok && err == nil && k != "max-age" && k != "s-maxage" && n > 90*60 {
				t.Errorf("%s: %s=%d outlives the expiry in 90 minutes (%s)", p, k, n, w.Header().Get("Cache-Control"))
			}
		}
	}
	ctx := httpcache.WithBound(context.Background())
	r := httptest.NewRequest("GET", base+"/statements/", nil).WithContext(ctx)
	r.Host = "centre.example.net"
	e.mux.ServeHTTP(httptest.NewRecorder(), r)
	if got := httpcache.BoundOf(ctx); !got.IsZero() {
		t.Errorf("/statements/ does not show the publication, yet is bounded at %v", got)
	}
}
