// Package cursor seals raw store positions into opaque, authenticated
// pagination tokens. A token is bound to the query it came from (site and
// filters), so a forged, tampered or other-site token is refused instead
// of being used to read another partition.
package cursor

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"infocentre/internal/centre"
)

// Sealer seals and opens tokens with a secret key.
type Sealer struct{ key []byte }

// New returns a Sealer for secret, which must be at least 16 bytes.
func New(secret []byte) (*Sealer, error) {
	if len(secret) < 16 {
		return nil, centre.Errorf(centre.EINVALID, "the cursor secret must be at least 16 bytes")
	}
	return &Sealer{key: append([]byte(nil), secret...)}, nil
}

// Scope names the query a token belongs to, from its identifying parts.
func Scope(parts ...string) string { return strings.Join(parts, "\x1f") }

func (s *Sealer) mac(scope, raw string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(scope))
	m.Write([]byte{0})
	m.Write([]byte(raw))
	return m.Sum(nil)[:16]
}

// Seal returns the token for raw within scope; "" stays "".
func (s *Sealer) Seal(scope, raw string) string {
	if raw == "" {
		return ""
	}
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(raw)) + "." + enc.EncodeToString(s.mac(scope, raw))
}

// Open returns the raw position in token, checking that it was sealed for
// scope. "" opens to "". Returns EINVALID for any other bad token.
func (s *Sealer) Open(scope, token string) (string, error) {
	if token == "" {
		return "", nil
	}
	bad := &centre.Error{Code: centre.EINVALID, Message: "invalid fields: cursor",
		Fields: []centre.FieldError{{Field: "cursor", Reason: "is not a cursor returned for this query; start again without it"}}}
	body, sig, ok := strings.Cut(token, ".")
	if !ok || len(token) > 4096 {
		return "", bad
	}
	enc := base64.RawURLEncoding
	raw, err1 := enc.DecodeString(body)
	mac, err2 := enc.DecodeString(sig)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, s.mac(scope, string(raw))) {
		return "", bad
	}
	return string(raw), nil
}
