package search

import (
	"context"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"infocentre/internal/boltstore"
	"infocentre/internal/centre"
	"infocentre/internal/demo"
	"infocentre/internal/markdown"
)

// demoCentre returns a search service over an embedded store seeded with
// the demo site, and the centre service that writes through it.
func demoCentre(t testing.TB) (*Service, *centre.Service, centre.Store) {
	t.Helper()
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "search.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	s := &Service{Store: store, Log: slog.New(slog.DiscardHandler)}
	svc := &centre.Service{Store: s.Watch(store), Render: markdown.Render}
	if err := demo.Seed(context.Background(), svc, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	return s, svc, store
}

var owner = centre.Principal{KeyID: "test", Site: centre.AllSites, Role: centre.RoleOwner}

func TestServiceBuildsFromStoreAndStaysCurrent(t *testing.T) {
	ctx := context.Background()
	s, svc, store := demoCentre(t)

	res, err := s.Search(ctx, demo.Slug, Query{Text: "cancer"})
	if err != nil {
		t.Fatal(err)
	}
	langs := map[string]bool{}
	for _, h := range res.Hits {
		if h.Slug == "keep-cancer-care-going" {
			langs[h.Lang] = true
		}
	}
	if !langs["en"] || !langs["fr"] {
		t.Fatalf("cancer: %v, want both language versions of keep-cancer-care-going", slugs(res))
	}
	// Bodies come from the store: a word only in a body is found.
	if res := search(t, mustIndex(t, s), Query{Text: "hypofractionated"}); !eq(slugs(res), []string{"keep-cancer-care-going"}) {
		t.Fatalf("body word: %v", slugs(res))
	}
	// The draft is never found.
	if res := search(t, mustIndex(t, s), Query{Text: "cold-chain logistics"}); res.Total != 0 {
		t.Fatalf("draft found: %v", slugs(res))
	}

	// Publishing, withdrawing and editing through the watched store show at once.
	page, err := svc.Entries(ctx, owner, centre.EntryQuery{Site: demo.Slug, Status: centre.StatusDraft})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("drafts: %v %v", page.Items, err)
	}
	draft := page.Items[0]
	pub, err := svc.Publish(ctx, owner, demo.Slug, draft.ID, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	res = search(t, mustIndex(t, s), Query{Text: "cold-chain logistics"})
	if !eq(slugs(res), []string{"vaccination-logistics"}) || res.Hits[0].Withdrawn {
		t.Fatalf("after publishing: %v", slugs(res))
	}
	title := "Cold-chain logistics: superseded"
	note := "Title changed."
	if pub, err = svc.UpdateEntry(ctx, owner, demo.Slug, pub.ID, centre.EntryPatch{ContentPatch: centre.ContentPatch{Title: &title}, ChangeNote: &note}, pub.Version); err != nil {
		t.Fatal(err)
	}
	if res := search(t, mustIndex(t, s), Query{Text: "superseded"}); !eq(slugs(res), []string{"vaccination-logistics"}) {
		t.Fatalf("after editing: %v", slugs(res))
	}

	if _, err := svc.Withdraw(ctx, owner, demo.Slug, draft.ID, pub.Version, "Replaced by national guidance.", ""); err != nil {
		t.Fatal(err)
	}
	res = search(t, mustIndex(t, s), Query{Text: "cold-chain logistics"})
	if len(res.Hits) != 1 || !res.Hits[0].Withdrawn {
		t.Fatalf("after withdrawing: %+v", res.Hits)
	}
	// A new draft and its deletion never reach the index.
	e, err := svc.CreateEntry(ctx, owner, demo.Slug, centre.EntryInput{Content: centre.Content{Type: centre.TypeNews, Title: "Zeppelin plans"}, Slug: "secret-draft"})
	if err != nil {
		t.Fatal(err)
	}
	if res := search(t, mustIndex(t, s), Query{Text: "zeppelin"}); res.Total != 0 {
		t.Fatalf("new draft found: %v", slugs(res))
	}
	if err := svc.DeleteEntry(ctx, owner, demo.Slug, e.ID, e.Version); err != nil {
		t.Fatal(err)
	}

	// Writes that bypass the watched store show after MaxAge.
	clock := time.Now()
	s.Now = func() time.Time { return clock }
	s.MaxAge = time.Minute
	s.mu.Lock()
	s.sites[demo.Slug].built = clock
	s.mu.Unlock()
	direct := &centre.Entry{ID: centre.NewID(clock), Site: demo.Slug, Slug: "direct", Lang: "en",
		Status: centre.StatusPublished, PublishedAt: clock, UpdatedAt: clock, CreatedAt: clock,
		Content: centre.Content{
			Type:  centre.TypeNews,
			Title: "Quarantine hotels",
		},
	}
	if err := store.CreateEntry(ctx, direct); err != nil {
		t.Fatal(err)
	}
	if res := search(t, mustIndex(t, s), Query{Text: "quarantine"}); res.Total != 0 {
		t.Fatalf("unwatched write seen before MaxAge: %v", slugs(res))
	}
	clock = clock.Add(2 * time.Minute)
	if res := search(t, mustIndex(t, s), Query{Text: "quarantine"}); !eq(slugs(res), []string{"direct"}) {
		t.Fatalf("after MaxAge: %v", slugs(res))
	}

	if _, err := s.Search(ctx, "no-such-site", Query{Text: "x"}); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("unknown site: %v", err)
	}
	s.mu.Lock()
	_, kept := s.sites["no-such-site"]
	s.mu.Unlock()
	if kept {
		t.Fatal("state kept for an unknown site")
	}
	if _, err := s.Search(ctx, demo.Slug, Query{Limit: 1000}); !centre.IsCode(err, centre.EINVALID) {
		t.Fatalf("bad query: %v", err)
	}
}

func mustIndex(t testing.TB, s *Service) *Index {
	t.Helper()
	ix, err := s.Index(context.Background(), demo.Slug)
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func TestServiceLoadsDocuments(t *testing.T) {
	calls := 0
	s := &Service{Log: slog.New(slog.DiscardHandler), Load: func(ctx context.Context, site string) ([]Doc, error) {
		calls++
		if site != "one" {
			return nil, centre.Errorf(centre.ENOTFOUND, "no site %q", site)
		}
		// As a backend would: documents stored in their binary encoding.
		var out []Doc
		for _, d := range filterCorpus() {
			b, err := d.MarshalBinary()
			if err != nil {
				return nil, err
			}
			var back Doc
			if err := back.UnmarshalBinary(b); err != nil {
				return nil, err
			}
			out = append(out, back)
		}
		return out, nil
	}}
	ctx := context.Background()
	for range 3 {
		res, err := s.Search(ctx, "one", Query{Text: "masks", Type: centre.TypePublication})
		if err != nil || !eq(slugs(res), []string{"p3"}) {
			t.Fatalf("got %v, %v", slugs(res), err)
		}
	}
	if calls != 1 {
		t.Fatalf("loaded %d times, want once", calls)
	}
	if _, err := s.Search(ctx, "two", Query{}); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("unknown site: %v", err)
	}
}

// memSource is a DocSource kept in memory: a log of changes per sequence
// number, of which the oldest may be forgotten.
type memSource struct {
	docs      map[string]Doc
	log       []DocChange // log[i] is change number i+1
	forgotten int64       // changes up to this number are no longer kept
	gone      bool
	loads     int
}

func (m *memSource) put(d Doc)          { m.docs[d.ID] = d; m.log = append(m.log, DocChange{ID: d.ID, Doc: &d}) }
func (m *memSource) remove(id string)   { delete(m.docs, id); m.log = append(m.log, DocChange{ID: id}) }
func (m *memSource) seq() int64         { return int64(len(m.log)) }
func (m *memSource) notFound() error    { return centre.Errorf(centre.ENOTFOUND, "no site") }
func (m *memSource) docList() (l []Doc) { return slices.Collect(maps.Values(m.docs)) }

func (m *memSource) SearchDocs(ctx context.Context, site string) ([]Doc, int64, error) {
	if m.gone {
		return nil, 0, m.notFound()
	}
	m.loads++
	return m.docList(), m.seq(), nil
}

func (m *memSource) SearchChanges(ctx context.Context, site string, after int64) (Delta, error) {
	if m.gone {
		return Delta{}, m.notFound()
	}
	if after < m.forgotten {
		return Delta{Reset: true}, nil
	}
	return Delta{Seq: m.seq(), Changes: slices.Clone(m.log[after:])}, nil
}

func TestServiceFollowsSource(t *testing.T) {
	ctx := context.Background()
	corpus := filterCorpus()
	src := &memSource{docs: map[string]Doc{}}
	for _, d := range corpus {
		src.put(d)
	}
	s := &Service{Log: slog.New(slog.DiscardHandler), Source: src}
	find := func(text string) []string {
		t.Helper()
		res, err := s.Search(ctx, "one", Query{Text: text})
		if err != nil {
			t.Fatal(err)
		}
		return slugs(res)
	}
	before := find("masks")
	if len(before) == 0 || src.loads != 1 {
		t.Fatalf("masks: %v after %d loads", before, src.loads)
	}
	// Changes are applied in order, without loading again.
	src.put(Doc{ID: "new", Slug: "wombat", Lang: "en", Type: centre.TypeNews, Title: "Wombat", PublishedAt: time.Now()})
	src.remove("new")
	src.put(Doc{ID: "new2", Slug: "wombat-2", Lang: "en", Type: centre.TypeNews, Title: "Wombat", PublishedAt: time.Now()})
	src.remove(corpus[0].ID)
	if got := find("wombat"); !eq(got, []string{"wombat-2"}) || src.loads != 1 {
		t.Fatalf("wombat: %v after %d loads", got, src.loads)
	}
	if ix, err := s.Index(ctx, "one"); err != nil || ix.Len() != len(corpus) {
		t.Fatalf("index: %v, want %d documents", err, len(corpus))
	}
	// Changes no longer kept: load again.
	src.put(Doc{ID: "new3", Slug: "numbat", Lang: "en", Type: centre.TypeNews, Title: "Numbat", PublishedAt: time.Now()})
	src.forgotten = src.seq()
	if got := find("numbat"); !eq(got, []string{"numbat"}) || src.loads != 2 {
		t.Fatalf("numbat: %v after %d loads", got, src.loads)
	}
	// A site that is gone is not found, and nothing of it is kept.
	src.gone = true
	if _, err := s.Search(ctx, "one", Query{Text: "numbat"}); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("gone: %v", err)
	}
	src.gone = false
	find("numbat")
	if src.loads != 3 {
		t.Fatalf("%d loads after the site came back, want 3", src.loads)
	}
}
