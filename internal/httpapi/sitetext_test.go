package httpapi_test

import (
	"testing"

	"infocentre/internal/centre"
	"infocentre/internal/httpapi"
)

// TestSiteTranslationsAPI: admins set the translated profile and the labels
// of tags and organisations through PATCH; bad ones are named field by
// field; the public profile shows both.
func TestSiteTranslationsAPI(t *testing.T) {
	e := newEnv(t)
	version := func() string {
		var s centre.Site
		e.must(req{method: "GET", path: "/api/v1/admin/sites/demo", role: centre.RoleViewer}, 200).json(t, &s)
		return tag(s.Version)
	}
	p := e.must(req{method: "PATCH", path: "/api/v1/admin/sites/demo", role: centre.RoleAdmin,
		body: map[string]any{"translations": []any{map[string]any{"lang": "xx", "title": ""}},
			"labels": []any{map[string]any{"kind": "topic", "key": "a", "lang": "en", "text": "A"}}},
		header: map[string]string{"If-Match": version()}}, 400).problem(t)
	named := map[string]bool{}
	for _, f := range p.Errors {
		named[f.Field] = true
	}
	for _, f := range []string{"translations[0].lang", "translations[0].title", "labels[0].kind"} {
		if !named[f] {
			t.Errorf("%s not named: %+v", f, p.Errors)
		}
	}
	texts := []any{map[string]any{"lang": "fr", "title": "Centre de démonstration", "description": "En français."}}
	labels := []any{map[string]any{"kind": "tag", "key": "cancer-care", "lang": "fr", "text": "Soins oncologiques"}}
	e.must(req{method: "PATCH", path: "/api/v1/admin/sites/demo", role: centre.RolePublisher,
		body: map[string]any{"labels": labels}, header: map[string]string{"If-Match": version()}}, 403)
	var s centre.Site
	e.must(req{method: "PATCH", path: "/api/v1/admin/sites/demo", role: centre.RoleAdmin,
		body: map[string]any{"translations": texts, "labels": labels}, header: map[string]string{"If-Match": version()}}, 200).json(t, &s)
	if len(s.Translations) != 1 || len(s.Labels) != 1 {
		t.Fatalf("site after PATCH: %+v %+v", s.Translations, s.Labels)
	}
	var pub httpapi.PublicSite
	e.must(req{method: "GET", path: "/api/v1/sites/demo"}, 200).json(t, &pub)
	if len(pub.Translations) != 1 || pub.Translations[0].Title != "Centre de démonstration" ||
		len(pub.Labels) != 1 || pub.Labels[0].Text != "Soins oncologiques" {
		t.Fatalf("public profile: %+v %+v", pub.Translations, pub.Labels)
	}
}
