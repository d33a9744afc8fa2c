package markdown

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

func render(t *testing.T, src string) string {
	t.Helper()
	out, err := Render(src)
	if err != nil {
		t.Fatalf("Render(%q): %v", src, err)
	}
	return out
}

func TestRenderFeatures(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"heading shifted", "# Title\n\n## Sub", "<h2>Title</h2>\n<h3>Sub</h3>"},
		{"sections start at h2", "## Part\n\n### Sub\n\n## Next", "<h2>Part</h2>\n<h3>Sub</h3>\n<h2>Next</h2>"},
		{"lone deep heading", "#### Four", "<h2>Four</h2>"},
		{"deep heading capped", "# One\n\n###### Six", "<h6>Six</h6>"},
		{"emphasis", "*a* **b** ~~c~~ `d`", "<p><em>a</em> <strong>b</strong> <del>c</del> <code>d</code></p>"},
		{"external link", "[site](https://example.org/x)", `<a href="https://example.org/x" rel="noopener noreferrer">site</a>`},
		{"protocol relative link", "[site](//example.org/x)", `<a href="//example.org/x" rel="noopener noreferrer">site</a>`},
		{"relative link", "[next](/sites/a/en/b)", `<a href="/sites/a/en/b">next</a>`},
		{"mailto", "[mail](mailto:press@example.org)", `<a href="mailto:press@example.org">mail</a>`},
		{"linkify", "see https://example.org/p now", `<a href="https://example.org/p" rel="noopener noreferrer">https://example.org/p</a>`},
		{"image becomes link", `![Chart of cases](https://example.org/c.png "Cases")`, `<a href="https://example.org/c.png" title="Cases" rel="noopener noreferrer">Chart of cases</a>`},
		{"table", "| a | b |\n|:--|--:|\n| 1 | 2 |", `<th align="left">a</th>`},
		{"table cell", "| a | b |\n|:--|--:|\n| 1 | 2 |", `<td align="right">2</td>`},
		{"code block", "```go\nx := 1\n```", `<pre><code class="language-go">x := 1` + "\n</code></pre>"},
		{"raw html dropped", "a <b>bold</b> c", "<p>a bold c</p>"},
		{"text escaped", "1 < 2 & 3 > 2", "<p>1 &lt; 2 &amp; 3 &gt; 2</p>"},
		{"list", "1. one\n2. two", "<ol>\n<li>one</li>\n<li>two</li>\n</ol>"},
		{"ordered list start", "3. three\n4. four", `<ol start="3">`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := render(t, c.src); !strings.Contains(got, c.want) {
				t.Errorf("Render(%q)\n got %q\nwant it to contain %q", c.src, got, c.want)
			}
		})
	}
}

// xssCorpus holds inputs that try to get something executable, styled or
// fetched into the page.
var xssCorpus = []string{
	`<script>alert(1)</script>`,
	`<SCRIPT SRC=//evil.example/x.js></SCRIPT>`,
	`<scr<script>ipt>alert(1)</scr</script>ipt>`,
	`<<script>script>alert(1)//<</script>/script>`,
	"<script\n>alert(1)</script\n>",
	`<img src=x onerror=alert(1)>`,
	`<img src="x" onerror="alert(1)"/>`,
	`<body onload=alert(1)>`,
	`<p onclick="alert(1)">click</p>`,
	`<a href="https://example.org" onmouseover="alert(1)">x</a>`,
	`<svg onload=alert(1)>`,
	`<svg><script>alert(1)</script></svg>`,
	`<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>`,
	`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
	`<noscript><p title="</noscript><img src=x onerror=alert(1)>">`,
	`<iframe src="javascript:alert(1)"></iframe>`,
	`<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>`,
	`<object data="javascript:alert(1)"></object>`,
	`<embed src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">`,
	`<form action="javascript:alert(1)"><input type=submit></form>`,
	`<button formaction="javascript:alert(1)">x</button>`,
	`<base href="https://evil.example/">`,
	`<meta http-equiv="refresh" content="0;url=javascript:alert(1)">`,
	`<link rel="stylesheet" href="https://evil.example/x.css">`,
	`<style>body{background:url(javascript:alert(1))}</style>`,
	`<div style="background-image:url(javascript:alert(1))">x</div>`,
	`<p style="width:expression(alert(1))">x</p>`,
	`<div style="behavior:url(x.htc)">x</div>`,
	`<a href="x" style="position:fixed;top:0;left:0;width:100%;height:100%">overlay</a>`,
	`<details open ontoggle=alert(1)>`,
	`<video><source onerror="alert(1)"></video>`,
	`<!--<script>alert(1)</script>-->`,
	`<![CDATA[<script>alert(1)</script>]]>`,
	`[x](javascript:alert(1))`,
	`[x](JaVaScRiPt:alert(1))`,
	`[x](  javascript:alert(1))`,
	`[x](<javascript:alert(1)>)`,
	"[x](java\tscript:alert(1))",
	`[x](java&#x09;script:alert(1))`,
	`[x](&#106;avascript:alert(1))`,
	`[x](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1))`,
	`[x](javascript&colon;alert(1))`,
	`[x](javascript%3Aalert(1))`,
	`[x](vbscript:msgbox(1))`,
	`[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
	`[x](DATA:text/html,<script>alert(1)</script>)`,
	`[x](file:///etc/passwd)`,
	`![x](javascript:alert(1))`,
	`![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)`,
	`![x](https://example.org/x.png" onerror="alert(1))`,
	`[x](https://example.org "a\" onmouseover=\"alert(1)")`,
	"[x][r]\n\n[r]: javascript:alert(1)",
	"[x][r]\n\n[r]: data:text/html,alert(1)",
	`<javascript:alert(1)>`,
	`<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>`,
	`<a href="jav&#x0A;ascript:alert(1)">x</a>`,
	`&lt;script&gt;alert(1)&lt;/script&gt;`,
	`&#60;img src=x onerror=alert(1)&#62;`,
	"www.example.org/<script>alert(1)</script>",
	"http://example.org/\"onmouseover=\"alert(1)",
	"x\x00<script>alert(1)</script>",
	"| a |\n|---|\n| <img src=x onerror=alert(1)> |",
	"```\n</code></pre><script>alert(1)</script>\n```",
	"`</code><script>alert(1)</script>`",
	"> <script>alert(1)</script>",
	"- [x](javascript:alert(1))\n- <svg/onload=alert(1)>",
}

// allowed lists every element and attribute that may appear in output.
var allowed = map[string]map[string]bool{
	"p": {}, "br": {}, "hr": {}, "h2": {}, "h3": {}, "h4": {}, "h5": {}, "h6": {},
	"strong": {}, "em": {}, "del": {}, "code": {"class": true}, "pre": {}, "blockquote": {},
	"ul": {}, "ol": {"start": true}, "li": {},
	"table": {}, "thead": {}, "tbody": {}, "tr": {}, "th": {"align": true}, "td": {"align": true},
	"a": {"href": true, "rel": true, "title": true},
}

func TestXSSCorpus(t *testing.T) {
	for _, src := range xssCorpus {
		out := render(t, src)
		if problem := unsafeHTML(out); problem != "" {
			t.Errorf("Render(%q) = %q: %s", src, out, problem)
		}
		// Sanitising is idempotent on the output: nothing left to remove.
		if again := Sanitize(out); again != out {
			t.Errorf("output of %q changes when sanitised again:\n%q\n%q", src, out, again)
		}
	}
}

// TestSanitizeRawHTML feeds the corpus straight to the sanitiser, as if
// goldmark had let raw HTML through.
func TestSanitizeRawHTML(t *testing.T) {
	for _, src := range xssCorpus {
		if problem := unsafeHTML(Sanitize(src)); problem != "" {
			t.Errorf("Sanitize(%q): %s", src, problem)
		}
	}
}

// unsafeHTML parses fragment as a browser would and describes the first
// element, attribute or URL outside the allow-list, or returns "".
func unsafeHTML(fragment string) string {
	nodes, err := html.ParseFragment(strings.NewReader(fragment), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		return "unparseable: " + err.Error()
	}
	var walk func(n *html.Node) string
	walk = func(n *html.Node) string {
		switch n.Type {
		case html.ElementNode:
			attrs, ok := allowed[n.Data]
			if !ok {
				return "element <" + n.Data + "> not allowed"
			}
			for _, a := range n.Attr {
				if a.Namespace != "" || !attrs[a.Key] {
					return "attribute " + a.Key + " on <" + n.Data + "> not allowed"
				}
				if a.Key == "rel" {
					for _, tok := range strings.Fields(a.Val) {
						if tok != "noopener" && tok != "noreferrer" {
							return "unexpected rel " + a.Val
						}
					}
				}
				if a.Key == "href" {
					if p := unsafeURL(a.Val); p != "" {
						return p
					}
				}
			}
		case html.CommentNode:
			return "comment survived"
		case html.DoctypeNode:
			return "doctype survived"
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if p := walk(c); p != "" {
				return p
			}
		}
		return ""
	}
	for _, n := range nodes {
		if p := walk(n); p != "" {
			return p
		}
	}
	return ""
}

// unsafeURL strips what browsers ignore in a URL (ASCII whitespace and
// control characters) and refuses any scheme but http, https and mailto.
func unsafeURL(raw string) string {
	cleaned := strings.Map(func(r rune) rune {
		if r <= 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, raw)
	u, err := url.Parse(cleaned)
	if err != nil {
		return "unparseable URL " + raw
	}
	switch strings.ToLower(u.Scheme) {
	case "", "http", "https", "mailto":
	default:
		return "URL scheme " + u.Scheme + " in " + raw
	}
	return ""
}

// TestUnsafeHTMLDetects makes sure the checker itself catches what it must.
func TestUnsafeHTMLDetects(t *testing.T) {
	bad := []string{
		`<script>x</script>`,
		`<p onclick="x">a</p>`,
		`<a href="javascript:alert(1)">x</a>`,
		`<a href="java&#x09;script:alert(1)">x</a>`,
		`<a href="data:text/html,x">x</a>`,
		`<p style="color:red">x</p>`,
		`<svg></svg>`,
		`<img src="x">`,
		`<a href="/x" rel="opener">x</a>`,
		`<!-- c -->`,
	}
	for _, b := range bad {
		if unsafeHTML(b) == "" {
			t.Errorf("checker accepted %q", b)
		}
	}
	if p := unsafeHTML(`<p><a href="https://example.org" rel="noopener noreferrer">x</a></p>`); p != "" {
		t.Errorf("checker refused safe HTML: %s", p)
	}
}

// fuzzTimeLimit bounds how long Render may take on a fuzzed input of at
// most fuzzTimedBytes: far above what it needs (milliseconds), so that
// only a pathological slow-down fails, not a busy machine.
const (
	fuzzTimedBytes = 8 << 10
	fuzzTimeLimit  = 2 * time.Second
)

// FuzzRender checks that whatever the source, the output is HTML within
// the allow-list (no script or other element outside it, no event-handler
// or style attribute, no javascript:, data: or other URL scheme but http,
// https and mailto, no comments), that sanitising it again changes
// nothing, and that rendering takes bounded time. Its seed corpus is the
// XSS corpus and testdata/fuzz/FuzzRender.
func FuzzRender(f *testing.F) {
	for _, s := range xssCorpus {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		start := time.Now()
		out, err := Render(src)
		took := time.Since(start)
		if err != nil {
			t.Fatal(err)
		}
		if p := unsafeHTML(out); p != "" {
			t.Fatalf("Render(%q) = %q: %s", src, out, p)
		}
		if again := Sanitize(out); again != out {
			t.Fatalf("output of %q changes when sanitised again:\n%q\n%q", src, out, again)
		}
		if len(src) <= fuzzTimedBytes && took > fuzzTimeLimit {
			t.Fatalf("Render of %d bytes took %v (limit %v): %q", len(src), took, fuzzTimeLimit, src)
		}
	})
}
