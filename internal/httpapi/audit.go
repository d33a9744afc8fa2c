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
