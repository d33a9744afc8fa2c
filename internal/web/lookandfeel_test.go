package web

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"infocentre/internal/centre"
	"infocentre/internal/web/fixture"
)

// TestHeaderSearchAndCrumbs: every page of a site with search has the
// search box in its header; pages below the home page have a breadcrumb
// trail that ends with the page itself.
func TestHeaderSearchAndCrumbs(t *testing.T) {
	e := newEnv(t)
	box := `<form class="hs" role="search" aria-label="Search" action="/sites/demo/search" method="get">`
	for path, trail := range map[string]string{
		base + "/":      "",
		base + "/news/": `<li><a href="/sites/demo/">Home</a></li><li aria-current="page">News</li>`,
		base + "/en/" + fixture.StatementSlug + "/": `<li><a href="/sites/demo/">Home</a></li><li><a href="/sites/demo/statements/">Statements</a></li><li aria-current="page">Joint statement on the supply of medicines</li>`,
		base + "/en/" + fixture.PageSlug + "/":      `<li><a href="/sites/demo/">Home</a></li><li aria-current="page">About this centre</li>`,
		base + "/tags/" + fixture.Tag + "/":         `<li><a href="/sites/demo/tags/">Topics</a></li><li aria-current="page">Topic: medicines</li>`,
		base + "/tags/":                             `<li aria-current="page">Topics</li>`,
		base + "/search?q=medicines":                `<li aria-current="page">Search</li>`,
		base + "/en/nope/":                          "",
	} {
		r := e.get(path)
		if !strings.Contains(r.body, box) {
			t.Errorf("%s: no search box in the header", path)
		}
		if trail != "" && !strings.Contains(r.body, trail) {
			t.Errorf("%s: breadcrumbs lack %s", path, trail)
		}
		if trail == "" && strings.Contains(r.body, `class="crumbs"`) {
			t.Errorf("%s: breadcrumbs on a top page", path)
		}
	}
	if fr := e.get(base + "/fr/").body; !strings.Contains(fr, `<input type="hidden" name="lang" value="fr">`) {
		t.Error("the French header search does not search in French")
	}
	if r := e.get(base + "/search?q=medicines"); !strings.Contains(r.body, `<input id="hq" name="q" type="search" maxlength="500" value="medicines">`) {
		t.Error("the header box of the results page does not hold the query")
	}
}

// TestFooterPagesAndShareLinks: the contact, privacy and accessibility
// pages are linked from the footer (not the header's menu); entries have
// share links that need no third-party script, and a field with their
// address.
func TestFooterPagesAndShareLinks(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, slug := range []string{"privacy", "accessibility"} {
		p := &centre.Entry{ID: centre.NewID(fixture.Base), Site: fixture.Site, Slug: slug, Lang: "en", Status: centre.StatusPublished,
			PublishedAt: fixture.Base, UpdatedAt: fixture.Base, CreatedAt: fixture.Base,
			Content: centre.Content{Type: centre.TypePage, Title: strings.ToUpper(slug[:1]) + slug[1:] + " statement", Body: "Text."}}
		if err := e.store.CreateEntry(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	r := e.get(base + "/en/" + fixture.StatementSlug + "/")
	footer := r.body[strings.Index(r.body, "<footer"):]
	header := r.body[:strings.Index(r.body, "</header>")]
	for _, w := range []string{`<a href="/sites/demo/en/privacy/">Privacy statement</a>`, `<a href="/sites/demo/en/accessibility/">Accessibility statement</a>`} {
		if !strings.Contains(footer, w) || strings.Contains(header, w) {
			t.Errorf("footer lacks (or header has) %s", w)
		}
	}
	canonical := "http://centre.example.net/sites/demo/en/" + fixture.StatementSlug + "/"
	for _, w := range []string{
		`href="mailto:?subject=Joint%20statement%20on%20the%20supply%20of%20medicines&amp;body=http%3A%2F%2Fcentre.example.net%2Fsites%2Fdemo%2Fen%2Fmedicine-supply%2F"`,
		`href="https://toot.kytta.org/?text=Joint%20statement`,
		`href="https://www.linkedin.com/sharing/share-offsite/?url=http%3A%2F%2Fcentre.example.net`,
		`href="https://x.com/intent/tweet?text=Joint%20statement`,
		`<input id="link" type="url" readonly value="` + canonical + `">`,
	} {
		if !strings.Contains(r.body, w) {
			t.Errorf("entry lacks %s", w)
		}
	}
	if strings.Contains(r.body, "<script src") || strings.Contains(r.body, "<iframe") {
		t.Error("a share widget loads something")
	}
	checkHTML(t, r.body)
}

func TestScrollTables(t *testing.T) {
	in := `<p>x</p><table><thead><tr><th>a</th></tr></thead></table><table align="left"><tr><td>b</td></tr></table>`
	want := `<p>x</p><div class="scroll" tabindex="0"><table><thead><tr><th>a</th></tr></thead></table></div><div class="scroll" tabindex="0"><table align="left"><tr><td>b</td></tr></table></div>`
	if got := scrollTables(in); got != want {
		t.Errorf("scrollTables:\n got %s\nwant %s", got, want)
	}
	if got := scrollTables("<p>none</p>"); got != "<p>none</p>" {
		t.Errorf("no table: %s", got)
	}
	// As the regular expression it replaced wraps them, an unclosed tag
	// and a large body of tables included.
	re := regexp.MustCompile(`<table[^>]*>`)
	big := strings.Repeat(in, 5000)
	for _, body := range []string{in, big, "<table", "a<table b", "<table><table>x</table></table>", "<table\n class=x>", "<p>x</p><table"} {
		want := strings.ReplaceAll(re.ReplaceAllStringFunc(body, func(t string) string { return `<div class="scroll" tabindex="0">` + t }), "</table>", "</table></div>")
		if got := scrollTables(body); got != want {
			t.Errorf("scrollTables(%.60q):\n got %.200s\nwant %.200s", body, got, want)
		}
	}
}

// TestLogoPath: a logo given as the path of one of the site's files is
// shown in place of the title (which becomes its text alternative); a logo
// on another host is not shown.
func TestLogoPath(t *testing.T) {
	for logo, want := range map[string]string{
		"/files/0123abcd/logo.png":            `<img src="/sites/demo/files/0123abcd/logo.png" alt="Crisis Information Centre" height="32">`,
		"/sites/demo/files/0123abcd/logo.png": `<img src="/sites/demo/files/0123abcd/logo.png" alt="Crisis Information Centre" height="32">`,
		"https://cdn.example.com/logo.png":    `<a class="brand" href="/sites/demo/">Crisis Information Centre</a>`,
	} {
		e := newEnv(t, func(st centre.Store, _ *Options, _ *centre.Service) {
			s, err := st.GetSite(context.Background(), fixture.Site)
			if err != nil {
				t.Fatal(err)
			}
			s.Theme.LogoURL = logo
			if err := s.Validate(); err != nil {
				t.Fatal(err)
			}
			if err := st.UpdateSite(context.Background(), s); err != nil {
				t.Fatal(err)
			}
		})
		if body := e.get(base + "/").body; !strings.Contains(body, want) {
			t.Errorf("logo %s: home lacks %s", logo, want)
		}
	}
	for _, bad := range []string{"//evil.example/x.png", "/files/../../etc", "/a b", "/x?y"} {
		if centre.ValidLogoPath(bad) {
			t.Errorf("ValidLogoPath(%q)", bad)
		}
	}
}

// TestStylesheetContrast: every pair of text and background colours of the
// stylesheet has a contrast ratio of at least 4.5:1, in light and in dark
// mode; a site's accent, once accepted, gives dark mode a link colour that
// has it too.
func TestStylesheetContrast(t *testing.T) {
	css, err := os.ReadFile("assets/style.css")
	if err != nil {
		t.Fatal(err)
	}
	vars := func(block string) map[string]string {
		out := map[string]string{}
		for _, m := range regexp.MustCompile(`--([a-z]+):(#[0-9a-fA-F]{3,6})`).FindAllStringSubmatch(block, -1) {
			out[m[1]] = m[2]
		}
		return out
	}
	root := regexp.MustCompile(`(?m)^:root\{([^}]*)\}`).FindStringSubmatch(string(css))
	dark := regexp.MustCompile(`prefers-color-scheme:dark\)\{:root\{([^}]*)\}`).FindStringSubmatch(string(css))
	if root == nil || dark == nil {
		t.Fatal("no light or dark :root block in the stylesheet")
	}
	light := vars(root[1])
	light["link"] = light["accent"]
	darkVars := vars(root[1])
	for k, v := range vars(dark[1]) {
		darkVars[k] = v
	}
	if darkVars["bg"] != DarkBackground || darkVars["tint"] != DarkTint || light["bg"] != BackgroundColour || light["text"] != TextColour {
		t.Fatalf("the stylesheet's colours and theme.go's constants differ: %v %v", light, darkVars)
	}
	pairs := [][2]string{{"text", "bg"}, {"muted", "bg"}, {"link", "bg"}, {"text", "tint"}, {"link", "tint"},
		{"text", "code"}, {"text", "warn"}, {"bad", "badbg"}, {"text", "badbg"}, {"muted", "tint"}}
	for name, scheme := range map[string]map[string]string{"light": light, "dark": darkVars} {
		for _, p := range pairs {
			if r := Contrast(scheme[p[0]], scheme[p[1]]); r < MinContrast {
				t.Errorf("%s: --%s on --%s has contrast %.2f", name, p[0], p[1], r)
			}
		}
	}
	for _, accent := range []string{"#0b5394", "#1d5a8c", "#000000", "#767676", "#5c0f0a", "#004d00"} {
		if CheckAccent(accent) != nil {
			t.Fatalf("%s refused", accent)
		}
		l := darkLink(accent)
		if r := Contrast(l, DarkBackground); r < MinContrast {
			t.Errorf("accent %s: dark link %s on the dark background: %.2f", accent, l, r)
		}
		if r := Contrast(l, DarkTint); r < MinContrast {
			t.Errorf("accent %s: dark link %s on the dark notices: %.2f", accent, l, r)
		}
		if !strings.Contains(themeStylesheet(accent), "--link:"+l) {
			t.Errorf("accent %s: the theme does not set the dark link colour", accent)
		}
	}
}
