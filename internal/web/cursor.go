package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// Pagination links carry the store's position sealed with an HMAC bound
// to the list it belongs to, so that a visitor can neither forge positions
// nor reuse one on another site or list.

func (s *Site) sealCursor(scope, raw string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(raw)) + "." + s.cursorMAC(scope, raw)
}

func (s *Site) openCursor(scope, token string) (string, bool) {
	body, mac, ok := strings.Cut(token, ".")
	if !ok || len(token) > 2048 {
		return "", false
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(raw) == 0 {
		return "", false
	}
	if !hmac.Equal([]byte(mac), []byte(s.cursorMAC(scope, string(raw)))) {
		return "", false
	}
	return string(raw), true
}

func (s *Site) cursorMAC(scope, raw string) string {
	m := hmac.New(sha256.New, s.cursorKey)
	m.Write([]byte("web-cursor\x00" + scope + "\x00" + raw))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}
