package centre

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

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
	TimeZone    string   `json:"time_zone"`
	Hosts       []string `json:"hosts"`
	// Translations and Labels: see Site.
	Translations []SiteText `json:"translations"`
	Labels       []Label    `json:"labels"`
	// ReviewRequired starts the site with the two-person rule (see Site).
	ReviewRequired bool `json:"review_required"`
	// From names a site to use as a template: its theme, languages, time
	// zone and page entries (About, Contact …) are copied — the pages as
	// drafts to rewrite, never published unreviewed. The publisher and
	// contact are the creator's to give (required, never the template's).
	// Statements, publications, news, keys and audit records are never
	// copied.
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
	TimeZone    *string   `json:"time_zone"`
	Hosts       *[]string `json:"hosts"`
	// Translations and Labels replace the site's whole lists.
	Translations *[]SiteText `json:"translations"`
	Labels       *[]Label    `json:"labels"`
	Status       *string     `json:"status"`
	// ReviewRequired turns the two-person rule on or off (see Site).
	ReviewRequired *bool `json:"review_required"`
	// Banner sets the emergency banner (publishers may); RemoveBanner,
	// which a JSON "banner": null sets, removes it.
	Banner       *BannerInput `json:"banner"`
	RemoveBanner bool         `json:"-"`
}

// onlyBanner reports whether patch sets or removes the banner and changes
// nothing else.
func (patch SitePatch) onlyBanner() bool {
	if patch.Banner == nil && !patch.RemoveBanner {
		return false
	}
	rest := patch
	rest.Banner, rest.RemoveBanner = nil, false
	return rest == (SitePatch{})
}

func (s *Service) validateSite(site *Site) error {
	err := site.Validate()
	var reserved []string
	for _, h := range site.Hosts {
		if s.HostReserved(h) {
			reserved = append(reserved, h)
		}
	}
	if len(reserved) > 0 {
		var p Problems
		var e *Error
		if errors.As(err, &e) {
			p.list = append(p.list, e.Fields...)
		}
		for _, h := range reserved {
			p.Add("hosts", "%q belongs to this deployment and cannot be claimed by a site", h)
		}
		err = p.Err()
	}
	if s.CheckAccent != nil && site.Theme.Accent != "" && colourRE.MatchString(site.Theme.Accent) {
		if cerr := s.CheckAccent(site.Theme.Accent); cerr != nil {
			var p Problems
			if err != nil {
				var e *Error
				if errors.As(err, &e) {
					p.list = append(p.list, e.Fields...)
				}
			}
			// The check's own reasons when it gives them (not its whole
			// message, which repeats the field).
			var ce *Error
			if errors.As(cerr, &ce) && len(ce.Fields) > 0 {
				p.list = append(p.list, ce.Fields...)
			} else {
				p.Add("theme.accent", "%s", cerr.Error())
			}
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
		TimeZone: in.TimeZone, Hosts: in.Hosts, Translations: in.Translations, Labels: in.Labels,
		ReviewRequired: in.ReviewRequired, Status: SiteActive, CreatedAt: now, UpdatedAt: now,
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
		if in.TimeZone == "" {
			in.TimeZone = tmpl.TimeZone
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
		c := &Entry{ID: NewID(now), Site: site.Slug, Content: pg.Content, Slug: pg.Slug, Lang: pg.Lang,
			BodyHTML: pg.BodyHTML, Status: StatusDraft, CreatedAt: now, UpdatedAt: now, CreatedBy: p.Actor()}
		stamp(c, p, now, "create") // a draft, whatever the template's page was
		if !site.HasLanguage(c.Lang) {
			continue // the new site dropped that language
		}
		if err := s.copyFiles(ctx, pg.Site, site.Slug, &c.Content); err != nil {
			return nil, fmt.Errorf("copy the files of page %s/%s into site %s: %w", pg.Lang, pg.Slug, site.Slug, err)
		}
		if err := s.Store.CreateEntry(ctx, c); err != nil {
			return nil, fmt.Errorf("copy page %s/%s into site %s: %w", pg.Lang, pg.Slug, site.Slug, err)
		}
	}
	k, secret, err := s.issueKey(ctx, site.Slug, KeyInput{Role: RoleAdmin, Name: "first admin of " + site.Slug}, p.Actor())
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

// UpdateSite applies patch when the site's version equals version.
// Publishers may set and remove the emergency banner; admins may change
// every other setting and archive; only owners may reopen an archived site
// or change the host names it claims (a host serves the site at "/", so a
// claim is the deployment operator's decision; none of ReservedHosts).
// Returns EINVALID, ENOTFOUND, EPRECONDITION, EFORBIDDEN, ECONFLICT (archived).
func (s *Service) UpdateSite(ctx context.Context, p Principal, slug string, patch SitePatch, version int64) (*Site, error) {
	role := RoleAdmin
	if patch.onlyBanner() {
		role = RolePublisher
	}
	if err := require(p, slug, role); err != nil {
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
	if patch.Hosts != nil && !sameHosts(*patch.Hosts, site.Hosts) && p.Role != RoleOwner {
		return nil, Errorf(EFORBIDDEN, "only owner keys may change the host names a site claims")
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
	set(&site.TimeZone, patch.TimeZone)
	set(&site.Hosts, patch.Hosts)
	set(&site.ReviewRequired, patch.ReviewRequired)
	set(&site.Translations, patch.Translations)
	set(&site.Labels, patch.Labels)
	if patch.Banner != nil && patch.RemoveBanner {
		return nil, &Error{Code: EINVALID, Message: "invalid fields: banner",
			Fields: []FieldError{{Field: "banner", Reason: "cannot be set and removed at once"}}}
	}
	var bannerErr error
	if patch.Banner != nil {
		in := *patch.Banner
		var bp Problems
		in.validate(&bp)
		in.validateExpiry(&bp, now)
		if bannerErr = bp.Err(); bannerErr == nil {
			applyBanner(site, &in, false, now)
		}
	} else if patch.RemoveBanner {
		applyBanner(site, nil, true, now)
	}
	if patch.Status != nil && *patch.Status != site.Status {
		site.Status = *patch.Status
		if site.Status == SiteArchived {
			site.ArchivedAt = now
		} else {
			site.ArchivedAt = time.Time{}
		}
	}
	site.UpdatedAt = now
	if err := mergeInvalid(s.validateSite(site), bannerErr); err != nil {
		return nil, err
	}
	if err := s.Store.UpdateSite(ctx, site); err != nil {
		return nil, err
	}
	return site, nil
}

// sameHosts reports whether a and b name the same hosts, in any order and
// case.
func sameHosts(a, b []string) bool {
	norm := func(l []string) []string {
		out := make([]string, len(l))
		for i, h := range l {
			out[i] = strings.ToLower(h)
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	return slices.Equal(norm(a), norm(b))
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
