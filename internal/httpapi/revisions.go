package httpapi

import (
	"net/http"
	"strconv"

	"infocentre/internal/centre"
)

// RevisionList lists an entry's revisions, oldest first.
type RevisionList struct {
	Items []centre.RevisionSummary `json:"items"`
}

func (h *Handler) listRevisions(w http.ResponseWriter, r *http.Request) {
	revs, err := h.cfg.Service.Revisions(r.Context(), principal(r.Context()), r.PathValue("site"), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, RevisionList{Items: revs})
}

func pathVersion(w http.ResponseWriter, r *http.Request, name, value string) (int64, bool) {
	n, err := strconv.ParseInt(value, 10, 64)
	if err != nil || n < 1 {
		writeError(w, r, &centre.Error{Code: centre.EINVALID, Message: "invalid fields: " + name,
			Fields: []centre.FieldError{{Field: name, Reason: "must be a revision number (1, 2, …)"}}})
		return 0, false
	}
	return n, true
}

func (h *Handler) getRevision(w http.ResponseWriter, r *http.Request) {
	v, ok := pathVersion(w, r, "version", r.PathValue("version"))
	if !ok {
		return
	}
	e, err := h.cfg.Service.Revision(r.Context(), principal(r.Context()), r.PathValue("site"), r.PathValue("id"), v)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, e)
}

// Diff is the field-by-field change between two revisions.
type Diff struct {
	From    int64              `json:"from"`
	To      int64              `json:"to"`
	Changes []centre.FieldDiff `json:"changes"`
}

func (h *Handler) diffRevisions(w http.ResponseWriter, r *http.Request) {
	from, ok := pathVersion(w, r, "from", r.URL.Query().Get("from"))
	if !ok {
		return
	}
	to, ok := pathVersion(w, r, "to", r.URL.Query().Get("to"))
	if !ok {
		return
	}
	d, err := h.cfg.Service.Diff(r.Context(), principal(r.Context()), r.PathValue("site"), r.PathValue("id"), from, to)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, Diff{From: from, To: to, Changes: d})
}

func (h *Handler) restoreRevision(w http.ResponseWriter, r *http.Request) {
	rev, ok := pathVersion(w, r, "version", r.PathValue("version"))
	if !ok {
		return
	}
	version, err := h.entryVersion(w, r, true)
	if err != nil {
		return
	}
	var in struct {
		Change     string `json:"change"`
		ChangeNote string `json:"change_note"`
	}
	if h.optionalJSON(w, r, &in) != nil {
		return
	}
	e, err := h.cfg.Service.Restore(r.Context(), principal(r.Context()), r.PathValue("site"), r.PathValue("id"), rev, version, in.Change, in.ChangeNote)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeVersioned(w, http.StatusOK, e.Version, e)
}
