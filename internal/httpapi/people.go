package httpapi

import (
	"context"
	"net/http"

	"infocentre/internal/centre"
)

// PersonList lists the people of a site.
type PersonList struct {
	Items []*centre.Person `json:"items"`
}

// InvitedPerson is a new person with the link of their invitation, shown
// once: opening it lets them create their passkey.
type InvitedPerson struct {
	Person        *centre.Person `json:"person"`
	InvitationURL string         `json:"invitation_url"`
}

func (h *Handler) listPeople(w http.ResponseWriter, r *http.Request) {
	people, err := h.cfg.Service.People(r.Context(), principal(r.Context()), r.PathValue("site"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	if people == nil {
		people = []*centre.Person{}
	}
	writeJSON(w, http.StatusOK, PersonList{Items: people})
}

// invitePerson invites a person to the site in the path and answers the
// invitation link once (never kept for an Idempotency-Key replay). The
// link points to the console, so without one (no PUBLIC_ORIGIN) nobody
// is invited.
func (h *Handler) invitePerson(w http.ResponseWriter, r *http.Request) {
	var in centre.PersonInput
	if decodeJSON(w, r, h.cfg.MaxBody, &in) != nil {
		return
	}
	if in.Role == centre.RoleOwner {
		writeError(w, r, &centre.Error{Code: centre.EINVALID, Message: "invalid fields: role", Fields: []centre.FieldError{{Field: "role",
			Reason: "must be viewer, editor, publisher or admin: owners belong to no one site (invite them with infocentre person invite --role owner)"}}})
		return
	}
	if h.cfg.InvitationURL == nil {
		writeError(w, r, centre.Errorf(centre.ECONFLICT,
			"invitations are opened in the staff console, which is off on this deployment (it needs PUBLIC_ORIGIN)"))
		return
	}
	person, token, err := h.cfg.Service.InvitePerson(r.Context(), principal(r.Context()), r.PathValue("site"), in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	noteAudit(r, "person "+person.ID+" invited as "+person.Role)
	withholdBody(r)
	w.Header().Set("Location", "/api/v1/admin/sites/"+r.PathValue("site")+"/people/"+person.ID)
	writeVersioned(w, http.StatusCreated, person.Version, InvitedPerson{Person: person, InvitationURL: h.cfg.InvitationURL(token)})
}

// sitePerson returns the person with the id in the path if they belong
// to the site in the path (ENOTFOUND otherwise), as an admin sees them.
func (h *Handler) sitePerson(ctx context.Context, r *http.Request) (*centre.Person, error) {
	site, id := r.PathValue("site"), r.PathValue("id")
	person, err := h.cfg.Service.Person(ctx, principal(ctx), id)
	if err == nil && person.Site != site || centre.IsCode(err, centre.ENOTFOUND) {
		return nil, centre.Errorf(centre.ENOTFOUND, "site %q has no person %q", site, id)
	}
	return person, err
}

func (h *Handler) getPerson(w http.ResponseWriter, r *http.Request) {
	person, err := h.sitePerson(r.Context(), r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeVersioned(w, http.StatusOK, person.Version, person)
}

// patchPerson changes a person's role, with If-Match.
func (h *Handler) patchPerson(w http.ResponseWriter, r *http.Request) {
	version, err := precondition(w, r, true, "person", func(ctx context.Context) (int64, error) {
		person, err := h.sitePerson(ctx, r)
		if err != nil {
			return 0, err
		}
		return person.Version, nil
	})
	if err != nil {
		return
	}
	var in struct {
		Role string `json:"role"`
	}
	if decodeJSON(w, r, h.cfg.MaxBody, &in) != nil {
		return
	}
	noteAudit(r, "role "+in.Role)
	person, err := h.cfg.Service.SetPersonRole(r.Context(), principal(r.Context()), r.PathValue("site"), r.PathValue("id"), in.Role, version)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeVersioned(w, http.StatusOK, person.Version, person)
}

func (h *Handler) disablePerson(w http.ResponseWriter, r *http.Request) {
	person, err := h.cfg.Service.DisablePerson(r.Context(), principal(r.Context()), r.PathValue("site"), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeVersioned(w, http.StatusOK, person.Version, person)
}

func (h *Handler) endSessions(w http.ResponseWriter, r *http.Request) {
	person, err := h.cfg.Service.EndSessions(r.Context(), principal(r.Context()), r.PathValue("site"), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeVersioned(w, http.StatusOK, person.Version, person)
}

// resendInvitation sends an invited person's invitation again (If-Match
// optional): a new link, answered once like invitePerson's; the link sent
// before stops working.
func (h *Handler) resendInvitation(w http.ResponseWriter, r *http.Request) {
	version, err := precondition(w, r, false, "person", func(ctx context.Context) (int64, error) {
		person, err := h.sitePerson(ctx, r)
		if err != nil {
			return 0, err
		}
		return person.Version, nil
	})
	if err != nil {
		return
	}
	if h.cfg.InvitationURL == nil {
		writeError(w, r, centre.Errorf(centre.ECONFLICT,
			"invitations are opened in the staff console, which is off on this deployment (it needs PUBLIC_ORIGIN)"))
		return
	}
	person, token, err := h.cfg.Service.ResendInvitation(r.Context(), principal(r.Context()), r.PathValue("site"), r.PathValue("id"), version)
	if err != nil {
		writeError(w, r, err)
		return
	}
	noteAudit(r, "person "+person.ID+" invited again")
	withholdBody(r)
	writeVersioned(w, http.StatusOK, person.Version, InvitedPerson{Person: person, InvitationURL: h.cfg.InvitationURL(token)})
}
