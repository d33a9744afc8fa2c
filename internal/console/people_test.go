package console_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"infocentre/internal/centre"
	"infocentre/internal/console"
)

var inviteURL = regexp.MustCompile(`value="(https://console\.example\.org/admin/invite/[^"]+)"`)

func TestPeople(t *testing.T) {
	e := newEnv(t, console.OIDC{})
	admin, ad := e.signedIn(t, "ad@example.org", centre.RoleAdmin)
	other, ed := e.signedIn(t, "ed@example.org", centre.RoleEditor)
	status, page := admin.get("/admin/sites/demo/people")
	if status != http.StatusOK {
		t.Fatalf("people: %d", status)
	}
	mustContain(t, "the people list", page, "ad@example.org", "ed@example.org", "(you)", "active", `action="/admin/sites/demo/people/`+ed.ID+`/disable"`)
	if strings.Contains(page, `/people/`+ad.ID+`/disable`) {
		t.Fatal("an admin is offered to disable themselves")
	}
	if strings.Contains(page, `<option value="owner"`) {
		t.Fatal("an admin is offered the owner role")
	}

	// Invite: the one-time absolute link is shown on this answer only.
	status, page = admin.post("/admin/sites/demo/people", url.Values{"email": {"New@Example.org"}, "name": {"Nia New"}, "role": {"publisher"}, "organisation": {"Red Cross"}})
	if status != http.StatusOK {
		t.Fatalf("invite: %d\n%s", status, page)
	}
	m := inviteURL.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no absolute invitation link:\n%s", page)
	}
	link := html.UnescapeString(m[1])
	token := strings.TrimPrefix(link, origin+"/admin/invite/")
	if status, _ := e.browser(t).get("/admin/invite/" + token); status != http.StatusOK {
		t.Fatalf("the invitation link: %d", status)
	}
	_, page = admin.get("/admin/sites/demo/people")
	mustContain(t, "the list after inviting", page, "new@example.org", "Red Cross", "invited", "never")
	if strings.Contains(page, token) {
		t.Fatal("the invitation link is shown again")
	}
	if strings.Contains(e.logs.String(), token) {
		t.Fatal("the invitation token is logged")
	}
	if ev := e.lastAudit(t, "demo", "person.invite"); ev.Outcome != http.StatusOK || ev.PersonID != ad.ID || strings.Contains(ev.Detail, token) {
		t.Fatalf("audit: %+v", ev)
	}
	// Field errors show on the form; a role above one's own is refused.
	status, page = admin.post("/admin/sites/demo/people", url.Values{"email": {"nope"}, "name": {""}, "role": {"editor"}})
	if status != http.StatusBadRequest {
		t.Fatalf("invalid invitation: %d", status)
	}
	mustContain(t, "the invalid invitation", page, `id="email-error"`, `id="name-error"`, `value="nope"`)
	if status, _ := admin.post("/admin/sites/demo/people", url.Values{"email": {"o@example.org"}, "name": {"O"}, "role": {"owner"}}); status != http.StatusForbidden {
		t.Fatalf("an admin inviting an owner: %d", status)
	}

	// Change a role (with the version shown); a stale version is explained.
	current, _ := e.store.GetPerson(t.Context(), ed.ID)
	mustContain(t, "the role form", page, `name="version" value="`+itoa(current.Version)+`"`)
	if status, body := admin.post("/admin/sites/demo/people/"+ed.ID+"/role", url.Values{"role": {"publisher"}, "version": {itoa(current.Version)}}); status != http.StatusSeeOther {
		t.Fatalf("change role: %d\n%s", status, body)
	}
	stored, _ := e.store.GetPerson(t.Context(), ed.ID)
	if stored.Role != centre.RolePublisher {
		t.Fatalf("role: %s", stored.Role)
	}
	if ev := e.lastAudit(t, "demo", "person.role"); ev.Outcome != http.StatusOK || ev.Target != ed.ID || ev.Detail != "publisher" {
		t.Fatalf("audit: %+v", ev)
	}
	status, page = admin.post("/admin/sites/demo/people/"+ed.ID+"/role", url.Values{"role": {"viewer"}, "version": {"1"}})
	if status != http.StatusConflict {
		t.Fatalf("a stale role change: %d", status)
	}
	mustContain(t, "the stale role change", page, "someone changed this person after you opened the page")

	// End sessions, then disable.
	if status, _ := other.get("/admin/account"); status != http.StatusOK {
		t.Fatal("the editor is not signed in")
	}
	if status, _ := admin.post("/admin/sites/demo/people/"+ed.ID+"/sessions", nil); status != http.StatusSeeOther {
		t.Fatalf("end sessions: %d", status)
	}
	if status, _ := other.get("/admin/account"); status != http.StatusSeeOther {
		t.Fatalf("the editor after their sessions ended: %d", status)
	}
	if status, _ := admin.post("/admin/sites/demo/people/"+ed.ID+"/disable", nil); status != http.StatusSeeOther {
		t.Fatalf("disable: %d", status)
	}
	if stored, _ := e.store.GetPerson(t.Context(), ed.ID); stored.State != centre.PersonDisabled {
		t.Fatalf("state: %s", stored.State)
	}
	status, page = admin.post("/admin/sites/demo/people/"+ad.ID+"/disable", nil)
	if status != http.StatusConflict {
		t.Fatalf("disabling oneself: %d", status)
	}
	mustContain(t, "disabling oneself", page, "you cannot disable yourself")
	if ev := e.lastAudit(t, "demo", "person.disable"); ev.Outcome != http.StatusConflict || ev.Target != ad.ID {
		t.Fatalf("audit: %+v", ev)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestOwners: owners manage owners (list, invite, end sessions,
// disable) and owner keys on the owners' screens; a site admin cannot.
func TestOwners(t *testing.T) {
	e := newEnv(t, console.OIDC{})
	owner, me := e.signedIn(t, "own@example.org", centre.RoleOwner)
	other, them := e.signedIn(t, "two@example.org", centre.RoleOwner)
	admin, _ := e.signedIn(t, "ad@example.org", centre.RoleAdmin)
	for _, path := range []string{"/admin/people", "/admin/keys"} {
		if status, _ := admin.get(path); status != http.StatusForbidden {
			t.Fatalf("an admin GET %s: %d", path, status)
		}
	}
	if status, _ := admin.post("/admin/people", url.Values{"email": {"x@example.org"}, "name": {"X"}, "role": {"owner"}}); status != http.StatusForbidden {
		t.Fatalf("an admin inviting an owner: %d", status)
	}
	if status, _ := admin.post("/admin/keys", url.Values{"name": {"x"}}); status != http.StatusForbidden {
		t.Fatalf("an admin issuing an owner key: %d", status)
	}
	status, page := owner.get("/admin/people")
	if status != http.StatusOK {
		t.Fatalf("owners: %d", status)
	}
	mustContain(t, "the owners", page, "Owners", "two@example.org", `action="/admin/people/`+them.ID+`/disable"`, `name="role" value="owner"`)
	if strings.Contains(page, "ad@example.org") || strings.Contains(page, "/role\"") {
		t.Fatalf("the owners page lists a site's people or offers a role change:\n%s", page)
	}
	status, page = owner.post("/admin/people", url.Values{"email": {"three@example.org"}, "name": {"Third Owner"}})
	if status != http.StatusOK || inviteURL.FindStringSubmatch(page) == nil {
		t.Fatalf("inviting an owner: %d\n%s", status, page)
	}
	if p, err := e.store.PersonByEmail(t.Context(), "three@example.org"); err != nil || p.Role != centre.RoleOwner || p.Site != centre.AllSites {
		t.Fatalf("the invited owner: %+v %v", p, err)
	}
	if status, _ := owner.post("/admin/people/"+them.ID+"/sessions", nil); status != http.StatusSeeOther || owner.last.Header.Get("Location") != "/admin/people?done=sessions" {
		t.Fatalf("ending an owner's sessions: %d %s", status, owner.last.Header.Get("Location"))
	}
	if status, _ := other.get("/admin/account"); status != http.StatusSeeOther {
		t.Fatalf("the other owner after their sessions ended: %d", status)
	}
	if status, _ := owner.post("/admin/people/"+them.ID+"/disable", nil); status != http.StatusSeeOther {
		t.Fatalf("disabling an owner: %d", status)
	}
	if ev := e.lastAudit(t, centre.AllSites, "person.disable"); ev.Outcome != http.StatusOK || ev.PersonID != me.ID || ev.Target != them.ID {
		t.Fatalf("audit: %+v", ev)
	}
	// Owner keys: issued with the owner role whatever the form says.
	status, page = owner.post("/admin/keys", url.Values{"name": {"deploy"}, "role": {"viewer"}})
	secret := keySecret.FindString(page)
	if status != http.StatusOK || secret == "" {
		t.Fatalf("issuing an owner key: %d\n%s", status, page)
	}
	if p, err := e.svc.Authenticate(t.Context(), secret); err != nil || p.Role != centre.RoleOwner || p.Site != centre.AllSites {
		t.Fatalf("the owner key: %+v %v", p, err)
	}
	_, page = owner.get("/admin/keys")
	if keySecret.MatchString(page) || !strings.Contains(page, "deploy") {
		t.Fatal("the owner keys page")
	}
}

// TestScopedAdminPeople: an admin scoped to a member organisation sees
// the site's other people read only, and a forged post about them is
// refused (403, audited, nothing changed); its own people it manages,
// and sends their invitation again. On both stores.
func TestScopedAdminPeople(t *testing.T) { eachStore(t, testScopedAdminPeople) }

func testScopedAdminPeople(t *testing.T, open openStore) {
	e := newEnvOn(t, open, console.Config{})
	admin, ad := e.signedInFor(t, "ad@redcross.example", centre.RoleAdmin, "Red Cross")
	_, msf := e.signedInFor(t, "ed@msf.example", centre.RoleEditor, "MSF")
	_, staff := e.signedIn(t, "staff@example.org", centre.RoleEditor)
	own, firstToken, err := e.svc.InvitePerson(t.Context(), centre.Principal{PersonID: ad.ID, Site: "demo", Role: centre.RoleAdmin, Organisation: "Red Cross"},
		"demo", centre.PersonInput{Email: "new@redcross.example", Name: "Nia New", Role: centre.RoleEditor})
	if err != nil {
		t.Fatal(err)
	}
	status, page := admin.get("/admin/sites/demo/people")
	if status != http.StatusOK {
		t.Fatalf("people: %d", status)
	}
	mustContain(t, "the scoped admin's list", page, "ed@msf.example", "staff@example.org", "Another organisation's: read only",
		`action="/admin/sites/demo/people/`+own.ID+`/disable"`, `action="/admin/sites/demo/people/`+own.ID+`/invitation"`)
	for _, other := range []*centre.Person{msf, staff} {
		mustNotContain(t, "the scoped admin's list", page, `/people/`+other.ID+`/`)
	}
	for _, other := range []*centre.Person{msf, staff} {
		before, _ := e.store.GetPerson(t.Context(), other.ID)
		for _, tc := range []struct {
			path string
			form url.Values
		}{
			{"/role", url.Values{"role": {"viewer"}, "version": {itoa(before.Version)}}},
			{"/disable", nil},
			{"/sessions", nil},
			{"/invitation", url.Values{"version": {itoa(before.Version)}}},
		} {
			status, page := admin.post("/admin/sites/demo/people/"+other.ID+tc.path, tc.form)
			if status != http.StatusForbidden {
				t.Fatalf("a scoped admin's POST %s for %s: %d", tc.path, other.Email, status)
			}
			mustContain(t, "the refusal", page, "you act for Red Cross and may manage only the people of Red Cross")
		}
		if after, _ := e.store.GetPerson(t.Context(), other.ID); after.Version != before.Version || after.State != centre.PersonActive {
			t.Fatalf("refused posts changed %s: %+v", other.Email, after)
		}
		if ev := e.lastAudit(t, "demo", "person.disable"); ev.Outcome != http.StatusForbidden || ev.PersonID != ad.ID {
			t.Fatalf("the refused disable is audited as %+v", ev)
		}
	}

	// Its own invited person: a new link, shown once; the old one is dead.
	status, page = admin.post("/admin/sites/demo/people/"+own.ID+"/invitation", url.Values{"version": {itoa(own.Version)}})
	if status != http.StatusOK {
		t.Fatalf("send again: %d\n%s", status, page)
	}
	m := inviteURL.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no new invitation link:\n%s", page)
	}
	mustContain(t, "sent again", page, "A new invitation link is made; the one sent before no longer works.", "Invitation for Nia New")
	newToken := strings.TrimPrefix(html.UnescapeString(m[1]), origin+"/admin/invite/")
	if newToken == firstToken {
		t.Fatal("the same link was sent again")
	}
	if status, _ := e.browser(t).get("/admin/invite/" + firstToken); status != http.StatusNotFound {
		t.Fatalf("the first link after sending again: %d", status)
	}
	if status, _ := e.browser(t).get("/admin/invite/" + newToken); status != http.StatusOK {
		t.Fatalf("the new link: %d", status)
	}
	if strings.Contains(e.logs.String(), newToken) {
		t.Fatal("the new invitation token is logged")
	}
	if ev := e.lastAudit(t, "demo", "person.reinvite"); ev.Outcome != http.StatusOK || ev.Target != own.ID || ev.PersonID != ad.ID {
		t.Fatalf("audit: %+v", ev)
	}
	// A stale form: explained, nothing sent.
	status, page = admin.post("/admin/sites/demo/people/"+own.ID+"/invitation", url.Values{"version": {itoa(own.Version)}})
	if status != http.StatusConflict {
		t.Fatalf("a stale send again: %d", status)
	}
	mustContain(t, "a stale send again", page, "someone changed this person after you opened the page")
	if inviteURL.MatchString(page) {
		t.Fatal("a stale send again shows a link")
	}
}
