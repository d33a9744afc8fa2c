package search

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"infocentre/internal/centre"
)

// Service searches the sites of a centre.Store. It builds a site's index
// on the first search of it, from the store's public listing and one
// EntriesBySlug read per slug for the bodies, and keeps it in memory.
//
// It keeps indexes current through Watch, which wraps the store the rest
// of the application writes through: every entry created, updated or
// deleted through it is re-indexed at once. When other processes write the
// same store, either set Source, a store that keeps search documents
// current itself (every search then asks it what changed), or set MaxAge
// so that indexes are rebuilt after that long.
type Service struct {
	Store centre.Store
	Log   *slog.Logger
	// MaxAge is how long a built index is used before it is rebuilt; 0
	// keeps it until the process ends.
	MaxAge time.Duration
	// Now returns the current time; tests replace it.
	Now func() time.Time
	// Load, if set, returns the documents of an existing site instead of
	// reading its entries from Store: for a backend that keeps one search
	// document per entry (see Doc.MarshalBinary). It returns ENOTFOUND for
	// an unknown site.
	Load func(ctx context.Context, site string) ([]Doc, error)
	// Source, if set, is where indexes come from and how they stay
	// current: a site's index is loaded from Source.SearchDocs on first
	// use, and every later use first applies Source.SearchChanges. It
	// takes precedence over Load and Store.
	Source DocSource

	mu    sync.Mutex
	sites map[string]*siteIndex
}

type siteIndex struct {
	mu    sync.Mutex // held while building and while applying changes
	ix    *Index
	built time.Time
	seq   int64 // with Source: the change sequence ix is current at
}

// DocSource is a store that keeps the search documents of public entries
// itself, changed in the same write as the entries, and numbers each
// change of a site's documents with a per-site sequence, so that a reader
// can tell cheaply whether anything changed and fetch only what did.
type DocSource interface {
	// SearchDocs returns the documents of every public entry of site, and
	// a sequence number such that every change after it is reported by
	// SearchChanges(site, seq). Returns ENOTFOUND for an unknown site.
	SearchDocs(ctx context.Context, site string) (docs []Doc, seq int64, err error)
	// SearchChanges returns the changes of site's documents after seq, in
	// order. Returns ENOTFOUND for an unknown site.
	SearchChanges(ctx context.Context, site string, after int64) (Delta, error)
}

// Delta is the changes of a site's documents after a sequence number.
type Delta struct {
	// Seq is the sequence number the changes bring a reader to.
	Seq int64
	// Reset means that the changes since the reader's sequence are no
	// longer all known (or the site was recreated): load the documents
	// again with SearchDocs.
	Reset bool
	// Changes, oldest first.
	Changes []DocChange
}

// DocChange is one change of a site's documents: Doc is the entry's new
// document, or nil when the entry stopped being public.
type DocChange struct {
	ID  string
	Doc *Doc
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

func (s *Service) site(slug string) *siteIndex {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sites == nil {
		s.sites = map[string]*siteIndex{}
	}
	si := s.sites[slug]
	if si == nil {
		si = &siteIndex{}
		s.sites[slug] = si
	}
	return si
}

// Search searches the public entries of site. Returns ENOTFOUND if the
// site does not exist, EINVALID for a bad query.
func (s *Service) Search(ctx context.Context, site string, q Query) (Result, error) {
	if _, err := parse(q); err != nil {
		return Result{}, err
	}
	ix, err := s.Index(ctx, site)
	if err != nil {
		return Result{}, err
	}
	if q.Now.IsZero() {
		q.Now = s.now()
	}
	return ix.Search(ctx, q)
}

// Index returns the index of site, building it if needed. Returns
// ENOTFOUND if the site does not exist.
func (s *Service) Index(ctx context.Context, site string) (*Index, error) {
	si := s.site(site)
	si.mu.Lock()
	defer si.mu.Unlock()
	fresh := si.ix != nil && (s.MaxAge <= 0 || s.now().Sub(si.built) < s.MaxAge)
	if fresh && s.Source == nil {
		return si.ix, nil
	}
	if fresh {
		reset, err := s.catchUp(ctx, site, si)
		switch {
		case centre.IsCode(err, centre.ENOTFOUND):
			s.forget(site, si)
			return nil, err
		case err != nil:
			return nil, err
		case !reset:
			return si.ix, nil
		}
	}
	start := time.Now()
	var ix *Index
	var seq int64
	var err error
	switch {
	case s.Source != nil:
		var docs []Doc
		if docs, seq, err = s.Source.SearchDocs(ctx, site); err == nil {
			ix, err = Build(docs)
		}
	case s.Load != nil:
		var docs []Doc
		if docs, err = s.Load(ctx, site); err == nil {
			ix, err = Build(docs)
		}
	default:
		ix, err = s.build(ctx, site)
	}
	if err != nil {
		if si.ix == nil || centre.IsCode(err, centre.ENOTFOUND) {
			// Keep no state for sites that do not exist.
			s.forget(site, si)
		}
		return nil, err
	}
	si.ix, si.built, si.seq = ix, s.now(), seq
	s.log().InfoContext(ctx, "search index built", slog.String("site", site),
		slog.Int("entries", ix.Len()), slog.Duration("duration", time.Since(start)))
	return ix, nil
}

// forget drops the state of site if it is still si. The caller holds
// si.mu.
func (s *Service) forget(site string, si *siteIndex) {
	si.ix = nil
	s.mu.Lock()
	if s.sites[site] == si {
		delete(s.sites, site)
	}
	s.mu.Unlock()
}

// catchUp applies the changes of site after si.seq to si.ix. reset
// reports that the index must be loaded again instead. The caller holds
// si.mu.
func (s *Service) catchUp(ctx context.Context, site string, si *siteIndex) (reset bool, err error) {
	d, err := s.Source.SearchChanges(ctx, site, si.seq)
	if err != nil {
		return false, err
	}
	if d.Reset {
		return true, nil
	}
	for _, c := range d.Changes {
		if c.Doc == nil {
			si.ix.Remove(c.ID)
			continue
		}
		if err := si.ix.Upsert(*c.Doc); err != nil {
			s.log().ErrorContext(ctx, "search: apply change", slog.String("site", site), slog.String("id", c.ID), slog.String("error", err.Error()))
			return true, nil
		}
	}
	if len(d.Changes) > 0 {
		s.log().DebugContext(ctx, "search index caught up", slog.String("site", site),
			slog.Int("changes", len(d.Changes)), slog.Int64("seq", d.Seq))
	}
	si.seq = d.Seq
	return false, nil
}

// build reads every public entry of site from the store.
func (s *Service) build(ctx context.Context, site string) (*Index, error) {
	if _, err := s.Store.GetSite(ctx, site); err != nil {
		if centre.IsCode(err, centre.ENOTFOUND) {
			return nil, centre.Errorf(centre.ENOTFOUND, "no site %q", site)
		}
		return nil, err
	}
	public := map[string]bool{}
	var slugs []string
	q := centre.EntryQuery{Site: site, Public: true, Limit: centre.MaxPageSize}
	var pg centre.Pager
	for {
		page, err := s.Store.ListEntries(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("search: list entries of %s: %w", site, err)
		}
		for _, e := range page.Items {
			if !public[e.ID] {
				public[e.ID] = true
				slugs = append(slugs, e.Slug)
			}
		}
		more, err := pg.Next(q.After, page.Next)
		if err != nil {
			return nil, fmt.Errorf("search: list entries of %s: %w", site, err)
		}
		if !more {
			break
		}
		q.After = page.Next
	}
	ix := New()
	done := map[string]bool{}
	for _, slug := range slugs {
		if done[slug] {
			continue
		}
		done[slug] = true
		versions, err := s.Store.PublicEntriesBySlug(ctx, site, slug)
		if centre.IsCode(err, centre.ENOTFOUND) {
			continue // deleted meanwhile
		} else if err != nil {
			return nil, fmt.Errorf("search: read entry %s/%s: %w", site, slug, err)
		}
		for _, e := range versions {
			if !e.Public() {
				continue
			}
			d, err := DocFromEntry(e)
			if err != nil {
				continue
			}
			if err := ix.Upsert(d); err != nil {
				return nil, err
			}
		}
	}
	return ix, nil
}

// changed re-indexes e (or drops it when it is not public) in its site's
// index, if that index is built.
func (s *Service) changed(e *centre.Entry) {
	si := s.site(e.Site)
	si.mu.Lock()
	defer si.mu.Unlock()
	if si.ix == nil {
		return
	}
	if d, err := DocFromEntry(e); err == nil {
		if err := si.ix.Upsert(d); err != nil {
			// The index no longer matches the store: rebuild on next use.
			s.log().Error("search: index entry", slog.String("site", e.Site), slog.String("id", e.ID), slog.String("error", err.Error()))
			si.ix = nil
		}
		return
	}
	si.ix.Remove(e.ID)
}

func (s *Service) removed(site, id string) {
	si := s.site(site)
	si.mu.Lock()
	defer si.mu.Unlock()
	if si.ix != nil {
		si.ix.Remove(id)
	}
}

// Watch returns a centre.Store that writes through to store and tells s
// of every entry change that succeeded, so that built indexes stay
// current. It changes nothing else in the store's behaviour.
func (s *Service) Watch(store centre.Store) centre.Store { return &watched{Store: store, s: s} }

type watched struct {
	centre.Store
	s *Service
}

func (w *watched) CreateEntry(ctx context.Context, e *centre.Entry) error {
	if err := w.Store.CreateEntry(ctx, e); err != nil {
		return err
	}
	w.s.changed(e)
	return nil
}

func (w *watched) UpdateEntry(ctx context.Context, e *centre.Entry) error {
	if err := w.Store.UpdateEntry(ctx, e); err != nil {
		return err
	}
	w.s.changed(e)
	return nil
}

func (w *watched) DeleteSite(ctx context.Context, slug string, version int64) error {
	if err := w.Store.DeleteSite(ctx, slug, version); err != nil {
		return err
	}
	w.s.mu.Lock()
	delete(w.s.sites, slug)
	w.s.mu.Unlock()
	return nil
}

func (w *watched) DeleteEntry(ctx context.Context, site, id string, version int64) error {
	if err := w.Store.DeleteEntry(ctx, site, id, version); err != nil {
		return err
	}
	w.s.removed(site, id)
	return nil
}
