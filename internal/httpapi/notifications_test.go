package httpapi_test

import (
	"net/url"
	"strings"
	"testing"

	"infocentre/internal/centre"
	"infocentre/internal/httpapi"
)

// TestNotificationList: publishers page a site's outbox newest first, by
// state; a bad state is 400 naming the field, a forged cursor 400, an
// editor 403, another site's admin sees only that site's.
func TestNotificationList(t *testing.T) {
	e := newEnv(t)
	const path = "/api/v1/admin/sites/demo/notifications"
	var want []string
	for _, title := range []string{"One", "Two", "Three"} {
		d := e.draft(strings.ToLower(title), nil)
		p, err := e.svc.Publish(t.Context(), centre.Principal{KeyID: e.keyIDs[centre.RoleOwner], Site: centre.AllSites, Role: centre.RoleOwner}, "demo", d.ID, d.Version, "")
		if err != nil {
			t.Fatal(err)
		}
		page, err := e.svc.Store.ListNotifications(t.Context(), centre.NotificationQuery{Site: "demo", Limit: 1})
		if err != nil || len(page.Items) != 1 || page.Items[0].Entry != p.ID {
			t.Fatalf("outbox after publishing %s: %v %v", p.ID, page.Items, err)
		}
		want = append([]string{page.Items[0].ID}, want...)
	}
	var got []string
	cursor := ""
	for range 5 {
		var list httpapi.NotificationList
		e.must(req{method: "GET", path: path + "?state=pending&limit=2&cursor=" + url.QueryEscape(cursor), role: centre.RolePublisher}, 200).json(t, &list)
		for _, n := range list.Items {
			if n.State != "pending" || n.Kind != centre.NotifyPublished || n.NextAt.IsZero() || n.Channels == nil {
				t.Fatalf("listed %+v", n)
			}
			got = append(got, n.ID)
		}
		if cursor = list.NextCursor; cursor == "" {
			break
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("listed %v, want %v", got, want)
	}
	var done httpapi.NotificationList
	e.must(req{method: "GET", path: path + "?state=done", role: centre.RolePublisher}, 200).json(t, &done)
	if len(done.Items) != 0 {
		t.Fatalf("done records before any delivery: %+v", done.Items)
	}
	r := e.must(req{method: "GET", path: path + "?state=lost", role: centre.RolePublisher}, 400)
	if !strings.Contains(string(r.Body), `"state"`) {
		t.Fatalf("bad state: %s", r.Body)
	}
	e.must(req{method: "GET", path: path + "?cursor=forged", role: centre.RolePublisher}, 400)
	e.must(req{method: "GET", path: path, role: centre.RoleEditor}, 403)
	var other httpapi.NotificationList
	e.must(req{method: "GET", path: "/api/v1/admin/sites/other/notifications", role: "other-admin"}, 200).json(t, &other)
	if len(other.Items) != 0 {
		t.Fatalf("another site lists demo's records: %+v", other.Items)
	}
}
