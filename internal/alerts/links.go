package alerts

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"infocentre/internal/centre"
)

// The links in alert emails carry a token that Links seals with
// AES-256-GCM under a key derived from the deployment's alert secret
// (ALERTS_SECRET): opaque — the address cannot be read from the URL — and
// authenticated, so that nobody can make a link for an address they do
// not receive mail at. A confirmation token holds the random token whose
// hash the pending subscription keeps (a new subscription makes older
// links void); a management token expires (ManageFor); an unsubscribe
// token does not (RFC 8058 links must keep working).

// MinSecret is the shortest alert secret NewLinks accepts, in bytes.
const MinSecret = 16

// ManageFor is how long a management link works.
const ManageFor = 7 * 24 * time.Hour

// Purposes of tokens.
const (
	purposeConfirm     = "c"
	purposeManage      = "m"
	purposeUnsubscribe = "u"
)

// errBadLink is the error of a token that is not valid (forged, damaged,
// expired or for another purpose or site).
var errBadLink = errors.New("alerts: invalid or expired link")

// Links seals and opens link tokens, and derives the confirmation token of
// a pending subscription (confirmSecret).
type Links struct {
	aead    cipher.AEAD
	confirm []byte // the key of confirmSecret
}

// NewLinks returns Links for secret (at least MinSecret bytes).
func NewLinks(secret []byte) (*Links, error) {
	if len(secret) < MinSecret {
		return nil, errors.New("alerts: the alert secret must be at least 16 bytes")
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("infocentre email alert links v1"))
	block, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	c := hmac.New(sha256.New, secret)
	c.Write([]byte("infocentre email alert confirmation v1"))
	return &Links{aead: aead, confirm: c.Sum(nil)}, nil
}

// confirmSecret returns the confirmation token of a pending subscription:
// an HMAC of its identity and creation time under a key of the alert
// secret, so that the notifier, which sends the confirmation email from
// the outbox record, makes the same token as the request that stored its
// hash (TokenHash) — no token is kept in clear anywhere — and a newer
// subscription to the scope (another Created) voids the older links.
func (l *Links) confirmSecret(s *centre.Subscription) string {
	m := hmac.New(sha256.New, l.confirm)
	m.Write([]byte(s.Site + "\x00" + s.Email + "\x00" + s.Scope + "\x00" + strconv.FormatInt(s.Created.UnixMilli(), 10)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// token is what a link carries.
type token struct {
	Purpose string `json:"p"`
	Site    string `json:"s"`
	Email   string `json:"e"`
	Scope   string `json:"c,omitempty"`
	Secret  string `json:"t,omitempty"` // confirmation: the token whose hash the subscription keeps
	Expires int64  `json:"x,omitempty"` // unix seconds; 0: never
}

// seal returns the URL-safe form of t.
func (l *Links) seal(t token) string {
	data, _ := json.Marshal(t)
	nonce := make([]byte, l.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(l.aead.Seal(nonce, nonce, data, []byte(t.Purpose)))
}

// maxToken bounds the tokens open reads.
const maxToken = 2048

// open returns the token sealed in s for purpose and site, or errBadLink.
func (l *Links) open(purpose, site, s string, now time.Time) (token, error) {
	var t token
	if len(s) > maxToken {
		return t, errBadLink
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	n := l.aead.NonceSize()
	if err != nil || len(raw) < n {
		return t, errBadLink
	}
	data, err := l.aead.Open(nil, raw[:n], raw[n:], []byte(purpose))
	if err != nil || json.Unmarshal(data, &t) != nil || t.Purpose != purpose || t.Site != site || t.Email == "" {
		return token{}, errBadLink
	}
	if t.Expires != 0 && now.Unix() >= t.Expires {
		return token{}, errBadLink
	}
	return t, nil
}
