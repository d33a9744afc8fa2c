package centre

import (
	"context"
	"errors"
	"fmt"
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
	if err := inScope(p, e); err != nil {
		return nil, err
	}
	if e.Status != StatusDraft {
		return nil, Errorf(ECONFLICT, "only drafts go to review; entry %q is %s", id, e.Status)
	}
	now := s.now()
	e.ReviewRequestedAt, e.ReviewNote = now, note
	e.ChangesRequestedAt, e.ChangesRequestedBy, e.ChangesNote = time.Time{}, "", ""
	stamp(e, p, now, "review")
	if err := s.Store.UpdateEntry(ctx, e); err != nil {
		return nil, err
	}
	return e, nil
}

// Approve records that p, a publisher other than whoever last changed the
// entry's content (Entry.Editor), approves its current content (version,
// if not 0, must match), with an optional note to the author: on a site
// with the two-person rule (Site.ReviewRequired) the entry may then be
// published. The entry must be a draft, or a published entry whose change
// is to be published (Publish with a change note). Approving ends the
// review (ReviewRequestedAt) and any request for changes. Returns
// EINVALID (note), ENOTFOUND, EPRECONDITION, ECONFLICT (another status,
// already approved, or p is the author), EFORBIDDEN.
func (s *Service) Approve(ctx context.Context, p Principal, site, id string, version int64, note string) (*Entry, error) {
	if _, err := s.writableSite(ctx, p, site, RolePublisher); err != nil {
		return nil, err
	}
	note, err := checkNote("note", note, false)
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
	switch {
	case e.Status != StatusDraft && e.Status != StatusPublished:
		return nil, Errorf(ECONFLICT, "entry %q is %s; only drafts and changes to published entries are approved", id, e.Status)
	case e.Approved():
		return nil, Errorf(ECONFLICT, "entry %q is already approved (by %s)", id, e.ApprovedBy)
	case e.Editor() == p.Actor():
		return nil, Errorf(ECONFLICT, "you made the last change to entry %q: someone else must approve it", id)
	}
	now := s.now()
	e.ApprovedAt, e.ApprovedBy, e.ApprovalNote = now, p.Actor(), note
	e.ReviewRequestedAt, e.ReviewNote = time.Time{}, ""
	e.ChangesRequestedAt, e.ChangesRequestedBy, e.ChangesNote = time.Time{}, "", ""
	stamp(e, p, now, "approve")
	if err := s.Store.UpdateEntry(ctx, e); err != nil {
		return nil, err
	}
	return e, nil
}

// RequestChanges sends a draft, or a change held for approval (Pending),
// back to its author from review with a note (required) saying what to
// change: it is no longer awaiting review nor approved. Publishers may.
// Returns EINVALID (note), ENOTFOUND, EPRECONDITION, ECONFLICT (not a
// draft nor a held change), EFORBIDDEN.
func (s *Service) RequestChanges(ctx context.Context, p Principal, site, id string, version int64, note string) (*Entry, error) {
	if _, err := s.writableSite(ctx, p, site, RolePublisher); err != nil {
		return nil, err
	}
	note, err := checkNote("note", note, true)
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
	if e.Status != StatusDraft && (e.Status != StatusPublished || e.Pending == nil) {
		return nil, Errorf(ECONFLICT, "only drafts and changes held for approval are sent back; entry %q is %s", id, e.Status)
	}
	now := s.now()
	e.ChangesRequestedAt, e.ChangesRequestedBy, e.ChangesNote = now, p.Actor(), note
	e.ReviewRequestedAt, e.ReviewNote = time.Time{}, ""
	e.clearApproval()
	stamp(e, p, now, "request-changes")
	if err := s.Store.UpdateEntry(ctx, e); err != nil {
		return nil, err
	}
	return e, nil
}

// checkNote trims a note to staff and checks its length (1 or 0 to
// MaxNoteLen characters): EINVALID names field.
func checkNote(field, note string, required bool) (string, error) {
	note = strings.TrimSpace(note)
	n := len([]rune(note))
	if n > MaxNoteLen || required && n == 0 {
		low := 0
		if required {
			low = 1
		}
		return "", &Error{Code: EINVALID, Message: "invalid fields: " + field,
			Fields: []FieldError{{Field: field, Reason: fmt.Sprintf("must be %d to %d characters", low, MaxNoteLen)}}}
	}
	return note, nil
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

// Publish makes a draft public now, or schedules it when its PublishAt is
// in the future. Publishing an entry that is already published records a
// major update and needs a change note. If version is not 0 it must match.
// On a site with the two-person rule (Site.ReviewRequired) the entry's
// current content must have been approved (Approve) first; publishing
// uses the approval up. Returns ENOTFOUND, EPRECONDITION, ECONFLICT (also:
// not approved), EINVALID, EFORBIDDEN.
func (s *Service) Publish(ctx context.Context, p Principal, site, id string, version int64, changeNote string) (*Entry, error) {
	return s.publish(ctx, p, site, id, version, changeNote, "")
}

// ForcePublish is Publish for an owner who publishes without the approval
// a site's two-person rule asks for, giving a reason of 1-MaxReasonLen
// characters; the reason is kept in the entry's history (LastChange.Reason
// of the revision it makes). Returns what Publish does, EINVALID without a
// reason, and EFORBIDDEN for anyone but an owner.
func (s *Service) ForcePublish(ctx context.Context, p Principal, site, id string, version int64, changeNote, reason string) (*Entry, error) {
	if p.Role != RoleOwner {
		return nil, Errorf(EFORBIDDEN, "only owners may publish without approval; ask a publisher to approve the entry")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || len([]rune(reason)) > MaxReasonLen {
		return nil, &Error{Code: EINVALID, Message: "invalid fields: force_reason",
			Fields: []FieldError{{Field: "force_reason", Reason: fmt.Sprintf("a reason of 1-%d characters is required to publish without approval", MaxReasonLen)}}}
	}
	return s.publish(ctx, p, site, id, version, changeNote, reason)
}

func (s *Service) publish(ctx context.Context, p Principal, site, id string, version int64, changeNote, force string) (*Entry, error) {
	st, err := s.writableSite(ctx, p, site, RolePublisher)
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
	now := s.now()
	note := strings.TrimSpace(changeNote)
	if len([]rune(note)) > MaxNoteLen {
		return nil, &Error{Code: EINVALID, Message: "invalid fields: change_note", Fields: []FieldError{{Field: "change_note", Reason: "must be at most 500 characters"}}}
	}
	if st.ReviewRequired && force == "" && e.Status != StatusWithdrawn && e.Status != StatusScheduled {
		if !e.Approved() {
			return nil, Errorf(ECONFLICT, "site %q requires approval before publication: another publisher must approve entry %q (version %d) first", site, id, e.Version)
		}
		if e.ApprovedBy == e.Editor() {
			return nil, Errorf(ECONFLICT, "entry %q was approved by its own author; another publisher must approve it", id)
		}
	}
	kind := NotifyPublished
	switch e.Status {
	case StatusWithdrawn:
		return nil, Errorf(ECONFLICT, "entry %q is withdrawn and cannot be published again; create a new entry", id)
	case StatusPublished:
		if e.Pending != nil {
			if err := s.publishHeld(ctx, p, st, e, note, now); err != nil {
				return nil, err
			}
			kind = NotifyUpdated
			if e.LastChange.Kind != ChangeMajor {
				kind = "" // a minor change announces nothing, as when made directly
			}
			break
		}
		if note == "" {
			return nil, &Error{Code: EINVALID, Message: "invalid fields: change_note",
				Fields: []FieldError{{Field: "change_note", Reason: "is required to re-publish an entry that is already published"}}}
		}
		e.ChangeNotes = append(e.ChangeNotes, ChangeNote{At: now, Note: note})
		e.UpdatedAt = now
		stamp(e, p, now, "update")
		e.LastChange.Kind, e.LastChange.Note = ChangeMajor, note
		kind = NotifyUpdated
	default:
		if note != "" {
			return nil, &Error{Code: EINVALID, Message: "invalid fields: change_note",
				Fields: []FieldError{{Field: "change_note", Reason: "applies only to an entry that is already public; a first publication has no change note"}}}
		}
		s.release(e, now)
		stamp(e, p, now, releaseAction(e))
		e.ReviewRequestedAt, e.ReviewNote = time.Time{}, ""
	}
	e.LastChange.Reason = force
	if e.Status == StatusScheduled && st.ReviewRequired {
		// The approval goes with the entry to its release, so that
		// PublishDue can tell it from one scheduled before the rule; an
		// owner's forced scheduling counts as theirs.
		if force != "" {
			e.ApprovedAt, e.ApprovedBy, e.ApprovalNote = now, p.Actor(), ""
		}
	} else {
		e.clearApproval()
	}
	e.ChangesRequestedAt, e.ChangesRequestedBy, e.ChangesNote = time.Time{}, "", ""
	if err := e.Validate(st); err != nil {
		return nil, err
	}
	if e.Status == StatusPublished && kind != "" { // not when it was only scheduled
		e.Announce(announcement(e, kind, now, false))
	}
	if err := s.markFiles(ctx, e); err != nil {
		return nil, err
	}
	if err := s.Store.UpdateEntry(ctx, e); err != nil {
		return nil, err
	}
	if e.LastChange.Kind == ChangeMajor {
		s.flagTranslations(ctx, st, e, p)
	}
	return e, nil
}

// publishHeld makes the held change of the published entry e (Pending)
// its public content: a major change with its note (note, if given,
// replaces the note held), dating the entry's update; a minor one
// without a note or a new date.
func (s *Service) publishHeld(ctx context.Context, p Principal, st *Site, e *Entry, note string, now time.Time) error {
	held := e.Pending
	if held.Kind == ChangeMinor && note != "" {
		return &Error{Code: EINVALID, Message: "invalid fields: change_note",
			Fields: []FieldError{{Field: "change_note", Reason: "the change held is minor: it has no public note (make it major in the editor to explain it)"}}}
	}
	if note == "" {
		note = held.Note
	}
	e.Content, e.ExpiresAt, e.Pending = held.Content, held.ExpiresAt, nil
	stamp(e, p, now, "update")
	e.LastChange.Kind = held.Kind
	if held.Kind == ChangeMajor {
		e.ChangeNotes = append(e.ChangeNotes, ChangeNote{At: now, Note: note})
		e.UpdatedAt = now
		e.LastChange.Note = note
	}
	e.OutdatedSince = time.Time{}
	var extra Problems
	return s.prepare(ctx, e, st, &extra)
}

// Unschedule turns a scheduled entry back into a draft.
func (s *Service) Unschedule(ctx context.Context, p Principal, site, id string, version int64) (*Entry, error) {
	if _, err := s.writableSite(ctx, p, site, RolePublisher); err != nil {
		return nil, err
	}
	e, err := s.versioned(ctx, site, id, version)
	if err != nil {
		return nil, err
	}
	if err := inScope(p, e); err != nil {
		return nil, err
	}
	if e.Status != StatusScheduled {
		return nil, Errorf(ECONFLICT, "entry %q is %s, not scheduled", id, e.Status)
	}
	e.Status, e.UpdatedAt = StatusDraft, s.now()
	stamp(e, p, e.UpdatedAt, "unschedule")
	if err := s.Store.UpdateEntry(ctx, e); err != nil {
		return nil, err
	}
	return e, nil
}

// Withdraw takes a published entry out of circulation: it stays publicly
// readable, marked withdrawn with the reason (and what supersedes it).
// Returns EINVALID (no reason), ENOTFOUND, EPRECONDITION, ECONFLICT, EFORBIDDEN.
func (s *Service) Withdraw(ctx context.Context, p Principal, site, id string, version int64, reason, supersededBy string) (*Entry, error) {
	st, err := s.writableSite(ctx, p, site, RolePublisher)
	if err != nil {
		return nil, err
	}
	var pr Problems
	reason = strings.TrimSpace(reason)
	if reason == "" || len([]rune(reason)) > MaxReasonLen {
		pr.Add("reason", "a public reason of 1-%d characters is required", MaxReasonLen)
	}
	if supersededBy != "" && !ValidSlug(supersededBy) {
		pr.Add("superseded_by", "must be the slug of another entry")
	}
	if err := pr.Err(); err != nil {
		return nil, err
	}
	e, err := s.versioned(ctx, site, id, version)
	if err != nil {
		return nil, err
	}
	if err := inScope(p, e); err != nil {
		return nil, err
	}
	if e.Status != StatusPublished {
		return nil, Errorf(ECONFLICT, "only published entries can be withdrawn; entry %q is %s", id, e.Status)
	}
	if supersededBy != "" {
		if _, err := s.PublicEntry(ctx, site, supersededBy, ""); err != nil {
			if IsCode(err, ENOTFOUND) {
				return nil, &Error{Code: EINVALID, Message: "invalid fields: superseded_by",
					Fields: []FieldError{{Field: "superseded_by", Reason: "no public entry has slug " + supersededBy}}}
			}
			return nil, err
		}
	}
	now := s.now()
	e.Status, e.WithdrawnAt, e.WithdrawnReason, e.SupersededBy = StatusWithdrawn, now, reason, supersededBy
	e.Pending = nil // a withdrawn entry changes no more: a held change is dropped
	stamp(e, p, now, "withdraw")
	if err := e.Validate(st); err != nil {
		return nil, err
	}
	e.Announce(announcement(e, NotifyWithdrawn, now, false))
	if err := s.Store.UpdateEntry(ctx, e); err != nil {
		return nil, err
	}
	return e, nil
}

// PublishDue publishes every scheduled entry whose time has come and
// returns how many it published. Entries of an archived (read-only) site
// stay scheduled until an owner reopens it. Safe to run concurrently: an
// entry another run published first is skipped.
func (s *Service) PublishDue(ctx context.Context) (int, error) {
	// Held-back entries stay due and come first again in the next batch,
	// so each batch asks for as many more as were held back (up to
	// maxHeld), and the others are not starved behind them.
	const batch, maxHeld = 50, 1000
	n, held := 0, 0
	type rules struct{ archived, review bool }
	sites := map[string]rules{} // site slug → its rules, read once per run
	for {
		limit := batch + min(held, maxHeld)
		due, err := s.Store.DueEntries(ctx, s.now(), limit)
		if err != nil {
			return n, err
		}
		progressed := false
		held = 0
		for _, e := range due {
			rule, seen := sites[e.Site]
			if !seen {
				site, err := s.Store.GetSite(ctx, e.Site)
				if err != nil && !IsCode(err, ENOTFOUND) {
					return n, err
				}
				rule = rules{archived: err == nil && site.Status == SiteArchived, review: err == nil && site.ReviewRequired}
				sites[e.Site] = rule
			}
			if rule.archived {
				held++
				continue
			}
			if rule.review && !e.Approved() {
				// Scheduled before the site required approval: never
				// released unapproved; back to review instead.
				if err := s.holdUnapproved(ctx, e); err != nil {
					return n, err
				}
				progressed = true
				continue
			}
			marks, err := s.unmarkedFiles(ctx, e)
			if IsCode(err, ECONFLICT) {
				// A file it uses was deleted while it waited: releasing it
				// would publish a broken attachment or image.
				var why *Error
				errors.As(err, &why)
				when := e.PublishAt.UTC().Format("2006-01-02 15:04 UTC")
				if err := s.holdBack(ctx, e, "Scheduled for "+when+", but "+why.Message+"; it was not published: publish or schedule it again."); err != nil {
					return n, err
				}
				progressed = true
				continue
			}
			if err != nil {
				return n, err
			}
			e.Status = StatusPublished
			now := s.now()
			stamp(e, Principal{KeyID: "publisher"}, now, "release")
			e.ReviewRequestedAt, e.ReviewNote = time.Time{}, ""
			e.clearApproval() // publishing uses the approval up
			if e.PublishedAt.IsZero() {
				e.PublishedAt = e.PublishAt
				e.UpdatedAt = e.PublishAt
			}
			// The entry is public from this write on (the public read
			// side shows published entries only): that is when its
			// announcement is due, not PublishAt, a little earlier.
			e.Announce(announcement(e, NotifyPublished, now, false))
			if len(marks) > 0 {
				e.MarkFiles(&FileMarks{Files: marks, At: now})
			}
			err = s.Store.UpdateEntry(ctx, e)
			switch {
			case err == nil:
				n++
				progressed = true
				s.log().InfoContext(ctx, "published scheduled entry", "site", e.Site, "entry", e.ID, "publish_at", e.PublishAt)
			case IsCode(err, EPRECONDITION), IsCode(err, ENOTFOUND):
				// Another run (or an editor) changed it first.
			default:
				return n, err
			}
		}
		if len(due) < limit {
			return n, nil
		}
		if !progressed && batch+min(held, maxHeld) <= limit {
			if held >= maxHeld {
				s.log().WarnContext(ctx, "more scheduled entries of archived sites are due than one run looks past", "held", held)
			}
			return n, nil // the next batch would show nothing new
		}
	}
}

// holdUnapproved turns a due scheduled entry of a site with the two-person
// rule that nobody approved (it was scheduled before the rule) back into a
// draft awaiting review, saying why, instead of publishing it. An entry
// changed meanwhile by someone else is left to them.
func (s *Service) holdUnapproved(ctx context.Context, e *Entry) error {
	when := e.PublishAt.UTC().Format("2006-01-02 15:04 UTC")
	return s.holdBack(ctx, e, "Scheduled for "+when+" before the site required approval, so it was not published: a publisher other than its author approves it, then it is published or scheduled again.")
}

// holdBack puts the scheduled entry e back into a draft awaiting review,
// with note saying why it was not released. An entry changed meanwhile by
// someone else is left to them.
func (s *Service) holdBack(ctx context.Context, e *Entry, note string) error {
	now := s.now()
	e.Status = StatusDraft
	e.ReviewRequestedAt = now
	e.ReviewNote = note
	e.Announce(nil)
	e.MarkFiles(nil)
	stamp(e, Principal{KeyID: "publisher"}, now, "hold")
	err := s.Store.UpdateEntry(ctx, e)
	switch {
	case err == nil:
		s.log().WarnContext(ctx, "held a scheduled entry back", "site", e.Site, "entry", e.ID, "publish_at", e.PublishAt, "why", note)
	case IsCode(err, EPRECONDITION), IsCode(err, ENOTFOUND):
	default:
		return err
	}
	return nil
}
