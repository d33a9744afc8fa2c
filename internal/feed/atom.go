package feed

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"time"
)

const atomNS = "http://www.w3.org/2005/Atom"

type atomFeed struct {
	XMLName  xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang     string      `xml:"xml:lang,attr,omitempty"`
	ID       string      `xml:"id"`
	Title    string      `xml:"title"`
	Subtitle string      `xml:"subtitle,omitempty"`
	Updated  string      `xml:"updated"`
	Links    []atomLink  `xml:"link"`
	Author   *atomPerson `xml:"author,omitempty"`
	Gen      string      `xml:"generator"`
	Entries  []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel      string `xml:"rel,attr,omitempty"`
	Type     string `xml:"type,attr,omitempty"`
	Href     string `xml:"href,attr"`
	HrefLang string `xml:"hreflang,attr,omitempty"`
	Title    string `xml:"title,attr,omitempty"`
	Length   string `xml:"length,attr,omitempty"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

type atomEntry struct {
	Lang       string         `xml:"xml:lang,attr,omitempty"`
	ID         string         `xml:"id"`
	Title      string         `xml:"title"`
	Links      []atomLink     `xml:"link"`
	Published  string         `xml:"published"`
	Updated    string         `xml:"updated"`
	Authors    []atomPerson   `xml:"author"`
	Categories []atomCategory `xml:"category"`
	Summary    *atomText      `xml:"summary,omitempty"`
	Content    atomText       `xml:"content"`
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Atom returns f as an Atom 1.0 document.
func Atom(f *Feed) ([]byte, error) {
	af := atomFeed{
		Lang:     f.Lang,
		ID:       f.SelfURL,
		Title:    f.Title,
		Subtitle: f.description(),
		Updated:  rfc3339(f.Updated),
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: f.SelfURL},
			{Rel: "alternate", Type: "text/html", Href: f.HomeURL},
		},
		Gen: "infocentre",
	}
	if f.Hub != "" {
		af.Links = append(af.Links, atomLink{Rel: "hub", Href: f.Hub})
	}
	if f.Author != "" {
		af.Author = &atomPerson{Name: f.Author}
	}
	for i := range f.Items {
		it := &f.Items[i]
		e := atomEntry{
			Lang:      it.Lang,
			ID:        it.ID,
			Title:     itemTitle(it),
			Links:     []atomLink{{Rel: "alternate", Type: "text/html", Href: it.URL, HrefLang: it.Lang}},
			Published: rfc3339(it.Published),
			Updated:   rfc3339(updated(it)),
			Content:   atomText{Type: "html", Body: ContentHTML(it)},
		}
		if it.Summary != "" {
			e.Summary = &atomText{Type: "text", Body: it.Summary}
		}
		for _, o := range it.Organisations {
			e.Authors = append(e.Authors, atomPerson{Name: o})
		}
		for _, t := range it.Tags {
			e.Categories = append(e.Categories, atomCategory{Term: t})
		}
		for _, a := range it.Attachments {
			l := atomLink{Rel: "enclosure", Type: a.MediaType, Href: a.URL, Title: a.Title}
			if a.Size > 0 {
				l.Length = strconv.FormatInt(a.Size, 10)
			}
			e.Links = append(e.Links, l)
		}
		af.Entries = append(af.Entries, e)
	}
	return marshalXML(af)
}

func marshalXML(v any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", " ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("feed: %w", err)
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}
