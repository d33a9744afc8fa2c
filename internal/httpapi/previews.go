package httpapi

import (
	"net/http"
	"time"
)

// IssuedPreview is a new preview link.
type IssuedPreview struct {
	URL       string    `json:"url"`
	APIURL    string    `json:"api_url"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (h *Handler) createPreview(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ExpiresIn int64 `json:"expires_in"` // seconds
	}
	if h.optionalJSON(w, r, &in) != nil {
		return
	}
	if in.ExpiresIn == 0 {
		in.ExpiresIn = int64((7 * 24 * time.Hour).Seconds())
	}
	link, err := h.cfg.Service.CreatePreview(r.Context(), principal(r.Context()), r.PathValue("site"), r.PathValue("id"), time.Duration(in.ExpiresIn)*time.Second)
	if err != nil {
		writeError(w, r, err)
		return
	}
	withholdBody(r) // a preview link opens a draft to whoever holds it
	writeJSON(w, http.StatusCreated, IssuedPreview{URL: "/preview/" + link.Token, APIURL: "/api/v1/preview/" + link.Token, ExpiresAt: link.ExpiresAt})
}

func (h *Handler) revokePreviews(w http.ResponseWriter, r *http.Request) {
	e, err := h.cfg.Service.RevokePreviews(r.Context(), principal(r.Context()), r.PathValue("site"), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeVersioned(w, http.StatusOK, e.Version, e)
}

// getPreview shows a non-public entry to whoever holds a valid preview
// link. It is never cached, stored or indexed.
func (h *Handler) getPreview(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Robots-Tag", "noindex, nofollow")
	w.Header().Set("Referrer-Policy", "no-referrer")
	e, err := h.cfg.Service.Preview(r.Context(), r.PathValue("token"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, publicEntry(e))
}
