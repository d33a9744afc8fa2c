package websub_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"infocentre/internal/boltstore"
	"infocentre/internal/centre"
	"infocentre/internal/dynamostore/dynamotest"
	"infocentre/internal/notify"
	"infocentre/internal/web"
	"infocentre/internal/websub"
)

func TestMain(m *testing.M) { dynamotest.Main(m) }

// hub is a loopback WebSub hub that records the publish pings it gets and
// answers status (200 when 0).
type hub struct {
	mu     sync.Mutex
	topics []string
	bad    []string
	status int
}

func (h *hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost || r.PostForm.Get("hub.mode") != "publish" ||
		len(r.PostForm["hub.url"]) != 1 || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		h.bad = append(h.bad, r.Method+" "+r.Header.Get("Content-Type")+" "+r.PostForm.Encode())
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if h.status != 0 {
		w.WriteHeader(h.status)
		return
	}
	h.topics = append(h.topics, r.PostForm.Get("hub.url"))
	w.WriteHeader(http.StatusAccepted)
}

func (h *hub) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := slices.Clone(h.topics)
	h.topics = nil
	slices.Sort(out)
	return out
}

func stores(t *testing.T, fn func(t *testing.T, s centre.Store)) {
	t.Run("bolt", func(t *testing.T) {
		s, err := boltstore.Open(filepath.Join(t.TempDir(), "w.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		fn(t, s)
	})
	t.Run("dynamodb", func(t *testing.T) { fn(t, dynamotest.NewStore(t)) })
}

// TestPingsEveryAffectedFeed: publishing, a major change that moves the
// entry from one tag to another, and a withdrawal each ping the hub once
// per feed URL that lists the entry before or after (at the public origin
// and at the site's own host); a hub that fails makes the notification
// retry, and nothing is pinged for a minor change.
func TestPingsEveryAffectedFeed(t *testing.T) {
	stores(t, func(t *testing.T, s centre.Store) {
		h := &hub{}
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		now := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		svc := &centre.Service{Store: s, Now: clock, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		k, _, err := svc.Bootstrap(t.Context(), "owner")
		if err != nil {
			t.Fatal(err)
		}
		owner := centre.Principal{KeyID: k.ID, Site: centre.AllSites, Role: centre.RoleOwner}
		site, err := svc.CreateSite(t.Context(), owner, centre.SiteInput{Slug: "demo", Title: "Demo", Publisher: "Test",
			Languages: []string{"en"}, Contact: centre.Contact{Email: "press@example.org"}, Hosts: []string{"info.example.org"}})
		if err != nil {
			t.Fatal(err)
		}
		const origin = "https://centre.example.net"
		ch := &websub.Channel{Hub: srv.URL + "/hub", PublicOrigin: origin, Store: s, Client: srv.Client()}
		n := notify.New(notify.Config{Store: s, Channels: []notify.Channel{ch}, Now: clock, FirstRetry: time.Minute})
		tick := func() notify.Stats {
			t.Helper()
			st, err := n.Tick(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
		e, err := svc.CreateEntry(t.Context(), owner, "demo", centre.EntryInput{Status: centre.StatusPublished,
			Content: centre.Content{Type: centre.TypeNews, Title: "Water safe again", Tags: []string{"water"}, Organisations: []string{"City Council"}}})
		if err != nil {
			t.Fatal(err)
		}
		tick()
		first := h.take()
		want := web.FeedURLs(origin, site, e)
		slices.Sort(want)
		if !slices.Equal(first, want) || len(want) != 2*3*4 {
			t.Fatalf("pinged %v,\nwant the %d feeds %v", first, len(want), want)
		}
		for _, must := range []string{origin + "/sites/demo/feed.atom", "https://info.example.org/news/feed.rss",
			"https://info.example.org/tags/water/feed.json", origin + "/sites/demo/organisations/city-council/feed.atom"} {
			if !slices.Contains(first, must) {
				t.Fatalf("no ping for %s in %v", must, first)
			}
		}

		minor := centre.ChangeMinor
		if e, err = svc.UpdateEntry(t.Context(), owner, "demo", e.ID, centre.EntryPatch{ContentPatch: centre.ContentPatch{Summary: ptr("typo")}, Change: &minor}, e.Version); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Minute)
		if tick(); len(h.take()) != 0 {
			t.Fatal("a minor change pinged the hub")
		}

		note := "Moved to the health topic."
		if e, err = svc.UpdateEntry(t.Context(), owner, "demo", e.ID, centre.EntryPatch{ContentPatch: centre.ContentPatch{Tags: &[]string{"health"}}, ChangeNote: &note}, e.Version); err != nil {
			t.Fatal(err)
		}
		h.mu.Lock()
		h.status = http.StatusServiceUnavailable
		h.mu.Unlock()
		if st := tick(); st.Retried != 1 {
			t.Fatalf("a failing hub: %+v, want a retry", st)
		}
		h.mu.Lock()
		h.status = 0
		h.mu.Unlock()
		now = now.Add(2 * time.Minute)
		if st := tick(); st.Delivered != 1 {
			t.Fatalf("the retry: %+v, want delivered", st)
		}
		moved := h.take()
		for _, must := range []string{"https://info.example.org/tags/water/feed.atom", "https://info.example.org/tags/health/feed.atom"} {
			if !slices.Contains(moved, must) {
				t.Fatalf("the move pinged %v, without %s", moved, must)
			}
		}
		if len(moved) != 2*3*5 {
			t.Fatalf("the move pinged %d feeds, want %d (site, type, two tags, organisation)", len(moved), 2*3*5)
		}

		now = now.Add(time.Minute)
		if _, err := svc.Withdraw(t.Context(), owner, "demo", e.ID, e.Version, "Outdated", ""); err != nil {
			t.Fatal(err)
		}
		tick()
		if got := h.take(); len(got) != 2*3*4 {
			t.Fatalf("the withdrawal pinged %d feeds, want %d", len(got), 2*3*4)
		}
		if len(h.bad) != 0 {
			t.Fatalf("malformed pings: %v", h.bad)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// TestNoOriginNoPing: without a public origin or hosts no feed has an
// absolute address, so nothing is pinged and the delivery succeeds.
func TestNoOriginNoPing(t *testing.T) {
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	h := &hub{}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	if err := s.CreateSite(t.Context(), &centre.Site{Slug: "bare", Title: "Bare", Status: centre.SiteActive}); err != nil {
		t.Fatal(err)
	}
	ch := &websub.Channel{Hub: srv.URL, Store: s}
	e := &centre.Entry{ID: centre.NewID(time.Now()), Site: "bare", Slug: "x", Lang: "en", Status: centre.StatusPublished,
		Content: centre.Content{Type: centre.TypeNews, Title: "X"}}
	if err := s.CreateEntry(t.Context(), e); err != nil {
		t.Fatal(err)
	}
	if err := ch.Deliver(t.Context(), centre.Notification{Site: "bare", Entry: e.ID, Version: 1, Kind: centre.NotifyPublished}); err != nil {
		t.Fatal(err)
	}
	if got := h.take(); len(got) != 0 {
		t.Fatalf("pinged %v without an absolute origin", got)
	}
}
