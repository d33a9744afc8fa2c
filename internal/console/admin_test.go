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

// signedInFor is signedIn for a person of a member organisation.
func (e *env) signedInFor(t testing.TB, email, role, org string) (*browser, *centre.Person) {
	t.Helper()
	p, token, err := e.svc.InvitePerson(t.Context(), e.owner, "demo", centre.PersonInput{Email: email, Name: "Member " + role, Role: role, Organisation: org})
	if err != nil {
		t.Fatal(err)
	}
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

// lastAudit returns the newest audit event of site with action. A page of
// a filtered query may be short, even empty, with a next one (DynamoDB
// filters after reading), so it reads on for a few pages.
func (e *env) lastAudit(t testing.TB, site, action string) *centre.AuditEvent {
	t.Helper()
	q := centre.AuditQuery{Site: site, Action: action, Limit: 1}
	for range 50 {
		page, err := e.store.ListAudit(t.Context(), q)
		if err != nil {
			t.Fatalf("audit events %s in %s: %v", action, site, err)
		}
		if len(page.Items) > 0 {
			return page.Items[0]
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	t.Fatalf("no %s audit event in %s", action, site)
	return nil
}
