package httpapi

import (
	"net/http"
	"strings"

	"infocentre/internal/centre"
)

func (h *Handler) routeAdmin(mux *http.ServeMux) {
	// staff registers a route behind authentication; writes are audited
	// and POSTs honour Idempotency-Key.
	staff := func(pattern, action string, fn http.HandlerFunc) {
		method, _, _ := strings.Cut(pattern, " ")
		// Imports are large, and refuse a second copy anyway; an upload URL
		// is a credential, never to be stored, and costs nothing to ask again.
		if method == http.MethodPost && action != "site.import" && action != "site.import-upload" {
			fn = h.idempotent(fn)
		}
		fn = h.authorize(pattern, fn) // before any header, query or body is read
		if method != http.MethodGet {
			fn = h.audited(action, fn)
		}
		mux.Handle(pattern, h.authenticate(fn))
	}
	const site, entry = siteRoute, entryRoute
	staff("GET /api/v1/admin/whoami", "", h.whoami)
	staff("GET /api/v1/admin/sites", "", h.listSites)
	staff("POST /api/v1/admin/sites", "site.create", h.createSite)
	staff("GET "+site, "", h.getSite)
	staff("PATCH "+site, "site.update", h.patchSite)
	staff("POST "+site+"/archive", "site.archive", h.archiveSite)
	staff("POST "+site+"/reopen", "site.reopen", h.reopenSite)
	staff("GET "+site+"/export", "", h.exportSite)
	staff("GET "+site+"/export-static", "", h.exportStatic)
	staff("POST /api/v1/admin/import", "site.import", h.importSite)
	staff("POST /api/v1/admin/import/uploads", "site.import-upload", h.createImportUpload)
	staff("GET "+site+"/audit", "", h.listAudit)
	staff("GET /api/v1/admin/audit", "", h.listOwnerAudit)
	staff("GET "+site+"/entries", "", h.listEntries)
	staff("POST "+site+"/entries", "entry.create", h.createEntry)
	staff("GET "+entry, "", h.getEntry)
	staff("PATCH "+entry, "entry.update", h.patchEntry)
	staff("DELETE "+entry, "entry.delete", h.deleteEntry)
	staff("POST "+entry+"/publish", "entry.publish", h.publishEntry)
	staff("POST "+entry+"/unschedule", "entry.unschedule", h.unscheduleEntry)
	staff("POST "+entry+"/withdraw", "entry.withdraw", h.withdrawEntry)
	staff("POST "+entry+"/review", "entry.review", h.reviewEntry)
	staff("GET "+entry+"/revisions", "", h.listRevisions)
	staff("GET "+entry+"/revisions/{version}", "", h.getRevision)
	staff("GET "+entry+"/diff", "", h.diffRevisions)
	staff("POST "+entry+"/revisions/{version}/restore", "entry.restore", h.restoreRevision)
	staff("POST "+entry+"/previews", "entry.preview", h.createPreview)
	staff("DELETE "+entry+"/previews", "entry.preview-revoke", h.revokePreviews)
	staff("GET "+site+"/keys", "", h.listKeys)
	staff("POST "+site+"/keys", "key.create", h.createKey)
	staff("DELETE "+site+"/keys/{id}", "key.revoke", h.revokeKey)
	staff("GET /api/v1/admin/keys", "", h.listOwnerKeys)
	staff("POST /api/v1/admin/keys", "key.create", h.createOwnerKey)
	staff("DELETE /api/v1/admin/keys/{id}", "key.revoke", h.revokeOwnerKey)
	mux.Handle("/api/v1/admin/", h.authenticate(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, http.StatusNotFound, centre.ENOTFOUND, "no such staff route: "+r.Method+" "+r.URL.Path, nil)
	}))
}

// authenticate checks the bearer key of every staff request before the
// route runs; staff responses are never cacheable.
func (h *Handler) authenticate(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		scheme, secret, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
			writeProblem(w, r, http.StatusUnauthorized, centre.EUNAUTHORIZED,
				"send a staff key as 'Authorization: Bearer <key>'", nil)
			return
		}
		p, err := h.cfg.Service.Authenticate(r.Context(), strings.TrimSpace(secret))
		if err != nil {
			writeError(w, r, err)
			return
		}
		if c, ok := r.Context().Value(keyPrincipal).(*caller); ok {
			c.p = p
		}
		next(w, r)
	})
}

func writeVersioned(w http.ResponseWriter, status int, version int64, v any) {
	w.Header().Set("ETag", versionTag(version))
	writeJSON(w, status, v)
}

func (h *Handler) whoami(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, principal(r.Context()))
}

// optionalJSON decodes a body if the request has one; an empty body is
// allowed for actions whose fields are all optional.
func (h *Handler) optionalJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if r.ContentLength == 0 && r.Header.Get("Content-Type") == "" {
		return nil
	}
	return decodeJSON(w, r, h.cfg.MaxBody, v)
}
