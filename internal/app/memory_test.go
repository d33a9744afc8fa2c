package app_test

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"infocentre/internal/app"
	"infocentre/internal/boltstore"
	"infocentre/internal/centre"
	"infocentre/internal/demo"
	"infocentre/internal/markdown"
)

// memoryEntries is the size of the site TestReportMemory serves.
const memoryEntries = 10_000

// TestReportMemory (MEMORY_REPORT=1, run by make bench) measures the
// memory of the public function's wiring (app.NewPublic, default render
// cache of 64 MiB) serving a 10,000-entry site until its render cache is
// full: every entry page and its read API twin, every list page by its
// cursors, the feeds, the sitemap, then the read API's lists. It reports the peak resident set size after the site was
// generated (the kernel's high-water mark is reset first) and fails when,
// less the embedded store's mapped file (on Lambda the store is DynamoDB,
// nothing is mapped), it is above the function's 256 MB.
func TestReportMemory(t *testing.T) {
	if os.Getenv("MEMORY_REPORT") == "" {
		t.Skip("set MEMORY_REPORT=1 (make bench)")
	}
	dir := t.TempDir()
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if d, err := os.MkdirTemp("/dev/shm", "infocentre-memory-"); err == nil {
			dir = d
			t.Cleanup(func() { os.RemoveAll(d) })
		}
	}
	store, err := boltstore.Open(filepath.Join(dir, "infocentre.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	ctx := context.Background()
	seed, err := app.New(app.Config{DataDir: dir, RenderCacheBytes: -1}, store, app.NewLogger(io.Discard, "error"))
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Seed(ctx, seed.Service, time.Now()); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	slugs := generateEntries(t, store, memoryEntries)
	t.Logf("generated %d entries in %s", len(slugs), time.Since(start).Round(time.Millisecond))

	// As on Lambda with MemorySize 256 (fromEnv).
	app.LimitMemory(256 << 20)
	defer debug.SetMemoryLimit(math.MaxInt64)
	a, err := app.NewPublic(app.Config{DataDir: dir}, store, app.NewLogger(io.Discard, "error"))
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	debug.FreeOSMemory()
	before := rss(t, "VmRSS")
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Logf("cannot reset the peak RSS (%v): it includes the generation", err)
	}
	h := a.Handler.Public()
	views := 0
	view := func(path string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", path, nil)
		if !strings.HasSuffix(path, "/") && !strings.Contains(path, "?after=") {
			r.Header.Set("Accept-Encoding", "gzip, br")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		views++
		if w.Code != 200 {
			t.Fatalf("%s: %d", path, w.Code)
		}
		return w
	}
	full := func() bool { st := a.Cache.Stats(); return st.Evictions > 0 }
	start = time.Now()
	for _, p := range []string{"/sites/demo/", "/sites/demo/fr/", "/sites/demo/sitemap.xml", "/sites/demo/feed.atom",
		"/sites/demo/feed.json", "/sites/demo/news/feed.atom"} {
		view(p)
	}
	for _, list := range []string{"/sites/demo/statements/", "/sites/demo/publications/", "/sites/demo/news/"} {
		next := list
		for i := 0; next != "" && i < memoryEntries; i++ {
			body := view(next).Body
			next = ""
			if before, _, ok := strings.Cut(body.String(), `" rel="next"`); ok {
				next = strings.ReplaceAll(before[strings.LastIndex(before, `"`)+1:], "&amp;", "&")
			}
		}
	}
	for _, s := range slugs {
		view("/sites/demo/" + s + "/")
		view("/api/v1/sites/demo/entries/" + strings.TrimPrefix(s, "en/"))
	}
	// Then the read API's lists, until the cache evicts.
	for limit := 1; !full() && limit <= centre.MaxPageSize; limit++ {
		for _, typ := range []string{"", "&type=statement", "&type=publication", "&type=news"} {
			view("/api/v1/sites/demo/entries?limit=" + strconv.Itoa(limit) + typ)
		}
	}
	st := a.Cache.Stats()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	peak := rss(t, "VmHWM")
	// The embedded store's file is mapped into the process and counts in
	// its resident set; the function on DynamoDB maps none.
	mapped := rss(t, "RssFile") + rss(t, "RssShmem")
	report := fmt.Sprintf("memory: %d entries, %d views in %s; render cache %d entries, %.1f MiB of %.0f MiB, %d evictions; "+
		"Go heap in use %.1f MiB, from the OS %.1f MiB; RSS before %.1f MiB, peak %.1f MiB, of which the mapped store file %.1f MiB (limit 256 MB)",
		len(slugs)+len(demoSlugs), views, time.Since(start).Round(time.Millisecond), st.Entries, mib(st.Bytes), mib(st.MaxBytes), st.Evictions,
		mib(int64(ms.HeapInuse)), mib(int64(ms.Sys)), mib(before), mib(peak), mib(mapped))
	fmt.Println(report)
	t.Log(report)
	if st.Evictions == 0 {
		t.Errorf("the render cache never filled: %+v", st)
	}
	if peak-mapped >= 256e6 {
		t.Errorf("peak RSS %.1f MiB without the mapped store file is over the function's 256 MB", mib(peak-mapped))
	}
}

var demoSlugs = []string{"demo"}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

// rss returns the process's field (VmRSS, VmHWM) of /proc/self/status in
// bytes.
func rss(t *testing.T, field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/self/status", field)
	return 0
}

// generatedTags are the words of the generated entries' text, each also
// the tag of every len(generatedTags)th entry.
var generatedTags = strings.Fields("flood water supply shelter evacuation hospital vaccine power outage road closure school " +
	"advice guidance statement update emergency services residents district council relief volunteers")

// generateEntries stores n published entries of the demo site, of every
// type, in English, with bodies of a few paragraphs, and returns their
// page paths below the site ("en/slug").
func generateEntries(t *testing.T, store centre.Store, n int) []string {
	r := rand.New(rand.NewPCG(1, 2))
	words := generatedTags
	types := []string{centre.TypeStatement, centre.TypeStatement, centre.TypePublication, centre.TypeNews, centre.TypeNews}
	sentence := func(k int) string {
		w := make([]string, k)
		for i := range w {
			w[i] = words[r.IntN(len(words))]
		}
		return strings.Join(w, " ")
	}
	at := time.Now().Add(-time.Duration(n) * time.Minute)
	out := make([]string, 0, n)
	for i := range n {
		var body strings.Builder
		for p := 0; p < 3+r.IntN(4); p++ {
			fmt.Fprintf(&body, "%s.\n\n", sentence(40+r.IntN(40)))
		}
		html, err := markdown.Render(body.String())
		if err != nil {
			t.Fatal(err)
		}
		at = at.Add(time.Minute)
		e := &centre.Entry{ID: centre.NewID(at), Site: demo.Slug, Slug: fmt.Sprintf("entry-%05d", i), Lang: "en",
			Status: centre.StatusPublished, PublishedAt: at, CreatedAt: at, UpdatedAt: at, CreatedBy: "seed", BodyHTML: html,
			Content: centre.Content{Type: types[i%len(types)], Title: strings.ToUpper(sentence(1)[:1]) + sentence(6)[1:],
				Summary: sentence(20), Body: body.String(), Tags: []string{words[i%len(words)]}}}
		if err := store.CreateEntry(context.Background(), e); err != nil {
			t.Fatal(err)
		}
		out = append(out, "en/"+e.Slug)
	}
	return out
}
