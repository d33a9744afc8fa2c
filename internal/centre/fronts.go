package centre

import (
	"context"
	"log/slog"
)

// Bounds of a front's rebuild: the entries read (pages of MaxPageSize),
// and the tries when entry writes keep moving the site's stamp.
const (
	maxRebuildPages = 1000
	maxRebuildTries = 3
)

// RebuildFront gives a site the front (SiteFront) the store keeps for it
// when it has none — a site created before fronts were kept, which the
// public pages otherwise serve by listing from the store — and reports
// whether it stored one. The front is built from every public entry
// (SiteFront.Apply, as each entry write changes it: read a page of
// MaxPageSize at a time, at most maxRebuildPages pages) and stored only
// if no entry was written meanwhile (tried again, at most maxRebuildTries
// times). It takes no caller: the publisher runs it, and the CLI as the
// operator. Returns ENOTFOUND for an unknown site, EPRECONDITION when the
// site kept changing, EINVALID for a site too large to read.
func (s *Service) RebuildFront(ctx context.Context, site string) (bool, error) {
	for try := 1; ; try++ {
		st, err := s.Store.SiteStamp(ctx, site)
		if err != nil {
			return false, err
		}
		if st.Front != nil {
			return false, nil
		}
		front, err := s.buildFront(ctx, site)
		if err != nil {
			return false, err
		}
		err = s.Store.PutSiteFront(ctx, site, front, st.Value)
		if err == nil {
			return true, nil
		}
		if !IsCode(err, EPRECONDITION) || try == maxRebuildTries {
			return false, err
		}
	}
}

// buildFront returns the front of a site's public entries as the store
// lists them now.
func (s *Service) buildFront(ctx context.Context, site string) (*SiteFront, error) {
	front := NewSiteFront()
	q := EntryQuery{Site: site, Public: true, Limit: MaxPageSize}
	for range maxRebuildPages {
		page, err := s.Store.ListEntries(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, e := range page.Items {
			front.Apply(nil, e)
		}
		if page.Next == "" {
			return front, nil
		}
		q.After = page.Next
	}
	return nil, Errorf(EINVALID, "site %q has more than %d public entries: its front is not rebuilt", site, maxRebuildPages*MaxPageSize)
}

// RebuildFronts runs RebuildFront on every site and returns how many
// fronts it stored; a site that fails is logged and skipped, so that one
// site does not hold the others (the first error is returned at the end).
func (s *Service) RebuildFronts(ctx context.Context) (int, error) {
	sites, err := s.Store.ListSites(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	var first error
	for _, site := range sites {
		done, err := s.RebuildFront(ctx, site.Slug)
		if err != nil {
			s.log().ErrorContext(ctx, "rebuild the front of a site", slog.String("site", site.Slug), slog.String("error", err.Error()))
			if first == nil {
				first = err
			}
			continue
		}
		if done {
			s.log().InfoContext(ctx, "rebuilt the front of a site", slog.String("site", site.Slug))
			n++
		}
	}
	return n, first
}
