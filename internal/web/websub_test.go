package web

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"infocentre/internal/centre"
	"infocentre/internal/web/fixture"
)

// TestFeedURLsAreServedAndNameTheHub: every URL FeedURLs gives for a
// fixture entry (with tags and organisations) is a feed this site serves,
// whose rel="self" is that very URL and whose rel="hub" is the configured
// hub — what a WebSub subscriber sees and what the notifier pings. Without
// a hub, feeds name none.
func TestFeedURLsAreServedAndNameTheHub(t *testing.T) {
	const hub = "https://hub.example.org/"
	e := newEnv(t, func(_ centre.Store, o *Options, _ *centre.Service) { o.WebSubHub = hub })
	page, err := e.store.ListEntries(context.Background(), centre.EntryQuery{Site: fixture.Site, Public: true, Tag: fixture.Tag, Limit: 1})
	if err != nil || len(page.Items) == 0 {
		t.Fatalf("no tagged fixture entry: %v", err)
	}
	entry, err := e.store.GetEntry(context.Background(), fixture.Site, page.Items[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	site, err := e.store.GetSite(context.Background(), fixture.Site)
	if err != nil {
		t.Fatal(err)
	}
	site.Hosts = []string{fixture.Host}
	urls := FeedURLs("http://centre.example.net", site, entry)
	want := 2 * 3 * (2 + len(entry.Tags) + len(entry.Organisations)) // bases × formats × (site, type, tags, organisations)
	if len(urls) != want || len(entry.Tags) == 0 || len(entry.Organisations) == 0 {
		t.Fatalf("%d feed URLs for an entry with %d tags and %d organisations, want %d: %v", len(urls), len(entry.Tags), len(entry.Organisations), want, urls)
	}
	for _, u := range urls {
		p, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		r := e.get(p.Path, "Host", p.Host, "X-Forwarded-Proto", p.Scheme)
		if r.StatusCode != 200 {
			t.Fatalf("GET %s: %d", u, r.StatusCode)
		}
		var self, hubs string
		switch {
		case strings.HasSuffix(u, ".atom"):
			self, hubs = `<link rel="self" type="application/atom+xml" href="`+u+`">`, `<link rel="hub" href="`+hub+`">`
		case strings.HasSuffix(u, ".rss"):
			self, hubs = `<atom:link href="`+u+`" rel="self"`, `<atom:link href="`+hub+`" rel="hub">`
		default:
			self, hubs = `"feed_url": "`+u+`"`, `"url": "`+hub+`"`
		}
		if !strings.Contains(r.body, self) || !strings.Contains(r.body, hubs) {
			t.Fatalf("GET %s: no %s or no %s in\n%.600s", u, self, hubs, r.body)
		}
	}
	plain := newEnv(t)
	if r := plain.get(base + "/feed.atom"); strings.Contains(r.body, `rel="hub"`) {
		t.Fatalf("a feed names a hub though none is configured:\n%.600s", r.body)
	}
}
