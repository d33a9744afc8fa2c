package centre_test

import (
	"slices"
	"testing"
	"time"

	"infocentre/internal/centre"
)

// orgKey issues a key of a member organisation as p and returns the
// principal it authenticates as.
func (f *fixture) orgKey(p centre.Principal, site, role, org string) centre.Principal {
	f.t.Helper()
	_, secret, err := f.svc.CreateKey(f.t.Context(), p, site, centre.KeyInput{Role: role, Name: org + " " + role, Organisation: org})
	if err != nil {
		f.t.Fatalf("CreateKey %s/%s for %s: %v", site, role, org, err)
	}
	got, err := f.svc.Authenticate(f.t.Context(), secret)
	if err != nil {
		f.t.Fatal(err)
	}
	if got.Organisation != org {
		f.t.Fatalf("Authenticate: Organisation %q, want %q", got.Organisation, org)
	}
	return got
}

// TestOrganisationScope (on both stores): a key of a member organisation creates entries
// that name it, changes only those, never removes its name from them, and
// reads what its role allows.
func TestOrganisationScope(t *testing.T) { onEachStore(t, testOrganisationScope) }

func testOrganisationScope(t *testing.T, f *fixture) {
	ctx := t.Context()
	const org = "Croix-Rouge de Belgique"
	editor := f.orgKey(f.owner, "demo", centre.RoleEditor, org)
	publisher := f.orgKey(f.owner, "demo", centre.RolePublisher, org)
	staff, _, _ := f.key(f.owner, "demo", centre.RolePublisher, time.Time{})

	// Creating adds the organisation, once.
	own, err := f.svc.CreateEntry(ctx, editor, "demo", centre.EntryInput{Content: centre.Content{Type: centre.TypeStatement, Title: "Ours"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(own.Organisations, []string{org}) {
		t.Fatalf("organisations %v, want [%s]", own.Organisations, org)
	}
	joint, err := f.svc.CreateEntry(ctx, editor, "demo", centre.EntryInput{Content: centre.Content{Type: centre.TypeStatement, Title: "Joint",
		Organisations: []string{"Médecins du Monde", "croix rouge de belgique"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(joint.Organisations) != 2 {
		t.Fatalf("an organisation named in another spelling was added again: %v", joint.Organisations)
	}

	// Entries of others: readable, never changed.
	theirs, err := f.svc.CreateEntry(ctx, staff, "demo", centre.EntryInput{Content: centre.Content{Type: centre.TypeStatement, Title: "Theirs",
		Organisations: []string{"Médecins du Monde"}}})
	if err != nil {
		t.Fatal(err)
	}
	published, err := f.svc.CreateEntry(ctx, staff, "demo", centre.EntryInput{Content: centre.Content{Type: centre.TypeNews, Title: "Public"}, Status: centre.StatusPublished})
	if err != nil {
		t.Fatal(err)
	}
	scheduled, err := f.svc.CreateEntry(ctx, staff, "demo", centre.EntryInput{Content: centre.Content{Type: centre.TypeNews, Title: "Later"},
		Status: centre.StatusScheduled, PublishAt: f.now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Entry(ctx, editor, "demo", theirs.ID); err != nil {
		t.Fatalf("a scoped key cannot read another's entry: %v", err)
	}
	title := "Taken over"
	refused := map[string]error{}
	_, refused["UpdateEntry"] = f.svc.UpdateEntry(ctx, editor, "demo", theirs.ID, centre.EntryPatch{ContentPatch: centre.ContentPatch{Title: &title}}, 0)
	refused["DeleteEntry"] = f.svc.DeleteEntry(ctx, editor, "demo", theirs.ID, 0)
	_, refused["RequestReview"] = f.svc.RequestReview(ctx, editor, "demo", theirs.ID, 0, "")
	_, refused["Restore"] = f.svc.Restore(ctx, editor, "demo", theirs.ID, 1, 0, "", "")
	_, refused["CreatePreview"] = f.svc.CreatePreview(ctx, editor, "demo", theirs.ID, time.Hour)
	_, refused["RevokePreviews"] = f.svc.RevokePreviews(ctx, editor, "demo", theirs.ID)
	_, refused["Publish"] = f.svc.Publish(ctx, publisher, "demo", theirs.ID, 0, "")
	_, refused["Approve"] = f.svc.Approve(ctx, publisher, "demo", theirs.ID, 0, "")
	_, refused["RequestChanges"] = f.svc.RequestChanges(ctx, publisher, "demo", theirs.ID, 0, "no")
	_, refused["Unschedule"] = f.svc.Unschedule(ctx, publisher, "demo", scheduled.ID, 0)
	_, refused["Withdraw"] = f.svc.Withdraw(ctx, publisher, "demo", published.ID, 0, "wrong", "")
	for name, err := range refused {
		wantCode(t, err, centre.EFORBIDDEN, name+" on another organisation's entry")
	}
	for _, e := range []*centre.Entry{theirs, published, scheduled} {
		if got, _ := f.store.GetEntry(ctx, "demo", e.ID); got.Version != e.Version {
			t.Errorf("a refused change wrote entry %s (v%d, was v%d)", e.Title, got.Version, e.Version)
		}
	}

	// Its own: changed, but never without its name.
	other := []string{"Médecins du Monde"}
	_, err = f.svc.UpdateEntry(ctx, editor, "demo", own.ID, centre.EntryPatch{ContentPatch: centre.ContentPatch{Organisations: &other}}, own.Version)
	wantCode(t, err, centre.EFORBIDDEN, "remove one's organisation")
	both := []string{"Médecins du Monde", org}
	if own, err = f.svc.UpdateEntry(ctx, editor, "demo", own.ID, centre.EntryPatch{ContentPatch: centre.ContentPatch{Organisations: &both}}, own.Version); err != nil {
		t.Fatal(err)
	}
	if own, err = f.svc.Publish(ctx, publisher, "demo", own.ID, own.Version, ""); err != nil || own.Status != centre.StatusPublished {
		t.Fatalf("publish its own entry: %v", err)
	}
	_, err = f.svc.Publish(ctx, editor, "demo", joint.ID, joint.Version, "")
	wantCode(t, err, centre.EFORBIDDEN, "publish as a scoped editor")

	// Restoring a revision that did not name it is removing it.
	staffOwn, err := f.svc.CreateEntry(ctx, staff, "demo", centre.EntryInput{Content: centre.Content{Type: centre.TypeStatement, Title: "Adopted"}})
	if err != nil {
		t.Fatal(err)
	}
	adopt := []string{org}
	if staffOwn, err = f.svc.UpdateEntry(ctx, staff, "demo", staffOwn.ID, centre.EntryPatch{ContentPatch: centre.ContentPatch{Organisations: &adopt}}, staffOwn.Version); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Restore(ctx, editor, "demo", staffOwn.ID, 1, staffOwn.Version, "", "")
	wantCode(t, err, centre.EFORBIDDEN, "restore a revision without one's organisation")

	// Reads are not narrowed.
	page, err := f.svc.Entries(ctx, editor, centre.EntryQuery{Site: "demo", Limit: centre.MaxPageSize})
	if err != nil || len(page.Items) != 6 {
		t.Fatalf("a scoped key lists %d entries (%v), want 6", len(page.Items), err)
	}
}

// TestOrganisationScopeOfKeysAndPeople: a scoped admin issues keys and
// invites people of its own organisation only, and a signed-in person of
// an organisation is scoped like a key.
func TestOrganisationScopeOfKeysAndPeople(t *testing.T) {
	onEachStore(t, testOrganisationScopeOfKeysAndPeople)
}

func testOrganisationScopeOfKeysAndPeople(t *testing.T, f *fixture) {
	ctx := t.Context()
	const org = "Red Cross"
	admin := f.orgKey(f.owner, "demo", centre.RoleAdmin, org)
	k, _, err := f.svc.CreateKey(ctx, admin, "demo", centre.KeyInput{Role: centre.RoleEditor})
	if err != nil || k.Organisation != org {
		t.Fatalf("a scoped admin's key: %+v %v", k, err)
	}
	_, _, err = f.svc.CreateKey(ctx, admin, "demo", centre.KeyInput{Role: centre.RoleEditor, Organisation: "Another"})
	wantCode(t, err, centre.EFORBIDDEN, "a scoped admin issues a key of another organisation")
	_, _, err = f.svc.CreateKey(ctx, f.owner, "demo", centre.KeyInput{Role: centre.RoleEditor, Organisation: "\u200bRed Cross"})
	wantCode(t, err, centre.EINVALID, "an organisation with an invisible character")

	invited, _, err := f.svc.InvitePerson(ctx, admin, "demo", centre.PersonInput{Email: "a@redcross.example", Name: "A", Role: centre.RoleEditor})
	if err != nil || invited.Organisation != org {
		t.Fatalf("a scoped admin's invitation: %+v %v", invited, err)
	}
	_, _, err = f.svc.InvitePerson(ctx, admin, "demo", centre.PersonInput{Email: "b@example.org", Name: "B", Role: centre.RoleEditor, Organisation: "Another"})
	wantCode(t, err, centre.EFORBIDDEN, "a scoped admin invites a person of another organisation")

	// A person of an organisation, signed in, is scoped.
	_, token, err := f.svc.InvitePerson(ctx, f.owner, "demo", centre.PersonInput{Email: "c@msf.example", Name: "C", Role: centre.RoleEditor, Organisation: "MSF"})
	if err != nil {
		t.Fatal(err)
	}
	person, err := f.svc.AcceptInvitation(ctx, token, centre.Credential{ID: []byte("c"), PublicKey: []byte{1}})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := f.signIn(person)
	if p.Organisation != "MSF" {
		t.Fatalf("SessionPrincipal: Organisation %q", p.Organisation)
	}
	e, err := f.svc.CreateEntry(ctx, f.owner, "demo", centre.EntryInput{Content: centre.Content{Type: centre.TypeStatement, Title: "Owner's"}})
	if err != nil {
		t.Fatal(err)
	}
	title := "x"
	_, err = f.svc.UpdateEntry(ctx, p, "demo", e.ID, centre.EntryPatch{ContentPatch: centre.ContentPatch{Title: &title}}, 0)
	wantCode(t, err, centre.EFORBIDDEN, "a scoped person changes an entry of no organisation")
}

// TestScopedAdminManagesOwnPeopleOnly: an admin scoped to a member
// organisation changes the role of, disables, ends the sessions of and
// re-invites only the people of that organisation; Principal.Manages
// says the same.
func TestScopedAdminManagesOwnPeopleOnly(t *testing.T) {
	onEachStore(t, testScopedAdminManagesOwnPeopleOnly)
}

func testScopedAdminManagesOwnPeopleOnly(t *testing.T, f *fixture) {
	ctx := t.Context()
	admin := f.orgKey(f.owner, "demo", centre.RoleAdmin, "Red Cross")
	own, _, err := f.svc.InvitePerson(ctx, admin, "demo", centre.PersonInput{Email: "own@redcross.example", Name: "Own", Role: centre.RoleEditor})
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := f.svc.InvitePerson(ctx, f.owner, "demo", centre.PersonInput{Email: "b@msf.example", Name: "B", Role: centre.RoleEditor, Organisation: "MSF"})
	if err != nil {
		t.Fatal(err)
	}
	none := f.person(f.owner, "demo", centre.RoleEditor, "staff@example.org")
	for _, p := range []*centre.Person{other, none} {
		before, _ := f.store.GetPerson(ctx, p.ID)
		_, err := f.svc.SetPersonRole(ctx, admin, "demo", p.ID, centre.RoleViewer, 0)
		wantCode(t, err, centre.EFORBIDDEN, "a scoped admin changes the role of "+p.Email)
		_, err = f.svc.DisablePerson(ctx, admin, "demo", p.ID)
		wantCode(t, err, centre.EFORBIDDEN, "a scoped admin disables "+p.Email)
		_, err = f.svc.EndSessions(ctx, admin, "demo", p.ID)
		wantCode(t, err, centre.EFORBIDDEN, "a scoped admin ends the sessions of "+p.Email)
		_, _, err = f.svc.ResendInvitation(ctx, admin, "demo", p.ID, 0)
		wantCode(t, err, centre.EFORBIDDEN, "a scoped admin re-invites "+p.Email)
		if after, _ := f.store.GetPerson(ctx, p.ID); after.Version != before.Version {
			t.Fatalf("refused calls changed %s: v%d → v%d", p.Email, before.Version, after.Version)
		}
		if admin.Manages(p) {
			t.Fatalf("Manages(%s) for an admin of Red Cross", p.Email)
		}
	}
	if !admin.Manages(own) || !f.owner.Manages(other) {
		t.Fatal("Manages refuses what the Service allows")
	}
	// People of its own organisation (spelt otherwise) it manages.
	if _, err := f.svc.SetPersonRole(ctx, admin, "demo", own.ID, centre.RolePublisher, 0); err != nil {
		t.Fatalf("a scoped admin changes the role of its own person: %v", err)
	}
	if _, err := f.svc.DisablePerson(ctx, admin, "demo", own.ID); err != nil {
		t.Fatalf("a scoped admin disables its own person: %v", err)
	}
}

// TestResendInvitation: a new one-time link for an invited person; the
// old link stops working, the new one is valid for InvitationLifetime
// from now; only invited people are re-invited.
func TestResendInvitation(t *testing.T) { onEachStore(t, testResendInvitation) }

func testResendInvitation(t *testing.T, f *fixture) {
	ctx := t.Context()
	p, first, err := f.svc.InvitePerson(ctx, f.owner, "demo", centre.PersonInput{Email: "late@example.org", Name: "Late", Role: centre.RoleEditor})
	if err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(71 * time.Hour)
	_, _, err = f.svc.ResendInvitation(ctx, f.owner, "demo", p.ID, p.Version+1)
	wantCode(t, err, centre.EPRECONDITION, "re-inviting with a stale version")
	again, second, err := f.svc.ResendInvitation(ctx, f.owner, "demo", p.ID, p.Version)
	if err != nil || second == first || !again.InviteExpires.Equal(f.now.Add(centre.InvitationLifetime)) || again.State != centre.PersonInvited {
		t.Fatalf("ResendInvitation: %+v %v", again, err)
	}
	_, err = f.svc.Invitation(ctx, first)
	wantCode(t, err, centre.ENOTFOUND, "the first link after a new one was sent")
	f.now = f.now.Add(2 * time.Hour) // the first link would have expired by now; the new one has not
	if _, err := f.svc.AcceptInvitation(ctx, second, centre.Credential{ID: []byte("k"), PublicKey: []byte{1}}); err != nil {
		t.Fatalf("the new link: %v", err)
	}
	_, _, err = f.svc.ResendInvitation(ctx, f.owner, "demo", p.ID, 0)
	wantCode(t, err, centre.ECONFLICT, "re-inviting an active person")
	_, _, err = f.svc.ResendInvitation(ctx, f.owner, "demo", "01jnobodynobodynobodynobod", 0)
	wantCode(t, err, centre.ENOTFOUND, "re-inviting nobody")
}
