package httpapi

import (
	"net/http"
	"time"

	"infocentre/internal/centre"
)

// KeyList lists keys without their secrets.
type KeyList struct {
	Items []*centre.Key `json:"items"`
}

// IssuedKey is a new key with its secret, shown once.
type IssuedKey struct {
	Key    *centre.Key `json:"key"`
	Secret string      `json:"secret"`
}

func (h *Handler) keysOf(w http.ResponseWriter, r *http.Request, site string) {
	keys, err := h.cfg.Service.Keys(r.Context(), principal(r.Context()), site)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if keys == nil {
		keys = []*centre.Key{}
	}
	writeJSON(w, http.StatusOK, KeyList{Items: keys})
}

func (h *Handler) issue(w http.ResponseWriter, r *http.Request, site string) {
	var in struct {
		Role      string    `json:"role"`
		Name      string    `json:"name"`
		ExpiresAt time.Time `json:"expires_at"`
		// Organisation scopes the key to a member organisation.
		Organisation string `json:"organisation"`
	}
	if decodeJSON(w, r, h.cfg.MaxBody, &in) != nil {
		return
	}
	if site == centre.AllSites && in.Role == "" {
		in.Role = centre.RoleOwner
	}
	k, secret, err := h.cfg.Service.CreateKey(r.Context(), principal(r.Context()), site,
		centre.KeyInput{Role: in.Role, Name: in.Name, ExpiresAt: in.ExpiresAt, Organisation: in.Organisation})
	if err != nil {
		writeError(w, r, err)
		return
	}
	withholdBody(r)
	writeJSON(w, http.StatusCreated, IssuedKey{Key: k, Secret: secret})
}

func (h *Handler) revoke(w http.ResponseWriter, r *http.Request, site string) {
	k, err := h.cfg.Service.RevokeKey(r.Context(), principal(r.Context()), site, r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, k)
}

func (h *Handler) listKeys(w http.ResponseWriter, r *http.Request) {
	h.keysOf(w, r, r.PathValue("site"))
}

func (h *Handler) createKey(w http.ResponseWriter, r *http.Request) {
	h.issue(w, r, r.PathValue("site"))
}

func (h *Handler) revokeKey(w http.ResponseWriter, r *http.Request) {
	h.revoke(w, r, r.PathValue("site"))
}

func (h *Handler) listOwnerKeys(w http.ResponseWriter, r *http.Request) {
	h.keysOf(w, r, centre.AllSites)
}

func (h *Handler) createOwnerKey(w http.ResponseWriter, r *http.Request) {
	h.issue(w, r, centre.AllSites)
}

func (h *Handler) revokeOwnerKey(w http.ResponseWriter, r *http.Request) {
	h.revoke(w, r, centre.AllSites)
}
