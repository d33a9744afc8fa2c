package httpapi

import (
	"net/http"

	"infocentre/internal/centre"
)

// routeRoles is the least role each staff route needs: on the site in its
// path, or, for routes without one, on every site (the owner role). ""
// means any valid key. A request is authorised against it before its
// headers, query or body are looked at, so that a key without the role —
// a key of another site above all — learns nothing but 403, whatever it
// sends. The service checks again, with the rules that depend on what is
// stored (the entry's state, the role of a key being revoked).
var routeRoles = map[string]string{
	"GET /api/v1/admin/whoami":          "",
	"GET /api/v1/admin/sites":           "",
	"POST /api/v1/admin/sites":          centre.RoleOwner,
	"POST /api/v1/admin/import":         centre.RoleOwner,
	"POST /api/v1/admin/import/uploads": centre.RoleOwner,
	"GET /api/v1/admin/audit":           centre.RoleOwner,
	"GET /api/v1/admin/keys":            centre.RoleOwner,
	"POST /api/v1/admin/keys":           centre.RoleOwner,
	"DELETE /api/v1/admin/keys/{id}":    centre.RoleOwner,

	"GET " + siteRoute:                                centre.RoleViewer,
	"PATCH " + siteRoute:                              centre.RolePublisher, // the banner; other settings need admin (centre.UpdateSite)
	"POST " + siteRoute + "/archive":                  centre.RoleAdmin,
	"POST " + siteRoute + "/reopen":                   centre.RoleAdmin,
	"GET " + siteRoute + "/export":                    centre.RoleAdmin,
	"GET " + siteRoute + "/export-static":             centre.RoleAdmin,
	"GET " + siteRoute + "/audit":                     centre.RoleAdmin,
	"GET " + siteRoute + "/subscribers":               centre.RoleAdmin,
	"POST " + siteRoute + "/subscribers/delete":       centre.RoleAdmin,
	"POST " + siteRoute + "/subscribers/unsuppress":   centre.RoleAdmin,
	"GET " + siteRoute + "/people":                    centre.RoleAdmin,
	"POST " + siteRoute + "/people":                   centre.RoleAdmin,
	"GET " + siteRoute + "/people/{id}":               centre.RoleAdmin,
	"PATCH " + siteRoute + "/people/{id}":             centre.RoleAdmin,
	"POST " + siteRoute + "/people/{id}/disable":      centre.RoleAdmin,
	"POST " + siteRoute + "/people/{id}/end-sessions": centre.RoleAdmin,
	"POST " + siteRoute + "/people/{id}/invitation":   centre.RoleAdmin,
	"GET " + siteRoute + "/keys":                      centre.RoleAdmin,
	"POST " + siteRoute + "/keys":                     centre.RoleAdmin,
	"DELETE " + siteRoute + "/keys/{id}":              centre.RoleAdmin,
	"GET " + siteRoute + "/webhooks":                  centre.RoleAdmin,
	"POST " + siteRoute + "/webhooks":                 centre.RoleAdmin,
	"DELETE " + siteRoute + "/webhooks/{id}":          centre.RoleAdmin,
	"GET " + siteRoute + "/webhooks/{id}/deliveries":  centre.RoleAdmin,
	"POST " + siteRoute + "/webhooks/{id}/test":       centre.RoleAdmin,

	"GET " + siteRoute + "/entries":  centre.RoleViewer,
	"POST " + siteRoute + "/entries": centre.RoleEditor,
	"GET " + entryRoute:              centre.RoleViewer,

	"GET " + siteRoute + "/notifications":                 centre.RolePublisher,
	"GET " + siteRoute + "/files":                         centre.RoleViewer,
	"POST " + siteRoute + "/files":                        centre.RoleEditor,
	"GET " + siteRoute + "/files/{id}":                    centre.RoleViewer,
	"DELETE " + siteRoute + "/files/{id}":                 centre.RolePublisher,
	"POST " + siteRoute + "/files/uploads":                centre.RoleEditor,
	"POST " + siteRoute + "/files/uploads/{id}/complete":  centre.RoleEditor,
	"PATCH " + entryRoute:                                 centre.RoleEditor,
	"DELETE " + entryRoute:                                centre.RoleEditor,
	"POST " + entryRoute + "/publish":                     centre.RolePublisher,
	"POST " + entryRoute + "/unschedule":                  centre.RolePublisher,
	"POST " + entryRoute + "/withdraw":                    centre.RolePublisher,
	"POST " + entryRoute + "/review":                      centre.RoleEditor,
	"POST " + entryRoute + "/approve":                     centre.RolePublisher,
	"POST " + entryRoute + "/request-changes":             centre.RolePublisher,
	"GET " + entryRoute + "/revisions":                    centre.RoleViewer,
	"GET " + entryRoute + "/revisions/{version}":          centre.RoleViewer,
	"GET " + entryRoute + "/diff":                         centre.RoleViewer,
	"POST " + entryRoute + "/revisions/{version}/restore": centre.RoleEditor,
	"POST " + entryRoute + "/previews":                    centre.RoleEditor,
	"DELETE " + entryRoute + "/previews":                  centre.RoleEditor,
}

const siteRoute, entryRoute = "/api/v1/admin/sites/{site}", "/api/v1/admin/sites/{site}/entries/{id}"

// authorize refuses, with 403, a caller without the role routeRoles names
// for pattern. It panics if pattern has no entry: every staff route must
// say who may call it.
func (h *Handler) authorize(pattern string, next http.HandlerFunc) http.HandlerFunc {
	role, ok := routeRoles[pattern]
	if !ok {
		panic("httpapi: staff route " + pattern + " has no entry in routeRoles")
	}
	if role == "" {
		return next
	}
	return func(w http.ResponseWriter, r *http.Request) {
		site := r.PathValue("site")
		if site == "" {
			site = centre.AllSites
		}
		if err := h.cfg.Service.Require(principal(r.Context()), site, role); err != nil {
			writeError(w, r, err)
			return
		}
		next(w, r)
	}
}
