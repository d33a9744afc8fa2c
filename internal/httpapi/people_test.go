package httpapi_test

import (
	"strings"
	"testing"

	"infocentre/internal/centre"
	"infocentre/internal/dynamostore/dynamotest"
	"infocentre/internal/httpapi"
)

func TestPeopleOverAPI(t *testing.T) { testPeople(t, newEnv(t)) }

func TestPeopleOverAPIOnDynamoDB(t *testing.T) {
	if testing.Short() {
		t.Skip("moto_server: not under -short")
	}
	testPeople(t, newEnvOn(t, dynamotest.NewStore(t)))
}

const consoleOrigin = "https://console.example.org"

// testPeople manages a site's people through the staff API: invite (the
// link shown once, refused without a console), list, read, change the
// role with If-Match, end sessions and disable, all audited and for
// admins only.
func testPeople(t *testing.T, e *env) {
	ctx := t.Context()
	people := "/api/v1/admin/sites/demo/people"
	invite := map[string]any{"email": "Ana@Example.org", "name": "Ana Lopes", "role": "editor", "organisation": "Red Cross"}
	e.must(req{method: "GET", path: people, role: centre.RolePublisher}, 403)
	e.must(req{method: "GET", path: people, role: "other-admin"}, 403)
	var list httpapi.PersonList
	e.must(req{method: "GET", path: people, role: centre.RoleAdmin}, 200).json(t, &list)
	if len(list.Items) != 0 {
		t.Fatalf("people before any invitation: %+v", list.Items)
	}
	p := e.must(req{method: "POST", path: people, role: centre.RoleAdmin, body: invite}, 409).problem(t)
	if !strings.Contains(p.Detail, "PUBLIC_ORIGIN") {
		t.Fatalf("refusal without a console says %q", p.Detail)
	}

	e.reconfigure(func(c *httpapi.Config) {
		c.InvitationURL = func(token string) string { return consoleOrigin + "/admin/invite/" + token }
	})
	e.must(req{method: "POST", path: people, role: centre.RoleAdmin, body: map[string]any{"email": "not-an-email", "name": "X", "role": "editor"}}, 400)
	e.must(req{method: "POST", path: people, role: centre.RoleAdmin, body: map[string]any{"email": "o@example.org", "name": "O", "role": "owner"}}, 400)
	var invited httpapi.InvitedPerson
	r := e.must(req{method: "POST", path: people, role: centre.RoleAdmin, body: invite, header: map[string]string{"Idempotency-Key": "invite-ana"}}, 201)
	r.json(t, &invited)
	ana := invited.Person
	if ana.Email != "ana@example.org" || ana.State != centre.PersonInvited || ana.Site != "demo" || ana.Organisation != "Red Cross" ||
		r.Header.Get("Location") != people+"/"+ana.ID {
		t.Fatalf("invited %+v (Location %q)", ana, r.Header.Get("Location"))
	}
	token, ok := strings.CutPrefix(invited.InvitationURL, consoleOrigin+"/admin/invite/")
	if !ok {
		t.Fatalf("invitation_url %q", invited.InvitationURL)
	}
	// The link is a credential: a replay does not show it again.
	e.must(req{method: "POST", path: people, role: centre.RoleAdmin, body: invite, header: map[string]string{"Idempotency-Key": "invite-ana"}}, 409)
	e.must(req{method: "POST", path: people, role: centre.RoleAdmin, body: invite}, 409) // the email is taken

	// The link works: Ana registers a passkey and signs in.
	if _, err := e.svc.AcceptInvitation(ctx, token, centre.Credential{ID: []byte("ana-key"), PublicKey: []byte{1}}); err != nil {
		t.Fatalf("the invitation link from the API does not open: %v", err)
	}
	_, session, err := e.svc.StartSession(ctx, ana.ID, "passkey", "192.0.2.1", nil)
	if err != nil {
		t.Fatal(err)
	}

	e.must(req{method: "GET", path: people, role: centre.RoleAdmin}, 200).json(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != ana.ID || list.Items[0].State != centre.PersonActive || len(list.Items[0].Credentials) != 1 {
		t.Fatalf("people: %+v", list.Items)
	}
	path := people + "/" + ana.ID
	var got centre.Person
	r = e.must(req{method: "GET", path: path, role: centre.RoleAdmin}, 200)
	r.json(t, &got)
	if got.ID != ana.ID || r.Header.Get("ETag") != tag(got.Version) {
		t.Fatalf("person %+v, ETag %q", got, r.Header.Get("ETag"))
	}
	e.must(req{method: "GET", path: "/api/v1/admin/sites/other/people/" + ana.ID, role: "other-admin"}, 404)
	e.must(req{method: "GET", path: people + "/01m8nx19vv3a6zf2x6vb10q1s8", role: centre.RoleAdmin}, 404)

	// Role changes need the version read, and stay within the caller's role.
	e.must(req{method: "PATCH", path: path, role: centre.RoleAdmin, body: map[string]any{"role": "publisher"}}, 428)
	e.must(req{method: "PATCH", path: path, role: centre.RoleAdmin, body: map[string]any{"role": "publisher"}, header: map[string]string{"If-Match": tag(got.Version + 1)}}, 412)
	e.must(req{method: "PATCH", path: path, role: centre.RoleAdmin, body: map[string]any{"role": "owner"}, header: map[string]string{"If-Match": tag(got.Version)}}, 403)
	e.must(req{method: "PATCH", path: path, role: centre.RoleAdmin, body: map[string]any{"role": "chief"}, header: map[string]string{"If-Match": tag(got.Version)}}, 400)
	e.must(req{method: "PATCH", path: path, role: centre.RoleAdmin, body: map[string]any{"role": "publisher"}, header: map[string]string{"If-Match": tag(got.Version)}}, 200).json(t, &got)
	if got.Role != centre.RolePublisher {
		t.Fatalf("role %q", got.Role)
	}

	// Signing out everywhere ends Ana's session at once.
	if _, _, err := e.svc.SessionPrincipal(ctx, session); err != nil {
		t.Fatal(err)
	}
	e.must(req{method: "POST", path: path + "/end-sessions", role: centre.RolePublisher}, 403)
	e.must(req{method: "POST", path: path + "/end-sessions", role: centre.RoleAdmin}, 200)
	if _, _, err := e.svc.SessionPrincipal(ctx, session); !centre.IsCode(err, centre.EUNAUTHORIZED) {
		t.Fatalf("a session survived end-sessions: %v", err)
	}
	e.must(req{method: "POST", path: path + "/disable", role: centre.RoleAdmin}, 200).json(t, &got)
	if got.State != centre.PersonDisabled {
		t.Fatalf("state %q", got.State)
	}
	e.must(req{method: "POST", path: path + "/disable", role: centre.RoleAdmin}, 409)
	if _, err := e.svc.SignInPerson(ctx, ana.ID, ""); !centre.IsCode(err, centre.EUNAUTHORIZED) {
		t.Fatalf("a disabled person signs in: %v", err)
	}

	var log httpapi.AuditList
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/audit?target=" + ana.ID, role: centre.RoleAdmin}, 200).json(t, &log)
	var actions []string
	for _, ev := range log.Items {
		actions = append(actions, ev.Action)
	}
	if want := "person.disable person.disable person.end-sessions person.end-sessions person.role person.role person.role person.role person.role"; strings.Join(actions, " ") != want {
		t.Errorf("audit of %s:\n got  %s\n want %s", ana.ID, strings.Join(actions, " "), want)
	}
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/audit?action=person.invite", role: centre.RoleAdmin}, 200).json(t, &log)
	created := 0
	for _, ev := range log.Items {
		if ev.Outcome == 201 {
			created++
			if ev.Detail != "person "+ana.ID+" invited as editor" || ev.KeyID != e.keyIDs[centre.RoleAdmin] {
				t.Errorf("invitation event %+v", ev)
			}
		}
	}
	if created != 1 || len(log.Items) < 5 { // and the refused ones
		t.Errorf("invitation events: %+v", log.Items)
	}
}

func TestResendInvitationOverAPI(t *testing.T) { testResendInvitation(t, newEnv(t)) }

func TestResendInvitationOverAPIOnDynamoDB(t *testing.T) {
	if testing.Short() {
		t.Skip("moto_server: not under -short")
	}
	testResendInvitation(t, newEnvOn(t, dynamotest.NewStore(t)))
}

// testResendInvitation sends an invitation again through the staff API:
// a new link shown once, the old one revoked, If-Match honoured, only for
// invited people, and an admin scoped to a member organisation manages
// only that organisation's people.
func testResendInvitation(t *testing.T, e *env) {
	ctx := t.Context()
	e.reconfigure(func(c *httpapi.Config) {
		c.InvitationURL = func(token string) string { return consoleOrigin + "/admin/invite/" + token }
	})
	owner := centre.Principal{KeyID: e.keyIDs[centre.RoleOwner], Site: centre.AllSites, Role: centre.RoleOwner}
	k, secret, err := e.svc.CreateKey(ctx, owner, "demo", centre.KeyInput{Role: centre.RoleAdmin, Name: "Red Cross admin", Organisation: "Red Cross"})
	if err != nil {
		t.Fatal(err)
	}
	e.keys["redcross-admin"], e.keyIDs["redcross-admin"] = secret, k.ID
	people := "/api/v1/admin/sites/demo/people"
	var first, again httpapi.InvitedPerson
	e.must(req{method: "POST", path: people, role: centre.RoleAdmin, body: map[string]any{"email": "ana@example.org", "name": "Ana", "role": "editor", "organisation": "MSF"}}, 201).json(t, &first)
	path := people + "/" + first.Person.ID + "/invitation"
	e.must(req{method: "POST", path: path, role: centre.RolePublisher}, 403)
	e.must(req{method: "POST", path: path, role: "redcross-admin"}, 403) // another organisation's person
	e.must(req{method: "POST", path: path, role: centre.RoleAdmin, header: map[string]string{"If-Match": tag(first.Person.Version + 1)}}, 412)
	r := e.must(req{method: "POST", path: path, role: centre.RoleAdmin, header: map[string]string{"If-Match": tag(first.Person.Version), "Idempotency-Key": "again"}}, 200)
	r.json(t, &again)
	if again.Person.ID != first.Person.ID || again.InvitationURL == first.InvitationURL || r.Header.Get("ETag") != tag(again.Person.Version) {
		t.Fatalf("sent again: %+v (ETag %q)", again, r.Header.Get("ETag"))
	}
	// The link is a credential: a replay does not show it again.
	e.must(req{method: "POST", path: path, role: centre.RoleAdmin, header: map[string]string{"Idempotency-Key": "again"}}, 409)
	oldToken := strings.TrimPrefix(first.InvitationURL, consoleOrigin+"/admin/invite/")
	if _, err := e.svc.Invitation(ctx, oldToken); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("the first link after sending again: %v", err)
	}
	newToken := strings.TrimPrefix(again.InvitationURL, consoleOrigin+"/admin/invite/")
	if _, err := e.svc.AcceptInvitation(ctx, newToken, centre.Credential{ID: []byte("ana-key"), PublicKey: []byte{1}}); err != nil {
		t.Fatalf("the new link: %v", err)
	}
	e.must(req{method: "POST", path: path, role: centre.RoleAdmin}, 409) // active now

	// The scoped admin: its own people yes, others' no (role, disable, sessions).
	var own httpapi.InvitedPerson
	e.must(req{method: "POST", path: people, role: "redcross-admin", body: map[string]any{"email": "rc@example.org", "name": "RC", "role": "editor"}}, 201).json(t, &own)
	e.must(req{method: "POST", path: people + "/" + own.Person.ID + "/invitation", role: "redcross-admin"}, 200)
	ana := people + "/" + first.Person.ID
	var got centre.Person
	e.must(req{method: "GET", path: ana, role: centre.RoleAdmin}, 200).json(t, &got)
	e.must(req{method: "PATCH", path: ana, role: "redcross-admin", body: map[string]any{"role": "viewer"}, header: map[string]string{"If-Match": tag(got.Version)}}, 403)
	for _, action := range []string{"/disable", "/end-sessions"} {
		if p := e.must(req{method: "POST", path: ana + action, role: "redcross-admin"}, 403).problem(t); !strings.Contains(p.Detail, "only the people of Red Cross") {
			t.Fatalf("%s refusal says %q", action, p.Detail)
		}
	}
	if after, _ := e.store.GetPerson(ctx, first.Person.ID); after.Version != got.Version || after.State != centre.PersonActive {
		t.Fatalf("refused calls changed the person: %+v", after)
	}
}
