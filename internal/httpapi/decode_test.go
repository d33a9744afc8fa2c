package httpapi_test

import (
	"strings"
	"testing"

	"infocentre/internal/centre"
)

// TestEveryBadFieldNamed: one response names every unknown field and every
// value of the wrong type, a bad publish_at included (issue 15, defect 3).
func TestEveryBadFieldNamed(t *testing.T) {
	e := newEnv(t)
	p := e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/entries", role: centre.RoleEditor,
		body: `{"type":"news","title":"T","colour":"red","publish_at":"tomorrow","tags":"x","Summary":"s","extra":1}`}, 400).problem(t)
	var got []string
	for _, f := range p.Errors {
		got = append(got, f.Field)
	}
	want := "Summary colour extra publish_at tags"
	if strings.Join(got, " ") != want {
		t.Fatalf("fields named: %q, want %q (%+v)", strings.Join(got, " "), want, p)
	}
}

// TestMalformedJSON: a body that is not JSON is said to be so, with the
// byte offset, not as an invalid "body" field (issue 15, defect 4).
func TestMalformedJSON(t *testing.T) {
	e := newEnv(t)
	for body, want := range map[string]string{
		`{"title": "x",}`:   "the request body is not valid JSON: invalid character '}' looking for beginning of object key string (at byte 15)",
		`{"title": "x"`:     "the request body is not valid JSON: it ends before the JSON value does (at byte 13)",
		`{"title": "x"} {}`: "the request body is not valid JSON: there is data after the JSON object (at byte 15)",
		``:                  "the request body is empty; a JSON object is required",
	} {
		p := e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/entries", role: centre.RoleEditor, body: body,
			header: map[string]string{"Content-Type": "application/json"}}, 400).problem(t)
		if p.Detail != want || len(p.Errors) != 0 {
			t.Errorf("%q: detail %q, errors %+v; want %q and no field", body, p.Detail, p.Errors, want)
		}
	}
}
