package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"infocentre/internal/app"
	"infocentre/internal/centre"
	"infocentre/internal/demo"
	"infocentre/internal/dynamostore"
	"infocentre/internal/dynamostore/dynamotest"
	"infocentre/internal/httpapi"
)

// deployed is the deployed shape on DynamoDB: a writer (the admin and
// publisher functions) and a public reader, separate processes on one
// table, each with its own request counter.
type deployed struct {
	writer, reader *app.App
	wcalls, rcalls *dynamostore.CallCounter
}

func newDeployed(t *testing.T) *deployed {
	t.Helper()
	d := &deployed{wcalls: dynamostore.NewCallCounter(), rcalls: dynamostore.NewCallCounter()}
	ws := dynamotest.NewStore(t, dynamostore.WithCallCounter(d.wcalls))
	cfg := app.Config{Store: "dynamodb", CursorSecret: "test-cursor-secret-0123456789", PreviewSecret: "test-preview-secret-0123456789"}
	d.writer, _ = launchEnv(t, cfg, ws)
	rs := dynamostore.New(dynamotest.Client(t), ws.Table(), dynamostore.WithTimeout(dynamotest.StoreTimeout), dynamostore.WithCallCounter(d.rcalls))
	var err error
	// The reader renders every search (no render cache): these tests count
	// the search index's own requests.
	rcfg := cfg
	rcfg.RenderCacheBytes = -1
	if d.reader, err = app.New(rcfg, rs, app.NewLogger(io.Discard, "error")); err != nil {
		t.Fatal(err)
	}
	return d
}

// search runs a search on the reader's public API and returns the slugs
// found and the DynamoDB requests it took.
func (d *deployed) search(t *testing.T, text string) ([]string, int) {
	t.Helper()
	d.rcalls.Reset()
	w := get(d.reader.Handler.Public(), "/api/v1/sites/demo/search?q="+url.QueryEscape(text))
	calls := d.rcalls.Calls()
	for op := range calls {
		if op != "GetItem" && op != "Query" {
			t.Fatalf("search %q used %s: %v", text, op, calls)
		}
	}
	if w.Code != 200 {
		t.Fatalf("search %q: %d %s", text, w.Code, w.Body)
	}
	var res httpapi.SearchResults
	if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	var slugs []string
	for _, h := range res.Items {
		slugs = append(slugs, h.Slug)
	}
	return slugs, sum(calls)
}

// TestSearchFollowsOtherWritersOnDynamoDB: the public reader's warm index
// sees every change the writer makes — publish, major update, withdraw,
// scheduled release — and never drafts or scheduled entries, with one
// request per search when nothing changed and two when something did.
func TestSearchFollowsOtherWritersOnDynamoDB(t *testing.T) {
	d := newDeployed(t)
	ctx := context.Background()
	op := centre.Principal{KeyID: "t", Site: centre.AllSites, Role: centre.RoleOwner}
	svc := d.writer.Service

	// Cold: the first search loads the site's documents.
	slugs, n := d.search(t, "cancer")
	if !slices.Contains(slugs, "keep-cancer-care-going") {
		t.Fatalf("cold search: %v", slugs)
	}
	t.Logf("cold search of the demo site: %d requests", n)
	// Warm and unchanged: one GetItem.
	expect := func(what, text string, want []string, requests int) {
		t.Helper()
		got, n := d.search(t, text)
		slices.Sort(got)
		got = slices.Compact(got)
		if !slices.Equal(got, want) {
			t.Fatalf("%s: search %q found %v, want %v", what, text, got, want)
		}
		if n != requests {
			t.Fatalf("%s: search took %d requests, want %d", what, n, requests)
		}
	}
	slices.Sort(slugs)
	expect("warm", "cancer", slices.Compact(slugs), 1)

	// A draft is never found.
	draft, err := svc.CreateEntry(ctx, op, demo.Slug, centre.EntryInput{Content: centre.Content{Type: "news", Title: "Quokka census draft", Body: "Zanzibar quokka."}, Slug: "quokka-draft"})
	if err != nil {
		t.Fatal(err)
	}
	expect("after a draft", "quokka", nil, 1)

	// Publishing makes it findable at once.
	if _, err := svc.Publish(ctx, op, demo.Slug, draft.ID, draft.Version, ""); err != nil {
		t.Fatal(err)
	}
	expect("after publish", "quokka", []string{"quokka-draft"}, 2)
	expect("after publish, again", "quokka", []string{"quokka-draft"}, 1)

	// A major update is found by its new words.
	cur, err := svc.Entry(ctx, op, demo.Slug, draft.ID)
	if err != nil {
		t.Fatal(err)
	}
	body, major, note := "Zanzibar quokka and wallaby survey.", centre.ChangeMajor, "Added the wallaby survey."
	if _, err := svc.UpdateEntry(ctx, op, demo.Slug, draft.ID, centre.EntryPatch{ContentPatch: centre.ContentPatch{Body: &body}, Change: &major, ChangeNote: &note}, cur.Version); err != nil {
		t.Fatal(err)
	}
	expect("after a major update", "wallaby", []string{"quokka-draft"}, 2)

	// Withdrawn entries stay findable, marked withdrawn.
	cur, err = svc.Entry(ctx, op, demo.Slug, draft.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Withdraw(ctx, op, demo.Slug, draft.ID, cur.Version, "Counted twice.", ""); err != nil {
		t.Fatal(err)
	}
	w := get(d.reader.Handler.Public(), "/api/v1/sites/demo/search?q=wallaby")
	var res httpapi.SearchResults
	if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil || len(res.Items) != 1 || !res.Items[0].Withdrawn {
		t.Fatalf("after withdraw: %s", w.Body)
	}

	// A deleted draft was never found.
	del, err := svc.CreateEntry(ctx, op, demo.Slug, centre.EntryInput{Content: centre.Content{Type: "news", Title: "Numbat sighting"}, Slug: "numbat"})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteEntry(ctx, op, demo.Slug, del.ID, del.Version); err != nil {
		t.Fatal(err)
	}
	expect("after a draft's delete", "numbat", nil, 1)

	// A scheduled entry is not found until the publisher releases it.
	at := time.Now().Add(30 * time.Minute).UTC().Truncate(time.Second)
	if _, err := svc.CreateEntry(ctx, op, demo.Slug, centre.EntryInput{Content: centre.Content{Type: "news", Title: "Bilby embargo"}, Slug: "bilby", Status: centre.StatusScheduled, PublishAt: at}); err != nil {
		t.Fatal(err)
	}
	expect("scheduled", "bilby", nil, 1)
	svc.Now = func() time.Time { return at.Add(time.Minute) }
	if n, err := d.writer.PublishDue(ctx); err != nil || n != 1 {
		t.Fatalf("PublishDue: %d, %v", n, err)
	}
	expect("released", "bilby", []string{"bilby"}, 2)
	expect("released, again", "bilby", []string{"bilby"}, 1)

	// A write the store refuses (stale version) changes nothing a search
	// sees.
	cur, err = svc.Entry(ctx, op, demo.Slug, draft.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.UpdateEntry(ctx, op, demo.Slug, draft.ID, centre.EntryPatch{ContentPatch: centre.ContentPatch{Body: &body}}, cur.Version-1); !centre.IsCode(err, centre.EPRECONDITION) {
		t.Fatalf("stale update: %v", err)
	}
	expect("after a refused write", "bilby", []string{"bilby"}, 1)

	// The writer's own searches follow the same documents.
	w = get(d.writer.Handler.Public(), "/api/v1/sites/demo/search?q=bilby")
	if w.Code != 200 || between(w.Body.String(), `"slug":"`, `"`) != "bilby" {
		t.Fatalf("writer's search: %d %s", w.Code, w.Body)
	}
	t.Logf("writer requests: %s", d.wcalls)
}

// benchWords make up the generated entries of BenchmarkSearchDynamoDB.
var benchWords = strings.Fields(`hospital hospitals capacity intensive care beds oxygen supply masks
	respirators protective equipment vaccination vaccine doses schools closure testing laboratories
	patients staff nurses doctors shortage procurement guidance public health authorities regional
	national european members association statement recommends urges calls ensure continuity cancer
	screening radiotherapy waiting lists data reporting surveillance outbreak cases deaths emergency
	departments ambulance transport medicines stock pharmacies primary care telemedicine mental
	support families elderly residents homes visits rules travel borders quarantine isolation`)

// BenchmarkSearchDynamoDB measures search on DynamoDB (moto_server) as the
// public function runs it, on a site of SEARCH_BENCH_ENTRIES (default 300)
// published entries written by another process: the requests of the cold
// load, of a warm search when nothing changed and of one after a change.
// moto_server copies the whole table for every transaction, so writing the
// entries takes minutes (about 4 for 300) and grows with the square of n.
func BenchmarkSearchDynamoDB(b *testing.B) {
	n := 300
	if v, err := strconv.Atoi(os.Getenv("SEARCH_BENCH_ENTRIES")); err == nil && v > 0 {
		n = v
	}
	calls := dynamostore.NewCallCounter()
	ws := dynamotest.NewStore(b)
	cfg := app.Config{Store: "dynamodb", CursorSecret: "test-cursor-secret-0123456789", PreviewSecret: "test-preview-secret-0123456789"}
	writer, _ := launchEnv(b, cfg, ws)
	ctx := context.Background()
	op := centre.Principal{KeyID: "bench", Site: centre.AllSites, Role: centre.RoleOwner}
	r := rand.New(rand.NewPCG(1, 2))
	text := func(words int) string {
		var sb strings.Builder
		for i := range words {
			if i > 0 {
				sb.WriteByte(' ')
				if i%14 == 0 {
					sb.WriteString(".\n\n")
				}
			}
			sb.WriteString(benchWords[r.IntN(len(benchWords))])
		}
		return sb.String()
	}
	start := time.Now()
	var bytes int
	for i := range n {
		body := text(300 + r.IntN(600)) // about 2-6 KB
		bytes += len(body)
		in := centre.EntryInput{Slug: fmt.Sprintf("generated-%d", i),
			Status: centre.StatusPublished,
			Content: centre.Content{
				Type:    "news",
				Title:   text(6),
				Summary: text(25),
				Body:    body,
				Tags:    []string{benchWords[r.IntN(len(benchWords))]},
			},
		}
		if _, err := writer.Service.CreateEntry(ctx, op, demo.Slug, in); err != nil {
			b.Fatal(err)
		}
		if (i+1)%100 == 0 {
			b.Logf("%d entries written after %v", i+1, time.Since(start).Round(time.Second))
		}
	}
	b.Logf("wrote %d entries (%d KB of Markdown) in %v", n, bytes/1024, time.Since(start).Round(time.Second))

	rs := dynamostore.New(dynamotest.Client(b), ws.Table(), dynamostore.WithTimeout(dynamotest.StoreTimeout), dynamostore.WithCallCounter(calls))
	reader, err := app.New(cfg, rs, app.NewLogger(io.Discard, "error"))
	if err != nil {
		b.Fatal(err)
	}
	h := reader.Handler.Public()
	searchOnce := func(q string) int {
		calls.Reset()
		if w := get(h, "/api/v1/sites/demo/search?q="+url.QueryEscape(q)); w.Code != 200 {
			b.Fatalf("search: %d %s", w.Code, w.Body)
		}
		return sum(calls.Calls())
	}
	start = time.Now()
	cold := searchOnce("hospital capacity")
	coldTime := time.Since(start)

	// A change by the writer: the next search fetches it.
	if _, err := writer.Service.CreateEntry(ctx, op, demo.Slug, centre.EntryInput{Content: centre.Content{Type: "news", Title: "Fresh news", Body: text(400)}, Status: centre.StatusPublished}); err != nil {
		b.Fatal(err)
	}
	changed := searchOnce("fresh")

	queries := []string{"oxygen", "intensive care", "vacc", "masks respirators", "cancer screening", "travel borders quarantine"}
	requests, i := 0, 0
	for b.Loop() {
		requests += searchOnce(queries[i%len(queries)])
		i++
	}
	// b.Loop drops metrics reported before it, so report them all here.
	b.ReportMetric(float64(n), "entries")
	b.ReportMetric(float64(cold), "cold-requests")
	b.ReportMetric(float64(coldTime.Milliseconds()), "cold-ms")
	b.ReportMetric(float64(changed), "changed-requests")
	b.ReportMetric(float64(requests)/float64(i), "warm-requests/op")
}
