package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"infocentre/internal/centre"
)

// NotificationView is an outbox record as staff see it.
type NotificationView struct {
	ID        string    `json:"id"`
	Entry     string    `json:"entry"`
	Slug      string    `json:"slug"`
	Lang      string    `json:"lang"`
	Kind      string    `json:"kind"`
	Version   int64     `json:"version"`
	Due       time.Time `json:"due"`
	Created   time.Time `json:"created"`
	State     string    `json:"state"`
	Attempts  int       `json:"attempts"`
	NextAt    time.Time `json:"next_at,omitzero"` // pending: when it is tried next
	Channels  []string  `json:"channels"`         // the channels that delivered it
	LastError string    `json:"last_error,omitempty"`
	Updated   time.Time `json:"updated,omitzero"`
}

// NotificationList is one page of a site's outbox.
type NotificationList struct {
	Items      []NotificationView `json:"items"`
	NextCursor string             `json:"next_cursor,omitempty"`
}

func notificationView(r *centre.OutboxRecord) NotificationView {
	v := NotificationView{ID: r.ID, Entry: r.Entry, Slug: r.Slug, Lang: r.Lang, Kind: r.Kind, Version: r.Version, Due: r.Due,
		Created: r.Created, State: r.State, Attempts: r.Attempts, Channels: r.Channels, LastError: r.LastError, Updated: r.Updated}
	if r.State == centre.OutboxPending {
		v.NextAt = r.NextAt
	}
	if v.Channels == nil {
		v.Channels = []string{}
	}
	return v
}

// listNotifications answers GET …/notifications?state=&limit=&cursor=.
func (h *Handler) listNotifications(w http.ResponseWriter, r *http.Request) {
	site := r.PathValue("site")
	v := r.URL.Query()
	q := centre.NotificationQuery{Site: site, State: v.Get("state")}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > centre.MaxPageSize {
			writeProblem(w, r, http.StatusBadRequest, centre.EINVALID, "limit must be between 1 and 100", nil)
			return
		}
		q.Limit = n
	}
	scope := "notifications:" + site + ":" + q.State
	var err error
	if q.After, err = h.cfg.Cursors.Open(scope, v.Get("cursor")); err != nil {
		writeError(w, r, err)
		return
	}
	page, err := h.cfg.Service.Notifications(r.Context(), principal(r.Context()), q)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := NotificationList{Items: make([]NotificationView, 0, len(page.Items)), NextCursor: h.cfg.Cursors.Seal(scope, page.Next)}
	for _, rec := range page.Items {
		out.Items = append(out.Items, notificationView(rec))
	}
	writeJSON(w, http.StatusOK, out)
}
