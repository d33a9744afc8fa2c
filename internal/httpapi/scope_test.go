package httpapi_test

import (
	"slices"
	"strings"
	"testing"

	"infocentre/internal/centre"
	"infocentre/internal/dynamostore/dynamotest"
	"infocentre/internal/httpapi"
)

func TestOrganisationScopeOverAPI(t *testing.T) { testOrganisationScope(t, newEnv(t)) }

func TestOrganisationScopeOverAPIOnDynamoDB(t *testing.T) {
	if testing.Short() {
		t.Skip("moto_server: not under -short")
	}
	testOrganisationScope(t, newEnvOn(t, dynamotest.NewStore(t)))
}

// testOrganisationScope issues a key of a member organisation through the
// API and checks what it may write: entries that name its organisation,
// never removing it; others' entries are readable and refused with 403.
func testOrganisationScope(t *testing.T, e *env) {
	const org = "Red Cross"
	var issued httpapi.IssuedKey
	e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/keys", role: centre.RoleAdmin,
		body: map[string]any{"role": "publisher", "name": "Red Cross press office", "organisation": org}}, 201).json(t, &issued)
	if issued.Key.Organisation != org {
		t.Fatalf("issued key %+v", issued.Key)
	}
	e.keys["org"] = issued.Secret
	var who centre.Principal
	e.must(req{method: "GET", path: "/api/v1/admin/whoami", role: "org"}, 200).json(t, &who)
	if who.Organisation != org || who.Role != centre.RolePublisher {
		t.Fatalf("whoami %+v", who)
	}
	var keys httpapi.KeyList
	e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/keys", role: centre.RoleAdmin}, 200).json(t, &keys)
	if !slices.ContainsFunc(keys.Items, func(k *centre.Key) bool { return k.ID == issued.Key.ID && k.Organisation == org }) {
		t.Fatalf("the key list does not show the organisation: %+v", keys.Items)
	}

	var own centre.Entry
	e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/entries", role: "org", body: map[string]any{"type": "statement", "title": "Our statement"}}, 201).json(t, &own)
	if !slices.Equal(own.Organisations, []string{org}) {
		t.Fatalf("organisations %v", own.Organisations)
	}
	ownPath := "/api/v1/admin/sites/demo/entries/" + own.ID
	p := e.must(req{method: "PATCH", path: ownPath, role: "org", body: map[string]any{"organisations": []string{"Other"}},
		header: map[string]string{"If-Match": tag(own.Version)}}, 403).problem(t)
	if !strings.Contains(p.Detail, org) {
		t.Fatalf("refusal says %q", p.Detail)
	}
	e.must(req{method: "POST", path: ownPath + "/publish", role: "org", header: map[string]string{"If-Match": tag(own.Version)}}, 200)

	theirs := e.draft("theirs", map[string]any{"organisations": []string{"Other"}})
	path := "/api/v1/admin/sites/demo/entries/" + theirs.ID
	e.must(req{method: "GET", path: path, role: "org"}, 200)
	e.must(req{method: "PATCH", path: path, role: "org", body: map[string]any{"title": "Mine now"}, header: map[string]string{"If-Match": tag(theirs.Version)}}, 403).problem(t)
	e.must(req{method: "POST", path: path + "/publish", role: "org", header: map[string]string{"If-Match": tag(theirs.Version)}}, 403)
	e.must(req{method: "DELETE", path: path, role: "org", header: map[string]string{"If-Match": tag(theirs.Version)}}, 403)
	var got centre.Entry
	e.must(req{method: "GET", path: path, role: centre.RoleViewer}, 200).json(t, &got)
	if got.Version != theirs.Version || got.Title != theirs.Title {
		t.Fatalf("a refused write changed the entry: %+v", got)
	}

	// A scoped admin issues only keys of its organisation.
	var admin httpapi.IssuedKey
	e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/keys", role: centre.RoleAdmin,
		body: map[string]any{"role": "admin", "organisation": org}}, 201).json(t, &admin)
	e.keys["org-admin"] = admin.Secret
	e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/keys", role: "org-admin", body: map[string]any{"role": "editor", "organisation": "Other"}}, 403)
	e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/keys", role: "org-admin", body: map[string]any{"role": "editor"}}, 201).json(t, &issued)
	if issued.Key.Organisation != org {
		t.Fatalf("a scoped admin's key is of %q", issued.Key.Organisation)
	}
}
