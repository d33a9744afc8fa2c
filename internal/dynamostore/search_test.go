package dynamostore_test

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"infocentre/internal/centre"
	"infocentre/internal/dynamostore"
	"infocentre/internal/dynamostore/dynamotest"
	"infocentre/internal/search"
	"infocentre/internal/storetest"
)

// docIDs returns the IDs of docs, sorted.
func docIDs(docs []search.Doc) []string {
	var ids []string
	for _, d := range docs {
		ids = append(ids, d.ID)
	}
	slices.Sort(ids)
	return ids
}

// TestSearchDocuments follows a site's search documents and change
// sequence through every kind of entry write, and counts the requests of
// the reads.
func TestSearchDocuments(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	s := e.store
	must(t, s.CreateSite(ctx, storetest.NewSite("flood")))

	docs, seq, err := s.SearchDocs(ctx, "flood")
	must(t, err)
	if len(docs) != 0 {
		t.Fatalf("new site: %d documents", len(docs))
	}
	// changes returns the changes after seq, checking that reading them
	// took want requests, and moves seq on.
	changes := func(what string, want map[string]int) []search.DocChange {
		t.Helper()
		e.calls.Reset()
		d, err := s.SearchChanges(ctx, "flood", seq)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got := e.calls.Calls(); !maps.Equal(got, want) {
			t.Fatalf("%s: calls %v, want %v", what, got, want)
		}
		if d.Reset {
			t.Fatalf("%s: reset", what)
		}
		seq = d.Seq
		return d.Changes
	}
	unchanged := map[string]int{"GetItem": 1}
	changed := map[string]int{"GetItem": 1, "Query": 1}
	if c := changes("nothing written", unchanged); len(c) != 0 {
		t.Fatalf("nothing written: %v", c)
	}

	draft := storetest.NewEntry("flood", "draft", "en")
	must(t, s.CreateEntry(ctx, draft))
	sched := storetest.NewEntry("flood", "later", "en")
	sched.Status, sched.PublishAt = centre.StatusScheduled, storetest.Base.Add(time.Hour)
	must(t, s.CreateEntry(ctx, sched))
	if c := changes("a draft and a scheduled entry", unchanged); len(c) != 0 {
		t.Fatalf("a draft and a scheduled entry changed search documents: %v", c)
	}

	pub := storetest.Publish(storetest.NewEntry("flood", "guidance", "en"), storetest.Base)
	must(t, s.CreateEntry(ctx, pub))
	c := changes("create public", changed)
	if len(c) != 1 || c[0].ID != pub.ID || c[0].Doc == nil || c[0].Doc.Title != pub.Title {
		t.Fatalf("create public: %+v", c)
	}

	// Release of the scheduled entry and an update of the public one.
	storetest.Publish(sched, storetest.Base.Add(time.Hour))
	must(t, s.UpdateEntry(ctx, sched))
	pub.Title = "Guidance on boiling water"
	must(t, s.UpdateEntry(ctx, pub))
	c = changes("release and update", changed)
	if len(c) != 2 || c[0].ID != sched.ID || c[1].ID != pub.ID || c[1].Doc.Title != pub.Title {
		t.Fatalf("release and update: %+v", c)
	}

	// A failed write (stale version) changes nothing.
	before := e.rawItems(t)
	stale := *pub
	stale.Version--
	stale.Title = "Stale"
	mustCode(t, s.UpdateEntry(ctx, &stale), centre.EPRECONDITION, "stale update")
	sameItems(t, "after a refused update of a public entry", e.rawItems(t), before)
	if c := changes("refused update", unchanged); len(c) != 0 {
		t.Fatalf("refused update: %+v", c)
	}

	// Withdrawn entries stay searchable, marked; an entry taken back to
	// draft and a deleted one are removed.
	pub.Status, pub.WithdrawnAt, pub.WithdrawnReason = centre.StatusWithdrawn, storetest.Base.Add(2*time.Hour), "Superseded"
	must(t, s.UpdateEntry(ctx, pub))
	sched.Status = centre.StatusDraft
	must(t, s.UpdateEntry(ctx, sched))
	c = changes("withdraw and unpublish", changed)
	if len(c) != 2 || c[0].Doc == nil || !c[0].Doc.Withdrawn || c[1].ID != sched.ID || c[1].Doc != nil {
		t.Fatalf("withdraw and unpublish: %+v", c)
	}
	docs, got, err := s.SearchDocs(ctx, "flood")
	must(t, err)
	if got != seq || !slices.Equal(docIDs(docs), []string{pub.ID}) || !docs[0].Withdrawn {
		t.Fatalf("documents at %d: %v, want [%s] at %d", got, docIDs(docs), pub.ID, seq)
	}
	must(t, s.DeleteEntry(ctx, "flood", pub.ID, pub.Version))
	c = changes("delete", changed)
	if len(c) != 1 || c[0].ID != pub.ID || c[0].Doc != nil {
		t.Fatalf("delete: %+v", c)
	}
	docs, _, err = s.SearchDocs(ctx, "flood")
	must(t, err)
	if len(docs) != 0 {
		t.Fatalf("after delete: %v", docIDs(docs))
	}

	// A reader whose changes have expired (a gap in the change items)
	// loads again.
	old := seq
	for _, slug := range []string{"a", "b"} {
		must(t, s.CreateEntry(ctx, storetest.Publish(storetest.NewEntry("flood", slug, "en"), storetest.Base)))
	}
	for k := range e.rawItems(t) {
		if pk, sk, _ := strings.Cut(k, " | "); pk == "XL#flood" && strings.TrimLeft(sk, "0") == strconv.FormatInt(old+1, 10) {
			_, err := e.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(e.table),
				Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: sk}}})
			must(t, err)
		}
	}
	if d, err := s.SearchChanges(ctx, "flood", old); err != nil || !d.Reset {
		t.Fatalf("changes after a gap: %+v, %v; want a reset", d, err)
	}

	// A deleted site is not found; a recreated one never continues its
	// predecessor's sequence.
	site, err := s.GetSite(ctx, "flood")
	must(t, err)
	must(t, s.DeleteSite(ctx, "flood", site.Version))
	mustCode(t, func() error { _, err := s.SearchChanges(ctx, "flood", seq); return err }(), centre.ENOTFOUND, "changes of a deleted site")
	mustCode(t, func() error { _, _, err := s.SearchDocs(ctx, "flood"); return err }(), centre.ENOTFOUND, "documents of a deleted site")
	must(t, s.CreateSite(ctx, storetest.NewSite("flood")))
	if d, err := s.SearchChanges(ctx, "flood", seq); err != nil || !d.Reset {
		t.Fatalf("changes of a recreated site: %+v, %v; want a reset", d, err)
	}
}

// TestSearchSequenceRace: a public entry written while another writer
// moves the site's search sequence is retried, and both changes are
// numbered in turn.
func TestSearchSequenceRace(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	must(t, e.store.CreateSite(ctx, storetest.NewSite("flood")))
	_, seq, err := e.store.SearchDocs(ctx, "flood")
	must(t, err)
	theirs := storetest.Publish(storetest.NewEntry("flood", "theirs", "en"), storetest.Base)
	racing := dynamostore.New(e.client, e.table, dynamostore.WithTimeout(dynamotest.StoreTimeout), beforeTx(func() {
		must(t, e.other().CreateEntry(ctx, theirs))
	}))
	ours := storetest.Publish(storetest.NewEntry("flood", "ours", "en"), storetest.Base)
	must(t, racing.CreateEntry(ctx, ours))
	d, err := e.store.SearchChanges(ctx, "flood", seq)
	must(t, err)
	if d.Reset || d.Seq != seq+2 || len(d.Changes) != 2 || d.Changes[0].ID != theirs.ID || d.Changes[1].ID != ours.ID {
		t.Fatalf("changes: %+v, want theirs then ours at %d and %d", d, seq+1, seq+2)
	}
	docs, _, err := e.store.SearchDocs(ctx, "flood")
	must(t, err)
	if want := docIDs([]search.Doc{{ID: theirs.ID}, {ID: ours.ID}}); !slices.Equal(docIDs(docs), want) {
		t.Fatalf("documents %v, want %v", docIDs(docs), want)
	}
}
