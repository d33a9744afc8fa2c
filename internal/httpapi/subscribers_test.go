package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/httpapi"
)

// TestSubscribersOverAPI: a site's admins export its email alert
// subscribers a page at a time and erase an address; both audited, for
// admins of the site only.
func TestSubscribersOverAPI(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	for i := range 3 {
		sub := &centre.Subscription{Site: "demo", Email: fmt.Sprintf("s%d@example.org", i), Scope: "site", Frequency: centre.FreqImmediate,
			Lang: "en", State: centre.SubPending, TokenHash: "h", Created: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
		if err := e.store.CreateSubscription(ctx, sub); err != nil {
			t.Fatal(err)
		}
	}
	list := "/api/v1/admin/sites/demo/subscribers"
	e.must(req{method: "GET", path: list, role: centre.RolePublisher}, 403)
	e.must(req{method: "GET", path: list, role: "other-admin"}, 403)
	e.must(req{method: "GET", path: list + "?limit=0", role: centre.RoleAdmin}, 400)
	var got []string
	path := list + "?limit=2"
	for range 5 {
		var page httpapi.SubscriberList
		e.must(req{method: "GET", path: path, role: centre.RoleAdmin}, 200).json(t, &page)
		for _, s := range page.Items {
			got = append(got, s.Email+" "+s.Scope+" "+s.State)
		}
		if page.NextCursor == "" {
			break
		}
		path = list + "?limit=2&cursor=" + page.NextCursor
	}
	if want := "s0@example.org site pending,s1@example.org site pending,s2@example.org site pending"; strings.Join(got, ",") != want {
		t.Fatalf("export: %v", got)
	}

	del := list + "/delete"
	e.must(req{method: "POST", path: del, role: centre.RoleEditor, body: map[string]any{"email": "s1@example.org"}}, 403)
	e.must(req{method: "POST", path: del, role: centre.RoleAdmin, body: map[string]any{"email": "nope"}}, 400)
	var out httpapi.SubscriberDeleted
	e.must(req{method: "POST", path: del, role: centre.RoleAdmin, body: map[string]any{"email": "S1@example.org"}}, 200).json(t, &out)
	if out.Deleted != 1 {
		t.Fatalf("deleted %d", out.Deleted)
	}
	e.must(req{method: "POST", path: del, role: centre.RoleAdmin, body: map[string]any{"email": "s1@example.org"}}, 404)
	if subs, _ := e.store.Subscriptions(ctx, "demo", "s1@example.org"); len(subs) != 0 {
		t.Fatalf("still %d subscriptions", len(subs))
	}
	audit, err := e.store.ListAudit(ctx, centre.AuditQuery{Site: "demo", Action: "subscriber.delete"})
	if err != nil {
		t.Fatal(err)
	}
	var ok bool
	for _, ev := range audit.Items {
		if ev.Outcome == 200 && strings.Contains(ev.Detail, "erased (1 subscriptions)") && !strings.Contains(ev.Detail, "s1@") {
			ok = true
		}
	}
	if !ok {
		t.Fatalf("no audit event of the erasure (without the address): %+v", audit.Items)
	}
	if exp, _ := e.store.ListAudit(ctx, centre.AuditQuery{Site: "demo", Action: "subscribers.export"}); len(exp.Items) == 0 {
		t.Fatal("the export is not audited")
	}
}

// TestUnsuppressOverAPI: an admin of a site takes an address that holds a
// subscription there off the suppression list; audited (by a hash), for
// admins only, 404 for an address without a subscription on the site or
// not suppressed.
func TestUnsuppressOverAPI(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sub := &centre.Subscription{Site: "demo", Email: "bounced@example.org", Scope: "site", Frequency: centre.FreqImmediate,
		Lang: "en", State: centre.SubConfirmed, Created: time.Now()}
	if err := e.store.CreateSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"bounced@example.org", "stranger@example.org"} {
		if err := e.store.SuppressEmail(ctx, email, "bounce", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	path := "/api/v1/admin/sites/demo/subscribers/unsuppress"
	e.must(req{method: "POST", path: path, role: centre.RolePublisher, body: map[string]any{"email": "bounced@example.org"}}, 403)
	e.must(req{method: "POST", path: path, role: "other-admin", body: map[string]any{"email": "bounced@example.org"}}, 403)
	e.must(req{method: "POST", path: path, role: centre.RoleAdmin, body: map[string]any{"email": "not an address"}}, 400)
	// An address without a subscription on the site stays suppressed.
	e.must(req{method: "POST", path: path, role: centre.RoleAdmin, body: map[string]any{"email": "stranger@example.org"}}, 404)
	e.must(req{method: "POST", path: path, role: centre.RoleAdmin, body: map[string]any{"email": "Bounced@example.org"}}, 204)
	got, err := e.store.Suppressed(ctx, []string{"bounced@example.org", "stranger@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if got["bounced@example.org"] || !got["stranger@example.org"] {
		t.Fatalf("suppressed after: %v", got)
	}
	e.must(req{method: "POST", path: path, role: centre.RoleAdmin, body: map[string]any{"email": "bounced@example.org"}}, 404)
	audit, err := e.store.ListAudit(ctx, centre.AuditQuery{Site: "demo", Action: "subscriber.unsuppress"})
	if err != nil {
		t.Fatal(err)
	}
	ok := false
	for _, ev := range audit.Items {
		if ev.Outcome == 204 && strings.Contains(ev.Detail, "taken off the suppression list") && !strings.Contains(ev.Detail, "bounced@") {
			ok = true
		}
	}
	if !ok {
		t.Fatalf("no audit event of the change (without the address): %+v", audit.Items)
	}
}
