package dynamostore_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"infocentre/internal/centre"
	"infocentre/internal/dynamostore"
	"infocentre/internal/dynamostore/dynamotest"
	"infocentre/internal/storetest"
)

// env is a store on a fresh table, with raw access to the table.
type env struct {
	client *dynamodb.Client
	table  string
	store  *dynamostore.Store
	calls  *dynamostore.CallCounter
}

func newEnv(t testing.TB, opts ...dynamostore.Option) *env {
	t.Helper()
	client := dynamotest.Client(t)
	table := dynamotest.NewTable(t, client)
	calls := dynamostore.NewCallCounter()
	opts = append([]dynamostore.Option{dynamostore.WithTimeout(dynamotest.StoreTimeout), dynamostore.WithCallCounter(calls)}, opts...)
	return &env{client: client, table: table, store: dynamostore.New(client, table, opts...), calls: calls}
}

// other returns a second store on the same table, without e's options.
func (e *env) other() *dynamostore.Store {
	return dynamostore.New(e.client, e.table, dynamostore.WithTimeout(dynamotest.StoreTimeout))
}

// rawItems returns every item of the table by primary key (a test-only
// Scan).
func (e *env) rawItems(t *testing.T) map[string]map[string]types.AttributeValue {
	t.Helper()
	out := map[string]map[string]types.AttributeValue{}
	p := dynamodb.NewScanPaginator(e.client, &dynamodb.ScanInput{TableName: aws.String(e.table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			pk := it["PK"].(*types.AttributeValueMemberS).Value
			sk := it["SK"].(*types.AttributeValueMemberS).Value
			out[pk+" | "+sk] = it
		}
	}
	return out
}

func sameItems(t *testing.T, what string, got, want map[string]map[string]types.AttributeValue) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		var added, removed, changed []string
		for k := range got {
			if _, ok := want[k]; !ok {
				added = append(added, k)
			} else if !reflect.DeepEqual(got[k], want[k]) {
				changed = append(changed, k)
			}
		}
		for k := range want {
			if _, ok := got[k]; !ok {
				removed = append(removed, k)
			}
		}
		t.Fatalf("%s: table changed: added %v, removed %v, changed %v", what, added, removed, changed)
	}
}

func mustCode(t *testing.T, err error, code, what string) {
	t.Helper()
	if !centre.IsCode(err, code) {
		t.Fatalf("%s: got %v (code %q), want %q", what, err, centre.ErrorCode(err), code)
	}
}

// asCentreError returns the *centre.Error in err's chain.
func asCentreError(t *testing.T, err error) *centre.Error {
	t.Helper()
	var ce *centre.Error
	if !errors.As(err, &ce) {
		t.Fatalf("%v is not a *centre.Error", err)
	}
	return ce
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestConformance(t *testing.T) {
	dynamotest.Endpoint(t) // skips the whole suite when there is no server
	calls := dynamostore.NewCallCounter()
	// moto_server serves one request at a time (see dynamotest): run the
	// subtests one at a time too.
	storetest.Run(t, func(t *testing.T) centre.Store {
		return dynamotest.NewStore(t, dynamostore.WithCallCounter(calls))
	}, storetest.Sequential())
	if n := calls.Calls()["Scan"]; n != 0 || calls.Total() == 0 {
		t.Fatalf("the conformance suite made %d Scan calls (of %d calls)", n, calls.Total())
	}
	t.Logf("conformance suite: %s", calls)
}

// TestOneRequestPerRead checks the request count of the store operations
// behind public routes and staff writes.
func TestOneRequestPerRead(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	s := e.store
	must(t, s.CreateSite(ctx, storetest.NewSite("flood")))
	var en *centre.Entry
	for i, lang := range []string{"en", "fr", "de"} {
		x := storetest.Publish(storetest.NewEntry("flood", "guidance", lang), storetest.Base.Add(time.Duration(i)*time.Hour))
		x.Tags = []string{"health", "travel"}
		must(t, s.CreateEntry(ctx, x))
		if lang == "en" {
			en = x
		}
	}
	for i := range 30 {
		must(t, s.CreateEntry(ctx, storetest.Publish(storetest.NewEntry("flood", fmt.Sprintf("n%02d", i), "en"), storetest.Base)))
	}
	k := storetest.NewKey("flood", centre.RoleEditor)
	must(t, s.CreateKey(ctx, k))

	check := func(what string, want map[string]int, fn func() error) {
		t.Helper()
		e.calls.Reset()
		if err := fn(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got := e.calls.Calls(); !maps.Equal(got, want) {
			t.Fatalf("%s: calls %v, want %v", what, got, want)
		}
	}
	one := func(op string) map[string]int { return map[string]int{op: 1} }
	check("GetSite", one("GetItem"), func() error { _, err := s.GetSite(ctx, "flood"); return err })
	check("SiteByHost", one("GetItem"), func() error { _, err := s.SiteByHost(ctx, "FLOOD.example.org"); return err })
	check("Revision", one("GetItem"), func() error { _, err := s.Revision(ctx, "flood", en.ID, 1); return err })
	check("Revisions", one("Query"), func() error { _, err := s.Revisions(ctx, "flood", en.ID, 0, 10); return err })
	check("AppendAudit", one("PutItem"), func() error {
		return s.AppendAudit(ctx, storetest.NewAuditEvent("flood", storetest.Base))
	})
	check("ListAudit", one("Query"), func() error {
		_, err := s.ListAudit(ctx, centre.AuditQuery{Site: "flood", Action: "entry.update", From: storetest.Base.Add(-time.Hour)})
		return err
	})
	check("KeyByHash", one("GetItem"), func() error { _, err := s.KeyByHash(ctx, k.Hash); return err })
	// A console request reads its session and its person: one GetItem each.
	person := storetest.NewPerson("flood", centre.RoleEditor, "ana@example.org")
	check("CreatePerson", one("TransactWriteItems"), func() error { return s.CreatePerson(ctx, person) })
	sess := &centre.Session{Hash: centre.HashToken("t"), PersonID: person.ID, CreatedAt: time.Now(), LastSeenAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
	check("CreateSession", one("PutItem"), func() error { return s.CreateSession(ctx, sess) })
	check("GetSession", one("GetItem"), func() error { _, err := s.GetSession(ctx, sess.Hash); return err })
	check("TouchSession", one("UpdateItem"), func() error { return s.TouchSession(ctx, sess.Hash, time.Now()) })
	check("GetPerson", one("GetItem"), func() error { _, err := s.GetPerson(ctx, person.ID); return err })
	check("PersonByEmail", map[string]int{"GetItem": 2}, func() error { _, err := s.PersonByEmail(ctx, "ana@example.org"); return err })
	check("ListPeople", one("Query"), func() error { _, err := s.ListPeople(ctx, "flood"); return err })
	check("UpdatePerson", map[string]int{"GetItem": 1, "TransactWriteItems": 1}, func() error { return s.UpdatePerson(ctx, person) })
	check("TakeChallenge", one("DeleteItem"), func() error {
		_, err := s.TakeChallenge(ctx, centre.HashToken("none"))
		if centre.IsCode(err, centre.ENOTFOUND) {
			return nil
		}
		return fmt.Errorf("TakeChallenge of nothing: %v", err)
	})
	check("EntriesBySlug", one("Query"), func() error {
		list, err := s.EntriesBySlug(ctx, "flood", "guidance")
		if err == nil && len(list) != 3 {
			err = fmt.Errorf("got %d versions, want 3", len(list))
		}
		return err
	})
	for _, q := range []centre.EntryQuery{
		{Site: "flood", Public: true},
		{Site: "flood", Public: true, Type: centre.TypeStatement},
		{Site: "flood", Public: true, Tag: "health", Lang: "fr"},
		{Site: "flood", Public: true, Organisation: "Société Française d'Oncologie"},
		{Site: "flood", Public: true, Lang: "en", Limit: 5},
		{Site: "flood"},
		{Site: "flood", Status: centre.StatusPublished},
		{Site: "flood", Status: centre.StatusDraft, Type: centre.TypeNews},
	} {
		var page centre.EntryPage
		check(fmt.Sprintf("ListEntries %+v", q), one("Query"), func() error {
			var err error
			page, err = s.ListEntries(ctx, q)
			return err
		})
		if page.Next != "" {
			q.After = page.Next
			check(fmt.Sprintf("ListEntries page 2 %+v", q), one("Query"), func() error { _, err := s.ListEntries(ctx, q); return err })
		}
	}
	check("DueEntries", one("Query"), func() error { _, err := s.DueEntries(ctx, time.Now(), 10); return err })
	check("CreateEntry", one("TransactWriteItems"), func() error {
		return s.CreateEntry(ctx, storetest.NewEntry("flood", "new", "en"))
	})
	check("GetEntry", one("Query"), func() error { _, err := s.GetEntry(ctx, "flood", en.ID); return err })
	draft := storetest.NewEntry("flood", "draft", "en")
	must(t, s.CreateEntry(ctx, draft))
	check("UpdateEntry (draft)", map[string]int{"Query": 1, "TransactWriteItems": 1}, func() error {
		draft.Title = "Changed"
		return s.UpdateEntry(ctx, draft)
	})
	// A public entry's search document changes in the same transaction,
	// after a read of the site's search sequence.
	check("UpdateEntry (public)", map[string]int{"Query": 1, "GetItem": 1, "TransactWriteItems": 1}, func() error {
		en.Title = "Changed"
		return s.UpdateEntry(ctx, en)
	})
	// So does a change the search document does not hold: the site's
	// change stamp and front move with every write of a public entry.
	check("UpdateEntry (public, search document unchanged)", map[string]int{"Query": 1, "GetItem": 1, "TransactWriteItems": 1}, func() error {
		en.ReviewNote = "Check the figures"
		return s.UpdateEntry(ctx, en)
	})
	check("CreateSite (no hosts)", one("TransactWriteItems"), func() error {
		site := storetest.NewSite("storm")
		site.Hosts = nil
		return s.CreateSite(ctx, site)
	})
	check("CreateSite (hosts)", one("TransactWriteItems"), func() error { return s.CreateSite(ctx, storetest.NewSite("quake")) })
}

// TestCancelledTransactionsLeaveNothing inspects the raw table after
// refused writes.
func TestCancelledTransactionsLeaveNothing(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	s := e.store
	a := storetest.NewEntry("flood", "alpha", "en")
	a.Tags = []string{"health", "travel"}
	must(t, s.CreateEntry(ctx, a))
	b := storetest.Publish(storetest.NewEntry("flood", "beta", "en"), storetest.Base)
	must(t, s.CreateEntry(ctx, b))
	before := e.rawItems(t)
	// Each entry: entry item, revision 1 and list items (all, type, lang,
	// its tags, one organisation); the public one also its search
	// document, its change item and the site's search sequence.
	if len(before) != 8+7+3 {
		t.Fatalf("two entries with 2 and 1 tags and 1 organisation: %d items, want 18", len(before))
	}

	dup := storetest.NewEntry("flood", "alpha", "en")
	dup.Tags = []string{"a", "b", "c", "d"}
	mustCode(t, s.CreateEntry(ctx, dup), centre.ECONFLICT, "CreateEntry onto a taken slug")
	sameItems(t, "after a refused CreateEntry", e.rawItems(t), before)

	mv := *b
	mv.Slug, mv.Tags, mv.Type = "alpha", []string{"x", "y"}, centre.TypeNews
	mustCode(t, s.UpdateEntry(ctx, &mv), centre.ECONFLICT, "UpdateEntry onto a taken slug")
	sameItems(t, "after a refused UpdateEntry", e.rawItems(t), before)

	many := storetest.NewEntry("flood", "many", "en")
	for i := range 120 {
		many.Tags = append(many.Tags, fmt.Sprintf("t%d", i))
	}
	mustCode(t, s.CreateEntry(ctx, many), centre.EINVALID, "CreateEntry needing more than 100 actions")
	big := storetest.NewEntry("flood", "big", "en")
	big.BodyHTML = strings.Repeat("x", 410*1024)
	mustCode(t, s.CreateEntry(ctx, big), centre.EINVALID, "CreateEntry of an item over 400 KB")
	sameItems(t, "after refused oversized writes", e.rawItems(t), before)

	// A transaction that DynamoDB refuses mid-way (throttled) writes nothing
	// either.
	faults := dynamotest.NewFaults()
	ft := dynamostore.New(e.client, e.table, dynamostore.WithClientOptions(func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, faults.Register)
	}))
	faults.Always("TransactWriteItems", dynamotest.Throttling)
	mustCode(t, ft.CreateEntry(ctx, storetest.NewEntry("flood", "gamma", "en")), centre.EUNAVAILABLE, "throttled CreateEntry")
	sameItems(t, "after a throttled CreateEntry", e.rawItems(t), before)

	// A successful delete removes every item of the entry but its
	// revisions.
	must(t, s.DeleteEntry(ctx, "flood", a.ID, 1))
	for k := range e.rawItems(t) {
		if (strings.Contains(k, a.ID) || strings.Contains(k, "alpha")) && !strings.HasPrefix(k, "R#") {
			t.Fatalf("DeleteEntry left %q", k)
		}
	}
	if _, err := s.Revision(ctx, "flood", a.ID, 1); err != nil {
		t.Fatalf("DeleteEntry removed the revision: %v", err)
	}
}

// beforeTx runs fn once, just before the store's first TransactWriteItems
// call: a concurrent writer slipping in between the store's read and its
// transaction.
func beforeTx(fn func()) dynamostore.Option {
	var once sync.Once
	return dynamostore.WithClientOptions(func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
			return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("beforeTx",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					if middleware.GetOperationName(ctx) == "TransactWriteItems" {
						once.Do(fn)
					}
					return next.HandleInitialize(ctx, in)
				}), middleware.Before)
		})
	})
}

// TestConditionFailures checks how failed conditions of a transaction map to
// error codes when another writer changes the items after the store read
// them.
func TestConditionFailures(t *testing.T) {
	ctx := t.Context()
	setup := func(t *testing.T, fn func(other *dynamostore.Store, x *centre.Entry)) (*env, *dynamostore.Store, *centre.Entry) {
		e := newEnv(t)
		x := storetest.NewEntry("flood", "contended", "en")
		must(t, e.other().CreateEntry(ctx, x))
		racing := dynamostore.New(e.client, e.table, dynamostore.WithTimeout(dynamotest.StoreTimeout), beforeTx(func() { fn(e.other(), x) }))
		return e, racing, x
	}
	t.Run("version changed", func(t *testing.T) {
		e, s, x := setup(t, func(o *dynamostore.Store, x *centre.Entry) {
			c := *x
			c.Title = "Theirs"
			must(t, o.UpdateEntry(ctx, &c))
		})
		mine := *x
		mine.Slug, mine.Title = "mine", "Mine"
		mustCode(t, s.UpdateEntry(ctx, &mine), centre.EPRECONDITION, "UpdateEntry after a concurrent update")
		got, err := e.other().GetEntry(ctx, "flood", x.ID)
		must(t, err)
		if got.Title != "Theirs" || got.Version != 2 {
			t.Fatalf("stored entry %q v%d, want the concurrent update", got.Title, got.Version)
		}
		if _, err := e.other().EntriesBySlug(ctx, "flood", "mine"); !centre.IsCode(err, centre.ENOTFOUND) {
			t.Fatalf("the refused update reserved its slug: %v", err)
		}
	})
	t.Run("entry deleted", func(t *testing.T) {
		_, s, x := setup(t, func(o *dynamostore.Store, x *centre.Entry) {
			must(t, o.DeleteEntry(ctx, "flood", x.ID, 1))
		})
		mine := *x
		mine.Title = "Mine"
		mustCode(t, s.UpdateEntry(ctx, &mine), centre.ENOTFOUND, "UpdateEntry after a concurrent delete")
	})
	t.Run("entry renamed", func(t *testing.T) {
		// The entry item moved to another slug: the version condition
		// finds no item at the old one, yet the entry exists.
		_, s, x := setup(t, func(o *dynamostore.Store, x *centre.Entry) {
			c := *x
			c.Slug = "renamed"
			must(t, o.UpdateEntry(ctx, &c))
		})
		mine := *x
		mine.Title = "Mine"
		mustCode(t, s.UpdateEntry(ctx, &mine), centre.EPRECONDITION, "UpdateEntry after a concurrent rename")
		mustCode(t, s.DeleteEntry(ctx, "flood", x.ID, 1), centre.EPRECONDITION, "DeleteEntry after a concurrent rename")
	})
	t.Run("slug taken", func(t *testing.T) {
		_, s, x := setup(t, func(o *dynamostore.Store, x *centre.Entry) {
			must(t, o.CreateEntry(ctx, storetest.NewEntry("flood", "target", "en")))
		})
		mine := *x
		mine.Slug = "target"
		mustCode(t, s.UpdateEntry(ctx, &mine), centre.ECONFLICT, "UpdateEntry onto a slug taken concurrently")
	})
	t.Run("delete after update", func(t *testing.T) {
		_, s, x := setup(t, func(o *dynamostore.Store, x *centre.Entry) {
			c := *x
			must(t, o.UpdateEntry(ctx, &c))
		})
		mustCode(t, s.DeleteEntry(ctx, "flood", x.ID, 1), centre.EPRECONDITION, "DeleteEntry after a concurrent update")
	})
	t.Run("site", func(t *testing.T) {
		e := newEnv(t)
		site := storetest.NewSite("flood")
		must(t, e.store.CreateSite(ctx, site))
		stale := *site
		must(t, e.store.UpdateSite(ctx, site))
		mustCode(t, e.store.UpdateSite(ctx, &stale), centre.EPRECONDITION, "UpdateSite with a stale version")
		missing := storetest.NewSite("storm")
		missing.Version = 1
		mustCode(t, e.store.UpdateSite(ctx, missing), centre.ENOTFOUND, "UpdateSite of a missing site")
		mustCode(t, e.store.CreateSite(ctx, storetest.NewSite("flood")), centre.ECONFLICT, "CreateSite with a taken slug")
	})
	t.Run("key", func(t *testing.T) {
		e := newEnv(t)
		k := storetest.NewKey("flood", centre.RoleEditor)
		must(t, e.store.CreateKey(ctx, k))
		sameHash := storetest.NewKey("storm", centre.RoleViewer)
		sameHash.Hash = k.Hash
		mustCode(t, e.store.CreateKey(ctx, sameHash), centre.ECONFLICT, "CreateKey with a taken hash")
		sameID := storetest.NewKey("storm", centre.RoleViewer)
		sameID.ID = k.ID
		mustCode(t, e.store.CreateKey(ctx, sameID), centre.ECONFLICT, "CreateKey with a taken ID")
	})
}

// TestFaults injects throttling, capacity errors, server errors and
// timeouts below the SDK's retry loop.
func TestFaults(t *testing.T) {
	ctx := t.Context()
	faults := dynamotest.NewFaults()
	e := newEnv(t, dynamostore.WithClientOptions(func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, faults.Register)
	}))
	s := e.store
	must(t, s.CreateSite(ctx, storetest.NewSite("flood")))
	must(t, s.CreateEntry(ctx, storetest.Publish(storetest.NewEntry("flood", "a", "en"), storetest.Base)))

	for _, f := range []dynamotest.Fault{dynamotest.Throttling, dynamotest.ProvisionedThroughputExceeded, dynamotest.InternalServerError, dynamotest.Timeout} {
		t.Run(string(f), func(t *testing.T) {
			defer faults.Clear()
			// Transient: retried, then served.
			faults.Inject("GetItem", dynamostore.DefaultMaxAttempts-1, f)
			e.calls.Reset()
			if _, err := s.GetSite(ctx, "flood"); err != nil {
				t.Fatalf("GetSite after %d faults: %v", dynamostore.DefaultMaxAttempts-1, err)
			}
			if got := e.calls.Attempts()["GetItem"]; got != dynamostore.DefaultMaxAttempts {
				t.Fatalf("GetItem attempts %d, want %d", got, dynamostore.DefaultMaxAttempts)
			}
			// Persistent: EUNAVAILABLE once the retries run out.
			faults.Always("", f)
			e.calls.Reset()
			_, err := s.GetSite(ctx, "flood")
			mustCode(t, err, centre.EUNAVAILABLE, "GetSite with a persistent fault")
			if got := e.calls.Attempts()["GetItem"]; got != dynamostore.DefaultMaxAttempts {
				t.Fatalf("GetItem attempts %d, want %d", got, dynamostore.DefaultMaxAttempts)
			}
			if strings.Contains(centre.ErrorMessage(err), string(f)) {
				t.Fatalf("error message leaks detail: %q", centre.ErrorMessage(err))
			}
			// The SDK's error stays in the chain, for logs and errors.As.
			if !dynamostore.Transient(errors.Unwrap(asCentreError(t, err))) {
				t.Fatalf("EUNAVAILABLE lost its cause: %v", err)
			}
			_, err = s.ListEntries(ctx, centre.EntryQuery{Site: "flood", Public: true})
			mustCode(t, err, centre.EUNAVAILABLE, "ListEntries with a persistent fault")
			mustCode(t, s.CreateEntry(ctx, storetest.NewEntry("flood", "b", "en")), centre.EUNAVAILABLE, "CreateEntry with a persistent fault")
			faults.Clear()
			if _, err := s.EntriesBySlug(ctx, "flood", "b"); !centre.IsCode(err, centre.ENOTFOUND) {
				t.Fatalf("a failed CreateEntry stored the entry: %v", err)
			}
		})
	}

	t.Run("deadline", func(t *testing.T) {
		defer faults.Clear()
		hs := dynamostore.New(e.client, e.table, dynamostore.WithTimeout(300*time.Millisecond), dynamostore.WithClientOptions(func(o *dynamodb.Options) {
			o.APIOptions = append(o.APIOptions, faults.Register)
		}))
		faults.Always("", dynamotest.Hang)
		start := time.Now()
		_, err := hs.GetSite(ctx, "flood")
		mustCode(t, err, centre.EUNAVAILABLE, "GetSite hanging past the store's deadline")
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("GetSite took %v with a 300ms deadline", d)
		}
		// The caller's own cancellation is not "unavailable".
		cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		_, err = hs.GetSite(cctx, "flood")
		if !errors.Is(err, context.DeadlineExceeded) || centre.IsCode(err, centre.EUNAVAILABLE) {
			t.Fatalf("GetSite with the caller's deadline: %v, want context.DeadlineExceeded", err)
		}
	})
}

// TestCursors checks that raw cursors cannot address another partition.
func TestCursors(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	s := e.store
	for _, site := range []string{"flood", "storm"} {
		for i := range 5 {
			x := storetest.Publish(storetest.NewEntry(site, fmt.Sprintf("e%d", i), "en"), storetest.Base.Add(time.Duration(i)*time.Hour))
			must(t, s.CreateEntry(ctx, x))
		}
	}
	page, err := s.ListEntries(ctx, centre.EntryQuery{Site: "flood", Public: true, Limit: 2})
	must(t, err)
	if page.Next == "" {
		t.Fatal("no Next")
	}
	for _, q := range []centre.EntryQuery{
		{Site: "storm", Public: true},
		{Site: "flood"},
		{Site: "flood", Public: true, Tag: "health"},
		{Site: "flood", Public: true, Lang: "en"},
		{Site: "flood", Status: centre.StatusPublished},
	} {
		q.After = page.Next
		_, err := s.ListEntries(ctx, q)
		mustCode(t, err, centre.EINVALID, fmt.Sprintf("cursor of the flood public list used for %+v", q))
	}
	// Forged cursors: well-formed, but for another site's partition, or
	// with extra or missing attributes.
	raw, _ := base64.RawURLEncoding.DecodeString(page.Next)
	for _, forged := range []string{
		strings.ReplaceAll(string(raw), "flood", "storm"),
		`{"PK":"L#storm#all","SK":"x"}`,
		`{"PK":"L#flood#all","SK":"x","GSI1PK":"P#storm#all","GSI1SK":"2026-03-02T09:00:00.000000000Z#x"}`,
		`{"PK":"L#flood#all","SK":"x","GSI1PK":"P#flood#all","GSI1SK":"2026-03-02T09:00:00.000000000Z#x","X":"y"}`,
		`{"PK":"L#flood#all","SK":"x","GSI1PK":"P#flood#all","GSI1SK":"2026-03-02T09:00:00.000000000Z#y"}`,
		`[]`, `null`, `{"PK":1}`,
	} {
		c := base64.RawURLEncoding.EncodeToString([]byte(forged))
		_, err := s.ListEntries(ctx, centre.EntryQuery{Site: "flood", Public: true, After: c})
		mustCode(t, err, centre.EINVALID, "forged cursor "+forged)
	}
	// The genuine cursor continues where the first page ended.
	page2, err := s.ListEntries(ctx, centre.EntryQuery{Site: "flood", Public: true, Limit: 2, After: page.Next})
	must(t, err)
	if len(page2.Items) != 2 || page2.Items[0].Slug != "e2" {
		t.Fatalf("page 2: %v", page2.Items)
	}
	// A staff cursor works for the staff listing of the same filter only.
	sp, err := s.ListEntries(ctx, centre.EntryQuery{Site: "flood", Status: centre.StatusPublished, Limit: 2})
	must(t, err)
	_, err = s.ListEntries(ctx, centre.EntryQuery{Site: "flood", Status: centre.StatusPublished, Limit: 2, After: sp.Next})
	must(t, err)
	_, err = s.ListEntries(ctx, centre.EntryQuery{Site: "flood", Status: centre.StatusDraft, Limit: 2, After: sp.Next})
	mustCode(t, err, centre.EINVALID, "a published-status cursor used for drafts")

	// Audit cursors: bound to the site and to the From/To range.
	for i := range 6 {
		must(t, s.AppendAudit(ctx, storetest.NewAuditEvent("flood", storetest.Base.Add(time.Duration(i)*time.Hour))))
	}
	ap, err := s.ListAudit(ctx, centre.AuditQuery{Site: "flood", Limit: 2})
	must(t, err)
	if len(ap.Items) != 2 || ap.Next == "" {
		t.Fatalf("audit page: %d items, Next %q", len(ap.Items), ap.Next)
	}
	for _, q := range []centre.AuditQuery{
		{Site: "storm"},
		{Site: "flood", To: storetest.Base.Add(2 * time.Hour)},   // the cursor is past To
		{Site: "flood", From: storetest.Base.Add(5 * time.Hour)}, // and before From
	} {
		q.After = ap.Next
		_, err := s.ListAudit(ctx, q)
		mustCode(t, err, centre.EINVALID, fmt.Sprintf("audit cursor used for %+v", q))
	}
	_, err = s.ListAudit(ctx, centre.AuditQuery{Site: "flood", After: page.Next})
	mustCode(t, err, centre.EINVALID, "an entry cursor used for the audit log")
	ap2, err := s.ListAudit(ctx, centre.AuditQuery{Site: "flood", Limit: 2, After: ap.Next, From: storetest.Base})
	must(t, err)
	if len(ap2.Items) != 2 || !ap2.Items[0].At.Equal(storetest.Base.Add(3*time.Hour)) {
		t.Fatalf("audit page 2: %+v", ap2.Items)
	}
}

// TestIdempotencyTTL checks the TTL attribute of records and that expired
// records count as absent before DynamoDB deletes them.
func TestIdempotencyTTL(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 500_000_000, time.UTC)
	clock := func() time.Time { return now }
	e := newEnv(t, dynamostore.WithClock(clock))
	ctx := t.Context()
	ttl, err := e.client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(e.table)})
	must(t, err)
	if d := ttl.TimeToLiveDescription; d == nil || aws.ToString(d.AttributeName) != dynamostore.TTLAttribute || d.TimeToLiveStatus != types.TimeToLiveStatusEnabled {
		t.Fatalf("TTL of the table: %+v", d)
	}
	rec := &centre.IdempotencyRecord{Scope: "k1", Key: "key-1", RequestHash: "h", CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
	prev, err := e.store.ClaimIdempotency(ctx, rec)
	if err != nil || prev != nil {
		t.Fatalf("claim: %v %v", prev, err)
	}
	items := e.rawItems(t)
	it := items["IDEM#k1 | key-1"]
	if it == nil {
		t.Fatalf("no record item in %v", slices.Collect(maps.Keys(items)))
	}
	if got, want := it["ttl"], (&types.AttributeValueMemberN{Value: fmt.Sprint(now.Add(time.Minute).Unix() + 1)}); !reflect.DeepEqual(got, want) {
		t.Fatalf("ttl attribute %#v, want %#v", got, want)
	}
	// Still live one millisecond before expiry; absent at expiry, although
	// the item is still in the table.
	now = rec.ExpiresAt.Add(-time.Millisecond)
	again := *rec
	again.RequestHash = "h2"
	prev, err = e.store.ClaimIdempotency(ctx, &again)
	if err != nil || prev == nil || prev.RequestHash != "h" {
		t.Fatalf("claim before expiry: %+v %v", prev, err)
	}
	now = rec.ExpiresAt
	mustCode(t, e.store.CompleteIdempotency(ctx, rec), centre.ENOTFOUND, "CompleteIdempotency of an expired record")
	again.ExpiresAt = now.Add(time.Hour)
	prev, err = e.store.ClaimIdempotency(ctx, &again)
	if err != nil || prev != nil {
		t.Fatalf("claim over an expired record: %+v %v", prev, err)
	}
	mustCode(t, func() error {
		_, err := e.store.ClaimIdempotency(ctx, &centre.IdempotencyRecord{Scope: "k1", Key: strings.Repeat("x", 1001)})
		return err
	}(),
		centre.EINVALID, "ClaimIdempotency with an oversized key")
}

func TestNewFromEnv(t *testing.T) {
	ep := dynamotest.Endpoint(t)
	client := dynamotest.Client(t)
	table := dynamotest.NewTable(t, client)
	for k, v := range map[string]string{
		"DYNAMODB_TABLE": table, "DYNAMODB_ENDPOINT": ep, "AWS_REGION": "us-east-1",
		"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "",
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull, "AWS_PROFILE": "",
		"AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}
	s, err := dynamostore.NewFromEnv(t.Context())
	must(t, err)
	if s.Table() != table {
		t.Fatalf("table %q, want %q", s.Table(), table)
	}
	must(t, s.CreateSite(t.Context(), storetest.NewSite("flood")))
	if _, err := dynamostore.New(client, table).GetSite(t.Context(), "flood"); err != nil {
		t.Fatalf("the site stored through NewFromEnv: %v", err)
	}
	t.Setenv("DYNAMODB_TABLE", "")
	if _, err := dynamostore.NewFromEnv(t.Context()); err == nil {
		t.Fatal("NewFromEnv without DYNAMODB_TABLE succeeded")
	}
}
