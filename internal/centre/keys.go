package centre

import (
	"context"
	"errors"
	"strings"
	"time"
)

// MaxKeyDepth bounds how many keys a key may descend from: a key
// minted by a key minted by … an operator's key. Authentication reads
// each ancestor once, so it costs at most MaxKeyDepth+1 reads.
const MaxKeyDepth = 7

// UnauthorizedMessage is the one message a client gets for any key that
// does not authenticate (malformed, unknown, revoked, expired, or one of
// its ancestors revoked or expired). The reason goes to the audit log
// only: see AuthFailureReason.
const UnauthorizedMessage = "the bearer key is not valid"

// authError is an EUNAUTHORIZED error that keeps, for the audit log, why
// the key was refused and which key it was (when known).
type authError struct {
	err    *Error
	reason string
	keyID  string
}

func (e *authError) Error() string { return e.err.Error() + " (" + e.reason + ")" }
func (e *authError) Unwrap() error { return e.err }

func refuse(reason, keyID string) error {
	return &authError{err: Errorf(EUNAUTHORIZED, UnauthorizedMessage), reason: reason, keyID: keyID}
}

// AuthFailureReason returns why Authenticate refused a key ("malformed",
// "unknown", "revoked", "expired", "ancestor revoked" …) and the ID of the
// refused key when it is known, for the audit log; ok is false if err is
// not such a refusal.
func AuthFailureReason(err error) (reason, keyID string, ok bool) {
	var e *authError
	if errors.As(err, &e) {
		return e.reason, e.keyID, true
	}
	return "", "", false
}

// Authenticate resolves a bearer key secret to its principal. A key is
// valid if it is neither revoked nor expired and neither is any key it
// was minted by (its CreatedBy chain, up to the operator's root key), so
// that revoking a key at once disables every key minted with it.
// Returns EUNAUTHORIZED with UnauthorizedMessage whatever the reason
// (AuthFailureReason tells it).
func (s *Service) Authenticate(ctx context.Context, secret string) (Principal, error) {
	if !LooksLikeKey(secret) {
		return Principal{}, refuse("malformed", "")
	}
	k, err := s.Store.KeyByHash(ctx, HashKey(secret))
	if IsCode(err, ENOTFOUND) {
		return Principal{}, refuse("unknown", "")
	} else if err != nil {
		return Principal{}, err
	}
	if _, err := s.keyChain(ctx, k); err != nil {
		return Principal{}, err
	}
	return Principal{KeyID: k.ID, Site: k.Site, Role: k.Role, Organisation: k.Organisation}, nil
}

// keyChain checks that k and every key it descends from are usable now,
// and returns k's depth (0 for a key no other key minted). Returns the
// refusal of Authenticate, or the store's error.
func (s *Service) keyChain(ctx context.Context, k *Key) (int, error) {
	now := s.now()
	id := k.ID
	for depth := 0; ; depth++ {
		switch {
		case !k.RevokedAt.IsZero() && k.ID == id:
			return 0, refuse("revoked", id)
		case !k.Usable(now) && k.ID == id:
			return 0, refuse("expired", id)
		case !k.RevokedAt.IsZero():
			return 0, refuse("ancestor "+k.ID+" revoked", id)
		case !k.Usable(now):
			return 0, refuse("ancestor "+k.ID+" expired", id)
		}
		if pid, ok := strings.CutPrefix(k.CreatedBy, "person:"); ok {
			// Issued by a signed-in person: valid while that person is.
			person, err := s.Store.GetPerson(ctx, pid)
			if IsCode(err, ENOTFOUND) || err == nil && person.State != PersonActive {
				return 0, refuse("issuing person "+pid+" not active", id)
			} else if err != nil {
				return 0, err
			}
			return depth, nil
		}
		if !looksLikeID(k.CreatedBy) {
			// A root: made by the operator (Bootstrap, the CLI, the demo
			// seed), whose principals are not keys.
			return depth, nil
		}
		if depth >= MaxKeyDepth {
			return 0, refuse("key chain longer than the limit", id)
		}
		parent, err := s.Store.KeyByID(ctx, k.CreatedBy)
		if IsCode(err, ENOTFOUND) {
			return 0, refuse("ancestor "+k.CreatedBy+" missing", id)
		} else if err != nil {
			return 0, err
		}
		k = parent
	}
}

// looksLikeID reports whether s has the shape of a NewID.
func looksLikeID(s string) bool {
	if len(s) != 26 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("0123456789abcdefghjkmnpqrstvwxyz", rune(s[i])) {
			return false
		}
	}
	return true
}

// KeyInput asks for a new key.
type KeyInput struct {
	Role      string    `json:"role"`
	Name      string    `json:"name"`
	ExpiresAt time.Time `json:"expires_at"`
	// Organisation scopes the key to a member organisation (see
	// Principal). A scoped caller issues only keys of its own
	// organisation: empty means the caller's.
	Organisation string `json:"organisation"`
}

// CreateKey issues a key for site (AllSites with the owner role for an
// owner key) and returns it with its secret, which is never retrievable
// again. A caller cannot issue a key more powerful than its own, nor,
// scoped to an organisation, one of another organisation or none.
// Returns EINVALID, ENOTFOUND (site), EFORBIDDEN.
func (s *Service) CreateKey(ctx context.Context, p Principal, site string, in KeyInput) (*Key, string, error) {
	org, err := sameOrganisation(p, in.Organisation, "issue keys")
	if err != nil {
		return nil, "", err
	}
	in.Organisation = org
	if site == AllSites || in.Role == RoleOwner {
		if p.Role != RoleOwner {
			return nil, "", Errorf(EFORBIDDEN, "only owner keys may issue owner keys")
		}
		site = AllSites
		in.Role = RoleOwner
	} else {
		if err := require(p, site, RoleAdmin); err != nil {
			return nil, "", err
		}
		if _, err := s.writableSite(ctx, p, site, RoleAdmin); err != nil {
			return nil, "", err
		}
	}
	if looksLikeID(p.KeyID) {
		// A key never outlives the key that minted it, nor sits deeper
		// than MaxKeyDepth.
		parent, err := s.Store.KeyByID(ctx, p.KeyID)
		if err != nil {
			return nil, "", err
		}
		depth, err := s.keyChain(ctx, parent)
		if err != nil {
			return nil, "", Errorf(EFORBIDDEN, "the calling key is no longer valid")
		}
		if depth >= MaxKeyDepth {
			return nil, "", Errorf(EFORBIDDEN, "keys may be minted at most %d deep; ask an admin whose key is nearer the operator's", MaxKeyDepth)
		}
		if !parent.ExpiresAt.IsZero() && (in.ExpiresAt.IsZero() || in.ExpiresAt.After(parent.ExpiresAt)) {
			in.ExpiresAt = parent.ExpiresAt
		}
	}
	return s.issueKey(ctx, site, in, p.Actor())
}

// Bootstrap issues an owner key without a caller. It is for the operator's
// CLI on a store it holds directly (first start, or a lost owner key),
// never reachable over HTTP.
func (s *Service) Bootstrap(ctx context.Context, name string) (*Key, string, error) {
	return s.issueKey(ctx, AllSites, KeyInput{Role: RoleOwner, Name: name}, "")
}

func (s *Service) issueKey(ctx context.Context, site string, in KeyInput, by string) (*Key, string, error) {
	var pr Problems
	if RoleRank(in.Role) == 0 {
		pr.Add("role", "must be one of %s", strings.Join(Roles, ", "))
	}
	normalizeText(&in.Name)
	if len([]rune(in.Name)) > 100 {
		pr.Add("name", "must be at most 100 characters")
	}
	checkVisible(&pr, "name", in.Name)
	normalizeText(&in.Organisation)
	if in.Organisation != "" {
		checkOrganisation(&pr, "organisation", in.Organisation)
	}
	now := s.now()
	if !in.ExpiresAt.IsZero() && !in.ExpiresAt.After(now) {
		pr.Add("expires_at", "must be in the future")
	}
	if err := pr.Err(); err != nil {
		return nil, "", err
	}
	secret, hash := NewKeySecret()
	k := &Key{ID: NewID(now), Site: site, Role: in.Role, Name: in.Name, Hash: hash, Organisation: in.Organisation,
		CreatedAt: now, CreatedBy: by, ExpiresAt: in.ExpiresAt.UTC().Truncate(time.Millisecond)}
	if err := s.Store.CreateKey(ctx, k); err != nil {
		return nil, "", err
	}
	return k, secret, nil
}

// Keys lists the keys of a site to an admin of it (owner keys to owners).
func (s *Service) Keys(ctx context.Context, p Principal, site string) ([]*Key, error) {
	if site == AllSites {
		if p.Role != RoleOwner {
			return nil, Errorf(EFORBIDDEN, "only owner keys may list owner keys")
		}
	} else if err := require(p, site, RoleAdmin); err != nil {
		return nil, err
	} else if _, err := s.Site(ctx, site); err != nil {
		return nil, err
	}
	return s.Store.ListKeys(ctx, site)
}

// RevokeKey revokes a key of site at once; every key minted with it
// (and with those, and so on) stops authenticating with it. A site admin
// key cannot revoke the site's last admin key — counting the keys the
// revocation disables — so that no admin locks the site out; an owner
// can, and so can a signed-in admin person, who stays an admin of the
// site whatever its keys. Returns ENOTFOUND, EFORBIDDEN, ECONFLICT (last
// admin).
//
// Revoking stays possible on an archived site: it is a security action.
func (s *Service) RevokeKey(ctx context.Context, p Principal, site, id string) (*Key, error) {
	if site == AllSites {
		if p.Role != RoleOwner {
			return nil, Errorf(EFORBIDDEN, "only owner keys may revoke owner keys")
		}
	} else if err := require(p, site, RoleAdmin); err != nil {
		return nil, err
	} else if p.Role != RoleOwner && p.PersonID == "" {
		if err := s.keepAnAdmin(ctx, site, id); err != nil {
			return nil, err
		}
	}
	k, err := s.Store.RevokeKey(ctx, site, id, s.now())
	if IsCode(err, ENOTFOUND) {
		return nil, Errorf(ENOTFOUND, "site %q has no key %q", site, id)
	}
	return k, err
}

// keepAnAdmin returns ECONFLICT if revoking key id would leave site with
// no usable admin key: one that is not id, not minted (directly or not)
// with id, and not already revoked or expired.
func (s *Service) keepAnAdmin(ctx context.Context, site, id string) error {
	keys, err := s.Store.ListKeys(ctx, site)
	if err != nil {
		return err
	}
	gone := map[string]bool{id: true}
	// Keys are listed oldest first and a key is always younger than the
	// key that minted it, so one pass finds every descendant in the site.
	for _, k := range keys {
		if gone[k.CreatedBy] {
			gone[k.ID] = true
		}
	}
	target := false
	now := s.now()
	for _, k := range keys {
		if k.ID == id {
			target = true
		}
		if k.Role == RoleAdmin && !gone[k.ID] && k.Usable(now) {
			return nil
		}
	}
	if !target {
		return Errorf(ENOTFOUND, "site %q has no key %q", site, id)
	}
	return Errorf(ECONFLICT, "revoking key %q would leave site %q without an admin key; issue another admin key first, or ask an owner", id, site)
}
