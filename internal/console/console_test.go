package console_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/oauth2-proxy/mockoidc"

	"infocentre/internal/boltstore"
	"infocentre/internal/centre"
	"infocentre/internal/console"
	"infocentre/internal/dynamostore/dynamotest"
	"infocentre/internal/filestore"
	"infocentre/internal/media"
	"infocentre/internal/web"
)

const origin = "https://console.example.org"

var b64 = base64.RawURLEncoding

// authenticator is a software passkey: a P-256 key pair that answers
// WebAuthn creation and assertion options in the wire format browsers
// post (attestation "none", packed authenticator data, COSE key, ASN.1
// signature).
type authenticator struct {
	key        *ecdsa.PrivateKey
	credID     []byte
	userHandle []byte
	count      uint32
	origin     string // the origin the browser reports in clientDataJSON
}

func newAuthenticator(t testing.TB) *authenticator {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	return &authenticator{key: k, credID: id, origin: origin}
}

type options struct {
	PublicKey struct {
		Challenge string `json:"challenge"`
		RPID      string `json:"rpId"`
		RP        struct {
			ID string `json:"id"`
		} `json:"rp"`
		User struct {
			ID string `json:"id"`
		} `json:"user"`
	} `json:"publicKey"`
}

func (a *authenticator) clientData(typ, challenge string) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": a.origin, "crossOrigin": false})
	return b
}

func (a *authenticator) create(t testing.TB, raw []byte) []byte {
	t.Helper()
	var o options
	if err := json.Unmarshal(raw, &o); err != nil {
		t.Fatalf("creation options %s: %v", raw, err)
	}
	uh, err := b64.DecodeString(o.PublicKey.User.ID)
	if err != nil {
		t.Fatalf("user id: %v", err)
	}
	a.userHandle = uh
	pub := a.key.PublicKey
	point, err := pub.Bytes() // 0x04 ‖ X ‖ Y
	if err != nil {
		t.Fatal(err)
	}
	cose, err := cbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: point[1:33], -3: point[33:]})
	if err != nil {
		t.Fatal(err)
	}
	rp := sha256.Sum256([]byte(o.PublicKey.RP.ID))
	auth := append(rp[:], 0x45) // UP, UV, AT
	auth = binary.BigEndian.AppendUint32(auth, a.count)
	auth = append(auth, make([]byte, 16)...) // AAGUID
	auth = binary.BigEndian.AppendUint16(auth, uint16(len(a.credID)))
	auth = append(append(auth, a.credID...), cose...)
	att, err := cbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": auth})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"id": b64.EncodeToString(a.credID), "rawId": b64.EncodeToString(a.credID), "type": "public-key",
		"response": map[string]any{"clientDataJSON": b64.EncodeToString(a.clientData("webauthn.create", o.PublicKey.Challenge)),
			"attestationObject": b64.EncodeToString(att)}})
	return body
}

func (a *authenticator) get(t testing.TB, raw []byte) []byte {
	t.Helper()
	var o options
	if err := json.Unmarshal(raw, &o); err != nil {
		t.Fatalf("assertion options %s: %v", raw, err)
	}
	a.count++
	rp := sha256.Sum256([]byte(o.PublicKey.RPID))
	auth := binary.BigEndian.AppendUint32(append(rp[:], 0x05), a.count) // UP, UV
	cd := a.clientData("webauthn.get", o.PublicKey.Challenge)
	cdHash := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte(nil), auth...), cdHash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, a.key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"id": b64.EncodeToString(a.credID), "rawId": b64.EncodeToString(a.credID), "type": "public-key",
		"response": map[string]any{"clientDataJSON": b64.EncodeToString(cd), "authenticatorData": b64.EncodeToString(auth),
			"signature": b64.EncodeToString(sig), "userHandle": b64.EncodeToString(a.userHandle)}})
	return body
}

// browser sends same-origin requests to the console, keeping its cookies.
type browser struct {
	t       testing.TB
	h       http.Handler
	cookies map[string]*http.Cookie
	last    *http.Response
	remote  string // the client address, if not httptest's
}

func (b *browser) do(method, path string, body []byte, header ...string) (int, []byte) {
	b.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(string(body))
	}
	r := httptest.NewRequest(method, origin+path, rd)
	if method == http.MethodPost {
		r.Header.Set("Origin", origin)
		r.Header.Set("Sec-Fetch-Site", "same-origin")
		r.Header.Set("Content-Type", "application/json")
	}
	if b.remote != "" {
		r.RemoteAddr = b.remote
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	for _, c := range b.cookies {
		r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	w := httptest.NewRecorder()
	b.h.ServeHTTP(w, r)
	res := w.Result()
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	b.last = res
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, out
}

func TestMain(m *testing.M) { dynamotest.Main(m) }

type env struct {
	svc   *centre.Service
	store centre.Store
	con   *console.Console
	owner centre.Principal
	logs  *bytes.Buffer // everything the console and the service logged
	skew  atomic.Int64  // added to the service's clock (see later)
}

// later moves the service's clock d ahead (sessions, invitations).
func (e *env) later(d time.Duration) { e.skew.Add(int64(d)) }

// openStore opens a fresh, empty store for one test.
type openStore func(testing.TB) centre.Store

// openBolt opens the embedded store in a temporary directory.
func openBolt(t testing.TB) centre.Store {
	t.Helper()
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

// stores are the two stores the sign-in, session and workflow tests run
// on: the embedded one and DynamoDB (moto_server through dynamotest,
// skipped under -short, failing under CI=true without it).
var stores = []struct {
	name string
	open openStore
}{
	{"bolt", openBolt},
	{"dynamodb", func(t testing.TB) centre.Store { return dynamotest.NewStore(t) }},
}

// eachStore runs test once per store, as a subtest named after it.
func eachStore(t *testing.T, test func(t *testing.T, open openStore)) {
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) { test(t, s.open) })
	}
}

func newEnv(t testing.TB, oidc console.OIDC) *env {
	t.Helper()
	return newEnvWith(t, console.Config{OIDC: oidc})
}

// newEnvWith is newEnv with cfg's OIDC and SignIn limits.
func newEnvWith(t testing.TB, cfg console.Config) *env {
	t.Helper()
	return newEnvOn(t, openBolt, cfg)
}

// newEnvOn is newEnvWith on a store that open makes.
func newEnvOn(t testing.TB, open openStore, cfg console.Config) *env {
	t.Helper()
	store := open(t)
	e := &env{store: store}
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewTextHandler(io.MultiWriter(logs, testLog(t)), nil))
	files, err := filestore.Open(filepath.Join(t.TempDir(), "files"))
	if err != nil {
		t.Fatal(err)
	}
	svc := &centre.Service{Store: store, Log: log, Render: func(md string) (string, error) { return md, nil },
		CheckAccent: web.CheckAccent, Files: files, Inspect: media.Inspector{},
		Now: func() time.Time { return time.Now().Add(time.Duration(e.skew.Load())) }}
	k, _, err := svc.Bootstrap(t.Context(), "owner")
	if err != nil {
		t.Fatal(err)
	}
	owner := centre.Principal{KeyID: k.ID, Site: centre.AllSites, Role: centre.RoleOwner}
	if _, err := svc.CreateSite(t.Context(), owner, centre.SiteInput{Slug: "demo", Title: "Demo", Publisher: "P",
		Contact: centre.Contact{Email: "press@example.org"}}); err != nil {
		t.Fatal(err)
	}
	cfg.Service, cfg.PublicOrigin, cfg.Log = svc, origin, log
	con, err := console.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.svc, e.con, e.owner, e.logs = svc, con, owner, logs
	return e
}

func (e *env) browser(t testing.TB) *browser {
	return &browser{t: t, h: e.con, cookies: map[string]*http.Cookie{}}
}

func (e *env) invite(t testing.TB, email, role string) (*centre.Person, string) {
	t.Helper()
	p, token, err := e.svc.InvitePerson(t.Context(), e.owner, "demo", centre.PersonInput{Email: email, Name: "Ana Example", Role: role})
	if err != nil {
		t.Fatal(err)
	}
	return p, token
}

// register runs the invitation ceremony in b with a.
func register(t testing.TB, b *browser, a *authenticator, token string) (int, []byte) {
	t.Helper()
	status, opts := b.do("POST", "/admin/invite/"+token+"/begin", nil)
	if status != http.StatusOK {
		t.Fatalf("invite begin: %d %s", status, opts)
	}
	return b.do("POST", "/admin/invite/"+token+"/finish", a.create(t, opts))
}

func signIn(t testing.TB, b *browser, a *authenticator) (int, []byte) {
	t.Helper()
	status, opts := b.do("POST", "/admin/login/begin", nil)
	if status != http.StatusOK {
		t.Fatalf("login begin: %d %s", status, opts)
	}
	return b.do("POST", "/admin/login/finish", a.get(t, opts))
}

func sessionCookie(t testing.TB, res *http.Response) *http.Cookie {
	t.Helper()
	for _, c := range res.Cookies() {
		if c.Name == console.SessionCookie && c.Value != "" {
			return c
		}
	}
	t.Fatalf("no %s cookie set; cookies %v", console.SessionCookie, res.Cookies())
	return nil
}

func TestPasskeyInvitationSignInAndSignOut(t *testing.T) {
	eachStore(t, testPasskeyInvitationSignInAndSignOut)
}

func testPasskeyInvitationSignInAndSignOut(t *testing.T, open openStore) {
	e := newEnvOn(t, open, console.Config{})
	person, token := e.invite(t, "ana@example.org", centre.RoleEditor)
	b := e.browser(t)
	status, page := b.do("GET", "/admin/invite/"+token, nil)
	if status != http.StatusOK || !strings.Contains(string(page), "Welcome, Ana Example") || !strings.Contains(string(page), `data-ceremony="register"`) {
		t.Fatalf("invitation page: %d\n%s", status, page)
	}
	if csp := b.last.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("CSP %q", csp)
	}
	if rp := b.last.Header.Get("Referrer-Policy"); rp != "no-referrer" {
		t.Fatalf("an invitation page must not leak its URL: Referrer-Policy %q", rp)
	}

	a := newAuthenticator(t)
	status, body := register(t, b, a, token)
	if status != http.StatusOK || !strings.Contains(string(body), `"/admin/"`) {
		t.Fatalf("invite finish: %d %s", status, body)
	}
	c := sessionCookie(t, b.last)
	if !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
		t.Fatalf("session cookie flags: %+v", c)
	}
	stored, _ := e.store.GetPerson(t.Context(), person.ID)
	if stored.State != centre.PersonActive || len(stored.Credentials) != 1 || string(stored.Credentials[0].ID) != string(a.credID) {
		t.Fatalf("person after registration: %+v", stored)
	}
	status, page = b.do("GET", "/admin/", nil)
	if status != http.StatusOK || !strings.Contains(string(page), "Signed in as Ana Example") || !strings.Contains(string(page), "editor") {
		t.Fatalf("landing page: %d\n%s", status, page)
	}
	// The invitation is spent.
	if status, _ := b.do("GET", "/admin/invite/"+token, nil); status != http.StatusNotFound {
		t.Fatalf("a used invitation: %d", status)
	}

	// Sign out: the cookie goes, the session ends server-side too.
	old := b.cookies[console.SessionCookie].Value
	if status, _ := b.do("POST", "/admin/logout", nil); status != http.StatusSeeOther {
		t.Fatalf("logout: %d", status)
	}
	if _, _, err := e.svc.SessionPrincipal(t.Context(), old); !centre.IsCode(err, centre.EUNAUTHORIZED) {
		t.Fatalf("the session after sign-out: %v", err)
	}
	if status, _ := b.do("GET", "/admin/", nil); status != http.StatusSeeOther || b.last.Header.Get("Location") != "/admin/login" {
		t.Fatalf("landing signed out: %d %s", status, b.last.Header.Get("Location"))
	}

	// Sign in with the passkey: a discoverable assertion.
	status, body = signIn(t, b, a)
	if status != http.StatusOK {
		t.Fatalf("login finish: %d %s", status, body)
	}
	sessionCookie(t, b.last)
	if status, page = b.do("GET", "/admin/", nil); status != http.StatusOK || !strings.Contains(string(page), "ana@example.org") {
		t.Fatalf("landing after sign-in: %d", status)
	}
	stored, _ = e.store.GetPerson(t.Context(), person.ID)
	if stored.Credentials[0].SignCount != 1 || stored.LastSignIn.IsZero() {
		t.Fatalf("sign count %d, last sign-in %v", stored.Credentials[0].SignCount, stored.LastSignIn)
	}
	// The audit log names the person as the actor.
	page2, err := e.store.ListAudit(t.Context(), centre.AuditQuery{Site: "demo", Action: "person.signin"})
	if err != nil || len(page2.Items) != 2 || page2.Items[0].PersonID != person.ID || page2.Items[0].KeyID != "" {
		t.Fatalf("sign-in audit events: %+v, %v", page2.Items, err)
	}
}

func TestCeremoniesRefuseForgeries(t *testing.T) {
	e := newEnv(t, console.OIDC{})
	_, token := e.invite(t, "ana@example.org", centre.RoleViewer)
	b := e.browser(t)

	// A response made for another origin (a phishing page) is refused.
	evil := newAuthenticator(t)
	evil.origin = "https://console.example.org.evil.example"
	if status, body := register(t, b, evil, token); status != http.StatusBadRequest {
		t.Fatalf("registration from another origin: %d %s", status, body)
	}
	if _, ok := b.cookies[console.SessionCookie]; ok {
		t.Fatal("a refused registration set a session")
	}
	// The challenge is used once: finishing again without a new begin fails.
	a := newAuthenticator(t)
	status, opts := b.do("POST", "/admin/invite/"+token+"/begin", nil)
	if status != 200 {
		t.Fatal(status)
	}
	resp := a.create(t, opts)
	ceremony := b.cookies["__Host-infocentre_ceremony"]
	if status, body := b.do("POST", "/admin/invite/"+token+"/finish", resp); status != 200 {
		t.Fatalf("finish: %d %s", status, body)
	}
	b.cookies["__Host-infocentre_ceremony"] = ceremony
	if status, _ := b.do("POST", "/admin/invite/"+token+"/finish", resp); status != http.StatusUnauthorized {
		t.Fatalf("a replayed ceremony: %d", status)
	}

	// A passkey nobody registered does not sign in.
	stranger := newAuthenticator(t)
	stranger.userHandle = []byte("01jzzzzzzzzzzzzzzzzzzzzzzz")
	other := e.browser(t)
	if status, body := signIn(t, other, stranger); status != http.StatusUnauthorized {
		t.Fatalf("an unknown passkey: %d %s", status, body)
	}
	if _, ok := other.cookies[console.SessionCookie]; ok {
		t.Fatal("an unknown passkey got a session")
	}
}

func TestDisabledPersonIsSignedOutAtOnce(t *testing.T) {
	eachStore(t, testDisabledPersonIsSignedOutAtOnce)
}

func testDisabledPersonIsSignedOutAtOnce(t *testing.T, open openStore) {
	e := newEnvOn(t, open, console.Config{})
	person, token := e.invite(t, "ana@example.org", centre.RoleEditor)
	b := e.browser(t)
	a := newAuthenticator(t)
	if status, body := register(t, b, a, token); status != 200 {
		t.Fatalf("register: %d %s", status, body)
	}
	if status, _ := b.do("GET", "/admin/", nil); status != 200 {
		t.Fatal("not signed in")
	}
	if _, err := e.svc.DisablePerson(t.Context(), e.owner, "demo", person.ID); err != nil {
		t.Fatal(err)
	}
	if status, _ := b.do("GET", "/admin/", nil); status != http.StatusSeeOther {
		t.Fatalf("a disabled person's next page: %d, want a redirect to sign-in", status)
	}
	if status, _ := b.do("POST", "/admin/passkeys/begin", nil); status != http.StatusUnauthorized {
		t.Fatalf("a disabled person's next action: %d", status)
	}
	if status, _ := signIn(t, b, a); status != http.StatusUnauthorized {
		t.Fatalf("a disabled person signing in again: %d", status)
	}
}

// TestSessionExpiry: a console session ends centre.SessionIdle after its
// last use and centre.SessionAbsolute after sign-in, whatever its use;
// then pages send to sign-in and actions are refused. On both stores.
func TestSessionExpiry(t *testing.T) { eachStore(t, testSessionExpiry) }

func testSessionExpiry(t *testing.T, open openStore) {
	e := newEnvOn(t, open, console.Config{})
	_, token := e.invite(t, "ana@example.org", centre.RoleEditor)
	b := e.browser(t)
	a := newAuthenticator(t)
	if status, body := register(t, b, a, token); status != http.StatusOK {
		t.Fatalf("register: %d %s", status, body)
	}
	signedOut := func(when string) {
		t.Helper()
		if status, _ := b.do("GET", "/admin/", nil); status != http.StatusSeeOther || b.last.Header.Get("Location") != "/admin/login" {
			t.Fatalf("%s: the landing page answered %d (Location %q), want a redirect to sign-in", when, status, b.last.Header.Get("Location"))
		}
		if status, _ := b.do("POST", "/admin/passkeys/begin", nil); status != http.StatusUnauthorized {
			t.Fatalf("%s: an action answered %d, want 401", when, status)
		}
	}
	// Used within the idle lifetime, the session lives on…
	used := time.Duration(0)
	for used+centre.SessionIdle-time.Minute < centre.SessionAbsolute {
		e.later(centre.SessionIdle - time.Minute)
		used += centre.SessionIdle - time.Minute
		if status, _ := b.do("GET", "/admin/", nil); status != http.StatusOK {
			t.Fatalf("a session used %v after sign-in, within the idle lifetime: %d", used, status)
		}
	}
	// …until its absolute lifetime ends it.
	e.later(centre.SessionAbsolute - used)
	signedOut("at the absolute lifetime")

	// Unused for the idle lifetime, a new session ends too.
	if status, body := signIn(t, b, a); status != http.StatusOK {
		t.Fatalf("sign in again: %d %s", status, body)
	}
	e.later(centre.SessionIdle - time.Minute)
	if status, _ := b.do("GET", "/admin/", nil); status != http.StatusOK {
		t.Fatalf("a session idle for less than SessionIdle: %d", status)
	}
	e.later(centre.SessionIdle)
	signedOut("idle for SessionIdle")
}

func TestPasskeysAddRemoveAndSignOutEverywhere(t *testing.T) {
	eachStore(t, testPasskeysAddRemoveAndSignOutEverywhere)
}

func testPasskeysAddRemoveAndSignOutEverywhere(t *testing.T, open openStore) {
	e := newEnvOn(t, open, console.Config{})
	person, token := e.invite(t, "ana@example.org", centre.RoleEditor)
	laptop, phone := e.browser(t), e.browser(t)
	a := newAuthenticator(t)
	if status, _ := register(t, laptop, a, token); status != 200 {
		t.Fatal(status)
	}
	// Add a second passkey from the signed-in laptop.
	second := newAuthenticator(t)
	status, opts := laptop.do("POST", "/admin/passkeys/begin", nil)
	if status != 200 {
		t.Fatalf("add begin: %d %s", status, opts)
	}
	if status, body := laptop.do("POST", "/admin/passkeys/finish", second.create(t, opts)); status != 200 {
		t.Fatalf("add finish: %d %s", status, body)
	}
	// The phone signs in with it.
	if status, body := signIn(t, phone, second); status != 200 {
		t.Fatalf("sign-in with the second passkey: %d %s", status, body)
	}
	// Remove the first passkey (a form post, no script).
	form := url.Values{"credential": {centre.CredentialID(a.credID)}}.Encode()
	if status, body := laptop.do("POST", "/admin/passkeys/remove", []byte(form), "Content-Type", "application/x-www-form-urlencoded", "Accept", "text/html"); status != http.StatusSeeOther {
		t.Fatalf("remove: %d %s", status, body)
	}
	stored, _ := e.store.GetPerson(t.Context(), person.ID)
	if len(stored.Credentials) != 1 || string(stored.Credentials[0].ID) != string(second.credID) {
		t.Fatalf("credentials after removal: %d", len(stored.Credentials))
	}
	if status, _ := signIn(t, e.browser(t), a); status != http.StatusUnauthorized {
		t.Fatalf("a removed passkey signs in: %d", status)
	}
	// Sign out everywhere from the laptop ends the phone's session too.
	if status, _ := laptop.do("POST", "/admin/logout/everywhere", nil, "Accept", "text/html"); status != http.StatusSeeOther {
		t.Fatalf("sign out everywhere: %d", status)
	}
	if status, _ := phone.do("GET", "/admin/", nil); status != http.StatusSeeOther {
		t.Fatalf("the phone after sign out everywhere: %d", status)
	}
}

func TestCrossOriginPostsRefused(t *testing.T) {
	e := newEnv(t, console.OIDC{})
	_, token := e.invite(t, "ana@example.org", centre.RoleEditor)
	b := e.browser(t)
	if status, _ := register(t, b, newAuthenticator(t), token); status != 200 {
		t.Fatal(status)
	}
	for _, h := range [][]string{
		{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"},
		{"Sec-Fetch-Site", "", "Origin", "https://evil.example"},
		{"Sec-Fetch-Site", "same-site", "Origin", "https://other.example.org"},
	} {
		for _, path := range []string{"/admin/logout/everywhere", "/admin/passkeys/begin", "/admin/login/begin", "/admin/passkeys/remove"} {
			if status, body := b.do("POST", path, nil, h...); status != http.StatusForbidden {
				t.Fatalf("cross-origin POST %s %v: %d %s", path, h, status, body)
			}
		}
	}
	if status, _ := b.do("GET", "/admin/", nil); status != 200 {
		t.Fatal("refused cross-origin posts ended the session")
	}
}

func TestConsoleOrigins(t *testing.T) {
	for in, want := range map[string]string{
		"https://info.example.org": "https://info.example.org",
		"http://127.0.0.1:8080":    "http://localhost:8080",
		"http://localhost:8080":    "http://localhost:8080",
		"http://[::1]:9000":        "http://localhost:9000",
	} {
		u, err := console.ConsoleOrigin(in)
		if err != nil || u.String() != want {
			t.Errorf("ConsoleOrigin(%q) = %v, %v; want %s", in, u, err, want)
		}
	}
	for _, bad := range []string{"", "http://info.example.org", "ftp://x"} {
		if _, err := console.ConsoleOrigin(bad); err == nil {
			t.Errorf("ConsoleOrigin(%q) accepted", bad)
		}
	}
	// On http://localhost the cookie cannot be __Host- (browsers refuse it
	// without https): it is the documented plain name, not Secure.
	e := newEnv(t, console.OIDC{})
	con, err := console.New(console.Config{Service: e.svc, PublicOrigin: "http://127.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	_, token := e.invite(t, "local@example.org", centre.RoleViewer)
	b := &browser{t: t, h: con, cookies: map[string]*http.Cookie{}}
	a := newAuthenticator(t)
	a.origin = "http://localhost:8080"
	status, opts := b.do("POST", "/admin/invite/"+token+"/begin", nil, "Origin", "http://localhost:8080")
	if status != 200 {
		t.Fatalf("begin on localhost: %d %s", status, opts)
	}
	if status, body := b.do("POST", "/admin/invite/"+token+"/finish", a.create(t, opts), "Origin", "http://localhost:8080"); status != 200 {
		t.Fatalf("finish on localhost: %d %s", status, body)
	}
	var got *http.Cookie
	for _, c := range b.last.Cookies() {
		if c.Name == console.InsecureSessionCookie {
			got = c
		}
	}
	if got == nil || got.Secure || !got.HttpOnly || got.SameSite != http.SameSiteLaxMode {
		t.Fatalf("localhost session cookie: %+v", got)
	}
}

// TestOIDCSignIn: a verified email of the provider signs in the matching
// active person, on both stores; nobody else, and nobody is created.
func TestOIDCSignIn(t *testing.T) { eachStore(t, testOIDCSignIn) }

func testOIDCSignIn(t *testing.T, open openStore) {
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	cfg := m.Config()
	e := newEnvOn(t, open, console.Config{OIDC: console.OIDC{Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Name: "Example SSO"}})
	person, _ := e.invite(t, "ana@example.org", centre.RoleEditor)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	// flow signs in through the provider as user and returns the callback's
	// status.
	flow := func(b *browser, user *mockoidc.MockUser, tamper func(q url.Values)) int {
		t.Helper()
		if user != nil {
			m.QueueUser(user)
		}
		status, body := b.do("POST", "/admin/login/oidc", nil, "Content-Type", "application/x-www-form-urlencoded", "Accept", "text/html")
		if status != http.StatusSeeOther {
			t.Fatalf("start: %d %s", status, body)
		}
		auth, _ := url.Parse(b.last.Header.Get("Location"))
		q := auth.Query()
		if q.Get("code_challenge_method") != "S256" || q.Get("nonce") == "" || q.Get("state") == "" {
			t.Fatalf("authorization request lacks PKCE, nonce or state: %s", auth)
		}
		res, err := noRedirect.Get(auth.String())
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		cb, _ := url.Parse(res.Header.Get("Location"))
		if !strings.HasPrefix(cb.String(), origin+"/admin/oidc/callback") {
			t.Fatalf("provider redirected to %s", cb)
		}
		cq := cb.Query()
		if tamper != nil {
			tamper(cq)
		}
		status, _ = b.do("GET", "/admin/oidc/callback?"+cq.Encode(), nil, "Accept", "text/html")
		return status
	}

	b := e.browser(t)
	// An invited person (no passkey yet) is not active: refused.
	if status := flow(b, &mockoidc.MockUser{Subject: "s1", Email: "ana@example.org", EmailVerified: true}, nil); status != http.StatusUnauthorized {
		t.Fatalf("an invited person signing in by SSO: %d", status)
	}
	p, _ := e.store.GetPerson(t.Context(), person.ID)
	p.State = centre.PersonActive
	if err := e.store.UpdatePerson(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	if status := flow(b, &mockoidc.MockUser{Subject: "s1", Email: "Ana@Example.org", EmailVerified: true}, nil); status != http.StatusSeeOther {
		t.Fatalf("SSO sign-in: %d", status)
	}
	sessionCookie(t, b.last)
	if status, page := b.do("GET", "/admin/", nil); status != 200 || !strings.Contains(string(page), "ana@example.org") {
		t.Fatalf("landing after SSO: %d", status)
	}

	for name, tc := range map[string]struct {
		user   *mockoidc.MockUser
		tamper func(url.Values)
	}{
		"unknown email":    {&mockoidc.MockUser{Subject: "s2", Email: "nobody@example.org", EmailVerified: true}, nil},
		"unverified email": {&mockoidc.MockUser{Subject: "s3", Email: "ana@example.org", EmailVerified: false}, nil},
		"forged state":     {&mockoidc.MockUser{Subject: "s4", Email: "ana@example.org", EmailVerified: true}, func(q url.Values) { q.Set("state", "forged") }},
	} {
		nb := e.browser(t)
		if status := flow(nb, tc.user, tc.tamper); status != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401", name, status)
		}
		if _, ok := nb.cookies[console.SessionCookie]; ok {
			t.Errorf("%s: got a session", name)
		}
	}
	people, _ := e.store.ListPeople(t.Context(), "demo")
	if len(people) != 1 {
		t.Fatalf("signing in created people: %d", len(people))
	}
}
