// Package console is the staff web console under /admin/: sign-in with
// passkeys (WebAuthn) or the organisation's OpenID Connect provider,
// server-side sessions, and the pages built on them. Every action goes
// through centre.Service with the signed-in person's centre.Principal, so
// roles, site state and the audit log are those of the JSON API.
//
// Security properties:
//   - The session token lives in a cookie named SessionCookie
//     ("__Host-infocentre_session": Secure, HttpOnly, SameSite=Lax, Path=/)
//     when the public origin is https. Browsers refuse "__Host-" and
//     Secure cookies over plain http, so on an http origin — allowed only
//     for localhost, for local runs — the cookie is InsecureSessionCookie
//     ("infocentre_session", HttpOnly, SameSite=Lax, not Secure).
//   - Sessions end centre.SessionIdle after their last use and
//     centre.SessionAbsolute after sign-in; signing out, "sign out
//     everywhere" and disabling the person end them at once.
//   - Every state-changing request is a POST, refused with 403 when it
//     comes from another origin (http.CrossOriginProtection). No GET
//     changes anything, except the OpenID Connect callback, which a
//     provider's redirect can only reach as a GET and which acts only
//     with the one-time state, nonce and PKCE verifier of a ceremony this
//     browser began.
package console

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"

	"infocentre/internal/centre"
)

// Cookie names (see the package doc).
const (
	SessionCookie           = "__Host-infocentre_session"
	InsecureSessionCookie   = "infocentre_session"
	ceremonyCookie          = "__Host-infocentre_ceremony"
	insecureCeremonyCookie  = "infocentre_ceremony"
	maxCeremonyBody         = 64 << 10
	consoleCSP              = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
	problemType             = "about:blank"
	signInPath, landingPath = "/admin/login", "/admin/"
)

// OIDC configures single sign-on; an empty Issuer turns it off.
type OIDC struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	// Name is shown on the sign-in button ("Sign in with …").
	Name string
}

// Config configures the console.
type Config struct {
	Service *centre.Service
	// PublicOrigin is the deployment's origin (scheme://host[:port]): the
	// WebAuthn relying party and the only origin allowed to post. An http
	// origin is allowed for localhost only; a loopback IP address is
	// served as localhost (passkeys need a host name).
	PublicOrigin string
	OIDC         OIDC
	Log          *slog.Logger
	// HTTPClient reaches the OIDC provider (default http.DefaultClient).
	HTTPClient *http.Client
	// Cursors seals the paging cursors of console lists (the
	// deployment's cursor secret, so that a link works on every
	// instance); nil seals them with a key made for this process.
	Cursors centre.Signer
	// SignIn limits failed sign-ins (zero fields: defaults).
	SignIn SignInLimits
	// ClientAddr returns the address a request came from, as the handler
	// in front determined it (httpapi.ClientAddress, which knows the
	// trusted proxies); nil or "": the connection's address.
	ClientAddr func(*http.Request) string
}

// Console serves /admin/.
type Console struct {
	cfg      Config
	origin   *url.URL
	secure   bool
	webauthn *webauthn.WebAuthn
	handler  http.Handler
	pages    *template.Template
	cursors  centre.Signer

	oidcMu sync.Mutex
	oidc   *oidcClient

	limits *signInLimiters
}

//go:embed assets templates
var files embed.FS

// ConsoleOrigin returns the origin the console serves for a public
// origin: a loopback IP address becomes localhost. Returns an error for
// an origin the console cannot serve (empty, http on a host that is not
// local).
func ConsoleOrigin(public string) (*url.URL, error) {
	if public == "" {
		return nil, errors.New("the console needs PUBLIC_ORIGIN (https://… in production)")
	}
	u, err := url.Parse(strings.TrimSuffix(public, "/"))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("the console cannot serve origin %q", public)
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		host = "localhost"
		if p := u.Port(); p != "" {
			u.Host = net.JoinHostPort(host, p)
		} else {
			u.Host = host
		}
	}
	if u.Scheme == "http" && host != "localhost" && !strings.HasSuffix(host, ".localhost") {
		return nil, fmt.Errorf("the console needs an https origin (http only for localhost), not %q", public)
	}
	return &url.URL{Scheme: u.Scheme, Host: strings.ToLower(u.Host)}, nil
}

// New returns the console for cfg.
func New(cfg Config) (*Console, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	origin, err := ConsoleOrigin(cfg.PublicOrigin)
	if err != nil {
		return nil, err
	}
	wa, err := webauthn.New(&webauthn.Config{
		RPID:          origin.Hostname(),
		RPDisplayName: "infocentre",
		RPOrigins:     []string{origin.String()},
	})
	if err != nil {
		return nil, fmt.Errorf("console: webauthn: %w", err)
	}
	pages, err := template.New("").Funcs(template.FuncMap{
		"credentialID": centre.CredentialID,
		"when":         func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") },
	}).Funcs(adminFuncs).Funcs(entryFuncs).ParseFS(files, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("console: templates: %w", err)
	}
	c := &Console{cfg: cfg, origin: origin, secure: origin.Scheme == "https", webauthn: wa, pages: pages, cursors: cfg.Cursors,
		limits: newSignInLimiters(cfg.SignIn)}
	if c.cursors == nil {
		c.cursors = newProcessSealer()
	}
	mux := http.NewServeMux()
	c.routes(mux)
	cop := http.NewCrossOriginProtection()
	if err := cop.AddTrustedOrigin(origin.String()); err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.problem(w, r, http.StatusForbidden, "cross-origin requests may not change anything in the console")
	}))
	c.handler = cop.Handler(mux)
	return c, nil
}

// Origin returns the origin the console serves.
func (c *Console) Origin() string { return c.origin.String() }

// InvitationURL returns the absolute link of an invitation token.
func (c *Console) InvitationURL(token string) string {
	return c.origin.String() + "/admin/invite/" + token
}

func (c *Console) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /admin/{$}", c.landing)
	mux.HandleFunc("GET /admin/login", c.loginPage)
	mux.HandleFunc("POST /admin/login/begin", c.loginBegin)
	mux.HandleFunc("POST /admin/login/finish", c.loginFinish)
	mux.HandleFunc("POST /admin/login/oidc", c.oidcStart)
	mux.HandleFunc("GET /admin/oidc/callback", c.oidcCallback)
	mux.HandleFunc("GET /admin/invite/{token}", c.invitePage)
	mux.HandleFunc("POST /admin/invite/{token}/begin", c.inviteBegin)
	mux.HandleFunc("POST /admin/invite/{token}/finish", c.inviteFinish)
	mux.HandleFunc("POST /admin/passkeys/begin", c.signedIn(c.passkeyBegin))
	mux.HandleFunc("POST /admin/passkeys/finish", c.signedIn(c.passkeyFinish))
	mux.HandleFunc("POST /admin/passkeys/remove", c.signedIn(c.passkeyRemove))
	mux.HandleFunc("POST /admin/logout", c.logout)
	mux.HandleFunc("POST /admin/logout/everywhere", c.signedIn(c.logoutEverywhere))
	c.adminRoutes(mux)
	c.entryRoutes(mux)
	mux.Handle("GET /admin/assets/", http.StripPrefix("/admin/", http.FileServerFS(files)))
	mux.HandleFunc("/admin/", func(w http.ResponseWriter, r *http.Request) {
		c.page(w, r, http.StatusNotFound, "message", pageData{Title: "Not found", Message: "There is no such page in the console."})
	})
}

// ServeHTTP serves the console with its security headers.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", consoleCSP)
	h.Set("Referrer-Policy", "no-referrer") // invitation links hold a token
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	c.handler.ServeHTTP(w, r)
}

func (c *Console) sessionCookieName() string {
	if c.secure {
		return SessionCookie
	}
	return InsecureSessionCookie
}

func (c *Console) ceremonyCookieName() string {
	if c.secure {
		return ceremonyCookie
	}
	return insecureCeremonyCookie
}

func (c *Console) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	ck := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, Secure: c.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(maxAge / time.Second)}
	if maxAge < 0 {
		ck.MaxAge = -1
	}
	http.SetCookie(w, ck)
}

// caller is the signed-in person of a request.
type caller struct {
	p      centre.Principal
	person *centre.Person
}

// session resolves the session cookie; ok is false if there is no valid
// session (the refusal is logged when it is not just "signed out").
func (c *Console) session(r *http.Request) (caller, bool) {
	ck, err := r.Cookie(c.sessionCookieName())
	if err != nil {
		return caller{}, false
	}
	p, person, err := c.cfg.Service.SessionPrincipal(r.Context(), ck.Value)
	if err != nil {
		if !centre.IsCode(err, centre.EUNAUTHORIZED) {
			c.cfg.Log.ErrorContext(r.Context(), "console: session", slog.String("error", err.Error()))
		}
		return caller{}, false
	}
	return caller{p: p, person: person}, true
}

// signedIn runs next with the signed-in person, or answers 401.
func (c *Console) signedIn(next func(w http.ResponseWriter, r *http.Request, who caller)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		who, ok := c.session(r)
		if !ok {
			c.problem(w, r, http.StatusUnauthorized, "you are not signed in, or your session has ended; sign in again")
			return
		}
		next(w, r, who)
	}
}

// problem answers an RFC 9457 problem: JSON to the ceremony script (and
// any client asking for JSON), a page to a browser's form post.
func (c *Console) problem(w http.ResponseWriter, r *http.Request, status int, detail string) {
	if strings.Contains(r.Header.Get("Accept"), "json") || strings.HasSuffix(r.URL.Path, "/begin") || strings.HasSuffix(r.URL.Path, "/finish") {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"type": problemType, "title": http.StatusText(status), "status": status, "detail": detail})
		return
	}
	c.page(w, r, status, "message", pageData{Title: http.StatusText(status), Message: detail})
}

// fail answers err: its code's status and caller-safe message; internal
// errors are logged and shown as "internal error".
func (c *Console) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	if status == http.StatusInternalServerError {
		c.cfg.Log.ErrorContext(r.Context(), "console", slog.String("path", centre.LogPath(r.URL.Path)), slog.String("error", err.Error()))
	}
	c.problem(w, r, status, centre.ErrorMessage(err))
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// audit records a console action in the audit log of site (the person's
// site; AllSites for owners and for failures of unknown people), like the
// API's audit of staff writes. Failures to record are logged.
func (c *Console) audit(r *http.Request, p centre.Principal, site, action, target string, outcome int, detail string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
	defer cancel()
	if site == "" {
		site = centre.AllSites
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	ev := &centre.AuditEvent{ID: centre.NewID(now), Site: site, At: now, PersonID: p.PersonID, KeyID: p.KeyID, Role: p.Role,
		Action: action, Target: target, Outcome: outcome, Detail: detail, Client: c.clientIP(r)}
	if err := c.cfg.Service.Store.AppendAudit(ctx, ev); err != nil {
		c.cfg.Log.ErrorContext(ctx, "console: append audit event", slog.String("action", action), slog.String("error", err.Error()))
	}
}

// clientIP is the address a request came from (see Config.ClientAddr).
func (c *Console) clientIP(r *http.Request) string {
	if c.cfg.ClientAddr != nil {
		if a := c.cfg.ClientAddr(r); a != "" {
			return a
		}
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// startSession begins a session for a person who proved who they are,
// sets its cookie and audits the sign-in.
func (c *Console) startSession(w http.ResponseWriter, r *http.Request, person *centre.Person, method string, used *centre.Credential) error {
	_, token, err := c.cfg.Service.StartSession(r.Context(), person.ID, method, c.clientIP(r), used)
	if err != nil {
		return err
	}
	c.setCookie(w, c.sessionCookieName(), token, centre.SessionAbsolute)
	c.audit(r, centre.Principal{PersonID: person.ID, Site: person.Site, Role: person.Role}, person.Site, "person.signin", person.ID, http.StatusOK, method)
	return nil
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request) {
	if ck, err := r.Cookie(c.sessionCookieName()); err == nil {
		who, ok := c.session(r)
		if err := c.cfg.Service.EndSession(r.Context(), ck.Value); err != nil {
			c.fail(w, r, err)
			return
		}
		if ok {
			c.audit(r, who.p, who.person.Site, "person.signout", who.person.ID, http.StatusOK, "")
		}
	}
	c.setCookie(w, c.sessionCookieName(), "", -1)
	http.Redirect(w, r, signInPath, http.StatusSeeOther)
}

func (c *Console) logoutEverywhere(w http.ResponseWriter, r *http.Request, who caller) {
	_, err := c.cfg.Service.EndSessions(r.Context(), who.p, who.person.Site, who.person.ID)
	c.audit(r, who.p, who.person.Site, "person.end_sessions", who.person.ID, statusOf(err), "")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.setCookie(w, c.sessionCookieName(), "", -1)
	http.Redirect(w, r, signInPath, http.StatusSeeOther)
}

// statusOf is the HTTP status of err (200 for nil), as the JSON API maps
// the domain's codes.
func statusOf(err error) int {
	if err == nil {
		return http.StatusOK
	}
	if s, ok := map[string]int{centre.EINVALID: 400, centre.ENOTFOUND: 404, centre.ECONFLICT: 409, centre.EPRECONDITION: 412,
		centre.EUNAUTHORIZED: 401, centre.EFORBIDDEN: 403, centre.EGONE: 410, centre.EUNAVAILABLE: 503,
		centre.ETOOLARGE: 413, centre.EUNSUPPORTED: 415}[centre.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}
