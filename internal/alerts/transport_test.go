package alerts_test

import (
	"bytes"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"infocentre/internal/alerts"
)

// TestDirOutbox: with no mail server, each message is an .eml file in the
// outbox directory (a valid RFC 5322 message with both parts), and the
// write is logged without the recipient.
func TestDirOutbox(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	var log bytes.Buffer
	d := &alerts.Dir{Path: dir, Log: slog.New(slog.NewTextHandler(&log, nil))}
	m := &alerts.Message{From: "Centre <alerts@example.org>", To: "reader@example.net", Subject: "Updated: Wéather\r\nBcc: x@evil",
		Text: "Hello\nhttps://example.org/a=b", HTML: "<p>Hello</p>", Unsubscribe: "https://example.org/u?t=x", Lang: "fr"}
	if err := d.Send(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != 1 || strings.Contains(files[0], "reader") {
		t.Fatalf("outbox files: %v", files)
	}
	raw, _ := os.ReadFile(files[0])
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Header.Get("Bcc") != "" || msg.Header.Get("List-Unsubscribe") != "<https://example.org/u?t=x>" ||
		msg.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" || msg.Header.Get("Content-Language") != "fr" {
		t.Fatalf("headers: %v", msg.Header)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subject != "Updated: Wéather Bcc: x@evil" {
		t.Fatalf("subject %q (%v)", subject, err)
	}
	_, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var types []string
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		b, _ := io.ReadAll(p)
		types = append(types, p.Header.Get("Content-Type"))
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/plain") && string(b) != "Hello\r\nhttps://example.org/a=b" {
			t.Fatalf("text part %q", b)
		}
	}
	if strings.Join(types, ",") != "text/plain; charset=utf-8,text/html; charset=utf-8" {
		t.Fatalf("parts %v", types)
	}
	if !strings.Contains(log.String(), "email written to the outbox") || strings.Contains(log.String(), "reader@") {
		t.Fatalf("log: %s", log.String())
	}
}
