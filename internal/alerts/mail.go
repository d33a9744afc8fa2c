package alerts

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"strings"
	"time"
)

// Message is one email: to one address, with a plain text and an HTML
// part.
type Message struct {
	From    string // "Name <address>" or an address
	To      string
	Subject string
	Text    string
	HTML    string
	// Unsubscribe is the one-click unsubscribe URL (RFC 8058), or "" (a
	// confirmation email, which subscribes nobody yet).
	Unsubscribe string
	Lang        string
	Date        time.Time
	// ID is the Message-ID's local part; Bytes makes one when empty.
	ID string
}

// A Mailer sends messages: Amazon SES (package sesmail, which only the
// notifier's binary links), SMTP, or files in a directory (Dir).
type Mailer interface {
	Send(ctx context.Context, m *Message) error
}

// Bytes returns the message in RFC 5322 form: multipart/alternative with
// quoted-printable text and HTML parts, the List-Unsubscribe headers when
// Unsubscribe is set.
func (m *Message) Bytes() []byte {
	var b bytes.Buffer
	id := m.ID
	if id == "" {
		var r [12]byte
		_, _ = rand.Read(r[:])
		id = hex.EncodeToString(r[:])
	}
	domain := "infocentre.invalid"
	if i := strings.LastIndexByte(m.From, '@'); i >= 0 {
		domain = strings.TrimRight(m.From[i+1:], ">")
	}
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	h("From", m.From)
	h("To", m.To)
	h("Subject", mime.QEncoding.Encode("utf-8", strings.Join(strings.Fields(m.Subject), " ")))
	h("Date", date.UTC().Format(time.RFC1123Z))
	h("Message-ID", "<"+id+"@"+domain+">")
	h("MIME-Version", "1.0")
	h("Auto-Submitted", "auto-generated")
	if m.Lang != "" {
		h("Content-Language", m.Lang)
	}
	if m.Unsubscribe != "" {
		h("List-Unsubscribe", "<"+m.Unsubscribe+">")
		h("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	}
	mw := multipart.NewWriter(&b)
	h("Content-Type", `multipart/alternative; boundary="`+mw.Boundary()+`"`)
	b.WriteString("\r\n")
	for _, p := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		w, _ := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {p.typ + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		qp := quotedprintable.NewWriter(w)
		_, _ = qp.Write([]byte(strings.ReplaceAll(p.body, "\n", "\r\n")))
		_ = qp.Close()
	}
	_ = mw.Close()
	return b.Bytes()
}

// Sender returns the bare address of From.
func (m *Message) Sender() string { return address(m.From) }

// address returns the bare address of a From value ("Name <a@b>" → a@b).
func address(from string) string {
	if i := strings.LastIndexByte(from, '<'); i >= 0 {
		return strings.TrimSuffix(from[i+1:], ">")
	}
	return from
}
