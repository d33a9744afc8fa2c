// Command server serves the public site on a temporary embedded store seeded
// with the demonstration fixtures, for the browser tests. It listens on a
// free loopback port, prints "URL http://127.0.0.1:PORT" on stdout and runs
// until it is interrupted or its standard input is closed. Before that it
// prints "STATIC http://127.0.0.1:PORT", where a plain file server serves
// a static copy of the site, "PREVIEW /preview/TOKEN", a preview link, and
// "ALERTS CONFIRM MANAGE UNSUBSCRIBE", the paths of the pages of an email
// alert subscription's links (its confirmation email went to an .eml file).
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"infocentre/internal/alerts"
	"infocentre/internal/boltstore"
	"infocentre/internal/centre"
	"infocentre/internal/cursor"
	"infocentre/internal/markdown"
	"infocentre/internal/search"
	"infocentre/internal/static"
	"infocentre/internal/web"
	"infocentre/internal/web/fixture"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback)")
	flag.Parse()
	if err := run(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

func run(addr string) error {
	dir, err := os.MkdirTemp("", "infocentre-e2e-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	store, err := boltstore.Open(filepath.Join(dir, "e2e.db"))
	if err != nil {
		return err
	}
	defer store.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := fixture.Seed(ctx, store); err != nil {
		return err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	sealer, err := cursor.New(key)
	if err != nil {
		return err
	}
	// Search as the application wires it: the service writes through the
	// search service's watch.
	finder := &search.Service{Store: store}
	svc := &centre.Service{Store: finder.Watch(store), Render: markdown.Render, Signer: sealer}
	preview, err := notices(ctx, store, svc)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	site := web.New(svc, web.Options{
		SiteForHost:  func(_ context.Context, host string) (string, bool) { return fixture.Site, host == fixture.Host },
		Logger:       slog.New(slog.NewTextHandler(os.Stderr, nil)),
		Searcher:     finder,
		PublicOrigin: "http://" + ln.Addr().String(), // absolute URLs, so that entries have share links
	})
	mux := http.NewServeMux()
	alertPages, err := alertLinks(ctx, store, mux, dir, "http://"+ln.Addr().String())
	if err != nil {
		return err
	}
	site.Register(mux)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	// A static copy of the site, served at the root of its own port.
	copyDir := filepath.Join(dir, "static-copy")
	if _, err := static.Export(ctx, svc, fixture.Site, copyDir, nil); err != nil {
		return err
	}
	sln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	ssrv := &http.Server{Handler: http.FileServer(http.Dir(copyDir)), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = ssrv.Serve(sln) }()
	defer ssrv.Close()
	fmt.Printf("STATIC http://%s\n", sln.Addr())
	fmt.Printf("PREVIEW %s\n", preview)
	fmt.Printf("ALERTS %s\n", alertPages)
	fmt.Printf("URL http://%s\n", ln.Addr())
	go func() {
		// The parent closes stdin (or dies) when it is done with us.
		_, _ = io.Copy(io.Discard, bufio.NewReader(os.Stdin))
		stop()
	}()
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}

// notices adds what the notices of the site need: an expired entry
// (/sites/demo/en/expired-guidance), a translation whose source changed
// (/sites/demo/fr/medicine-supply) and an archived site (/sites/archived/),
// and returns the path of a preview link to the fixture's draft.
func notices(ctx context.Context, store centre.Store, svc *centre.Service) (string, error) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	staff := centre.Principal{KeyID: "e2e", Site: fixture.Site, Role: centre.RoleAdmin}
	expired := &centre.Entry{ID: centre.NewID(now), Site: fixture.Site, Slug: "expired-guidance", Lang: "en",
		BodyHTML: "<p>Keep two metres apart.</p>", Status: centre.StatusPublished, PublishedAt: now.Add(-72 * time.Hour),
		UpdatedAt: now.Add(-72 * time.Hour), CreatedAt: now.Add(-72 * time.Hour), ExpiresAt: now.Add(-time.Hour),
		Content: centre.Content{
			Type:    centre.TypePublication,
			Title:   "Guidance for the first wave",
			Summary: "Replaced by the current guidance.",
			Body:    "Keep two metres apart.",
		},
	}
	if err := store.CreateEntry(ctx, expired); err != nil {
		return "", err
	}
	all, err := store.EntriesBySlug(ctx, fixture.Site, fixture.StatementSlug)
	if err != nil {
		return "", err
	}
	for _, e := range all {
		if e.Lang == "fr" {
			e.OutdatedSince = now.Add(-24 * time.Hour)
			if err := store.UpdateEntry(ctx, e); err != nil {
				return "", err
			}
		}
	}
	archived := &centre.Site{Slug: "archived", Title: "Flood Information Centre 2024", Languages: []string{"en"},
		Publisher: "Example Agency", Contact: centre.Contact{Email: "info@example.org"}, Status: centre.SiteArchived,
		ArchivedAt: now.Add(-48 * time.Hour), CreatedAt: now.Add(-96 * time.Hour), UpdatedAt: now.Add(-48 * time.Hour)}
	if err := store.CreateSite(ctx, archived); err != nil {
		return "", err
	}
	news := &centre.Entry{ID: centre.NewID(now), Site: archived.Slug, Slug: "water-levels", Lang: "en",
		BodyHTML: "<p>Roads are reopening.</p>",
		Status:   centre.StatusPublished, PublishedAt: now.Add(-90 * time.Hour), UpdatedAt: now.Add(-90 * time.Hour), CreatedAt: now.Add(-90 * time.Hour),
		Content: centre.Content{
			Type:  centre.TypeNews,
			Title: "Water levels are falling",
			Body:  "Roads are reopening.",
		},
	}
	if err := store.CreateEntry(ctx, news); err != nil {
		return "", err
	}
	if err := bannerSites(ctx, store, svc, now); err != nil {
		return "", err
	}
	if err := languages(ctx, store, svc, now); err != nil {
		return "", err
	}
	drafts, err := store.EntriesBySlug(ctx, fixture.Site, fixture.DraftSlug)
	if err != nil {
		return "", err
	}
	link, err := svc.CreatePreview(ctx, staff, fixture.Site, drafts[0].ID, time.Hour)
	if err != nil {
		return "", err
	}
	return "/preview/" + link.Token, nil
}

// languages gives the fixture site a French profile, labels of its tag and
// organisations in both languages, a privacy page linked from the footer,
// and a news entry with a wide table and a quotation
// (/sites/demo/en/stock-table/).
func languages(ctx context.Context, store centre.Store, svc *centre.Service, now time.Time) error {
	site, err := store.GetSite(ctx, fixture.Site)
	if err != nil {
		return err
	}
	texts := []centre.SiteText{{Lang: "fr", Title: "Centre d'information de crise", Tagline: "Déclarations, publications et actualités sur l'urgence sanitaire",
		Description: "La source officielle des déclarations, rapports et actualités de l'association et de ses membres."}}
	labels := []centre.Label{
		{Kind: centre.LabelTag, Key: fixture.Tag, Lang: "en", Text: "Medicine supply"},
		{Kind: centre.LabelTag, Key: fixture.Tag, Lang: "fr", Text: "Approvisionnement en médicaments"},
		{Kind: centre.LabelOrganisation, Key: centre.OrgKey(fixture.Org), Lang: "en", Text: "French Example Society"},
		{Kind: centre.LabelOrganisation, Key: centre.OrgKey(fixture.Org), Lang: "fr", Text: fixture.Org},
	}
	admin := centre.Principal{KeyID: "e2e", Site: fixture.Site, Role: centre.RoleAdmin}
	if _, err := svc.UpdateSite(ctx, admin, fixture.Site, centre.SitePatch{Translations: &texts, Labels: &labels}, site.Version); err != nil {
		return err
	}
	body := "Stock levels reported by members this week:\n\n" +
		"| Medicine | Hospital pharmacies (weeks of stock) | Wholesalers (weeks of stock) | Manufacturers (weeks of stock) | Trend since last week |\n" +
		"|---|---|---|---|---|\n" +
		"| Insulin (all presentations) | 8 | 6 | 11 | stable |\n" +
		"| Paracetamol 500 mg tablets | 3 | 2 | 5 | falling |\n" +
		"| Salbutamol inhalers | 5 | 4 | 9 | rising |\n\n" +
		"> Supply chains are under pressure, but no patient has gone without treatment. — The association's president\n"
	for _, in := range []centre.EntryInput{
		{Slug: "stock-table", Lang: "en", Status: centre.StatusPublished, Content: centre.Content{Type: centre.TypeNews,
			Title: "Weekly stock levels", Summary: "Weeks of stock by medicine.", Tags: []string{fixture.Tag}, Body: body}},
		{Slug: "privacy", Lang: "en", Status: centre.StatusPublished, Content: centre.Content{Type: centre.TypePage,
			Title: "Privacy statement", Body: "This site sets no cookies and loads nothing from other sites."}},
	} {
		if _, err := svc.CreateEntry(ctx, admin, fixture.Site, in); err != nil {
			return err
		}
	}
	return nil
}

// bannerSites adds one site per banner severity (/sites/banner-info/ …
// /sites/banner-extreme/), in English and French, each with an emergency
// banner set as staff set it.
func bannerSites(ctx context.Context, store centre.Store, svc *centre.Service, now time.Time) error {
	for _, sev := range centre.Severities {
		slug := "banner-" + sev
		site := &centre.Site{Slug: slug, Title: "Heatwave Information Centre", Languages: []string{"en", "fr"},
			Publisher: "Example Agency", Contact: centre.Contact{Email: "info@example.org"}, Status: centre.SiteActive,
			CreatedAt: now.Add(-time.Hour), UpdatedAt: now.Add(-time.Hour)}
		if err := store.CreateSite(ctx, site); err != nil {
			return err
		}
		p := centre.Principal{KeyID: "e2e", Site: slug, Role: centre.RolePublisher}
		in := centre.BannerInput{Severity: sev, Heading: "Heatwave: stay out of the sun from 11:00 to 18:00",
			Text: "Temperatures above 38 °C are expected until Friday. Drink water and check on older neighbours.",
			URL:  "https://example.org/heatwave", ExpiresAt: now.Add(24 * time.Hour)}
		if _, err := svc.UpdateSite(ctx, p, slug, centre.SitePatch{Banner: &in}, site.Version); err != nil {
			return err
		}
	}
	return nil
}

// alertLinks mounts the routes of email alerts on mux, asks for a
// subscription in French (its confirmation email is written under dir, as
// `serve` without a mail server does) and returns the paths of its
// confirmation, management and unsubscribe pages, separated by spaces.
func alertLinks(ctx context.Context, store centre.Store, mux *http.ServeMux, dir, origin string) (string, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return "", err
	}
	links, err := alerts.NewLinks(key)
	if err != nil {
		return "", err
	}
	outbox := filepath.Join(dir, "outbox")
	a := &alerts.Alerts{Store: store, Links: links, Mailer: &alerts.Dir{Path: outbox}, From: "Alerts <alerts@example.org>",
		Base: func(s *centre.Site) string { return origin + "/sites/" + s.Slug }, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	a.Init()
	a.Register(mux, func(r *http.Request) string { return r.RemoteAddr })
	const email = "reader@example.org"
	if err := a.Subscribe(ctx, alerts.SubscribeRequest{Site: fixture.Site, Email: email, Scope: "site", Lang: "fr", Client: "e2e"}); err != nil {
		return "", err
	}
	page, err := store.ListNotifications(ctx, centre.NotificationQuery{Site: fixture.Site, Limit: 100})
	if err != nil {
		return "", err
	}
	for _, r := range page.Items {
		if r.Kind == centre.NotifyConfirm {
			if err := a.Deliver(ctx, r.Notification); err != nil {
				return "", err
			}
		}
	}
	files, _ := filepath.Glob(filepath.Join(outbox, "*.eml"))
	if len(files) != 1 {
		return "", fmt.Errorf("alerts: %d confirmation emails, want 1", len(files))
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		return "", err
	}
	// The text part is quoted-printable: undo the soft line breaks and
	// the one escape a token's link holds ("=" of "?t=").
	text := strings.ReplaceAll(strings.ReplaceAll(string(raw), "=\r\n", ""), "=3D", "=")
	i := strings.Index(text, origin+"/sites/"+fixture.Site+"/subscribe/confirm?t=")
	if i < 0 {
		return "", fmt.Errorf("alerts: no confirmation link in the email")
	}
	confirm := text[i+len(origin):]
	confirm = confirm[:strings.IndexAny(confirm, "\r\n")]
	site, err := store.GetSite(ctx, fixture.Site)
	if err != nil {
		return "", err
	}
	return confirm + " " + strings.TrimPrefix(a.ManageURL(site, email), origin) + " " +
		strings.TrimPrefix(a.UnsubscribeURL(site, email, ""), origin), nil
}
