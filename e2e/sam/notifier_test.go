//go:build e2e

package sam_test

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// hubAddr is where this process listens as the deployment's WebSub hub
// (WEBSUB_HUB of the functions names it through host.docker.internal).
var hubAddr = os.Getenv("E2E_HUB_LISTEN")

// TestNotifierDeliversOutbox: a publication through the HTTP API records
// its notification (listed for staff as pending); `sam local invoke` of the
// notifier function with the recorded stream event
// (testdata/dynamodb-stream-outbox.json, its keys pointed at that record)
// pings the WebSub hub for the site's feeds and settles the record done
// with the websub channel; the scheduled event runs a tick.
func TestNotifierDeliversOutbox(t *testing.T) {
	if hubAddr == "" {
		t.Fatal("E2E_HUB_LISTEN is not set: run through .ci/e2e.sh")
	}
	var mu sync.Mutex
	var topics []string
	ln, err := net.Listen("tcp", hubAddr)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		if r.PostForm.Get("hub.mode") == "publish" {
			topics = append(topics, r.PostForm.Get("hub.url"))
		}
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	site := "e2e-" + suffix()
	key := newSite(t, site)
	r := call(t, "POST", "/api/v1/admin/sites/"+site+"/entries", key, map[string]any{
		"type": "news", "slug": "bridge-reopened", "lang": "en", "title": "Bridge reopened",
		"summary": "Traffic flows again.", "body": "The bridge is open.", "status": "published",
	})
	expect(t, r, http.StatusCreated, "publish an entry")

	type record struct {
		ID       string   `json:"id"`
		Kind     string   `json:"kind"`
		State    string   `json:"state"`
		Channels []string `json:"channels"`
	}
	list := func(state string) []record {
		t.Helper()
		r := call(t, "GET", "/api/v1/admin/sites/"+site+"/notifications?state="+state, key, nil)
		expect(t, r, http.StatusOK, "list notifications")
		var out struct {
			Items []record `json:"items"`
		}
		if err := json.Unmarshal(r.body, &out); err != nil {
			t.Fatalf("notifications: %v: %s", err, r.body)
		}
		return out.Items
	}
	pending := list("pending")
	if len(pending) != 1 || pending[0].Kind != "entry.published" {
		t.Fatalf("pending notifications %+v, want the publication", pending)
	}

	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "dynamodb-stream-outbox.json"))
	if err != nil {
		t.Fatal(err)
	}
	ev := strings.NewReplacer("OUTBOX#demo", "OUTBOX#"+site, "01kb0000000000000000000000", pending[0].ID, `"demo"`, `"`+site+`"`).Replace(string(raw))
	dir := t.TempDir()
	if artifacts != "" {
		dir = artifacts
	}
	event := filepath.Join(dir, "notifier-stream-event.json")
	if err := os.WriteFile(event, []byte(ev), 0o644); err != nil {
		t.Fatal(err)
	}
	event, _ = filepath.Abs(event)
	out := invoke(t, "NotifierFunction", event)
	var res struct {
		Failures []any `json:"batchItemFailures"`
	}
	if err := json.Unmarshal(out, &res); err != nil || len(res.Failures) != 0 {
		t.Fatalf("notifier stream result %q (%v), want no batch item failure", out, err)
	}
	done := list("done")
	if len(done) != 1 || done[0].ID != pending[0].ID || !slices.Contains(done[0].Channels, "websub") {
		t.Fatalf("done notifications %+v, want %s delivered by websub", done, pending[0].ID)
	}
	mu.Lock()
	got := slices.Clone(topics)
	mu.Unlock()
	want := apiURL + "/sites/" + site + "/news/feed.atom"
	want = strings.Replace(want, "127.0.0.1", "localhost", 1) // PUBLIC_ORIGIN names localhost
	if !slices.Contains(got, want) || !slices.Contains(got, strings.Replace(apiURL, "127.0.0.1", "localhost", 1)+"/sites/"+site+"/feed.json") {
		t.Fatalf("the hub got %v, want %s among them", got, want)
	}

	out = invoke(t, "NotifierFunction", "testdata/eventbridge-scheduled.json")
	var tick struct {
		Delivered *int `json:"delivered"`
	}
	if err := json.Unmarshal(out, &tick); err != nil || tick.Delivered == nil {
		t.Fatalf("notifier schedule result %q (%v)", out, err)
	}
}
