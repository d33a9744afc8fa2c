package centre

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxPreviewLifetime bounds how long a preview link stays valid.
const MaxPreviewLifetime = 30 * 24 * time.Hour

const previewScope = "preview"

// PreviewLink is a signed link to a non-public entry.
type PreviewLink struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// CreatePreview issues a link that shows a draft or scheduled entry to a
// reviewer without a key until it expires or is revoked. Editors may, on
// a site that is not archived. Returns EINVALID, ENOTFOUND, EFORBIDDEN,
// ECONFLICT (archived site, or the entry is public: link to it instead).
func (s *Service) CreatePreview(ctx context.Context, p Principal, site, id string, lifetime time.Duration) (*PreviewLink, error) {
	if _, err := s.writableSite(ctx, p, site, RoleEditor); err != nil {
		return nil, err
	}
	if s.Signer == nil {
		return nil, Errorf(EINTERNAL, "preview links are not configured")
	}
	if lifetime <= 0 || lifetime > MaxPreviewLifetime {
		return nil, &Error{Code: EINVALID, Message: "invalid fields: expires_in",
			Fields: []FieldError{{Field: "expires_in", Reason: fmt.Sprintf("must be between 1 and %d seconds", int(MaxPreviewLifetime.Seconds()))}}}
	}
	e, err := s.entry(ctx, site, id)
	if err != nil {
		return nil, err
	}
	if err := inScope(p, e); err != nil {
		return nil, err
	}
	if e.Public() {
		return nil, Errorf(ECONFLICT, "entry %q is %s: link to its public page, not a preview", id, e.Status)
	}
	exp := s.now().Add(lifetime)
	raw := strings.Join([]string{e.Site, e.ID, strconv.FormatInt(e.PreviewGeneration, 10), strconv.FormatInt(exp.UnixMilli(), 10)}, "|")
	return &PreviewLink{Token: s.Signer.Seal(previewScope, raw), ExpiresAt: exp}, nil
}

// RevokePreviews revokes every preview link of an entry at once (a new
// revision). Like any change to an entry it needs a site that is not
// archived, and the editor role for a draft, the publisher role for a
// scheduled entry. Returns ENOTFOUND, EPRECONDITION, EFORBIDDEN, ECONFLICT
// (archived site, or a public entry, whose preview links already show
// nothing).
func (s *Service) RevokePreviews(ctx context.Context, p Principal, site, id string) (*Entry, error) {
	if _, err := s.writableSite(ctx, p, site, RoleEditor); err != nil {
		return nil, err
	}
	e, err := s.entry(ctx, site, id)
	if err != nil {
		return nil, err
	}
	if err := inScope(p, e); err != nil {
		return nil, err
	}
	if e.Public() {
		return nil, Errorf(ECONFLICT, "entry %q is %s: its preview links already show nothing", id, e.Status)
	}
	if e.Status != StatusDraft {
		if err := require(p, site, RolePublisher); err != nil {
			return nil, Errorf(EFORBIDDEN, "changing a %s entry needs the publisher role; the key has %s", e.Status, p.Role)
		}
	}
	e.PreviewGeneration++
	stamp(e, p, s.now(), "preview-revoke")
	if err := s.Store.UpdateEntry(ctx, e); err != nil {
		return nil, err
	}
	return e, nil
}

// Preview opens a preview token and returns the entry it shows. Returns
// ENOTFOUND for a bad, expired or revoked token (never saying which), and
// EGONE once the entry is public (the public page is the place to read it);
// with EGONE it also returns the entry, so that callers can link to it.
func (s *Service) Preview(ctx context.Context, token string) (*Entry, error) {
	notFound := Errorf(ENOTFOUND, "this preview link is not valid: it may have expired or been revoked")
	if s.Signer == nil {
		return nil, notFound
	}
	raw, err := s.Signer.Open(previewScope, token)
	if err != nil || raw == "" {
		return nil, notFound
	}
	parts := strings.Split(raw, "|")
	if len(parts) != 4 {
		return nil, notFound
	}
	gen, err1 := strconv.ParseInt(parts[2], 10, 64)
	exp, err2 := strconv.ParseInt(parts[3], 10, 64)
	if err1 != nil || err2 != nil || !s.now().Before(time.UnixMilli(exp)) {
		return nil, notFound
	}
	e, err := s.Store.GetEntry(ctx, parts[0], parts[1])
	if IsCode(err, ENOTFOUND) {
		return nil, notFound
	} else if err != nil {
		return nil, err
	}
	if e.PreviewGeneration != gen {
		return nil, notFound
	}
	if e.Public() {
		return e, Errorf(EGONE, "this entry has been published; read it on the site")
	}
	return e, nil
}

// LogPath returns a request path as it may be logged: the token of a
// preview link ("/preview/{token}", "/api/v1/preview/{token}") or of an
// invitation ("/admin/invite/{token}…") is a credential, and is replaced
// by "REDACTED".
func LogPath(path string) string {
	for _, prefix := range []string{"/preview/", "/api/v1/preview/", "/admin/invite/"} {
		if strings.HasPrefix(path, prefix) && len(path) > len(prefix) {
			return prefix + "REDACTED"
		}
	}
	return path
}
