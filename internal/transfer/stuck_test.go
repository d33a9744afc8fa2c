package transfer_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"infocentre/internal/centre"
	"infocentre/internal/demo"
	"infocentre/internal/transfer"
)

// stuck hands back the cursor it was given as the next one: the same page
// forever, as a faulty store would.
type stuck struct{ centre.Store }

func (s stuck) ListEntries(ctx context.Context, q centre.EntryQuery) (centre.EntryPage, error) {
	page, err := s.Store.ListEntries(ctx, q)
	page.Next = q.After + "x"
	if q.After != "" {
		page.Next = q.After
	}
	return page, err
}

func (s stuck) ListAudit(ctx context.Context, q centre.AuditQuery) (centre.AuditPage, error) {
	page, err := s.Store.ListAudit(ctx, q)
	page.Next = q.After + "x"
	if q.After != "" {
		page.Next = q.After
	}
	return page, err
}

// TestExportEndsOnAStuckStore: an export whose store repeats a page stops
// with an error instead of writing forever.
func TestExportEndsOnAStuckStore(t *testing.T) {
	store := newBolt(t)
	seeded(t, store)
	_, err := transfer.Export(context.Background(), stuck{store}, nil, demo.Slug, io.Discard, nil)
	if err == nil || !strings.Contains(err.Error(), "cursor") {
		t.Fatalf("err = %v, want the stuck cursor named", err)
	}
}
