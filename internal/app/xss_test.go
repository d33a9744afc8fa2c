package app_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"infocentre/internal/app"
	"infocentre/internal/centre"
)

// payloads try to get something executable into a page or a feed, through
// every field an author controls.
var payloads = []string{
	`<script>alert(1)</script>`,
	`<img src=x onerror=alert(1)>`,
	`<svg onload=alert(1)><script>alert(2)</script></svg>`,
	`[click](javascript:alert(1))`,
	`[click](JaVaScRiPt:alert(1))`,
	`[click](&#106;avascript:alert(1))`,
	`[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
	`![x](javascript:alert(1))`,
	`<a href="javascript:alert(1)">x</a>`,
	`<iframe src="https://evil.example"></iframe>`,
	`<style>body{background:url(javascript:alert(1))}</style>`,
	`<div style="background:url(javascript:alert(1))">x</div>`,
	`<object data="x.swf"></object><embed src="x.swf">`,
	`<form action="https://evil.example"><input name=q></form>`,
	`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
	`"><script>alert(1)</script>`,
	`'><img src=x onerror=alert(1)>`,
	"<scr<script>ipt>alert(1)</scr</script>ipt>",
	`<a href="vbscript:msgbox(1)">x</a>`,
	`<base href="https://evil.example/">`,
	`<meta http-equiv="refresh" content="0;url=javascript:alert(1)">`,
}

// TestNothingExecutableInPagesOrFeeds publishes entries carrying the
// payloads in every author-controlled field, and checks the entry page, the
// home page and every feed: no script, no event handler, no javascript:,
// vbscript: or data: URL, no inline style or foreign elements — in the page
// itself and in the HTML the feeds carry for readers to render.
func TestNothingExecutableInPagesOrFeeds(t *testing.T) {
	cfg := app.Config{Store: "bolt", DataDir: t.TempDir()}
	store, err := app.OpenStore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(cfg, store, app.NewLogger(io.Discard, "error"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := context.Background()
	op := centre.Principal{KeyID: "t", Site: centre.AllSites, Role: centre.RoleOwner}
	if _, err := a.Service.CreateSite(ctx, op, centre.SiteInput{Slug: "xss", Title: `Site <script>alert(1)</script>`,
		Tagline: payloads[1], Description: payloads[0], Publisher: payloads[2], Contact: centre.Contact{Email: "a@example.org"}}); err != nil {
		t.Fatal(err)
	}
	body := strings.Join(payloads, "\n\n")
	var slugs []string
	for i, p := range payloads {
		e, err := a.Service.CreateEntry(ctx, op, "xss", centre.EntryInput{
			Slug:   "x" + strings.Repeat("y", i),
			Status: centre.StatusPublished,
			Content: centre.Content{
				Type:          centre.Types[i%3],
				Title:         p,
				Summary:       p,
				Body:          body,
				Organisations: []string{"Org " + p},
				Attachments:   []centre.Attachment{{Title: p, URL: "https://example.org/a.pdf", MediaType: "application/pdf", Size: 10}},
			},
		})
		if err != nil {
			t.Fatalf("payload %d: %v", i, err)
		}
		note := "Corrected: " + p
		if _, err := a.Service.UpdateEntry(ctx, op, "xss", e.ID, centre.EntryPatch{ChangeNote: &note}, e.Version); err != nil {
			t.Fatal(err)
		}
		slugs = append(slugs, e.Slug)
	}
	w, err := a.Service.Withdraw(ctx, op, "xss", mustID(t, a, slugs[0]), 0, payloads[0]+" reason", "")
	if err != nil || w.Status != centre.StatusWithdrawn {
		t.Fatal(err)
	}

	pages := []string{"/sites/xss/", "/sites/xss/statements/", "/sites/xss/search?q=alert"}
	for _, s := range slugs {
		pages = append(pages, "/sites/xss/en/"+s+"/")
	}
	for _, p := range pages {
		checkHTMLDoc(t, p, fetch(t, a, p))
	}
	for _, f := range []string{"/sites/xss/feed.atom", "/sites/xss/feed.rss", "/sites/xss/statements/feed.atom"} {
		doc := fetch(t, a, f)
		for i, frag := range xmlTexts(t, f, doc) {
			checkHTMLFragment(t, f+" #"+itoa(i), frag)
		}
	}
	var jf struct {
		Items []struct {
			ContentHTML string `json:"content_html"`
			Summary     string `json:"summary"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(fetch(t, a, "/sites/xss/feed.json")), &jf); err != nil || len(jf.Items) == 0 {
		t.Fatalf("json feed: %v", err)
	}
	for i, it := range jf.Items {
		checkHTMLFragment(t, "feed.json item "+itoa(i), it.ContentHTML)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func mustID(t *testing.T, a *app.App, slug string) string {
	es, err := a.Store.EntriesBySlug(context.Background(), "xss", slug)
	if err != nil {
		t.Fatal(err)
	}
	return es[0].ID
}

func fetch(t *testing.T, a *app.App, path string) string {
	t.Helper()
	w := httptest.NewRecorder()
	a.Handler.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
	if w.Code != 200 {
		t.Fatalf("GET %s: %d", path, w.Code)
	}
	if csp := w.Header().Get("Content-Security-Policy"); strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") &&
		(!strings.Contains(csp, "script-src") && !strings.Contains(csp, "default-src")) {
		t.Errorf("GET %s: no script policy in CSP %q", path, csp)
	}
	return w.Body.String()
}

// xmlTexts returns the content of every feed element a reader renders as
// HTML: Atom elements of type html or xhtml, and RSS descriptions and
// content:encoded. (Atom type="text" and RSS titles are plain text.)
func xmlTexts(t *testing.T, name, doc string) []string {
	dec := xml.NewDecoder(strings.NewReader(doc))
	var out []string
	var stack []bool // whether each open element holds HTML
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			if len(out) == 0 {
				t.Fatalf("%s: no HTML content found", name)
			}
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			htmlish := el.Name.Local == "description" || el.Name.Local == "encoded"
			for _, a := range el.Attr {
				if a.Name.Local == "type" && (a.Value == "html" || a.Value == "xhtml") {
					htmlish = true
				}
			}
			stack = append(stack, htmlish)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 && stack[len(stack)-1] && strings.TrimSpace(string(el)) != "" {
				out = append(out, string(el))
			}
		}
	}
}

var badElements = map[string]bool{"script": true, "iframe": true, "object": true, "embed": true, "svg": true,
	"math": true, "form": true, "input": true, "base": true, "frame": true, "frameset": true, "applet": true}

// checkHTMLDoc checks a whole page; the page's own stylesheet links and
// the JSON-LD block (type application/ld+json, data not script) are allowed.
func checkHTMLDoc(t *testing.T, name, doc string) {
	t.Helper()
	checkNodes(t, name, doc, true)
}

func checkHTMLFragment(t *testing.T, name, frag string) {
	t.Helper()
	checkNodes(t, name, frag, false)
}

func checkNodes(t *testing.T, name, src string, page bool) {
	t.Helper()
	root, err := html.Parse(strings.NewReader(src))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			tag := n.Data
			if tag == "script" && page && attr(n, "type") == "application/ld+json" {
				// data, not code: check it cannot close itself early
				if n.FirstChild != nil && strings.Contains(strings.ToLower(n.FirstChild.Data), "</script") {
					t.Errorf("%s: JSON-LD can be closed early", name)
				}
				return
			}
			// The page's own forms: search, and the email alert forms.
			ownForm := page && (tag == "form" && (strings.HasSuffix(attr(n, "action"), "/search") ||
				attr(n, "class") == "subscribe" && strings.HasSuffix(attr(n, "action"), "/subscribe")) || tag == "input")
			if (badElements[tag] && !ownForm) || (tag == "style") || (tag == "meta" && attr(n, "http-equiv") != "") ||
				(tag == "link" && !page) {
				t.Errorf("%s: <%s> survived", name, tag)
			}
			for _, a := range n.Attr {
				key := strings.ToLower(a.Key)
				val := strings.ToLower(strings.Join(strings.Fields(a.Val), ""))
				switch {
				case strings.HasPrefix(key, "on"):
					t.Errorf("%s: event handler %s on <%s>", name, a.Key, tag)
				case key == "style":
					t.Errorf("%s: inline style on <%s>", name, tag)
				case key == "href" || key == "src" || key == "action" || key == "formaction" || key == "xlink:href":
					for _, scheme := range []string{"javascript:", "vbscript:", "data:"} {
						if strings.HasPrefix(val, scheme) {
							t.Errorf("%s: %s=%q on <%s>", name, a.Key, a.Val, tag)
						}
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
