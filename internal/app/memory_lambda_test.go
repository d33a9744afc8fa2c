package app_test

import (
	"bufio"
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
	"testing"
	"time"

	"infocentre/internal/app"
	"infocentre/internal/centre"
	"infocentre/internal/dynamostore"
	"infocentre/internal/dynamostore/dynamotest"
)

// TestReportMemoryLambda (MEMORY_REPORT=1, run by make bench) measures the
// public function as it runs on Lambda: the binary built with the
// function's tags (lambda.norpc, lambda, nethttpomithttp2, publicfn) in a child process with
// AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256, on DynamoDB (moto_server) holding
// the demo site and MEMORY_ENTRIES (default 10,000) more entries, fed API
// Gateway events by a stand-in of the Lambda runtime API in this test:
// the home pages, feeds and sitemap, every list page by its cursors, every
// entry page and its read API twin, then the read API's lists, until the
// compressed responses it rendered exceed its render cache's 64 MiB (so
// the cache is full). It reports the child's peak resident set (VmHWM)
// and fails above the function's 256 MB.
func TestReportMemoryLambda(t *testing.T) {
	if os.Getenv("MEMORY_REPORT") == "" {
		t.Skip("set MEMORY_REPORT=1 (make bench)")
	}
	n := memoryEntries
	if v, err := strconv.Atoi(os.Getenv("MEMORY_ENTRIES")); err == nil && v > 0 {
		n = v
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
	start := time.Now()
	slugs := generateEntries(t, store, n)
	t.Logf("generated %d entries on moto_server in %s", len(slugs), time.Since(start).Round(time.Millisecond))

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
		"DYNAMODB_TABLE=" + table, "DYNAMODB_ENDPOINT=" + ep, "CURSOR_SECRET=" + cursorSecret, "LOG_LEVEL=error"}
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
	const cacheBytes = 64 << 20
	views, rendered := 0, int64(0)
	view := func(target string, compressed bool) string {
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
		if compressed {
			headers["accept-encoding"] = "gzip, br"
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
		views++
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %.300s", target, res.StatusCode, res.Body)
		}
		body := res.Body
		if res.IsBase64Encoded {
			raw, err := base64.StdEncoding.DecodeString(body)
			if err != nil {
				t.Fatal(err)
			}
			body = string(raw)
		}
		if compressed {
			rendered += int64(len(body))
		}
		return body
	}
	start = time.Now()
	for _, p := range []string{"/sites/demo/", "/sites/demo/fr/", "/sites/demo/sitemap.xml", "/sites/demo/feed.atom",
		"/sites/demo/feed.json", "/sites/demo/news/feed.atom"} {
		view(p, true)
	}
	for _, list := range []string{"/sites/demo/statements/", "/sites/demo/publications/", "/sites/demo/news/"} {
		next := list
		for i := 0; next != "" && i < n; i++ {
			body := view(next, false)
			next = ""
			if before, _, ok := strings.Cut(body, `" rel="next"`); ok {
				next = strings.ReplaceAll(before[strings.LastIndex(before, `"`)+1:], "&amp;", "&")
			}
		}
	}
	for _, s := range slugs {
		view("/sites/demo/"+s+"/", true)
		view("/api/v1/sites/demo/entries/"+strings.TrimPrefix(s, "en/"), true)
	}
	for limit := 1; rendered < cacheBytes*11/10 && limit <= centre.MaxPageSize; limit++ {
		for _, typ := range []string{"", "&type=statement", "&type=publication", "&type=news"} {
			view("/api/v1/sites/demo/entries?limit="+strconv.Itoa(limit)+typ, true)
		}
	}
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
	report := fmt.Sprintf("memory (Lambda build, DynamoDB): %d entries, %d views in %s; compressed responses rendered %.1f MiB "+
		"(render cache 64 MiB); function RSS now %.1f MiB, peak %.1f MiB (limit 256 MB)",
		len(slugs), views, time.Since(start).Round(time.Millisecond), mib(rendered), mib(now), mib(peak))
	fmt.Println(report)
	t.Log(report)
	if rendered < cacheBytes {
		t.Errorf("the function rendered %.1f MiB of compressed responses: its render cache of 64 MiB may not be full", mib(rendered))
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
