package centre

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"
)

// Person states.
const (
	PersonInvited  = "invited"  // has an invitation, no passkey yet
	PersonActive   = "active"   // may sign in
	PersonDisabled = "disabled" // may not sign in; sessions ended
)

// Sign-in lifetimes. A session ends SessionIdle after its last use, and
// SessionAbsolute after it began whatever its use; an invitation link
// works for InvitationLifetime; a ceremony (a passkey challenge, an OIDC
// state) must be completed within ChallengeLifetime.
const (
	SessionIdle        = 2 * time.Hour
	SessionAbsolute    = 12 * time.Hour
	InvitationLifetime = 72 * time.Hour
	ChallengeLifetime  = 5 * time.Minute
	// sessionTouchEvery is how stale a session's LastSeenAt may be before
	// a use writes it again (one write per minute at most, not one per
	// request).
	sessionTouchEvery = time.Minute
)

// MaxCredentials bounds the passkeys of one person.
const MaxCredentials = 10

// Person is a member of staff who signs in to the console. A person has
// one role on one site, or the owner role on every site (Site AllSites),
// like a key. The email address is unique per deployment, in lowercase.
type Person struct {
	ID           string `json:"id"`
	Email        string `json:"email"`
	Name         string `json:"name"`
	Organisation string `json:"organisation,omitempty"` // a member organisation the person acts for
	Site         string `json:"site"`                   // a site slug, or AllSites for owners
	Role         string `json:"role"`
	State        string `json:"state"` // PersonInvited, PersonActive or PersonDisabled
	// Credentials are the person's passkeys.
	Credentials []Credential `json:"credentials,omitempty"`
	// InviteHash is the hex SHA-256 of the pending invitation token;
	// InviteExpires its end. Both are cleared once the invitation is used.
	InviteHash    string    `json:"-"`
	InviteExpires time.Time `json:"invite_expires,omitzero"`
	// SessionsAfter ends every session begun before it ("sign out
	// everywhere", disabling).
	SessionsAfter time.Time `json:"-"`
	CreatedAt     time.Time `json:"created_at"`
	CreatedBy     string    `json:"created_by,omitempty"` // the key or person that invited
	UpdatedAt     time.Time `json:"updated_at"`
	LastSignIn    time.Time `json:"last_sign_in,omitzero"`
	Version       int64     `json:"version"`
}

// Credential is a WebAuthn public-key credential (a passkey), with what
// verifying its assertions needs.
type Credential struct {
	ID              []byte    `json:"id"`
	PublicKey       []byte    `json:"-"`
	AttestationType string    `json:"attestation_type,omitempty"`
	Transports      []string  `json:"transports,omitempty"`
	AAGUID          []byte    `json:"aaguid,omitempty"`
	SignCount       uint32    `json:"sign_count"`
	BackupEligible  bool      `json:"backup_eligible"`
	BackupState     bool      `json:"backup_state"`
	Name            string    `json:"name,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
	LastUsedAt      time.Time `json:"last_used_at,omitzero"`
}

// CredentialID returns the base64url form of a credential ID, as shown and
// posted by the console.
func CredentialID(id []byte) string { return base64.RawURLEncoding.EncodeToString(id) }

// Session is a signed-in browser: a server-side record found by the hash
// of the token its cookie holds.
type Session struct {
	Hash       string    `json:"-"` // hex SHA-256 of the token
	PersonID   string    `json:"person_id"`
	Method     string    `json:"method"` // "passkey" or "oidc"
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"` // CreatedAt + SessionAbsolute
	Client     string    `json:"client,omitempty"`
}

// Challenge is the server-side state of one sign-in ceremony (a WebAuthn
// challenge, an OIDC state, nonce and PKCE verifier), found by the hash of
// the token the browser holds, and usable once.
type Challenge struct {
	Hash      string    `json:"-"`
	Kind      string    `json:"kind"`                // e.g. "register", "login", "oidc"
	PersonID  string    `json:"person_id,omitempty"` // the person registering, if known
	Data      string    `json:"data"`                // the ceremony's state, opaque to the store
	ExpiresAt time.Time `json:"expires_at"`
}

// NormalizeEmail returns an email address in the form stored: trimmed and
// in lowercase.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// NewToken returns a new random token (43 base64url characters) and its
// hash, the form stored.
func NewToken() (token, hash string) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	token = base64.RawURLEncoding.EncodeToString(b[:])
	return token, HashToken(token)
}

// HashToken returns the stored form of a session, challenge or invitation
// token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// LooksLikeToken reports whether s has the shape of a NewToken token.
func LooksLikeToken(s string) bool {
	if len(s) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// invitationToken joins a person's ID and a random secret: the ID finds
// the person in one read, the secret (stored only as its hash) proves the
// link.
func invitationToken(personID, secret string) string { return personID + "." + secret }

func splitInvitation(token string) (id, secret string, ok bool) {
	id, secret, ok = strings.Cut(token, ".")
	return id, secret, ok && looksLikeID(id) && LooksLikeToken(secret)
}

func sameHash(a, b string) bool {
	return len(a) == len(b) && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
