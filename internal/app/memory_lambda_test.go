package app_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"infocentre/internal/app"
	"infocentre/internal/centre"
	"infocentre/internal/dynamostore"
	"infocentre/internal/dynamostore/dynamotest"
	"infocentre/internal/rendercache"
)

// lambdaEntries is the size of the site TestReportMemoryLambda serves
// from moto_server (MEMORY_DYNAMODB=moto) unless MEMORY_ENTRIES says
// otherwise: fewer than TestReportMemory's 10,000, because moto_server
// reads slowly from a large table. Its Query sorts every item of the
// table, not just the partition asked for: with 10,000 entries (some
// 90,000 items) a Query of one entry takes 0.6 s and of a list page 1.1 s
// (in process, on this project's shared 2-CPU machine), so filling the
// render cache would take over an hour, and the reads of a whole site (the
// sitemap, the search documents: a dozen pages in one operation) pass the
// function's deadline of 8 s per operation and answer 503. With 1,500
// entries a page reads in a fraction of a second and the cache fills in 24
// minutes (8,951 views, most of the bytes the read API's lists).
const lambdaEntries = 1_500

// dynaliteEntries is the size of the site TestReportMemoryLambda serves
// from dynalite (the default; dynalite_test.go), where a Query reads its
// partition only, whatever the table's size: the 10,000 entries of
// TestReportMemory.
const dynaliteEntries = 10_000

// TestReportMemoryLambda (MEMORY_REPORT=1, run by make bench) measures the
// public function as it runs on Lambda: the binary built with the
// function's tags (lambda.norpc, lambda, nethttpomithttp2, publicfn) in a
// child process with AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256, reading
// DynamoDB, its requests counted on their way: dynalite by default, or
// moto_server with MEMORY_DYNAMODB=moto. The site is the demo and
// MEMORY_ENTRIES more entries (default dynaliteEntries, or lambdaEntries on
// moto_server), stored by the store itself (batchedPuts, seed_test.go,
// makes that minutes on moto_server): the demo on moto_server, copied item
// by item to dynalite (copyTable), and the entries where the function
// reads. A stand-in of the Lambda runtime API in this test
// feeds the function API Gateway events: the home
// pages, feeds, sitemap, a search and the tag pages, every list page by
// its cursors, every entry page and its read API twin, then the read
// API's lists by their cursors, page size after page size, until its
// render cache (64 MiB, or MEMORY_RENDER_CACHE_BYTES) has evicted the
// first entry pages viewed, and one page size more. It fails if the cache
// never filled, reports the child's peak resident set (VmHWM) and fails
// above the function's 256 MB.
func TestReportMemoryLambda(t *testing.T) {
	if os.Getenv("MEMORY_REPORT") == "" {
		t.Skip("set MEMORY_REPORT=1 (make bench)")
	}
	// The DynamoDB the function reads: dynalite (the default) or
	// moto_server (MEMORY_DYNAMODB=moto, fewer entries: see lambdaEntries).
	standin := os.Getenv("MEMORY_DYNAMODB")
	n := dynaliteEntries
	switch standin {
	case "", "dynalite":
		standin = "dynalite"
	case "moto":
		n = lambdaEntries
	default:
		t.Fatalf("MEMORY_DYNAMODB=%q: want dynalite or moto", standin)
	}
	if v, err := strconv.Atoi(os.Getenv("MEMORY_ENTRIES")); err == nil && v > 0 {
		n = v
	}
	// The function's render cache: its default, or (to try the test on a
	// small site) MEMORY_RENDER_CACHE_BYTES.
	cacheBytes := int64(rendercache.DefaultMaxBytes)
	if v, err := strconv.ParseInt(os.Getenv("MEMORY_RENDER_CACHE_BYTES"), 10, 64); err == nil && v > 0 {
		cacheBytes = v
	}
	ep := dynamotest.Endpoint(t)
	bin := filepath.Join(t.TempDir(), "bootstrap")
	build := exec.Command("go", "build", "-tags", "lambda.norpc,lambda,nethttpomithttp2,publicfn", "-trimpath", "-ldflags", "-s -w", "-o", bin, "infocentre/functions/public")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the public function: %v\n%s", err, out)
	}

	client := dynamotest.Client(t)
	table := dynamotest.NewTable(t, client)
	store := dynamostore.New(client, table, dynamostore.WithTimeout(dynamotest.StoreTimeout))
	const cursorSecret = "memory-cursor-secret-0123456789abcdef"
	launchEnv(t, app.Config{Store: "dynamodb", Table: table, CursorSecret: cursorSecret, RenderCacheBytes: -1}, store)
	// The demo site is on moto_server; on dynalite, the entries go where
	// the function reads, after a copy of the demo (dynalite_test.go).
	target := ep
	if standin == "dynalite" {
		target = startDynalite(t)
		start := time.Now()
		items := copyTable(t, client, dynamotest.ClientAt(target), table)
		t.Logf("copied the demo site's %d items to dynalite in %s", items, time.Since(start).Round(time.Millisecond))
	}
	// The entries are stored by a store of their own whose transactions
	// go as batches (batchedPuts, seed_test.go).
	batches := &batchedPuts{}
	seeder := dynamostore.New(dynamotest.ClientAt(target, batches.option()), table, dynamostore.WithTimeout(dynamotest.StoreTimeout))
	start := time.Now()
	slugs := generateEntries(t, seeder, n)
	t.Logf("generated %d entries on %s in %s (%d transactions, %d items, as batches)", len(slugs), standin,
		time.Since(start).Round(time.Millisecond), batches.transactions.Load(), batches.items.Load())
	// A response rendered while the last write settles is kept only until
	// then (rendercache.Options.Settle): past it, every one is kept.
	time.Sleep(rendercache.DefaultSettle + time.Second)

	var db http.Handler = forward{t: t, base: target}
	if standin == "dynalite" {
		db = transactGets{next: db, endpoint: target}
	}

	// The function's DynamoDB requests are counted on their way: a view
	// that makes none within the freshness window was served from the
	// render cache.
	var dbRequests, dbReads atomic.Int64 // dbReads: all but the site's stamp (TransactGetItems)
	var slow atomic.Int64                // requests over a second, the first 20 logged
	counting := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dbRequests.Add(1)
		if r.Header.Get("X-Amz-Target") != dynamoTarget+"TransactGetItems" {
			dbReads.Add(1)
		}
		began := time.Now()
		db.ServeHTTP(w, r)
		if d := time.Since(began); d > time.Second && slow.Add(1) <= 20 {
			t.Logf("slow DynamoDB request: %s took %s", strings.TrimPrefix(r.Header.Get("X-Amz-Target"), dynamoTarget), d.Round(time.Millisecond))
		}
	})}
	pln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go counting.Serve(pln)
	t.Cleanup(func() { counting.Close() })

	api := &runtimeAPI{events: make(chan []byte), out: make(chan apigwResponse)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: api}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	fn := exec.Command(bin)
	fn.Env = []string{"AWS_LAMBDA_RUNTIME_API=" + ln.Addr().String(), "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		"AWS_LAMBDA_FUNCTION_NAME=public", "AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing",
		"DYNAMODB_TABLE=" + table, "DYNAMODB_ENDPOINT=http://" + pln.Addr().String(), "CURSOR_SECRET=" + cursorSecret, "LOG_LEVEL=error",
		"RENDER_CACHE_BYTES=" + strconv.FormatInt(cacheBytes, 10)}
	stderr, err := fn.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := fn.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fn.Process.Kill(); fn.Wait() })
	go func() { // the function's log, at most its first errors
		sc := bufio.NewScanner(stderr)
		for i := 0; sc.Scan(); i++ {
			if i < 20 {
				t.Logf("function: %s", sc.Text())
			}
		}
	}()

	template, err := os.ReadFile("../../testdata/apigw/get-healthz.json")
	if err != nil {
		t.Fatal(err)
	}
	views, rendered := 0, int64(0)
	last := ""                  // the target viewed last, probes aside
	kinds := map[string]int64{} // bytes served, as encoded, by kind of view
	var order []string          // the kinds in the order first seen
	// view has the function answer a GET of target with Accept-Encoding
	// encoding and returns the body, decompressed if it came gzipped.
	view := func(kind, target, encoding string) string {
		t.Helper()
		u, err := url.Parse(target)
		if err != nil {
			t.Fatal(err)
		}
		var ev map[string]any
		if err := json.Unmarshal(template, &ev); err != nil {
			t.Fatal(err)
		}
		ev["rawPath"], ev["rawQueryString"], ev["routeKey"] = u.Path, u.RawQuery, "$default"
		headers := ev["headers"].(map[string]any)
		if encoding != "" {
			headers["accept-encoding"] = encoding
		}
		rc := ev["requestContext"].(map[string]any)
		rc["routeKey"] = "$default"
		rc["http"].(map[string]any)["path"] = u.Path
		b, _ := json.Marshal(ev)
		select {
		case api.events <- b:
		case <-time.After(time.Minute):
			t.Fatalf("%s: the function did not ask for an event", target)
		}
		var res apigwResponse
		select {
		case res = <-api.out:
		case <-time.After(time.Minute):
			t.Fatalf("%s: no response", target)
		}
		if views++; views%2000 == 0 {
			t.Logf("%d views in %s, %.1f MiB served", views, time.Since(start).Round(time.Second), mib(rendered))
		}
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %.300s", target, res.StatusCode, res.Body)
		}
		body := []byte(res.Body)
		if res.IsBase64Encoded {
			if body, err = base64.StdEncoding.DecodeString(res.Body); err != nil {
				t.Fatal(err)
			}
		}
		var enc string
		for k, v := range res.Headers {
			if strings.EqualFold(k, "Content-Encoding") {
				enc = v
			}
		}
		if _, ok := kinds[kind]; !ok {
			order = append(order, kind)
		}
		kinds[kind] += int64(len(body))
		rendered += int64(len(body))
		if kind != "probes" {
			last = target
		}
		if enc == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatalf("%s: %v", target, err)
			}
			if body, err = io.ReadAll(io.LimitReader(zr, 16<<20)); err != nil {
				t.Fatalf("%s: %v", target, err)
			}
		}
		return string(body)
	}
	start = time.Now()
	pages := []string{"/sites/demo/", "/sites/demo/fr/", "/sites/demo/sitemap.xml", "/sites/demo/feed.atom",
		"/sites/demo/feed.rss", "/sites/demo/feed.json", "/sites/demo/news/feed.atom",
		"/sites/demo/search?q=flood+shelter", "/api/v1/sites/demo/search?q=water+supply"} // the search index loaded
	for _, tag := range generatedTags {
		pages = append(pages, "/sites/demo/tags/"+tag+"/", "/sites/demo/tags/"+tag+"/feed.atom")
	}
	for _, p := range pages {
		view("home, feeds, sitemap, search, tags", p, "gzip, br")
	}
	// Every list page, by its cursors (gzip, to read the next link).
	for _, list := range []string{"/sites/demo/statements/", "/sites/demo/publications/", "/sites/demo/news/"} {
		next := list
		for i := 0; next != "" && i <= n; i++ {
			body := view("list pages", next, "gzip")
			next = ""
			if before, _, ok := strings.Cut(body, `" rel="next"`); ok {
				next = strings.ReplaceAll(before[strings.LastIndex(before, `"`)+1:], "&amp;", "&")
			}
		}
	}
	// Every entry page and its read API twin.
	for _, s := range slugs {
		view("entry pages", "/sites/demo/"+s+"/", "gzip, br")
		view("read API entries", "/api/v1/sites/demo/entries/"+strings.TrimPrefix(s, "en/"), "gzip, br")
	}
	// full reports whether the cache has evicted: whether the next of the
	// first entry pages viewed, untouched since, is gone. A hit reads
	// nothing from DynamoDB but, once per freshness window, the site's
	// stamp; a render reads the entry. The page viewed last, viewed again
	// just before, must be a hit: else pages expire for some other reason
	// and eviction cannot be told.
	probes := 0
	full := func() bool {
		t.Helper()
		before := dbReads.Load()
		view("probes", last, "gzip, br")
		if n := dbReads.Load() - before; n > 0 {
			t.Fatalf("%s, the page viewed last, was rendered again (%d reads): the probe cannot tell eviction", last, n)
		}
		before = dbReads.Load()
		view("probes", "/sites/demo/"+slugs[probes%len(slugs)]+"/", "gzip, br")
		probes++
		return dbReads.Load() > before
	}
	// apiLists views the read API's lists of each type, every page by its
	// cursors, at page size limit.
	apiLists := func(limit int) {
		for _, typ := range []string{"", "statement", "publication", "news"} {
			cursor := ""
			for i := 0; i <= n/limit+1; i++ {
				q := url.Values{"limit": {strconv.Itoa(limit)}}
				if typ != "" {
					q.Set("type", typ)
				}
				if cursor != "" {
					q.Set("cursor", cursor)
				}
				var page struct {
					NextCursor string `json:"next_cursor"`
				}
				if err := json.Unmarshal([]byte(view("read API lists", "/api/v1/sites/demo/entries?"+q.Encode(), "gzip")), &page); err != nil {
					t.Fatal(err)
				}
				if cursor = page.NextCursor; cursor == "" {
					break
				}
			}
		}
	}
	// Then, until the cache is full and once more, those lists at page
	// sizes from the largest down (each size its own responses).
	isFull := full()
	for limit := centre.MaxPageSize; limit > 0; limit-- {
		apiLists(limit)
		if isFull {
			break
		}
		isFull = full()
	}
	elapsed := time.Since(start)
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", fn.Process.Pid))
	if err != nil {
		t.Skipf("no /proc/<pid>/status: %v", err)
	}
	field := func(name string) int64 {
		for _, line := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(line, name+":"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
				return kb << 10
			}
		}
		t.Fatalf("no %s in the function's status", name)
		return 0
	}
	peak, now := field("VmHWM"), field("VmRSS")
	var served []string
	for _, k := range order {
		served = append(served, fmt.Sprintf("%s %.1f", k, mib(kinds[k])))
	}
	report := fmt.Sprintf("memory (Lambda build, DynamoDB on %s): %d entries, %d views in %s, %d DynamoDB requests; responses served %.1f MiB as encoded "+
		"(%s); render cache %.0f MiB, full: %t (%d probes); function RSS now %.1f MiB, peak %.1f MiB (limit 256 MB)",
		standin, len(slugs), views, elapsed.Round(time.Millisecond), dbRequests.Load(), mib(rendered), strings.Join(served, ", "), mib(cacheBytes), isFull, probes,
		mib(now), mib(peak))
	fmt.Println(report)
	t.Log(report)
	if !isFull {
		t.Errorf("the first entry pages viewed were still cached after %.1f MiB of responses: the render cache never filled", mib(rendered))
	}
	if peak >= 256e6 {
		t.Errorf("peak RSS %.1f MiB is over the function's 256 MB", mib(peak))
	}
}

// runtimeAPI is a stand-in of the Lambda runtime API for one function
// process: it hands out one event at a time and passes the function's
// answer on.
type runtimeAPI struct {
	events chan []byte
	out    chan apigwResponse
}

// apigwResponse is an API Gateway v2 proxy response.
type apigwResponse struct {
	StatusCode      int               `json:"statusCode"`
	Headers         map[string]string `json:"headers"`
	Body            string            `json:"body"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
}

func (api *runtimeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == "GET" && strings.HasSuffix(r.URL.Path, "/invocation/next"):
		var ev []byte
		select {
		case ev = <-api.events:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Lambda-Runtime-Aws-Request-Id", strconv.FormatInt(time.Now().UnixNano(), 36))
		w.Header().Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(time.Minute).UnixMilli(), 10))
		w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:public")
		w.Write(ev)
	case r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/response"):
		var res apigwResponse
		if err := json.NewDecoder(io.LimitReader(r.Body, 16<<20)).Decode(&res); err != nil {
			res = apigwResponse{StatusCode: -1, Body: "undecodable response: " + err.Error()}
		}
		w.WriteHeader(http.StatusAccepted)
		api.out <- res
	case r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/error"):
		b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		w.WriteHeader(http.StatusAccepted)
		api.out <- apigwResponse{StatusCode: -2, Body: string(b)}
	default:
		http.NotFound(w, r)
	}
}
