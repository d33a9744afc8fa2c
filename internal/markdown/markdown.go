// Package markdown turns the Markdown source of an entry body into safe HTML.
//
// Rendering is CommonMark plus GitHub tables, strikethrough and linkified
// bare URLs (goldmark). Raw HTML in the source is never passed through; the
// output is then cleaned again with a strict allow-list (bluemonday), so that
// a bug in either step alone cannot let executable content through.
//
// Body headings are shifted so that the body's highest heading becomes
// <h2> (whether authors start with # or ##), because the entry title is the
// page's only <h1>; relative levels are kept, down to <h6>. Images are turned into plain links to
// the image: pages make no requests to other hosts and stay light on slow
// networks. Links to other hosts carry rel="noopener noreferrer".
package markdown

import (
	"bytes"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// ExternalRel is the rel attribute set on links that leave the site.
const ExternalRel = "noopener noreferrer"

var (
	md = goldmark.New(
		goldmark.WithExtensions(
			extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
			extension.Strikethrough,
			extension.Linkify,
		),
		goldmark.WithParserOptions(
			parser.WithASTTransformers(util.Prioritized(transformer{}, 100)),
		),
		// No html.WithUnsafe(): raw HTML blocks and inline tags are dropped
		// and dangerous link destinations are emptied.
	)
	policy = newPolicy()
)

// Render converts Markdown src to sanitised HTML. The result is safe to
// embed in a page as is. It returns an error only if rendering fails.
func Render(src string) (string, error) {
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return "", fmt.Errorf("markdown: %w", err)
	}
	return policy.Sanitize(buf.String()), nil
}

// Sanitize cleans an HTML fragment with the same allow-list Render uses.
func Sanitize(fragment string) string { return policy.Sanitize(fragment) }

func newPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements(
		"p", "br", "hr", "h2", "h3", "h4", "h5", "h6",
		"strong", "em", "del", "code", "pre", "blockquote",
		"ul", "ol", "li",
		"table", "thead", "tbody", "tr", "th", "td",
	)
	p.AllowAttrs("start").Matching(regexp.MustCompile(`^[0-9]{1,9}$`)).OnElements("ol")
	p.AllowAttrs("align").Matching(regexp.MustCompile(`^(left|right|center)$`)).OnElements("th", "td")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^language-[A-Za-z0-9_+-]{1,40}$`)).OnElements("code")
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("rel").Matching(regexp.MustCompile(`^` + ExternalRel + `$`)).OnElements("a")
	p.AllowAttrs("title").Matching(bluemonday.Paragraph).OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto")
	p.AllowRelativeURLs(true)
	p.RequireParseableURLs(true)
	// Fully qualified links must not leak the page address even if the
	// rel attribute set by the transformer were lost.
	p.RequireNoReferrerOnFullyQualifiedLinks(true)
	return p
}

// transformer shifts headings down a level, turns images into links and
// marks links to other hosts.
type transformer struct{}

func (transformer) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	src := reader.Source()
	top := 6
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if h, ok := n.(*ast.Heading); ok && entering {
			top = min(top, h.Level)
		}
		return ast.WalkContinue, nil
	})
	shift := 2 - top
	var images []*ast.Image
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Heading:
			n.Level = max(2, min(n.Level+shift, 6))
		case *ast.Link:
			if external(string(n.Destination)) {
				n.SetAttributeString("rel", []byte(ExternalRel))
			}
		case *ast.AutoLink:
			if n.AutoLinkType == ast.AutoLinkURL && external(string(n.URL(src))) {
				n.SetAttributeString("rel", []byte(ExternalRel))
			}
		case *ast.Image:
			images = append(images, n)
		}
		return ast.WalkContinue, nil
	})
	for _, img := range images {
		link := ast.NewLink()
		link.Destination = img.Destination
		link.Title = img.Title
		if external(string(img.Destination)) {
			link.SetAttributeString("rel", []byte(ExternalRel))
		}
		if img.ChildCount() == 0 {
			link.AppendChild(link, ast.NewString([]byte("image")))
		}
		for c := img.FirstChild(); c != nil; {
			next := c.NextSibling()
			link.AppendChild(link, c)
			c = next
		}
		img.Parent().ReplaceChild(img.Parent(), img, link)
	}
}

// external reports whether a link destination points to another host.
func external(dest string) bool {
	u, err := url.Parse(strings.TrimSpace(dest))
	if err != nil {
		return false
	}
	return u.Host != "" || strings.HasPrefix(dest, "//")
}
