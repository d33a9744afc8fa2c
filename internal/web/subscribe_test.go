package web

import (
	"strings"
	"testing"

	"infocentre/internal/web/fixture"
)

// TestSubscribeForms: with Options.Subscribe, every page of an active
// site has the site-wide alert form in its footer, a published entry's
// page also one for updates about the entry (a withdrawn one does not),
// both posting to the alert route without JavaScript, labelled, in the
// page's language.
func TestSubscribeForms(t *testing.T) {
	e := newEnv(t)
	site := `<form class="subscribe" method="post" action="/sites/demo/subscribe" aria-labelledby="subscribe">`
	for path, want := range map[string][]string{
		base + "/":      {site, `name="scope" value="site"`, `<label for="subscribe-email">Email address</label>`, `type="email" autocomplete="email" required`},
		base + "/news/": {site},
		base + "/fr/":   {site, `name="lang" value="fr"`, "Recevoir les alertes par e-mail"},
		base + "/en/" + fixture.StatementSlug + "/": {site, `aria-labelledby="subscribe-entry"`, `name="scope" value="entry:` + fixture.StatementSlug + `"`,
			"Get updates about this by email", `<option value="daily">Daily summary</option>`},
	} {
		r := e.get(path)
		if r.StatusCode != 200 {
			t.Fatalf("%s: %d", path, r.StatusCode)
		}
		for _, w := range want {
			if !strings.Contains(r.body, w) {
				t.Errorf("%s lacks %s", path, w)
			}
		}
	}
	if r := e.get(base + "/en/" + fixture.WithdrawnSlug + "/"); strings.Contains(r.body, "subscribe-entry") {
		t.Error("a withdrawn entry offers updates about it")
	}
}
