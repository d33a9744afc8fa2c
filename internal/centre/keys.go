package centre

import (
	"context"
	"strings"
	"time"
)

// Authenticate resolves a bearer key secret to its principal. Returns
// EUNAUTHORIZED if the secret is malformed, unknown, revoked or expired.
func (s *Service) Authenticate(ctx context.Context, secret string) (Principal, error) {
	if !LooksLikeKey(secret) {
		return Principal{}, Errorf(EUNAUTHORIZED, "the bearer key is malformed")
	}
	k, err := s.Store.KeyByHash(ctx, HashKey(secret))
	if IsCode(err, ENOTFOUND) {
		return Principal{}, Errorf(EUNAUTHORIZED, "the bearer key is not known")
	} else if err != nil {
		return Principal{}, err
	}
	if !k.RevokedAt.IsZero() {
		return Principal{}, Errorf(EUNAUTHORIZED, "the bearer key was revoked")
	}
	if !k.Usable(s.now()) {
		return Principal{}, Errorf(EUNAUTHORIZED, "the bearer key has expired")
	}
	return Principal{KeyID: k.ID, Site: k.Site, Role: k.Role}, nil
}

// KeyInput asks for a new key.
type KeyInput struct {
	Role      string    `json:"role"`
	Name      string    `json:"name"`
	ExpiresAt time.Time `json:"expires_at"`
}

// CreateKey issues a key for site (AllSites with the owner role for an
// owner key) and returns it with its secret, which is never retrievable
// again. A caller cannot issue a key more powerful than its own.
// Returns EINVALID, ENOTFOUND (site), EFORBIDDEN.
func (s *Service) CreateKey(ctx context.Context, p Principal, site string, in KeyInput) (*Key, string, error) {
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
	return s.issueKey(ctx, site, in, p.KeyID)
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
	now := s.now()
	if !in.ExpiresAt.IsZero() && !in.ExpiresAt.After(now) {
		pr.Add("expires_at", "must be in the future")
	}
	if err := pr.Err(); err != nil {
		return nil, "", err
	}
	secret, hash := NewKeySecret()
	k := &Key{ID: NewID(now), Site: site, Role: in.Role, Name: in.Name, Hash: hash,
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

// RevokeKey revokes a key of site at once. Returns ENOTFOUND, EFORBIDDEN.
func (s *Service) RevokeKey(ctx context.Context, p Principal, site, id string) (*Key, error) {
	if site == AllSites {
		if p.Role != RoleOwner {
			return nil, Errorf(EFORBIDDEN, "only owner keys may revoke owner keys")
		}
	} else if err := require(p, site, RoleAdmin); err != nil {
		return nil, err
	}
	k, err := s.Store.RevokeKey(ctx, site, id, s.now())
	if IsCode(err, ENOTFOUND) {
		return nil, Errorf(ENOTFOUND, "site %q has no key %q", site, id)
	}
	return k, err
}
