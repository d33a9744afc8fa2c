package centre_test

import (
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
)

// person invites a person as p and accepts the invitation with a passkey;
// it returns the active person.
func (f *fixture) person(p centre.Principal, site, role, email string) *centre.Person {
	f.t.Helper()
	_, token, err := f.svc.InvitePerson(f.t.Context(), p, site, centre.PersonInput{Email: email, Name: "Person " + role, Role: role})
	if err != nil {
		f.t.Fatalf("InvitePerson %s/%s: %v", site, role, err)
	}
	got, err := f.svc.AcceptInvitation(f.t.Context(), token, centre.Credential{ID: []byte(email), PublicKey: []byte{1}, Name: "first"})
	if err != nil {
		f.t.Fatalf("AcceptInvitation: %v", err)
	}
	return got
}

// signIn starts a session for person and returns its principal and token.
func (f *fixture) signIn(person *centre.Person) (centre.Principal, string) {
	f.t.Helper()
	_, token, err := f.svc.StartSession(f.t.Context(), person.ID, "passkey", "192.0.2.1", nil)
	if err != nil {
		f.t.Fatalf("StartSession: %v", err)
	}
	p, _, err := f.svc.SessionPrincipal(f.t.Context(), token)
	if err != nil {
		f.t.Fatalf("SessionPrincipal of a new session: %v", err)
	}
	return p, token
}

func TestInvitations(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	admin, _, _ := f.key(f.owner, "demo", centre.RoleAdmin, time.Time{})
	p, token, err := f.svc.InvitePerson(ctx, admin, "demo", centre.PersonInput{Email: "  Ana@Example.ORG ", Name: "Ana", Role: centre.RoleEditor, Organisation: "Member A"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Email != "ana@example.org" || p.State != centre.PersonInvited || p.CreatedBy != admin.KeyID ||
		!p.InviteExpires.Equal(f.now.Add(72*time.Hour)) || p.Organisation != "Member A" {
		t.Fatalf("invited person: %+v", p)
	}
	stored, _ := f.store.GetPerson(ctx, p.ID)
	if stored.InviteHash == "" || strings.Contains(stored.InviteHash, strings.SplitN(token, ".", 2)[1]) {
		t.Fatalf("the invitation must be stored as a hash only: %q", stored.InviteHash)
	}
	_, _, err = f.svc.InvitePerson(ctx, admin, "demo", centre.PersonInput{Email: "ana@example.org", Name: "Again", Role: centre.RoleViewer})
	wantCode(t, err, centre.ECONFLICT, "a second invitation for the same email")
	_, _, err = f.svc.InvitePerson(ctx, admin, "demo", centre.PersonInput{Email: "not an email", Name: "", Role: "chief"})
	wantCode(t, err, centre.EINVALID, "an invitation with bad fields")
	editor, _, _ := f.key(f.owner, "demo", centre.RoleEditor, time.Time{})
	_, _, err = f.svc.InvitePerson(ctx, editor, "demo", centre.PersonInput{Email: "e@example.org", Name: "E", Role: centre.RoleViewer})
	wantCode(t, err, centre.EFORBIDDEN, "an editor inviting")
	_, _, err = f.svc.InvitePerson(ctx, admin, "demo", centre.PersonInput{Email: "o@example.org", Name: "O", Role: centre.RoleOwner})
	wantCode(t, err, centre.EFORBIDDEN, "a site admin inviting an owner")

	// A wrong secret, a malformed token: not found, without telling why.
	id, _, _ := strings.Cut(token, ".")
	other, _ := centre.NewToken()
	for _, bad := range []string{id + "." + other, "nonsense", id, token + "x"} {
		_, err := f.svc.Invitation(ctx, bad)
		wantCode(t, err, centre.ENOTFOUND, "invitation "+bad)
	}
	if got, err := f.svc.Invitation(ctx, token); err != nil || got.ID != p.ID {
		t.Fatalf("Invitation of a valid token: %v, %v", got, err)
	}
	// Expired after 72 hours.
	f.now = f.now.Add(72 * time.Hour)
	_, err = f.svc.AcceptInvitation(ctx, token, centre.Credential{ID: []byte("k")})
	wantCode(t, err, centre.ENOTFOUND, "an invitation 72 h old")
	f.now = f.now.Add(-time.Minute)
	got, err := f.svc.AcceptInvitation(ctx, token, centre.Credential{ID: []byte("k"), PublicKey: []byte{1}})
	if err != nil || got.State != centre.PersonActive || len(got.Credentials) != 1 || got.InviteHash != "" {
		t.Fatalf("AcceptInvitation: %+v, %v", got, err)
	}
	_, err = f.svc.AcceptInvitation(ctx, token, centre.Credential{ID: []byte("k2")})
	wantCode(t, err, centre.ENOTFOUND, "an invitation used twice")

	// Owners invite owners; BootstrapPerson needs no caller.
	o, _, err := f.svc.InvitePerson(ctx, f.owner, centre.AllSites, centre.PersonInput{Email: "owner@example.org", Name: "Owner"})
	if err != nil || o.Site != centre.AllSites || o.Role != centre.RoleOwner {
		t.Fatalf("owner invitation: %+v, %v", o, err)
	}
	if _, tok, err := f.svc.BootstrapPerson(ctx, "first@example.org", "First owner"); err != nil || !strings.Contains(tok, ".") {
		t.Fatalf("BootstrapPerson: %q, %v", tok, err)
	}
}

func TestSessions(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	ana := f.person(f.owner, "demo", centre.RoleEditor, "ana@example.org")
	p, token := f.signIn(ana)
	if p.PersonID != ana.ID || p.KeyID != "" || p.Site != "demo" || p.Role != centre.RoleEditor {
		t.Fatalf("a session's principal: %+v", p)
	}
	if got, _ := f.store.GetPerson(ctx, ana.ID); !got.LastSignIn.Equal(f.now) {
		t.Fatalf("LastSignIn %v, want %v", got.LastSignIn, f.now)
	}
	// Idle: used within SessionIdle it lives on; unused for it, it ends.
	for range 5 {
		f.now = f.now.Add(centre.SessionIdle - time.Minute)
		if _, _, err := f.svc.SessionPrincipal(ctx, token); err != nil {
			t.Fatalf("a session used within the idle lifetime: %v", err)
		}
	}
	// Absolute: 12 hours after sign-in, whatever its use.
	f.now = f.now.Add(centre.SessionAbsolute - 5*(centre.SessionIdle-time.Minute))
	_, _, err := f.svc.SessionPrincipal(ctx, token)
	wantCode(t, err, centre.EUNAUTHORIZED, "a session past its absolute lifetime")

	_, token = f.signIn(ana)
	f.now = f.now.Add(centre.SessionIdle)
	_, _, err = f.svc.SessionPrincipal(ctx, token)
	wantCode(t, err, centre.EUNAUTHORIZED, "a session idle for SessionIdle")

	// Sign out, sign out everywhere, disabling: each ends sessions at once.
	_, token = f.signIn(ana)
	if err := f.svc.EndSession(ctx, token); err != nil {
		t.Fatal(err)
	}
	_, _, err = f.svc.SessionPrincipal(ctx, token)
	wantCode(t, err, centre.EUNAUTHORIZED, "a signed-out session")

	p1, t1 := f.signIn(ana)
	_, t2 := f.signIn(ana)
	f.now = f.now.Add(time.Millisecond)
	if _, err := f.svc.EndSessions(ctx, p1, "demo", ana.ID); err != nil {
		t.Fatalf("EndSessions by oneself: %v", err)
	}
	for _, tok := range []string{t1, t2} {
		_, _, err = f.svc.SessionPrincipal(ctx, tok)
		wantCode(t, err, centre.EUNAUTHORIZED, "a session after sign out everywhere")
	}
	f.now = f.now.Add(time.Millisecond)
	_, token = f.signIn(ana)
	admin, _, _ := f.key(f.owner, "demo", centre.RoleAdmin, time.Time{})
	if _, err := f.svc.DisablePerson(ctx, admin, "demo", ana.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = f.svc.SessionPrincipal(ctx, token)
	wantCode(t, err, centre.EUNAUTHORIZED, "the session of a disabled person")
	_, _, err = f.svc.StartSession(ctx, ana.ID, "passkey", "", nil)
	wantCode(t, err, centre.EUNAUTHORIZED, "a disabled person signing in")
	_, err = f.svc.SignInPerson(ctx, "", "ana@example.org")
	wantCode(t, err, centre.EUNAUTHORIZED, "a disabled person signing in by email")
	_, err = f.svc.DisablePerson(ctx, admin, "demo", ana.ID)
	wantCode(t, err, centre.ECONFLICT, "disabling twice")

	for _, bad := range []string{"", "x", strings.Repeat("a", 43)} {
		_, _, err = f.svc.SessionPrincipal(ctx, bad)
		wantCode(t, err, centre.EUNAUTHORIZED, "session token "+bad)
	}
	// An invited person cannot sign in.
	inv, _, _ := f.svc.InvitePerson(ctx, admin, "demo", centre.PersonInput{Email: "bo@example.org", Name: "Bo", Role: centre.RoleViewer})
	_, _, err = f.svc.StartSession(ctx, inv.ID, "passkey", "", nil)
	wantCode(t, err, centre.EUNAUTHORIZED, "an invited person signing in")
}

// TestPersonIsAPrincipal: a signed-in person acts through the same rules
// as a key, and is recorded as the actor.
func TestPersonIsAPrincipal(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	ed, _ := f.signIn(f.person(f.owner, "demo", centre.RoleEditor, "ed@example.org"))
	e, err := f.svc.CreateEntry(ctx, ed, "demo", centre.EntryInput{Content: centre.Content{Type: centre.TypeNews, Title: "By a person"}})
	if err != nil {
		t.Fatal(err)
	}
	if e.CreatedBy != "person:"+ed.PersonID || e.LastChange.PersonID != ed.PersonID || e.LastChange.KeyID != "" {
		t.Fatalf("entry actor: created_by %q, last change %+v", e.CreatedBy, e.LastChange)
	}
	_, err = f.svc.Publish(ctx, ed, "demo", e.ID, e.Version, "")
	wantCode(t, err, centre.EFORBIDDEN, "an editor person publishing")
	_, err = f.svc.CreateEntry(ctx, ed, "other", centre.EntryInput{Content: centre.Content{Type: centre.TypeNews, Title: "Elsewhere"}})
	wantCode(t, err, centre.EFORBIDDEN, "a person writing to another site")

	// A key a person issued works while the person is active.
	admin := f.person(f.owner, "demo", centre.RoleAdmin, "admin@example.org")
	ap, _ := f.signIn(admin)
	_, secret, k := f.key(ap, "demo", centre.RoleViewer, time.Time{})
	if k.CreatedBy != "person:"+admin.ID {
		t.Fatalf("key created by %q", k.CreatedBy)
	}
	if _, err := f.svc.DisablePerson(ctx, f.owner, "demo", admin.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Authenticate(ctx, secret)
	wantCode(t, err, centre.EUNAUTHORIZED, "a key issued by a disabled person")

	// Roles: an admin changes roles up to their own, not above.
	boss := f.person(f.owner, "demo", centre.RoleAdmin, "boss@example.org")
	bp, _ := f.signIn(boss)
	edPerson, _ := f.store.GetPerson(ctx, ed.PersonID)
	got, err := f.svc.SetPersonRole(ctx, bp, "demo", ed.PersonID, centre.RolePublisher, edPerson.Version)
	if err != nil || got.Role != centre.RolePublisher {
		t.Fatalf("SetPersonRole: %+v, %v", got, err)
	}
	_, err = f.svc.SetPersonRole(ctx, bp, "demo", ed.PersonID, centre.RoleViewer, edPerson.Version)
	wantCode(t, err, centre.EPRECONDITION, "SetPersonRole with a stale version")
	_, err = f.svc.SetPersonRole(ctx, bp, "demo", ed.PersonID, centre.RoleOwner, 0)
	wantCode(t, err, centre.EFORBIDDEN, "granting the owner role")
	_, err = f.svc.DisablePerson(ctx, bp, "demo", boss.ID)
	wantCode(t, err, centre.ECONFLICT, "disabling oneself")
	// The new role applies to the person's next request.
	ed2, _, err := f.svc.SessionPrincipal(ctx, func() string { _, tok := f.signIn(edPerson); return tok }())
	if err != nil || ed2.Role != centre.RolePublisher {
		t.Fatalf("principal after a role change: %+v, %v", ed2, err)
	}
	list, err := f.svc.People(ctx, bp, "demo")
	if err != nil || len(list) != 3 {
		t.Fatalf("People: %d, %v", len(list), err)
	}
	_, err = f.svc.People(ctx, ed2, "demo")
	wantCode(t, err, centre.EFORBIDDEN, "a publisher listing people")
}

func TestPeopleCredentials(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	ana := f.person(f.owner, "demo", centre.RoleViewer, "ana@example.org")
	p, _ := f.signIn(ana)
	_, err := f.svc.RemoveCredential(ctx, p, centre.CredentialID(ana.Credentials[0].ID))
	wantCode(t, err, centre.ECONFLICT, "removing the only passkey")
	got, err := f.svc.AddCredential(ctx, p, centre.Credential{ID: []byte("second"), PublicKey: []byte{2}})
	if err != nil || len(got.Credentials) != 2 {
		t.Fatalf("AddCredential: %v", err)
	}
	_, err = f.svc.AddCredential(ctx, p, centre.Credential{ID: []byte("second"), PublicKey: []byte{2}})
	wantCode(t, err, centre.ECONFLICT, "adding the same passkey twice")
	got, err = f.svc.RemoveCredential(ctx, p, centre.CredentialID(ana.Credentials[0].ID))
	if err != nil || len(got.Credentials) != 1 || string(got.Credentials[0].ID) != "second" {
		t.Fatalf("RemoveCredential: %+v, %v", got, err)
	}
	_, err = f.svc.RemoveCredential(ctx, p, "nope")
	wantCode(t, err, centre.ENOTFOUND, "removing an unknown passkey")
	// Keys have no passkeys.
	_, err = f.svc.AddCredential(ctx, f.owner, centre.Credential{ID: []byte("x")})
	wantCode(t, err, centre.EFORBIDDEN, "a key adding a passkey")
	_, err = f.svc.RemoveCredential(ctx, f.owner, "x")
	wantCode(t, err, centre.EFORBIDDEN, "a key removing a passkey")
}

func TestChallengesOnce(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	tok, err := f.svc.NewChallenge(ctx, "login", "", `{"c":1}`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.TakeChallenge(ctx, "register", tok)
	wantCode(t, err, centre.EUNAUTHORIZED, "a challenge of another kind")
	tok, _ = f.svc.NewChallenge(ctx, "login", "", `{"c":2}`)
	c, err := f.svc.TakeChallenge(ctx, "login", tok)
	if err != nil || c.Data != `{"c":2}` {
		t.Fatalf("TakeChallenge: %+v, %v", c, err)
	}
	_, err = f.svc.TakeChallenge(ctx, "login", tok)
	wantCode(t, err, centre.EUNAUTHORIZED, "a challenge taken twice")
}

func TestInvitationTokensAreRedactedFromLogs(t *testing.T) {
	for _, p := range []string{"/admin/invite/01jz.secret", "/admin/invite/01jz.secret/begin"} {
		if got := centre.LogPath(p); got != "/admin/invite/REDACTED" {
			t.Errorf("LogPath(%q) = %q", p, got)
		}
	}
	if got := centre.LogPath("/admin/login"); got != "/admin/login" {
		t.Errorf("LogPath(/admin/login) = %q", got)
	}
}
