package rendercache

import (
	"context"

	"infocentre/internal/centre"
)

// Watch returns store with every write of a site or of its entries
// followed by Invalidate of that site, so that this process sees its own
// writes at once (other processes see them within Window). While a
// response is rendered for the cache, GetSite of its site returns the site
// the stamp was read with (centre.SiteStamp.Site), and SiteStamp that
// stamp, instead of reading them again: the response is then made of the
// very version its key names.
func (c *Cache) Watch(store centre.Store) centre.Store { return &watched{Store: store, c: c} }

type watched struct {
	centre.Store
	c *Cache
}

// stampKey carries, in the context of a render, the stamp it is made for
// (centre.SiteStamp, with its site).
type stampKey struct{}

func (w *watched) GetSite(ctx context.Context, slug string) (*centre.Site, error) {
	if st, ok := ctx.Value(stampKey{}).(centre.SiteStamp); ok && st.Site != nil && st.Site.Slug == slug {
		return st.Site.Clone(), nil
	}
	return w.Store.GetSite(ctx, slug)
}

// SiteStamp returns, while a response is rendered for the cache, the
// stamp its key names (the front included) instead of reading it again.
func (w *watched) SiteStamp(ctx context.Context, slug string) (centre.SiteStamp, error) {
	if st, ok := ctx.Value(stampKey{}).(centre.SiteStamp); ok && st.Site != nil && st.Site.Slug == slug {
		st.Site = st.Site.Clone()
		return st, nil
	}
	return w.Store.SiteStamp(ctx, slug)
}

func (w *watched) CreateSite(ctx context.Context, s *centre.Site) error {
	defer w.c.Invalidate(s.Slug)
	return w.Store.CreateSite(ctx, s)
}

func (w *watched) UpdateSite(ctx context.Context, s *centre.Site) error {
	defer w.c.Invalidate(s.Slug)
	return w.Store.UpdateSite(ctx, s)
}

func (w *watched) DeleteSite(ctx context.Context, slug string, version int64) error {
	defer w.c.Invalidate(slug)
	return w.Store.DeleteSite(ctx, slug, version)
}

func (w *watched) CreateEntry(ctx context.Context, e *centre.Entry) error {
	defer w.c.Invalidate(e.Site)
	return w.Store.CreateEntry(ctx, e)
}

func (w *watched) UpdateEntry(ctx context.Context, e *centre.Entry) error {
	defer w.c.Invalidate(e.Site)
	return w.Store.UpdateEntry(ctx, e)
}

func (w *watched) DeleteEntry(ctx context.Context, site, id string, version int64) error {
	defer w.c.Invalidate(site)
	return w.Store.DeleteEntry(ctx, site, id, version)
}
