package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"infocentre/internal/centre"
)

// TestIfMatchRFC9110: If-Match is "*" or a list of entity tags compared
// strongly with the current ETag (RFC 9110, section 13.1.1). A well-formed
// tag that is not current fails with 412, never 400; only a malformed
// header is 400. The same rules hold on every route that takes If-Match.
func TestIfMatchRFC9110(t *testing.T) {
	e := newEnv(t)
	d := e.draft("rfc", nil)
	path := "/api/v1/admin/sites/demo/entries/" + d.ID
	patch := func(ifMatch string, status int) resp {
		t.Helper()
		return e.must(req{method: "PATCH", path: path, role: centre.RoleEditor, body: map[string]any{"summary": "s " + ifMatch},
			header: map[string]string{"If-Match": ifMatch}}, status)
	}
	v := d.Version
	cur := func() string { return tag(v) }
	cases := []struct {
		name, ifMatch string
		status        int
	}{
		{"current tag", "CUR", 200},
		{"any", "*", 200},
		{"list, current last", `"v999", "stale", CUR`, 200},
		{"list, current first, no spaces", `CUR,"x"`, 200},
		{"list with empty elements", `, "x" ,, CUR ,`, 200},
		{"two current-looking versions, one current", `"v1000", CUR`, 200},
		{"well-formed, not current", `"stale"`, 412},
		{"an older version", `"v1"`, 412},
		{"weak form of the current tag", "W/CUR", 412},
		{"list of non-current tags", `"a", W/"b", "v999"`, 412},
		{"empty tag", `""`, 412},
		{"unquoted", `v1`, 400},
		{"unterminated", `"v1`, 400},
		{"star in a list", `*, CUR`, 400},
		{"two stars", `*, *`, 400},
		{"junk after a tag", `CUR x`, 400},
		{"control character in a tag", "\"v\x01\"", 400},
		{"space in a tag", `"v 1"`, 400},
		{"lower-case weak prefix", `w/"x"`, 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			r := patch(strings.ReplaceAll(c.ifMatch, "CUR", cur()), c.status)
			switch c.status {
			case 200:
				v++
				if r.Header.Get("ETag") != tag(v) {
					t.Fatalf("ETag %q, want %s", r.Header.Get("ETag"), tag(v))
				}
			case 412:
				if p := r.problem(t); p.Code != centre.EPRECONDITION || !strings.Contains(p.Detail, "read it again") {
					t.Fatalf("problem %+v", p)
				}
			default:
				r.problem(t)
			}
		})
	}
	e.t = t
	// A list split over several header lines counts as one list.
	hr := req{method: "PATCH", path: path, role: centre.RoleEditor, body: map[string]any{"summary": "lines"}}
	r := e.doLines(hr, "If-Match", `"x"`, tag(v))
	if r.Status != http.StatusOK {
		t.Fatalf("If-Match over two lines: %d %s", r.Status, r.Body)
	}
	v++
	// An unknown entry is 404 whatever If-Match says; a missing one on a
	// route that needs it is 428.
	for _, im := range []string{`"stale"`, "*", `"a", "b"`} {
		e.must(req{method: "DELETE", path: "/api/v1/admin/sites/demo/entries/01h0000000000000000000000", role: centre.RoleEditor, header: map[string]string{"If-Match": im}}, 404)
	}
	e.must(req{method: "PATCH", path: path, role: centre.RoleEditor, body: map[string]any{"summary": "x"}}, 428)

	// The other routes: site settings, archive and reopen, the entry
	// actions and restore.
	site := "/api/v1/admin/sites/demo"
	e.must(req{method: "PATCH", path: site, role: centre.RoleAdmin, body: map[string]any{"tagline": "a"}, header: map[string]string{"If-Match": `"stale"`}}, 412)
	e.must(req{method: "PATCH", path: site, role: centre.RoleAdmin, body: map[string]any{"tagline": "a"}, header: map[string]string{"If-Match": "*"}}, 200)
	e.must(req{method: "POST", path: site + "/archive", role: centre.RoleAdmin, header: map[string]string{"If-Match": `"stale"`}}, 412)
	e.must(req{method: "POST", path: site + "/archive", role: centre.RoleAdmin, header: map[string]string{"If-Match": `"nope", *`}}, 400)
	e.must(req{method: "POST", path: site + "/archive", role: centre.RoleAdmin, header: map[string]string{"If-Match": "*"}}, 200)
	e.must(req{method: "POST", path: site + "/reopen", role: centre.RoleOwner, header: map[string]string{"If-Match": `"x", "v1"`}}, 412)
	e.must(req{method: "POST", path: site + "/reopen", role: centre.RoleOwner, header: map[string]string{"If-Match": "*"}}, 200)
	for _, action := range []string{"review", "publish"} {
		e.must(req{method: "POST", path: path + "/" + action, role: centre.RolePublisher, header: map[string]string{"If-Match": `"stale"`}}, 412)
		e.must(req{method: "POST", path: path + "/" + action, role: centre.RolePublisher, header: map[string]string{"If-Match": `"stale", ` + tag(v)}}, 200)
		v++
	}
	e.must(req{method: "POST", path: path + "/revisions/1/restore", role: centre.RolePublisher, body: map[string]any{"change": "minor"}, header: map[string]string{"If-Match": `W/` + tag(v)}}, 412)
	e.must(req{method: "POST", path: path + "/revisions/1/restore", role: centre.RolePublisher, body: map[string]any{"change": "minor"}, header: map[string]string{"If-Match": "*"}}, 200)
	v++
	e.must(req{method: "POST", path: path + "/withdraw", role: centre.RolePublisher, body: map[string]any{"reason": "r"}, header: map[string]string{"If-Match": `"v1"`}}, 412)
	e.must(req{method: "POST", path: path + "/withdraw", role: centre.RolePublisher, body: map[string]any{"reason": "r"}, header: map[string]string{"If-Match": `"v1", ` + tag(v)}}, 200)
	other := e.draft("rfc-delete", nil)
	e.must(req{method: "DELETE", path: "/api/v1/admin/sites/demo/entries/" + other.ID, role: centre.RoleEditor, header: map[string]string{"If-Match": `"stale"`}}, 412)
	e.must(req{method: "DELETE", path: "/api/v1/admin/sites/demo/entries/" + other.ID, role: centre.RoleEditor, header: map[string]string{"If-Match": "*"}}, 204)
}
