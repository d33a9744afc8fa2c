package centre

import (
	"context"
	"net/mail"
	"strings"
	"time"
)

// PersonInput invites a person.
type PersonInput struct {
	Email        string `json:"email"`
	Name         string `json:"name"`
	Role         string `json:"role"`
	Organisation string `json:"organisation"`
}

// InvitePerson invites a person to site (AllSites, or the owner role, for
// an owner) with a role no higher than the caller's, and returns the
// person with a one-time invitation token, valid InvitationLifetime and
// stored only as its hash: the caller passes it on (as a link to
// /admin/invite/{token}). Needs the admin role on the site (owners for
// owners); the site must not be archived. Returns EINVALID, EFORBIDDEN,
// ENOTFOUND (site), ECONFLICT (email taken, archived site). A caller
// scoped to an organisation invites only people of that organisation (an
// empty Organisation means the caller's).
func (s *Service) InvitePerson(ctx context.Context, p Principal, site string, in PersonInput) (*Person, string, error) {
	org, err := sameOrganisation(p, in.Organisation, "invite people")
	if err != nil {
		return nil, "", err
	}
	in.Organisation = org
	if site == AllSites || in.Role == RoleOwner {
		if p.Role != RoleOwner {
			return nil, "", Errorf(EFORBIDDEN, "only owners may invite owners")
		}
		site, in.Role = AllSites, RoleOwner
	} else {
		if _, err := s.writableSite(ctx, p, site, RoleAdmin); err != nil {
			return nil, "", err
		}
		if RoleRank(in.Role) > RoleRank(p.Role) {
			return nil, "", Errorf(EFORBIDDEN, "a %s may not grant the %s role", p.Role, in.Role)
		}
	}
	return s.invite(ctx, site, in, p.Actor())
}

// BootstrapPerson invites the first owner without a caller, like
// Bootstrap. It is for the operator's CLI on a store it holds directly,
// never reachable over HTTP. Returns EINVALID, ECONFLICT (email taken).
func (s *Service) BootstrapPerson(ctx context.Context, email, name string) (*Person, string, error) {
	return s.invite(ctx, AllSites, PersonInput{Email: email, Name: name, Role: RoleOwner}, "")
}

func (s *Service) invite(ctx context.Context, site string, in PersonInput, by string) (*Person, string, error) {
	var pr Problems
	in.Email = NormalizeEmail(in.Email)
	if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email || len(in.Email) > 254 {
		pr.Add("email", "must be an email address like press@example.org")
	}
	normalizeText(&in.Name)
	normalizeText(&in.Organisation)
	if in.Name == "" || len([]rune(in.Name)) > 100 {
		pr.Add("name", "must be 1 to 100 characters")
	}
	if in.Organisation != "" {
		checkOrganisation(&pr, "organisation", in.Organisation)
	}
	checkVisible(&pr, "name", in.Name)
	if RoleRank(in.Role) == 0 {
		pr.Add("role", "must be one of %s", strings.Join(Roles, ", "))
	}
	if err := pr.Err(); err != nil {
		return nil, "", err
	}
	now := s.now()
	secret, hash := NewToken()
	person := &Person{ID: NewID(now), Email: in.Email, Name: in.Name, Organisation: in.Organisation,
		Site: site, Role: in.Role, State: PersonInvited, InviteHash: hash,
		InviteExpires: now.Add(InvitationLifetime), CreatedAt: now, CreatedBy: by, UpdatedAt: now}
	if err := s.Store.CreatePerson(ctx, person); err != nil {
		if IsCode(err, ECONFLICT) {
			return nil, "", Errorf(ECONFLICT, "someone with the email %q already has an account", in.Email)
		}
		return nil, "", err
	}
	return person, invitationToken(person.ID, secret), nil
}

// Invitation returns the invited person a token names, if the invitation
// is still open: for the invitation page. Returns ENOTFOUND for any token
// that is not an open invitation (malformed, unknown, used, expired, or a
// disabled person's), without telling which.
func (s *Service) Invitation(ctx context.Context, token string) (*Person, error) {
	gone := Errorf(ENOTFOUND, "this invitation link is not valid: it may have expired or been used; ask for a new one")
	id, secret, ok := splitInvitation(token)
	if !ok {
		return nil, gone
	}
	person, err := s.Store.GetPerson(ctx, id)
	if IsCode(err, ENOTFOUND) {
		return nil, gone
	} else if err != nil {
		return nil, err
	}
	if person.State != PersonInvited || person.InviteHash == "" || !sameHash(person.InviteHash, HashToken(secret)) ||
		!s.now().Before(person.InviteExpires) {
		return nil, gone
	}
	return person, nil
}

// AcceptInvitation registers the first passkey of an invited person and
// makes them active; the token is then spent. The token is the
// authority: there is no caller. Returns ENOTFOUND (see Invitation),
// EPRECONDITION if the person changed meanwhile.
func (s *Service) AcceptInvitation(ctx context.Context, token string, c Credential) (*Person, error) {
	person, err := s.Invitation(ctx, token)
	if err != nil {
		return nil, err
	}
	now := s.now()
	c.CreatedAt = now
	person.Credentials = append(person.Credentials, c)
	person.State, person.InviteHash, person.InviteExpires, person.UpdatedAt = PersonActive, "", time.Time{}, now
	if err := s.Store.UpdatePerson(ctx, person); err != nil {
		return nil, err
	}
	return person, nil
}

// People lists the people of site (AllSites: the owners) to its admins.
// Returns EFORBIDDEN, ENOTFOUND (site).
func (s *Service) People(ctx context.Context, p Principal, site string) ([]*Person, error) {
	if site == AllSites {
		if p.Role != RoleOwner {
			return nil, Errorf(EFORBIDDEN, "only owners may list owners")
		}
	} else if err := require(p, site, RoleAdmin); err != nil {
		return nil, err
	} else if _, err := s.Site(ctx, site); err != nil {
		return nil, err
	}
	return s.Store.ListPeople(ctx, site)
}

// Person returns a person to that person or to an admin of the person's
// site. Returns ENOTFOUND (also for a person the caller may not see).
func (s *Service) Person(ctx context.Context, p Principal, id string) (*Person, error) {
	person, err := s.Store.GetPerson(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.PersonID != id && !p.Can(person.Site, RoleAdmin) {
		return nil, Errorf(ENOTFOUND, "no person %q", id)
	}
	return person, nil
}

// personOf reads a person of site for an admin action and checks the
// caller may act on them: an admin of the site (owners for owners), never
// on a person whose role is above the caller's. Returns ENOTFOUND,
// EFORBIDDEN.
func (s *Service) personOf(ctx context.Context, p Principal, site, id string) (*Person, error) {
	if site == AllSites {
		if p.Role != RoleOwner {
			return nil, Errorf(EFORBIDDEN, "only owners may manage owners")
		}
	} else if err := require(p, site, RoleAdmin); err != nil {
		return nil, err
	}
	person, err := s.Store.GetPerson(ctx, id)
	if IsCode(err, ENOTFOUND) || err == nil && person.Site != site {
		return nil, Errorf(ENOTFOUND, "site %q has no person %q", site, id)
	} else if err != nil {
		return nil, err
	}
	if err := mayManage(p, person); err != nil {
		return nil, err
	}
	return person, nil
}

// mayManage returns EFORBIDDEN if p, an admin of person's site, may not
// manage person: one whose role is above p's, or, for a p scoped to a
// member organisation, one of another organisation (or of none).
func mayManage(p Principal, person *Person) error {
	if RoleRank(person.Role) > RoleRank(p.Role) {
		return Errorf(EFORBIDDEN, "a %s may not manage a %s", p.Role, person.Role)
	}
	if p.Organisation != "" && OrgKey(person.Organisation) != OrgKey(p.Organisation) {
		return Errorf(EFORBIDDEN, "you act for %s and may manage only the people of %s", p.Organisation, p.Organisation)
	}
	return nil
}

// Manages reports whether p may manage person — change their role,
// disable them, end their sessions, send their invitation again — by the
// rules the Service applies: an admin of the person's site (owners for
// owners), never of a person whose role is above p's, and when p is
// scoped to a member organisation only people of that organisation.
// Screens use it to offer only the actions that would be allowed.
func (p Principal) Manages(person *Person) bool {
	if person.Site == AllSites {
		if p.Role != RoleOwner {
			return false
		}
	} else if !p.Can(person.Site, RoleAdmin) {
		return false
	}
	return mayManage(p, person) == nil
}

// ResendInvitation gives an invited person (who has not yet created a
// passkey) a new one-time invitation token, valid InvitationLifetime, and
// revokes the one sent before: the old link stops working at once. The
// caller must manage the person (see Principal.Manages); the site must
// not be archived. If version is not 0 it must match. Returns the person
// and the new token, to be passed on as a link like InvitePerson's.
// Returns ENOTFOUND, EFORBIDDEN, EPRECONDITION, ECONFLICT (not invited —
// active or disabled —, archived site).
func (s *Service) ResendInvitation(ctx context.Context, p Principal, site, id string, version int64) (*Person, string, error) {
	if site != AllSites {
		if _, err := s.writableSite(ctx, p, site, RoleAdmin); err != nil {
			return nil, "", err
		}
	}
	person, err := s.personOf(ctx, p, site, id)
	if err != nil {
		return nil, "", err
	}
	if version != 0 && version != person.Version {
		return nil, "", Errorf(EPRECONDITION, "the person is at version %d, not %d", person.Version, version)
	}
	if person.State != PersonInvited {
		return nil, "", Errorf(ECONFLICT, "%s is %s, not invited: only an invitation not yet used can be sent again", person.Email, person.State)
	}
	now := s.now()
	secret, hash := NewToken()
	person.InviteHash, person.InviteExpires, person.UpdatedAt = hash, now.Add(InvitationLifetime), now
	if err := s.Store.UpdatePerson(ctx, person); err != nil {
		return nil, "", err
	}
	return person, invitationToken(person.ID, secret), nil
}

// SetPersonRole changes the role of a person of site (not to or from
// owner). If version is not 0 it must match. Needs the admin role; the
// site must not be archived; nobody grants a role above their own.
// Returns EINVALID, ENOTFOUND, EFORBIDDEN, ECONFLICT, EPRECONDITION.
func (s *Service) SetPersonRole(ctx context.Context, p Principal, site, id, role string, version int64) (*Person, error) {
	if site == AllSites || role == RoleOwner {
		return nil, Errorf(EFORBIDDEN, "the owner role cannot be granted or changed; invite an owner instead")
	}
	if _, err := s.writableSite(ctx, p, site, RoleAdmin); err != nil {
		return nil, err
	}
	if RoleRank(role) == 0 {
		var pr Problems
		pr.Add("role", "must be one of %s", strings.Join(Roles[:4], ", "))
		return nil, pr.Err()
	}
	if RoleRank(role) > RoleRank(p.Role) {
		return nil, Errorf(EFORBIDDEN, "a %s may not grant the %s role", p.Role, role)
	}
	person, err := s.personOf(ctx, p, site, id)
	if err != nil {
		return nil, err
	}
	if version != 0 && version != person.Version {
		return nil, Errorf(EPRECONDITION, "the person is at version %d, not %d", person.Version, version)
	}
	person.Role, person.UpdatedAt = role, s.now()
	if err := s.Store.UpdatePerson(ctx, person); err != nil {
		return nil, err
	}
	return person, nil
}

// DisablePerson disables a person of site: they cannot sign in, their
// open invitation is void and every session of theirs ends at once.
// Needs the admin role (owners for owners); allowed on an archived site,
// as a security action. Nobody disables themselves. Returns ENOTFOUND,
// EFORBIDDEN, ECONFLICT (already disabled, oneself).
func (s *Service) DisablePerson(ctx context.Context, p Principal, site, id string) (*Person, error) {
	person, err := s.personOf(ctx, p, site, id)
	if err != nil {
		return nil, err
	}
	if p.PersonID == id {
		return nil, Errorf(ECONFLICT, "you cannot disable yourself; ask another admin")
	}
	if person.State == PersonDisabled {
		return nil, Errorf(ECONFLICT, "the person is already disabled")
	}
	now := s.now()
	person.State, person.InviteHash, person.InviteExpires = PersonDisabled, "", time.Time{}
	person.SessionsAfter, person.UpdatedAt = now, now
	if err := s.Store.UpdatePerson(ctx, person); err != nil {
		return nil, err
	}
	return person, nil
}

// EndSessions ends every session of a person at once ("sign out
// everywhere"): the person themselves, or an admin of their site (owners
// for owners). Allowed on an archived site. Returns ENOTFOUND,
// EFORBIDDEN.
func (s *Service) EndSessions(ctx context.Context, p Principal, site, id string) (*Person, error) {
	var person *Person
	var err error
	if p.PersonID == id {
		if person, err = s.Store.GetPerson(ctx, id); err == nil && person.Site != site {
			err = Errorf(ENOTFOUND, "site %q has no person %q", site, id)
		}
	} else {
		person, err = s.personOf(ctx, p, site, id)
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	person.SessionsAfter, person.UpdatedAt = now, now
	if err := s.Store.UpdatePerson(ctx, person); err != nil {
		return nil, err
	}
	return person, nil
}

// AddCredential adds a passkey to the signed-in person's own account.
// Returns EFORBIDDEN (not a person), ECONFLICT (too many, or the same
// passkey twice), EPRECONDITION.
func (s *Service) AddCredential(ctx context.Context, p Principal, c Credential) (*Person, error) {
	person, err := s.self(ctx, p)
	if err != nil {
		return nil, err
	}
	if len(person.Credentials) >= MaxCredentials {
		return nil, Errorf(ECONFLICT, "a person may have at most %d passkeys; remove one first", MaxCredentials)
	}
	for _, old := range person.Credentials {
		if string(old.ID) == string(c.ID) {
			return nil, Errorf(ECONFLICT, "this passkey is already registered")
		}
	}
	now := s.now()
	c.CreatedAt = now
	person.Credentials = append(person.Credentials, c)
	person.UpdatedAt = now
	if err := s.Store.UpdatePerson(ctx, person); err != nil {
		return nil, err
	}
	return person, nil
}

// RemoveCredential removes one of the signed-in person's passkeys (by
// its CredentialID), never the last one. Returns EFORBIDDEN, ENOTFOUND,
// ECONFLICT (last passkey), EPRECONDITION.
func (s *Service) RemoveCredential(ctx context.Context, p Principal, credentialID string) (*Person, error) {
	person, err := s.self(ctx, p)
	if err != nil {
		return nil, err
	}
	i := -1
	for j, c := range person.Credentials {
		if CredentialID(c.ID) == credentialID {
			i = j
		}
	}
	if i < 0 {
		return nil, Errorf(ENOTFOUND, "you have no passkey %q", credentialID)
	}
	if len(person.Credentials) == 1 {
		return nil, Errorf(ECONFLICT, "this is your only passkey: add another before removing it")
	}
	person.Credentials = append(person.Credentials[:i:i], person.Credentials[i+1:]...)
	person.UpdatedAt = s.now()
	if err := s.Store.UpdatePerson(ctx, person); err != nil {
		return nil, err
	}
	return person, nil
}

// self returns the active person p is.
func (s *Service) self(ctx context.Context, p Principal) (*Person, error) {
	if p.PersonID == "" {
		return nil, Errorf(EFORBIDDEN, "only a signed-in person has passkeys")
	}
	person, err := s.Store.GetPerson(ctx, p.PersonID)
	if err != nil {
		return nil, err
	}
	if person.State != PersonActive {
		return nil, Errorf(EFORBIDDEN, "the account is %s", person.State)
	}
	return person, nil
}

// SignInPerson returns the active person with that ID (a passkey's user
// handle) or email (verified by an OIDC provider), for a sign-in
// ceremony. Returns EUNAUTHORIZED for anyone else, without telling why.
func (s *Service) SignInPerson(ctx context.Context, id, email string) (*Person, error) {
	var person *Person
	var err error
	switch {
	case id != "" && looksLikeID(id):
		person, err = s.Store.GetPerson(ctx, id)
	case email != "":
		person, err = s.Store.PersonByEmail(ctx, NormalizeEmail(email))
	default:
		err = Errorf(ENOTFOUND, "no person")
	}
	if IsCode(err, ENOTFOUND) || err == nil && person.State != PersonActive {
		return nil, Errorf(EUNAUTHORIZED, "no active account matches this sign-in")
	} else if err != nil {
		return nil, err
	}
	return person, nil
}

// StartSession begins a session for an active person who has just
// proved who they are (method "passkey" or "oidc"; used is the passkey's
// state after the assertion, to record its sign count) and returns it
// with its token, which is never retrievable again. Returns EUNAUTHORIZED.
func (s *Service) StartSession(ctx context.Context, personID, method, client string, used *Credential) (*Session, string, error) {
	person, err := s.SignInPerson(ctx, personID, "")
	if err != nil {
		return nil, "", err
	}
	now := s.now()
	person.LastSignIn = now
	if used != nil {
		for i := range person.Credentials {
			if string(person.Credentials[i].ID) == string(used.ID) {
				person.Credentials[i].SignCount = used.SignCount
				person.Credentials[i].BackupState = used.BackupState
				person.Credentials[i].LastUsedAt = now
			}
		}
	}
	if err := s.Store.UpdatePerson(ctx, person); err != nil {
		return nil, "", err
	}
	token, hash := NewToken()
	sess := &Session{Hash: hash, PersonID: person.ID, Method: method, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(SessionAbsolute), Client: client}
	if err := s.Store.CreateSession(ctx, sess); err != nil {
		return nil, "", err
	}
	return sess, token, nil
}

// SessionPrincipal resolves a session token to the principal of its
// person, as Authenticate does a key: the session must exist, be within
// SessionIdle of its last use and SessionAbsolute of its start, and begin
// after the person's SessionsAfter; the person must be active. Returns
// EUNAUTHORIZED otherwise.
func (s *Service) SessionPrincipal(ctx context.Context, token string) (Principal, *Person, error) {
	refused := Errorf(EUNAUTHORIZED, "you are not signed in, or your session has ended; sign in again")
	if !LooksLikeToken(token) {
		return Principal{}, nil, refused
	}
	hash := HashToken(token)
	sess, err := s.Store.GetSession(ctx, hash)
	if IsCode(err, ENOTFOUND) {
		return Principal{}, nil, refused
	} else if err != nil {
		return Principal{}, nil, err
	}
	now := s.now()
	if !now.Before(sess.ExpiresAt) || !now.Before(sess.LastSeenAt.Add(SessionIdle)) {
		return Principal{}, nil, refused
	}
	person, err := s.Store.GetPerson(ctx, sess.PersonID)
	if IsCode(err, ENOTFOUND) {
		return Principal{}, nil, refused
	} else if err != nil {
		return Principal{}, nil, err
	}
	if person.State != PersonActive || !sess.CreatedAt.After(person.SessionsAfter) {
		return Principal{}, nil, refused
	}
	if now.Sub(sess.LastSeenAt) >= sessionTouchEvery {
		if err := s.Store.TouchSession(ctx, hash, now); err != nil && !IsCode(err, ENOTFOUND) {
			return Principal{}, nil, err
		}
	}
	return Principal{PersonID: person.ID, Site: person.Site, Role: person.Role, Organisation: person.Organisation}, person, nil
}

// EndSession ends the session a token names (signing out); an unknown
// token is no error.
func (s *Service) EndSession(ctx context.Context, token string) error {
	if !LooksLikeToken(token) {
		return nil
	}
	return s.Store.DeleteSession(ctx, HashToken(token))
}

// NewChallenge stores a ceremony's state for ChallengeLifetime and
// returns the token that finds it again.
func (s *Service) NewChallenge(ctx context.Context, kind, personID, data string) (string, error) {
	token, hash := NewToken()
	err := s.Store.CreateChallenge(ctx, &Challenge{Hash: hash, Kind: kind, PersonID: personID, Data: data,
		ExpiresAt: s.now().Add(ChallengeLifetime)})
	return token, err
}

// TakeChallenge returns, once, the state of a ceremony of that kind.
// Returns EUNAUTHORIZED for a token that is malformed, unknown, used,
// expired or of another kind.
func (s *Service) TakeChallenge(ctx context.Context, kind, token string) (*Challenge, error) {
	refused := Errorf(EUNAUTHORIZED, "this sign-in attempt has expired; start again")
	if !LooksLikeToken(token) {
		return nil, refused
	}
	c, err := s.Store.TakeChallenge(ctx, HashToken(token))
	if IsCode(err, ENOTFOUND) {
		return nil, refused
	} else if err != nil {
		return nil, err
	}
	if c.Kind != kind || !s.now().Before(c.ExpiresAt) {
		return nil, refused
	}
	return c, nil
}
