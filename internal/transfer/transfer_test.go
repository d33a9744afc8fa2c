package transfer_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"infocentre/internal/boltstore"
	"infocentre/internal/centre"
	"infocentre/internal/demo"
	"infocentre/internal/dynamostore/dynamotest"
	"infocentre/internal/markdown"
	"infocentre/internal/media"
	"infocentre/internal/transfer"
)

func newBolt(t *testing.T) centre.Store {
	t.Helper()
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// seeded returns a store holding the demo site with a history: edits,
// a major change, a withdrawal, a scheduled entry and audit events.
func seeded(t *testing.T, store centre.Store) {
	t.Helper()
	ctx := context.Background()
	svc := &centre.Service{Store: store, Render: markdown.Render}
	if err := demo.Seed(ctx, svc, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	op := centre.Principal{KeyID: "k1", Site: centre.AllSites, Role: centre.RoleOwner}
	e, err := svc.CreateEntry(ctx, op, demo.Slug, centre.EntryInput{
		PublishAt: time.Now().Add(24 * time.Hour), Status: centre.StatusScheduled,
		Content: centre.Content{
			Type:  "news",
			Title: "Later news",
			Body:  "Soon.",
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Withdraw(ctx, op, demo.Slug, mustSlug(t, svc, "webinar-remote-monitoring").ID, 0, "Cancelled.", ""); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		now := time.Date(2026, 3, 2, 9, i, 0, 0, time.UTC)
		if err := store.AppendAudit(ctx, &centre.AuditEvent{ID: centre.NewID(now), Site: demo.Slug, At: now, KeyID: "k1",
			Role: "owner", Action: "entry.update", Target: e.ID, Outcome: 200}); err != nil {
			t.Fatal(err)
		}
	}
}

func mustSlug(t *testing.T, svc *centre.Service, slug string) *centre.Entry {
	es, err := svc.Store.EntriesBySlug(context.Background(), demo.Slug, slug)
	if err != nil {
		t.Fatal(err)
	}
	return es[0]
}

func export(t *testing.T, store centre.Store, site string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := transfer.Export(context.Background(), store, nil, site, &buf, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestMain starts moto_server for the DynamoDB tests, but not for a fuzzing
// run (go test -fuzz), whose workers run only the fuzz target.
func TestMain(m *testing.M) {
	flag.Parse()
	if f := flag.Lookup("test.fuzz"); f != nil && f.Value.String() != "" {
		os.Exit(m.Run())
	}
	dynamotest.Main(m)
}

func TestRoundTrip(t *testing.T) { RoundTrip(t, newEmbedded) }

func TestRoundTripDynamoDB(t *testing.T) { RoundTrip(t, newAWS) }

// TestAcrossStores moves a site with its files from the embedded store
// (bbolt and a directory) to DynamoDB and S3 and back: the export is the
// same bytes all the way.
func TestAcrossStores(t *testing.T) {
	ctx := context.Background()
	src := newEmbedded(t)
	seededFiles(t, src)
	first := src.export(t, demo.Slug)
	dyn := newAWS(t)
	if _, err := transfer.Import(ctx, dyn.store, bytes.NewReader(first), transfer.Options{Render: markdown.Render, Files: dyn.files}); err != nil {
		t.Fatal(err)
	}
	second := dyn.export(t, demo.Slug)
	back := newEmbedded(t)
	if _, err := transfer.Import(ctx, back.store, bytes.NewReader(second), transfer.Options{Render: markdown.Render, Files: back.files}); err != nil {
		t.Fatal(err)
	}
	if third := back.export(t, demo.Slug); !bytes.Equal(first, second) || !bytes.Equal(first, third) {
		t.Fatalf("bolt → DynamoDB → bolt changed the export:\n%s", firstDiff(first, second))
	}
}

// RoundTrip checks export → import → export gives the same bytes, into a
// fresh store and under a new slug.
func RoundTrip(t *testing.T, newBackend func(*testing.T) backend) {
	ctx := context.Background()
	src := newBackend(t)
	files := seededFiles(t, src)
	first := src.export(t, demo.Slug)
	if !bytes.HasPrefix(first, []byte(`{"format":"infocentre-export","version":2}`+"\n")) {
		t.Fatalf("header: %.80s", first)
	}
	b := newBackend(t)
	dst := b.store
	var phases []string
	counts, err := transfer.Import(ctx, dst, bytes.NewReader(first), transfer.Options{Render: markdown.Render, Files: b.files, Inspect: media.Inspector{}, Progress: func(phase string, done, total int) {
		phases = append(phases, phase)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if counts.Site != demo.Slug || counts.Entries < 12 || counts.Revisions <= counts.Entries || counts.Audit != 3 || counts.Files != 3 || len(phases) == 0 {
		t.Fatalf("counts %+v, progress %v", counts, phases)
	}
	second := b.export(t, demo.Slug)
	if !bytes.Equal(first, second) {
		t.Fatalf("round trip differs:\n%s", firstDiff(first, second))
	}
	// The imported site works: its scheduled entry is due later, its
	// withdrawn entry is public with its reason.
	es, err := dst.EntriesBySlug(ctx, demo.Slug, "webinar-remote-monitoring")
	if err != nil || es[0].Status != centre.StatusWithdrawn {
		t.Fatalf("withdrawn entry after import: %+v %v", es, err)
	}
	due, err := dst.DueEntries(ctx, time.Now().Add(48*time.Hour), 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("due after import: %d %v", len(due), err)
	}
	// The files came back byte for byte, public as they were.
	checkFiles(t, b, demo.Slug, files)
	// Under a new slug, into the same store.
	if _, err := transfer.Import(ctx, dst, bytes.NewReader(first), transfer.Options{Render: markdown.Render, As: "demo-copy", Files: b.files}); err != nil {
		t.Fatal(err)
	}
	checkFiles(t, b, "demo-copy", files)
	third := b.export(t, "demo-copy")
	if !bytes.Equal(third, bytes.ReplaceAll(first, []byte(`"site":"demo"`), []byte(`"site":"demo-copy"`))) &&
		!bytes.Contains(third, []byte(`"slug":"demo-copy"`)) {
		t.Fatal("copy under a new slug is not the same site")
	}
	// The same slug twice is refused, and nothing is written.
	if _, err := transfer.Import(ctx, dst, bytes.NewReader(first), transfer.Options{Render: markdown.Render, Files: b.files}); !centre.IsCode(err, centre.ECONFLICT) {
		t.Fatalf("second import: %v", err)
	}
}

func firstDiff(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range la {
		if i >= len(lb) || la[i] != lb[i] {
			other := "<missing>"
			if i < len(lb) {
				other = lb[i]
			}
			return fmt.Sprintf("line %d:\n  %s\n  %s", i+1, la[i], other)
		}
	}
	return "second is longer"
}

func TestDryRunAndBadFiles(t *testing.T) {
	ctx := context.Background()
	src := newBolt(t)
	seeded(t, src)
	good := export(t, src, demo.Slug)
	dst := newBolt(t)
	if c, err := transfer.Import(ctx, dst, bytes.NewReader(good), transfer.Options{Render: markdown.Render, DryRun: true}); err != nil || c.Entries == 0 {
		t.Fatalf("dry run: %+v %v", c, err)
	}
	if _, err := dst.GetSite(ctx, demo.Slug); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatal("a dry run wrote the site")
	}
	// A dry run on the site the file came from compares them instead of
	// failing; the real import is refused.
	sum, err := transfer.Import(ctx, src, bytes.NewReader(good), transfer.Options{Render: markdown.Render, DryRun: true})
	if err != nil || sum.Existing == nil || *sum.Existing != (transfer.Comparison{Same: sum.Entries}) {
		t.Fatalf("dry run on the existing site: %+v %+v %v", sum, sum.Existing, err)
	}
	svc := &centre.Service{Store: src, Render: markdown.Render}
	op := centre.Principal{KeyID: "k1", Site: centre.AllSites, Role: centre.RoleOwner}
	title := "Changed after the export"
	minor := centre.ChangeMinor
	if _, err := svc.UpdateEntry(ctx, op, demo.Slug, mustSlug(t, svc, "keep-cancer-care-going").ID,
		centre.EntryPatch{ContentPatch: centre.ContentPatch{Title: &title}, Change: &minor}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateEntry(ctx, op, demo.Slug, centre.EntryInput{Content: centre.Content{Type: "news", Title: "After the export"}}); err != nil {
		t.Fatal(err)
	}
	sum, err = transfer.Import(ctx, src, bytes.NewReader(good), transfer.Options{Render: markdown.Render, DryRun: true})
	if err != nil || sum.Existing == nil || *sum.Existing != (transfer.Comparison{Same: sum.Entries - 1, SiteNewer: 1, OnlyInSite: 1}) {
		t.Fatalf("dry run after changes: %+v %+v %v", sum, sum.Existing, err)
	}
	if _, err := transfer.Import(ctx, src, bytes.NewReader(good), transfer.Options{Render: markdown.Render}); !centre.IsCode(err, centre.ECONFLICT) {
		t.Fatalf("import onto the existing site: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(string(good), "\n"), "\n")
	cases := map[string]struct {
		file string
		line int
		want string
	}{
		"empty":          {"", 1, "empty"},
		"not an export":  {`{"hello":1}` + "\n", 1, "not an infocentre export"},
		"future version": {`{"format":"infocentre-export","version":9}` + "\n", 1, "version 9"},
		"truncated":      {strings.Join(lines[:len(lines)/2], "\n") + "\n", len(lines) / 2, "truncated"},
		"malformed line": {strings.Join(append(append(append([]string{}, lines[:4]...), `{"type":"revision",`), lines[5:]...), "\n"), 5, "malformed"},
		"wrong counts":   {strings.Join(append(append([]string{}, lines[:len(lines)-1]...), `{"type":"end","counts":{"entries":1,"revisions":1,"audit":0}}`), "\n"), len(lines), "holds"},
		"unknown type":   {strings.Join(append(append(append([]string{}, lines[:3]...), `{"type":"key"}`), lines[3:]...), "\n"), 4, "unknown record type"},
		"invalid entry":  {strings.Replace(string(good), `"type":"statement"`, `"type":"tweet"`, 1), 0, "invalid entry"},
		// A line is read as the API reads a request: exact names, each once.
		"duplicate key":    {strings.Replace(string(good), `"type":"statement"`, `"type":"statement","type":"page"`, 1), 0, "given twice"},
		"case-folded key":  {strings.Replace(string(good), `"title":`, `"TITLE":`, 1), 0, "case-sensitive"},
		"look-alike title": {strings.Replace(string(good), `"title":"`, `"title":"\u202e`, 1), 2, "invisible"},
	}
	for name, c := range cases {
		_, err := transfer.Import(ctx, dst, strings.NewReader(c.file), transfer.Options{Render: markdown.Render})
		var le *transfer.LineError
		if !errors.As(err, &le) || !strings.Contains(err.Error(), c.want) || (c.line != 0 && le.Line != c.line) {
			t.Errorf("%s: %v (want line %d, %q)", name, err, c.line, c.want)
		}
	}
	if sites, _ := dst.ListSites(ctx); len(sites) != 0 {
		t.Fatalf("bad files wrote %d sites", len(sites))
	}
}

// failing wraps a real store and fails the n-th entry write, to show a
// failed import is undone.
type failing struct {
	centre.Store
	n int
}

func (f *failing) CreateEntry(ctx context.Context, e *centre.Entry) error {
	if f.n--; f.n == 0 {
		return errors.New("disk full")
	}
	return f.Store.CreateEntry(ctx, e)
}

func TestFailedImportLeavesNothing(t *testing.T) {
	ctx := context.Background()
	src := newBolt(t)
	seeded(t, src)
	file := export(t, src, demo.Slug)
	dst := newBolt(t)
	_, err := transfer.Import(ctx, &failing{Store: dst, n: 5}, bytes.NewReader(file), transfer.Options{Render: markdown.Render})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("import: %v", err)
	}
	if _, err := dst.GetSite(ctx, demo.Slug); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("site left after a failed import: %v", err)
	}
	if es, err := dst.EntriesBySlug(ctx, demo.Slug, "keep-cancer-care-going"); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("entries left after a failed import: %d %v", len(es), err)
	}
	// And the same file then imports cleanly.
	if _, err := transfer.Import(ctx, dst, bytes.NewReader(file), transfer.Options{Render: markdown.Render}); err != nil {
		t.Fatal(err)
	}
}
