package httpapi

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"infocentre/internal/centre"
	"infocentre/internal/cursor"
)

func (h *Handler) listEntries(w http.ResponseWriter, r *http.Request) {
	q, err := listQuery(r, r.PathValue("site"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	if slug := r.URL.Query().Get("slug"); slug != "" {
		h.listEntriesBySlug(w, r, q, slug)
		return
	}
	scope := cursorScope(q, false)
	if q.After, err = h.cfg.Cursors.Open(scope, r.URL.Query().Get("cursor")); err != nil {
		writeError(w, r, err)
		return
	}
	page, err := h.cfg.Service.Entries(r.Context(), principal(r.Context()), q)
	if err != nil {
		writeError(w, r, err)
		return
	}
	items := page.Items
	if items == nil {
		items = []*centre.Entry{}
	}
	writeJSON(w, http.StatusOK, EntryList{Items: items, NextCursor: h.cfg.Cursors.Seal(scope, page.Next)})
}

// listEntriesBySlug answers the language versions of one entry, in any
// status, that pass the other filters of q: one page, never a cursor.
func (h *Handler) listEntriesBySlug(w http.ResponseWriter, r *http.Request, q centre.EntryQuery, slug string) {
	if r.URL.Query().Get("cursor") != "" {
		writeError(w, r, &centre.Error{Code: centre.EINVALID, Message: "invalid fields: cursor",
			Fields: []centre.FieldError{{Field: "cursor", Reason: "a listing by slug is one page; it takes no cursor"}}})
		return
	}
	if q.Status != "" && !centre.ValidStatus(q.Status) {
		writeError(w, r, &centre.Error{Code: centre.EINVALID, Message: "invalid fields: status",
			Fields: []centre.FieldError{{Field: "status", Reason: "must be one of " + strings.Join(centre.Statuses, ", ")}}})
		return
	}
	all, err := h.cfg.Service.EntriesBySlug(r.Context(), principal(r.Context()), q.Site, slug)
	if err != nil {
		writeError(w, r, err)
		return
	}
	items := []*centre.Entry{}
	for _, e := range all {
		if (q.Status == "" || e.Status == q.Status) && (q.Type == "" || e.Type == q.Type) &&
			(q.Lang == "" || strings.EqualFold(e.Lang, q.Lang)) && (q.Tag == "" || slices.Contains(e.Tags, q.Tag)) &&
			(q.Organisation == "" || slices.ContainsFunc(e.Organisations, func(o string) bool { return centre.OrgKey(o) == centre.OrgKey(q.Organisation) })) {
			items = append(items, e)
		}
	}
	writeJSON(w, http.StatusOK, EntryList{Items: items})
}

func (h *Handler) createEntry(w http.ResponseWriter, r *http.Request) {
	var in centre.EntryInput
	if decodeJSON(w, r, h.cfg.MaxBody, &in) != nil {
		return
	}
	e, err := h.cfg.Service.CreateEntry(r.Context(), principal(r.Context()), r.PathValue("site"), in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/admin/sites/"+e.Site+"/entries/"+e.ID)
	writeVersioned(w, http.StatusCreated, e.Version, e)
}

func (h *Handler) getEntry(w http.ResponseWriter, r *http.Request) {
	e, err := h.cfg.Service.Entry(r.Context(), principal(r.Context()), r.PathValue("site"), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeVersioned(w, http.StatusOK, e.Version, e)
}

func (h *Handler) patchEntry(w http.ResponseWriter, r *http.Request) {
	version, err := h.entryVersion(w, r, true)
	if err != nil {
		return
	}
	var patch centre.EntryPatch
	if decodeJSON(w, r, h.cfg.MaxBody, &patch) != nil {
		return
	}
	e, err := h.cfg.Service.UpdateEntry(r.Context(), principal(r.Context()), r.PathValue("site"), r.PathValue("id"), patch, version)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeVersioned(w, http.StatusOK, e.Version, e)
}

func (h *Handler) deleteEntry(w http.ResponseWriter, r *http.Request) {
	version, err := h.entryVersion(w, r, false)
	if err != nil {
		return
	}
	if err := h.cfg.Service.DeleteEntry(r.Context(), principal(r.Context()), r.PathValue("site"), r.PathValue("id"), version); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// EntryList is a page of entries as staff see them (PublicEntryList is
// the public one).
type EntryList struct {
	Items      []*centre.Entry `json:"items"`
	NextCursor string          `json:"next_cursor,omitempty"`
}

// listQuery reads the filters and page size shared by the public and staff
// listings. It names every bad parameter.
func listQuery(r *http.Request, site string) (centre.EntryQuery, error) {
	v := r.URL.Query()
	q := centre.EntryQuery{Site: site, Type: v.Get("type"), Tag: v.Get("tag"),
		Organisation: v.Get("organisation"), Lang: v.Get("lang"), Status: v.Get("status"), Limit: 20}
	var p centre.Problems
	if q.Type != "" && !centre.ValidType(q.Type) {
		p.Add("type", "must be one of %s", strings.Join(centre.Types, ", "))
	}
	if q.Lang != "" && !centre.ValidLanguage(q.Lang) {
		p.Add("lang", "must be a BCP 47 language tag")
	}
	if q.Tag != "" && !centre.ValidSlug(q.Tag) {
		p.Add("tag", "must be a tag (lowercase letters, digits and hyphens)")
	}
	if len(q.Organisation) > centre.MaxOrgLen {
		p.Add("organisation", "must be at most %d characters", centre.MaxOrgLen)
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > centre.MaxPageSize {
			p.Add("limit", "must be a whole number from 1 to %d", centre.MaxPageSize)
		}
		q.Limit = n
	}
	return q, p.Err()
}

func cursorScope(q centre.EntryQuery, public bool) string {
	kind := "staff"
	if public {
		kind = "public"
	}
	return cursor.Scope(q.Site, kind, q.Status, q.Type, q.Tag, centre.OrgKey(q.Organisation), strings.ToLower(q.Lang))
}
