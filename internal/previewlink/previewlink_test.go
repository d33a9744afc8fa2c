package previewlink

import (
	"errors"
	"strings"
	"testing"

	"infocentre/internal/cursor"
)

func TestSealOpen(t *testing.T) {
	s, err := New([]byte("preview-secret-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	tok := s.Seal("preview", "demo|01jz|0|1767225600000")
	if strings.Contains(tok, "|") {
		t.Fatalf("token is not URL-safe: %s", tok)
	}
	raw, err := s.Open("preview", tok)
	if err != nil || raw != "demo|01jz|0|1767225600000" {
		t.Fatalf("Open = %q, %v", raw, err)
	}
}

func TestOpenRejects(t *testing.T) {
	secret := []byte("preview-secret-0123456789")
	s, _ := New(secret)
	other, _ := New([]byte("another-preview-secret-0123"))
	tok := s.Seal("preview", "demo|01jz|0|1767225600000")
	body, sig, _ := strings.Cut(tok, ".")
	// A cursor sealer with the very same secret still cannot make a
	// preview token: the MACs are domain-separated.
	cur, err := cursor.New(secret)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"other scope":         s.Seal("cursor", "demo|01jz|0|1767225600000"),
		"other secret":        other.Seal("preview", "demo|01jz|0|1767225600000"),
		"cursor, same secret": cur.Seal("preview", "demo|01jz|0|1767225600000"),
		"tampered body":       body + "x." + sig,
		"tampered mac":        body + "." + strings.Repeat("A", len(sig)),
		"no separator":        body,
		"not base64":          "!!!.???",
		"empty":               "",
		"oversized":           strings.Repeat("a", 2000) + "." + sig,
	}
	for name, token := range cases {
		if raw, err := s.Open("preview", token); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Open = %q, %v, want ErrInvalid", name, raw, err)
		}
	}
	if _, err := New([]byte("short")); err == nil {
		t.Error("a short secret must be refused")
	}
}
