package console

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"infocentre/internal/centre"
)

// OpenID Connect single sign-on: authorization code flow with state, nonce
// and PKCE (S256). A verified email signs in the active person who has
// it; nobody is created by signing in.

type oidcClient struct {
	provider *oidc.Provider
	config   oauth2.Config
	verifier *oidc.IDTokenVerifier
}

// oidcState is what a ceremony keeps server-side between the redirect to
// the provider and its callback.
type oidcState struct {
	State    string `json:"state"`
	Nonce    string `json:"nonce"`
	Verifier string `json:"verifier"`
}

// client returns the OIDC client, discovering the provider on first use
// (and again after a failure).
func (c *Console) client(ctx context.Context) (*oidcClient, error) {
	c.oidcMu.Lock()
	defer c.oidcMu.Unlock()
	if c.oidc != nil {
		return c.oidc, nil
	}
	o := c.cfg.OIDC
	ctx = oidc.ClientContext(ctx, c.cfg.HTTPClient)
	provider, err := oidc.NewProvider(ctx, o.Issuer)
	if err != nil {
		return nil, fmt.Errorf("discover OIDC provider %s: %w", o.Issuer, err)
	}
	c.oidc = &oidcClient{provider: provider,
		config: oauth2.Config{ClientID: o.ClientID, ClientSecret: o.ClientSecret, Endpoint: provider.Endpoint(),
			RedirectURL: c.origin.String() + "/admin/oidc/callback", Scopes: []string{oidc.ScopeOpenID, "email", "profile"}},
		verifier: provider.Verifier(&oidc.Config{ClientID: o.ClientID, Now: c.cfg.Service.Now})}
	return c.oidc, nil
}

func (c *Console) oidcStart(w http.ResponseWriter, r *http.Request) {
	if c.signInBlocked(w, r) {
		return
	}
	if c.cfg.OIDC.Issuer == "" {
		c.problem(w, r, http.StatusNotFound, "single sign-on is not configured on this deployment")
		return
	}
	cl, err := c.client(r.Context())
	if err != nil {
		c.cfg.Log.ErrorContext(r.Context(), "console: oidc", slog.String("error", err.Error()))
		c.problem(w, r, http.StatusServiceUnavailable, "the identity provider cannot be reached; try again later or sign in with a passkey")
		return
	}
	st := oidcState{State: rand(), Nonce: rand(), Verifier: oauth2.GenerateVerifier()}
	data, _ := json.Marshal(st)
	token, err := c.cfg.Service.NewChallenge(r.Context(), "oidc", "", string(data))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.setCookie(w, c.ceremonyCookieName(), token, centre.ChallengeLifetime)
	http.Redirect(w, r, cl.config.AuthCodeURL(st.State, oidc.Nonce(st.Nonce), oauth2.S256ChallengeOption(st.Verifier)), http.StatusSeeOther)
}

func rand() string {
	t, _ := centre.NewToken()
	return t
}

func (c *Console) oidcCallback(w http.ResponseWriter, r *http.Request) {
	if c.cfg.OIDC.Issuer == "" {
		c.problem(w, r, http.StatusNotFound, "single sign-on is not configured on this deployment")
		return
	}
	if c.signInBlocked(w, r) {
		return
	}
	ck, err := r.Cookie(c.ceremonyCookieName())
	token := ""
	if err == nil {
		token = ck.Value
	}
	c.setCookie(w, c.ceremonyCookieName(), "", -1)
	ch, err := c.cfg.Service.TakeChallenge(r.Context(), "oidc", token)
	if err != nil {
		c.signInFailed(r)
		c.fail(w, r, err)
		return
	}
	var st oidcState
	if err := json.Unmarshal([]byte(ch.Data), &st); err != nil {
		c.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		c.problem(w, r, http.StatusUnauthorized, "the identity provider refused the sign-in ("+clip(e, 100)+")")
		return
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(st.State)) != 1 {
		c.signInFailed(r)
		c.problem(w, r, http.StatusUnauthorized, "this sign-in answer does not match the sign-in this browser began; start again")
		return
	}
	email, err := c.exchange(r.Context(), q.Get("code"), st)
	if err != nil {
		c.cfg.Log.InfoContext(r.Context(), "console: oidc sign-in refused", slog.String("error", err.Error()))
		c.signInFailed(r)
		c.audit(r, centre.Principal{}, "", "person.signin", "", http.StatusUnauthorized, "oidc refused")
		c.problem(w, r, http.StatusUnauthorized, "the identity provider's answer could not be verified; start again")
		return
	}
	if c.signInBlocked(w, r, emailAccount(email)) {
		return
	}
	person, err := c.cfg.Service.SignInPerson(r.Context(), "", email)
	if err != nil {
		if centre.IsCode(err, centre.EUNAUTHORIZED) {
			c.signInFailed(r, emailAccount(email))
			c.audit(r, centre.Principal{}, "", "person.signin", "", http.StatusUnauthorized, "oidc: no active account for the email")
			c.problem(w, r, http.StatusUnauthorized, "no active account here has the email your identity provider gave; ask an admin for an invitation")
			return
		}
		c.fail(w, r, err)
		return
	}
	if err := c.startSession(w, r, person, "oidc", nil); err != nil {
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, landingPath, http.StatusSeeOther)
}

// exchange trades the code for tokens (with the PKCE verifier), verifies
// the ID token (signature, issuer, audience, expiry, nonce) and returns
// its email, which the provider must say is verified.
func (c *Console) exchange(ctx context.Context, code string, st oidcState) (string, error) {
	cl, err := c.client(ctx)
	if err != nil {
		return "", err
	}
	ctx = oidc.ClientContext(ctx, c.cfg.HTTPClient)
	tok, err := cl.config.Exchange(ctx, code, oauth2.VerifierOption(st.Verifier))
	if err != nil {
		return "", fmt.Errorf("exchange code: %w", err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		return "", errors.New("no id_token in the token response")
	}
	idt, err := cl.verifier.Verify(ctx, raw)
	if err != nil {
		return "", fmt.Errorf("verify id_token: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(st.Nonce)) != 1 {
		return "", errors.New("id_token nonce does not match")
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified bool   `json:"email_verified"`
	}
	if err := idt.Claims(&claims); err != nil {
		return "", fmt.Errorf("id_token claims: %w", err)
	}
	if claims.Email == "" || !claims.EmailVerified {
		return "", errors.New("id_token has no verified email")
	}
	return claims.Email, nil
}
