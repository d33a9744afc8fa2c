// Package cap writes OASIS Common Alerting Protocol 1.2 messages and the
// Atom index that alert aggregators read them from.
//
// The package knows nothing about HTTP or storage: callers describe an
// alert's current message (Message) with absolute URLs and get XML back.
// Times are written as CAP requires: seconds, with a numeric zone offset
// ("2026-11-30T14:05:00+01:00", never "Z").
package cap

import (
	"encoding/xml"
	"strings"
	"time"
)

// Media types of the documents this package writes.
const (
	MessageType = "application/cap+xml; charset=utf-8"
	IndexType   = "application/atom+xml; charset=utf-8"
)

// Namespace is the XML namespace of CAP 1.2.
const Namespace = "urn:oasis:names:tc:emergency:cap:1.2"

// Message types.
const (
	Alert  = "Alert"
	Update = "Update"
	Cancel = "Cancel"
)

// Ref names an earlier message of the same sender.
type Ref struct {
	Identifier string
	Sent       time.Time
}

// Info is the content of a message in one language.
type Info struct {
	Language    string // BCP 47 (RFC 3066) tag
	Category    string // CAP category: Geo, Met, Safety, Health, … Other
	Event       string
	Urgency     string // Immediate, Expected, Future, Past, Unknown
	Severity    string // Extreme, Severe, Moderate, Minor, Unknown
	Certainty   string // Observed, Likely, Possible, Unlikely, Unknown
	Effective   time.Time
	Expires     time.Time // zero: none
	SenderName  string
	Headline    string
	Description string
	Web         string // absolute URL
	Contact     string
}

// Message is one CAP message.
type Message struct {
	Identifier string // unique for Sender; no spaces, commas, < or &
	Sender     string // no spaces, commas, < or &
	Sent       time.Time
	MsgType    string // Alert, Update or Cancel
	Note       string
	References []Ref // earlier messages (Update and Cancel)
	Infos      []Info
	// Zone is the time zone the times are written in (nil: UTC).
	Zone *time.Location
	// URL is the absolute URL the message is served at (for the index).
	URL string
}

// Time formats t as CAP 1.2 requires, in zone (nil: UTC).
func Time(t time.Time, zone *time.Location) string {
	if zone == nil {
		zone = time.UTC
	}
	return t.In(zone).Format("2006-01-02T15:04:05-07:00")
}

// token makes s fit where CAP forbids spaces, commas and the XML
// restricted characters < and &.
func token(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', ',', '<', '&', '\t', '\n', '\r':
			return '-'
		}
		return r
	}, s)
}

type xmlAlert struct {
	XMLName    xml.Name  `xml:"urn:oasis:names:tc:emergency:cap:1.2 alert"`
	Identifier string    `xml:"identifier"`
	Sender     string    `xml:"sender"`
	Sent       string    `xml:"sent"`
	Status     string    `xml:"status"`
	MsgType    string    `xml:"msgType"`
	Scope      string    `xml:"scope"`
	Note       string    `xml:"note,omitempty"`
	References string    `xml:"references,omitempty"`
	Info       []xmlInfo `xml:"info"`
}

type xmlInfo struct {
	Language    string `xml:"language,omitempty"`
	Category    string `xml:"category"`
	Event       string `xml:"event"`
	Urgency     string `xml:"urgency"`
	Severity    string `xml:"severity"`
	Certainty   string `xml:"certainty"`
	Effective   string `xml:"effective,omitempty"`
	Expires     string `xml:"expires,omitempty"`
	SenderName  string `xml:"senderName,omitempty"`
	Headline    string `xml:"headline,omitempty"`
	Description string `xml:"description,omitempty"`
	Web         string `xml:"web,omitempty"`
	Contact     string `xml:"contact,omitempty"`
}

// XML returns m as a CAP 1.2 document.
func (m *Message) XML() ([]byte, error) {
	a := xmlAlert{
		Identifier: token(m.Identifier), Sender: token(m.Sender), Sent: Time(m.Sent, m.Zone),
		Status: "Actual", MsgType: m.MsgType, Scope: "Public", Note: m.Note,
	}
	refs := make([]string, 0, len(m.References))
	for _, r := range m.References {
		refs = append(refs, token(m.Sender)+","+token(r.Identifier)+","+Time(r.Sent, m.Zone))
	}
	a.References = strings.Join(refs, " ")
	for _, in := range m.Infos {
		x := xmlInfo{
			Language: in.Language, Category: in.Category, Event: in.Event, Urgency: in.Urgency,
			Severity: in.Severity, Certainty: in.Certainty, SenderName: in.SenderName,
			Headline: in.Headline, Description: in.Description, Web: in.Web, Contact: in.Contact,
		}
		if !in.Effective.IsZero() {
			x.Effective = Time(in.Effective, m.Zone)
		}
		if !in.Expires.IsZero() {
			x.Expires = Time(in.Expires, m.Zone)
		}
		a.Info = append(a.Info, x)
	}
	out, err := xml.MarshalIndent(a, "", " ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}

// Index is the Atom feed that lists the current message of each alert.
type Index struct {
	ID      string // absolute URL of the index
	Title   string
	Author  string
	HomeURL string
	Updated time.Time
	Items   []*Message
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  atomAuthor  `xml:"author"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	ID      string     `xml:"id"`
	Title   string     `xml:"title"`
	Updated string     `xml:"updated"`
	Summary string     `xml:"summary,omitempty"`
	Links   []atomLink `xml:"link"`
}

// XML returns the index as an Atom 1.0 document: one entry per message,
// linked to the message with type application/cap+xml.
func (ix *Index) XML() ([]byte, error) {
	f := atomFeed{ID: ix.ID, Title: ix.Title, Updated: ix.Updated.UTC().Format(time.RFC3339), Author: atomAuthor{Name: ix.Author},
		Links: []atomLink{{Rel: "self", Type: "application/atom+xml", Href: ix.ID}, {Rel: "alternate", Type: "text/html", Href: ix.HomeURL}}}
	for _, m := range ix.Items {
		e := atomEntry{ID: m.URL, Updated: m.Sent.UTC().Format(time.RFC3339),
			Links: []atomLink{{Rel: "alternate", Type: "application/cap+xml", Href: m.URL}}}
		if len(m.Infos) > 0 {
			e.Title, e.Summary = m.Infos[0].Headline, m.Infos[0].Description
		}
		if m.MsgType == Cancel {
			e.Title = "Cancelled: " + e.Title
		}
		f.Entries = append(f.Entries, e)
	}
	out, err := xml.MarshalIndent(f, "", " ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}
