package cursor

import (
	"strings"
	"testing"

	"infocentre/internal/centre"
)

func TestSealOpen(t *testing.T) {
	s, err := New([]byte("0123456789abcdef0123"))
	if err != nil {
		t.Fatal(err)
	}
	scope := Scope("demo", "public", "statement")
	tok := s.Seal(scope, `{"PK":"SITE#demo"}`)
	if strings.Contains(tok, "SITE") {
		t.Fatalf("token shows the raw key: %s", tok)
	}
	raw, err := s.Open(scope, tok)
	if err != nil || raw != `{"PK":"SITE#demo"}` {
		t.Fatalf("Open = %q, %v", raw, err)
	}
	if raw, err := s.Open(scope, ""); raw != "" || err != nil {
		t.Fatalf("empty token: %q %v", raw, err)
	}
	if s.Seal(scope, "") != "" {
		t.Fatal("empty raw must seal to empty token")
	}
}

func TestOpenRejects(t *testing.T) {
	s, _ := New([]byte("0123456789abcdef0123"))
	other, _ := New([]byte("another-secret-0123456"))
	scope := Scope("demo", "public")
	tok := s.Seal(scope, "position-1")
	forged := other.Seal(scope, "position-1")
	body, sig, _ := strings.Cut(tok, ".")
	cases := map[string]string{
		"other site":      s.Seal(Scope("other", "public"), "position-1"),
		"other filters":   s.Seal(Scope("demo", "public", "news"), "position-1"),
		"other secret":    forged,
		"tampered body":   body + "x." + sig,
		"tampered mac":    body + "." + strings.Repeat("A", len(sig)),
		"no separator":    body,
		"not base64":      "!!!.???",
		"oversized token": strings.Repeat("a", 5000) + "." + sig,
	}
	for name, token := range cases {
		if _, err := s.Open(scope, token); !centre.IsCode(err, centre.EINVALID) {
			t.Errorf("%s: err = %v, want EINVALID", name, err)
		}
	}
	if _, err := New([]byte("short")); err == nil {
		t.Error("a short secret must be refused")
	}
}
