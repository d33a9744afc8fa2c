package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"infocentre/internal/dynamostore"
)

// A large site on dynalite.
//
// moto_server answers a Query by sorting every item of the table (5.x), so
// a 10,000-entry site (some 90,000 items) reads at 0.6 s per entry page and
// cannot be served for a memory run. dynalite (npm, pinned in .ci/dynalite,
// installed by `bash .ci/setup-npm-tool.sh dynalite dynalite`, which make
// bench runs) is DynamoDB's API on LevelDB with real indexes: a Query reads
// its partition only. It has no transactions and no TTL, so the demo site
// is stored on moto_server by the store itself, as every other test
// stores, and copied item by item (copyTable); the entries, made of puts
// only, are stored on dynalite by the store through batchedPuts
// (seed_test.go); and the function's one transactional read, the site's
// stamp (TransactGetItems of two items), is answered by transactGets as a
// GetItem of each. The function's requests reach dynalite through forward.

// dynaliteBin is where .ci/setup-npm-tool.sh installs dynalite.
const dynaliteBin = "../../.cache/dynalite/node_modules/.bin/dynalite"

// startDynalite runs dynalite, in memory, on a free loopback port until the
// test ends and returns its base URL.
func startDynalite(t *testing.T) string {
	t.Helper()
	bin, err := filepath.Abs(dynaliteBin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("no dynalite at %s: run `bash .ci/setup-npm-tool.sh dynalite dynalite` (make bench does)", bin)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "--host", "127.0.0.1", "--port", strconv.Itoa(port), "--createTableMs", "0", "--deleteTableMs", "0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "Dynalite listening at") {
				ready <- true
			}
		}
		ready <- false
		io.Copy(io.Discard, out)
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("dynalite exited before listening: %s", stderr.Bytes())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("dynalite did not listen within 30 s: %s", stderr.Bytes())
	}
	return fmt.Sprintf("http://127.0.0.1:%d", port)
}

// copyTable creates table on to from dynamostore.TableSchema (without TTL,
// which dynalite lacks and a read-only run never needs) and copies every
// item of the same table on from into it: Scan pages of from, written as
// BatchWriteItem calls. It returns the number of items copied. (A Scan page
// of moto_server sorts the whole table: copying 80,000 items took 5
// minutes, which is why only the demo site is copied.)
func copyTable(t *testing.T, from, to *dynamodb.Client, table string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	if _, err := to.CreateTable(ctx, dynamostore.TableSchema(table)); err != nil {
		t.Fatalf("create %s on dynalite: %v", table, err)
	}
	w := dynamodb.NewTableExistsWaiter(to, func(o *dynamodb.TableExistsWaiterOptions) { o.MinDelay = 100 * time.Millisecond })
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}, time.Minute); err != nil {
		t.Fatalf("wait for %s on dynalite: %v", table, err)
	}
	n := 0
	pages := dynamodb.NewScanPaginator(from, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatalf("scan %s after %d items: %v", table, n, err)
		}
		for items := page.Items; len(items) > 0; {
			k := min(len(items), 25) // BatchWriteItem's limit
			reqs := make([]types.WriteRequest, k)
			for i, it := range items[:k] {
				reqs[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: it}}
			}
			// dynalite processes every item; a bounded retry covers a
			// server that would not.
			for try := 0; len(reqs) > 0; try++ {
				if try == 5 {
					t.Fatalf("copy %s: %d items left unprocessed after %d tries", table, len(reqs), try)
				}
				out, err := to.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: reqs}})
				if err != nil {
					t.Fatalf("copy %s after %d items: %v", table, n, err)
				}
				reqs = out.UnprocessedItems[table]
			}
			n += k
			items = items[k:]
		}
	}
	return n
}

// standinClient is the client of forward and transactGets: a request not
// answered in a minute (the function gave up long before) fails.
var standinClient = &http.Client{Timeout: time.Minute}

// forward passes each request to the DynamoDB-compatible server at base,
// reading its answer whole before it answers (a failure shows as the
// upstream's error, logged, and a 502), and not cancelled by the
// caller's going away. httputil.ReverseProxy, which streams, cut two
// answers short in two 10,000-entry runs (its read of dynalite's answer
// ended in "use of closed network connection" and the function got a
// truncated body); reading whole answers, no run has.
type forward struct {
	t    *testing.T
	base string
}

func (f forward) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		f.t.Logf("forward: read request: %v", err)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	began := time.Now()
	req, err := http.NewRequestWithContext(context.WithoutCancel(r.Context()), r.Method, f.base+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		f.t.Logf("forward: %v", err)
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	req.Header = r.Header.Clone()
	req.Header.Del("Content-Length")
	resp, err := standinClient.Do(req)
	if err != nil {
		f.t.Logf("forward: %s after %s (caller: %v): %v", r.Header.Get("X-Amz-Target"), time.Since(began), r.Context().Err(), err)
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		f.t.Logf("forward: %s answer after %s, %d bytes of %d (caller: %v): %v", r.Header.Get("X-Amz-Target"), time.Since(began), len(raw), resp.ContentLength, r.Context().Err(), err)
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(raw)
}

// transactGets passes DynamoDB requests to next, except a TransactGetItems
// of Gets only, which it answers from a GetItem of each (consistent, in
// order; dynalite has no transactions). The items are read one after
// the other rather than at one instant, which no one writing meanwhile
// makes the same. Any other kind of transactional read is refused.
type transactGets struct {
	next     http.Handler
	endpoint string // next's base URL, for the GetItem calls
}

func (g transactGets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-Amz-Target") != dynamoTarget+"TransactGetItems" {
		g.next.ServeHTTP(w, r)
		return
	}
	fail := func(status int, msg string) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazon.coral.validate#ValidationException", "message": "transactGets: " + msg})
	}
	var in struct {
		TransactItems []map[string]json.RawMessage
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 4<<20)).Decode(&in); err != nil {
		fail(http.StatusBadRequest, err.Error())
		return
	}
	responses := make([]map[string]json.RawMessage, len(in.TransactItems))
	for i, action := range in.TransactItems {
		get, ok := action["Get"]
		if len(action) != 1 || !ok {
			fail(http.StatusBadRequest, fmt.Sprintf("action %d is not a Get", i))
			return
		}
		var params map[string]json.RawMessage
		if err := json.Unmarshal(get, &params); err != nil {
			fail(http.StatusBadRequest, err.Error())
			return
		}
		params["ConsistentRead"] = json.RawMessage("true")
		var out struct{ Item json.RawMessage }
		if err := callDynamo(r, standinClient, g.endpoint+"/", "GetItem", params, &out); err != nil {
			fail(http.StatusInternalServerError, err.Error())
			return
		}
		responses[i] = map[string]json.RawMessage{}
		if len(out.Item) > 0 {
			responses[i]["Item"] = out.Item
		}
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	json.NewEncoder(w).Encode(map[string]any{"Responses": responses})
}
