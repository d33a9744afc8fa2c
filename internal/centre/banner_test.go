package centre_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
)

func fieldsOf(err error) []string {
	var e *centre.Error
	if !errors.As(err, &e) {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

// TestBannerLifecycle: a publisher sets, changes and removes a site's
// banner; the alert keeps its identity across changes, counts them, and
// the public sees it only until it expires or is removed.
func TestBannerLifecycle(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	pub, _, _ := f.key(f.owner, "demo", centre.RolePublisher, time.Time{})
	editor, _, _ := f.key(f.owner, "demo", centre.RoleEditor, time.Time{})
	site := func() *centre.Site { s, _ := f.svc.Site(ctx, "demo"); return s }
	in := centre.BannerInput{Severity: centre.SeveritySevere, Heading: "Heatwave: red alert", Text: "Stay indoors from 11:00 to 18:00.",
		URL: "https://example.org/heat", ExpiresAt: f.now.Add(48 * time.Hour)}

	_, err := f.svc.UpdateSite(ctx, editor, "demo", centre.SitePatch{Banner: &in}, site().Version)
	wantCode(t, err, centre.EFORBIDDEN, "an editor setting the banner")
	title := "New title"
	_, err = f.svc.UpdateSite(ctx, pub, "demo", centre.SitePatch{Banner: &in, Title: &title}, site().Version)
	wantCode(t, err, centre.EFORBIDDEN, "a publisher changing the title with the banner")

	s, err := f.svc.UpdateSite(ctx, pub, "demo", centre.SitePatch{Banner: &in}, site().Version)
	if err != nil {
		t.Fatal(err)
	}
	b := s.Banner
	if b == nil || b.ID == "" || b.Heading != in.Heading || !b.SetAt.Equal(f.now) || b.Updates != 0 {
		t.Fatalf("banner after set: %+v", b)
	}
	if s.ActiveBanner(f.now) != b || s.ActiveBanner(in.ExpiresAt) != nil {
		t.Fatal("the banner is not active until its expiry, and only until then")
	}
	f.now = f.now.Add(time.Hour)
	in2 := in
	in2.Severity = centre.SeverityExtreme
	s, err = f.svc.UpdateSite(ctx, pub, "demo", centre.SitePatch{Banner: &in2}, s.Version)
	if err != nil {
		t.Fatal(err)
	}
	if s.Banner.ID != b.ID || s.Banner.Updates != 1 || !s.Banner.UpdatedAt.Equal(f.now) || !s.Banner.SetAt.Equal(b.SetAt) {
		t.Fatalf("a changed banner is an update of the same alert: %+v (was %+v)", s.Banner, b)
	}
	f.now = f.now.Add(time.Hour)
	s, err = f.svc.UpdateSite(ctx, pub, "demo", centre.SitePatch{RemoveBanner: true}, s.Version)
	if err != nil {
		t.Fatal(err)
	}
	if s.ActiveBanner(f.now) != nil || s.Banner == nil || !s.Banner.RemovedAt.Equal(f.now) {
		t.Fatalf("removed banner: %+v", s.Banner)
	}
	s, err = f.svc.UpdateSite(ctx, pub, "demo", centre.SitePatch{Banner: &in}, s.Version)
	if err != nil {
		t.Fatal(err)
	}
	if s.Banner.ID == b.ID || s.Banner.Updates != 0 || !s.Banner.RemovedAt.IsZero() {
		t.Fatalf("a banner set after removal is a new alert: %+v", s.Banner)
	}
}

// TestBannerValidation names every bad banner field, with the site's other
// bad fields, in one error.
func TestBannerValidation(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	site, _ := f.svc.Site(ctx, "demo")
	bad := centre.BannerInput{Severity: "urgent", Heading: "Look\u202ehere", Text: strings.Repeat("x", centre.MaxBannerTextLen+1),
		URL: "javascript:alert(1)", ExpiresAt: f.now.Add(-time.Minute)}
	empty := ""
	_, err := f.svc.UpdateSite(ctx, f.owner, "demo", centre.SitePatch{Banner: &bad, Title: &empty}, site.Version)
	wantCode(t, err, centre.EINVALID, "a bad banner")
	got := strings.Join(fieldsOf(err), " ")
	if got != "banner.expires_at banner.heading banner.severity banner.text banner.url title" {
		t.Fatalf("fields named: %q", got)
	}
	far := centre.BannerInput{Severity: "info", Heading: "Far", ExpiresAt: f.now.Add(centre.MaxBannerLifetime + time.Hour)}
	_, err = f.svc.UpdateSite(ctx, f.owner, "demo", centre.SitePatch{Banner: &far}, site.Version)
	if got := fieldsOf(err); len(got) != 1 || got[0] != "banner.expires_at" {
		t.Fatalf("a banner a year and more ahead: %v", err)
	}
	_, err = f.svc.UpdateSite(ctx, f.owner, "demo", centre.SitePatch{Banner: &centre.BannerInput{Severity: "info", Heading: "x"}, RemoveBanner: true}, site.Version)
	wantCode(t, err, centre.EINVALID, "set and remove at once")
	if s, _ := f.svc.Site(ctx, "demo"); s.Version != site.Version || s.Banner != nil {
		t.Fatalf("refused banners changed the site: %+v", s)
	}
}

// TestSiteTimeZone: a site's time zone is an IANA name, checked when set.
func TestSiteTimeZone(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	site, _ := f.svc.Site(ctx, "demo")
	for _, bad := range []string{"Mars/Olympus", "Local", "../../etc/passwd", "Europe/Brussels "} {
		_, err := f.svc.UpdateSite(ctx, f.owner, "demo", centre.SitePatch{TimeZone: &bad}, site.Version)
		if got := fieldsOf(err); len(got) != 1 || got[0] != "time_zone" {
			t.Errorf("time zone %q: %v", bad, err)
		}
	}
	tz := "Europe/Brussels"
	s, err := f.svc.UpdateSite(ctx, f.owner, "demo", centre.SitePatch{TimeZone: &tz}, site.Version)
	if err != nil || s.Location().String() != "Europe/Brussels" {
		t.Fatalf("time zone: %v %v", s, err)
	}
	if (&centre.Site{}).Location() != time.UTC {
		t.Error("a site without a time zone is in UTC")
	}
}

// TestDerivedSlugIsFree: entries created without a slug get a free one
// derived from the title (title, title-2, title-3 …); an explicit slug that
// is taken stays a conflict (issue 15, defect 5).
func TestDerivedSlugIsFree(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	in := centre.EntryInput{Content: centre.Content{Type: centre.TypeNews, Title: "Daily update"}}
	for _, want := range []string{"daily-update", "daily-update-2", "daily-update-3"} {
		e, err := f.svc.CreateEntry(ctx, f.owner, "demo", in)
		if err != nil || e.Slug != want {
			t.Fatalf("derived slug: %v %v, want %s", e, err, want)
		}
	}
	fr := in
	fr.Lang = "fr"
	if e, err := f.svc.CreateEntry(ctx, f.owner, "demo", fr); err != nil || e.Slug != "daily-update" {
		t.Fatalf("another language keeps the slug: %v %v", e, err)
	}
	in.Slug = "daily-update"
	_, err := f.svc.CreateEntry(ctx, f.owner, "demo", in)
	wantCode(t, err, centre.ECONFLICT, "an explicit slug that is taken")
	long := centre.EntryInput{Content: centre.Content{Type: centre.TypeNews, Title: strings.Repeat("word ", 20)}}
	a, _ := f.svc.CreateEntry(ctx, f.owner, "demo", long)
	b, err := f.svc.CreateEntry(ctx, f.owner, "demo", long)
	if err != nil || len(b.Slug) > centre.MaxSlugLen || !strings.HasSuffix(b.Slug, "-2") || b.Slug == a.Slug {
		t.Fatalf("a long derived slug: %q then %q (%v)", a.Slug, b.Slug, err)
	}
}

// TestLaunchFromTemplate: a site made from a template copies its theme,
// languages, time zone and pages — as drafts — but never its publisher or
// contact, which the creator must give (issue 15, defect 7).
func TestLaunchFromTemplate(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	tz := "Europe/Brussels"
	theme := centre.Theme{Accent: "#0b5394"}
	tmpl, _ := f.svc.Site(ctx, "demo")
	if _, err := f.svc.UpdateSite(ctx, f.owner, "demo", centre.SitePatch{TimeZone: &tz, Theme: &theme}, tmpl.Version); err != nil {
		t.Fatal(err)
	}
	about, err := f.svc.CreateEntry(ctx, f.owner, "demo", centre.EntryInput{Content: centre.Content{Type: centre.TypePage, Title: "About",
		Body: "About the COVID-19 centre."}, Status: centre.StatusPublished})
	if err != nil || about.Status != centre.StatusPublished {
		t.Fatal(err)
	}
	_, err = f.svc.LaunchSite(ctx, f.owner, centre.SiteInput{Slug: "heatwave", Title: "Heatwave", From: "demo"})
	if got := strings.Join(fieldsOf(err), " "); got != "contact publisher" {
		t.Fatalf("launch without publisher and contact: %v (fields %q)", err, got)
	}
	l, err := f.svc.LaunchSite(ctx, f.owner, centre.SiteInput{Slug: "heatwave", Title: "Heatwave", From: "demo",
		Publisher: "Heat Agency", Contact: centre.Contact{Email: "heat@example.org"}})
	if err != nil {
		t.Fatal(err)
	}
	s := l.Site
	if s.Publisher != "Heat Agency" || s.Contact.Email != "heat@example.org" || s.TimeZone != tz || s.Theme != theme || strings.Join(s.Languages, ",") != "en,fr" {
		t.Fatalf("launched site: %+v", s)
	}
	page, err := f.svc.PublicListing(ctx, centre.EntryQuery{Site: "heatwave", Limit: 10})
	if err != nil || len(page.Items) != 0 {
		t.Fatalf("copied pages are public at once: %v %v", page.Items, err)
	}
	all, _ := f.svc.Entries(ctx, f.owner, centre.EntryQuery{Site: "heatwave", Limit: 10})
	if len(all.Items) != 1 || all.Items[0].Status != centre.StatusDraft || all.Items[0].Title != "About" {
		t.Fatalf("copied pages: %+v", all.Items)
	}
}
