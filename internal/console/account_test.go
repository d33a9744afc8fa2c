package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"infocentre/internal/centre"
	"infocentre/internal/console"
)

func TestAccount(t *testing.T) {
	e := newEnv(t, console.OIDC{})
	b, person := e.signedIn(t, "ana@example.org", centre.RoleEditor)
	status, page := b.get("/admin/account")
	if status != http.StatusOK {
		t.Fatalf("account: %d", status)
	}
	mustContain(t, "the account page", page, "ana@example.org", "Add a passkey", "Sign out everywhere", "not used yet")
	if strings.Contains(page, "/admin/passkeys/remove") {
		t.Fatal("the only passkey can be removed")
	}
	// Removing the only passkey anyway is refused with a message on the page.
	stored, _ := e.store.GetPerson(t.Context(), person.ID)
	id := centre.CredentialID(stored.Credentials[0].ID)
	status, page = b.post("/admin/passkeys/remove", url.Values{"credential": {id}})
	if status != http.StatusConflict {
		t.Fatalf("removing the last passkey: %d", status)
	}
	mustContain(t, "the refusal", page, "this is your only passkey", "Your account")
	// Add a second one: the ceremony ends on the account page.
	second := newAuthenticator(t)
	_, opts := b.do("POST", "/admin/passkeys/begin", nil)
	status, body := b.do("POST", "/admin/passkeys/finish", second.create(t, opts))
	if status != http.StatusOK || !strings.Contains(string(body), `"/admin/account?done=added"`) {
		t.Fatalf("add: %d %s", status, body)
	}
	_, page = b.get("/admin/account?done=added")
	mustContain(t, "the account after adding", page, "The passkey is added", "/admin/passkeys/remove")
	if status, _ := b.post("/admin/passkeys/remove", url.Values{"credential": {id}}); status != http.StatusSeeOther || b.last.Header.Get("Location") != "/admin/account?done=removed" {
		t.Fatalf("remove: %d %s", status, b.last.Header.Get("Location"))
	}
	if status, _ := b.post("/admin/passkeys/remove", url.Values{"credential": {id}}, crossSite...); status != http.StatusForbidden {
		t.Fatalf("a cross-origin remove: %d", status)
	}
}
