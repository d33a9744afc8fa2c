package web

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"infocentre/internal/centre"
	"infocentre/internal/web/fixture"
)

// translated gives the fixture site a French profile and labels for its
// tag and one organisation.
func translated(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	site, err := e.store.GetSite(ctx, fixture.Site)
	if err != nil {
		t.Fatal(err)
	}
	site.Translations = []centre.SiteText{{Lang: "fr", Title: "Centre d'information de crise", Tagline: "Déclarations et actualités",
		Description: "La source officielle des déclarations de l'association."}}
	site.Labels = []centre.Label{
		{Kind: centre.LabelTag, Key: fixture.Tag, Lang: "en", Text: "Medicine supply"},
		{Kind: centre.LabelTag, Key: fixture.Tag, Lang: "fr", Text: "Approvisionnement en médicaments"},
		{Kind: centre.LabelOrganisation, Key: centre.OrgKey(fixture.Org), Lang: "en", Text: "French Example Society"},
	}
	if err := site.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := e.store.UpdateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
}

func TestTranslatedProfileAndLabels(t *testing.T) {
	e := newEnv(t)
	translated(t, e)
	for _, c := range []struct {
		path      string
		want, not []string
	}{
		{base + "/fr/", []string{`<title>Centre d&#39;information de crise</title>`, `<h1>Centre d&#39;information de crise</h1>`,
			`<p class="lead">La source officielle des déclarations de l&#39;association.</p>`, `<p class="tagline">Déclarations et actualités</p>`,
			`<meta name="description" content="Déclarations et actualités">`},
			[]string{"Crisis Information Centre"}},
		{base + "/", []string{"<h1>Crisis Information Centre</h1>"}, []string{"Centre d&#39;information de crise"}},
		{base + "/fr/" + fixture.StatementSlug + "/", []string{`>Approvisionnement en médicaments</a>`,
			// no French label: the English one, marked as English
			`lang="en">French Example Society</a>`, `– Centre d&#39;information de crise</title>`}, nil},
		{base + "/en/" + fixture.StatementSlug + "/", []string{`>Medicine supply</a>`, `>French Example Society</a>`}, nil},
		{base + "/tags/" + fixture.Tag + "/fr/", []string{"<h1>Thème : Approvisionnement en médicaments</h1>"}, nil},
		{base + "/tags/" + fixture.Tag + "/", []string{"<h1>Topic: Medicine supply</h1>"}, nil},
		{base + "/organisations/" + centre.OrgKey(fixture.Org) + "/", []string{"<h1>French Example Society</h1>"}, nil},
		{base + "/search?tag=" + fixture.Tag, []string{"Remove the filter Topic: Medicine supply"}, nil},
	} {
		r := e.get(c.path)
		if r.StatusCode != 200 {
			t.Errorf("%s: %d", c.path, r.StatusCode)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(r.body, w) {
				t.Errorf("%s lacks %s", c.path, w)
			}
		}
		for _, w := range c.not {
			if strings.Contains(r.body, w) {
				t.Errorf("%s has %s", c.path, w)
			}
		}
		checkHTML(t, r.body)
	}
}

// TestLanguageSwitchEverywhere: every page of a site in several languages
// has the language switch; it leads to the page's translation when there
// is one, else to the home page in that language.
func TestLanguageSwitchEverywhere(t *testing.T) {
	e := newEnv(t)
	langs := regexp.MustCompile(`(?s)<nav class="langs"[^>]*>(.*?)</nav>`)
	for path, want := range map[string][]string{
		base + "/":                   {`href="/sites/demo/"`, `href="/sites/demo/fr/"`},
		base + "/news/fr/":           {`href="/sites/demo/news/"`, `href="/sites/demo/news/fr/"`},
		base + "/search?q=medicines": {`href="/sites/demo/search"`, `href="/sites/demo/search?lang=fr"`},
		base + "/en/" + fixture.StatementSlug + "/": {`href="/sites/demo/fr/` + fixture.StatementSlug + `/"`},
		base + "/en/" + fixture.ReportSlug + "/":    {`href="/sites/demo/fr/"`}, // no French version: the French home
		base + "/en/nope/":                          {`href="/sites/demo/fr/"`},
		base + "/tags/":                             {`href="/sites/demo/tags/fr/"`},
		base + "/organisations/fr/":                 {`href="/sites/demo/organisations/"`},
	} {
		r := e.get(path)
		m := langs.FindStringSubmatch(r.body)
		if m == nil {
			t.Errorf("%s: no language switch", path)
			continue
		}
		for _, w := range want {
			if !strings.Contains(m[1], w) {
				t.Errorf("%s: switch lacks %s: %s", path, w, m[1])
			}
		}
	}
}

// TestIndexPages: /tags/ and /organisations/ list every tag and
// organisation of the public entries in the page language, by label, with
// counts, and link to their pages.
func TestIndexPages(t *testing.T) {
	e := newEnv(t)
	translated(t, e)
	r := e.get(base + "/tags/")
	if r.StatusCode != 200 {
		t.Fatalf("tags: %d", r.StatusCode)
	}
	checkHTML(t, r.body)
	item := regexp.MustCompile(`<li><a href="/sites/demo/tags/` + fixture.Tag + `/">Medicine supply</a> <small>(\d+) entries</small></li>`)
	m := item.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("tag index lacks the labelled tag with its count:\n%s", r.body)
	}
	list := e.get(base + "/tags/" + fixture.Tag + "/").body
	if n := strings.Count(list, "<li>\n<h2>"); m[1] != strconv.Itoa(n) {
		t.Errorf("the index counts %s entries, the tag page lists %d", m[1], n)
	}
	if r := e.get(base + "/tags/fr/"); !strings.Contains(r.body, `<a href="/sites/demo/tags/`+fixture.Tag+`/fr/">Approvisionnement en médicaments</a>`) {
		t.Errorf("French tag index:\n%s", r.body)
	}
	r = e.get(base + "/organisations/")
	if !strings.Contains(r.body, `<a href="/sites/demo/organisations/`+centre.OrgKey(fixture.Org)+`/">French Example Society</a>`) ||
		!strings.Contains(r.body, `href="/sites/demo/organisations/example-association/">Example Association</a>`) {
		t.Errorf("organisation index:\n%s", r.body)
	}
	checkHTML(t, r.body)
	for _, hidden := range []string{fixture.DraftTitle, "secret", "embargo"} {
		if strings.Contains(strings.ToLower(e.get(base+"/tags/").body), hidden) {
			t.Errorf("the tag index shows %q", hidden)
		}
	}
	if r := e.get(base + "/tags"); r.StatusCode != 301 || r.Header.Get("Location") != base+"/tags/" {
		t.Errorf("/tags: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	none := newEnv(t, func(_ centre.Store, o *Options, _ *centre.Service) { o.Searcher = nil })
	if r := none.get(base + "/tags/"); r.StatusCode != 404 || strings.Contains(none.get(base+"/").body, `/tags/"`) {
		t.Errorf("without search: index %d, or linked", r.StatusCode)
	}
}
