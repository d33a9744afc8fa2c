// Package search is infocentre's full-text search: an in-memory index of
// one site's public entries, ranked by BM25F (title, tag and organisation
// matches weigh more than body matches), then by recency.
//
// An Index is built from Docs, the searchable part of public entries. Docs
// have a compact binary encoding, so that a host can store one per entry
// and rebuild a site's index quickly when it starts.
package search

import (
	"encoding/binary"
	"errors"
	"fmt"
	"html"
	"strings"
	"time"

	"infocentre/internal/centre"
)

// Doc is the searchable content of one public entry.
type Doc struct {
	ID            string    `json:"id"`
	Slug          string    `json:"slug"`
	Lang          string    `json:"lang"`
	Type          string    `json:"type"`
	Title         string    `json:"title"`
	Summary       string    `json:"summary,omitempty"`
	Body          string    `json:"body,omitempty"` // plain text
	Tags          []string  `json:"tags,omitempty"`
	Organisations []string  `json:"organisations,omitempty"`
	Attachments   []string  `json:"attachments,omitempty"` // attachment titles
	PublishedAt   time.Time `json:"published_at"`
	ExpiresAt     time.Time `json:"expires_at,omitzero"` // searches leave it out from then on
	Withdrawn     bool      `json:"withdrawn,omitempty"`
}

// ErrNotPublic is returned (wrapped in an EINVALID *centre.Error) for an
// entry or document that is not public: drafts, scheduled entries and
// anything never published are never indexed.
var ErrNotPublic = errors.New("search: only public entries are indexed")

func notPublic(id string) error {
	return fmt.Errorf("%w: %w", centre.Errorf(centre.EINVALID, "entry %s is not public", id), ErrNotPublic)
}

// DocFromEntry returns the search document of a public (published or
// withdrawn) entry. The body text is taken from the rendered HTML when the
// entry carries it, else from the Markdown source. It refuses any entry
// that is not public with an error wrapping ErrNotPublic.
func DocFromEntry(e *centre.Entry) (Doc, error) {
	if e == nil || !e.Public() || e.PublishedAt.IsZero() {
		id := ""
		if e != nil {
			id = e.ID
		}
		return Doc{}, notPublic(id)
	}
	d := Doc{
		ID: e.ID, Slug: e.Slug, Lang: e.Lang, Type: e.Type, Title: e.Title, Summary: e.Summary,
		Tags:          append([]string(nil), e.Tags...),
		Organisations: append([]string(nil), e.Organisations...),
		PublishedAt:   e.PublishedAt.UTC(),
		ExpiresAt:     e.ExpiresAt.UTC(),
		Withdrawn:     e.Status == centre.StatusWithdrawn,
	}
	switch {
	case e.BodyHTML != "":
		d.Body = htmlText(e.BodyHTML)
	default:
		d.Body = e.Body
	}
	for _, a := range e.Attachments {
		d.Attachments = append(d.Attachments, a.Title)
	}
	return d, nil
}

// blockTag reports the elements that end a line of text when HTML is
// turned into text.
func blockTag(name string) bool {
	switch name {
	case "p", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "blockquote", "pre", "div",
		"ul", "ol", "table", "hr":
		return true
	}
	return false
}

// htmlText returns the text of an HTML fragment, with block elements on
// lines of their own. The fragment is an entry's body as stored: HTML that
// markdown.Render made and bluemonday sanitised. It is read by a scanner of
// the HTML syntax such bodies use, following the HTML tokenizer's rules for
// them (tags, quoted attributes, comments, character references), not by
// golang.org/x/net/html, whose entity tables are built as a process starts:
// about 0.09 ms of every cold start of the public function, which never
// indexes. The elements whose content is not text (script, style) are
// skipped with it; a tag left open at the end is dropped, as the
// tokenizer drops it.
func htmlText(fragment string) string {
	var b strings.Builder
	sep := func(s string) {
		if b.Len() > 0 && !strings.HasSuffix(b.String(), s) && !strings.HasSuffix(b.String(), "\n") {
			b.WriteString(s)
		}
	}
	text := func(t string) {
		if strings.IndexByte(t, '\r') >= 0 { // as the tokenizer reads text
			t = strings.ReplaceAll(strings.ReplaceAll(t, "\r\n", "\n"), "\r", "\n")
		}
		if strings.IndexByte(t, '&') >= 0 {
			t = html.UnescapeString(t)
		}
		b.WriteString(t)
	}
	s := fragment
	for s != "" {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			text(s)
			break
		}
		text(s[:i])
		s = s[i:]
		end := false
		switch {
		case strings.HasPrefix(s, "<!--"):
			s = skipPast(s[4:], "-->")
			continue
		case len(s) > 1 && (s[1] == '!' || s[1] == '?'):
			s = skipPast(s[2:], ">") // a bogus comment or a doctype
			continue
		case len(s) > 2 && s[1] == '/' && isASCIILetter(s[2]):
			s, end = s[2:], true
		case len(s) > 2 && s[1] == '/' && s[2] == '>':
			s = s[3:] // </>: nothing
			continue
		case s == "</":
			text(s) // as the tokenizer reads "</" at the end
			s = ""
			continue
		case len(s) > 1 && s[1] == '/':
			s = skipPast(s[2:], ">")
			continue
		case len(s) > 1 && isASCIILetter(s[1]):
			s = s[1:]
		default:
			text("<")
			s = s[1:]
			continue
		}
		name, n := tagName(s)
		s = skipTag(s[n:])
		if blockTag(name) {
			sep("\n")
		}
		if !end && (name == "script" || name == "style") {
			s = skipRawText(s, name)
		}
	}
	return strings.TrimSpace(b.String())
}

func isASCIILetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// tagName returns the name at the start of s (a tag's, after "<" or
// "</") with its ASCII letters in lower case, as the tokenizer does, and
// its length in s.
func tagName(s string) (name string, n int) {
	upper := false
	for n < len(s) && strings.IndexByte(htmlSpace+"/>", s[n]) < 0 {
		upper = upper || 'A' <= s[n] && s[n] <= 'Z'
		n++
	}
	if !upper {
		return s[:n], n
	}
	b := []byte(s[:n])
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b), n
}

// htmlSpace is the white space of HTML's syntax.
const htmlSpace = " \t\n\f\r"

// skipTag returns s, which follows a tag's name, after the ">" that ends
// the tag, or "" when none does. It reads the attributes as the tokenizer
// does: a name (an "=" that starts it is part of it), then optionally "="
// and a value, in quotes (which may hold ">") or not.
func skipTag(s string) string {
	skip := func(i int) int {
		for i < len(s) && strings.IndexByte(htmlSpace, s[i]) >= 0 {
			i++
		}
		return i
	}
	i := skip(0)
	for i < len(s) {
		if s[i] == '>' {
			return s[i+1:]
		}
		// The attribute's name.
		j := i
		if s[j] == '=' {
			j++
		}
		for j < len(s) && strings.IndexByte(htmlSpace+"/>=", s[j]) < 0 {
			j++
		}
		// Its value.
		j = skip(j)
		switch {
		case j < len(s) && s[j] == '/':
			j++
		case j < len(s) && s[j] == '=':
			j = skip(j + 1)
			switch {
			case j >= len(s) || s[j] == '>':
			case s[j] == '"' || s[j] == '\'':
				k := strings.IndexByte(s[j+1:], s[j])
				if k < 0 {
					return ""
				}
				j += k + 2
			default:
				for j < len(s) && strings.IndexByte(htmlSpace+">", s[j]) < 0 {
					j++
				}
			}
		}
		if j == i { // every branch above reads a byte; this keeps the loop bounded if one stops doing so
			j++
		}
		i = skip(j)
	}
	return ""
}

// skipPast returns s after the first end, or "" when there is none.
func skipPast(s, end string) string {
	if i := strings.Index(s, end); i >= 0 {
		return s[i+len(end):]
	}
	return ""
}

// skipRawText returns s after the end tag of the element name (script or
// style), whose content is not text, or "" when there is none.
func skipRawText(s, name string) string {
	for {
		i := strings.Index(s, "</")
		if i < 0 {
			return ""
		}
		s = s[i+2:]
		if len(s) > len(name) && strings.EqualFold(s[:len(name)], name) && strings.IndexByte(htmlSpace+"/>", s[len(name)]) >= 0 {
			return skipTag(s[len(name):])
		}
	}
}

// Validate reports whether d can be indexed.
func (d *Doc) Validate() error {
	var p centre.Problems
	if d.ID == "" {
		p.Add("id", "is required")
	}
	if d.PublishedAt.IsZero() {
		p.Add("published_at", "is required: only public entries are indexed")
	}
	return p.Err()
}

const docEncodingVersion = 1

// MarshalBinary encodes d compactly: a version byte, then each field as a
// uvarint length (or count) followed by its bytes.
func (d Doc) MarshalBinary() ([]byte, error) {
	return d.appendBinary(make([]byte, 0, 64+len(d.Title)+len(d.Summary)+len(d.Body))), nil
}

func (d Doc) appendBinary(b []byte) []byte {
	b = append(b, docEncodingVersion)
	for _, s := range []string{d.ID, d.Slug, d.Lang, d.Type, d.Title, d.Summary, d.Body} {
		b = appendString(b, s)
	}
	for _, list := range [][]string{d.Tags, d.Organisations, d.Attachments} {
		b = binary.AppendUvarint(b, uint64(len(list)))
		for _, s := range list {
			b = appendString(b, s)
		}
	}
	b = binary.AppendVarint(b, d.PublishedAt.UnixMilli())
	b = appendTime(b, d.ExpiresAt)
	if d.Withdrawn {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	return b
}

// appendTime appends t in milliseconds, the zero time as 0.
func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return binary.AppendVarint(b, 0)
	}
	return binary.AppendVarint(b, t.UnixMilli())
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// UnmarshalBinary decodes what MarshalBinary encoded.
func (d *Doc) UnmarshalBinary(data []byte) error {
	r := reader{b: data}
	*d = r.doc()
	if r.err == nil && len(r.b) != 0 {
		r.err = errors.New("trailing bytes")
	}
	if r.err != nil {
		return fmt.Errorf("search: decode document: %w", r.err)
	}
	return nil
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errors.New("bad length")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) string() string {
	n := r.uvarint()
	if r.err != nil {
		return ""
	}
	if n > uint64(len(r.b)) {
		r.err = errors.New("truncated")
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *reader) strings() []string {
	n := r.uvarint()
	if r.err != nil || n == 0 {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.err = errors.New("truncated")
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = r.string()
	}
	return out
}

func (r *reader) byte() byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) == 0 {
		r.err = errors.New("truncated")
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) doc() Doc {
	if v := r.byte(); r.err == nil && v != docEncodingVersion {
		r.err = fmt.Errorf("unknown encoding version %d", v)
	}
	var d Doc
	d.ID, d.Slug, d.Lang, d.Type = r.string(), r.string(), r.string(), r.string()
	d.Title, d.Summary, d.Body = r.string(), r.string(), r.string()
	d.Tags, d.Organisations, d.Attachments = r.strings(), r.strings(), r.strings()
	if r.err == nil {
		ms, n := binary.Varint(r.b)
		if n <= 0 {
			r.err = errors.New("bad time")
		} else {
			r.b = r.b[n:]
			d.PublishedAt = time.UnixMilli(ms).UTC()
		}
	}
	if r.err == nil {
		ms, n := binary.Varint(r.b)
		if n <= 0 {
			r.err = errors.New("bad time")
		} else if r.b = r.b[n:]; ms != 0 {
			d.ExpiresAt = time.UnixMilli(ms).UTC()
		}
	}
	d.Withdrawn = r.byte() == 1
	return d
}

// EncodeDocs encodes many documents into one byte slice (for a snapshot of
// a whole index).
func EncodeDocs(docs []Doc) []byte {
	b := binary.AppendUvarint(nil, uint64(len(docs)))
	for _, d := range docs {
		enc := d.appendBinary(nil)
		b = binary.AppendUvarint(b, uint64(len(enc)))
		b = append(b, enc...)
	}
	return b
}

// DecodeDocs decodes what EncodeDocs encoded.
func DecodeDocs(data []byte) ([]Doc, error) {
	r := reader{b: data}
	n := r.uvarint()
	if r.err == nil && n > uint64(len(data)) {
		r.err = errors.New("bad count")
	}
	var docs []Doc
	if r.err == nil {
		docs = make([]Doc, 0, n)
	}
	for i := uint64(0); i < n && r.err == nil; i++ {
		size := r.uvarint()
		if r.err != nil {
			break
		}
		if size > uint64(len(r.b)) {
			r.err = errors.New("truncated")
			break
		}
		var d Doc
		if err := d.UnmarshalBinary(r.b[:size]); err != nil {
			return nil, err
		}
		r.b = r.b[size:]
		docs = append(docs, d)
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = errors.New("trailing bytes")
	}
	if r.err != nil {
		return nil, fmt.Errorf("search: decode documents: %w", r.err)
	}
	return docs, nil
}
