package httpapi_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"infocentre/internal/httpcache"
)

// TestPublicReadsBoundedByExpiry: a public list or entry response showing
// an entry that expires reports that moment to a render cache
// (httpcache.Bound), and one showing none reports nothing.
func TestPublicReadsBoundedByExpiry(t *testing.T) {
	e := newEnv(t)
	at := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Second)
	e.published("expiring", map[string]any{"expires_at": at.Format(time.RFC3339)})
	e.published("lasting", nil)
	for path, want := range map[string]time.Time{
		"/api/v1/sites/demo/entries":          at,
		"/api/v1/sites/demo/entries/expiring": at,
		"/api/v1/sites/demo/entries/lasting":  {},
		"/api/v1/sites/demo/entries?limit=1":  {}, // the newest only: "lasting"
	} {
		ctx := httpcache.WithBound(context.Background())
		r := httptest.NewRequest("GET", path, nil).WithContext(ctx)
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		if w.Code != 200 && w.Code != 400 {
			t.Fatalf("%s: %d %s", path, w.Code, w.Body)
		}
		if w.Code == 200 && !httpcache.BoundOf(ctx).Equal(want) {
			t.Errorf("%s: bound %v, want %v", path, httpcache.BoundOf(ctx), want)
		}
	}
}
