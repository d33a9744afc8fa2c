package console

import (
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"infocentre/internal/centre"
)

// The site administration screens (settings, people, API keys, webhooks,
// audit log, files), the owners' screens (owners, owner keys, the owners' audit log)
// and the person's account page. Each screen checks the least
// role it needs before it calls centre.Service, which checks again; a
// refused request is answered 403 and, like every POST, audited.

func (c *Console) adminRoutes(mux *http.ServeMux) {
	const site = "/admin/sites/{site}"
	mux.HandleFunc("GET /admin/account", c.signedInPage(c.accountPage))
	mux.HandleFunc("GET /admin/sites", c.signedInPage(c.sitesPage))
	mux.HandleFunc("GET "+site+"/settings", c.atSite(centre.RoleAdmin, "", c.settingsPage))
	mux.HandleFunc("POST "+site+"/settings", c.atSite(centre.RoleAdmin, "site.update", c.settingsSave))
	mux.HandleFunc("GET "+site+"/people", c.atSite(centre.RoleAdmin, "", c.peoplePage))
	mux.HandleFunc("POST "+site+"/people", c.atSite(centre.RoleAdmin, "person.invite", c.personInvite))
	mux.HandleFunc("POST "+site+"/people/{id}/role", c.atSite(centre.RoleAdmin, "person.role", c.personRole))
	mux.HandleFunc("POST "+site+"/people/{id}/disable", c.atSite(centre.RoleAdmin, "person.disable", c.personDisable))
	mux.HandleFunc("POST "+site+"/people/{id}/sessions", c.atSite(centre.RoleAdmin, "person.end_sessions", c.personEndSessions))
	mux.HandleFunc("POST "+site+"/people/{id}/invitation", c.atSite(centre.RoleAdmin, "person.reinvite", c.personResend))
	mux.HandleFunc("GET "+site+"/keys", c.atSite(centre.RoleAdmin, "", c.keysPage))
	mux.HandleFunc("POST "+site+"/keys", c.atSite(centre.RoleAdmin, "key.create", c.keyIssue))
	mux.HandleFunc("POST "+site+"/keys/{id}/revoke", c.atSite(centre.RoleAdmin, "key.revoke", c.keyRevoke))
	mux.HandleFunc("GET "+site+"/webhooks", c.atSite(centre.RoleAdmin, "", c.webhooksPage))
	mux.HandleFunc("POST "+site+"/webhooks", c.atSite(centre.RoleAdmin, "webhook.create", c.webhookCreate))
	mux.HandleFunc("GET "+site+"/webhooks/{id}", c.atSite(centre.RoleAdmin, "", c.webhookDeliveries))
	mux.HandleFunc("POST "+site+"/webhooks/{id}/test", c.atSite(centre.RoleAdmin, "webhook.test", c.webhookTest))
	mux.HandleFunc("POST "+site+"/webhooks/{id}/delete", c.atSite(centre.RoleAdmin, "webhook.delete", c.webhookDelete))
	mux.HandleFunc("GET "+site+"/audit", c.atSite(centre.RoleAdmin, "", c.auditPage))
	mux.HandleFunc("GET /admin/audit", c.atSite(centre.RoleOwner, "", c.auditPage))
	// The owners and the owner keys: the same screens for AllSites.
	mux.HandleFunc("GET /admin/people", c.atSite(centre.RoleOwner, "", c.peoplePage))
	mux.HandleFunc("POST /admin/people", c.atSite(centre.RoleOwner, "person.invite", c.personInvite))
	mux.HandleFunc("POST /admin/people/{id}/disable", c.atSite(centre.RoleOwner, "person.disable", c.personDisable))
	mux.HandleFunc("POST /admin/people/{id}/sessions", c.atSite(centre.RoleOwner, "person.end_sessions", c.personEndSessions))
	mux.HandleFunc("POST /admin/people/{id}/invitation", c.atSite(centre.RoleOwner, "person.reinvite", c.personResend))
	mux.HandleFunc("GET /admin/keys", c.atSite(centre.RoleOwner, "", c.keysPage))
	mux.HandleFunc("POST /admin/keys", c.atSite(centre.RoleOwner, "key.create", c.keyIssue))
	mux.HandleFunc("POST /admin/keys/{id}/revoke", c.atSite(centre.RoleOwner, "key.revoke", c.keyRevoke))
	mux.HandleFunc("GET "+site+"/files", c.atSite(centre.RoleViewer, "", c.filesPage))
	mux.HandleFunc("POST "+site+"/files", c.atSite(centre.RoleEditor, "file.upload", c.fileUpload))
	mux.HandleFunc("GET "+site+"/files/uploads/{id}", c.atSite(centre.RoleEditor, "file.upload", c.uploadPage))
	mux.HandleFunc("POST "+site+"/files/uploads/{id}/finish", c.atSite(centre.RoleEditor, "file.upload", c.uploadFinish))
	mux.HandleFunc("POST "+site+"/files/{id}/delete", c.atSite(centre.RolePublisher, "file.delete", c.fileDelete))
}

type sitesPageData struct {
	pageData
	Sites []*centre.Site
}

// sitesPage lists the sites the person may see (every site for an
// owner), with a link to each screen their role opens.
func (c *Console) sitesPage(w http.ResponseWriter, r *http.Request, who caller) {
	sites, err := c.cfg.Service.ListSites(r.Context(), who.p)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.view(w, r, http.StatusOK, "sites", sitesPageData{pageData: pageData{Title: "Sites", Person: who.person}, Sites: sites})
}

// adminFuncs are the template functions of the administration screens.
var adminFuncs = template.FuncMap{
	// can reports whether person may act with role on site.
	"can": func(person *centre.Person, site, role string) bool {
		return person != nil && principalOf(person).Can(site, role)
	},
	// navSite is the site the navigation links to: the page's, else the
	// person's own (none for an owner on a page of no site).
	"navSite": func(site string, person *centre.Person) string {
		if site != "" && site != centre.AllSites {
			return site
		}
		if person != nil && person.Site != centre.AllSites {
			return person.Site
		}
		return ""
	},
	"bytes":   humanBytes,
	"screen":  screenPath,
	"fieldID": fieldID,
	"label":   fieldLabel,
	// field describes a form field for the "field" template: its name
	// (also its id), label, value, hint, and the errors of its Service
	// field names.
	"field": func(name, label, value, hint string, errs fieldErrors, keys ...string) formField {
		f := formField{Name: name, Label: label, Value: value, Hint: hint}
		for _, k := range append(keys, name) {
			f.Errors = append(f.Errors, errs[k]...)
		}
		return f
	},
	"roles": func() []string { return centre.Roles[:4] },
	"rank":  centre.RoleRank,
}

// screenPath is the path of a screen of site ("people", "keys" …); the
// owners' screens (AllSites) are under /admin/.
func screenPath(site, screen string) string {
	if site == centre.AllSites {
		return "/admin/" + screen
	}
	return "/admin/sites/" + site + "/" + screen
}

func principalOf(p *centre.Person) centre.Principal {
	return centre.Principal{PersonID: p.ID, Site: p.Site, Role: p.Role}
}

// signedInPage runs next for a signed-in person; a browser that is not
// signed in is sent to the sign-in page.
func (c *Console) signedInPage(next func(w http.ResponseWriter, r *http.Request, who caller)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		who, ok := c.session(r)
		if !ok {
			http.Redirect(w, r, signInPath, http.StatusSeeOther)
			return
		}
		next(w, r, who)
	}
}

// atSite runs next for a signed-in person with at least role on the
// site of the path (AllSites on a path without one). A GET without a
// session is sent to the sign-in page, a POST answered 401; a person
// without the role gets 403, which is audited (as action, or "read" for
// a page).
func (c *Console) atSite(role, action string, next func(w http.ResponseWriter, r *http.Request, who caller, site string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		who, ok := c.session(r)
		if !ok {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, signInPath, http.StatusSeeOther)
				return
			}
			c.problem(w, r, http.StatusUnauthorized, "you are not signed in, or your session has ended; sign in again")
			return
		}
		site := r.PathValue("site")
		if site == "" {
			site = centre.AllSites
		}
		if !who.p.Can(site, role) {
			act, detail := action, ""
			if act == "" {
				act, detail = "read", r.Pattern
			}
			c.audit(r, who.p, c.auditSite(r, site), act, clip(r.PathValue("id"), 200), http.StatusForbidden, detail)
			c.problem(w, r, http.StatusForbidden, "your role ("+who.p.Role+") does not allow this here; ask an admin of the site")
			return
		}
		next(w, r, who, site)
	}
}

// auditSite is the log an event about site goes to: its own if it
// exists, else the operator's (AllSites), so that nobody plants events in
// the log of a site created later.
func (c *Console) auditSite(r *http.Request, site string) string {
	if site == centre.AllSites || !centre.ValidSlug(site) {
		return centre.AllSites
	}
	if _, err := c.cfg.Service.Site(r.Context(), site); err != nil {
		return centre.AllSites
	}
	return site
}

// maxForm bounds the body of a console form (uploads excepted).
const maxForm = 64 << 10

// form parses a POSTed form of at most maxForm bytes; false means the
// answer (400) is written.
func (c *Console) form(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		c.problem(w, r, http.StatusBadRequest, "the form could not be read; reload the page and try again")
		return false
	}
	return true
}

// fieldErrors are the per-field reasons of an EINVALID error, by field.
type fieldErrors map[string][]string

// invalid returns the field errors of err (nil if it has none).
func invalid(err error) fieldErrors {
	var e *centre.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return nil
	}
	out := fieldErrors{}
	for _, f := range e.Fields {
		out[f.Field] = append(out[f.Field], f.Reason)
	}
	return out
}

// formField is one field of a form (see the "field" function).
type formField struct {
	Name, Label, Value, Hint string
	Errors                   []string
}

// fieldID is the id of the form field that shows a Service field.
func fieldID(field string) string {
	switch field {
	case "contact":
		return "contact_email"
	case "theme.accent":
		return "accent"
	case "expires_at":
		return "expires"
	case "events":
		return "event-" + centre.WebhookEvents[0]
	}
	return strings.ReplaceAll(field, ".", "_")
}

// fieldLabels name the Service's fields as the forms label them.
var fieldLabels = map[string]string{
	"title": "Title", "tagline": "Tagline", "description": "Description", "languages": "Languages",
	"publisher": "Publisher", "contact": "Contact", "contact.email": "Email address", "contact.url": "Contact page",
	"theme.accent": "Accent colour", "time_zone": "Time zone", "hosts": "Host names", "email": "Email address",
	"name": "Name", "organisation": "Member organisation", "role": "Role", "expires_at": "Expires on",
	"from": "From", "to": "To", "file": "File", "alt": "Alternative text", "lang": "Language",
	"url": "URL", "events": "Events",
}

// fieldLabel is the label of a Service field (the field's name if it
// has none).
func fieldLabel(field string) string {
	if l, ok := fieldLabels[field]; ok {
		return l
	}
	return field
}

// notice is a one-line message on a page: Kind "ok" or "error".
type notice struct {
	Kind string
	Text string
}

func failed(err error) *notice { return &notice{Kind: "error", Text: centre.ErrorMessage(err)} }

// internal logs an internal error of a screen; other errors are the
// caller's and are shown as they are.
func (c *Console) internal(r *http.Request, err error) {
	if statusOf(err) == http.StatusInternalServerError {
		c.cfg.Log.ErrorContext(r.Context(), "console", slog.String("path", centre.LogPath(r.URL.Path)), slog.String("error", err.Error()))
	}
}

// pageStatus is the status of a page that shows err as a message: that
// of err, except that a stale version is a conflict the page explains
// (409), never a bare 412.
func pageStatus(err error) int {
	if s := statusOf(err); s != http.StatusPreconditionFailed {
		return s
	}
	return http.StatusConflict
}

// back redirects to path after a successful POST, with a notice code the
// page turns into its message.
func back(w http.ResponseWriter, r *http.Request, path, done string) {
	http.Redirect(w, r, path+"?done="+url.QueryEscape(done), http.StatusSeeOther)
}

// humanBytes writes a size for people: "812 B", "2.5 MiB".
func humanBytes(n int64) string {
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " B"
	}
	f, i := float64(n), -1
	for f >= 1024 && i < 4 {
		f /= 1024
		i++
	}
	return fmt.Sprintf("%.1f %ciB", f, "KMGTP"[i])
}

// splitList splits a form's list (commas, spaces or lines) into its
// non-empty items, at most max of them (more are kept as one extra item,
// so that validation reports the excess).
func splitList(s string, max int) []string {
	out := []string{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		if len(out) > max {
			break
		}
		out = append(out, f)
	}
	return out
}
