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

// audited records every staff write — successful or not — and every
// refused read (403) in the site's append-only audit log once the response
// is written; reads have no action name and are recorded as "read" with
// the route. An event for a site that does not exist goes to the
// operator's (AllSites) log instead, so that no one plants events in the
// log of a site created later. The record is kept even if the client has
// gone away.
func (h *Handler) audited(action string, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		note := new(string)
		r = r.WithContext(context.WithValue(r.Context(), auditNoteKey{}, note))
		next(rec, r)
		p := principal(r.Context())
		if p.KeyID == "" {
			return
		}
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		act, detail := action, *note
		if act == "" {
			if status != http.StatusForbidden {
				return
			}
			act, detail = "read", r.Pattern
		}
		target := r.PathValue("id")
		if v := r.PathValue("version"); v != "" {
			target += "@" + v
		}
		if target == "" && act == "site.create" {
			target = strings.TrimPrefix(rec.Header().Get("Location"), "/api/v1/admin/sites/")
		}
		h.appendAudit(r, &centre.AuditEvent{Site: r.PathValue("site"), KeyID: p.KeyID, Role: p.Role,
			Action: act, Target: clip(target, 200), Outcome: status, Detail: detail})
	}
}

// auditNoteKey carries a *string that a handler may fill (noteAudit) with
// what its audit event should say beyond action and target.
type auditNoteKey struct{}

// noteAudit sets the detail of the request's audit event.
func noteAudit(r *http.Request, detail string) {
	if p, ok := r.Context().Value(auditNoteKey{}).(*string); ok {
		*p = clip(detail, 500)
	}
}

// appendAudit stores ev (its ID, time, request ids and client filled in
// here) in the log of ev.Site — "" meaning AllSites — if that site exists,
// else in the AllSites log with the slug named in Detail. Failures are
// logged.
func (h *Handler) appendAudit(r *http.Request, ev *centre.AuditEvent) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
	defer cancel()
	if ev.Site == "" {
		ev.Site = centre.AllSites
	}
	if ev.Site != centre.AllSites {
		if _, err := h.cfg.Service.Site(ctx, ev.Site); centre.IsCode(err, centre.ENOTFOUND) {
			ev.Detail = strings.TrimPrefix(ev.Detail+"; no site "+clip(ev.Site, 100), "; ")
			ev.Site = centre.AllSites
		} else if err != nil {
			logger(ctx).ErrorContext(ctx, "audit: read site", slog.String("site", ev.Site), slog.String("error", err.Error()))
			return
		}
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	ev.ID, ev.At = centre.NewID(now), now
	ev.RequestID, ev.ClientRequestID, ev.Client = requestID(r.Context()), clientRequestID(r.Context()), client(r.Context())
	if err := h.cfg.Service.Store.AppendAudit(ctx, ev); err != nil {
		logger(ctx).ErrorContext(ctx, "append audit event", slog.String("action", ev.Action), slog.String("error", err.Error()))
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
