package console_test

import (
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"infocentre/internal/centre"
	"infocentre/internal/console"
)

// clock is a settable time for the limits.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestFailedSignInsAreLimited: after PerClient failed sign-ins from one
// address, every sign-in from it is answered 429 with Retry-After (and
// audited) until a token comes back; other addresses are not affected.
func TestFailedSignInsAreLimited(t *testing.T) {
	clk := &clock{t: time.Now()}
	e := newEnvWith(t, console.Config{SignIn: console.SignInLimits{PerClient: 3, ClientEvery: 10 * time.Second, PerAccount: 100, Now: clk.now}})
	_, token := e.invite(t, "ana@example.org", centre.RoleEditor)
	good := newAuthenticator(t)
	if status, _ := register(t, e.browser(t), good, token); status != http.StatusOK {
		t.Fatal(status)
	}
	attacker := e.browser(t)
	attacker.remote = "198.51.100.7:4000"
	for i := range 3 {
		stranger := newAuthenticator(t)
		stranger.userHandle = []byte("01jzzzzzzzzzzzzzzzzzzzzzz" + strconv.Itoa(i))
		if status, body := signIn(t, attacker, stranger); status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d %s", i, status, body)
		}
	}
	// Blocked now, at begin and at finish, even with a good passkey.
	status, body := attacker.do("POST", "/admin/login/begin", nil)
	if status != http.StatusTooManyRequests {
		t.Fatalf("begin after 3 failures: %d %s", status, body)
	}
	if ra, _ := strconv.Atoi(attacker.last.Header.Get("Retry-After")); ra < 1 || ra > 10 {
		t.Fatalf("Retry-After %q", attacker.last.Header.Get("Retry-After"))
	}
	if status, _ := attacker.do("POST", "/admin/login/finish", []byte("{}")); status != http.StatusTooManyRequests {
		t.Fatalf("finish after 3 failures: %d", status)
	}
	if status, _ := attacker.do("POST", "/admin/login/oidc", nil, "Content-Type", "application/x-www-form-urlencoded"); status != http.StatusTooManyRequests {
		t.Fatalf("SSO after 3 failures: %d", status)
	}
	page, err := e.store.ListAudit(t.Context(), centre.AuditQuery{Site: centre.AllSites, Action: "person.signin"})
	if err != nil || len(page.Items) == 0 || page.Items[0].Outcome != http.StatusTooManyRequests || page.Items[0].Client != "198.51.100.7" {
		t.Fatalf("the refusal is not audited: %+v %v", page.Items, err)
	}
	// Another address signs in.
	other := e.browser(t)
	other.remote = "203.0.113.9:5000"
	if status, body := signIn(t, other, good); status != http.StatusOK {
		t.Fatalf("another address: %d %s", status, body)
	}
	// A token comes back after ClientEvery.
	clk.add(11 * time.Second)
	if status, body := signIn(t, attacker, good); status != http.StatusOK {
		t.Fatalf("after the wait: %d %s", status, body)
	}
}

// TestFailedSignInsPerAccount: failures naming one person, from many
// addresses, block sign-ins to that person (not to others) for a while.
func TestFailedSignInsPerAccount(t *testing.T) {
	clk := &clock{t: time.Now()}
	e := newEnvWith(t, console.Config{SignIn: console.SignInLimits{PerClient: 100, PerAccount: 2, AccountEvery: time.Minute, Now: clk.now}})
	victim, token := e.invite(t, "ana@example.org", centre.RoleEditor)
	good := newAuthenticator(t)
	if status, _ := register(t, e.browser(t), good, token); status != http.StatusOK {
		t.Fatal(status)
	}
	_, token2 := e.invite(t, "bo@example.org", centre.RoleEditor)
	bystander := newAuthenticator(t)
	if status, _ := register(t, e.browser(t), bystander, token2); status != http.StatusOK {
		t.Fatal(status)
	}
	for i := range 2 {
		b := e.browser(t)
		b.remote = "198.51.100." + strconv.Itoa(10+i) + ":4000"
		forger := newAuthenticator(t) // a key the victim never registered, claiming to be them
		forger.userHandle = []byte(victim.ID)
		if status, _ := signIn(t, b, forger); status != http.StatusUnauthorized {
			t.Fatalf("forged sign-in %d: %d", i, status)
		}
	}
	b := e.browser(t)
	b.remote = "198.51.100.50:4000"
	if status, _ := signIn(t, b, good); status != http.StatusTooManyRequests {
		t.Fatalf("the targeted account after 2 failures: %d", status)
	}
	if ra := b.last.Header.Get("Retry-After"); ra == "" {
		t.Fatal("no Retry-After")
	}
	if status, body := signIn(t, b, bystander); status != http.StatusOK {
		t.Fatalf("another account from the same address: %d %s", status, body)
	}
	clk.add(61 * time.Second)
	if status, body := signIn(t, e.browser(t), good); status != http.StatusOK {
		t.Fatalf("the account after the wait: %d %s", status, body)
	}
}

// TestFailedSSOSignInsAreLimited: an identity provider's answer that
// signs in nobody counts as a failure of the address and of the email.
func TestFailedSSOSignInsAreLimited(t *testing.T) {
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	cfg := m.Config()
	e := newEnvWith(t, console.Config{OIDC: console.OIDC{Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret},
		SignIn: console.SignInLimits{PerClient: 2, PerAccount: 100}})
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	b := e.browser(t)
	for i := range 2 {
		m.QueueUser(&mockoidc.MockUser{Subject: "s", Email: "nobody@example.org", EmailVerified: true})
		if status, body := b.do("POST", "/admin/login/oidc", nil, "Content-Type", "application/x-www-form-urlencoded", "Accept", "text/html"); status != http.StatusSeeOther {
			t.Fatalf("start %d: %d %s", i, status, body)
		}
		res, err := noRedirect.Get(b.last.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		cb, _ := url.Parse(res.Header.Get("Location"))
		if status, _ := b.do("GET", "/admin/oidc/callback?"+cb.RawQuery, nil, "Accept", "text/html"); status != http.StatusUnauthorized {
			t.Fatalf("callback %d: %d", i, status)
		}
	}
	if status, _ := b.do("POST", "/admin/login/oidc", nil, "Content-Type", "application/x-www-form-urlencoded", "Accept", "text/html"); status != http.StatusTooManyRequests {
		t.Fatalf("a third SSO sign-in: %d", status)
	}
	if b.last.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
}

// TestClientAddrFromTheHandler: the limits and the audit log use the
// address Config.ClientAddr gives (the handler in front knows the
// trusted proxies), not the proxy's.
func TestClientAddrFromTheHandler(t *testing.T) {
	e := newEnvWith(t, console.Config{SignIn: console.SignInLimits{PerClient: 1, PerAccount: 100},
		ClientAddr: func(r *http.Request) string { return r.Header.Get("X-Test-Client") }})
	stranger := newAuthenticator(t)
	stranger.userHandle = []byte("01jzzzzzzzzzzzzzzzzzzzzzzz")
	first := e.browser(t) // both behind one proxy, at httptest's 192.0.2.1
	if status, _ := signInFrom(t, first, stranger, "203.0.113.1"); status != http.StatusUnauthorized {
		t.Fatalf("first failure: %d", status)
	}
	if status, _ := signInFrom(t, first, stranger, "203.0.113.1"); status != http.StatusTooManyRequests {
		t.Fatalf("second failure from the same client: %d", status)
	}
	if status, _ := signInFrom(t, e.browser(t), stranger, "203.0.113.2"); status != http.StatusUnauthorized {
		t.Fatalf("another client behind the same proxy: %d, want 401 (not blocked)", status)
	}
	page, _ := e.store.ListAudit(t.Context(), centre.AuditQuery{Site: centre.AllSites, Action: "person.signin"})
	if len(page.Items) == 0 || page.Items[0].Client != "203.0.113.2" {
		t.Fatalf("audited client: %+v", page.Items)
	}
}

func signInFrom(t testing.TB, b *browser, a *authenticator, client string) (int, []byte) {
	t.Helper()
	status, opts := b.do("POST", "/admin/login/begin", nil, "X-Test-Client", client)
	if status != http.StatusOK {
		return status, opts
	}
	return b.do("POST", "/admin/login/finish", a.get(t, opts), "X-Test-Client", client)
}
