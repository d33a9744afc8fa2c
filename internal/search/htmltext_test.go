package search

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"infocentre/internal/markdown"
)

// tokenizerText is htmlText as golang.org/x/net/html's tokenizer reads
// HTML: the reference that htmlText is checked against.
func tokenizerText(fragment string) string {
	z := html.NewTokenizer(strings.NewReader(fragment))
	var b strings.Builder
	sep := func(s string) {
		if b.Len() > 0 && !strings.HasSuffix(b.String(), s) && !strings.HasSuffix(b.String(), "\n") {
			b.WriteString(s)
		}
	}
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.TrimSpace(b.String())
		case html.TextToken:
			b.Write(z.Text())
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			if blockTag(string(name)) {
				sep("\n")
			}
		}
	}
}

// TestHTMLTextMatchesTokenizer: the text of entry bodies as they are
// stored (Markdown rendered and sanitised) is what the HTML tokenizer
// reads, for the repository's Markdown documents and for bodies that use
// every construct Markdown renders.
func TestHTMLTextMatchesTokenizer(t *testing.T) {
	sources := []string{
		"# Title\n\nA *paragraph* with **bold**, `code <b>` and a [link](https://example.org/?a=1&b=2 \"title > here\").\n",
		"- one\n- two &amp; three\n\n1. first\n2. second\n\n> quoted\n> text\n\n---\n\n```\n<not a tag> & more\n```\n",
		"| a | b |\n|---|---|\n| 1 < 2 | 3 > 2 |\n| é &eacute; &#233; &#xe9; | &notanentity; &amp |\n",
		"Text with <span>inline HTML</span>, <script>alert(1)</script> and <!-- a comment --> and a<br>break.\n",
		"![An image](https://example.org/i.png \"its title\") and <https://example.org/auto>.\n\nLine one  \nline two\n",
		"Footnote-like text[^1], emoji 😀, Greek Ελληνικά, a < b > c, 5 > 3, AT&T, a&b, &&, <>, </>, <3\n",
	}
	// The repository's own Markdown: README, design notes, entry files.
	for _, glob := range []string{"../../*.md", "../../testdata/entry/*.md", "../../docs/*.md"} {
		files, _ := filepath.Glob(glob)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			sources = append(sources, string(b))
		}
	}
	if len(sources) < 10 {
		t.Fatalf("only %d Markdown documents found", len(sources))
	}
	for i, src := range sources {
		body, err := markdown.Render(src)
		if err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		if got, want := htmlText(body), tokenizerText(body); got != want {
			t.Errorf("document %d (%d bytes of HTML): text differs from the tokenizer's at byte %d:\n got %q\nwant %q",
				i, len(body), diffAt(got, want), excerpt(got, diffAt(got, want)), excerpt(want, diffAt(got, want)))
		}
	}
}

// TestHTMLTextMatchesTokenizerOnPieces: random sequences of the pieces
// stored bodies are made of (and some they are not) read alike.
func TestHTMLTextMatchesTokenizerOnPieces(t *testing.T) {
	pieces := []string{
		"<p>", "</p>", "<br>", "<br/>", "<br />", "<li>", "</li>", "<ul>", "</ul>", "<h2 id=\"x\">", "</h2>",
		"<a href=\"https://example.org/?a=1&amp;b=2\" rel=\"nofollow\">", "</a>", "<a title='x > y'>",
		"<img src=\"i.png\" alt=\"a > b\">", "<td align=\"left\">", "</td>", "<tr>", "<table>", "<pre><code>", "</code></pre>",
		"<!-- note -->", "<!-- a > b -->", "<!DOCTYPE html>", "<?xml x?>", "</>", "</ x>", "<",
		" text ", "word", "\n", "&amp;", "&lt;", "&gt;", "&eacute;", "&#233;", "&#xE9;", "&nbsp;", "&amp",
		"&notanentity;", "&", "a < b", "5 > 3", "é", "😀", "<em>", "</em>", "<strong>", "</strong>", "<hr>",
		"<LI>", "</Li>", "<pȺ>", "<aȺ", "</ȺP>", "<İmg>", "Ⱥ", "<P\tclass=x>", "<br\n/>",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		var b strings.Builder
		for range 1 + rng.IntN(12) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		in := b.String()
		if got, want := htmlText(in), tokenizerText(in); got != want {
			t.Fatalf("case %d %q:\n got %q\nwant %q", i, in, got, want)
		}
	}
}

// FuzzHTMLText: any body is read without a panic; the text of a body as
// it is stored (sanitised) is the tokenizer's, and so is the text of any
// HTML without the elements whose content the tokenizer does not read as
// markup (script and style, which htmlText skips, and textarea, title and
// the like, which sanitised bodies never hold) and without numeric
// character references ("&#…", decoded by the standard library's html,
// whose rules for one that lacks its ";" differ from the tokenizer's at
// the edges; sanitised bodies always close them).
func FuzzHTMLText(f *testing.F) {
	for _, seed := range []string{"<p>a</p>", "<aȺ", "</ȺP>x", "<p title='>'>t&amp;t</p>", "<!-- x", "<", "</>", "a<b",
		"<A =\">0", "<p\r\n>a\r\nb\rc", "<table><tr><td>1 < 2</td></tr></table>"} {
		f.Add(seed)
	}
	raw := []string{"<script", "<style", "<textarea", "<title", "<xmp", "<iframe", "<noembed", "<noframes", "<noscript", "<plaintext"}
	f.Fuzz(func(t *testing.T, in string) {
		got := htmlText(in)
		if body := markdown.Sanitize(in); htmlText(body) != tokenizerText(body) {
			t.Fatalf("sanitised %q: htmlText %q, the tokenizer reads %q", body, htmlText(body), tokenizerText(body))
		}
		lower := strings.ToLower(in)
		if strings.Contains(lower, "&#") {
			return
		}
		for _, tag := range raw {
			if strings.Contains(lower, tag) {
				return
			}
		}
		if want := tokenizerText(in); got != want {
			t.Fatalf("htmlText(%q) = %q, the tokenizer reads %q", in, got, want)
		}
	})
}

// TestHTMLTextWhereItDiffers: what the tokenizer reads as text but a body's
// text is not: the content of script and style elements (which sanitised
// bodies never hold).
func TestHTMLTextWhereItDiffers(t *testing.T) {
	for in, want := range map[string]string{
		"<p>a</p><script>var x = '<p>';</script><p>b</p>": "a\nb",
		"<style>p { color: red }</style>text":             "text",
		"<SCRIPT type=x>1 < 2</SCRIPT >after":             "after",
		"<script>never closed":                            "",
		"<p>open <a href=\"x":                             "open",
	} {
		if got := htmlText(in); got != want {
			t.Errorf("htmlText(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestHTMLTextLargeBody: a body of several megabytes is read in one pass.
func TestHTMLTextLargeBody(t *testing.T) {
	var b strings.Builder
	for b.Len() < 8<<20 {
		b.WriteString("<p>Hospitals keep <strong>cancer care</strong> going &amp; more.</p>\n<ul><li>one</li><li>two</li></ul>\n")
	}
	got := htmlText(b.String())
	if want := tokenizerText(b.String()); got != want {
		t.Fatalf("text of %d bytes differs from the tokenizer's", b.Len())
	}
}

func diffAt(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

func excerpt(s string, at int) string {
	lo, hi := max(0, at-40), min(len(s), at+40)
	return s[lo:hi]
}
