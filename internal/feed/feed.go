// Package feed writes syndication documents for a site: Atom 1.0, RSS 2.0,
// JSON Feed 1.1, sitemap.xml and robots.txt.
//
// The package knows nothing about HTTP or storage: callers build a Feed
// with absolute URLs and get bytes back. It dates items by the domain's
// rule (centre.LastModified), so that feeds, pages and sitemaps agree. Items carry the summary of an
// entry (listings never carry bodies), its withdrawal notice and its public
// change notes, so that readers see corrections as they happen.
package feed

import (
	"html/template"
	"strings"
	"sync"
	"time"

	"infocentre/internal/centre"
)

// Media types of the documents this package writes.
const (
	AtomType = "application/atom+xml; charset=utf-8"
	RSSType  = "application/rss+xml; charset=utf-8"
	JSONType = "application/feed+json; charset=utf-8"
	XMLType  = "application/xml; charset=utf-8"
	TextType = "text/plain; charset=utf-8"
)

// Feed is one feed: a site, or one type or tag of a site.
type Feed struct {
	Title       string
	Description string
	Lang        string // BCP 47 tag of the site's default language
	HomeURL     string // absolute URL of the HTML page the feed mirrors
	SelfURL     string // absolute URL of this feed document
	// Hub is the absolute URL of the WebSub hub that announces changes of
	// the feed (rel="hub", with rel="self" the topic), or "" for none.
	Hub     string
	Author  string    // the publisher
	Updated time.Time // newest change of any item, or the site's update
	// Archived marks the feed of an archived site, archived at ArchivedAt
	// (may be zero). Notice says so to readers: it opens the feed's
	// subtitle (Atom) or description (RSS, JSON Feed), and JSON Feed also
	// carries it as data in "_infocentre".
	Archived   bool
	ArchivedAt time.Time
	Notice     string
	Items      []Item
}

// description returns the feed's description, led by its notice.
func (f *Feed) description() string {
	switch {
	case f.Notice == "":
		return f.Description
	case f.Description == "":
		return f.Notice
	}
	return f.Notice + " " + f.Description
}

// Item is one entry of a feed.
type Item struct {
	ID              string // stable and unique: never changes for an entry
	URL             string // absolute URL of the entry page
	Title           string
	Type            string // statement, publication, news or page
	Lang            string
	Summary         string // plain text
	Published       time.Time
	Updated         time.Time // last public update; the item is dated by centre.LastModified
	Tags            []string
	Organisations   []string
	Attachments     []Attachment
	ChangeNotes     []ChangeNote
	Withdrawn       bool
	WithdrawnAt     time.Time
	WithdrawnReason string
	SupersededByURL string // absolute URL, or ""
}

// Attachment is a file of an item.
type Attachment struct {
	Title     string
	URL       string
	MediaType string
	Size      int64
}

// ChangeNote is a dated public note of a change.
type ChangeNote = centre.ChangeNote

// contentTmpl is parsed on first use (not at start: a Lambda cold start
// that serves no feed pays nothing for it).
var contentTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("content").Funcs(template.FuncMap{
		"date": func(t time.Time) string { return t.UTC().Format("2 January 2006") },
	}).Parse(
		`{{if .Withdrawn}}<p><strong>Withdrawn{{if not .WithdrawnAt.IsZero}} on {{date .WithdrawnAt}}{{end}}.</strong>` +
			`{{with .WithdrawnReason}} {{.}}{{end}}{{with .SupersededByURL}} <a href="{{.}}">Read the replacement</a>.{{end}}</p>` +
			`{{end}}{{with .Summary}}<p>{{.}}</p>{{end}}` +
			`{{with .Attachments}}<ul>{{range .}}<li><a href="{{.URL}}">{{.Title}}</a> ({{.MediaType}}{{if .Size}}, {{.Size}} bytes{{end}})</li>{{end}}</ul>{{end}}` +
			`{{with .ChangeNotes}}<p>Changes:</p><ul>{{range .}}<li>{{date .At}}: {{.Note}}</li>{{end}}</ul>{{end}}`,
	))
})

// ContentHTML returns the HTML body of an item in a feed: withdrawal
// notice, summary, attachments and change notes, all escaped.
func ContentHTML(it *Item) string {
	var b strings.Builder
	if err := contentTmpl().Execute(&b, it); err != nil {
		// The template only reads fields of a value it was built for.
		panic("feed: content template: " + err.Error())
	}
	return b.String()
}

func itemTitle(it *Item) string {
	if it.Withdrawn {
		return "[Withdrawn] " + it.Title
	}
	return it.Title
}

func updated(it *Item) time.Time {
	return centre.LastModified(it.Published, it.Updated, it.WithdrawnAt, it.ChangeNotes)
}
