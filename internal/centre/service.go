package centre

import (
	"context"
	"errors"
	"fmt"
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
}

// Signer seals a value into a tamper-proof token bound to a scope, and
// opens it again (internal/cursor implements it).
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
	e.LastChange = Change{At: at, KeyID: p.KeyID, Role: p.Role, Action: action}
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

// SetSiteStatus archives (admins) or reopens (owners) a site. If version
// is not 0 it must match. Returns ENOTFOUND, EPRECONDITION, ECONFLICT
// (already in that state), EFORBIDDEN.
func (s *Service) SetSiteStatus(ctx context.Context, p Principal, slug, status string, version int64) (*Site, error) {
	if err := require(p, slug, RoleAdmin); err != nil {
		return nil, err
	}
	site, err := s.Site(ctx, slug)
	if err != nil {
		return nil, err
	}
	if site.Status == status {
		return nil, Errorf(ECONFLICT, "site %q is already %s", slug, status)
	}
	if version == 0 {
		version = site.Version
	}
	return s.updateSite(ctx, p, site, SitePatch{Status: &status}, version)
}

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

// ---- Sites ----

// SiteInput is what a caller sets when creating a site.
type SiteInput struct {
	Slug        string   `json:"slug"`
	Title       string   `json:"title"`
	Tagline     string   `json:"tagline"`
	Description string   `json:"description"`
	Languages   []string `json:"languages"`
	Publisher   string   `json:"publisher"`
	Contact     Contact  `json:"contact"`
	Theme       Theme    `json:"theme"`
	Hosts       []string `json:"hosts"`
	// From names a site to use as a template: its theme, languages and
	// page entries (About, Contact …) are copied, and publisher, contact
	// and languages default to its own. Statements, publications, news,
	// keys and audit records are never copied.
	From string `json:"from,omitempty"`
}

// SitePatch changes some fields of a site; nil fields stay as they are.
type SitePatch struct {
	Title       *string   `json:"title"`
	Tagline     *string   `json:"tagline"`
	Description *string   `json:"description"`
	Languages   *[]string `json:"languages"`
	Publisher   *string   `json:"publisher"`
	Contact     *Contact  `json:"contact"`
	Theme       *Theme    `json:"theme"`
	Hosts       *[]string `json:"hosts"`
	Status      *string   `json:"status"`
}

func (s *Service) validateSite(site *Site) error {
	err := site.Validate()
	if s.CheckAccent != nil && site.Theme.Accent != "" && colourRE.MatchString(site.Theme.Accent) {
		if cerr := s.CheckAccent(site.Theme.Accent); cerr != nil {
			var p Problems
			if err != nil {
				var e *Error
				if errors.As(err, &e) {
					p.list = append(p.list, e.Fields...)
				}
			}
			p.Add("theme.accent", "%s", cerr.Error())
			return p.Err()
		}
	}
	return err
}

// CreateSite creates a site. Only owners may. Returns EINVALID, ECONFLICT if
// the slug is taken, EFORBIDDEN.
func (s *Service) CreateSite(ctx context.Context, p Principal, in SiteInput) (*Site, error) {
	if p.Role != RoleOwner {
		return nil, Errorf(EFORBIDDEN, "only owner keys may create sites")
	}
	now := s.now()
	site := &Site{
		Slug: in.Slug, Title: in.Title, Tagline: in.Tagline, Description: in.Description,
		Languages: in.Languages, Publisher: in.Publisher, Contact: in.Contact, Theme: in.Theme,
		Hosts: in.Hosts, Status: SiteActive, CreatedAt: now, UpdatedAt: now,
	}
	if len(site.Languages) == 0 {
		site.Languages = []string{"en"}
	}
	if err := s.validateSite(site); err != nil {
		return nil, err
	}
	if err := s.Store.CreateSite(ctx, site); err != nil {
		if IsCode(err, ECONFLICT) {
			return nil, Errorf(ECONFLICT, "a site with slug %q already exists", site.Slug)
		}
		return nil, err
	}
	return site, nil
}

// LaunchedSite is a new site with its first admin key, whose secret is
// shown only this once.
type LaunchedSite struct {
	Site        *Site
	AdminKey    *Key
	AdminSecret string
}

// LaunchSite creates a site — optionally from a template site (see
// SiteInput.From) — and issues its first admin key, so that the new
// information centre is live and can be handed over at once. Only owners
// may. Returns EINVALID (also for an unknown template), ECONFLICT,
// EFORBIDDEN.
func (s *Service) LaunchSite(ctx context.Context, p Principal, in SiteInput) (*LaunchedSite, error) {
	if p.Role != RoleOwner {
		return nil, Errorf(EFORBIDDEN, "only owner keys may create sites")
	}
	var pages []*Entry
	if in.From != "" {
		tmpl, err := s.Store.GetSite(ctx, in.From)
		if IsCode(err, ENOTFOUND) {
			return nil, &Error{Code: EINVALID, Message: "invalid fields: from",
				Fields: []FieldError{{Field: "from", Reason: "no site " + in.From + " to copy"}}}
		} else if err != nil {
			return nil, err
		}
		if in.Theme == (Theme{}) {
			in.Theme = tmpl.Theme
		}
		if len(in.Languages) == 0 {
			in.Languages = tmpl.Languages
		}
		if in.Publisher == "" {
			in.Publisher = tmpl.Publisher
		}
		if in.Contact == (Contact{}) {
			in.Contact = tmpl.Contact
		}
		if pages, err = s.templatePages(ctx, tmpl.Slug); err != nil {
			return nil, err
		}
	}
	site, err := s.CreateSite(ctx, p, in)
	if err != nil {
		return nil, err
	}
	now := s.now()
	for _, pg := range pages {
		c := &Entry{ID: NewID(now), Site: site.Slug, Type: TypePage, Slug: pg.Slug, Lang: pg.Lang, Title: pg.Title,
			Summary: pg.Summary, Body: pg.Body, BodyHTML: pg.BodyHTML, Tags: pg.Tags, Organisations: pg.Organisations,
			Attachments: pg.Attachments, Pinned: pg.Pinned, Status: StatusDraft, CreatedAt: now, UpdatedAt: now, CreatedBy: p.KeyID}
		stamp(c, p, now, "create")
		if pg.Status == StatusPublished {
			c.Status, c.PublishedAt = StatusPublished, now
		}
		if !site.HasLanguage(c.Lang) {
			continue // the new site dropped that language
		}
		if err := s.Store.CreateEntry(ctx, c); err != nil {
			return nil, fmt.Errorf("copy page %s/%s into site %s: %w", pg.Lang, pg.Slug, site.Slug, err)
		}
	}
	k, secret, err := s.issueKey(ctx, site.Slug, KeyInput{Role: RoleAdmin, Name: "first admin of " + site.Slug}, p.KeyID)
	if err != nil {
		return nil, err
	}
	return &LaunchedSite{Site: site, AdminKey: k, AdminSecret: secret}, nil
}

// templatePages returns the full page entries of a site that are drafts
// or published (withdrawn pages are not copied).
func (s *Service) templatePages(ctx context.Context, site string) ([]*Entry, error) {
	var out []*Entry
	q := EntryQuery{Site: site, Type: TypePage, Limit: MaxPageSize}
	var pg Pager
	for {
		page, err := s.Store.ListEntries(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, e := range page.Items {
			if e.Status != StatusPublished && e.Status != StatusDraft {
				continue
			}
			full, err := s.Store.GetEntry(ctx, site, e.ID)
			if err != nil {
				return nil, err
			}
			out = append(out, full)
		}
		if more, err := pg.Next(q.After, page.Next); err != nil || !more {
			return out, err
		}
		q.After = page.Next
	}
}

// Site returns a site by slug for anyone (sites are public). ENOTFOUND.
func (s *Service) Site(ctx context.Context, slug string) (*Site, error) {
	site, err := s.Store.GetSite(ctx, slug)
	if IsCode(err, ENOTFOUND) {
		return nil, Errorf(ENOTFOUND, "no site %q", slug)
	}
	return site, err
}

// StaffSite returns a site to a caller with at least the viewer role on it.
func (s *Service) StaffSite(ctx context.Context, p Principal, slug string) (*Site, error) {
	if err := require(p, slug, RoleViewer); err != nil {
		return nil, err
	}
	return s.Site(ctx, slug)
}

// ListSites returns the sites a principal may see: all for owners, else its own.
func (s *Service) ListSites(ctx context.Context, p Principal) ([]*Site, error) {
	if p.Role == RoleOwner {
		return s.Store.ListSites(ctx)
	}
	site, err := s.StaffSite(ctx, p, p.Site)
	if err != nil {
		return nil, err
	}
	return []*Site{site}, nil
}

// UpdateSite applies patch when the site's version equals version. Admins
// may change settings and archive; only owners may reopen an archived site.
// Returns EINVALID, ENOTFOUND, EPRECONDITION, EFORBIDDEN, ECONFLICT (archived).
func (s *Service) UpdateSite(ctx context.Context, p Principal, slug string, patch SitePatch, version int64) (*Site, error) {
	if err := require(p, slug, RoleAdmin); err != nil {
		return nil, err
	}
	site, err := s.Site(ctx, slug)
	if err != nil {
		return nil, err
	}
	return s.updateSite(ctx, p, site, patch, version)
}

// updateSite applies patch to site as read, once p is known to be an admin.
func (s *Service) updateSite(ctx context.Context, p Principal, site *Site, patch SitePatch, version int64) (*Site, error) {
	slug := site.Slug
	if site.Version != version {
		return nil, Errorf(EPRECONDITION, "the site has changed (version %d, If-Match says %d); read it again", site.Version, version)
	}
	reopening := site.Status == SiteArchived && patch.Status != nil && *patch.Status == SiteActive
	if reopening && p.Role != RoleOwner {
		return nil, Errorf(EFORBIDDEN, "only owner keys may reopen an archived site")
	}
	if site.Status == SiteArchived && !reopening {
		return nil, Errorf(ECONFLICT, "site %q is archived and read-only; an owner can reopen it", slug)
	}
	now := s.now()
	set(&site.Title, patch.Title)
	set(&site.Tagline, patch.Tagline)
	set(&site.Description, patch.Description)
	set(&site.Languages, patch.Languages)
	set(&site.Publisher, patch.Publisher)
	set(&site.Contact, patch.Contact)
	set(&site.Theme, patch.Theme)
	set(&site.Hosts, patch.Hosts)
	if patch.Status != nil && *patch.Status != site.Status {
		site.Status = *patch.Status
		if site.Status == SiteArchived {
			site.ArchivedAt = now
		} else {
			site.ArchivedAt = time.Time{}
		}
	}
	site.UpdatedAt = now
	if err := s.validateSite(site); err != nil {
		return nil, err
	}
	if err := s.Store.UpdateSite(ctx, site); err != nil {
		return nil, err
	}
	return site, nil
}

func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// writableSite returns the site if p may write with role on it and it is
// not archived.
func (s *Service) writableSite(ctx context.Context, p Principal, slug, role string) (*Site, error) {
	if err := require(p, slug, role); err != nil {
		return nil, err
	}
	site, err := s.Site(ctx, slug)
	if err != nil {
		return nil, err
	}
	if site.Status == SiteArchived {
		return nil, Errorf(ECONFLICT, "site %q is archived and read-only; an owner can reopen it", slug)
	}
	return site, nil
}

// ---- Entries ----

// EntryInput is what a caller sets when creating an entry.
type EntryInput struct {
	Type          string       `json:"type"`
	Slug          string       `json:"slug"`
	Lang          string       `json:"lang"`
	Title         string       `json:"title"`
	Summary       string       `json:"summary"`
	Body          string       `json:"body"`
	Tags          []string     `json:"tags"`
	Organisations []string     `json:"organisations"`
	Attachments   []Attachment `json:"attachments"`
	Pinned        bool         `json:"pinned"`
	Status        string       `json:"status"` // "", draft, published or scheduled
	PublishAt     time.Time    `json:"publish_at"`
	ExpiresAt     time.Time    `json:"expires_at"`
}

// EntryPatch changes some fields of an entry; nil fields stay as they are.
// A change to a public entry is either "major" — with a ChangeNote shown
// publicly with the date, and a new "updated" date — or "minor" (no note,
// no new date). Change may be left out: a ChangeNote alone means major.
type EntryPatch struct {
	Type          *string       `json:"type"`
	Slug          *string       `json:"slug"`
	Lang          *string       `json:"lang"`
	Title         *string       `json:"title"`
	Summary       *string       `json:"summary"`
	Body          *string       `json:"body"`
	Tags          *[]string     `json:"tags"`
	Organisations *[]string     `json:"organisations"`
	Attachments   *[]Attachment `json:"attachments"`
	Pinned        *bool         `json:"pinned"`
	PublishAt     *time.Time    `json:"publish_at"`
	ExpiresAt     *time.Time    `json:"expires_at"`
	Change        *string       `json:"change"` // major or minor
	ChangeNote    *string       `json:"change_note"`
}

// Change kinds of a change to a public entry.
const (
	ChangeMajor = "major"
	ChangeMinor = "minor"
)

func (s *Service) render(e *Entry) error {
	if len(e.Body) > MaxBodyBytes || s.Render == nil {
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
		ID: NewID(now), Site: site, Type: in.Type, Slug: in.Slug, Lang: in.Lang, Title: in.Title,
		Summary: in.Summary, Body: in.Body, Tags: in.Tags, Organisations: in.Organisations,
		Attachments: in.Attachments, Pinned: in.Pinned, Status: StatusDraft,
		PublishAt: in.PublishAt.UTC().Truncate(time.Millisecond), CreatedAt: now, UpdatedAt: now, CreatedBy: p.KeyID,
		ExpiresAt: in.ExpiresAt.UTC().Truncate(time.Millisecond),
	}
	stamp(e, p, now, "create")
	if e.Lang == "" {
		e.Lang = st.DefaultLanguage()
	}
	if e.Slug == "" {
		e.Slug = Slugify(e.Title)
	}
	var extra Problems
	switch in.Status {
	case "", StatusDraft:
	case StatusPublished, StatusScheduled:
		if err := require(p, site, RolePublisher); err != nil {
			return nil, Errorf(EFORBIDDEN, "creating an entry as %s needs the publisher role; the key has %s", in.Status, p.Role)
		}
		s.release(e, now)
		e.LastChange.Action = releaseAction(e)
		if in.Status == StatusScheduled && e.Status != StatusScheduled {
			extra.Add("publish_at", "must be in the future for a scheduled entry")
		}
	default:
		extra.Add("status", "must be draft, published or scheduled when creating")
	}
	if err := s.prepare(e, st, &extra); err != nil {
		return nil, err
	}
	if err := s.Store.CreateEntry(ctx, e); err != nil {
		return nil, slugConflict(err, e)
	}
	return e, nil
}

// prepare completes and checks an entry before it is stored: its expiry,
// its rendered body, and every field (with the problems found so far).
func (s *Service) prepare(e *Entry, site *Site, extra *Problems) error {
	checkExpiry(e, extra)
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
	all, err := s.Store.EntriesBySlug(ctx, site, slug)
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
	if e.Status != StatusDraft {
		if err := require(p, site, RolePublisher); err != nil {
			return nil, Errorf(EFORBIDDEN, "changing a %s entry needs the publisher role; the key has %s", e.Status, p.Role)
		}
	}
	if e.Status == StatusWithdrawn {
		return nil, Errorf(ECONFLICT, "entry %q is withdrawn and can no longer be changed", id)
	}
	now := s.now()
	var extra Problems
	wasPublic := e.Public()
	stamp(e, p, now, action)
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
	e.LastChange.Kind = kind
	if patch.Slug != nil && *patch.Slug != e.Slug && e.EverPublic() {
		extra.Add("slug", "cannot change once the entry has been public (its address must stay stable)")
	}
	set(&e.Type, patch.Type)
	set(&e.Slug, patch.Slug)
	set(&e.Lang, patch.Lang)
	set(&e.Title, patch.Title)
	set(&e.Summary, patch.Summary)
	set(&e.Body, patch.Body)
	set(&e.Tags, patch.Tags)
	set(&e.Organisations, patch.Organisations)
	set(&e.Attachments, patch.Attachments)
	set(&e.Pinned, patch.Pinned)
	if patch.ExpiresAt != nil {
		e.ExpiresAt = patch.ExpiresAt.UTC().Truncate(time.Millisecond)
	}
	if patch.PublishAt != nil {
		e.PublishAt = patch.PublishAt.UTC().Truncate(time.Millisecond)
		if e.Status == StatusScheduled {
			if e.PublishAt.IsZero() || !e.PublishAt.After(now) {
				extra.Add("publish_at", "must be in the future for a scheduled entry; publish it instead")
			}
		}
	}
	if kind == ChangeMajor && wasPublic {
		note := ""
		if patch.ChangeNote != nil {
			note = strings.TrimSpace(*patch.ChangeNote)
		}
		if note == "" || len([]rune(note)) > MaxNoteLen {
			extra.Add("change_note", "a major change needs a public note of 1-%d characters", MaxNoteLen)
		} else {
			e.ChangeNotes = append(e.ChangeNotes, ChangeNote{At: now, Note: note})
			e.UpdatedAt = now
			e.LastChange.Note = note
		}
	}
	if !wasPublic {
		e.UpdatedAt = now
	}
	e.OutdatedSince = time.Time{} // an updated translation is current again
	if err := s.prepare(e, st, &extra); err != nil {
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
	if e.Status != StatusDraft || e.EverPublic() {
		return Errorf(ECONFLICT, "only drafts that were never published can be deleted; withdraw entry %q instead", id)
	}
	return s.Store.DeleteEntry(ctx, site, id, e.Version)
}

// Publish makes a draft public now, or schedules it when its PublishAt is
// in the future. Publishing an entry that is already published records a
// major update and needs a change note. If version is not 0 it must match.
// Returns ENOTFOUND, EPRECONDITION, ECONFLICT, EINVALID, EFORBIDDEN.
func (s *Service) Publish(ctx context.Context, p Principal, site, id string, version int64, changeNote string) (*Entry, error) {
	st, err := s.writableSite(ctx, p, site, RolePublisher)
	if err != nil {
		return nil, err
	}
	e, err := s.versioned(ctx, site, id, version)
	if err != nil {
		return nil, err
	}
	now := s.now()
	note := strings.TrimSpace(changeNote)
	if len([]rune(note)) > MaxNoteLen {
		return nil, &Error{Code: EINVALID, Message: "invalid fields: change_note", Fields: []FieldError{{Field: "change_note", Reason: "must be at most 500 characters"}}}
	}
	switch e.Status {
	case StatusWithdrawn:
		return nil, Errorf(ECONFLICT, "entry %q is withdrawn and cannot be published again; create a new entry", id)
	case StatusPublished:
		if note == "" {
			return nil, &Error{Code: EINVALID, Message: "invalid fields: change_note",
				Fields: []FieldError{{Field: "change_note", Reason: "is required to re-publish an entry that is already published"}}}
		}
		e.ChangeNotes = append(e.ChangeNotes, ChangeNote{At: now, Note: note})
		e.UpdatedAt = now
		stamp(e, p, now, "update")
		e.LastChange.Kind, e.LastChange.Note = ChangeMajor, note
	default:
		if note != "" {
			return nil, &Error{Code: EINVALID, Message: "invalid fields: change_note",
				Fields: []FieldError{{Field: "change_note", Reason: "applies only to an entry that is already public; a first publication has no change note"}}}
		}
		s.release(e, now)
		stamp(e, p, now, releaseAction(e))
		e.ReviewRequestedAt, e.ReviewNote = time.Time{}, ""
	}
	if err := e.Validate(st); err != nil {
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

// Unschedule turns a scheduled entry back into a draft.
func (s *Service) Unschedule(ctx context.Context, p Principal, site, id string, version int64) (*Entry, error) {
	if _, err := s.writableSite(ctx, p, site, RolePublisher); err != nil {
		return nil, err
	}
	e, err := s.versioned(ctx, site, id, version)
	if err != nil {
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
	stamp(e, p, now, "withdraw")
	if err := e.Validate(st); err != nil {
		return nil, err
	}
	if err := s.Store.UpdateEntry(ctx, e); err != nil {
		return nil, err
	}
	return e, nil
}

// PublishDue publishes every scheduled entry whose time has come and
// returns how many it published. Safe to run concurrently: an entry
// another run published first is skipped.
func (s *Service) PublishDue(ctx context.Context) (int, error) {
	n := 0
	for {
		due, err := s.Store.DueEntries(ctx, s.now(), 50)
		if err != nil {
			return n, err
		}
		progressed := false
		for _, e := range due {
			e.Status = StatusPublished
			stamp(e, Principal{KeyID: "publisher"}, s.now(), "release")
			e.ReviewRequestedAt, e.ReviewNote = time.Time{}, ""
			if e.PublishedAt.IsZero() {
				e.PublishedAt = e.PublishAt
				e.UpdatedAt = e.PublishAt
			}
			err := s.Store.UpdateEntry(ctx, e)
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
		if len(due) < 50 || !progressed {
			return n, nil
		}
	}
}

// ---- Keys ----

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
	if len([]rune(in.Name)) > 100 {
		pr.Add("name", "must be at most 100 characters")
	}
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
