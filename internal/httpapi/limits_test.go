package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/httpapi"
)

func randomKey() string {
	s, _ := centre.NewKeySecret()
	return "Bearer " + s
}

func ownerAudit(t *testing.T, e *env) []*centre.AuditEvent {
	t.Helper()
	var out []*centre.AuditEvent
	path := "/api/v1/admin/audit?limit=100"
	for i := 0; i < 100; i++ {
		var page httpapi.AuditList
		e.must(req{method: "GET", path: path, role: centre.RoleOwner}, 200).json(t, &page)
		out = append(out, page.Items...)
		if page.NextCursor == "" {
			return out
		}
		path = "/api/v1/admin/audit?limit=100&cursor=" + page.NextCursor
	}
	t.Fatal("owner audit log: too many pages")
	return nil
}

// TestFailedAuthenticationIsThrottled: 3,000 requests with random keys
// from one address get 5 answers of 401, then 429 with Retry-After, also
// for that address's valid keys; other addresses are served.
func TestFailedAuthenticationIsThrottled(t *testing.T) {
	e := newEnv(t)
	e.reconfigure(func(c *httpapi.Config) {
		c.Limits = httpapi.Limits{AuthFailures: 5, AuthFailureEvery: time.Minute, StaffPerSecond: 1e6, StaffBurst: 1e6}
	})
	e.remote = "203.0.113.7:40000"
	counts := map[int]int{}
	start := time.Now()
	for i := 0; i < 3000; i++ {
		// Rotating X-Forwarded-For changes nothing: it is not trusted.
		r := e.do(req{method: "GET", path: "/api/v1/admin/sites/demo", header: map[string]string{
			"Authorization": randomKey(), "X-Forwarded-For": fmt.Sprintf("198.51.100.%d", i%250)}})
		counts[r.Status]++
		if r.Status == 429 {
			p := r.problem(t)
			secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
			if err != nil || secs < 1 || secs > 60 || p.Code != "rate_limited" {
				t.Fatalf("429 without a usable Retry-After: %q %+v", r.Header.Get("Retry-After"), p)
			}
		}
	}
	t.Logf("3000 requests with random keys from one address: %v in %v", counts, time.Since(start))
	if counts[401] != 5 || counts[429] != 2995 {
		t.Fatalf("statuses %v, want 5 × 401 and 2995 × 429", counts)
	}
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo", role: centre.RoleEditor}, 429)
	e.remote = "[2001:db8:1:2::7]:40000" // another address is served
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo", role: centre.RoleEditor}, 200)
	for i := 0; i < 5; i++ {
		e.remote = fmt.Sprintf("[2001:db8:1:2::%x]:1", 100+i) // one /64: one client
		e.must(req{method: "GET", path: "/api/v1/admin/sites/demo", header: map[string]string{"Authorization": randomKey()}}, 401)
	}
	e.remote = "[2001:db8:1:2:ffff::1]:1"
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo", role: centre.RoleEditor}, 429)
	e.remote = "[2001:db8:1:3::1]:1" // the next /64 is another client
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo", role: centre.RoleEditor}, 200)

	// Only the 10 failures were audited, under the operator's log, with
	// the reason and address; the 429s were not.
	fails := 0
	for _, ev := range ownerAudit(t, e) {
		if ev.Action == "auth.fail" {
			fails++
			if ev.Outcome != 401 || ev.Detail != "unknown" || ev.Site != centre.AllSites ||
				(ev.Client != "203.0.113.7" && !strings.HasPrefix(ev.Client, "2001:db8:1:2::")) {
				t.Errorf("auth.fail event %+v", ev)
			}
		}
	}
	if fails != 10 {
		t.Fatalf("%d auth.fail events, want 10", fails)
	}
}

// TestForwardedForWhenTrusted: with one trusted proxy the client is the
// last X-Forwarded-For entry.
func TestForwardedForWhenTrusted(t *testing.T) {
	e := newEnv(t)
	e.reconfigure(func(c *httpapi.Config) {
		c.Limits = httpapi.Limits{AuthFailures: 2, AuthFailureEvery: time.Minute, StaffPerSecond: 1e6, StaffBurst: 1e6}
		c.TrustedProxyHops = 1
	})
	e.remote = "10.0.0.1:1" // the proxy
	bad := func(xff string) int {
		return e.do(req{method: "GET", path: "/api/v1/admin/whoami", header: map[string]string{"Authorization": randomKey(), "X-Forwarded-For": xff}}).Status
	}
	// The client forged a first entry; the proxy appended the real one.
	for i, want := range []int{401, 401, 429} {
		if got := bad(fmt.Sprintf("192.0.2.%d, 203.0.113.9", i)); got != want {
			t.Fatalf("failure %d from 203.0.113.9: %d, want %d", i, got, want)
		}
	}
	if got := bad("203.0.113.10"); got != 401 {
		t.Fatalf("another client behind the proxy: %d, want 401", got)
	}
}

// TestStaffCap: all staff requests together are capped; public routes
// are not.
func TestStaffCap(t *testing.T) {
	e := newEnv(t)
	e.reconfigure(func(c *httpapi.Config) {
		c.Limits = httpapi.Limits{StaffPerSecond: 1.0 / 60, StaffBurst: 20}
	})
	counts := map[int]int{}
	for i := 0; i < 50; i++ {
		e.remote = fmt.Sprintf("198.51.100.%d:1", i)
		counts[e.do(req{method: "GET", path: "/api/v1/admin/whoami", role: centre.RoleViewer}).Status]++
	}
	if counts[200] != 20 || counts[429] != 30 {
		t.Fatalf("statuses %v, want 20 × 200 then 30 × 429", counts)
	}
	e.must(req{method: "GET", path: "/api/v1/sites/demo"}, 200)
}

// TestAuditVolumeIsBounded: failures from many addresses are audited one
// by one up to the audit cap, then counted into the next event.
func TestAuditVolumeIsBounded(t *testing.T) {
	e := newEnv(t)
	e.reconfigure(func(c *httpapi.Config) {
		c.Limits = httpapi.Limits{StaffPerSecond: 1e6, StaffBurst: 1e6, AuditFailures: 20, AuditFailureEvery: time.Hour, MaxClients: 100}
	})
	for i := 0; i < 3000; i++ {
		e.remote = fmt.Sprintf("198.51.%d.%d:1", i/250, i%250)
		e.must(req{method: "GET", path: "/api/v1/admin/whoami", header: map[string]string{"Authorization": randomKey()}}, 401)
	}
	fails := 0
	for _, ev := range ownerAudit(t, e) {
		if ev.Action == "auth.fail" {
			fails++
		}
	}
	if fails != 20 {
		t.Fatalf("%d auth.fail events for 3000 failures from 3000 addresses, want the cap 20", fails)
	}
}

// TestFailedAuthenticationIsAudited: each refusal is recorded with its
// reason, which the client is not told.
func TestFailedAuthenticationIsAudited(t *testing.T) {
	e := newEnv(t)
	e.must(req{method: "DELETE", path: "/api/v1/admin/sites/demo/keys/" + e.keyIDs[centre.RoleEditor], role: centre.RoleAdmin}, 200)
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo", role: centre.RoleEditor}, 401)
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo", header: map[string]string{"Authorization": "Bearer nonsense"}}, 401)
	e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/entries", body: map[string]any{}, header: map[string]string{"X-Request-Id": "abc\n<script>" + strings.Repeat("x", 200)}}, 401)
	var got []string
	for _, ev := range ownerAudit(t, e) {
		if ev.Action != "auth.fail" {
			continue
		}
		got = append(got, ev.Detail+"|"+ev.KeyID+"|"+ev.Target+"|"+ev.ClientRequestID)
	}
	want := []string{
		"no bearer key||POST /api/v1/admin/sites/demo/entries|abcscript" + strings.Repeat("x", 64-len("abcscript")),
		"malformed||GET /api/v1/admin/sites/demo|",
		"revoked|" + e.keyIDs[centre.RoleEditor] + "|GET /api/v1/admin/sites/demo|",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("auth.fail events:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestNoEventsForMissingSites: a write to a site that does not exist is
// audited in the operator's log, never in the log of a site created later
// with that slug.
func TestNoEventsForMissingSites(t *testing.T) {
	e := newEnv(t)
	e.must(req{method: "POST", path: "/api/v1/admin/sites/ghost/entries", role: centre.RoleViewer, body: map[string]any{"type": "news", "title": "x"}}, 403)
	e.must(req{method: "GET", path: "/api/v1/admin/sites/ghost/keys", role: centre.RoleAdmin}, 403)
	e.must(req{method: "POST", path: "/api/v1/admin/sites", role: centre.RoleOwner, body: map[string]any{"slug": "ghost", "title": "G", "publisher": "P", "contact": map[string]any{"email": "a@example.org"}}}, 201)
	var log httpapi.AuditList
	e.must(req{method: "GET", path: "/api/v1/admin/sites/ghost/audit", role: centre.RoleOwner}, 200).json(t, &log)
	if len(log.Items) != 0 {
		t.Fatalf("the new site's log holds events from before it existed: %+v", log.Items[0])
	}
	planted := 0
	for _, ev := range ownerAudit(t, e) {
		if strings.Contains(ev.Detail, "no site ghost") {
			planted++
		}
	}
	if planted != 2 {
		t.Fatalf("%d events about the missing site in the owner log, want 2", planted)
	}
}

// TestAccessLogNamesTheClient: every access log line has the client
// address and the server's request id.
func TestAccessLogNamesTheClient(t *testing.T) {
	e := newEnv(t)
	var buf bytes.Buffer
	e.reconfigure(func(c *httpapi.Config) { c.Log = slog.New(slog.NewJSONHandler(&buf, nil)) })
	e.remote = "203.0.113.50:5555"
	e.must(req{method: "GET", path: "/api/v1/sites/demo"}, 200)
	e.must(req{method: "GET", path: "/api/v1/admin/whoami", header: map[string]string{"Authorization": randomKey(), "X-Request-Id": "mine"}}, 401)
	e.must(req{method: "GET", path: "/api/v1/admin/whoami", role: centre.RoleViewer}, 200)
	e.remote = "203.0.113.50" // on Lambda: API Gateway's sourceIp, no port
	e.must(req{method: "GET", path: "/api/v1/admin/whoami", role: centre.RoleViewer}, 200)
	lines := 0
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		if rec["msg"] != "request" {
			continue
		}
		lines++
		if rec["client"] != "203.0.113.50" || len(fmt.Sprint(rec["request_id"])) != 24 {
			t.Errorf("access log line without the client or request id: %s", line)
		}
		if rec["status"] == float64(401) && rec["client_request_id"] != "mine" {
			t.Errorf("client request id not logged apart: %s", line)
		}
	}
	if lines != 4 {
		t.Fatalf("%d access log lines, want 4:\n%s", lines, buf.String())
	}
}

// TestClientAddressForTheConsole: the console mounted in the handler sees
// the client address the handler determined (the trusted proxy's
// X-Forwarded-For entry), for its audit events and sign-in limits.
func TestClientAddressForTheConsole(t *testing.T) {
	e := newEnv(t)
	for hops, want := range map[int]string{0: "10.0.0.1", 1: "203.0.113.9"} {
		cfg := e.cfg
		cfg.TrustedProxyHops = hops
		got := "unset"
		cfg.Console = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = httpapi.ClientAddress(r) })
		r := httptest.NewRequest("GET", "/admin/login", nil)
		r.RemoteAddr = "10.0.0.1:1"
		r.Header.Set("X-Forwarded-For", "192.0.2.1, 203.0.113.9")
		httpapi.New(cfg).ServeHTTP(httptest.NewRecorder(), r)
		if got != want {
			t.Fatalf("hops %d: the console saw %q, want %q", hops, got, want)
		}
	}
	if got := httpapi.ClientAddress(httptest.NewRequest("GET", "/", nil)); got != "" {
		t.Fatalf("a request that did not pass through a handler: %q", got)
	}
}
