package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/dynamostore/dynamotest"
	"infocentre/internal/httpapi"
	"infocentre/internal/webhook"
)

func TestWebhooksOverAPI(t *testing.T) { testWebhooksAPI(t, newEnv(t)) }

func TestWebhooksOverAPIOnDynamoDB(t *testing.T) {
	if testing.Short() {
		t.Skip("moto_server: not under -short")
	}
	testWebhooksAPI(t, newEnvOn(t, dynamotest.NewStore(t)))
}

// testWebhooksAPI manages a site's webhook endpoints through the staff
// API: admins only, bad input named field by field, the secret shown
// once, a test event answered with its result, the delivery log paged,
// deletion, and an audit event for each write.
func testWebhooksAPI(t *testing.T, e *env) {
	ctx := t.Context()
	var hits atomic.Int32
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rcv.Close)
	sender := &webhook.Sender{Store: e.store, AllowLoopback: true}
	hooks := "/api/v1/admin/sites/demo/webhooks"
	valid := map[string]any{"url": rcv.URL + "/hook?token=receiver-token", "events": []string{"entry.published", "entry.withdrawn"}, "description": "Member feed"}

	// Without a sender the server cannot register endpoints.
	e.must(req{method: "POST", path: hooks, role: centre.RoleAdmin, body: valid}, 503)
	e.svc.WebhookSender = sender

	e.must(req{method: "GET", path: hooks, role: centre.RolePublisher}, 403)
	e.must(req{method: "GET", path: hooks, role: "other-admin"}, 403)
	e.must(req{method: "POST", path: hooks, role: centre.RolePublisher, body: valid}, 403)
	var list httpapi.WebhookList
	e.must(req{method: "GET", path: hooks, role: centre.RoleAdmin}, 200).json(t, &list)
	if len(list.Items) != 0 {
		t.Fatalf("endpoints before any: %+v", list.Items)
	}

	for _, c := range []struct {
		body   map[string]any
		fields string
	}{
		{map[string]any{"url": rcv.URL, "events": []string{"entry.deleted", "entry.published"}}, "events"},
		{map[string]any{"url": rcv.URL, "events": []string{}}, "events"},
		{map[string]any{"url": "ftp://hooks.example.org/x", "events": []string{"entry.published"}}, "url"},
		{map[string]any{"url": "not a url", "events": []string{"entry.published", "entry.published"}}, "events,url"},
		{map[string]any{"url": "https://10.0.0.1/hook", "events": []string{"entry.published"}}, "url"},
		{map[string]any{"url": "https://169.254.169.254/latest/meta-data", "events": []string{"entry.published"}}, "url"},
		{map[string]any{"url": "https://[fd00:ec2::254]/", "events": []string{"entry.published"}}, "url"},
		{map[string]any{"url": "http://192.168.1.1/", "events": []string{"entry.published"}}, "url"},
	} {
		p := e.must(req{method: "POST", path: hooks, role: centre.RoleAdmin, body: c.body}, 400).problem(t)
		var names []string
		for _, f := range p.Errors {
			if len(names) == 0 || names[len(names)-1] != f.Field {
				names = append(names, f.Field)
			}
		}
		if strings.Join(names, ",") != c.fields || p.Detail == "" {
			t.Fatalf("POST %v: problem %+v; want fields %s", c.body, p, c.fields)
		}
	}
	e.must(req{method: "POST", path: hooks, role: centre.RoleAdmin, body: `{"url":"https://hooks.example.org","events":["entry.published"],"secret":"mine"}`}, 400)

	r := e.must(req{method: "POST", path: hooks, role: centre.RoleAdmin, body: valid, header: map[string]string{"Idempotency-Key": "hook-1"}}, 201)
	var created httpapi.CreatedWebhook
	r.json(t, &created)
	if !strings.HasPrefix(created.Secret, centre.WebhookSecretPrefix) || len(created.Secret) < len(centre.WebhookSecretPrefix)+32 ||
		created.State != centre.WebhookEnabled || created.Site != "demo" || r.Header.Get("Location") != hooks+"/"+created.ID {
		t.Fatalf("created %+v (Location %q)", created, r.Header.Get("Location"))
	}
	// The secret is not replayed, and not listed.
	e.must(req{method: "POST", path: hooks, role: centre.RoleAdmin, body: valid, header: map[string]string{"Idempotency-Key": "hook-1"}}, 409)
	lr := e.must(req{method: "GET", path: hooks, role: centre.RoleAdmin}, 200)
	lr.json(t, &list)
	if len(list.Items) != 1 || strings.Contains(string(lr.Body), created.Secret) || strings.Contains(string(lr.Body), "secret") {
		t.Fatalf("list %s", lr.Body)
	}
	one := hooks + "/" + created.ID

	// Send a test event: answered with its result.
	var d centre.WebhookDelivery
	e.must(req{method: "POST", path: one + "/test", role: centre.RoleAdmin}, 200).json(t, &d)
	if d.Status != centre.DeliverySucceeded || d.ResponseCode != 204 || d.Event != centre.WebhookTestEvent || hits.Load() != 1 {
		t.Fatalf("test event %+v (receiver hits %d)", d, hits.Load())
	}
	e.must(req{method: "POST", path: one + "/test", role: centre.RolePublisher}, 403)
	e.must(req{method: "POST", path: hooks + "/01jzzzzzzzzzzzzzzzzzzzzzzz/test", role: centre.RoleAdmin}, 404)

	// A publication, then the log, newest first, in pages.
	published := e.published("webhook-news", nil)
	now := time.Now().UTC()
	if err := sender.Deliver(ctx, centre.Notification{ID: "n-api", Site: "demo", Entry: published.ID, Slug: published.Slug,
		Lang: published.Lang, Kind: centre.NotifyPublished, Version: published.Version, Due: now, Created: now}); err != nil {
		t.Fatal(err)
	}
	var page httpapi.WebhookDeliveryList
	e.must(req{method: "GET", path: one + "/deliveries?limit=1", role: centre.RoleAdmin}, 200).json(t, &page)
	if len(page.Items) != 1 || page.NextCursor == "" || page.Items[0].Event != centre.NotifyPublished || page.Items[0].Status != centre.DeliverySucceeded {
		t.Fatalf("first page %+v %+v", page, page.Items[0])
	}
	var rest httpapi.WebhookDeliveryList
	e.must(req{method: "GET", path: one + "/deliveries?limit=1&cursor=" + page.NextCursor, role: centre.RoleAdmin}, 200).json(t, &rest)
	if len(rest.Items) != 1 || rest.Items[0].Event != centre.WebhookTestEvent {
		t.Fatalf("second page %+v", rest)
	}
	e.must(req{method: "GET", path: one + "/deliveries?limit=0", role: centre.RoleAdmin}, 400)
	e.must(req{method: "GET", path: one + "/deliveries?cursor=forged", role: centre.RoleAdmin}, 400)
	e.must(req{method: "GET", path: "/api/v1/admin/sites/other/webhooks/" + created.ID + "/deliveries", role: centre.RoleOwner}, 404)
	e.must(req{method: "GET", path: one + "/deliveries", role: "other-admin"}, 403)

	e.must(req{method: "DELETE", path: one, role: centre.RolePublisher}, 403)
	e.must(req{method: "DELETE", path: one, role: centre.RoleAdmin}, 204)
	e.must(req{method: "DELETE", path: one, role: centre.RoleAdmin}, 404)
	e.must(req{method: "GET", path: one + "/deliveries", role: centre.RoleAdmin}, 404)

	// Every write is audited; the URL's query (the receiver's token)
	// never reaches the log.
	audit, err := e.store.ListAudit(ctx, centre.AuditQuery{Site: "demo", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, ev := range audit.Items {
		if strings.HasPrefix(ev.Action, "webhook.") {
			seen[ev.Action+" "+http.StatusText(ev.Outcome)]++
			if strings.Contains(ev.Detail, "receiver-token") {
				t.Fatalf("the audit log holds the URL's token: %+v", ev)
			}
		}
	}
	for _, want := range []string{"webhook.create Created", "webhook.create Bad Request", "webhook.create Forbidden", "webhook.test OK",
		"webhook.delete No Content", "webhook.delete Not Found"} {
		if seen[want] == 0 {
			t.Errorf("no audit event %q; seen %v", want, seen)
		}
	}
}
