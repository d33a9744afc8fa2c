package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"infocentre/internal/centre"
)

func (h *Handler) routeAdmin(mux *http.ServeMux) {
	// staff registers a route behind authentication; writes are audited
	// and POSTs honour Idempotency-Key.
	staff := func(pattern, action string, fn http.HandlerFunc) {
		method, _, _ := strings.Cut(pattern, " ")
		// Imports are large, and refuse a second copy anyway; an upload URL
		// is a credential, never to be stored, and costs nothing to ask again;
		// file uploads are large and answer the file already there for the same content.
		if method == http.MethodPost && action != "site.import" && action != "site.import-upload" && action != "file.upload" {
			fn = h.idempotent(fn)
		}
		fn = h.authorize(pattern, fn) // before any header, query or body is read
		fn = h.audited(action, fn)    // GETs: only when refused
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
	staff("POST "+entry+"/approve", "entry.approve", h.approveEntry)
	staff("POST "+entry+"/request-changes", "entry.request-changes", h.requestChanges)
	staff("GET "+entry+"/revisions", "", h.listRevisions)
	staff("GET "+entry+"/revisions/{version}", "", h.getRevision)
	staff("GET "+entry+"/diff", "", h.diffRevisions)
	staff("POST "+entry+"/revisions/{version}/restore", "entry.restore", h.restoreRevision)
	staff("POST "+entry+"/previews", "entry.preview", h.createPreview)
	staff("DELETE "+entry+"/previews", "entry.preview-revoke", h.revokePreviews)
	staff("GET "+site+"/notifications", "", h.listNotifications)
	staff("GET "+site+"/files", "", h.listFiles)
	staff("POST "+site+"/files", "file.upload", h.uploadFile)
	staff("GET "+site+"/files/{id}", "", h.getFile)
	staff("DELETE "+site+"/files/{id}", "file.delete", h.deleteFile)
	staff("POST "+site+"/files/uploads", "file.upload-start", h.startUpload)
	staff("POST "+site+"/files/uploads/{id}/complete", "file.upload", h.completeUpload)
	staff("GET "+site+"/subscribers", "subscribers.export", h.listSubscribers)
	staff("POST "+site+"/subscribers/delete", "subscriber.delete", h.deleteSubscriber)
	staff("POST "+site+"/subscribers/unsuppress", "subscriber.unsuppress", h.unsuppressSubscriber)
	staff("GET "+site+"/people", "", h.listPeople)
	staff("POST "+site+"/people", "person.invite", h.invitePerson)
	staff("GET "+site+"/people/{id}", "", h.getPerson)
	staff("PATCH "+site+"/people/{id}", "person.role", h.patchPerson)
	staff("POST "+site+"/people/{id}/disable", "person.disable", h.disablePerson)
	staff("POST "+site+"/people/{id}/end-sessions", "person.end-sessions", h.endSessions)
	staff("POST "+site+"/people/{id}/invitation", "person.reinvite", h.resendInvitation)
	staff("GET "+site+"/keys", "", h.listKeys)
	staff("POST "+site+"/keys", "key.create", h.createKey)
	staff("DELETE "+site+"/keys/{id}", "key.revoke", h.revokeKey)
	staff("GET "+site+"/webhooks", "", h.listWebhooks)
	staff("POST "+site+"/webhooks", "webhook.create", h.createWebhook)
	staff("DELETE "+site+"/webhooks/{id}", "webhook.delete", h.deleteWebhook)
	staff("GET "+site+"/webhooks/{id}/deliveries", "", h.listWebhookDeliveries)
	staff("POST "+site+"/webhooks/{id}/test", "webhook.test", h.testWebhook)
	staff("GET /api/v1/admin/keys", "", h.listOwnerKeys)
	staff("POST /api/v1/admin/keys", "key.create", h.createOwnerKey)
	staff("DELETE /api/v1/admin/keys/{id}", "key.revoke", h.revokeOwnerKey)
	mux.Handle("/api/v1/admin/", h.authenticate(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, http.StatusNotFound, centre.ENOTFOUND, "no such staff route: "+r.Method+" "+r.URL.Path, nil)
	}))
}

// authenticate checks the bearer key of every staff request before the
// route runs; staff responses are never cacheable. It refuses with 429
// when all staff requests together exceed their cap, and every request
// from a client address that failed to authenticate too often, and
// audits failed authentications (see auditFailure).
func (h *Handler) authenticate(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if ok, wait := h.staff.Take(""); !ok {
			tooMany(w, r, wait, "the staff API is handling too many requests; retry later")
			return
		}
		addr := limitKey(client(r.Context()))
		if blocked, wait := h.failures.Blocked(addr); blocked {
			tooMany(w, r, wait, "too many failed authentications from this address; retry later")
			return
		}
		scheme, secret, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
			h.failures.Take(addr)
			h.auditFailure(r, "no bearer key", "")
			writeProblem(w, r, http.StatusUnauthorized, centre.EUNAUTHORIZED,
				"send a staff key as 'Authorization: Bearer <key>'", nil)
			return
		}
		p, err := h.cfg.Service.Authenticate(r.Context(), strings.TrimSpace(secret))
		if err != nil {
			if reason, keyID, refused := centre.AuthFailureReason(err); refused {
				h.failures.Take(addr)
				h.auditFailure(r, reason, keyID)
			}
			writeError(w, r, err)
			return
		}
		if ri := info(r.Context()); ri != nil {
			ri.caller.p = p
		}
		next(w, r)
	})
}

// tooMany answers 429 with Retry-After (whole seconds, at least 1).
func tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration, detail string) {
	secs := int64((wait + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.FormatInt(max(secs, 1), 10))
	writeProblem(w, r, http.StatusTooManyRequests, "rate_limited", detail, nil)
}

// auditFailure records a failed authentication in the operator's
// (AllSites) audit log, with the reason the client is not told. Its volume
// is bounded: Limits.AuditFailures events at once, then one per
// AuditFailureEvery; the failures beyond are counted, and the count goes
// into the next event recorded. (The per-client and staff limits come
// first: a client blocked for failing gets 429, which is not audited.)
func (h *Handler) auditFailure(r *http.Request, reason, keyID string) {
	if ok, _ := h.auditFails.Take(""); !ok {
		h.unaudited.Add(1)
		return
	}
	detail := reason
	if n := h.unaudited.Swap(0); n > 0 {
		detail += "; " + strconv.FormatInt(n, 10) + " earlier failed authentications were not audited one by one (see the access log)"
	}
	h.appendAudit(r, &centre.AuditEvent{Site: centre.AllSites, KeyID: keyID, Action: "auth.fail",
		Target: clip(r.Method+" "+centre.LogPath(r.URL.Path), 200), Outcome: http.StatusUnauthorized, Detail: detail})
}

// clip cuts s to at most n bytes, on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
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
