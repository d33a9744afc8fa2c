package httpapi_test

import (
	"strings"
	"testing"

	"infocentre/internal/centre"
)

// TestStrictJSONNames: a request body is read exactly as written. Keys that
// match a field only when case is ignored (or Unicode-folded) and keys
// given twice are refused with a problem naming the field, at any depth
// and on every kind of body, so that no proxy, validator or log reads a
// different request from the same bytes than the server does.
func TestStrictJSONNames(t *testing.T) {
	e := newEnv(t)
	d := e.draft("strict", nil)
	entries := "/api/v1/admin/sites/demo/entries"
	entry := entries + "/" + d.ID
	cases := []struct {
		name, method, path, role, body string
		header                         map[string]string
		field, reason                  string
	}{
		{"duplicate key", "POST", entries, centre.RoleEditor, `{"type":"news","title":"Real","title":"Shadow"}`, nil, "title", "twice"},
		{"duplicate key, other value type", "POST", entries, centre.RoleEditor, `{"type":"news","title":"a","pinned":false,"pinned":true}`, nil, "pinned", "twice"},
		{"duplicate key in an array item", "POST", entries, centre.RoleEditor,
			`{"type":"news","title":"a","attachments":[{"title":"f","title":"g","url":"https://example.org/f.pdf","media_type":"application/pdf","size":1}]}`, nil, "attachments[0].title", "twice"},
		{"duplicate key in a nested object", "POST", "/api/v1/admin/sites", centre.RoleOwner,
			`{"slug":"dup","title":"Dup","publisher":"P","languages":["en"],"contact":{"email":"a@example.org","email":"b@example.org"}}`, nil, "contact.email", "twice"},
		{"duplicate key in a PATCH", "PATCH", entry, centre.RoleEditor, `{"title":"a","title":"b"}`, map[string]string{"If-Match": tag(d.Version)}, "title", "twice"},
		{"duplicate key in an optional body", "POST", entry + "/review", centre.RoleEditor, `{"note":"a","note":"b"}`, nil, "note", "twice"},
		{"duplicate key in a key request", "POST", "/api/v1/admin/sites/demo/keys", centre.RoleAdmin, `{"role":"viewer","role":"admin"}`, nil, "role", "twice"},
		{"upper case", "POST", entries, centre.RoleEditor, `{"type":"news","Title":"a"}`, nil, "Title", `did you mean "title"`},
		{"all capitals", "POST", entries, centre.RoleEditor, `{"TYPE":"news","title":"a"}`, nil, "TYPE", `did you mean "type"`},
		{"case twin of a given key", "POST", entries, centre.RoleEditor, `{"type":"news","title":"a","TITLE":"b"}`, nil, "TITLE", "case-sensitive"},
		{"Unicode long s folds to s", "POST", entries, centre.RoleEditor, `{"type":"news","title":"a","\u017flug":"x"}`, nil, "\u017flug", "not a known field"},
		{"Unicode long s in a PATCH", "PATCH", entry, centre.RoleEditor, `{"\u017fummary":"x"}`, map[string]string{"If-Match": tag(d.Version)}, "\u017fummary", "not a known field"},
		{"case in a nested object", "POST", "/api/v1/admin/sites", centre.RoleOwner,
			`{"slug":"case","title":"Case","publisher":"P","languages":["en"],"contact":{"Email":"a@example.org"}}`, nil, "contact.Email", `did you mean "email"`},
		{"case in an array item", "POST", entries, centre.RoleEditor,
			`{"type":"news","title":"a","attachments":[{"Title":"f","url":"https://example.org/f.pdf","media_type":"application/pdf","size":1}]}`, nil, "attachments[0].Title", `did you mean "title"`},
		{"case in a PATCH", "PATCH", entry, centre.RoleEditor, `{"Summary":"x"}`, map[string]string{"If-Match": tag(d.Version)}, "Summary", `did you mean "summary"`},
		{"case in a site PATCH", "PATCH", "/api/v1/admin/sites/demo", centre.RoleAdmin, `{"Title":"x"}`, map[string]string{"If-Match": `"v1"`}, "Title", `did you mean "title"`},
		{"case in an optional body", "POST", entry + "/publish", centre.RolePublisher, `{"Change_Note":"x"}`, nil, "Change_Note", `did you mean "change_note"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			p := e.must(req{method: c.method, path: c.path, role: c.role, body: c.body, header: c.header}, 400).problem(t)
			if len(p.Errors) != 1 || p.Errors[0].Field != c.field || !strings.Contains(p.Errors[0].Reason, c.reason) {
				t.Fatalf("problem %+v, want field %q with %q", p, c.field, c.reason)
			}
		})
	}
	e.t = t
	// Nothing was written: the draft is unchanged and no other entry, site
	// or key exists.
	var got centre.Entry
	e.must(req{method: "GET", path: entry, role: centre.RoleViewer}, 200).json(t, &got)
	if got.Version != d.Version {
		t.Fatalf("a refused request changed the draft to version %d", got.Version)
	}
	for _, slug := range []string{"dup", "case"} {
		e.must(req{method: "GET", path: "/api/v1/admin/sites/" + slug, role: centre.RoleOwner}, 404)
	}
	// Exact names still work, and a map-free value such as a time is
	// taken as it is.
	e.must(req{method: "POST", path: entries, role: centre.RoleEditor,
		body: `{"type":"news","title":"Exact","publish_at":"2030-01-01T00:00:00Z","attachments":[{"title":"f","url":"https://example.org/f.pdf","media_type":"application/pdf","size":1}]}`}, 201)
}

// TestLookAlikeTextThroughAPI: the text rule of centre reaches the API,
// with the field named; an NFD name is stored as NFC.
func TestLookAlikeTextThroughAPI(t *testing.T) {
	e := newEnv(t)
	entries := "/api/v1/admin/sites/demo/entries"
	for _, c := range []struct{ name, body, field string }{
		{"zero width space in an organisation", `{"type":"news","title":"a","organisations":["Minis\u200btry of Health"]}`, "organisations"},
		{"right-to-left override in a title", `{"type":"news","title":"\u202eMinistry of Health"}`, "title"},
		{"byte order mark in a title", `{"type":"news","title":"\ufeffMinistry"}`, "title"},
	} {
		p := e.must(req{method: "POST", path: entries, role: centre.RoleEditor, body: c.body}, 400).problem(t)
		if len(p.Errors) == 0 || p.Errors[0].Field != c.field || !strings.Contains(p.Errors[0].Reason, "invisible") {
			t.Errorf("%s: problem %+v", c.name, p)
		}
	}
	p := e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/keys", role: centre.RoleAdmin, body: `{"role":"viewer","name":"press\u200b office"}`}, 400).problem(t)
	if len(p.Errors) == 0 || p.Errors[0].Field != "name" {
		t.Errorf("key name: problem %+v", p)
	}
	var got centre.Entry
	e.must(req{method: "POST", path: entries, role: centre.RoleEditor, body: `{"type":"news","title":"Socie\u0301te\u0301"}`}, 201).json(t, &got)
	if got.Title != "Société" {
		t.Fatalf("title %q is not NFC", got.Title)
	}
}
