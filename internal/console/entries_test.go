package console_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/console"
	"infocentre/internal/markdown"
	"infocentre/internal/previewlink"
)

// newsroom is a console with the site's Markdown renderer, preview links,
// the Brussels time zone and a fixed clock.
func newsroom(t *testing.T) *env {
	t.Helper()
	return newsroomOn(t, openBolt)
}

// newsroomOn is newsroom on a store that open makes.
func newsroomOn(t *testing.T, open openStore) *env {
	t.Helper()
	e := newEnvOn(t, open, console.Config{})
	e.svc.Render = markdown.Render
	signer, err := previewlink.New([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	e.svc.Signer = signer
	site, err := e.svc.Site(t.Context(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	tz, langs := "Europe/Brussels", []string{"en", "fr"}
	if _, err := e.svc.UpdateSite(t.Context(), e.owner, "demo", centre.SitePatch{TimeZone: &tz, Languages: &langs}, site.Version); err != nil {
		t.Fatal(err)
	}
	return e
}

// formValue returns the value of the input named name on the page at path.
func (b *browser) formValue(path, name string) string {
	b.t.Helper()
	m := regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `"[^>]* value="([^"]*)"`).FindStringSubmatch(b.page(path))
	if m == nil {
		b.t.Fatalf("no input %s on %s", name, path)
	}
	return m[1]
}

// page returns the page at path, failing unless it is 200 OK.
func (b *browser) page(path string) string {
	b.t.Helper()
	status, body := b.get(path)
	if status != http.StatusOK {
		b.t.Fatalf("GET %s: %d\n%s", path, status, body)
	}
	return body
}

// draft creates an entry through the Service as the owner key.
func (e *env) draft(t *testing.T, in centre.EntryInput) *centre.Entry {
	t.Helper()
	if in.Type == "" {
		in.Type = centre.TypeStatement
	}
	got, err := e.svc.CreateEntry(t.Context(), e.owner, "demo", in)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func (e *env) stored(t *testing.T, id string) *centre.Entry {
	t.Helper()
	got, err := e.store.GetEntry(t.Context(), "demo", id)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// editForm returns the form the editor shows for an entry (as loaded).
func editForm(en *centre.Entry) url.Values {
	v := url.Values{"version": {strconv.FormatInt(en.Version, 10)}, "title": {en.Title}, "summary": {en.Summary}, "body": {en.Body},
		"type": {en.Type}, "lang": {en.Lang}, "slug": {en.Slug}, "tags": en.Tags, "organisations": en.Organisations, "op": {"save"}}
	return v
}

// idRE finds the id attributes of a page.
var idRE = regexp.MustCompile(` id="([^"]+)"`)

// labelRE finds the targets of labels and of links within the page.
var labelRE = regexp.MustCompile(`(?:<label for="|<a href="#)([^"]+)"`)

// mustContain checks that page holds every one of wants, and that its ids
// are unique and every label and in-page link points at one.
func mustContain(t testing.TB, what, page string, wants ...string) {
	t.Helper()
	ids := map[string]bool{}
	for _, m := range idRE.FindAllStringSubmatch(page, -1) {
		if ids[m[1]] {
			t.Fatalf("%s: id %q is used twice", what, m[1])
		}
		ids[m[1]] = true
	}
	for _, m := range labelRE.FindAllStringSubmatch(page, -1) {
		if !ids[m[1]] && m[1] != "main" {
			t.Fatalf("%s: a label or link points at #%s, which is not on the page", what, m[1])
		}
	}
	for _, w := range wants {
		if !strings.Contains(page, w) {
			t.Fatalf("%s lacks %q:\n%s", what, w, page)
		}
	}
}

func mustNotContain(t testing.TB, what, page string, bad ...string) {
	t.Helper()
	for _, w := range bad {
		if strings.Contains(page, w) {
			t.Fatalf("%s has %q:\n%s", what, w, page)
		}
	}
}

func entryURL(id string) string { return "/admin/sites/demo/entries/" + id }

func TestDashboard(t *testing.T) {
	e := newsroom(t)
	ctx := t.Context()
	now := time.Now().UTC()
	review := e.draft(t, centre.EntryInput{Content: centre.Content{Title: "Road closures draft"}})
	if _, err := e.svc.RequestReview(ctx, e.owner, "demo", review.ID, review.Version, "please check the figures"); err != nil {
		t.Fatal(err)
	}
	e.draft(t, centre.EntryInput{Content: centre.Content{Title: "Quiet draft"}})
	approved := e.draft(t, centre.EntryInput{Content: centre.Content{Title: "Approved draft"}})
	if _, err := e.svc.Approve(ctx, centre.Principal{KeyID: "other", Site: "demo", Role: centre.RolePublisher}, "demo", approved.ID, approved.Version, "fine"); err != nil {
		t.Fatal(err)
	}
	sentBack := e.draft(t, centre.EntryInput{Content: centre.Content{Title: "Sent-back draft"}})
	if _, err := e.svc.RequestChanges(ctx, centre.Principal{KeyID: "other", Site: "demo", Role: centre.RolePublisher}, "demo", sentBack.ID, sentBack.Version, "add the map"); err != nil {
		t.Fatal(err)
	}
	// 1 July 2030 10:00 UTC is 12:00 in Brussels (summer time).
	at := time.Date(2030, 7, 1, 10, 0, 0, 0, time.UTC)
	e.draft(t, centre.EntryInput{Content: centre.Content{Title: "Scheduled bulletin"}, Status: centre.StatusScheduled, PublishAt: at})
	e.draft(t, centre.EntryInput{Content: centre.Content{Title: "Shelter list"}, Status: centre.StatusPublished, ExpiresAt: now.Add(48 * time.Hour)})
	corrected := e.draft(t, centre.EntryInput{Content: centre.Content{Title: "Water advice"}, Status: centre.StatusPublished})
	if _, err := e.svc.Publish(ctx, e.owner, "demo", corrected.ID, corrected.Version, "Corrected the boil-water area"); err != nil {
		t.Fatal(err)
	}
	b, _ := e.signedIn(t, "ed@example.org", centre.RoleEditor)
	status, page := b.get("/admin/")
	if status != http.StatusOK {
		t.Fatalf("dashboard: %d\n%s", status, page)
	}
	section := func(id string) string {
		t.Helper()
		i := strings.Index(page, `id="`+id+`"`)
		if i < 0 {
			t.Fatalf("no section %s:\n%s", id, page)
		}
		rest := page[i:]
		if j := strings.Index(rest[1:], "<section"); j > 0 {
			rest = rest[:j]
		}
		return rest
	}
	mustContain(t, "review section", section("h-review"), "Road closures draft", "please check the figures")
	mustNotContain(t, "review section", section("h-review"), "Quiet draft", "Approved draft", "Sent-back draft")
	mustContain(t, "approved section", section("h-approved"), "Approved draft", "“fine”")
	mustContain(t, "changes section", section("h-changes"), "Sent-back draft", "“add the map”")
	mustContain(t, "scheduled section", section("h-scheduled"), "Scheduled bulletin", "Mon 1 Jul 2030, 12:00 CEST")
	mustContain(t, "published section", section("h-published"), "Shelter list", "Water advice")
	mustContain(t, "expiring section", section("h-expiring"), "Shelter list")
	mustNotContain(t, "expiring section", section("h-expiring"), "Water advice")
	mustContain(t, "corrections section", section("h-corrections"), "Water advice", "Corrected the boil-water area")
	mustContain(t, "dashboard", page, "Signed in as Ana Example", "Times are in Europe/Brussels", `href="/admin/sites/demo/entries/new"`)

	if status, page := b.get("/admin/account"); status != http.StatusOK || !strings.Contains(page, "Your passkeys") {
		t.Fatalf("account page: %d\n%s", status, page)
	}

	// An owner picks a site first.
	owner, _ := e.signedIn(t, "owner@example.org", centre.RoleOwner)
	status, page = owner.get("/admin/")
	if status != http.StatusOK {
		t.Fatal(status)
	}
	mustContain(t, "owner home", page, `<a href="/admin/sites/demo/">Demo<`)
	if status, page = owner.get("/admin/sites/demo/"); status != http.StatusOK || !strings.Contains(page, "Road closures draft") {
		t.Fatalf("owner dashboard: %d", status)
	}
	// A person of another site sees nothing of this one.
	if _, err := e.svc.CreateSite(ctx, e.owner, centre.SiteInput{Slug: "other", Title: "Other", Publisher: "P", Contact: centre.Contact{Email: "o@example.org"}}); err != nil {
		t.Fatal(err)
	}
	if status, _ := b.get("/admin/sites/other/"); status != http.StatusForbidden {
		t.Fatalf("another site's dashboard: %d", status)
	}
	if status, _ := e.browser(t).get("/admin/sites/demo/entries"); status != http.StatusSeeOther {
		t.Fatalf("signed out: %d", status)
	}
}

func TestEntryListFiltersAndPaging(t *testing.T) {
	e := newsroom(t)
	for i := range 60 {
		in := centre.EntryInput{Content: centre.Content{Title: fmt.Sprintf("Bulletin %02d", i), Type: centre.TypeNews}}
		if i%3 == 0 {
			in.Type, in.Tags = centre.TypeStatement, []string{"floods"}
		}
		if i%10 == 0 {
			in.Lang, in.Organisations, in.Title = "fr", []string{"Croix-Rouge"}, fmt.Sprintf("Communiqué %02d", i)
		}
		if i == 7 {
			in.Summary = "Evacuation of the riverside district"
		}
		if i%4 == 0 {
			in.Status = centre.StatusPublished
		}
		e.draft(t, in)
	}
	b, _ := e.signedIn(t, "viewer@example.org", centre.RoleViewer)
	rows := func(page string) int { return strings.Count(page, "<tr><td><a href=") }
	status, page := b.get("/admin/sites/demo/entries")
	if status != http.StatusOK || rows(page) != 50 || !strings.Contains(page, "Bulletin 59") || strings.Contains(page, "Bulletin 09<") {
		t.Fatalf("first page: %d, %d rows\n%s", status, rows(page), page)
	}
	next := regexp.MustCompile(`href="(/admin/sites/demo/entries\?[^"]*after=[^"]+)" rel="next"`).FindStringSubmatch(page)
	if next == nil {
		t.Fatalf("no next link:\n%s", page)
	}
	status, page = b.get(strings.ReplaceAll(next[1], "&amp;", "&"))
	if status != http.StatusOK || rows(page) != 10 || !strings.Contains(page, "Bulletin 01") || strings.Contains(page, `rel="next"`) {
		t.Fatalf("second page: %d, %d rows", status, rows(page))
	}
	for _, tc := range []struct {
		query string
		want  int
		has   string
	}{
		{"type=statement", 20, "Bulletin 03"},
		{"status=published", 15, "Bulletin 04"},
		{"lang=fr", 6, "Communiqué 50"},
		{"tag=floods", 20, "Bulletin 57"},
		{"org=croix+rouge", 6, "Communiqué 00"},
		{"type=statement&status=published&lang=fr", 1, "Communiqué 00"},
		{"q=communique", 6, "Communiqué 00"}, // through the address, where accents are folded
		{"q=Communiqué+3", 1, "Communiqué 30"},
		{"q=riverside", 1, "Bulletin 07"},
		{"q=bulletin-4", 9, "Bulletin 49"}, // an address fragment (40 is a communiqué)
	} {
		status, page := b.get("/admin/sites/demo/entries?" + tc.query)
		if status != http.StatusOK || rows(page) != tc.want || !strings.Contains(page, tc.has) {
			t.Errorf("%s: %d, %d rows, want %d with %q", tc.query, status, rows(page), tc.want, tc.has)
		}
	}
	// A cursor is bound to its filters, and a forged one is refused.
	forged := strings.Replace(strings.ReplaceAll(next[1], "&amp;", "&"), "entries?", "entries?type=news&", 1)
	status, page = b.get(forged)
	if status != http.StatusBadRequest {
		t.Fatalf("a cursor of other filters: %d", status)
	}
	mustContain(t, "a cursor of other filters", page, "There is a problem", "this link to a next page is not valid for these filters")
	if status, _ := b.get("/admin/sites/demo/entries?after=AAAA.BBBB"); status != http.StatusBadRequest {
		t.Fatalf("a forged cursor: %d", status)
	}
	if status, _ := b.get("/admin/sites/demo/entries?type=memo"); status != http.StatusBadRequest {
		t.Fatalf("an unknown type: %d", status)
	}
	// A viewer sees no way to create entries.
	mustNotContain(t, "viewer's list", b.page("/admin/sites/demo/entries"), "/entries/new")
	if status, _ := b.get("/admin/sites/demo/entries/new"); status != http.StatusForbidden {
		t.Fatalf("a viewer's new-entry page: %d", status)
	}
}

// testLog is where the console logs in tests: the test's log when
// CONSOLE_TEST_LOG is set, else nowhere.
func testLog(t testing.TB) io.Writer {
	if os.Getenv("CONSOLE_TEST_LOG") != "" {
		return tlog{t}
	}
	return io.Discard
}

type tlog struct{ t testing.TB }

func (l tlog) Write(p []byte) (int, error) { l.t.Log(strings.TrimSpace(string(p))); return len(p), nil }
