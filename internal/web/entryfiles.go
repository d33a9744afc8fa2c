package web

import (
	"net/url"
	"strconv"
	"strings"

	"infocentre/internal/centre"
)

// leadImage is an entry's lead image on its page.
type leadImage struct {
	Src, SrcSet, Sizes, Alt string
	Width, Height           int
}

// imageSizes tells the browser how wide the lead image is shown: the
// content column (46rem with its padding) or the viewport.
const imageSizes = "(min-width: 48rem) 44rem, calc(100vw - 2rem)"

// lead returns the page's view of e's lead image, or nil. Its src is the
// 960 px copy when there is one (the srcset offers every copy and the
// original, so the browser picks by the screen).
func lead(q *req, e *centre.Entry) *leadImage {
	im := e.Image
	if im.FileID == "" || im.URL == "" {
		return nil
	}
	orig := q.fileURL(im.URL)
	li := &leadImage{Src: orig, Sizes: imageSizes, Alt: im.Alt, Width: im.Width, Height: im.Height}
	var set []string
	for _, w := range im.Widths {
		u := q.fileURL(variantPath(im.URL, w))
		set = append(set, u+" "+strconv.Itoa(w)+"w")
		if w == 960 {
			li.Src = u
		}
	}
	li.SrcSet = strings.Join(append(set, orig+" "+strconv.Itoa(im.Width)+"w"), ", ")
	return li
}

// variantPath turns a file's path (/files/{sha256}/{name}) into that of
// its copy of width w (/files/{sha256}/{w}w/{name}).
func variantPath(p string, w int) string {
	dir, name, _ := strings.Cut(strings.TrimPrefix(p, "/files/"), "/")
	return "/files/" + dir + "/" + strconv.Itoa(w) + "w/" + name
}

// socialImage returns the absolute URL, size and alt text of the image of
// e's social card: its lead image (the 1600 px copy when there is one),
// or nil.
func socialImage(q *req, e *centre.Entry) *ogImage {
	im := e.Image
	if im.FileID == "" || im.URL == "" {
		return nil
	}
	og := &ogImage{URL: q.abs(im.URL), Width: im.Width, Height: im.Height, Alt: im.Alt, Type: im.MediaType, Large: true}
	for _, w := range im.Widths {
		if w == 1600 {
			og.URL, og.Width, og.Height = q.abs(variantPath(im.URL, w)), w, (im.Height*w+im.Width/2)/im.Width
		}
	}
	return og
}

// ogImage is the image of a page's social card.
type ogImage struct {
	URL, Alt, Type string
	Width, Height  int
	Large          bool // summary_large_image, not summary
}

// attachmentViews lists e's attachments for its page: the link text says
// what is downloaded, its details the format, the page count of a PDF and
// the size ("PDF, 12 pages, 2.5 MB"). A title that already ends with the
// format ("Plan (PDF)", "plan.pdf") loses that ending, so that the link
// does not name the type twice.
func attachmentViews(q *req, ui string, e *centre.Entry) []attachmentView {
	var out []attachmentView
	for _, a := range e.Attachments {
		format := formatName(a.MediaType)
		details := []string{format}
		if a.Pages > 0 && strings.HasPrefix(a.MediaType, "application/pdf") {
			if a.Pages == 1 {
				details = append(details, msg(ui, "pages.1"))
			} else {
				details = append(details, msg(ui, "pages.n", strconv.Itoa(a.Pages)))
			}
		}
		if s := humanSize(a.Size); s != "" {
			details = append(details, s)
		}
		av := attachmentView{Title: trimFormat(a.Title, format, a.MediaType), URL: q.attachmentURL(a, false),
			Format: format, Size: humanSize(a.Size), Lang: a.Lang, Details: strings.Join(details, ", ")}
		if a.Lang != "" && !strings.EqualFold(a.Lang, e.Lang) {
			av.LangName = langName(a.Lang)
		}
		out = append(out, av)
	}
	return out
}

// trimFormat drops a trailing format label from an attachment's title:
// "(PDF)", "[PDF]", "- PDF", " PDF" or the file extension ".pdf", in any
// case, unless nothing else would be left.
func trimFormat(title, format, mediaType string) string {
	labels := []string{strings.ToLower(format)}
	if _, minor, ok := strings.Cut(mediaType, "/"); ok {
		minor, _, _ = strings.Cut(minor, ";")
		labels = append(labels, strings.ToLower(strings.TrimPrefix(minor, "x-")))
	}
	lower := strings.ToLower(strings.TrimSpace(title))
	for _, l := range labels {
		for _, form := range []string{" (" + l + ")", " [" + l + "]", " - " + l, " – " + l, " " + l, "." + l} {
			if strings.HasSuffix(lower, form) && len(lower) > len(form) {
				return strings.TrimSpace(strings.TrimSpace(title)[:len(lower)-len(form)])
			}
		}
	}
	return title
}

// accessibleHref returns where to ask for a document of entry e in an
// accessible format: a mail to the site's contact address (its subject
// names the entry) or the site's contact page; "" when it has neither.
func accessibleHref(q *req, ui string, e *centre.Entry) string {
	if m := q.site.Contact.Email; m != "" {
		return "mailto:" + m + "?subject=" + url.PathEscape(msg(ui, "accessible.subject", e.Title))
	}
	return q.site.Contact.URL
}
