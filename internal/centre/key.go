package centre

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"
)

// Roles, from least to most powerful. Each includes the powers of those
// before it.
const (
	RoleViewer    = "viewer"    // read drafts and every entry state
	RoleEditor    = "editor"    // create and edit drafts
	RolePublisher = "publisher" // publish, schedule and withdraw
	RoleAdmin     = "admin"     // site settings and keys
	RoleOwner     = "owner"     // everything on every site; creates sites
)

// Roles lists every role from least to most powerful.
var Roles = []string{RoleViewer, RoleEditor, RolePublisher, RoleAdmin, RoleOwner}

// AllSites is the Site of an owner key: it is valid for every site.
const AllSites = "*"

// KeyPrefix starts every staff key so that a leaked one is recognisable
// (and can be found by secret scanners).
const KeyPrefix = "icsk_"

// Key is a staff API key. The secret itself is never stored: only its
// SHA-256 hash.
type Key struct {
	ID        string    `json:"id"`
	Site      string    `json:"site"` // a site slug, or AllSites for owner keys
	Role      string    `json:"role"`
	Name      string    `json:"name,omitempty"` // who or what holds it
	Hash      string    `json:"-"`              // hex SHA-256 of the secret
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by,omitempty"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
	// Organisation scopes the key to a member organisation: it creates
	// and changes only entries that name it (see Principal).
	Organisation string `json:"organisation,omitempty"`
}

// Usable reports whether the key may be used at time now.
func (k *Key) Usable(now time.Time) bool {
	return k.RevokedAt.IsZero() && (k.ExpiresAt.IsZero() || now.Before(k.ExpiresAt))
}

// RoleRank returns the power of role: 0 for an unknown role, 1 for viewer up
// to 5 for owner.
func RoleRank(role string) int {
	for i, r := range Roles {
		if r == role {
			return i + 1
		}
	}
	return 0
}

// NewKeySecret returns a new random key secret with KeyPrefix, and its hash.
func NewKeySecret() (secret, hash string) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error()) // never happens on supported platforms
	}
	secret = KeyPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return secret, HashKey(secret)
}

// HashKey returns the stored form of a key secret.
func HashKey(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// LooksLikeKey reports whether s has the shape of a key secret, so that
// garbage is refused before any store lookup.
func LooksLikeKey(s string) bool {
	return strings.HasPrefix(s, KeyPrefix) && len(s) == len(KeyPrefix)+43
}

// Principal is the authenticated caller of a staff request.
//
// A request signed with a key has KeyID set; a signed-in person's has
// PersonID set instead. Roles, site state and audit treat both alike.
//
// A principal with an Organisation (a member organisation's key or
// person) creates and changes only entries whose Organisations name it
// (compared by OrgKey): creating an entry adds it to the entry's
// organisations if missing, and no change may remove it. It reads what
// its role allows, like any other.
type Principal struct {
	KeyID        string `json:"key_id,omitempty"`
	PersonID     string `json:"person_id,omitempty"`
	Site         string `json:"site"`
	Role         string `json:"role"`
	Organisation string `json:"organisation,omitempty"`
}

// Actor names the caller in logs and audit events: the key ID or
// "person:" and the person's ID.
func (p Principal) Actor() string {
	if p.PersonID != "" {
		return "person:" + p.PersonID
	}
	return p.KeyID
}

// Can reports whether p may act with at least role on site.
func (p Principal) Can(site, role string) bool {
	if p.Role == RoleOwner {
		return true
	}
	return p.Site == site && RoleRank(p.Role) >= RoleRank(role) && RoleRank(role) > 0
}
