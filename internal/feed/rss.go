package feed

import (
	"encoding/xml"
	"html"
	"strconv"
	"time"
)

type rssDoc struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	AtomNS  string     `xml:"xmlns:atom,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssAtomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
}

type rssChannel struct {
	Title         string        `xml:"title"`
	Link          string        `xml:"link"`
	Description   string        `xml:"description"`
	Language      string        `xml:"language,omitempty"`
	LastBuildDate string        `xml:"lastBuildDate"`
	Generator     string        `xml:"generator"`
	Links         []rssAtomLink `xml:"atom:link"` // self, and the WebSub hub
	Items         []rssItem     `xml:"item"`
}

type rssGUID struct {
	IsPermaLink string `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

type rssEnclosure struct {
	URL    string `xml:"url,attr"`
	Length string `xml:"length,attr"`
	Type   string `xml:"type,attr"`
}

type rssItem struct {
	Title       string        `xml:"title"`
	Link        string        `xml:"link"`
	GUID        rssGUID       `xml:"guid"`
	PubDate     string        `xml:"pubDate"`
	Description string        `xml:"description"`
	Categories  []string      `xml:"category"`
	Enclosure   *rssEnclosure `xml:"enclosure,omitempty"`
}

func rfc822(t time.Time) string { return t.UTC().Format(time.RFC1123Z) }

// RSS returns f as an RSS 2.0 document. RSS allows one enclosure per item,
// so only the first attachment is an enclosure; all are in the description.
func RSS(f *Feed) ([]byte, error) {
	desc := f.description()
	if desc == "" {
		desc = f.Title
	}
	// Readers render an RSS description as HTML; the channel's is plain
	// text, so it is escaped as HTML before XML escapes it again.
	desc = html.EscapeString(desc)
	doc := rssDoc{Version: "2.0", AtomNS: atomNS, Channel: rssChannel{
		Title:         f.Title,
		Link:          f.HomeURL,
		Description:   desc,
		Language:      f.Lang,
		LastBuildDate: rfc822(f.Updated),
		Generator:     "infocentre",
		Links:         []rssAtomLink{{Href: f.SelfURL, Rel: "self", Type: "application/rss+xml"}},
	}}
	if f.Hub != "" {
		doc.Channel.Links = append(doc.Channel.Links, rssAtomLink{Href: f.Hub, Rel: "hub"})
	}
	for i := range f.Items {
		it := &f.Items[i]
		ri := rssItem{
			Title:       itemTitle(it),
			Link:        it.URL,
			GUID:        rssGUID{IsPermaLink: "false", Value: it.ID},
			PubDate:     rfc822(it.Published),
			Description: ContentHTML(it),
			Categories:  it.Tags,
		}
		if len(it.Attachments) > 0 {
			a := it.Attachments[0]
			ri.Enclosure = &rssEnclosure{URL: a.URL, Length: strconv.FormatInt(a.Size, 10), Type: a.MediaType}
		}
		doc.Channel.Items = append(doc.Channel.Items, ri)
	}
	return marshalXML(doc)
}
