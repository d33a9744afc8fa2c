package httpapi

import (
	"net/http"

	"infocentre/internal/centre"
)

func (h *Handler) archiveSite(w http.ResponseWriter, r *http.Request) {
	h.setStatus(w, r, centre.SiteArchived)
}

func (h *Handler) reopenSite(w http.ResponseWriter, r *http.Request) {
	h.setStatus(w, r, centre.SiteActive)
}

func (h *Handler) setStatus(w http.ResponseWriter, r *http.Request, status string) {
	version, err := ifMatch(w, r, false)
	if err != nil {
		return
	}
	site, err := h.cfg.Service.SetSiteStatus(r.Context(), principal(r.Context()), r.PathValue("site"), status, version)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeVersioned(w, http.StatusOK, site.Version, site)
}
