package centre

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// flagTranslations marks the other language versions of e (entries with
// the same slug) as possibly out of date after a major change to e, when e
// is in the site's default language. Failures are logged, not returned:
// the change itself has been made.
func (s *Service) flagTranslations(ctx context.Context, site *Site, e *Entry, p Principal) {
	if !strings.EqualFold(e.Lang, site.DefaultLanguage()) {
		return
	}
	versions, err := s.Store.EntriesBySlug(ctx, e.Site, e.Slug)
	if err != nil {
		s.log().ErrorContext(ctx, "find translations", "site", e.Site, "entry", e.ID, "error", err.Error())
		return
	}
	now := s.now()
	for _, t := range versions {
		if t.ID == e.ID || !t.OutdatedSince.IsZero() || t.Status == StatusWithdrawn {
			continue
		}
		t.OutdatedSince = now
		stamp(t, p, now, "flag-outdated")
		if err := s.Store.UpdateEntry(ctx, t); err != nil {
			s.log().ErrorContext(ctx, "flag translation", "site", t.Site, "entry", t.ID, "error", err.Error())
		}
	}
}

// RequestReview marks a draft ready for review with a note to the
// reviewer. Editors may. Returns EINVALID, ENOTFOUND, EPRECONDITION,
// ECONFLICT (not a draft), EFORBIDDEN.
func (s *Service) RequestReview(ctx context.Context, p Principal, site, id string, version int64, note string) (*Entry, error) {
	if _, err := s.writableSite(ctx, p, site, RoleEditor); err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	if len([]rune(note)) > MaxNoteLen {
		return nil, &Error{Code: EINVALID, Message: "invalid fields: note",
			Fields: []FieldError{{Field: "note", Reason: fmt.Sprintf("must be at most %d characters", MaxNoteLen)}}}
	}
	e, err := s.versioned(ctx, site, id, version)
	if err != nil {
		return nil, err
	}
	if e.Status != StatusDraft {
		return nil, Errorf(ECONFLICT, "only drafts go to review; entry %q is %s", id, e.Status)
	}
	now := s.now()
	e.ReviewRequestedAt, e.ReviewNote = now, note
	stamp(e, p, now, "review")
	if err := s.Store.UpdateEntry(ctx, e); err != nil {
		return nil, err
	}
	return e, nil
}

// versioned reads an entry and checks an expected version (0: any).
func (s *Service) versioned(ctx context.Context, site, id string, version int64) (*Entry, error) {
	e, err := s.entry(ctx, site, id)
	if err != nil {
		return nil, err
	}
	if version != 0 && e.Version != version {
		return nil, Errorf(EPRECONDITION, "the entry has changed (version %d, If-Match says %d); read it again", e.Version, version)
	}
	return e, nil
}

// RevisionSummary describes one revision without its content.
type RevisionSummary struct {
	Version int64    `json:"version"`
	Change  Change   `json:"change"`
	Status  string   `json:"status"`
	Fields  []string `json:"fields"` // the fields this revision changed
}

// Revisions lists the revisions of an entry to a viewer, oldest first,
// with the fields each one changed. Returns ENOTFOUND, EFORBIDDEN.
func (s *Service) Revisions(ctx context.Context, p Principal, site, id string) ([]RevisionSummary, error) {
	if err := require(p, site, RoleViewer); err != nil {
		return nil, err
	}
	var out []RevisionSummary
	var prev *Entry
	after := int64(0)
	for range MaxListPages {
		revs, err := s.Store.Revisions(ctx, site, id, after, MaxPageSize)
		if IsCode(err, ENOTFOUND) {
			return nil, Errorf(ENOTFOUND, "no entry %q in site %q", id, site)
		} else if err != nil {
			return nil, err
		}
		for _, r := range revs {
			if r.Version <= after {
				return nil, fmt.Errorf("revisions of entry %s: version %d after version %d", id, r.Version, after)
			}
			sum := RevisionSummary{Version: r.Version, Change: r.LastChange, Status: r.Status, Fields: []string{}}
			for _, d := range DiffEntries(prev, r) {
				sum.Fields = append(sum.Fields, d.Field)
			}
			out = append(out, sum)
			prev = r
			after = r.Version
		}
		if len(revs) < MaxPageSize {
			return out, nil
		}
	}
	return nil, fmt.Errorf("revisions of entry %s: more than %d pages", id, MaxListPages)
}

// Revision returns one revision of an entry to a viewer.
func (s *Service) Revision(ctx context.Context, p Principal, site, id string, version int64) (*Entry, error) {
	if err := require(p, site, RoleViewer); err != nil {
		return nil, err
	}
	r, err := s.Store.Revision(ctx, site, id, version)
	if IsCode(err, ENOTFOUND) {
		return nil, Errorf(ENOTFOUND, "entry %q has no revision %d", id, version)
	}
	return r, err
}

// FieldDiff is the change of one field between two revisions.
type FieldDiff struct {
	Field string          `json:"field"`
	From  json.RawMessage `json:"from"`
	To    json.RawMessage `json:"to"`
}

// bookkeeping fields change with every revision and are left out of diffs.
var bookkeeping = map[string]bool{"version": true, "last_change": true, "updated_at": true, "body_html": true}

// DiffEntries compares two versions of an entry field by field (by their
// JSON names), leaving out bookkeeping fields. A nil from compares with an
// empty entry.
func DiffEntries(from, to *Entry) []FieldDiff {
	if from == nil {
		from = &Entry{}
	}
	var out []FieldDiff
	a, b := reflect.ValueOf(*from), reflect.ValueOf(*to)
	t := a.Type()
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name == "" || name == "-" || bookkeeping[name] {
			continue
		}
		x, _ := json.Marshal(a.Field(i).Interface())
		y, _ := json.Marshal(b.Field(i).Interface())
		if string(x) != string(y) {
			out = append(out, FieldDiff{Field: name, From: x, To: y})
		}
	}
	return out
}

// Diff returns the field-by-field changes from revision from to revision
// to of an entry. Returns ENOTFOUND, EFORBIDDEN.
func (s *Service) Diff(ctx context.Context, p Principal, site, id string, from, to int64) ([]FieldDiff, error) {
	a, err := s.Revision(ctx, p, site, id, from)
	if err != nil {
		return nil, err
	}
	b, err := s.Revision(ctx, p, site, id, to)
	if err != nil {
		return nil, err
	}
	d := DiffEntries(a, b)
	if d == nil {
		d = []FieldDiff{}
	}
	return d, nil
}

// Restore makes the content of an earlier revision current again, as a new
// revision. The status and dates stay as they are; restoring into a public
// entry is a change like any other and needs kind (and a note when major).
// Returns EINVALID, ENOTFOUND, EPRECONDITION, ECONFLICT, EFORBIDDEN.
func (s *Service) Restore(ctx context.Context, p Principal, site, id string, revision, version int64, kind, note string) (*Entry, error) {
	old, err := s.Revision(ctx, p, site, id, revision)
	if err != nil {
		return nil, err
	}
	patch := EntryPatch{Type: &old.Type, Title: &old.Title, Summary: &old.Summary, Body: &old.Body,
		Tags: &old.Tags, Organisations: &old.Organisations, Attachments: &old.Attachments, Pinned: &old.Pinned}
	if kind != "" {
		patch.Change = &kind
	}
	if note != "" {
		patch.ChangeNote = &note
	}
	return s.updateEntry(ctx, p, site, id, patch, version, "restore")
}

// ---- Preview links ----

// MaxPreviewLifetime bounds how long a preview link stays valid.
const MaxPreviewLifetime = 30 * 24 * time.Hour

const previewScope = "preview"

// PreviewLink is a signed link to a non-public entry.
type PreviewLink struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// CreatePreview issues a link that shows a draft or scheduled entry to a
// reviewer without a key until it expires or is revoked. Editors may.
// Returns EINVALID, ENOTFOUND, EFORBIDDEN.
func (s *Service) CreatePreview(ctx context.Context, p Principal, site, id string, lifetime time.Duration) (*PreviewLink, error) {
	if err := require(p, site, RoleEditor); err != nil {
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
	exp := s.now().Add(lifetime)
	raw := strings.Join([]string{e.Site, e.ID, strconv.FormatInt(e.PreviewGeneration, 10), strconv.FormatInt(exp.UnixMilli(), 10)}, "|")
	return &PreviewLink{Token: s.Signer.Seal(previewScope, raw), ExpiresAt: exp}, nil
}

// RevokePreviews revokes every preview link of an entry at once. Editors
// may. Returns ENOTFOUND, EPRECONDITION, EFORBIDDEN.
func (s *Service) RevokePreviews(ctx context.Context, p Principal, site, id string) (*Entry, error) {
	if err := require(p, site, RoleEditor); err != nil {
		return nil, err
	}
	e, err := s.entry(ctx, site, id)
	if err != nil {
		return nil, err
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

// Audit returns a page of a site's audit log to its admins (owners for
// the AllSites log). Returns EFORBIDDEN.
func (s *Service) Audit(ctx context.Context, p Principal, q AuditQuery) (AuditPage, error) {
	if q.Site == AllSites {
		if p.Role != RoleOwner {
			return AuditPage{}, Errorf(EFORBIDDEN, "only owner keys may read the owner audit log")
		}
	} else if err := require(p, q.Site, RoleAdmin); err != nil {
		return AuditPage{}, err
	}
	return s.Store.ListAudit(ctx, q)
}
