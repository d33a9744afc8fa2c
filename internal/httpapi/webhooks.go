package httpapi

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"infocentre/internal/centre"
)

// WebhookList lists a site's webhook endpoints without their secrets.
type WebhookList struct {
	Items []*centre.Webhook `json:"items"`
}

// CreatedWebhook is a new endpoint with its signing secret, shown once.
type CreatedWebhook struct {
	*centre.Webhook
	Secret string `json:"secret"`
}

// WebhookDeliveryList is a page of an endpoint's delivery log.
type WebhookDeliveryList struct {
	Items      []*centre.WebhookDelivery `json:"items"`
	NextCursor string                    `json:"next_cursor,omitempty"`
}

func (h *Handler) listWebhooks(w http.ResponseWriter, r *http.Request) {
	list, err := h.cfg.Service.Webhooks(r.Context(), principal(r.Context()), r.PathValue("site"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	if list == nil {
		list = []*centre.Webhook{}
	}
	writeJSON(w, http.StatusOK, WebhookList{Items: list})
}

func (h *Handler) createWebhook(w http.ResponseWriter, r *http.Request) {
	var in struct {
		URL         string   `json:"url"`
		Events      []string `json:"events"`
		Description string   `json:"description"`
	}
	if decodeJSON(w, r, h.cfg.MaxBody, &in) != nil {
		return
	}
	// The audit event names the host and events, never the whole URL
	// (its query may carry the receiver's token).
	if u, err := url.Parse(in.URL); err == nil {
		noteAudit(r, "host "+u.Hostname()+"; events "+strings.Join(in.Events, ","))
	}
	site := r.PathValue("site")
	hook, secret, err := h.cfg.Service.CreateWebhook(r.Context(), principal(r.Context()), site,
		centre.WebhookInput{URL: in.URL, Events: in.Events, Description: in.Description})
	if err != nil {
		writeError(w, r, err)
		return
	}
	withholdBody(r)
	w.Header().Set("Location", "/api/v1/admin/sites/"+site+"/webhooks/"+hook.ID)
	writeJSON(w, http.StatusCreated, CreatedWebhook{Webhook: hook, Secret: secret})
}

func (h *Handler) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	if err := h.cfg.Service.DeleteWebhook(r.Context(), principal(r.Context()), r.PathValue("site"), r.PathValue("id")); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) listWebhookDeliveries(w http.ResponseWriter, r *http.Request) {
	site, id := r.PathValue("site"), r.PathValue("id")
	q := centre.WebhookDeliveryQuery{Site: site, Webhook: id}
	v := r.URL.Query()
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > centre.MaxPageSize {
			var p centre.Problems
			p.Add("limit", "must be a whole number from 1 to %d", centre.MaxPageSize)
			writeError(w, r, p.Err())
			return
		}
		q.Limit = n
	}
	scope := "webhook-deliveries\x1f" + site + "\x1f" + id
	var err error
	if q.After, err = h.cfg.Cursors.Open(scope, v.Get("cursor")); err != nil {
		writeError(w, r, err)
		return
	}
	page, err := h.cfg.Service.WebhookDeliveries(r.Context(), principal(r.Context()), q)
	if err != nil {
		writeError(w, r, err)
		return
	}
	items := page.Items
	if items == nil {
		items = []*centre.WebhookDelivery{}
	}
	writeJSON(w, http.StatusOK, WebhookDeliveryList{Items: items, NextCursor: h.cfg.Cursors.Seal(scope, page.Next)})
}

func (h *Handler) testWebhook(w http.ResponseWriter, r *http.Request) {
	d, err := h.cfg.Service.TestWebhook(r.Context(), principal(r.Context()), r.PathValue("site"), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	noteAudit(r, "test event "+d.Status)
	writeJSON(w, http.StatusOK, d)
}
