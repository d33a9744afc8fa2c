package console_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"infocentre/internal/boltstore"
	"infocentre/internal/centre"
	"infocentre/internal/console"
	"infocentre/internal/markdown"
)

// benchEntries is the size of the benchmark's site.
const benchEntries = 10_000

// benchSite returns the console of a site of n entries on the embedded
// store, written directly to the store (one flush at the end), the
// session cookie of a signed-in editor, and the IDs of some entries of
// each status.
func benchSite(b *testing.B, n int) (*console.Console, *http.Cookie, map[string][]string) {
	b.Helper()
	ctx := b.Context()
	store, err := boltstore.Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := &centre.Service{Store: store, Log: log, Render: markdown.Render}
	k, _, err := svc.Bootstrap(ctx, "owner")
	if err != nil {
		b.Fatal(err)
	}
	owner := centre.Principal{KeyID: k.ID, Site: centre.AllSites, Role: centre.RoleOwner}
	if _, err := svc.CreateSite(ctx, owner, centre.SiteInput{Slug: "demo", Title: "Demo", Publisher: "P", Languages: []string{"en", "fr"},
		TimeZone: "Europe/Brussels", Contact: centre.Contact{Email: "press@example.org"}}); err != nil {
		b.Fatal(err)
	}
	body := strings.Repeat("The river is expected to crest on **Thursday**; follow the [advice](https://example.org/advice).\n\n", 20) // 2 KB
	html, err := markdown.Render(body)
	if err != nil {
		b.Fatal(err)
	}
	tags := []string{"floods", "roads", "schools", "water", "power", "shelters", "health", "transport"}
	orgs := []string{"Red Cross", "City Council", "Water Board", "Police"}
	ids := map[string][]string{}
	start := time.Now().UTC().Add(-time.Duration(n) * time.Minute).Truncate(time.Millisecond)
	err = store.Bulk(func() error {
		for i := range n {
			at := start.Add(time.Duration(i) * time.Minute)
			e := &centre.Entry{ID: centre.NewID(at), Site: "demo", Slug: fmt.Sprintf("bulletin-%05d", i), Lang: []string{"en", "fr"}[i%7/6],
				Content: centre.Content{Type: centre.Types[i%len(centre.Types)], Title: fmt.Sprintf("Bulletin %05d: the river", i),
					Summary: "What to do during the flood, updated.", Body: body, Tags: []string{tags[i%len(tags)], tags[(i/3)%len(tags)]},
					Organisations: []string{orgs[i%len(orgs)]}},
				BodyHTML: html, Status: centre.StatusPublished, PublishedAt: at, UpdatedAt: at, CreatedAt: at, CreatedBy: k.ID,
				LastChange: centre.Change{At: at, KeyID: k.ID, Action: "publish"}}
			if e.Tags[0] == e.Tags[1] {
				e.Tags = e.Tags[:1]
			}
			switch {
			case i%10 == 1:
				e.Status, e.PublishedAt = centre.StatusDraft, time.Time{}
				if i%20 == 1 {
					e.ReviewRequestedAt, e.ReviewNote = at, "please check"
				}
			case i%10 == 2:
				e.Status, e.PublishedAt, e.PublishAt = centre.StatusScheduled, time.Time{}, time.Now().Add(time.Duration(i)*time.Hour).UTC().Truncate(time.Millisecond)
			case i%50 == 3:
				e.ChangeNotes = []centre.ChangeNote{{At: at.Add(time.Minute), Note: "Corrected the address"}}
			}
			if err := store.CreateEntry(ctx, e); err != nil {
				return err
			}
			if len(ids[e.Status]) < 100 {
				ids[e.Status] = append(ids[e.Status], e.ID)
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d entries in %s", n, time.Since(start.Add(time.Duration(n)*time.Minute)).Round(time.Millisecond))
	con, err := console.New(console.Config{Service: svc, PublicOrigin: origin, Log: log})
	if err != nil {
		b.Fatal(err)
	}
	person, _, err := svc.InvitePerson(ctx, owner, "demo", centre.PersonInput{Email: "ed@example.org", Name: "Ed", Role: centre.RolePublisher})
	if err != nil {
		b.Fatal(err)
	}
	person.State = centre.PersonActive
	if err := store.UpdatePerson(ctx, person); err != nil {
		b.Fatal(err)
	}
	_, token, err := svc.StartSession(ctx, person.ID, "passkey", "127.0.0.1", nil)
	if err != nil {
		b.Fatal(err)
	}
	return con, &http.Cookie{Name: console.SessionCookie, Value: token}, ids
}

// BenchmarkConsolePages serves the console's list and editor pages of a
// site of 10,000 entries (embedded store) to a signed-in publisher and
// reports the server time per page: p50 and p95 in milliseconds (the
// target is p95 ≤ 50 ms for the list and the editor). Run it with
// make bench, or: go test -run '^$' -bench ConsolePages ./internal/console
func BenchmarkConsolePages(b *testing.B) {
	con, cookie, ids := benchSite(b, benchEntries)
	pick := func(status string) func(i int) string {
		return func(i int) string { return entryURL(ids[status][i%len(ids[status])]) }
	}
	fixed := func(path string) func(int) string { return func(int) string { return path } }
	for _, bc := range []struct {
		name string
		path func(i int) string
	}{
		{"list", fixed("/admin/sites/demo/entries")},
		{"list-filtered", fixed("/admin/sites/demo/entries?type=news&status=published&lang=en&tag=water")},
		{"list-text", fixed("/admin/sites/demo/entries?q=bulletin+00042")}, // one old match: reads the 1,000 entries a page may
		{"editor-published", pick(centre.StatusPublished)},
		{"editor-draft", pick(centre.StatusDraft)},
		{"editor-new", fixed("/admin/sites/demo/entries/new")},
		{"dashboard", fixed("/admin/sites/demo/")},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var lat []time.Duration
			i := 0
			for b.Loop() {
				r := httptest.NewRequest("GET", origin+bc.path(i), nil)
				r.AddCookie(cookie)
				w := httptest.NewRecorder()
				t0 := time.Now()
				con.ServeHTTP(w, r)
				lat = append(lat, time.Since(t0))
				if w.Code != http.StatusOK {
					b.Fatalf("GET %s: %d\n%s", bc.path(i), w.Code, w.Body)
				}
				i++
			}
			slices.Sort(lat)
			at := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
			b.ReportMetric(float64(at(0.50).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(at(0.95).Microseconds())/1000, "p95-ms")
		})
	}
}
