package storetest

import (
	"fmt"
	"testing"
	"time"

	"infocentre/internal/centre"
)

// PeopleTests are the conformance tests of people, sessions and sign-in
// challenges; Run runs them with the others.
var peopleTests = []struct {
	name string
	fn   func(t *testing.T, s centre.Store)
}{
	{"People/CreateGet", testPeopleCreateGet},
	{"People/Update", testPeopleUpdate},
	{"People/List", testPeopleList},
	{"RoundTrip/Person", testRoundTripPerson},
	{"Sessions", testSessions},
	{"Sessions/RoundTrip", testRoundTripSession},
	{"Challenges", testChallenges},
}

// NewPerson returns an invited person of site with role, a fresh ID and a
// passkey. People made later have later CreatedAt and higher IDs.
func NewPerson(site, role, email string) *centre.Person {
	n := seq.Add(1)
	at := Base.Add(time.Duration(n) * time.Millisecond)
	return &centre.Person{
		ID: centre.NewID(at), Email: email, Name: "Person " + email, Organisation: "Member org",
		Site: site, Role: role, State: centre.PersonActive,
		Credentials: []centre.Credential{{ID: []byte{1, 2, byte(n)}, PublicKey: []byte{4, 5, 6}, AttestationType: "none",
			Transports: []string{"internal"}, SignCount: 1, Name: "laptop", CreatedAt: at}},
		CreatedAt: at, CreatedBy: "01jzkeyid0000000000000000a", UpdatedAt: at,
	}
}

func testPeopleCreateGet(t *testing.T, s centre.Store) {
	ctx := t.Context()
	p := NewPerson("demo", centre.RoleEditor, "ana@example.org")
	must(t, s.CreatePerson(ctx, p), "CreatePerson")
	if p.Version != 1 {
		t.Fatalf("CreatePerson set Version %d, want 1", p.Version)
	}
	want := *p
	got, err := s.GetPerson(ctx, p.ID)
	must(t, err, "GetPerson")
	same(t, "GetPerson", got, &want)
	got, err = s.PersonByEmail(ctx, "ana@example.org")
	must(t, err, "PersonByEmail")
	same(t, "PersonByEmail", got, &want)

	_, err = s.GetPerson(ctx, NextID())
	mustCode(t, err, centre.ENOTFOUND, "GetPerson of an unknown ID")
	_, err = s.PersonByEmail(ctx, "nobody@example.org")
	mustCode(t, err, centre.ENOTFOUND, "PersonByEmail of an unknown email")

	again := NewPerson("other", centre.RoleViewer, "ana@example.org")
	mustCode(t, s.CreatePerson(ctx, again), centre.ECONFLICT, "CreatePerson with a taken email")
	sameID := NewPerson("demo", centre.RoleViewer, "bo@example.org")
	sameID.ID = p.ID
	mustCode(t, s.CreatePerson(ctx, sameID), centre.ECONFLICT, "CreatePerson with a taken ID")
	_, err = s.PersonByEmail(ctx, "bo@example.org")
	mustCode(t, err, centre.ENOTFOUND, "a refused CreatePerson reserved its email")

	// Copies: changing a returned person changes nothing stored.
	got.Credentials[0].ID[0] = 99
	got.Name = "changed"
	again2, err := s.GetPerson(ctx, p.ID)
	must(t, err, "GetPerson")
	same(t, "GetPerson after mutating a returned value", again2, &want)
}

func testPeopleUpdate(t *testing.T, s centre.Store) {
	ctx := t.Context()
	p := NewPerson("demo", centre.RoleEditor, "ana@example.org")
	must(t, s.CreatePerson(ctx, p), "CreatePerson")
	other := NewPerson("demo", centre.RoleEditor, "bo@example.org")
	must(t, s.CreatePerson(ctx, other), "CreatePerson")

	stale := *p
	p.Role, p.State, p.SessionsAfter = centre.RolePublisher, centre.PersonDisabled, Base.Add(time.Hour)
	must(t, s.UpdatePerson(ctx, p), "UpdatePerson")
	if p.Version != 2 {
		t.Fatalf("UpdatePerson set Version %d, want 2", p.Version)
	}
	got, err := s.GetPerson(ctx, p.ID)
	must(t, err, "GetPerson")
	same(t, "GetPerson after UpdatePerson", got, p)
	mustCode(t, s.UpdatePerson(ctx, &stale), centre.EPRECONDITION, "UpdatePerson with a stale version")

	// The email moves: the old one is free, the new one taken.
	p.Email = "ana.new@example.org"
	must(t, s.UpdatePerson(ctx, p), "UpdatePerson with a new email")
	_, err = s.PersonByEmail(ctx, "ana@example.org")
	mustCode(t, err, centre.ENOTFOUND, "PersonByEmail of the old email")
	got, err = s.PersonByEmail(ctx, "ana.new@example.org")
	must(t, err, "PersonByEmail of the new email")
	same(t, "PersonByEmail of the new email", got, p)
	p.Email = "bo@example.org"
	mustCode(t, s.UpdatePerson(ctx, p), centre.ECONFLICT, "UpdatePerson to a taken email")
	p.Email = "ana.new@example.org"
	got, err = s.GetPerson(ctx, p.ID)
	must(t, err, "GetPerson")
	same(t, "a refused UpdatePerson changed nothing", got, p)

	ghost := NewPerson("demo", centre.RoleEditor, "ghost@example.org")
	ghost.Version = 1
	mustCode(t, s.UpdatePerson(ctx, ghost), centre.ENOTFOUND, "UpdatePerson of an unknown person")
}

func testPeopleList(t *testing.T, s centre.Store) {
	ctx := t.Context()
	var want []string
	for i := range 3 {
		p := NewPerson("demo", centre.RoleEditor, fmt.Sprintf("p%d@example.org", i))
		must(t, s.CreatePerson(ctx, p), "CreatePerson")
		want = append(want, p.ID)
	}
	must(t, s.CreatePerson(ctx, NewPerson("other", centre.RoleEditor, "x@example.org")), "CreatePerson")
	owner := NewPerson(centre.AllSites, centre.RoleOwner, "owner@example.org")
	must(t, s.CreatePerson(ctx, owner), "CreatePerson")
	list, err := s.ListPeople(ctx, "demo")
	must(t, err, "ListPeople")
	if got := personIDs(list); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("ListPeople demo: %v, want %v (oldest first, this site only)", got, want)
	}
	list, err = s.ListPeople(ctx, centre.AllSites)
	must(t, err, "ListPeople owners")
	if got := personIDs(list); len(got) != 1 || got[0] != owner.ID {
		t.Fatalf("ListPeople AllSites: %v, want [%s]", got, owner.ID)
	}
	list, err = s.ListPeople(ctx, "empty")
	if err != nil || len(list) != 0 {
		t.Fatalf("ListPeople of a site without people: %v, %v", list, err)
	}
}

func personIDs(list []*centre.Person) []string {
	ids := make([]string, len(list))
	for i, p := range list {
		ids[i] = p.ID
	}
	return ids
}

func testRoundTripPerson(t *testing.T, s centre.Store) {
	ctx := t.Context()
	p := &centre.Person{}
	fill(t, p, 0)
	p.ID, p.Site, p.Email = NextID(), "round-trip", "filled@example.org"
	if z := zeroFields(p); len(z) > 0 {
		t.Fatalf("storetest fixture: person fields %v left zero", z)
	}
	want := *p
	want.Version = 1
	must(t, s.CreatePerson(ctx, p), "CreatePerson of a person with every field set")
	got, err := s.GetPerson(ctx, p.ID)
	must(t, err, "GetPerson")
	checkUTC(t, "GetPerson", got)
	same(t, "GetPerson after CreatePerson (every field set)", got, &want)
	got, err = s.PersonByEmail(ctx, p.Email)
	must(t, err, "PersonByEmail")
	same(t, "PersonByEmail after CreatePerson (every field set)", got, &want)
	list, err := s.ListPeople(ctx, "round-trip")
	must(t, err, "ListPeople")
	if len(list) != 1 {
		t.Fatalf("ListPeople: %d people, want 1", len(list))
	}
	same(t, "ListPeople after CreatePerson (every field set)", list[0], &want)

	upd := &centre.Person{}
	fill(t, upd, 1000)
	upd.ID, upd.Site, upd.Email, upd.Version = p.ID, "round-trip", "changed@example.org", 1
	must(t, s.UpdatePerson(ctx, upd), "UpdatePerson with every field changed")
	got, err = s.GetPerson(ctx, p.ID)
	must(t, err, "GetPerson")
	same(t, "GetPerson after UpdatePerson (every field changed)", got, upd)
}

func testSessions(t *testing.T, s centre.Store) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Millisecond)
	sess := &centre.Session{Hash: centre.HashToken("a"), PersonID: NextID(), Method: "passkey",
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour), Client: "192.0.2.1"}
	must(t, s.CreateSession(ctx, sess), "CreateSession")
	mustCode(t, s.CreateSession(ctx, sess), centre.ECONFLICT, "CreateSession with a taken hash")
	got, err := s.GetSession(ctx, sess.Hash)
	must(t, err, "GetSession")
	same(t, "GetSession", got, sess)

	later := now.Add(5 * time.Minute)
	must(t, s.TouchSession(ctx, sess.Hash, later), "TouchSession")
	got, err = s.GetSession(ctx, sess.Hash)
	must(t, err, "GetSession")
	want := *sess
	want.LastSeenAt = later
	same(t, "GetSession after TouchSession", got, &want)
	mustCode(t, s.TouchSession(ctx, centre.HashToken("unknown"), later), centre.ENOTFOUND, "TouchSession of an unknown session")

	must(t, s.DeleteSession(ctx, sess.Hash), "DeleteSession")
	_, err = s.GetSession(ctx, sess.Hash)
	mustCode(t, err, centre.ENOTFOUND, "GetSession after DeleteSession")
	must(t, s.DeleteSession(ctx, sess.Hash), "DeleteSession of a deleted session")

}

func testRoundTripSession(t *testing.T, s centre.Store) {
	ctx := t.Context()
	sess := &centre.Session{}
	fill(t, sess, 0)
	sess.ExpiresAt = time.Now().UTC().Add(time.Hour).Truncate(time.Millisecond)
	must(t, s.CreateSession(ctx, sess), "CreateSession with every field set")
	got, err := s.GetSession(ctx, sess.Hash)
	must(t, err, "GetSession")
	checkUTC(t, "GetSession", got)
	same(t, "GetSession (every field set)", got, sess)
}

func testChallenges(t *testing.T, s centre.Store) {
	ctx := t.Context()
	c := &centre.Challenge{}
	fill(t, c, 0)
	c.ExpiresAt = time.Now().UTC().Add(time.Minute).Truncate(time.Millisecond)
	must(t, s.CreateChallenge(ctx, c), "CreateChallenge with every field set")
	mustCode(t, s.CreateChallenge(ctx, c), centre.ECONFLICT, "CreateChallenge with a taken hash")
	got, err := s.TakeChallenge(ctx, c.Hash)
	must(t, err, "TakeChallenge")
	checkUTC(t, "TakeChallenge", got)
	same(t, "TakeChallenge (every field set)", got, c)
	_, err = s.TakeChallenge(ctx, c.Hash)
	mustCode(t, err, centre.ENOTFOUND, "a second TakeChallenge")
	_, err = s.TakeChallenge(ctx, centre.HashToken("unknown"))
	mustCode(t, err, centre.ENOTFOUND, "TakeChallenge of an unknown challenge")
}
