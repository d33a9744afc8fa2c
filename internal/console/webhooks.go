package console

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"infocentre/internal/centre"
)

// The webhooks screen: a site's endpoints (register, send a test event,
// delete) and each endpoint's delivery log, for the site's admins. Every
// action goes through centre.Service, which checks the role again and
// checks the URL (public https only, see internal/webhook).

// webhookForm is the form that registers an endpoint, as typed.
type webhookForm struct {
	URL, Description string
	Events           []string
}

// Wants reports whether the form has event ticked.
func (f webhookForm) Wants(event string) bool { return slices.Contains(f.Events, event) }

type webhooksPageData struct {
	pageData
	Hooks  []*centre.Webhook
	Events []string
	Form   webhookForm
	Errors fieldErrors
	Notice *notice
	// Secret is the signing secret of the endpoint just registered, on
	// that answer only; Created is the endpoint.
	Secret  string
	Created *centre.Webhook
	// Tested is the delivery of a test event just sent.
	Tested *centre.WebhookDelivery
}

func (c *Console) webhooksPage(w http.ResponseWriter, r *http.Request, who caller, site string) {
	d := webhooksPageData{Form: webhookForm{Events: centre.WebhookEvents}}
	if r.URL.Query().Get("done") == "deleted" {
		d.Notice = &notice{"ok", "The endpoint is deleted: nothing more is sent to it."}
	}
	c.showWebhooks(w, r, who, site, http.StatusOK, d)
}

// showWebhooks renders the webhooks page with d and the site's endpoints.
func (c *Console) showWebhooks(w http.ResponseWriter, r *http.Request, who caller, site string, status int, d webhooksPageData) {
	hooks, err := c.cfg.Service.Webhooks(r.Context(), who.p, site)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d.Hooks, d.Events = hooks, centre.WebhookEvents
	d.pageData = pageData{Title: "Webhooks of " + site, Person: who.person, Site: site}
	c.view(w, r, status, "webhooks", d)
}

// webhookCreate registers an endpoint and shows its secret on this answer
// only: it is never logged, audited or put in a cookie.
func (c *Console) webhookCreate(w http.ResponseWriter, r *http.Request, who caller, site string) {
	if !c.form(w, r) {
		return
	}
	f := webhookForm{URL: strings.TrimSpace(r.PostFormValue("url")), Description: strings.TrimSpace(r.PostFormValue("description")),
		Events: r.PostForm["events"]}
	hook, secret, err := c.cfg.Service.CreateWebhook(r.Context(), who.p, site, centre.WebhookInput{URL: f.URL, Events: f.Events, Description: f.Description})
	target, host := "", ""
	if hook != nil {
		target = hook.ID
	}
	if u, perr := url.Parse(f.URL); perr == nil {
		host = "host " + u.Hostname() // never the query: it may carry the receiver's token
	}
	c.audit(r, who.p, c.auditSite(r, site), "webhook.create", target, statusOf(err), clip(host, 200))
	if err != nil {
		c.internal(r, err)
		d := webhooksPageData{Form: f, Errors: invalid(err), Notice: failed(err)}
		if d.Errors != nil {
			d.Notice.Text = "No endpoint was registered: correct the fields marked below."
		}
		c.showWebhooks(w, r, who, site, pageStatus(err), d)
		return
	}
	c.showWebhooks(w, r, who, site, http.StatusOK, webhooksPageData{Form: webhookForm{Events: centre.WebhookEvents}, Secret: secret, Created: hook})
}

// webhookTest sends a test event and shows its result.
func (c *Console) webhookTest(w http.ResponseWriter, r *http.Request, who caller, site string) {
	if !c.form(w, r) {
		return
	}
	id := r.PathValue("id")
	d, err := c.cfg.Service.TestWebhook(r.Context(), who.p, site, id)
	detail := ""
	if d != nil {
		detail = "test event " + d.Status
	}
	c.audit(r, who.p, c.auditSite(r, site), "webhook.test", clip(id, 200), statusOf(err), detail)
	page := webhooksPageData{Form: webhookForm{Events: centre.WebhookEvents}}
	if err != nil {
		c.internal(r, err)
		page.Notice = failed(err)
		c.showWebhooks(w, r, who, site, pageStatus(err), page)
		return
	}
	page.Tested = d
	if d.Status == centre.DeliverySucceeded {
		page.Notice = &notice{"ok", "The test event was delivered."}
	} else {
		page.Notice = &notice{"error", "The test event was not delivered: " + d.Error}
	}
	c.showWebhooks(w, r, who, site, http.StatusOK, page)
}

func (c *Console) webhookDelete(w http.ResponseWriter, r *http.Request, who caller, site string) {
	if !c.form(w, r) {
		return
	}
	id := r.PathValue("id")
	err := c.cfg.Service.DeleteWebhook(r.Context(), who.p, site, id)
	c.audit(r, who.p, c.auditSite(r, site), "webhook.delete", clip(id, 200), statusOf(err), "")
	if err != nil {
		c.internal(r, err)
		c.showWebhooks(w, r, who, site, pageStatus(err), webhooksPageData{Form: webhookForm{Events: centre.WebhookEvents}, Notice: failed(err)})
		return
	}
	back(w, r, screenPath(site, "webhooks"), "deleted")
}

type deliveriesPageData struct {
	pageData
	Hook       *centre.Webhook
	Deliveries []*centre.WebhookDelivery
	Next       string // the link to the next page, if any
}

// webhookDeliveries shows one page of an endpoint's delivery log, newest
// first.
func (c *Console) webhookDeliveries(w http.ResponseWriter, r *http.Request, who caller, site string) {
	id := r.PathValue("id")
	hook, err := c.cfg.Service.Webhook(r.Context(), who.p, site, id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	scope := "console-webhook-deliveries\x1f" + site + "\x1f" + id
	q := centre.WebhookDeliveryQuery{Site: site, Webhook: id, Limit: 50}
	if cur := r.URL.Query().Get("cursor"); cur != "" {
		if q.After, err = c.cursors.Open(scope, cur); err != nil {
			c.fail(w, r, centre.Errorf(centre.EINVALID, "the page link is not valid; start from the first page"))
			return
		}
	}
	page, err := c.cfg.Service.WebhookDeliveries(r.Context(), who.p, q)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := deliveriesPageData{Hook: hook, Deliveries: page.Items}
	if page.Next != "" {
		d.Next = screenPath(site, "webhooks/"+id) + "?cursor=" + url.QueryEscape(c.cursors.Seal(scope, page.Next))
	}
	d.pageData = pageData{Title: "Deliveries to " + hook.URL, Person: who.person, Site: site}
	c.view(w, r, http.StatusOK, "deliveries", d)
}
