package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"infocentre/internal/centre"
)

// audited records every staff write — successful or not — in the site's
// append-only audit log once the response is written. The record is kept
// even if the client has gone away.
func (h *Handler) audited(action string, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		next(rec, r)
		p := principal(r.Context())
		if p.KeyID == "" {
			return
		}
		site := r.PathValue("site")
		if site == "" {
			site = centre.AllSites
		}
		target := r.PathValue("id")
		if v := r.PathValue("version"); v != "" {
			target += "@" + v
		}
		if target == "" && action == "site.create" {
			target = strings.TrimPrefix(rec.Header().Get("Location"), "/api/v1/admin/sites/")
		}
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		now := time.Now().UTC().Truncate(time.Millisecond)
		ev := &centre.AuditEvent{ID: centre.NewID(now), Site: site, At: now, KeyID: p.KeyID, Role: p.Role,
			Action: action, Target: target, RequestID: requestID(r.Context()), Outcome: status}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
		defer cancel()
		if err := h.cfg.Service.Store.AppendAudit(ctx, ev); err != nil {
			logger(ctx).ErrorContext(ctx, "append audit event", slog.String("action", action), slog.String("error", err.Error()))
		}
	}
}

// AuditList is a page of audit events.
type AuditList struct {
	Items      []*centre.AuditEvent `json:"items"`
	NextCursor string               `json:"next_cursor,omitempty"`
}

func (h *Handler) listAudit(w http.ResponseWriter, r *http.Request) {
	h.audit(w, r, r.PathValue("site"))
}
func (h *Handler) listOwnerAudit(w http.ResponseWriter, r *http.Request) {
	h.audit(w, r, centre.AllSites)
}

func (h *Handler) audit(w http.ResponseWriter, r *http.Request, site string) {
	v := r.URL.Query()
	q := centre.AuditQuery{Site: site, Action: v.Get("action"), KeyID: v.Get("key_id"), Target: v.Get("target"), Limit: 50}
	var p centre.Problems
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		if s := v.Get(f.name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				p.Add(f.name, "must be an RFC 3339 time like 2026-03-01T09:00:00Z")
			}
			*f.dst = t
		}
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > centre.MaxPageSize {
			p.Add("limit", "must be a whole number from 1 to %d", centre.MaxPageSize)
		}
		q.Limit = n
	}
	if err := p.Err(); err != nil {
		writeError(w, r, err)
		return
	}
	scope := "audit\x1f" + site + "\x1f" + q.Action + "\x1f" + q.KeyID + "\x1f" + q.Target + "\x1f" + v.Get("from") + "\x1f" + v.Get("to")
	var err error
	if q.After, err = h.cfg.Cursors.Open(scope, v.Get("cursor")); err != nil {
		writeError(w, r, err)
		return
	}
	page, err := h.cfg.Service.Audit(r.Context(), principal(r.Context()), q)
	if err != nil {
		writeError(w, r, err)
		return
	}
	items := page.Items
	if items == nil {
		items = []*centre.AuditEvent{}
	}
	writeJSON(w, http.StatusOK, AuditList{Items: items, NextCursor: h.cfg.Cursors.Seal(scope, page.Next)})
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
