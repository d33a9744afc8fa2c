package app

import (
	"context"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/web"
)

// siteReader is the service as the site reads it (web.Reader,
// web.HostReader): each method calls the service's method of that name.
//
// It exists for the size of the public function. Templates make the
// linker keep every exported method of a type that is used as an
// interface value (text/template finds methods by name at run time), and
// *centre.Service has the whole write side. This type holds method values,
// not the service, so the service never becomes an interface value (nor
// a field of one), and a binary that only reads (the public function)
// links only the service methods it calls.
type siteReader struct {
	site              func(ctx context.Context, slug string) (*centre.Site, error)
	publicSites       func(ctx context.Context) ([]*centre.Site, error)
	publicListing     func(ctx context.Context, q centre.EntryQuery) (centre.EntryPage, error)
	publicFront       func(ctx context.Context, site string) (*centre.SiteFront, error)
	publicEntriesByID func(ctx context.Context, site string, ids []string) ([]*centre.Entry, error)
	publicVersions    func(ctx context.Context, site, slug string) (*centre.PublicSlug, error)
	previewEntry      func(ctx context.Context, token string) (*centre.PublicSlug, error)
	time              func() time.Time
	publicFile        func(ctx context.Context, site, sha string, width int) (*centre.File, *centre.Object, error)
	previewFile       func(ctx context.Context, token, sha string, width int) (*centre.File, *centre.Object, error)
	presignFile       func(ctx context.Context, f *centre.File, width int, ttl time.Duration) (string, bool, error)
	siteByHost        func(ctx context.Context, host string) (*centre.Site, error)
}

func newSiteReader(svc *centre.Service) siteReader {
	return siteReader{
		site:              svc.Site,
		publicSites:       svc.PublicSites,
		publicListing:     svc.PublicListing,
		publicFront:       svc.PublicFront,
		publicEntriesByID: svc.PublicEntriesByID,
		publicVersions:    svc.PublicVersions,
		previewEntry:      svc.PreviewEntry,
		time:              svc.Time,
		publicFile:        svc.PublicFile,
		previewFile:       svc.PreviewFile,
		presignFile:       svc.PresignFile,
		siteByHost:        svc.SiteByHost,
	}
}

var (
	_ web.Reader     = siteReader{}
	_ web.HostReader = siteReader{}
)

func (r siteReader) Site(ctx context.Context, slug string) (*centre.Site, error) {
	return r.site(ctx, slug)
}

func (r siteReader) PublicSites(ctx context.Context) ([]*centre.Site, error) {
	return r.publicSites(ctx)
}

func (r siteReader) PublicListing(ctx context.Context, q centre.EntryQuery) (centre.EntryPage, error) {
	return r.publicListing(ctx, q)
}

func (r siteReader) PublicFront(ctx context.Context, site string) (*centre.SiteFront, error) {
	return r.publicFront(ctx, site)
}

func (r siteReader) PublicEntriesByID(ctx context.Context, site string, ids []string) ([]*centre.Entry, error) {
	return r.publicEntriesByID(ctx, site, ids)
}

func (r siteReader) PublicVersions(ctx context.Context, site, slug string) (*centre.PublicSlug, error) {
	return r.publicVersions(ctx, site, slug)
}

func (r siteReader) PreviewEntry(ctx context.Context, token string) (*centre.PublicSlug, error) {
	return r.previewEntry(ctx, token)
}

func (r siteReader) Time() time.Time {
	return r.time()
}

func (r siteReader) PublicFile(ctx context.Context, site, sha string, width int) (*centre.File, *centre.Object, error) {
	return r.publicFile(ctx, site, sha, width)
}

func (r siteReader) PreviewFile(ctx context.Context, token, sha string, width int) (*centre.File, *centre.Object, error) {
	return r.previewFile(ctx, token, sha, width)
}

func (r siteReader) PresignFile(ctx context.Context, f *centre.File, width int, ttl time.Duration) (string, bool, error) {
	return r.presignFile(ctx, f, width, ttl)
}

func (r siteReader) SiteByHost(ctx context.Context, host string) (*centre.Site, error) {
	return r.siteByHost(ctx, host)
}
