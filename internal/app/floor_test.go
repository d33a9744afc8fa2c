package app_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"infocentre/internal/app"
	"infocentre/internal/boltstore"
)

// TestReportServeFloor measures a warm page served from the render cache
// against the floor of net/http: a bare handler that sets the very headers
// and writes the very bytes of the cached response, served by the same
// server (app.NewServer, the collector tuned as `serve` tunes it) under the
// same load (wrk, 2 threads, 32 connections), in alternating rounds in one
// process. It reports the CPU time this process spent per request for
// each, and fails when the cached page costs more than 1.3 times the bare
// handler: what lies between them is the request id, logger, security
// headers, routing and the cache lookup, all of which a hit must keep
// close to nothing. Run by make bench-http (FLOOR_REPORT=1).
func TestReportServeFloor(t *testing.T) {
	if os.Getenv("FLOOR_REPORT") == "" {
		t.Skip("set FLOOR_REPORT=1 (make bench-http)")
	}
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Fatal("wrk is missing: bash .ci/setup-bench-http.sh")
	}
	app.TuneServeGC()
	dir := t.TempDir()
	store, err := boltstore.Open(filepath.Join(dir, "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	a, _ := launchEnv(t, app.Config{DataDir: dir}, store)
	for _, path := range []string{"/sites/demo/", "/sites/demo/en/keep-cancer-care-going/"} {
		r := httptest.NewRequest("GET", path, nil)
		r.Header.Set("Accept-Encoding", "gzip")
		rec := httptest.NewRecorder()
		a.Handler.ServeHTTP(rec, r)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Encoding") != "gzip" {
			t.Fatalf("%s: %d, Content-Encoding %q", path, rec.Code, rec.Header().Get("Content-Encoding"))
		}
		header, body := rec.Result().Header, rec.Body.Bytes()
		bare := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			h := w.Header()
			for k, v := range header {
				h[k] = v
			}
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(body)
		})
		const rounds = 3
		var bareUS, appUS []float64
		for range rounds {
			bareUS = append(bareUS, cpuPerRequest(t, bare, path))
			appUS = append(appUS, cpuPerRequest(t, a.Handler, path))
		}
		b, c := median(bareUS), median(appUS)
		t.Logf("%s (%d bytes): CPU per request, median of %d rounds: bare net/http handler %.1f µs, cached page %.1f µs (%.2f×); load average %s",
			path, len(body), rounds, b, c, c/b, loadAverage())
		if c > 1.3*b {
			t.Errorf("%s: a cached page costs %.2f× the bare handler's CPU time per request, want at most 1.3×", path, c/b)
		}
	}
}

var wrkRequests = regexp.MustCompile(`(\d+) requests in`)

// cpuPerRequest serves h with app.NewServer on loopback, loads path with
// wrk (after a warm-up) and returns the CPU time (user and system) this
// process spent per request, in µs.
func cpuPerRequest(t *testing.T, h http.Handler, path string) float64 {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := app.NewServer(h, app.NewLogger(os.Stderr, "warn"))
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	url := "http://" + ln.Addr().String() + path
	wrk := func(d time.Duration) []byte {
		out, err := exec.Command("wrk", "-t2", "-c32", "-d"+strconv.Itoa(int(d.Seconds()))+"s", "-H", "Accept-Encoding: gzip", url).CombinedOutput()
		if err != nil {
			t.Fatalf("wrk: %v\n%s", err, out)
		}
		return out
	}
	wrk(time.Second)
	before := cpuTime()
	out := wrk(4 * time.Second)
	spent := cpuTime() - before
	m := wrkRequests.FindSubmatch(out)
	if m == nil {
		t.Fatalf("wrk printed no request count:\n%s", out)
	}
	n, _ := strconv.Atoi(string(m[1]))
	if n == 0 {
		t.Fatalf("wrk made no request:\n%s", out)
	}
	return float64(spent.Microseconds()) / float64(n)
}

// cpuTime returns the user and system time this process has spent.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	var l1, l5, l15 string
	_, _ = fmt.Sscan(string(b), &l1, &l5, &l15)
	return l1 + " " + l5 + " " + l15
}
