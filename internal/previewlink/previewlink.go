// Package previewlink signs the tokens of preview links, which show a draft
// or scheduled entry to a reviewer without a key (centre.Service.Preview).
//
// It has a secret of its own (PREVIEW_SECRET), apart from the secret of
// pagination cursors (internal/cursor): a token made with one secret never
// opens with the other, and either can be rotated alone — rotating the
// preview secret revokes every preview link at once.
package previewlink

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
)

// MinSecret is the shortest secret New accepts, in bytes.
const MinSecret = 16

// maxToken bounds the tokens Open looks at; real ones are far shorter.
const maxToken = 1024

// domain separates these MACs from any other use of the same key.
const domain = "infocentre preview link v1"

// ErrInvalid is the error of a token that was not made by this Signer for
// the scope, or was altered.
var ErrInvalid = errors.New("previewlink: invalid token")

// Signer seals and opens preview tokens; it implements centre.Signer.
type Signer struct{ key []byte }

// New returns a Signer for secret, which must be at least MinSecret bytes.
func New(secret []byte) (*Signer, error) {
	if len(secret) < MinSecret {
		return nil, errors.New("previewlink: the preview secret must be at least 16 bytes")
	}
	return &Signer{key: append([]byte(nil), secret...)}, nil
}

func (s *Signer) mac(scope, raw string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(domain))
	m.Write([]byte{0})
	m.Write([]byte(scope))
	m.Write([]byte{0})
	m.Write([]byte(raw))
	return m.Sum(nil)
}

// Seal returns the token of raw within scope.
func (s *Signer) Seal(scope, raw string) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(raw)) + "." + enc.EncodeToString(s.mac(scope, raw))
}

// Open returns the value sealed in token, checking that this Signer sealed
// it for scope. Returns ErrInvalid for any other token.
func (s *Signer) Open(scope, token string) (string, error) {
	if len(token) > maxToken {
		return "", ErrInvalid
	}
	body, sig, ok := strings.Cut(token, ".")
	if !ok {
		return "", ErrInvalid
	}
	enc := base64.RawURLEncoding
	raw, err1 := enc.DecodeString(body)
	mac, err2 := enc.DecodeString(sig)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, s.mac(scope, string(raw))) {
		return "", ErrInvalid
	}
	return string(raw), nil
}
