package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"

	"infocentre/internal/centre"
)

// SiteList is the staff list of sites.
type SiteList struct {
	Items []*centre.Site `json:"items"`
}

func (h *Handler) listSites(w http.ResponseWriter, r *http.Request) {
	sites, err := h.cfg.Service.ListSites(r.Context(), principal(r.Context()))
	if err != nil {
		writeError(w, r, err)
		return
	}
	if sites == nil {
		sites = []*centre.Site{}
	}
	writeJSON(w, http.StatusOK, SiteList{Items: sites})
}

func (h *Handler) createSite(w http.ResponseWriter, r *http.Request) {
	var in centre.SiteInput
	if decodeJSON(w, r, h.cfg.MaxBody, &in) != nil {
		return
	}
	l, err := h.cfg.Service.LaunchSite(r.Context(), principal(r.Context()), in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/admin/sites/"+l.Site.Slug)
	withholdBody(r)
	writeVersioned(w, http.StatusCreated, l.Site.Version, CreatedSite{Site: l.Site, AdminKey: IssuedKey{Key: l.AdminKey, Secret: l.AdminSecret}})
}

// CreatedSite is a new site with its first admin key, shown once.
type CreatedSite struct {
	*centre.Site
	AdminKey IssuedKey `json:"admin_key"`
}

func (h *Handler) getSite(w http.ResponseWriter, r *http.Request) {
	site, err := h.cfg.Service.StaffSite(r.Context(), principal(r.Context()), r.PathValue("site"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeVersioned(w, http.StatusOK, site.Version, site)
}

func (h *Handler) patchSite(w http.ResponseWriter, r *http.Request) {
	version, err := h.siteVersion(w, r, true)
	if err != nil {
		return
	}
	var patch centre.SitePatch
	raw, err := decodeJSONBody(w, r, h.cfg.MaxBody, &patch)
	if err != nil {
		return
	}
	patch.RemoveBanner = isJSONNull(raw, "banner")
	switch {
	case patch.Banner != nil:
		noteAudit(r, "banner set: "+patch.Banner.Severity)
	case patch.RemoveBanner:
		noteAudit(r, "banner removed")
	}
	site, err := h.cfg.Service.UpdateSite(r.Context(), principal(r.Context()), r.PathValue("site"), patch, version)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeVersioned(w, http.StatusOK, site.Version, site)
}

// isJSONNull reports whether the JSON object body has the member name set
// to null (which decodes to the same nil pointer as a missing member).
func isJSONNull(body []byte, name string) bool {
	var members map[string]json.RawMessage
	if json.Unmarshal(body, &members) != nil {
		return false
	}
	v, ok := members[name]
	return ok && string(bytes.TrimSpace(v)) == "null"
}

func (h *Handler) archiveSite(w http.ResponseWriter, r *http.Request) {
	h.setStatus(w, r, centre.SiteArchived)
}

func (h *Handler) reopenSite(w http.ResponseWriter, r *http.Request) {
	h.setStatus(w, r, centre.SiteActive)
}

func (h *Handler) setStatus(w http.ResponseWriter, r *http.Request, status string) {
	version, err := h.siteVersion(w, r, false)
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
