package centre

import (
	"context"
	"strings"
	"time"
)

// The public read side: what anyone may read of the sites, and the rules
// that decide it. The public web site (internal/web) and the static copy
// (internal/static) read only through these methods, never through the
// Store, so that each rule lives here once: which versions of a slug are
// public, what has expired and when an entry last changed.

// LastModified returns the last time the public could see e change: the
// latest of its first publication, its last public update, its change notes
// and its withdrawal. Feeds, sitemaps and pages all date an entry by it.
func (e *Entry) LastModified() time.Time {
	return LastModified(e.PublishedAt, e.UpdatedAt, e.WithdrawnAt, e.ChangeNotes)
}

// LastModified is the rule of Entry.LastModified on its parts, for values
// that carry them without being an Entry (feed items).
func LastModified(published, updated, withdrawn time.Time, notes []ChangeNote) time.Time {
	u := updated
	if published.After(u) {
		u = published
	}
	for _, n := range notes {
		if n.At.After(u) {
			u = n.At
		}
	}
	if withdrawn.After(u) {
		u = withdrawn
	}
	return u
}

// PublicSites returns every site ordered by slug, archived ones included
// (sites are public: the directory of a deployment lists them).
func (s *Service) PublicSites(ctx context.Context) ([]*Site, error) {
	return s.Store.ListSites(ctx)
}

// SiteByHost returns the site that claims host name host, or ENOTFOUND.
// A reserved host (see ReservedHosts) is ENOTFOUND whatever a site claimed
// before it was reserved: it serves the deployment's own pages.
func (s *Service) SiteByHost(ctx context.Context, host string) (*Site, error) {
	if s.HostReserved(host) {
		return nil, Errorf(ENOTFOUND, "host %q belongs to this deployment", host)
	}
	site, err := s.Store.SiteByHost(ctx, strings.ToLower(host))
	if IsCode(err, ENOTFOUND) {
		return nil, Errorf(ENOTFOUND, "no site claims host %q", host)
	}
	return site, err
}

// PublicListing returns one page of the public entries of a site that the
// caller has already read (so, unlike PublicEntries, an empty page costs no
// second read): published and withdrawn entries matching q, newest first,
// leaving out those expired at the service's time. q.Public, q.Status and
// q.Now are set here. One store read.
func (s *Service) PublicListing(ctx context.Context, q EntryQuery) (EntryPage, error) {
	q.Public, q.Status, q.Now = true, "", s.now()
	return s.Store.ListEntries(ctx, q)
}

// ReadableEntries returns one page of every public entry of a site matching
// q, expired ones included: they are off the lists but stay readable at
// their address (a static copy must hold them). One store read.
func (s *Service) ReadableEntries(ctx context.Context, q EntryQuery) (EntryPage, error) {
	q.Public, q.Status, q.Now = true, "", time.Time{}
	return s.Store.ListEntries(ctx, q)
}

// PublicSlug is what the public may read of one slug of a site.
type PublicSlug struct {
	// Versions are the public language versions, ordered by Lang.
	Versions []*Entry
	// Gone are the languages whose version was public once and is not any
	// more (unpublished): their address answers 410, not 404.
	Gone []string
	// AsOf is the time the rules were applied at: it decides expiry.
	AsOf time.Time
}

// In returns the public version in lang (compared case-insensitively), or
// nil; gone reports whether that language's version was public once.
func (p *PublicSlug) In(lang string) (e *Entry, gone bool) {
	for _, x := range p.Versions {
		if strings.EqualFold(x.Lang, lang) {
			return x, false
		}
	}
	for _, l := range p.Gone {
		if strings.EqualFold(l, lang) {
			return nil, true
		}
	}
	return nil, false
}

// Expired reports whether e, one of the versions, had expired at AsOf.
func (p *PublicSlug) Expired(e *Entry) bool { return e.Expired(p.AsOf) }

// PublicVersions returns the public language versions of slug in site, and
// the languages whose version is no longer public. A slug with neither is
// ENOTFOUND. One store read.
func (s *Service) PublicVersions(ctx context.Context, site, slug string) (*PublicSlug, error) {
	all, err := s.Store.EntriesBySlug(ctx, site, slug)
	if err != nil && !IsCode(err, ENOTFOUND) {
		return nil, err
	}
	out := &PublicSlug{AsOf: s.now()}
	for _, e := range all {
		switch {
		case e.Public():
			out.Versions = append(out.Versions, e)
		case e.EverPublic():
			out.Gone = append(out.Gone, e.Lang)
		}
	}
	if len(out.Versions) == 0 && len(out.Gone) == 0 {
		return nil, Errorf(ENOTFOUND, "no public entry %q", slug)
	}
	return out, nil
}

// PreviewEntry opens a preview token like Preview and returns, as the one
// version of a PublicSlug, the entry as it will look once published: dated
// at its PublishAt, or at the current time for a draft. Errors are those of
// Preview; with EGONE the entry is returned as stored, if known.
func (s *Service) PreviewEntry(ctx context.Context, token string) (*PublicSlug, error) {
	now := s.now()
	e, err := s.Preview(ctx, token)
	if e == nil {
		return nil, err
	}
	if err == nil && e.PublishedAt.IsZero() {
		e.PublishedAt = e.PublishAt
		if e.PublishedAt.IsZero() {
			e.PublishedAt = now
		}
		e.UpdatedAt = e.PublishedAt
	}
	return &PublicSlug{Versions: []*Entry{e}, AsOf: now}, err
}

// Time returns the service's current time: the time the public read side
// applies its rules at (expiry of entries and of a site's banner).
func (s *Service) Time() time.Time { return s.now() }

// At returns a copy of s whose clock stands still at now, for reads that
// must agree on one time, such as a static copy of a site.
func (s *Service) At(now time.Time) *Service {
	c := *s
	c.Now = func() time.Time { return now }
	return &c
}

// SiteStamp returns the change stamp of a site (see Store.SiteStamp): what
// a cache of public responses is keyed by. One store read; ENOTFOUND for an
// unknown site.
func (s *Service) SiteStamp(ctx context.Context, site string) (SiteStamp, error) {
	return s.Store.SiteStamp(ctx, site)
}

// PublicFront returns the front of a site (see SiteFront) at its change
// stamp, or nil when the store keeps none for it. One store read (none
// while a cache renders a response for a stamp it has read).
func (s *Service) PublicFront(ctx context.Context, site string) (*SiteFront, error) {
	st, err := s.Store.SiteStamp(ctx, site)
	return st.Front, err
}

// PublicEntriesByID returns the entries of a site with those IDs (at most
// MaxPageSize) that are public and not expired at the service's time,
// without body, in the order of ids: what a SiteFront lists. One store
// read.
func (s *Service) PublicEntriesByID(ctx context.Context, site string, ids []string) ([]*Entry, error) {
	list, err := s.Store.EntriesByID(ctx, site, ids)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := list[:0]
	for _, e := range list {
		if e.Public() && !e.Expired(now) {
			out = append(out, e)
		}
	}
	return out, nil
}
