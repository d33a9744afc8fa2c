package console

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"infocentre/internal/centre"
)

// Passkey ceremonies: begin answers the options for
// navigator.credentials.create/get and keeps the challenge server-side
// (centre.Challenge, found by the token of a short-lived cookie); finish
// takes the challenge (once) and verifies the authenticator's response.

// user adapts a person to webauthn.User: the user handle is the person's
// ID, so a discoverable passkey names its person.
type user struct{ p *centre.Person }

func (u user) WebAuthnID() []byte          { return []byte(u.p.ID) }
func (u user) WebAuthnName() string        { return u.p.Email }
func (u user) WebAuthnDisplayName() string { return u.p.Name }
func (u user) WebAuthnCredentials() []webauthn.Credential {
	out := make([]webauthn.Credential, 0, len(u.p.Credentials))
	for _, c := range u.p.Credentials {
		wc := webauthn.Credential{ID: c.ID, PublicKey: c.PublicKey, AttestationType: c.AttestationType,
			Flags:         webauthn.CredentialFlags{UserPresent: true, BackupEligible: c.BackupEligible, BackupState: c.BackupState},
			Authenticator: webauthn.Authenticator{AAGUID: c.AAGUID, SignCount: c.SignCount}}
		for _, t := range c.Transports {
			wc.Transport = append(wc.Transport, protocol.AuthenticatorTransport(t))
		}
		out = append(out, wc)
	}
	return out
}

func credential(wc *webauthn.Credential) centre.Credential {
	c := centre.Credential{ID: wc.ID, PublicKey: wc.PublicKey, AttestationType: wc.AttestationType,
		AAGUID: wc.Authenticator.AAGUID, SignCount: wc.Authenticator.SignCount,
		BackupEligible: wc.Flags.BackupEligible, BackupState: wc.Flags.BackupState, Name: "passkey"}
	for _, t := range wc.Transport {
		if len(c.Transports) < 8 {
			c.Transports = append(c.Transports, string(t))
		}
	}
	return c
}

// beginCeremony stores the ceremony's session data as a challenge of kind
// and sets the cookie that finds it.
func (c *Console) beginCeremony(w http.ResponseWriter, r *http.Request, kind, personID string, sd *webauthn.SessionData, options any) {
	data, err := json.Marshal(sd)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	token, err := c.cfg.Service.NewChallenge(r.Context(), kind, personID, string(data))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.setCookie(w, c.ceremonyCookieName(), token, centre.ChallengeLifetime)
	writeJSON(w, options)
}

// takeCeremony takes the challenge of kind this browser began and returns
// its session data, or answers 401.
func (c *Console) takeCeremony(w http.ResponseWriter, r *http.Request, kind string) (*centre.Challenge, *webauthn.SessionData, bool) {
	ck, err := r.Cookie(c.ceremonyCookieName())
	token := ""
	if err == nil {
		token = ck.Value
	}
	c.setCookie(w, c.ceremonyCookieName(), "", -1)
	ch, err := c.cfg.Service.TakeChallenge(r.Context(), kind, token)
	if err != nil {
		c.fail(w, r, err)
		return nil, nil, false
	}
	var sd webauthn.SessionData
	if err := json.Unmarshal([]byte(ch.Data), &sd); err != nil {
		c.fail(w, r, err)
		return nil, nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxCeremonyBody)
	return ch, &sd, true
}

// refused answers a failed verification with 400 and the library's
// reason (it names what was wrong with the response, never a secret).
func (c *Console) refused(w http.ResponseWriter, r *http.Request, err error) {
	detail := "the passkey response could not be verified"
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.Details != "" {
		detail += ": " + pe.Details
	}
	c.cfg.Log.InfoContext(r.Context(), "console: passkey refused", slog.String("error", err.Error()))
	c.problem(w, r, http.StatusBadRequest, detail)
}

func registrationOptions(p *centre.Person) []webauthn.RegistrationOption {
	var exclude []protocol.CredentialDescriptor
	for _, c := range p.Credentials {
		exclude = append(exclude, protocol.CredentialDescriptor{Type: protocol.PublicKeyCredentialType, CredentialID: c.ID})
	}
	return []webauthn.RegistrationOption{
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithExclusions(exclude),
	}
}

func (c *Console) inviteBegin(w http.ResponseWriter, r *http.Request) {
	person, err := c.cfg.Service.Invitation(r.Context(), r.PathValue("token"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	options, sd, err := c.webauthn.BeginRegistration(user{person}, registrationOptions(person)...)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.beginCeremony(w, r, "register", person.ID, sd, options)
}

func (c *Console) inviteFinish(w http.ResponseWriter, r *http.Request) {
	ch, sd, ok := c.takeCeremony(w, r, "register")
	if !ok {
		return
	}
	token := r.PathValue("token")
	person, err := c.cfg.Service.Invitation(r.Context(), token)
	if err == nil && person.ID != ch.PersonID {
		err = centre.Errorf(centre.EUNAUTHORIZED, "this passkey was begun for another invitation; start again")
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	wc, err := c.webauthn.FinishRegistration(user{person}, *sd, r)
	if err != nil {
		c.refused(w, r, err)
		return
	}
	accepted, err := c.cfg.Service.AcceptInvitation(r.Context(), token, credential(wc))
	c.audit(r, centre.Principal{PersonID: person.ID, Site: person.Site, Role: person.Role}, person.Site,
		"person.accept_invitation", person.ID, statusOf(err), "")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	person = accepted
	if err := c.startSession(w, r, person, "passkey", nil); err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, map[string]string{"redirect": landingPath})
}

func (c *Console) loginBegin(w http.ResponseWriter, r *http.Request) {
	if c.signInBlocked(w, r) {
		return
	}
	options, sd, err := c.webauthn.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.beginCeremony(w, r, "login", "", sd, options)
}

func (c *Console) loginFinish(w http.ResponseWriter, r *http.Request) {
	if c.signInBlocked(w, r) {
		return
	}
	_, sd, ok := c.takeCeremony(w, r, "login")
	if !ok {
		c.signInFailed(r)
		return
	}
	var person *centre.Person
	var accounts []string // the person and passkey the response names
	blocked := false
	wc, err := c.webauthn.FinishDiscoverableLogin(func(rawID, userHandle []byte) (webauthn.User, error) {
		accounts = []string{personAccount(clip(string(userHandle), 64)), passkeyAccount(rawID)}
		for _, a := range accounts {
			if b, _ := c.limits.account.Blocked(a); b && a != "" {
				blocked = true
				return nil, centre.Errorf(centre.EUNAUTHORIZED, "too many failed sign-ins to this account")
			}
		}
		p, err := c.cfg.Service.SignInPerson(r.Context(), string(userHandle), "")
		if err != nil {
			return nil, err
		}
		person = p
		return user{p}, nil
	}, *sd, r)
	if blocked && c.signInBlocked(w, r, accounts...) {
		return
	}
	if err != nil {
		target := ""
		if person != nil {
			target = person.ID
		}
		c.signInFailed(r, accounts...)
		c.audit(r, centre.Principal{}, "", "person.signin", target, http.StatusUnauthorized, "passkey refused")
		c.refusedSignIn(w, r, err)
		return
	}
	used := credential(wc)
	if err := c.startSession(w, r, person, "passkey", &used); err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, map[string]string{"redirect": landingPath})
}

// refusedSignIn answers a failed sign-in with 401 and one message,
// whatever the reason (unknown or disabled person, bad signature).
func (c *Console) refusedSignIn(w http.ResponseWriter, r *http.Request, err error) {
	if !centre.IsCode(err, centre.EUNAUTHORIZED) && centre.ErrorCode(err) == centre.EINTERNAL {
		var pe *protocol.Error
		if !errors.As(err, &pe) {
			c.fail(w, r, err)
			return
		}
	}
	c.cfg.Log.InfoContext(r.Context(), "console: sign-in refused", slog.String("error", err.Error()))
	c.problem(w, r, http.StatusUnauthorized, "this passkey does not sign in to an active account here")
}

func (c *Console) passkeyBegin(w http.ResponseWriter, r *http.Request, who caller) {
	options, sd, err := c.webauthn.BeginRegistration(user{who.person}, registrationOptions(who.person)...)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.beginCeremony(w, r, "add", who.person.ID, sd, options)
}

func (c *Console) passkeyFinish(w http.ResponseWriter, r *http.Request, who caller) {
	ch, sd, ok := c.takeCeremony(w, r, "add")
	if !ok {
		return
	}
	if ch.PersonID != who.person.ID {
		c.problem(w, r, http.StatusUnauthorized, "this passkey was begun by someone else; start again")
		return
	}
	wc, err := c.webauthn.FinishRegistration(user{who.person}, *sd, r)
	if err != nil {
		c.refused(w, r, err)
		return
	}
	_, err = c.cfg.Service.AddCredential(r.Context(), who.p, credential(wc))
	c.audit(r, who.p, who.person.Site, "person.passkey_add", who.person.ID, statusOf(err), centre.CredentialID(wc.ID))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, map[string]string{"redirect": accountPath + "?done=added"})
}

func (c *Console) passkeyRemove(w http.ResponseWriter, r *http.Request, who caller) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	id := r.PostFormValue("credential")
	_, err := c.cfg.Service.RemoveCredential(r.Context(), who.p, id)
	c.audit(r, who.p, who.person.Site, "person.passkey_remove", who.person.ID, statusOf(err), clip(id, 200))
	if err != nil {
		c.internal(r, err)
		c.view(w, r, pageStatus(err), "account", accountPageData{pageData: pageData{Title: "Your account", Person: who.person}, Notice: failed(err)})
		return
	}
	back(w, r, accountPath, "removed")
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
