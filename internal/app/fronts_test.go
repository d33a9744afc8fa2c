package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"infocentre/internal/app"
	"infocentre/internal/centre"
	"infocentre/internal/demo"
	"infocentre/internal/dynamostore"
	"infocentre/internal/dynamostore/dynamotest"
	"infocentre/internal/lambdaadapter"
	"infocentre/internal/storetest"
)

// dropFront takes a site's front away, as a site created before fronts
// were kept has none: its search marker loses the attribute.
func dropFront(t *testing.T, store *dynamostore.Store, site string) {
	t.Helper()
	_, err := dynamotest.Client(t).UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: aws.String(store.Table()),
		Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "X#" + site},
			"SK": &types.AttributeValueMemberS{Value: "#SEQ"}},
		UpdateExpression: aws.String("REMOVE front")})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := store.SiteStamp(t.Context(), site); err != nil || st.Front != nil {
		t.Fatalf("%s still has a front: %v", site, err)
	}
}

// frontOf returns a site's front as JSON ("null" for none).
func frontOf(t *testing.T, store centre.Store, site string) string {
	t.Helper()
	st, err := store.SiteStamp(t.Context(), site)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(st.Front)
	return string(b)
}

// TestPublisherRebuildsMissingFronts: on DynamoDB, a site without a front
// gets the one its entries make from an invocation of the scheduled
// publisher function (its handler, as functions/publisher starts it),
// which still publishes what is due.
func TestPublisherRebuildsMissingFronts(t *testing.T) {
	store := dynamotest.NewStore(t)
	a, _ := launchEnv(t, app.Config{Store: "dynamodb", CursorSecret: "test-cursor-secret-0123456789"}, store)
	kept := frontOf(t, store, demo.Slug)
	if kept == "null" {
		t.Fatal("the demo site has no front to begin with")
	}
	dropFront(t, store, demo.Slug)

	handler := lambdaadapter.Schedule("publish due entries", a.PublisherRun(), a.Log)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second) // the function's timeout
	defer cancel()
	if _, err := handler(ctx, events.EventBridgeEvent{ID: "run-1"}); err != nil {
		t.Fatal(err)
	}
	if got := frontOf(t, store, demo.Slug); got != kept {
		t.Fatalf("front after a publisher invocation\n%s\nthe one the entry writes kept\n%s", got, kept)
	}
}

// hangingStore is the real store, except that listing the entries of the
// sites hang names waits until the caller's deadline: a site too large to
// rebuild within a run.
type hangingStore struct {
	centre.Store
	mu   sync.Mutex
	hang map[string]bool
}

func (s *hangingStore) set(site string, hang bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hang[site] = hang
}

func (s *hangingStore) ListEntries(ctx context.Context, q centre.EntryQuery) (centre.EntryPage, error) {
	s.mu.Lock()
	hang := s.hang[q.Site]
	s.mu.Unlock()
	if hang {
		<-ctx.Done()
		return centre.EntryPage{}, ctx.Err()
	}
	return s.Store.ListEntries(ctx, q)
}

// TestFrontKeeperIsBounded: each check stops at its time budget and the
// next one goes on from the site it stopped at; a site whose rebuild does
// not fit a whole budget is logged and left instead of taking every run;
// after a complete pass the sites are not checked again before the
// interval, and then they are.
func TestFrontKeeperIsBounded(t *testing.T) {
	store := dynamotest.NewStore(t)
	ctx := t.Context()
	sites := []string{"fronta", "frontb", "frontc"}
	for _, slug := range sites {
		if err := store.CreateSite(ctx, storetest.NewSite(slug)); err != nil {
			t.Fatal(err)
		}
		for i := range 2 {
			e := storetest.Publish(storetest.NewEntry(slug, fmt.Sprintf("news-%d", i), "en"), storetest.Base.Add(time.Duration(i)*time.Hour))
			if err := store.CreateEntry(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
	}
	kept := map[string]string{}
	for _, slug := range sites {
		kept[slug] = frontOf(t, store, slug)
		dropFront(t, store, slug)
	}
	slow := &hangingStore{Store: store, hang: map[string]bool{"frontb": true}}
	var log syncBuffer
	now := time.Now()
	k := &app.FrontKeeper{Service: &centre.Service{Store: slow}, Log: app.NewLogger(&log, "info"),
		Budget: 2 * time.Second, Interval: time.Hour, Now: func() time.Time { return now }}
	want := func(step string, stored, n int, fronts ...string) {
		t.Helper()
		if n != stored {
			t.Errorf("%s: %d fronts stored, want %d", step, n, stored)
		}
		for i, slug := range sites {
			got := frontOf(t, store, slug)
			if fronts[i] == "kept" && got != kept[slug] {
				t.Errorf("%s: %s has front %s, want %s", step, slug, got, kept[slug])
			}
			if fronts[i] == "none" && got != "null" {
				t.Errorf("%s: %s has front %s, want none", step, slug, got)
			}
		}
	}

	// fronta is rebuilt; frontb takes the rest of the budget and comes
	// first next time; frontc waits.
	want("first check", 1, k.Check(ctx), "kept", "none", "none")
	// frontb had the whole budget: it is left, and logged.
	want("second check", 0, k.Check(ctx), "kept", "none", "none")
	if !strings.Contains(log.String(), `"site":"frontb"`) || !strings.Contains(log.String(), "infocentre site rebuild-front") {
		t.Errorf("the site left is not logged: %s", log.String())
	}
	want("third check", 1, k.Check(ctx), "kept", "none", "kept")

	// The pass is complete: nothing is read until the interval is over.
	dropFront(t, store, "fronta")
	slow.set("frontb", false)
	want("within the interval", 0, k.Check(ctx), "none", "none", "kept")
	now = now.Add(time.Hour)
	want("after the interval", 2, k.Check(ctx), "kept", "kept", "kept")

	// A check never runs past the invocation's deadline, less a margin.
	dropFront(t, store, "frontc")
	now = now.Add(time.Hour)
	short, cancel := context.WithTimeout(ctx, 4*time.Second) // less than the 5 s margin
	defer cancel()
	want("without time left", 0, k.Check(short), "kept", "kept", "none")
}
