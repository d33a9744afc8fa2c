package console_test

import (
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"infocentre/internal/centre"
	"infocentre/internal/console"
	"infocentre/internal/webhook"
)

var webhookSecret = regexp.MustCompile(`whsec_[A-Za-z0-9+/]{43}=`)

// TestWebhooksScreen: an admin registers an endpoint (the secret shown
// once, never logged), sends a test event and sees its result and the
// delivery log, and deletes it; refused URLs are named on the form;
// publishers do not get the screen; every action is audited.
func TestWebhooksScreen(t *testing.T) {
	e := newEnv(t, console.OIDC{})
	var hits atomic.Int32
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rcv.Close)
	e.svc.WebhookSender = &webhook.Sender{Store: e.store, AllowLoopback: true}
	admin, _ := e.signedIn(t, "ad@example.org", centre.RoleAdmin)
	publisher, _ := e.signedIn(t, "pub@example.org", centre.RolePublisher)
	if status, _ := publisher.get("/admin/sites/demo/webhooks"); status != http.StatusForbidden {
		t.Fatalf("a publisher on the webhooks screen: %d", status)
	}
	status, page := admin.get("/admin/sites/demo/webhooks")
	if status != http.StatusOK {
		t.Fatalf("webhooks page: %d", status)
	}
	mustContain(t, "the empty page", page, "No endpoints yet.", `name="events" value="entry.published" checked`)

	// Refused: a private address, and no event.
	status, page = admin.post("/admin/sites/demo/webhooks", url.Values{"url": {"https://10.0.0.1/hook"}, "events": {"entry.published"}})
	if status != http.StatusBadRequest {
		t.Fatalf("a private URL: %d", status)
	}
	mustContain(t, "the refused URL", page, `id="url-error"`, "private address")
	status, page = admin.post("/admin/sites/demo/webhooks", url.Values{"url": {rcv.URL}})
	if status != http.StatusBadRequest {
		t.Fatalf("no events: %d", status)
	}
	mustContain(t, "no events", page, `id="events-error"`, `href="#event-entry.published"`)

	status, page = admin.post("/admin/sites/demo/webhooks", url.Values{"url": {rcv.URL + "/hook?token=rcv-token"},
		"events": {"entry.published", "entry.withdrawn"}, "description": {"Red Cross newsroom"}})
	if status != http.StatusOK {
		t.Fatalf("register: %d\n%s", status, page)
	}
	secret := webhookSecret.FindString(html.UnescapeString(page)) // "+" is written &#43; in the attribute
	if secret == "" {
		t.Fatalf("no secret shown:\n%s", page)
	}
	mustContain(t, "the new endpoint", page, "shown only this once", "Red Cross newsroom")
	if strings.Contains(e.logs.String(), secret) || strings.Contains(e.logs.String(), "rcv-token") {
		t.Fatal("the secret or the URL's token is logged")
	}
	hooks, _ := e.store.ListWebhooks(t.Context(), "demo")
	if len(hooks) != 1 || hooks[0].Secret != secret || len(hooks[0].Events) != 2 {
		t.Fatalf("stored endpoints: %+v", hooks)
	}
	id := hooks[0].ID
	if ev := e.lastAudit(t, "demo", "webhook.create"); ev.Outcome != http.StatusOK || ev.Target != id || strings.Contains(ev.Detail, "rcv-token") {
		t.Fatalf("audit: %+v", ev)
	}
	_, page = admin.get("/admin/sites/demo/webhooks")
	if webhookSecret.MatchString(html.UnescapeString(page)) {
		t.Fatal("the list shows the secret")
	}
	mustContain(t, "the list", page, "entry.published, entry.withdrawn", "/webhooks/"+id+"/test")

	status, page = admin.post("/admin/sites/demo/webhooks/"+id+"/test", nil)
	if status != http.StatusOK || hits.Load() != 1 {
		t.Fatalf("test event: %d, %d hits\n%s", status, hits.Load(), page)
	}
	mustContain(t, "the test result", page, "The test event was delivered.", "HTTP 204")
	status, page = admin.get("/admin/sites/demo/webhooks/" + id)
	if status != http.StatusOK {
		t.Fatalf("deliveries: %d", status)
	}
	mustContain(t, "the delivery log", page, "webhook.test", "succeeded")
	if status, _ := publisher.post("/admin/sites/demo/webhooks/"+id+"/delete", nil); status != http.StatusForbidden {
		t.Fatalf("a publisher deleting: %d", status)
	}
	if status, _ := admin.post("/admin/sites/demo/webhooks/"+id+"/delete", nil); status != http.StatusSeeOther {
		t.Fatalf("delete: %d", status)
	}
	if hooks, _ := e.store.ListWebhooks(t.Context(), "demo"); len(hooks) != 0 {
		t.Fatalf("after delete: %+v", hooks)
	}
	_, page = admin.get("/admin/sites/demo/webhooks?done=deleted")
	mustContain(t, "after delete", page, "The endpoint is deleted")
	if ev := e.lastAudit(t, "demo", "webhook.delete"); ev.Outcome != http.StatusOK || ev.Target != id {
		t.Fatalf("audit of the delete: %+v", ev)
	}
}
