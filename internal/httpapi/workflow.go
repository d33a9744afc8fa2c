package httpapi

import (
	"net/http"

	"infocentre/internal/centre"
)

func (h *Handler) publishEntry(w http.ResponseWriter, r *http.Request) {
	version, err := h.entryVersion(w, r, false)
	if err != nil {
		return
	}
	var in struct {
		ChangeNote string `json:"change_note"`
		// ForceReason publishes without the approval the site's
		// two-person rule asks for (owners only).
		ForceReason *string `json:"force_reason"`
	}
	if h.optionalJSON(w, r, &in) != nil {
		return
	}
	p, site, id := principal(r.Context()), r.PathValue("site"), r.PathValue("id")
	var e *centre.Entry
	if in.ForceReason != nil {
		noteAudit(r, "forced without approval: "+*in.ForceReason)
		e, err = h.cfg.Service.ForcePublish(r.Context(), p, site, id, version, in.ChangeNote, *in.ForceReason)
	} else {
		e, err = h.cfg.Service.Publish(r.Context(), p, site, id, version, in.ChangeNote)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeVersioned(w, http.StatusOK, e.Version, e)
}

func (h *Handler) unscheduleEntry(w http.ResponseWriter, r *http.Request) {
	version, err := h.entryVersion(w, r, false)
	if err != nil {
		return
	}
	e, err := h.cfg.Service.Unschedule(r.Context(), principal(r.Context()), r.PathValue("site"), r.PathValue("id"), version)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeVersioned(w, http.StatusOK, e.Version, e)
}

func (h *Handler) withdrawEntry(w http.ResponseWriter, r *http.Request) {
	version, err := h.entryVersion(w, r, false)
	if err != nil {
		return
	}
	var in struct {
		Reason       string `json:"reason"`
		SupersededBy string `json:"superseded_by"`
	}
	if decodeJSON(w, r, h.cfg.MaxBody, &in) != nil {
		return
	}
	e, err := h.cfg.Service.Withdraw(r.Context(), principal(r.Context()), r.PathValue("site"), r.PathValue("id"), version, in.Reason, in.SupersededBy)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeVersioned(w, http.StatusOK, e.Version, e)
}

func (h *Handler) reviewEntry(w http.ResponseWriter, r *http.Request) {
	version, err := h.entryVersion(w, r, false)
	if err != nil {
		return
	}
	var in struct {
		Note string `json:"note"`
	}
	if h.optionalJSON(w, r, &in) != nil {
		return
	}
	e, err := h.cfg.Service.RequestReview(r.Context(), principal(r.Context()), r.PathValue("site"), r.PathValue("id"), version, in.Note)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeVersioned(w, http.StatusOK, e.Version, e)
}

func (h *Handler) approveEntry(w http.ResponseWriter, r *http.Request) {
	version, err := h.entryVersion(w, r, false)
	if err != nil {
		return
	}
	var in struct {
		Note string `json:"note"`
	}
	if h.optionalJSON(w, r, &in) != nil {
		return
	}
	e, err := h.cfg.Service.Approve(r.Context(), principal(r.Context()), r.PathValue("site"), r.PathValue("id"), version, in.Note)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeVersioned(w, http.StatusOK, e.Version, e)
}

func (h *Handler) requestChanges(w http.ResponseWriter, r *http.Request) {
	version, err := h.entryVersion(w, r, false)
	if err != nil {
		return
	}
	var in struct {
		Note string `json:"note"`
	}
	if decodeJSON(w, r, h.cfg.MaxBody, &in) != nil {
		return
	}
	e, err := h.cfg.Service.RequestChanges(r.Context(), principal(r.Context()), r.PathValue("site"), r.PathValue("id"), version, in.Note)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeVersioned(w, http.StatusOK, e.Version, e)
}
