package httpapi

import (
	"net/http"
	"strconv"

	"infocentre/internal/centre"
)

// A site's email alert subscribers, for its admins: export (a page at a
// time), erasure of an address, and taking an address off the suppression
// list (where a bounce or a complaint put it). The address is sent in the body, not
// the path, so that it stays out of access logs; the audit event names it
// by a hash only.

// Subscriber is one subscription as admins export it.
type Subscriber struct {
	Email       string `json:"email"`
	Scope       string `json:"scope"`
	Frequency   string `json:"frequency"`
	Lang        string `json:"lang"`
	State       string `json:"state"`
	Created     string `json:"created"`
	ConfirmedAt string `json:"confirmed_at,omitempty"`
}

// SubscriberList is one page of a site's subscribers.
type SubscriberList struct {
	Items      []Subscriber `json:"items"`
	NextCursor string       `json:"next_cursor,omitempty"`
}

// SubscriberDeletion names the address to erase.
type SubscriberDeletion struct {
	Email string `json:"email"`
}

// SubscriberAddress names the address to take off the suppression list.
type SubscriberAddress struct {
	Email string `json:"email"`
}

// SubscriberDeleted says how many subscriptions were removed.
type SubscriberDeleted struct {
	Deleted int `json:"deleted"`
}

func (h *Handler) listSubscribers(w http.ResponseWriter, r *http.Request) {
	site, v := r.PathValue("site"), r.URL.Query()
	limit := 50
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > centre.MaxPageSize {
			var p centre.Problems
			p.Add("limit", "must be a whole number from 1 to %d", centre.MaxPageSize)
			writeError(w, r, p.Err())
			return
		}
		limit = n
	}
	scope := "subscribers\x1f" + site
	after, err := h.cfg.Cursors.Open(scope, v.Get("cursor"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	page, err := h.cfg.Service.Subscribers(r.Context(), principal(r.Context()), site, after, limit)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := SubscriberList{Items: make([]Subscriber, 0, len(page.Items)), NextCursor: h.cfg.Cursors.Seal(scope, page.Next)}
	for _, s := range page.Items {
		x := Subscriber{Email: s.Email, Scope: s.Scope, Frequency: s.Frequency, Lang: s.Lang, State: s.State,
			Created: s.Created.UTC().Format("2006-01-02T15:04:05Z")}
		if !s.ConfirmedAt.IsZero() {
			x.ConfirmedAt = s.ConfirmedAt.UTC().Format("2006-01-02T15:04:05Z")
		}
		out.Items = append(out.Items, x)
	}
	noteAudit(r, strconv.Itoa(len(out.Items))+" subscriptions exported")
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
}

func (h *Handler) deleteSubscriber(w http.ResponseWriter, r *http.Request) {
	var in SubscriberDeletion
	if decodeJSON(w, r, h.cfg.MaxBody, &in) != nil {
		return
	}
	n, err := h.cfg.Service.DeleteSubscriber(r.Context(), principal(r.Context()), r.PathValue("site"), in.Email)
	if err != nil {
		writeError(w, r, err)
		return
	}
	noteAudit(r, "subscriber "+centre.HashToken(centre.NormalizeEmail(in.Email))[:16]+" erased ("+strconv.Itoa(n)+" subscriptions)")
	writeJSON(w, http.StatusOK, SubscriberDeleted{Deleted: n})
}

func (h *Handler) unsuppressSubscriber(w http.ResponseWriter, r *http.Request) {
	var in SubscriberAddress
	if decodeJSON(w, r, h.cfg.MaxBody, &in) != nil {
		return
	}
	if err := h.cfg.Service.UnsuppressSubscriber(r.Context(), principal(r.Context()), r.PathValue("site"), in.Email); err != nil {
		writeError(w, r, err)
		return
	}
	noteAudit(r, "subscriber "+centre.HashToken(centre.NormalizeEmail(in.Email))[:16]+" taken off the suppression list")
	w.WriteHeader(http.StatusNoContent)
}
