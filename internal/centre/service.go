package centre

import (
	"log/slog"
	"strings"
	"time"
)

// Service applies infocentre's rules — validation, permissions, state
// transitions — on top of a Store. Every staff method takes the calling
// Principal and checks it first, so no caller can skip the check.
type Service struct {
	Store Store
	// Now returns the current time; tests replace it. Times are truncated to
	// milliseconds.
	Now func() time.Time
	// Render turns Markdown into sanitised HTML.
	Render func(markdown string) (string, error)
	// CheckAccent refuses a theme accent colour that is not accessible; nil
	// accepts any well-formed colour.
	CheckAccent func(hex string) error
	// Signer signs preview links; without one, preview links are refused.
	Signer Signer
	Log    *slog.Logger
	// ReservedHosts are the deployment's own host names (its API and
	// public origin, …): no site may claim them, or it would serve its
	// pages and robots.txt in place of the directory for everyone.
	// Compared in lowercase; a leading "*." reserves every subdomain.
	ReservedHosts []string
	// Files keeps the bytes of uploaded files; nil refuses uploads.
	Files FileStore
	// Inspect decides the type of an upload from its content and prepares
	// what is stored (internal/media); nil refuses uploads.
	Inspect Inspector
	// FileLimits bound uploads (zero fields: defaults).
	FileLimits FileLimits
	// WebhookSender checks endpoint URLs and sends test events
	// (internal/webhook); nil refuses to register endpoints.
	WebhookSender WebhookSender
}

// HostReserved reports whether host is one of ReservedHosts (or under a
// reserved "*." domain).
func (s *Service) HostReserved(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for _, r := range s.ReservedHosts {
		r = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(r)), ".")
		if dom, ok := strings.CutPrefix(r, "*."); ok {
			if strings.HasSuffix(host, "."+dom) {
				return true
			}
		} else if r != "" && host == r {
			return true
		}
	}
	return false
}

// Signer seals a value into a tamper-proof token bound to a scope, and
// opens it again (internal/previewlink implements it).
type Signer interface {
	Seal(scope, raw string) string
	Open(scope, token string) (string, error)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Millisecond)
	}
	return time.Now().UTC().Truncate(time.Millisecond)
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// stamp records on e the change p is making, for its revision.
func stamp(e *Entry, p Principal, at time.Time, action string) {
	e.LastChange = Change{At: at, KeyID: p.KeyID, PersonID: p.PersonID, Role: p.Role, Action: action}
}

// require returns EFORBIDDEN unless p may act with role on site.
func require(p Principal, site, role string) error {
	if p.Can(site, role) {
		return nil
	}
	if p.Role != RoleOwner && p.Site != site {
		return Errorf(EFORBIDDEN, "this key is not valid for site %q", site)
	}
	return Errorf(EFORBIDDEN, "this action needs the %s role; the key has %s", role, p.Role)
}

// Require returns EFORBIDDEN unless p may act with role on site (AllSites:
// only owners). For operations built outside Service, like export.
func (s *Service) Require(p Principal, site, role string) error {
	if site == AllSites && p.Role != RoleOwner {
		return Errorf(EFORBIDDEN, "only owner keys may do this")
	}
	return require(p, site, role)
}
