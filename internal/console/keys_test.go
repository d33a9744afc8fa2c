package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"infocentre/internal/centre"
	"infocentre/internal/console"
)

var keySecret = regexp.MustCompile(`icsk_[A-Za-z0-9_-]{43}`)

func TestAPIKeys(t *testing.T) {
	e := newEnv(t, console.OIDC{})
	admin, ad := e.signedIn(t, "ad@example.org", centre.RoleAdmin)
	status, page := admin.post("/admin/sites/demo/keys", url.Values{"name": {"feed script"}, "role": {"editor"}, "expires": {"2099-12-31"}})
	if status != http.StatusOK {
		t.Fatalf("issue: %d\n%s", status, page)
	}
	secret := keySecret.FindString(page)
	if secret == "" {
		t.Fatalf("no secret shown:\n%s", page)
	}
	mustContain(t, "the issued key", page, "shown only this once")
	for _, c := range admin.last.Cookies() {
		if strings.Contains(c.Value, secret) {
			t.Fatal("the secret is in a cookie")
		}
	}
	if strings.Contains(e.logs.String(), secret) {
		t.Fatal("the secret is logged")
	}
	p, err := e.svc.Authenticate(t.Context(), secret)
	if err != nil || p.Role != centre.RoleEditor || p.Site != "demo" {
		t.Fatalf("the issued key: %+v, %v", p, err)
	}
	keys, _ := e.store.ListKeys(t.Context(), "demo")
	if len(keys) != 1 || keys[0].CreatedBy != "person:"+ad.ID || keys[0].ExpiresAt.Year() != 2100 {
		t.Fatalf("stored key: %+v", keys)
	}
	ev := e.lastAudit(t, "demo", "key.create")
	if ev.Outcome != http.StatusOK || ev.Target != keys[0].ID || strings.Contains(ev.Detail, secret) {
		t.Fatalf("audit: %+v", ev)
	}
	// Shown once: the list has the key, never the secret.
	status, page = admin.get("/admin/sites/demo/keys")
	if status != http.StatusOK || keySecret.MatchString(page) {
		t.Fatalf("the list shows a secret (%d)", status)
	}
	mustContain(t, "the key list", page, "feed script", "active", "/keys/"+keys[0].ID+"/revoke", "<td>Ana Example &lt;ad@example.org&gt;</td>")
	// A bad date and a role above one's own are refused on the form.
	status, page = admin.post("/admin/sites/demo/keys", url.Values{"name": {"x"}, "role": {"editor"}, "expires": {"31/12/2099"}})
	if status != http.StatusBadRequest {
		t.Fatalf("a bad date: %d", status)
	}
	mustContain(t, "the bad date", page, `id="expires-error"`)
	if status, _ := admin.post("/admin/sites/demo/keys", url.Values{"name": {"x"}, "role": {"owner"}}); status != http.StatusForbidden {
		t.Fatalf("an owner key from a site admin: %d", status)
	}
	// Revoke.
	if status, _ := admin.post("/admin/sites/demo/keys/"+keys[0].ID+"/revoke", nil); status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", status)
	}
	if _, err := e.svc.Authenticate(t.Context(), secret); !centre.IsCode(err, centre.EUNAUTHORIZED) {
		t.Fatalf("a revoked key authenticates: %v", err)
	}
	// An owner's keys are named too (the owners are not the site's people).
	owner, _ := e.signedIn(t, "own@example.org", centre.RoleOwner)
	if status, _ := owner.post("/admin/sites/demo/keys", url.Values{"name": {"owner-made"}, "role": {"viewer"}}); status != http.StatusOK {
		t.Fatalf("an owner issuing a key: %d", status)
	}
	_, page = admin.get("/admin/sites/demo/keys")
	if strings.Contains(page, "own@example.org") {
		t.Fatal("a site admin sees an owner's email")
	}
	_, page = owner.get("/admin/sites/demo/keys")
	mustContain(t, "the owner's key list", page, "<td>Ana Example &lt;own@example.org&gt;</td>")
	_, page = admin.get("/admin/sites/demo/keys?done=revoked")
	mustContain(t, "the list after revoking", page, "revoked", "The key is revoked")
}
