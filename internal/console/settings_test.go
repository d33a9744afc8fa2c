package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"infocentre/internal/centre"
	"infocentre/internal/console"
)

func TestSiteSettings(t *testing.T) {
	e := newEnv(t, console.OIDC{})
	admin, ad := e.signedIn(t, "ad@example.org", centre.RoleAdmin)
	status, page := admin.get("/admin/sites/demo/settings")
	if status != http.StatusOK {
		t.Fatalf("settings: %d\n%s", status, page)
	}
	mustContain(t, "the settings page", page, `name="title" value="Demo"`, `value="press@example.org"`, `name="version" value="1"`)
	if strings.Contains(page, `name="hosts"`) {
		t.Fatal("an admin is offered the host names")
	}
	form := url.Values{"version": {"1"}, "title": {"Storm Desk"}, "tagline": {"Updates on the storm"}, "description": {"Official information."},
		"languages": {"en, fr"}, "publisher": {"City"}, "contact_email": {"press@example.org"}, "contact_url": {"https://example.org/contact"},
		"accent": {"#0b5394"}, "time_zone": {"Europe/Brussels"}, "hosts": {"stolen.example.org"}}
	if status, body := admin.post("/admin/sites/demo/settings", form); status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", status, body)
	}
	site, _ := e.svc.Site(t.Context(), "demo")
	if site.Title != "Storm Desk" || site.Tagline != "Updates on the storm" || len(site.Languages) != 2 || site.Languages[1] != "fr" ||
		site.Theme.Accent != "#0b5394" || site.TimeZone != "Europe/Brussels" || site.Contact.URL != "https://example.org/contact" || site.Version != 2 {
		t.Fatalf("saved site: %+v", site)
	}
	if len(site.Hosts) != 0 {
		t.Fatalf("an admin set the host names: %v", site.Hosts)
	}
	if ev := e.lastAudit(t, "demo", "site.update"); ev.Outcome != http.StatusOK || ev.PersonID != ad.ID || ev.Target != "demo" ||
		ev.Detail != "changes: Title, Tagline, Description, Languages, Publisher, Contact page, Accent colour, Time zone" {
		t.Fatalf("audit: %+v", ev)
	}
	_, page = admin.get(admin.last.Header.Get("Location"))
	mustContain(t, "the page after saving", page, "The settings are saved.", `value="Storm Desk"`,
		`<input type="checkbox" id="review_required" name="review_required" aria-describedby="review_required-hint">`)

	// The Service's field errors show next to their fields; nothing is saved.
	bad := url.Values{"version": {"2"}, "title": {""}, "languages": {"en, english!"}, "publisher": {"City"},
		"contact_email": {"not an email"}, "accent": {"#ffff00"}, "time_zone": {"Mars/Olympus"}}
	status, page = admin.post("/admin/sites/demo/settings", bad)
	if status != http.StatusBadRequest {
		t.Fatalf("invalid settings: %d\n%s", status, page)
	}
	for _, id := range []string{"title", "languages", "contact_email", "accent", "time_zone"} {
		mustContain(t, "the invalid form", page, `id="`+id+`-error"`, `id="`+id+`" name="`+id)
	}
	mustContain(t, "the contrast error", page, `<p class="field-error" id="accent-error">contrast with the white background is 1.07:1; WCAG AA needs at least 4.5:1`,
		`aria-invalid="true"`, `value="#ffff00"`, `<a href="#accent">Accent colour</a>`, `<a href="#contact_email">Email address</a>`)
	if after, _ := e.svc.Site(t.Context(), "demo"); after.Version != 2 {
		t.Fatalf("an invalid form saved: version %d", after.Version)
	}

	// Someone saves first: a clear message, the current values, and what
	// this person had typed; never a 412.
	if _, err := e.svc.UpdateSite(t.Context(), e.owner, "demo", centre.SitePatch{Title: ptr("Their Title")}, 2); err != nil {
		t.Fatal(err)
	}
	form.Set("version", "2")
	form.Set("title", "My Title")
	status, page = admin.post("/admin/sites/demo/settings", form)
	if status != http.StatusConflict {
		t.Fatalf("a stale save: %d", status)
	}
	mustContain(t, "the conflict page", page, "Someone else saved these settings", `value="Their Title"`, `name="version" value="3"`, "Your values (not saved)", "My Title")
	if after, _ := e.svc.Site(t.Context(), "demo"); after.Title != "Their Title" {
		t.Fatalf("a stale save overwrote: %q", after.Title)
	}

	// An owner sets the host names.
	owner, _ := e.signedIn(t, "own@example.org", centre.RoleOwner)
	_, page = owner.get("/admin/sites/demo/settings")
	mustContain(t, "the owner's settings", page, `name="hosts"`)
	form.Set("version", "3")
	form.Set("hosts", "Storm.Example.org\ninfo.example.net")
	if status, body := owner.post("/admin/sites/demo/settings", form); status != http.StatusSeeOther {
		t.Fatalf("owner save: %d\n%s", status, body)
	}
	if after, _ := e.svc.Site(t.Context(), "demo"); len(after.Hosts) != 2 || after.Hosts[0] != "storm.example.org" {
		t.Fatalf("hosts: %v", after.Hosts)
	}
	_, page = admin.get("/admin/sites/demo/settings")
	mustContain(t, "an admin's view of the hosts", page, "<strong>storm.example.org</strong>", "Only an owner can change the host names.")

	// Refused: another site's form in the admin's browser, and an editor.
	form.Set("version", "4")
	form.Set("title", "Forged")
	if status, _ := admin.post("/admin/sites/demo/settings", form, crossSite...); status != http.StatusForbidden {
		t.Fatalf("a cross-origin save: %d", status)
	}
	editor, _ := e.signedIn(t, "ed@example.org", centre.RoleEditor)
	if status, _ := editor.get("/admin/sites/demo/settings"); status != http.StatusForbidden {
		t.Fatalf("an editor's settings page: %d", status)
	}
	if status, _ := editor.post("/admin/sites/demo/settings", form); status != http.StatusForbidden {
		t.Fatalf("an editor's save: %d", status)
	}
	if after, _ := e.svc.Site(t.Context(), "demo"); after.Title == "Forged" || after.Version != 4 {
		t.Fatalf("a refused save changed the site: %q v%d", after.Title, after.Version)
	}
	if ev := e.lastAudit(t, "demo", "site.update"); ev.Outcome != http.StatusForbidden {
		t.Fatalf("the editor's refused save is audited as %+v", ev)
	}
}

// TestSiteSettingsReviewRequired: the two-person rule is switched on by
// the settings' checkbox and off by leaving it out, audited.
func TestSiteSettingsReviewRequired(t *testing.T) {
	e := newEnv(t, console.OIDC{})
	admin, _ := e.signedIn(t, "ad@example.org", centre.RoleAdmin)
	form := url.Values{"version": {"1"}, "title": {"Demo"}, "languages": {"en"}, "publisher": {"P"}, "contact_email": {"press@example.org"}, "review_required": {"on"}}
	if status, body := admin.post("/admin/sites/demo/settings", form); status != http.StatusSeeOther {
		t.Fatalf("switching the rule on: %d\n%s", status, body)
	}
	if site, _ := e.svc.Site(t.Context(), "demo"); !site.ReviewRequired || site.Version != 2 {
		t.Fatalf("the rule after switching it on: %v (version %d)", site.ReviewRequired, site.Version)
	}
	if ev := e.lastAudit(t, "demo", "site.update"); ev.Detail != "changes: Approval before publication" {
		t.Fatalf("audit of the switch: %+v", ev)
	}
	mustContain(t, "the rule switched on", admin.page("/admin/sites/demo/settings"), `name="review_required" aria-describedby="review_required-hint" checked>`)
	form.Set("version", "2")
	form.Del("review_required")
	if status, body := admin.post("/admin/sites/demo/settings", form); status != http.StatusSeeOther {
		t.Fatalf("switching the rule off: %d\n%s", status, body)
	}
	if site, _ := e.svc.Site(t.Context(), "demo"); site.ReviewRequired || site.Version != 3 {
		t.Fatalf("the rule after switching it off: %v (version %d)", site.ReviewRequired, site.Version)
	}
}

func ptr[T any](v T) *T { return &v }

// TestSitesList: an owner sees every site with its screens; anyone else
// only their own, with the screens of their role.
func TestSitesList(t *testing.T) {
	e := newEnv(t, console.OIDC{})
	if _, err := e.svc.CreateSite(t.Context(), e.owner, centre.SiteInput{Slug: "quake", Title: "Quake Desk", Publisher: "P",
		Contact: centre.Contact{Email: "press@example.org"}}); err != nil {
		t.Fatal(err)
	}
	owner, _ := e.signedIn(t, "own@example.org", centre.RoleOwner)
	status, page := owner.get("/admin/sites")
	if status != http.StatusOK {
		t.Fatalf("sites: %d", status)
	}
	mustContain(t, "the owner's sites", page, "Quake Desk", `href="/admin/sites/quake/settings"`, `href="/admin/sites/demo/people"`, `href="/admin/audit"`)
	editor, _ := e.signedIn(t, "ed@example.org", centre.RoleEditor)
	_, page = editor.get("/admin/sites")
	if strings.Contains(page, "quake") || strings.Contains(page, "/admin/sites/demo/settings") || !strings.Contains(page, `href="/admin/sites/demo/files"`) {
		t.Fatalf("an editor's sites:\n%s", page)
	}
}
