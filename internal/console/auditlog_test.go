package console_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/console"
)

func TestAuditLog(t *testing.T) {
	e := newEnv(t, console.OIDC{})
	admin, ad := e.signedIn(t, "ad@example.org", centre.RoleAdmin)
	owner, _ := e.signedIn(t, "own@example.org", centre.RoleOwner)
	admin.post("/admin/sites/demo/keys", url.Values{"name": {"k1"}, "role": {"viewer"}})
	at := e.svc.Time().UTC()
	for i := range 60 {
		ev := &centre.AuditEvent{ID: centre.NewID(at), Site: "demo", At: at.Add(-time.Duration(i+1) * 24 * time.Hour), KeyID: "01jzkeyid0000000000000000a",
			Role: "editor", Action: "entry.update", Target: "01jztarget000000000000000" + string("ab"[i%2]), Outcome: 200}
		ev.ID = centre.NewID(ev.At)
		if err := e.store.AppendAudit(t.Context(), ev); err != nil {
			t.Fatal(err)
		}
	}
	status, page := admin.get("/admin/sites/demo/audit")
	if status != http.StatusOK {
		t.Fatalf("audit: %d\n%s", status, page)
	}
	mustContain(t, "the log", page, "key.create", "Ana Example &lt;ad@example.org&gt;", `href="/admin/sites/demo/audit?actor=person%3a`+ad.ID+`"`)
	if n := strings.Count(page, "<tr>") - 1; n != 50 {
		t.Fatalf("first page: %d rows, want 50", n)
	}
	next := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(page)
	if next == nil {
		t.Fatal("no link to older events")
	}
	status, page2 := admin.get(html.UnescapeString(next[1]))
	if status != http.StatusOK || strings.Count(page2, "<tr>")-1 < 10 || !strings.Contains(page2, "Newest events") {
		t.Fatalf("second page: %d", status)
	}
	// A cursor of another filter (or forged) is refused.
	cur, _ := url.Parse(html.UnescapeString(next[1]))
	if status, _ := admin.get("/admin/sites/demo/audit?action=key.create&cursor=" + url.QueryEscape(cur.Query().Get("cursor"))); status != http.StatusBadRequest {
		t.Fatalf("a cursor of another filter: %d", status)
	}
	// Filters: action, actor (a person), target, dates.
	_, page = admin.get("/admin/sites/demo/audit?action=key.create")
	if n := strings.Count(page, "<tr>") - 1; n != 1 {
		t.Fatalf("action filter: %d rows", n)
	}
	_, page = admin.get("/admin/sites/demo/audit?actor=person:" + ad.ID)
	if strings.Contains(page, "entry.update") || !strings.Contains(page, "key.create") {
		t.Fatalf("actor filter:\n%s", page)
	}
	_, byEmail := admin.get("/admin/sites/demo/audit?actor=AD@example.org")
	if strings.Contains(byEmail, "entry.update") || !strings.Contains(byEmail, "key.create") {
		t.Fatalf("actor filter by email:\n%s", byEmail)
	}
	status, page = admin.get("/admin/sites/demo/audit?actor=nobody@example.org")
	if status != http.StatusBadRequest {
		t.Fatalf("an unknown email: %d", status)
	}
	mustContain(t, "the unknown email", page, `id="actor-error"`)
	_, page = admin.get("/admin/sites/demo/audit?target=01jztarget000000000000000a&from=" + at.AddDate(0, 0, -10).Format("2006-01-02") + "&to=" + at.AddDate(0, 0, -1).Format("2006-01-02"))
	if n := strings.Count(page, "<tr>") - 1; n < 4 || n > 6 || strings.Contains(page, "01jztarget000000000000000b") {
		t.Fatalf("target and dates: %d rows", n)
	}
	status, page = admin.get("/admin/sites/demo/audit?from=yesterday")
	if status != http.StatusBadRequest {
		t.Fatalf("a bad date: %d", status)
	}
	mustContain(t, "the bad date", page, `id="from-error"`)
	// The owners' log: owners only.
	if status, _ := admin.get("/admin/audit"); status != http.StatusForbidden {
		t.Fatalf("an admin reading the owners' log: %d", status)
	}
	status, page = owner.get("/admin/audit")
	if status != http.StatusOK {
		t.Fatalf("the owners' log: %d", status)
	}
	mustContain(t, "the owners' log", page, "person.signin", "person.accept_invitation")
}
