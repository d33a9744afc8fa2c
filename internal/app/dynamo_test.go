package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"infocentre/internal/app"
	"infocentre/internal/centre"
	"infocentre/internal/demo"
	"infocentre/internal/dynamostore"
	"infocentre/internal/dynamostore/dynamotest"
)

func TestMain(m *testing.M) { dynamotest.Main(m) }

// dynamoApp wires the whole application on a fresh DynamoDB table (on
// moto_server) whose requests are counted, and seeds the demo site.
func dynamoApp(t testing.TB) (*app.App, *dynamostore.CallCounter, string) {
	t.Helper()
	return dynamoAppWith(t, app.Config{})
}

// dynamoAppWith is dynamoApp with the settings of cfg besides the store's.
func dynamoAppWith(t testing.TB, cfg app.Config) (*app.App, *dynamostore.CallCounter, string) {
	t.Helper()
	calls := dynamostore.NewCallCounter()
	store := dynamotest.NewStore(t, dynamostore.WithCallCounter(calls))
	cfg.Store, cfg.CursorSecret, cfg.PreviewSecret = "dynamodb", "test-cursor-secret-0123456789", "test-preview-secret-0123456789"
	a, owner := launchEnv(t, cfg, store)
	return a, calls, owner
}

func get(h http.Handler, path string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestPublicReadsAreOneRequest: every public read API route costs exactly
// one DynamoDB request (GetItem or Query) to render, and none is a Scan
// (without the render cache; TestPublicReadsPerView counts with it).
func TestPublicReadsAreOneRequest(t *testing.T) {
	a, calls, _ := dynamoAppWith(t, app.Config{RenderCacheBytes: -1})
	h := a.Handler.Public()
	routes := []string{
		"/api/v1/sites/demo",
		"/api/v1/sites/demo/entries",
		"/api/v1/sites/demo/entries?limit=3",
		"/api/v1/sites/demo/entries?type=publication",
		"/api/v1/sites/demo/entries?tag=cancer-care",
		"/api/v1/sites/demo/entries?organisation=european-health-technology-association",
		"/api/v1/sites/demo/entries?lang=fr",
		"/api/v1/sites/demo/entries?type=statement&lang=en",
		"/api/v1/sites/demo/entries/keep-cancer-care-going",
		"/api/v1/sites/demo/entries/keep-cancer-care-going?lang=fr",
		"/api/v1/sites/demo/entries/no-such-entry",
		"/api/v1/sites/no-such-site",
	}
	for _, path := range routes {
		calls.Reset()
		w := get(h, path)
		if w.Code != 200 && w.Code != 404 {
			t.Errorf("%s: %d %s", path, w.Code, w.Body)
		}
		got := calls.Calls()
		total := 0
		for op, n := range got {
			total += n
			if op != "GetItem" && op != "Query" {
				t.Errorf("%s: used %s", path, op)
			}
		}
		if total != 1 {
			t.Errorf("%s: %d DynamoDB requests %v, want exactly 1", path, total, got)
		}
	}
	// The next page of a list is one request too.
	w := get(h, "/api/v1/sites/demo/entries?limit=3")
	next := between(w.Body.String(), `"next_cursor":"`, `"`)
	if next == "" {
		t.Fatal("no next cursor")
	}
	calls.Reset()
	if w := get(h, "/api/v1/sites/demo/entries?limit=3&cursor="+next); w.Code != 200 {
		t.Fatalf("second page: %d", w.Code)
	}
	if n := sum(calls.Calls()); n != 1 {
		t.Errorf("second page: %d requests", n)
	}
	// A conditional request costs the same one request and answers 304.
	w = get(h, "/api/v1/sites/demo")
	calls.Reset()
	if w := get(h, "/api/v1/sites/demo", "If-None-Match", w.Header().Get("ETag")); w.Code != 304 {
		t.Fatalf("conditional: %d", w.Code)
	}
	if n := sum(calls.Calls()); n != 1 {
		t.Errorf("conditional read: %d requests", n)
	}
}

func sum(m map[string]int) (n int) {
	for _, v := range m {
		n += v
	}
	return n
}

func between(s, a, b string) string {
	_, rest, ok := strings.Cut(s, a)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, b)
	return v
}

// TestStaffWritesOnDynamoDB reports the requests of a staff create and
// publish and checks they are transactions, never scans.
func TestStaffWritesOnDynamoDB(t *testing.T) {
	a, calls, owner := dynamoApp(t)
	calls.Reset()
	body := `{"type":"statement","title":"Measured statement","body":"Text.","tags":["a","b"],"organisations":["X"]}`
	r := httptest.NewRequest("POST", "/api/v1/admin/sites/demo/entries", strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+owner)
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	a.Handler.ServeHTTP(w, r)
	if w.Code != 201 {
		t.Fatalf("create: %d %s", w.Code, w.Body)
	}
	var ops []string
	for op := range calls.Calls() {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for _, op := range ops {
		if op == "Scan" {
			t.Fatalf("a staff write scanned: %v", calls.Calls())
		}
	}
	t.Logf("staff create: %v", calls.Calls())
}

func TestLaunchIsLiveAtOnceOnDynamoDB(t *testing.T) {
	a, _, owner := dynamoApp(t)
	launch(t, a, owner, "heatwave-2026")
}

// BenchmarkLaunchToFirstPageDynamoDB measures, on DynamoDB (moto_server),
// the time from the create call to the first 200 of the new site's home
// page.
func BenchmarkLaunchToFirstPageDynamoDB(b *testing.B) {
	a, _, owner := dynamoApp(b)
	var total time.Duration
	for i := 0; b.Loop(); i++ {
		total += launch(b, a, owner, fmt.Sprintf("site-%d", i))
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N)/1000, "ms/launch")
}

// TestNoLostUpdatesOnDynamoDB: many editors change one entry at once,
// re-reading and retrying on 412; every change survives.
func TestNoLostUpdatesOnDynamoDB(t *testing.T) {
	a, _, owner := dynamoApp(t)
	op := centre.Principal{KeyID: "t", Site: centre.AllSites, Role: centre.RoleOwner}
	e, err := a.Service.CreateEntry(context.Background(), op, demo.Slug, centre.EntryInput{Content: centre.Content{Type: "news", Title: "Busy"}})
	if err != nil {
		t.Fatal(err)
	}
	const writers = 6
	var wg sync.WaitGroup
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for attempt := 0; attempt < 60; attempt++ {
				cur, err := a.Service.Entry(context.Background(), op, demo.Slug, e.ID)
				if err != nil {
					t.Error(err)
					return
				}
				tags := append(append([]string{}, cur.Tags...), fmt.Sprintf("writer-%d", i))
				body := fmt.Sprintf(`{"tags":["%s"]}`, strings.Join(tags, `","`))
				r := httptest.NewRequest("PATCH", "/api/v1/admin/sites/demo/entries/"+e.ID, strings.NewReader(body))
				r.Header.Set("Authorization", "Bearer "+owner)
				r.Header.Set("Content-Type", "application/json")
				r.Header.Set("If-Match", fmt.Sprintf(`"v%d"`, cur.Version))
				w := httptest.NewRecorder()
				a.Handler.ServeHTTP(w, r)
				if w.Code == 200 {
					return
				}
				if w.Code != 412 {
					t.Errorf("writer %d: %d %s", i, w.Code, w.Body)
					return
				}
			}
			t.Errorf("writer %d never got its change in", i)
		}(i)
	}
	wg.Wait()
	final, err := a.Service.Entry(context.Background(), op, demo.Slug, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(final.Tags) != writers {
		t.Fatalf("%d of %d changes survived: %v", len(final.Tags), writers, final.Tags)
	}
}

// TestThrottlingAnswers503 injects throttling that outlasts the SDK's
// retries: the public API answers 503 with Retry-After and a problem, and
// recovers once DynamoDB does.
func TestThrottlingAnswers503(t *testing.T) {
	faults := dynamotest.NewFaults()
	store := dynamotest.NewStore(t, dynamostore.WithTimeout(3*time.Second), dynamostore.WithClientOptions(func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, faults.Register)
	}))
	// Without the render cache: every request reaches DynamoDB.
	cfg := app.Config{Store: "dynamodb", CursorSecret: "test-cursor-secret-0123456789", PreviewSecret: "test-preview-secret-0123456789",
		RenderCacheBytes: -1}
	// One small site, not the whole demo: every call has the 3 s deadline
	// the faults are measured against, and seeding dozens of entries
	// under it fails on a loaded machine.
	a, err := app.New(cfg, store, app.NewLogger(io.Discard, "error"))
	if err != nil {
		t.Fatal(err)
	}
	k, _, err := a.Service.Bootstrap(t.Context(), "test")
	if err != nil {
		t.Fatal(err)
	}
	owner := centre.Principal{KeyID: k.ID, Site: centre.AllSites, Role: centre.RoleOwner}
	if _, err := a.Service.CreateSite(t.Context(), owner, centre.SiteInput{Slug: "demo", Title: "Demo", Publisher: "P",
		Contact: centre.Contact{Email: "press@example.org"}}); err != nil {
		t.Fatal(err)
	}
	for _, fault := range []dynamotest.Fault{dynamotest.Throttling, dynamotest.ProvisionedThroughputExceeded, dynamotest.InternalServerError} {
		faults.Always("", fault)
		w := get(a.Handler, "/api/v1/sites/demo")
		faults.Clear()
		if w.Code != 503 || w.Header().Get("Retry-After") == "" || w.Header().Get("Content-Type") != "application/problem+json" ||
			strings.Contains(w.Body.String(), string(fault)) {
			t.Errorf("%s: %d Retry-After=%q %s", fault, w.Code, w.Header().Get("Retry-After"), w.Body)
		}
		if w := get(a.Handler, "/api/v1/sites/demo"); w.Code != 200 {
			t.Errorf("after %s: %d", fault, w.Code)
		}
	}
	// A fault that clears within the retries is invisible to the client.
	before := faults.Injected("GetItem")
	faults.Inject("GetItem", 2, dynamotest.Throttling)
	if w := get(a.Handler, "/api/v1/sites/demo"); w.Code != 200 || faults.Injected("GetItem")-before != 2 {
		t.Errorf("transient throttling: %d after %d faults", w.Code, faults.Injected("GetItem")-before)
	}
}

// TestConcurrentIdempotentPostsOnDynamoDB: 20 identical staff POSTs with
// one Idempotency-Key create exactly one entry, and all answer 201.
func TestConcurrentIdempotentPostsOnDynamoDB(t *testing.T) {
	a, _, owner := dynamoApp(t)
	var wg sync.WaitGroup
	codes := make(chan int, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := httptest.NewRequest("POST", "/api/v1/admin/sites/demo/entries", strings.NewReader(`{"type":"news","title":"Exactly once"}`))
			r.Header.Set("Authorization", "Bearer "+owner)
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Idempotency-Key", "burst-1")
			w := httptest.NewRecorder()
			a.Handler.ServeHTTP(w, r)
			codes <- w.Code
		}()
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != 201 {
			t.Errorf("an identical request answered %d", c)
		}
	}
	page, err := a.Store.ListEntries(context.Background(), centre.EntryQuery{Site: demo.Slug, Type: "news", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range page.Items {
		if e.Title == "Exactly once" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d entries from 20 identical requests", n)
	}
}
