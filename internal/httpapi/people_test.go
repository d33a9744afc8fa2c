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
