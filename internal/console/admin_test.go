package console_test

import (
	"net/http"
	"net/url"
	"testing"

	"infocentre/internal/centre"
)

// signedIn invites a person with role (on demo, or every site for an
// owner), registers their passkey and returns their signed-in browser.
func (e *env) signedIn(t testing.TB, email, role string) (*browser, *centre.Person) {
	t.Helper()
	p, token := e.invite(t, email, role)
	b := e.browser(t)
	if status, body := register(t, b, newAuthenticator(t), token); status != http.StatusOK {
		t.Fatalf("register %s: %d %s", email, status, body)
	}
	return b, p
}

func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	status, body := b.do("GET", path, nil, "Accept", "text/html")
	return status, string(body)
}

// post sends a same-origin form post, as a browser's form does.
func (b *browser) post(path string, form url.Values, header ...string) (int, string) {
	b.t.Helper()
	h := append([]string{"Content-Type", "application/x-www-form-urlencoded", "Accept", "text/html"}, header...)
	status, body := b.do("POST", path, []byte(form.Encode()), h...)
	return status, string(body)
}

// crossSite is what a browser sends with a form posted from another site.
var crossSite = []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}

// lastAudit returns the newest audit event of site with action.
func (e *env) lastAudit(t testing.TB, site, action string) *centre.AuditEvent {
	t.Helper()
	page, err := e.store.ListAudit(t.Context(), centre.AuditQuery{Site: site, Action: action, Limit: 1})
	if err != nil || len(page.Items) == 0 {
		t.Fatalf("no %s audit event in %s: %v", action, site, err)
	}
	return page.Items[0]
}
