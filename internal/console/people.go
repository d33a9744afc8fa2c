package console

import (
	"net/http"
	"strconv"
	"strings"

	"infocentre/internal/centre"
)

// inviteForm is the invitation form, as typed.
type inviteForm struct{ Email, Name, Role, Organisation string }

type peoplePageData struct {
	pageData
	People []*centre.Person
	Form   inviteForm
	Errors fieldErrors
	Notice *notice
	// InviteURL is the absolute one-time link of the invitation just
	// made, shown on that answer only; Invited is its person.
	InviteURL string
	Invited   *centre.Person
	// Manages holds the IDs of the listed people the signed-in person may
	// manage (centre.Principal.Manages): the others are shown read-only.
	Manages map[string]bool
}

var peopleDone = map[string]string{
	"role":     "The role is changed.",
	"disabled": "The person is disabled: they are signed out everywhere and cannot sign in.",
	"sessions": "Every session of the person has ended: they are signed out everywhere.",
}

func (c *Console) peoplePage(w http.ResponseWriter, r *http.Request, who caller, site string) {
	d := peoplePageData{Form: inviteForm{Role: centre.RoleEditor}}
	if msg, ok := peopleDone[r.URL.Query().Get("done")]; ok {
		d.Notice = &notice{"ok", msg}
	}
	c.showPeople(w, r, who, site, http.StatusOK, d)
}

// showPeople renders the people page with d and the site's people.
func (c *Console) showPeople(w http.ResponseWriter, r *http.Request, who caller, site string, status int, d peoplePageData) {
	people, err := c.cfg.Service.People(r.Context(), who.p, site)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d.pageData = pageData{Title: "People of " + site, Person: who.person, Site: site}
	if site == centre.AllSites {
		d.Title = "Owners"
	}
	d.People = people
	d.Manages = make(map[string]bool, len(people))
	for _, p := range people {
		d.Manages[p.ID] = p.ID != who.p.PersonID && who.p.Manages(p)
	}
	c.view(w, r, status, "people", d)
}

// personInvite invites a person and shows the one-time invitation link,
// on this answer only (it is stored only as a hash).
func (c *Console) personInvite(w http.ResponseWriter, r *http.Request, who caller, site string) {
	if !c.form(w, r) {
		return
	}
	f := inviteForm{Email: strings.TrimSpace(r.PostFormValue("email")), Name: strings.TrimSpace(r.PostFormValue("name")),
		Role: r.PostFormValue("role"), Organisation: strings.TrimSpace(r.PostFormValue("organisation"))}
	person, token, err := c.cfg.Service.InvitePerson(r.Context(), who.p, site,
		centre.PersonInput{Email: f.Email, Name: f.Name, Role: f.Role, Organisation: f.Organisation})
	target := ""
	if person != nil {
		target = person.ID
	}
	c.audit(r, who.p, c.auditSite(r, site), "person.invite", target, statusOf(err), f.Role)
	if err != nil {
		c.internal(r, err)
		d := peoplePageData{Form: f, Errors: invalid(err), Notice: failed(err)}
		if d.Errors != nil {
			d.Notice.Text = "Nobody was invited: correct the fields marked below."
		}
		c.showPeople(w, r, who, site, pageStatus(err), d)
		return
	}
	c.showPeople(w, r, who, site, http.StatusOK, peoplePageData{Form: inviteForm{Role: f.Role},
		InviteURL: c.InvitationURL(token), Invited: person})
}

// personResend sends a person's invitation again: a new one-time link,
// shown on this answer only, and the old link revoked.
func (c *Console) personResend(w http.ResponseWriter, r *http.Request, who caller, site string) {
	if !c.form(w, r) {
		return
	}
	id := r.PathValue("id")
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	person, token, err := c.cfg.Service.ResendInvitation(r.Context(), who.p, site, id, version)
	c.audit(r, who.p, c.auditSite(r, site), "person.reinvite", clip(id, 200), statusOf(err), "")
	if centre.IsCode(err, centre.EPRECONDITION) {
		err = centre.Errorf(centre.EPRECONDITION, "someone changed this person after you opened the page; the list now shows them as they are: send the invitation again if it is still needed")
	}
	if err != nil {
		c.internal(r, err)
		c.showPeople(w, r, who, site, pageStatus(err), peoplePageData{Form: inviteForm{Role: centre.RoleEditor}, Notice: failed(err)})
		return
	}
	c.showPeople(w, r, who, site, http.StatusOK, peoplePageData{Form: inviteForm{Role: centre.RoleEditor},
		Notice:    &notice{"ok", "A new invitation link is made; the one sent before no longer works."},
		InviteURL: c.InvitationURL(token), Invited: person})
}

// personAction answers a row action on a person: back to the list with
// done, or the list with the error.
func (c *Console) personAction(w http.ResponseWriter, r *http.Request, who caller, site, action, done string, act func(id string) error) {
	if !c.form(w, r) {
		return
	}
	id := r.PathValue("id")
	err := act(id)
	detail := ""
	if action == "person.role" {
		detail = clip(r.PostFormValue("role"), 20) // the role asked for
	}
	c.audit(r, who.p, c.auditSite(r, site), action, clip(id, 200), statusOf(err), detail)
	if err != nil {
		c.internal(r, err)
		c.showPeople(w, r, who, site, pageStatus(err), peoplePageData{Form: inviteForm{Role: centre.RoleEditor}, Notice: failed(err)})
		return
	}
	back(w, r, screenPath(site, "people"), done)
}

func (c *Console) personRole(w http.ResponseWriter, r *http.Request, who caller, site string) {
	c.personAction(w, r, who, site, "person.role", "role", func(id string) error {
		version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
		_, err := c.cfg.Service.SetPersonRole(r.Context(), who.p, site, id, r.PostFormValue("role"), version)
		if centre.IsCode(err, centre.EPRECONDITION) {
			return centre.Errorf(centre.EPRECONDITION, "someone changed this person after you opened the page; the list now shows them as they are: choose the role again")
		}
		return err
	})
}

func (c *Console) personDisable(w http.ResponseWriter, r *http.Request, who caller, site string) {
	c.personAction(w, r, who, site, "person.disable", "disabled", func(id string) error {
		_, err := c.cfg.Service.DisablePerson(r.Context(), who.p, site, id)
		return err
	})
}

func (c *Console) personEndSessions(w http.ResponseWriter, r *http.Request, who caller, site string) {
	c.personAction(w, r, who, site, "person.end_sessions", "sessions", func(id string) error {
		_, err := c.cfg.Service.EndSessions(r.Context(), who.p, site, id)
		return err
	})
}
