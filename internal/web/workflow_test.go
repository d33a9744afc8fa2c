package web

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/cursor"
	"infocentre/internal/httpapi"
	"infocentre/internal/markdown"
	"infocentre/internal/search"
	"infocentre/internal/web/fixture"
)

// clock is a settable time shared by the service and the site.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

var staff = centre.Principal{KeyID: "test-key", Site: fixture.Site, Role: centre.RoleAdmin}

// newServiceEnv returns the fixture site served with the workflow service
// wired as the application wires it, and a clock for both.
func newServiceEnv(t *testing.T, at time.Time) (*env, *centre.Service, *clock) {
	t.Helper()
	clk := &clock{t: at}
	sealer, err := cursor.New([]byte("preview-secret-0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	var svc *centre.Service
	e := newEnv(t, func(st centre.Store, o *Options, read *centre.Service) {
		// As in the application: the service writes through the search
		// service's watch, so that indexes see every change; the site reads
		// through the same service.
		finder := o.Searcher.(*search.Service)
		finder.Now = clk.Now
		*read = centre.Service{Store: finder.Watch(st), Render: markdown.Render, Signer: sealer, Now: clk.Now}
		svc = read
	})
	return e, svc, clk
}

func entryBySlug(t *testing.T, st centre.Store, slug, lang string) *centre.Entry {
	t.Helper()
	all, err := st.EntriesBySlug(context.Background(), fixture.Site, slug)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range all {
		if e.Lang == lang {
			return e
		}
	}
	t.Fatalf("no entry %s/%s", lang, slug)
	return nil
}

func TestPreviewPages(t *testing.T) {
	e, svc, _ := newServiceEnv(t, fixture.Base.Add(30*24*time.Hour))
	ctx := context.Background()
	draft := entryBySlug(t, e.store, fixture.DraftSlug, "en")
	link, err := svc.CreatePreview(ctx, staff, fixture.Site, draft.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	checkPreviewHeaders := func(r resp) {
		t.Helper()
		h := r.Header
		if h.Get("Cache-Control") != "private, no-store" || h.Get("X-Robots-Tag") != "noindex" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("preview headers: Cache-Control %q, X-Robots-Tag %q, Referrer-Policy %q",
				h.Get("Cache-Control"), h.Get("X-Robots-Tag"), h.Get("Referrer-Policy"))
		}
		if !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Errorf("preview without the CSP")
		}
	}
	for host, prefix := range map[string]string{"centre.example.net": base, fixture.Host: ""} {
		r := e.get("/preview/"+link.Token, "Host", host)
		if r.StatusCode != 200 {
			t.Fatalf("%s: preview status %d\n%s", host, r.StatusCode, r.body)
		}
		checkPreviewHeaders(r)
		for _, want := range []string{fixture.DraftTitle, "Not for publication.", "Preview — not published",
			`<meta name="robots" content="noindex, nofollow">`, `href="` + prefix + `/tags/` + fixture.Tag + `/"`,
			"<h1>" + fixture.DraftTitle + "</h1>"} {
			if !strings.Contains(r.body, want) {
				t.Errorf("%s: preview lacks %q", host, want)
			}
		}
		for _, bad := range []string{`rel="canonical"`, "og:url", "application/ld+json", "0001"} {
			if strings.Contains(r.body, bad) {
				t.Errorf("%s: preview has %q", host, bad)
			}
		}
		checkHTML(t, r.body)
		css := e.site.assets.files[strings.TrimPrefix(e.site.assets.url("style.css"), "/assets/")]
		if total := len(gzipBytes([]byte(r.body))) + len(css.gz()); total > 14*1024 {
			t.Errorf("preview weighs %d bytes gzip, budget 14 KB", total)
		}
	}
	// The draft stays off every public page.
	if r := e.get(base + "/en/" + fixture.DraftSlug + "/"); r.StatusCode != 404 {
		t.Errorf("draft page %d", r.StatusCode)
	}

	for _, bad := range []string{"/preview/garbage", "/preview/" + link.Token + "x"} {
		r := e.get(bad)
		if r.StatusCode != 404 || !strings.Contains(r.body, "This preview link is not valid") {
			t.Errorf("%s: %d", bad, r.StatusCode)
		}
		checkPreviewHeaders(r)
		checkHTML(t, r.body)
	}

	// Revoked links are 404.
	if _, err := svc.RevokePreviews(ctx, staff, fixture.Site, draft.ID); err != nil {
		t.Fatal(err)
	}
	if r := e.get("/preview/" + link.Token); r.StatusCode != 404 {
		t.Errorf("revoked preview: %d", r.StatusCode)
	}

	// Once published, the link answers 410 and points to the public page.
	draft = entryBySlug(t, e.store, fixture.DraftSlug, "en")
	link, err = svc.CreatePreview(ctx, staff, fixture.Site, draft.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Publish(ctx, staff, fixture.Site, draft.ID, draft.Version, ""); err != nil {
		t.Fatal(err)
	}
	r := e.get("/preview/" + link.Token)
	if r.StatusCode != http.StatusGone || !strings.Contains(r.body, `href="`+base+`/en/`+fixture.DraftSlug+`/"`) ||
		!strings.Contains(r.body, "This entry has been published") {
		t.Errorf("published preview: %d\n%s", r.StatusCode, r.body)
	}
	checkPreviewHeaders(r)
	checkHTML(t, r.body)

	// Without a Preview function every link is 404.
	plain := newEnv(t)
	if r := plain.get("/preview/" + link.Token); r.StatusCode != 404 {
		t.Errorf("no preview function: %d", r.StatusCode)
	}
}

func TestExpiredEntries(t *testing.T) {
	now := fixture.Base.Add(40 * 24 * time.Hour)
	e, _, _ := newServiceEnv(t, now)
	ctx := context.Background()
	x := entryBySlug(t, e.store, fixture.ReportSlug, "en")
	x.ExpiresAt = now.Add(-time.Hour)
	if err := e.store.UpdateEntry(ctx, x); err != nil {
		t.Fatal(err)
	}
	r := e.get(base + "/en/" + fixture.ReportSlug + "/")
	if r.StatusCode != 200 || !strings.Contains(r.body, `This information expired on <time datetime="`+x.ExpiresAt.Format(time.RFC3339)+`">`) {
		t.Fatalf("expired entry page: %d\n%s", r.StatusCode, r.body)
	}
	checkHTML(t, r.body)
	if r := e.get(base + "/fr/" + fixture.StatementSlug + "/"); strings.Contains(r.body, "expir") {
		t.Error("expiry notice on an entry that has not expired")
	}
	for _, p := range []string{"/", "/publications/", "/tags/hospitals/", "/organisations/example-association/", "/feed.atom", "/feed.json",
		"/publications/feed.rss", "/tags/" + fixture.Tag + "/feed.atom", "/sitemap.xml"} {
		r := e.get(base + p)
		if strings.Contains(r.body, x.Title) || strings.Contains(r.body, fixture.ReportSlug) {
			t.Errorf("%s lists the expired entry", p)
		}
	}
}

func TestOutdatedTranslation(t *testing.T) {
	e, svc, _ := newServiceEnv(t, fixture.Base.Add(40*24*time.Hour))
	ctx := context.Background()
	src := entryBySlug(t, e.store, fixture.StatementSlug, "en")
	note, body := "Stock figures for April.", src.Body+"\n\nApril figures follow."
	if _, err := svc.UpdateEntry(ctx, staff, fixture.Site, src.ID, centre.EntryPatch{ContentPatch: centre.ContentPatch{Body: &body}, ChangeNote: &note}, src.Version); err != nil {
		t.Fatal(err)
	}
	fr := entryBySlug(t, e.store, fixture.StatementSlug, "fr")
	if fr.OutdatedSince.IsZero() {
		t.Fatal("the service did not flag the translation")
	}
	r := e.get(base + "/fr/" + fixture.StatementSlug + "/")
	for _, want := range []string{"La version en anglais a été mise à jour le <time datetime=\"" + fr.OutdatedSince.Format(time.RFC3339) + "\">",
		"cette traduction n&#39;est peut-être plus à jour", `<a href="` + base + `/en/` + fixture.StatementSlug + `/">Lire la version en anglais</a>`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("outdated translation lacks %q", want)
		}
	}
	checkHTML(t, r.body)
	if r := e.get(base + "/en/" + fixture.StatementSlug + "/"); strings.Contains(r.body, "may be out of date") {
		t.Error("the source shows the outdated notice")
	}
}

func TestArchivedSiteNoticeEverywhere(t *testing.T) {
	e, svc, _ := newServiceEnv(t, time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC))
	ctx := context.Background()
	site, _ := e.store.GetSite(ctx, fixture.Site)
	archived := centre.SiteArchived
	if _, err := svc.UpdateSite(ctx, staff, fixture.Site, centre.SitePatch{Status: &archived}, site.Version); err != nil {
		t.Fatal(err)
	}
	const notice = `This information centre was archived on <time datetime="2026-06-30T12:00:00Z">30 June 2026, 12:00</time>; its information may be out of date.`
	for _, p := range []string{"/", "/news/", "/tags/" + fixture.Tag + "/", "/organisations/example-association/", "/en/" + fixture.StatementSlug + "/", "/en/nope/"} {
		r := e.get(base + p)
		if !strings.Contains(r.body, notice) {
			t.Errorf("%s lacks the archive notice", p)
		}
	}
	if r := e.get(base + "/fr/"); !strings.Contains(r.body, "Ce centre d&#39;information a été archivé le <time") {
		t.Error("French archive notice missing")
	}
	plain := "This information centre was archived on 30 June 2026, 12:00; its information may be out of date."
	for _, p := range []string{"/feed.atom", "/news/feed.atom", "/tags/" + fixture.Tag + "/feed.atom"} {
		if r := e.get(base + p); !strings.Contains(r.body, "<subtitle>"+plain) {
			t.Errorf("%s: subtitle lacks the notice", p)
		}
	}
	if r := e.get(base + "/feed.rss"); !strings.Contains(r.body, "<description>"+plain) {
		t.Error("RSS description lacks the notice")
	}
	var jf struct {
		Description string `json:"description"`
		Ext         struct {
			Archived   bool   `json:"archived"`
			ArchivedAt string `json:"archived_at"`
			Notice     string `json:"notice"`
		} `json:"_infocentre"`
	}
	r := e.get(base + "/feed.json")
	if err := json.Unmarshal([]byte(r.body), &jf); err != nil {
		t.Fatal(err)
	}
	if !jf.Ext.Archived || jf.Ext.ArchivedAt != "2026-06-30T12:00:00Z" || jf.Ext.Notice != plain || !strings.HasPrefix(jf.Description, plain) {
		t.Errorf("JSON feed: %+v", jf)
	}
	// Feeds of active sites say nothing of it.
	if r := e.get("/sites/" + fixture.OtherSite + "/feed.json"); strings.Contains(r.body, "_infocentre\": {") && strings.Contains(r.body, "archived\": true") {
		t.Error("active site's feed marked archived")
	}
}

// TestEmbargo schedules an entry and checks every public surface one
// second before its publication time and after the publisher ran at it.
func TestEmbargo(t *testing.T) {
	publishAt := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	e, svc, clk := newServiceEnv(t, publishAt.Add(-48*time.Hour))
	ctx := context.Background()
	const title = "Embargoed results of the vaccine trial"
	in := centre.EntryInput{Slug: "trial-results", Lang: "en",
		Status: centre.StatusScheduled, PublishAt: publishAt,
		Content: centre.Content{
			Type:          centre.TypeNews,
			Title:         title,
			Summary:       "Results under embargo.",
			Body:          "The trial met its end points.",
			Tags:          []string{"trial"},
			Organisations: []string{"Trial Board"},
		},
	}
	created, err := svc.CreateEntry(ctx, staff, fixture.Site, in)
	if err != nil {
		t.Fatal(err)
	}
	if created.Status != centre.StatusScheduled {
		t.Fatalf("status %s", created.Status)
	}
	surfaces := []string{"/", "/news/", "/tags/trial/", "/organisations/trial-board/", "/en/trial-results/",
		"/feed.atom", "/feed.rss", "/feed.json", "/news/feed.atom", "/news/feed.rss", "/news/feed.json",
		"/tags/trial/feed.atom", "/tags/trial/feed.rss", "/tags/trial/feed.json",
		"/organisations/trial-board/feed.atom", "/sitemap.xml", "/search?q=trial", "/search?q=vaccine+end+points",
		"/search?type=news", "/search?tag=trial"}
	hosts := []struct{ host, prefix string }{{"centre.example.net", base}, {fixture.Host, ""}}
	// The JSON API's search, on the same search service.
	sealer, err := cursor.New([]byte("api-cursor-secret-0123456789abcd"))
	if err != nil {
		t.Fatal(err)
	}
	api := httpapi.New(httpapi.Config{Service: svc, Cursors: sealer, Search: e.finder, Log: slog.New(slog.DiscardHandler)})
	apiSearch := func(query string) (int, string) {
		w := httptest.NewRecorder()
		api.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/sites/"+fixture.Site+"/search?"+query, nil))
		return w.Code, w.Body.String()
	}
	apiQueries := []string{"q=trial", "q=vaccine", "tag=trial", "type=news&q=end+points"}

	clk.Set(publishAt.Add(-time.Second))
	if n, err := svc.PublishDue(ctx); err != nil || n != 0 {
		t.Fatalf("PublishDue before time: %d, %v", n, err)
	}
	etags := map[string]string{}
	for _, h := range hosts {
		for _, p := range surfaces {
			r := e.get(h.prefix+p, "Host", h.host)
			if strings.Contains(r.body, title) || strings.Contains(r.body, "trial-results") {
				t.Errorf("%s%s shows the entry before its time (status %d)", h.host, p, r.StatusCode)
			}
			if r.StatusCode == 200 {
				etags[h.host+p] = r.Header.Get("ETag")
			}
		}
	}
	for _, aq := range apiQueries {
		if code, body := apiSearch(aq); code != 200 || strings.Contains(body, title) || strings.Contains(body, "trial-results") {
			t.Errorf("API search %s before its time: %d %s", aq, code, body)
		}
	}

	clk.Set(publishAt)
	if n, err := svc.PublishDue(ctx); err != nil || n != 1 {
		t.Fatalf("PublishDue at time: %d, %v", n, err)
	}
	for _, h := range hosts {
		for _, p := range surfaces {
			r := e.get(h.prefix+p, "Host", h.host)
			if r.StatusCode != 200 || !strings.Contains(r.body, title) && !strings.Contains(r.body, "trial-results") {
				t.Errorf("%s%s lacks the entry after publication (status %d)", h.host, p, r.StatusCode)
			}
			if old, ok := etags[h.host+p]; ok && old == r.Header.Get("ETag") {
				t.Errorf("%s%s: ETag %s unchanged by the publication", h.host, p, old)
			}
			// A cache revalidating with the old ETag gets the new page.
			if old, ok := etags[h.host+p]; ok {
				if rv := e.get(h.prefix+p, "Host", h.host, "If-None-Match", old); rv.StatusCode != 200 {
					t.Errorf("%s%s: revalidation with the old ETag answered %d", h.host, p, rv.StatusCode)
				}
			}
		}
	}
	for _, aq := range apiQueries {
		if code, body := apiSearch(aq); code != 200 || !strings.Contains(body, title) || !strings.Contains(body, `"slug":"trial-results"`) {
			t.Errorf("API search %s lacks the entry after publication: %d %s", aq, code, body)
		}
	}
}

// TestStaticLinkMode checks the paths a static copy names, and that the
// handler in that mode answers 404 for the paths a copy never has.
func TestStaticLinkMode(t *testing.T) {
	e := newEnv(t, func(_ centre.Store, o *Options, _ *centre.Service) {
		o.Static, o.StaticOrigin = true, "https://copy.example.net"
		o.SiteForHost = func(context.Context, string) (string, bool) { return fixture.Site, true }
	})
	for path, want := range map[string][]string{
		"/":                    {`href="/news/"`, `href="/fr/"`, `href="/en/medicine-supply/"`, `<link rel="canonical" href="https://copy.example.net/">`},
		"/fr/":                 {`<html lang="fr">`, `href="/news/fr/"`, `<link rel="canonical" href="https://copy.example.net/fr/">`},
		"/news/":               {`href="/news/page/2/" rel="next"`},
		"/news/page/2/":        {`href="/news/">`, `<meta name="robots" content="noindex">`, "Daily update 1:"},
		"/tags/medicines/":     {`href="/tags/medicines/fr/"`, `href="/tags/medicines/feed.atom"`},
		"/tags/medicines/fr/":  {`<html lang="fr">`, "Déclaration commune"},
		"/en/medicine-supply/": {`href="/fr/medicine-supply/"`, `href="/organisations/societe-francaise-d-exemple/"`},
		"/fr/medicine-supply/": {`href="/tags/medicines/fr/"`},
		"/organisations/societe-francaise-d-exemple/fr/": {"Déclaration commune"},
		"/404.html": {"Page not found"},
	} {
		r := e.get(path)
		if r.StatusCode != 200 && path != "/404.html" {
			t.Errorf("%s: %d", path, r.StatusCode)
			continue
		}
		for _, w := range want {
			if !strings.Contains(r.body, w) {
				t.Errorf("%s lacks %s", path, w)
			}
		}
		if strings.Contains(r.body, "?lang=") || strings.Contains(r.body, "?after=") || strings.Contains(r.body, "/sites/") {
			t.Errorf("%s has a query-string or /sites/ link", path)
		}
	}
	for _, p := range []string{"/news/page/1/", "/news/page/02/", "/news/page/3/", "/page/2/", "/de/", "/news/de/", "/en/nope/",
		"/fr/fr/", "/preview/x", "/en/" + fixture.DraftSlug + "/"} {
		if r := e.get(p); r.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", p, r.StatusCode)
		}
	}
}
