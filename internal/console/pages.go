package console

import (
	"bytes"
	"log/slog"
	"net/http"

	"infocentre/internal/centre"
)

// pageData is what every console page template gets.
type pageData struct {
	Title   string
	Message string
	Person  *centre.Person
	Invite  string // the invitation token, on the invitation page
	SSO     string // the name of the OIDC provider, if configured
	Site    string // the site the page is about, for the navigation
	Page    any    // what a page of its own needs (entry screens: see entries.go)
}

// page renders a page template with d (see view).
func (c *Console) page(w http.ResponseWriter, r *http.Request, status int, name string, d pageData) {
	c.view(w, r, status, name, d)
}

// view renders a page template with d, a pageData or a struct that
// embeds one, into a buffer first, so that a template error becomes a
// clean 500, never half a page.
func (c *Console) view(w http.ResponseWriter, r *http.Request, status int, name string, d any) {
	var buf bytes.Buffer
	if err := c.pages.ExecuteTemplate(&buf, name+".html", d); err != nil {
		c.cfg.Log.ErrorContext(r.Context(), "console: render", slog.String("page", name), slog.String("error", err.Error()))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

func (c *Console) ssoName() string {
	if c.cfg.OIDC.Issuer == "" {
		return ""
	}
	if c.cfg.OIDC.Name != "" {
		return c.cfg.OIDC.Name
	}
	return "your organisation's account"
}

func (c *Console) landing(w http.ResponseWriter, r *http.Request) {
	who, ok := c.session(r)
	if !ok {
		http.Redirect(w, r, signInPath, http.StatusSeeOther)
		return
	}
	c.home(w, r, who)
}

func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := c.session(r); ok {
		http.Redirect(w, r, landingPath, http.StatusSeeOther)
		return
	}
	c.page(w, r, http.StatusOK, "login", pageData{Title: "Sign in", SSO: c.ssoName()})
}

func (c *Console) invitePage(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	person, err := c.cfg.Service.Invitation(r.Context(), token)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.page(w, r, http.StatusOK, "invite", pageData{Title: "Create your passkey", Person: person, Invite: token})
}
