package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"infocentre/internal/centre"
	"infocentre/internal/console"
)

// TestRolesAndForgeries: an editor cannot see or post to the admin
// screens (403, audited), nobody signed out can, and a cross-origin post
// is refused before it acts.
func TestRolesAndForgeries(t *testing.T) {
	e := newEnv(t, console.OIDC{})
	editor, ed := e.signedIn(t, "ed@example.org", centre.RoleEditor)
	admin, _ := e.signedIn(t, "ad@example.org", centre.RoleAdmin)
	for _, path := range []string{"/admin/sites/demo/settings", "/admin/sites/demo/people", "/admin/sites/demo/keys", "/admin/sites/demo/audit", "/admin/audit"} {
		if status, page := editor.get(path); status != http.StatusForbidden {
			t.Fatalf("an editor GET %s: %d\n%s", path, status, page)
		}
		if status, _ := admin.get(path); (status == http.StatusOK) != (path != "/admin/audit") {
			t.Fatalf("an admin GET %s: %d", path, status)
		}
		if status, _ := e.browser(t).get(path); status != http.StatusSeeOther {
			t.Fatalf("signed out GET %s: %d, want a redirect to sign-in", path, status)
		}
	}
	forged := map[string]url.Values{
		"/admin/sites/demo/settings":                  {"title": {"Hijacked"}, "version": {"1"}},
		"/admin/sites/demo/people":                    {"email": {"mole@example.org"}, "name": {"Mole"}, "role": {"admin"}},
		"/admin/sites/demo/people/" + ed.ID + "/role": {"role": {"admin"}},
		"/admin/sites/demo/keys":                      {"name": {"backdoor"}, "role": {"admin"}},
	}
	for path, form := range forged {
		if status, _ := editor.post(path, form); status != http.StatusForbidden {
			t.Fatalf("an editor's forged POST %s: %d", path, status)
		}
		if status, _ := e.browser(t).post(path, form); status != http.StatusUnauthorized {
			t.Fatalf("a signed-out POST %s: %d", path, status)
		}
		// The admin's own browser, driven by another site, is refused too.
		if status, _ := admin.post(path, form, crossSite...); status != http.StatusForbidden {
			t.Fatalf("a cross-origin POST %s: %d", path, status)
		}
	}
	site, _ := e.svc.Site(t.Context(), "demo")
	keys, _ := e.store.ListKeys(t.Context(), "demo")
	people, _ := e.store.ListPeople(t.Context(), "demo")
	stored, _ := e.store.GetPerson(t.Context(), ed.ID)
	if site.Title != "Demo" || len(keys) != 0 || len(people) != 2 || stored.Role != centre.RoleEditor {
		t.Fatalf("a refused POST changed something: title %q, %d keys, %d people, role %s", site.Title, len(keys), len(people), stored.Role)
	}
	ev := e.lastAudit(t, "demo", "key.create")
	if ev.Outcome != http.StatusForbidden || ev.PersonID != ed.ID {
		t.Fatalf("the refused key.create is audited as %+v", ev)
	}
	if ev := e.lastAudit(t, "demo", "read"); ev.Outcome != http.StatusForbidden || ev.PersonID != ed.ID {
		t.Fatalf("the refused page is audited as %+v", ev)
	}
	// The editor's navigation shows no admin screens; the admin's does.
	_, page := editor.get("/admin/sites/demo/files")
	if strings.Contains(page, "/admin/sites/demo/people") || !strings.Contains(page, "/admin/account") {
		t.Fatalf("an editor's navigation:\n%s", page)
	}
	_, page = admin.get("/admin/sites/demo/files")
	mustContain(t, "an admin's navigation", page, `href="/admin/sites/demo/people"`, `href="/admin/sites/demo/keys"`, `href="/admin/sites/demo/settings"`)
}
