package app_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/dynamostore"
	"infocentre/internal/dynamostore/dynamotest"
	"infocentre/internal/markdown"
)

// TestConcurrentPublisherRuns: two publisher runs at once (Lambda's
// asynchronous retry overlapping the next scheduled run), each with its own
// client, as two containers have, on one DynamoDB table: every due entry
// is released exactly once — one new revision each — and neither run
// fails.
func TestConcurrentPublisherRuns(t *testing.T) {
	client := dynamotest.Client(t)
	table := dynamotest.NewTable(t, client)
	newStore := func() *dynamostore.Store {
		s := dynamostore.New(dynamotest.Client(t), table, dynamostore.WithTimeout(dynamotest.StoreTimeout))
		t.Cleanup(func() { s.Close() })
		return s
	}
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	writer := &centre.Service{Store: newStore(), Render: markdown.Render, Now: func() time.Time { return now }}
	owner := centre.Principal{KeyID: "test", Site: centre.AllSites, Role: centre.RoleOwner}
	if _, err := writer.CreateSite(ctx, owner, centre.SiteInput{Slug: "race", Title: "Race", Publisher: "Test",
		Languages: []string{"en"}, Contact: centre.Contact{Email: "press@example.org"}}); err != nil {
		t.Fatal(err)
	}
	// More than one batch of DueEntries (50).
	const n = 52
	ids := map[string]bool{}
	for i := range n {
		e, err := writer.CreateEntry(ctx, owner, "race", centre.EntryInput{Status: centre.StatusScheduled, PublishAt: now.Add(time.Duration(i+1) * time.Second),
			Content: centre.Content{Type: centre.TypeNews, Title: fmt.Sprintf("Embargoed %d", i), Body: "Soon."}})
		if err != nil {
			t.Fatal(err)
		}
		if e.Status != centre.StatusScheduled {
			t.Fatalf("entry %d: %s", i, e.Status)
		}
		ids[e.ID] = true
	}

	later := func() time.Time { return now.Add(time.Hour) }
	runs := []*centre.Service{{Store: newStore(), Now: later}, {Store: newStore(), Now: later}}
	var wg sync.WaitGroup
	counts := make([]int, len(runs))
	errs := make([]error, len(runs))
	start := make(chan struct{})
	for i, svc := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			counts[i], errs[i] = svc.PublishDue(ctx)
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	if counts[0]+counts[1] != n {
		t.Fatalf("runs released %d + %d entries, want %d in all", counts[0], counts[1], n)
	}
	t.Logf("the runs released %d and %d entries", counts[0], counts[1])
	for id := range ids {
		e, err := writer.Store.GetEntry(ctx, "race", id)
		if err != nil {
			t.Fatal(err)
		}
		revs, err := writer.Store.Revisions(ctx, "race", id, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if e.Status != centre.StatusPublished || e.Version != 2 || len(revs) != 2 || revs[1].LastChange.Action != "release" {
			t.Fatalf("entry %s: %s v%d, %d revisions", id, e.Status, e.Version, len(revs))
		}
	}
	// A third run finds nothing left to do.
	if got, err := runs[0].PublishDue(ctx); err != nil || got != 0 {
		t.Fatalf("third run: %d %v", got, err)
	}
}
