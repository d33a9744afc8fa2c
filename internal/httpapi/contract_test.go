package httpapi_test

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"testing"

	"infocentre/internal/centre"
)

// A variant is one way of getting a request wrong (or strangely right).
type variant struct {
	name   string
	body   any // string: raw, with Content-Type application/json unless header says otherwise
	header map[string]string
	query  string
}

// hostileVariants are what a property-based API tester generates from the
// document: malformed and well-formed-but-wrong headers, bodies and
// queries, one at a time and all at once.
func hostileVariants() []variant {
	vs := []variant{
		{name: "plain"},
		{name: "If-Match malformed", header: map[string]string{"If-Match": "garbage"}},
		{name: "If-Match well-formed, not current", header: map[string]string{"If-Match": `"stale"`}},
		{name: "If-Match weak", header: map[string]string{"If-Match": `W/"v1"`}},
		{name: "If-Match list", header: map[string]string{"If-Match": `"x", "v1"`}},
		{name: "If-Match any", header: map[string]string{"If-Match": "*"}},
		{name: "Idempotency-Key too long", header: map[string]string{"Idempotency-Key": strings.Repeat("k", 300)}},
		{name: "Idempotency-Key with a space", header: map[string]string{"Idempotency-Key": "a b"}},
		{name: "body malformed", body: `{"title":`},
		{name: "body not an object", body: `[1]`},
		{name: "body unknown field", body: `{"no_such_field":1}`},
		{name: "body repeated key", body: `{"title":"a","title":"b"}`},
		{name: "body case-folded key", body: `{"TITLE":"a"}`},
		{name: "body as text/plain", body: `{"title":"a"}`, header: map[string]string{"Content-Type": "text/plain"}},
		{name: "body too large", body: `{"title":"` + strings.Repeat("x", 70<<10) + `"}`},
		{name: "query garbage", query: "limit=abc&cursor=garbage&from=x&to=y&type=nope&dry_run=maybe&as=Bad%20Slug"},
		{name: "If-None-Match garbage", header: map[string]string{"If-None-Match": "garbage"}},
		{name: "Idempotency-Key with a body too large", body: `{"title":"` + strings.Repeat("x", 70<<10) + `"}`, header: map[string]string{"Idempotency-Key": "big"}},
		// The same Idempotency-Key again with another body (422), and
		// again with the same one (a replay, or 409 for a response that
		// held a secret).
		{name: "Idempotency-Key first use", body: `{}`, header: map[string]string{"Idempotency-Key": "again"}},
		{name: "Idempotency-Key reused for another body", body: `{"title":"other"}`, header: map[string]string{"Idempotency-Key": "again"}},
		{name: "Idempotency-Key replayed", body: `{}`, header: map[string]string{"Idempotency-Key": "again"}},
	}
	all := variant{name: "everything at once", body: `{"title":`, query: vs[len(vs)-2].query,
		header: map[string]string{"If-Match": "garbage", "Idempotency-Key": strings.Repeat("k", 300)}}
	return append(vs, all)
}

type operation struct {
	method, tmpl string
	op           map[string]any
}

func operations(ck *openapiChecker) []operation {
	var ops []operation
	for tmpl, byMethod := range ck.paths {
		for method, op := range byMethod {
			ops = append(ops, operation{method, tmpl, op.(map[string]any)})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].tmpl+ops[i].method < ops[j].tmpl+ops[j].method })
	return ops
}

// TestEveryOperationHostile sends every documented operation the
// requests of hostileVariants, as no key, an unknown key, a key of
// another site, a key below the operation's role and the owner. Every
// answer must be documented for that operation (the checker in do fails
// any other status, body or media type) and none may be a 5xx; a key of
// another site, and a viewer on a write, learn nothing but 403 whatever
// they send; no key learns nothing but 401.
func TestEveryOperationHostile(t *testing.T) {
	newEnv(t) // loads the checker
	for _, o := range operations(checker) {
		t.Run(o.method+" "+o.tmpl, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			owner := centre.Principal{KeyID: e.keyIDs[centre.RoleOwner], Site: centre.AllSites, Role: centre.RoleOwner}
			spare, _, err := e.svc.CreateKey(ctx, owner, centre.AllSites, centre.KeyInput{Role: centre.RoleOwner, Name: "spare"})
			if err != nil {
				t.Fatal(err)
			}
			d := e.draft("hostile", nil)
			path := o.tmpl
			staff := strings.HasPrefix(path, "/api/v1/admin/")
			siteScoped := staff && strings.Contains(path, "{site}")
			id := d.ID
			if strings.Contains(path, "/keys/") {
				id = e.keyIDs[centre.RoleEditor]
				if !siteScoped {
					id = spare.ID
				}
			}
			path = strings.NewReplacer("{site}", "demo", "{id}", id, "{slug}", "hostile", "{version}", "1", "{token}", "garbage").Replace(path)

			send := func(role string, v variant, auth string) resp {
				t.Helper()
				e.t = t
				r := req{method: o.method, path: path, role: role, body: v.body, header: map[string]string{}}
				if v.query != "" {
					r.path += "?" + v.query
				}
				for k, val := range v.header {
					r.header[k] = val
				}
				if auth != "" {
					r.header["Authorization"] = auth
				}
				got := e.do(r)
				if got.Status >= 500 {
					t.Errorf("%s as %q: %d %s", v.name, role, got.Status, got.Body)
				}
				return got
			}
			refusals := []struct {
				who, role, auth string
				status          int
				applies         bool
			}{
				{"no key", "", "", http.StatusUnauthorized, staff},
				{"unknown key", "", "Bearer " + centre.KeyPrefix + strings.Repeat("A", 43), http.StatusUnauthorized, staff},
				{"malformed key", "", "Bearer nonsense", http.StatusUnauthorized, staff},
				{"key of another site", "other-admin", "", http.StatusForbidden, siteScoped},
				{"site admin on an owner route", centre.RoleAdmin, "", http.StatusForbidden, staff && !siteScoped && !strings.HasSuffix(o.tmpl, "/whoami") && !(o.method == "GET" && o.tmpl == "/api/v1/admin/sites")},
				{"viewer on a write", centre.RoleViewer, "", http.StatusForbidden, staff && siteScoped && o.method != "GET"},
			}
			for _, who := range refusals {
				if !who.applies {
					continue
				}
				for _, v := range hostileVariants() {
					if got := send(who.role, v, who.auth); got.Status != who.status {
						t.Errorf("%s, %s: %d, want only %d; body %s", who.who, v.name, got.Status, who.status, got.Body)
					}
				}
			}
			// The owner (and, on public routes, anyone) gets documented
			// answers to everything.
			role := centre.RoleOwner
			if !staff {
				role = ""
			}
			for _, v := range hostileVariants() {
				send(role, v, "")
			}
			// A site or entry that does not exist: 404 (403 for a key of
			// another site, checked above), never 5xx.
			if siteScoped || strings.Contains(o.tmpl, "{slug}") {
				missing := strings.Replace(path, "/demo", "/no-such-site", 1)
				e.t = t
				got := e.do(req{method: o.method, path: missing, role: role, body: `{}`})
				if got.Status >= 500 {
					t.Errorf("missing site: %d %s", got.Status, got.Body)
				}
			}
		})
	}
}
