package web

import (
	"net/http"
	"strings"

	"infocentre/internal/centre"
)

// SiteOf returns the slug of the site whose page, feed or sitemap r asks
// for, by the same rules the site routes by (/sites/{site}/… or a host a
// site claims), or "" for a request of no one site or one a shared cache
// of rendered responses must not answer: previews, assets, the directory,
// a site's hosted files and the redirect of /sites/{site} to its home.
func (s *Site) SiteOf(r *http.Request) string {
	p := r.URL.Path
	if rest, ok := strings.CutPrefix(p, "/sites/"); ok {
		slug, below, ok := strings.Cut(rest, "/")
		if !ok || !centre.ValidSlug(slug) || strings.HasPrefix(below, "files/") {
			return ""
		}
		return slug
	}
	if p == "/healthz" || strings.HasPrefix(p, "/assets/") || strings.HasPrefix(p, "/preview/") || strings.HasPrefix(p, "/files/") ||
		strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/admin/") || s.opts.SiteForHost == nil || s.opts.Static {
		return ""
	}
	slug, ok := s.opts.SiteForHost(r.Context(), s.host(r))
	if !ok {
		return ""
	}
	return slug
}
