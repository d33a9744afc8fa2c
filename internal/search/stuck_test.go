package search

import (
	"context"
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/demo"
)

// stuckStore hands back the cursor it was given as the next one: the same
// page forever, as a faulty store (or a cursor bug) would.
type stuckStore struct{ centre.Store }

func (s stuckStore) ListEntries(ctx context.Context, q centre.EntryQuery) (centre.EntryPage, error) {
	page, err := s.Store.ListEntries(ctx, q)
	page.Next = q.After
	if page.Next == "" {
		page.Next = "again"
	}
	return page, err
}

// TestBuildEndsOnAStuckStore: the index build stops with an error instead
// of reading the same page forever.
func TestBuildEndsOnAStuckStore(t *testing.T) {
	_, _, store := demoCentre(t)
	s := &Service{Store: stuckStore{store}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := s.Index(ctx, demo.Slug)
	if err == nil || !strings.Contains(err.Error(), "cursor") {
		t.Fatalf("err = %v, want the stuck cursor named", err)
	}
}
