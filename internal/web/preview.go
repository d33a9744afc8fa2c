package web

import (
	"context"
	"errors"
	"net/http"
	"time"

	"infocentre/internal/centre"
)

// cacheControlPreview keeps preview pages out of every cache.
const cacheControlPreview = "private, no-store"

// servePreview shows a draft or scheduled entry to whoever holds a valid
// preview link (GET /preview/{token} on any host), with the page of the
// entry's site and a banner saying that it is not published. Preview pages
// are never cached or indexed, and send no Referer (the token is the key).
func (s *Site) servePreview(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	r = r.WithContext(ctx)
	previewHeaders := func() {
		s.securityHeaders(w, r)
		h := w.Header()
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Robots-Tag", "noindex")
	}
	notFound := func(q *req) {
		previewHeaders()
		s.errorPageWith(w, r, q, http.StatusNotFound, "preview.notfound", "preview.notfound.text", nil, cacheControlPreview)
	}
	if s.opts.Static {
		notFound(nil)
		return
	}
	pub, err := s.read.PreviewEntry(ctx, r.PathValue("token"))
	var e *centre.Entry
	if pub != nil && len(pub.Versions) == 1 {
		e = pub.Versions[0]
	}
	switch {
	case centre.IsCode(err, centre.ENOTFOUND):
		notFound(nil)
		return
	case centre.IsCode(err, centre.EGONE):
		var q *req
		var action *link
		if e != nil {
			if q, err = s.previewReq(w, r, e); err != nil && !centre.IsCode(err, centre.ENOTFOUND) {
				s.fail(w, r, err)
				return
			}
			if q != nil {
				action = &link{Href: q.entryURL(e.Lang, e.Slug), Text: msg(uiLang(q.lang), "preview.read")}
			}
		}
		previewHeaders()
		s.errorPageWith(w, r, q, http.StatusGone, "preview.gone", "preview.gone.text", action, cacheControlPreview)
		return
	case err != nil:
		s.fail(w, r, err)
		return
	case e == nil:
		s.fail(w, r, errors.New("web: preview without an entry"))
		return
	}
	q, err := s.previewReq(w, r, e)
	if centre.IsCode(err, centre.ENOTFOUND) {
		notFound(nil)
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	nav, err := s.navPages(q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.entryView(q, e, nil, nav, pub.Expired(e))
	v.Preview, v.NoIndex = true, true
	v.Entry.Preview = true // never "Published" nor a publication history
	v.Canonical, v.OG, v.JSONLD, v.Alternates = "", nil, nil, nil
	previewHeaders()
	w.Header().Set("Cache-Control", cacheControlPreview)
	s.render(q, "entry", v, http.StatusOK)
}

// previewReq returns the page request for showing entry e of its site: at
// "/" of the site's own host, or under /sites/{slug} on any other.
func (s *Site) previewReq(w http.ResponseWriter, r *http.Request, e *centre.Entry) (*req, error) {
	site, err := s.read.Site(r.Context(), e.Site)
	if err != nil {
		return nil, err
	}
	q := &req{w: w, r: r, site: site, prefix: "/sites/" + site.Slug, origin: s.originFor(r, ""),
		path: "/preview", lang: e.Lang, now: s.read.Time(), preview: true}
	if tok := r.PathValue("token"); tok != "" {
		q.files = "/preview/" + tok
	}
	q.banner, q.loc = site.ActiveBanner(q.now), site.Location()
	if s.opts.SiteForHost != nil {
		host := s.host(r)
		if slug, ok := s.opts.SiteForHost(r.Context(), host); ok && slug == site.Slug {
			q.prefix, q.origin = "", s.originFor(r, host)
		}
	}
	return q, nil
}
