package static

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/web/fixture"
)

// bigSite adds n published news entries to the fixture site.
func bigSite(t *testing.T, n int) centre.Store {
	t.Helper()
	st := seeded(t)
	ctx := context.Background()
	for i := range n {
		at := fixture.Base.Add(time.Duration(i+1) * time.Minute)
		e := &centre.Entry{ID: centre.NewID(at), Site: fixture.Site, Slug: fmt.Sprintf("bulk-%03d", i),
			Lang: "en", BodyHTML: "<p>Text.</p>", Status: centre.StatusPublished, PublishedAt: at, UpdatedAt: at, CreatedAt: at,
			Content: centre.Content{Type: centre.TypeNews, Title: fmt.Sprintf("Bulk update %d", i), Body: "Text."}}
		if err := st.CreateEntry(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

func publicCount(t *testing.T, st centre.Store, now time.Time) (all, listed int) {
	t.Helper()
	q := centre.EntryQuery{Site: fixture.Site, Public: true, Limit: centre.MaxPageSize}
	for {
		page, err := st.ListEntries(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Items {
			all++
			if !e.Expired(now) {
				listed++
			}
		}
		if page.Next == "" {
			return all, listed
		}
		q.After = page.Next
	}
}

// TestExportManyEntries exports a site of more than two pages of the API
// list (it used to rewrite the last page forever): every entry is written
// once and the list pages chain up to the last one, which names no next.
func TestExportManyEntries(t *testing.T) {
	st := bigSite(t, 260)
	now := fixture.Base.Add(60 * 24 * time.Hour)
	all, listed := publicCount(t, st, now)
	out := filepath.Join(t.TempDir(), "site")
	start := time.Now()
	res, err := Options{Now: now, Timeout: 2 * time.Minute}.Export(context.Background(), &centre.Service{Store: st}, fixture.Site, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d entries: %d pages, %d files, %d bytes in %s", all, res.Pages, res.Files, res.Bytes, time.Since(start).Round(time.Millisecond))
	if res.Entries != all {
		t.Errorf("Entries = %d, want %d", res.Entries, all)
	}
	lists := filepath.Join(out, "api/v1/sites", fixture.Site, "entries")
	wantPages := (listed + centre.MaxPageSize - 1) / centre.MaxPageSize
	if wantPages < 3 {
		t.Fatalf("only %d list pages: the test needs at least 3", wantPages)
	}
	seen := 0
	name := "index.json"
	for n := 1; ; n++ {
		var page struct {
			Items []struct{ Slug string }
			Next  string
		}
		b, err := os.ReadFile(filepath.Join(lists, name))
		if err != nil {
			t.Fatalf("list page %d: %v", n, err)
		}
		if err := json.Unmarshal(b, &page); err != nil {
			t.Fatal(err)
		}
		seen += len(page.Items)
		if page.Next == "" {
			if n != wantPages {
				t.Errorf("%d list pages, want %d", n, wantPages)
			}
			break
		}
		name = fmt.Sprintf("page-%d.json", n+1)
		if want := "/api/v1/sites/" + fixture.Site + "/entries/" + name; page.Next != want {
			t.Fatalf("page %d: next = %q, want %q", n, page.Next, want)
		}
	}
	if seen != listed {
		t.Errorf("list pages hold %d entries, want %d", seen, listed)
	}
	if _, err := os.Stat(filepath.Join(lists, fmt.Sprintf("page-%d.json", wantPages+1))); !os.IsNotExist(err) {
		t.Errorf("a list page past the last one: %v", err)
	}
	files, _ := filepath.Glob(filepath.Join(lists, "*", "*.json"))
	if len(files) != all {
		t.Errorf("%d entry snapshots, want %d", len(files), all)
	}
	for i := range 260 {
		if _, err := os.Stat(filepath.Join(out, "en", fmt.Sprintf("bulk-%03d", i), "index.html")); err != nil {
			t.Fatalf("entry page: %v", err)
		}
	}
}

// TestExportLimits: each limit stops the export with an ETOOLARGE error
// that names it, and leaves neither the output nor a temporary directory.
func TestExportLimits(t *testing.T) {
	st := bigSite(t, 30)
	for _, tc := range []struct {
		name string
		o    Options
		want string
	}{
		{"pages", Options{MaxPages: 10}, "limit of 10 pages"},
		{"bytes", Options{MaxBytes: 50_000}, "limit of 50000 bytes"},
		{"time", Options{Timeout: time.Millisecond}, "limit of 1ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parent := t.TempDir()
			_, err := tc.o.Export(context.Background(), &centre.Service{Store: st}, fixture.Site, filepath.Join(parent, "site"), nil)
			if !centre.IsCode(err, centre.ETOOLARGE) || !strings.Contains(centre.ErrorMessage(err), tc.want) {
				t.Fatalf("err = %v, want ETOOLARGE naming %q", err, tc.want)
			}
			if left, _ := os.ReadDir(parent); len(left) != 0 {
				t.Errorf("left behind: %v", left)
			}
		})
	}
}

// TestExportCancelled: a cancelled export (a client gone) leaves nothing.
func TestExportCancelled(t *testing.T) {
	st := bigSite(t, 30)
	parent := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	_, err := Options{}.Export(ctx, &centre.Service{Store: st}, fixture.Site, filepath.Join(parent, "site"), func(string, int, int) {
		if calls++; calls == 5 {
			cancel()
		}
	})
	if err == nil {
		t.Fatal("a cancelled export succeeded")
	}
	if left, _ := os.ReadDir(parent); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}
