package centre

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// EntryInput is what a caller sets when creating an entry: its content,
// its address, and when it is public.
type EntryInput struct {
	Content
	Slug      string    `json:"slug"`
	Lang      string    `json:"lang"`
	Status    string    `json:"status"` // "", draft, published or scheduled
	PublishAt time.Time `json:"publish_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// EntryPatch changes some fields of an entry; nil fields stay as they are.
// A change to a public entry is either "major" — with a ChangeNote shown
// publicly with the date, and a new "updated" date — or "minor" (no note,
// no new date). Change may be left out: a ChangeNote alone means major.
type EntryPatch struct {
	ContentPatch
	Slug       *string    `json:"slug"`
	Lang       *string    `json:"lang"`
	PublishAt  *time.Time `json:"publish_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	Change     *string    `json:"change"` // major or minor
	ChangeNote *string    `json:"change_note"`
}

// Change kinds of a change to a public entry.
const (
	ChangeMajor = "major"
	ChangeMinor = "minor"
)

func (s *Service) render(e *Entry) error {
	if len(e.Body) > MaxBodyBytes || BodyShapeProblem(e.Body) != "" || s.Render == nil {
		e.BodyHTML = ""
		return nil
	}
	html, err := s.Render(e.Body)
	if err != nil {
		return err
	}
	e.BodyHTML = html
	return nil
}

// CreateEntry creates an entry, as a draft unless in.Status asks to publish
// or schedule it and p is a publisher. Returns EINVALID, ECONFLICT (slug
// taken, archived site), ENOTFOUND, EFORBIDDEN.
func (s *Service) CreateEntry(ctx context.Context, p Principal, site string, in EntryInput) (*Entry, error) {
	st, err := s.writableSite(ctx, p, site, RoleEditor)
	if err != nil {
		return nil, err
	}
	now := s.now()
	e := &Entry{
		ID: NewID(now), Site: site, Content: in.Content, Slug: in.Slug, Lang: in.Lang, Status: StatusDraft,
		PublishAt: in.PublishAt.UTC().Truncate(time.Millisecond), CreatedAt: now, UpdatedAt: now, CreatedBy: p.Actor(),
		ExpiresAt: in.ExpiresAt.UTC().Truncate(time.Millisecond), EditedBy: p.Actor(),
	}
	stamp(e, p, now, "create")
	addOwnOrganisation(p, e)
	if e.Lang == "" {
		e.Lang = st.DefaultLanguage()
	}
	derived := e.Slug == ""
	if derived {
		e.Slug = Slugify(e.Title)
	}
	var extra Problems
	switch in.Status {
	case "", StatusDraft:
	case StatusPublished, StatusScheduled:
		if err := require(p, site, RolePublisher); err != nil {
			return nil, Errorf(EFORBIDDEN, "creating an entry as %s needs the publisher role; the key has %s", in.Status, p.Role)
		}
		if st.ReviewRequired {
			return nil, Errorf(ECONFLICT, "site %q requires approval before publication: create the entry as a draft and have another publisher approve it", site)
		}
		s.release(e, now)
		e.LastChange.Action = releaseAction(e)
		if in.Status == StatusScheduled && e.Status != StatusScheduled {
			extra.Add("publish_at", "must be in the future for a scheduled entry")
		}
	default:
		extra.Add("status", "must be draft, published or scheduled when creating")
	}
	if err := s.prepare(ctx, e, st, &extra); err != nil {
		return nil, err
	}
	if e.Status == StatusPublished {
		e.Announce(announcement(e, NotifyPublished, now, true))
	}
	if err := s.markFiles(ctx, e); err != nil {
		return nil, err
	}
	err = s.Store.CreateEntry(ctx, e)
	if derived { // a slug taken in that language gets a free variant: -2, -3 …
		base := e.Slug
		for n := 2; IsCode(err, ECONFLICT) && n <= MaxDerivedSlugs; n++ {
			e.Slug = numberedSlug(base, n)
			if a := e.Announcement(); a != nil {
				a.Slug = e.Slug
			}
			err = s.Store.CreateEntry(ctx, e)
		}
	}
	if err != nil {
		return nil, slugConflict(err, e)
	}
	return e, nil
}

// MaxDerivedSlugs bounds the variants of a derived slug CreateEntry tries
// (title-2 … title-50) before it gives up with ECONFLICT.
const MaxDerivedSlugs = 50

// numberedSlug returns base with the suffix -n, trimmed to fit MaxSlugLen.
func numberedSlug(base string, n int) string {
	suffix := "-" + strconv.Itoa(n)
	if len(base)+len(suffix) > MaxSlugLen {
		base = strings.TrimRight(base[:MaxSlugLen-len(suffix)], "-")
	}
	return base + suffix
}

// prepare completes and checks an entry before it is stored: its expiry,
// its rendered body, what its files say (see resolveFiles), and every
// field (with the problems found so far).
func (s *Service) prepare(ctx context.Context, e *Entry, site *Site, extra *Problems) error {
	checkExpiry(e, extra)
	if err := s.resolveFiles(ctx, e, extra); err != nil {
		return err
	}
	if err := s.render(e); err != nil {
		return err
	}
	return joinProblems(e.Validate(site), extra)
}

func releaseAction(e *Entry) string {
	if e.Status == StatusScheduled {
		return "schedule"
	}
	return "publish"
}

// checkExpiry refuses an expiry that is not after the publication time.
func checkExpiry(e *Entry, p *Problems) {
	if e.ExpiresAt.IsZero() {
		return
	}
	start := e.PublishAt
	if !e.PublishedAt.IsZero() {
		start = e.PublishedAt
	}
	if !start.IsZero() && !e.ExpiresAt.After(start) {
		p.Add("expires_at", "must be after the publication time")
	}
}

// release publishes e now, or schedules it if its PublishAt is in the future.
func (s *Service) release(e *Entry, now time.Time) {
	if !e.PublishAt.IsZero() && e.PublishAt.After(now) {
		e.Status = StatusScheduled
		return
	}
	e.Status = StatusPublished
	if e.PublishedAt.IsZero() {
		e.PublishedAt = now
		if !e.PublishAt.IsZero() {
			e.PublishedAt = e.PublishAt
		}
		e.UpdatedAt = e.PublishedAt
	}
}

func joinProblems(err error, extra *Problems) error {
	if err == nil {
		return extra.Err()
	}
	var e *Error
	if errors.As(err, &e) && e.Code == EINVALID {
		extra.list = append(extra.list, e.Fields...)
		return extra.Err()
	}
	return err
}

func slugConflict(err error, e *Entry) error {
	if IsCode(err, ECONFLICT) {
		return &Error{Code: ECONFLICT, Message: "slug " + e.Slug + " is already taken in language " + e.Lang,
			Fields: []FieldError{{Field: "slug", Reason: "already taken"}}}
	}
	return err
}

// Entry returns any entry of site by ID to a viewer. ENOTFOUND, EFORBIDDEN.
func (s *Service) Entry(ctx context.Context, p Principal, site, id string) (*Entry, error) {
	if err := require(p, site, RoleViewer); err != nil {
		return nil, err
	}
	return s.entry(ctx, site, id)
}

func (s *Service) entry(ctx context.Context, site, id string) (*Entry, error) {
	e, err := s.Store.GetEntry(ctx, site, id)
	if IsCode(err, ENOTFOUND) {
		return nil, Errorf(ENOTFOUND, "no entry %q in site %q", id, site)
	}
	return e, err
}

// Entries lists entries of site in every status (or q.Status) to a viewer.
func (s *Service) Entries(ctx context.Context, p Principal, q EntryQuery) (EntryPage, error) {
	if err := require(p, q.Site, RoleViewer); err != nil {
		return EntryPage{}, err
	}
	if q.Status != "" && !ValidStatus(q.Status) {
		return EntryPage{}, &Error{Code: EINVALID, Message: "invalid fields: status",
			Fields: []FieldError{{Field: "status", Reason: "must be one of " + strings.Join(Statuses, ", ")}}}
	}
	q.Public = false
	return s.Store.ListEntries(ctx, q)
}

// EntriesBySlug returns, to a viewer, every language version of the
// site's entry with that slug, in any status, ordered by language (none:
// an empty list). Returns EINVALID (not a slug), EFORBIDDEN.
func (s *Service) EntriesBySlug(ctx context.Context, p Principal, site, slug string) ([]*Entry, error) {
	if err := require(p, site, RoleViewer); err != nil {
		return nil, err
	}
	if !ValidSlug(slug) {
		return nil, &Error{Code: EINVALID, Message: "invalid fields: slug",
			Fields: []FieldError{{Field: "slug", Reason: fmt.Sprintf("must be 1-%d lowercase letters, digits and single hyphens", MaxSlugLen)}}}
	}
	all, err := s.Store.EntriesBySlug(ctx, site, slug)
	if IsCode(err, ENOTFOUND) {
		return []*Entry{}, nil
	}
	return all, err
}

// PublicEntries lists public entries of a site. An empty first page of a
// site that does not exist is ENOTFOUND.
func (s *Service) PublicEntries(ctx context.Context, q EntryQuery) (EntryPage, error) {
	q.Public, q.Status, q.Now = true, "", s.now()
	page, err := s.Store.ListEntries(ctx, q)
	if err != nil {
		return page, err
	}
	if len(page.Items) == 0 && q.After == "" {
		if _, err := s.Site(ctx, q.Site); err != nil {
			return page, err
		}
	}
	return page, nil
}

// PublicEntry returns the public language versions of an entry by slug:
// the one in lang if given (ENOTFOUND if absent), else all of them.
func (s *Service) PublicEntry(ctx context.Context, site, slug, lang string) ([]*Entry, error) {
	all, err := s.Store.PublicEntriesBySlug(ctx, site, slug)
	if err != nil && !IsCode(err, ENOTFOUND) {
		return nil, err
	}
	var out []*Entry
	for _, e := range all {
		if e.Public() && (lang == "" || strings.EqualFold(e.Lang, lang)) {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		if lang != "" {
			return nil, Errorf(ENOTFOUND, "no public entry %q in language %q", slug, lang)
		}
		return nil, Errorf(ENOTFOUND, "no public entry %q", slug)
	}
	return out, nil
}

// UpdateEntry applies patch when the entry's version equals version (0:
// any version; the staff API always sends one).
// Editors may change drafts; changing an entry that is scheduled or public
// needs the publisher role. Returns EINVALID, ENOTFOUND, EPRECONDITION,
// ECONFLICT, EFORBIDDEN.
func (s *Service) UpdateEntry(ctx context.Context, p Principal, site, id string, patch EntryPatch, version int64) (*Entry, error) {
	return s.updateEntry(ctx, p, site, id, patch, version, "update")
}

func (s *Service) updateEntry(ctx context.Context, p Principal, site, id string, patch EntryPatch, version int64, action string) (*Entry, error) {
	st, err := s.writableSite(ctx, p, site, RoleEditor)
	if err != nil {
		return nil, err
	}
	e, err := s.versioned(ctx, site, id, version)
	if err != nil {
		return nil, err
	}
	if err := inScope(p, e); err != nil {
		return nil, err
	}
	if e.Status != StatusDraft {
		if err := require(p, site, RolePublisher); err != nil {
			return nil, Errorf(EFORBIDDEN, "changing a %s entry needs the publisher role; the key has %s", e.Status, p.Role)
		}
	}
	if e.Status == StatusWithdrawn {
		return nil, Errorf(ECONFLICT, "entry %q is withdrawn and can no longer be changed", id)
	}
	if e.Status == StatusScheduled && st.ReviewRequired {
		return nil, Errorf(ECONFLICT, "entry %q is scheduled on a site that requires approval: unschedule it, change it and have the change approved again", id)
	}
	if e.Status == StatusPublished && (st.ReviewRequired || e.Pending != nil) {
		return s.holdChange(ctx, p, st, e, patch, action)
	}
	now := s.now()
	var extra Problems
	wasPublic := e.Public()
	stamp(e, p, now, action)
	e.EditedBy = p.Actor()
	e.clearApproval() // the approved content is no longer the content
	kind := patch.changeKind(wasPublic, &extra)
	e.LastChange.Kind = kind
	patch.apply(e, now, &extra)
	if err := keepsOwnOrganisation(p, e); err != nil {
		return nil, err
	}
	if kind == ChangeMajor && wasPublic {
		addChangeNote(e, patch.ChangeNote, now, &extra)
	}
	if !wasPublic {
		e.UpdatedAt = now
	}
	e.OutdatedSince = time.Time{} // an updated translation is current again
	if err := s.prepare(ctx, e, st, &extra); err != nil {
		return nil, err
	}
	if kind == ChangeMajor && e.Status == StatusPublished {
		e.Announce(announcement(e, NotifyUpdated, now, false))
	}
	if err := s.markFiles(ctx, e); err != nil {
		return nil, err
	}
	if err := s.Store.UpdateEntry(ctx, e); err != nil {
		return nil, slugConflict(err, e)
	}
	if kind == ChangeMajor {
		s.flagTranslations(ctx, st, e, p)
	}
	return e, nil
}

// holdChange records patch as the held change of the published entry e
// (Entry.Pending) instead of making it public: on a site with the
// two-person rule, or while a change is already held (which the patch
// then changes further). It is checked like a public change — its kind
// and note, every field, its files — but the entry's public content,
// dates and change notes stay as they are until the change is approved
// and published. A held change that was major stays major. The address
// (slug, language) and the publication time do not change this way.
func (s *Service) holdChange(ctx context.Context, p Principal, st *Site, e *Entry, patch EntryPatch, action string) (*Entry, error) {
	now := s.now()
	var extra Problems
	if patch.Lang != nil && *patch.Lang != e.Lang {
		extra.Add("lang", "cannot change while the entry is public on a site that requires approval; create a translation instead")
	}
	if patch.PublishAt != nil && !patch.PublishAt.Equal(e.PublishAt) {
		extra.Add("publish_at", "cannot change once the entry is public")
	}
	next := *e.Proposed()
	next.Tags, next.Organisations = slices.Clone(next.Tags), slices.Clone(next.Organisations)
	next.Attachments, next.Image.Widths = slices.Clone(next.Attachments), slices.Clone(next.Image.Widths)
	next.ChangeNotes = nil
	kind := patch.changeKind(true, &extra)
	patch.Lang, patch.PublishAt = nil, nil
	patch.apply(&next, now, &extra)
	if err := keepsOwnOrganisation(p, &next); err != nil {
		return nil, err
	}
	note := ""
	if kind == ChangeMajor {
		addChangeNote(&next, patch.ChangeNote, now, &extra)
		note = next.LastChange.Note
	}
	if held := e.Pending; held != nil && held.Kind == ChangeMajor && kind == ChangeMinor {
		kind, note = ChangeMajor, held.Note
	}
	if err := s.prepare(ctx, &next, st, &extra); err != nil {
		return nil, err
	}
	stamp(e, p, now, action)
	e.LastChange.Kind, e.LastChange.Note = kind, note
	e.EditedBy = p.Actor()
	e.clearApproval() // the approved change is no longer the change
	e.Pending = &PendingChange{Content: next.Content, ExpiresAt: next.ExpiresAt, Kind: kind, Note: note, At: now}
	if err := s.Store.UpdateEntry(ctx, e); err != nil {
		return nil, err
	}
	return e, nil
}

// changeKind returns the kind of change the patch says it is (a change
// note alone means major), adding a problem if that does not fit the
// entry: only changes to a public entry have a kind, and they must.
func (patch *EntryPatch) changeKind(wasPublic bool, extra *Problems) string {
	kind := ""
	if patch.Change != nil {
		kind = *patch.Change
	} else if patch.ChangeNote != nil {
		kind = ChangeMajor
	}
	switch {
	case !wasPublic && kind != "":
		extra.Add("change", "only changes to a public entry are major or minor")
	case wasPublic && kind == "":
		extra.Add("change", "say whether this change to a public entry is major (with a public change_note) or minor")
	case wasPublic && kind != ChangeMajor && kind != ChangeMinor:
		extra.Add("change", "must be major or minor")
	case kind == ChangeMinor && patch.ChangeNote != nil:
		extra.Add("change_note", "a minor change has no public note; make it major to explain it")
	}
	return kind
}

// apply changes e by the patch: its content, its address (a slug stays
// once the entry has been public) and its times (a scheduled entry's
// publication time must stay in the future).
func (patch *EntryPatch) apply(e *Entry, now time.Time, extra *Problems) {
	if patch.Slug != nil && *patch.Slug != e.Slug && e.EverPublic() {
		extra.Add("slug", "cannot change once the entry has been public (its address must stay stable)")
	}
	patch.ContentPatch.Apply(&e.Content)
	set(&e.Slug, patch.Slug)
	set(&e.Lang, patch.Lang)
	if patch.ExpiresAt != nil {
		e.ExpiresAt = patch.ExpiresAt.UTC().Truncate(time.Millisecond)
	}
	if patch.PublishAt != nil {
		e.PublishAt = patch.PublishAt.UTC().Truncate(time.Millisecond)
		if e.Status == StatusScheduled && (e.PublishAt.IsZero() || !e.PublishAt.After(now)) {
			extra.Add("publish_at", "must be in the future for a scheduled entry; publish it instead")
		}
	}
}

// addChangeNote records the public note of a major change to a public
// entry, which dates the entry's last update.
func addChangeNote(e *Entry, changeNote *string, now time.Time, extra *Problems) {
	note := ""
	if changeNote != nil {
		note = strings.TrimSpace(*changeNote)
	}
	if note == "" || len([]rune(note)) > MaxNoteLen {
		extra.Add("change_note", "a major change needs a public note of 1-%d characters", MaxNoteLen)
		return
	}
	e.ChangeNotes = append(e.ChangeNotes, ChangeNote{At: now, Note: note})
	e.UpdatedAt = now
	e.LastChange.Note = note
}

// DeleteEntry deletes a draft that was never public. Returns ENOTFOUND,
// EPRECONDITION, ECONFLICT (not a never-published draft), EFORBIDDEN.
func (s *Service) DeleteEntry(ctx context.Context, p Principal, site, id string, version int64) error {
	if _, err := s.writableSite(ctx, p, site, RoleEditor); err != nil {
		return err
	}
	e, err := s.versioned(ctx, site, id, version)
	if err != nil {
		return err
	}
	if err := inScope(p, e); err != nil {
		return err
	}
	if e.Status != StatusDraft || e.EverPublic() {
		return Errorf(ECONFLICT, "only drafts that were never published can be deleted; withdraw entry %q instead", id)
	}
	return s.Store.DeleteEntry(ctx, site, id, e.Version)
}
