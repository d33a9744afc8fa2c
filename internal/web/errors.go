package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"infocentre/internal/centre"
)

// generic is the site shown on error pages outside any site.
var generic = &centre.Site{Title: "Information centre", Languages: []string{"en"}}

// notFound answers 404 in the style of the site of q (or a plain style if
// q is nil). textKey names the message that replaces the default
// explanation.
func (s *Site) notFound(w http.ResponseWriter, r *http.Request, q *req, textKey string) {
	if textKey == "" {
		textKey = "notfound.text"
	}
	s.errorPage(w, r, q, http.StatusNotFound, "notfound", textKey)
}

func (s *Site) gone(q *req) {
	s.errorPage(q.w, q.r, q, http.StatusGone, "gone", "gone.text")
}

func (s *Site) errorPage(w http.ResponseWriter, r *http.Request, q *req, status int, titleKey, textKey string) {
	s.errorPageWith(w, r, q, status, titleKey, textKey, nil, cacheControlNotFound)
}

// errorPageWith answers an error page that may offer an action link, with
// its own Cache-Control.
func (s *Site) errorPageWith(w http.ResponseWriter, r *http.Request, q *req, status int, titleKey, textKey string, action *link, cacheControl string) {
	if q == nil || q.site == nil {
		q = &req{w: w, r: r, site: generic, prefix: "", origin: s.originFor(r, ""), path: r.URL.Path, lang: "en"}
	}
	var nav []*centre.Entry
	if q.site != generic {
		var err error
		if nav, err = s.navPages(q); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	et := s.newETag(q, "error"+strconv.Itoa(status))
	et.add(titleKey, textKey)
	if action != nil {
		et.add(action.Href, action.Text)
	}
	et.entries(nav)
	s.securityHeaders(w, r)
	w.Header().Set("X-Robots-Tag", "noindex")
	if notModified(w, r, et.String(), et.cc(cacheControl)) {
		return
	}
	ui := uiLang(q.lang)
	v := s.baseView(q, msg(ui, titleKey), nav)
	v.Intro = msg(ui, textKey)
	v.NoIndex = true
	v.Action = action
	if q.site == generic {
		v.Nav, v.Feeds, v.FooterFeeds, v.ThemeCSS, v.OpenSearch = nil, nil, nil, "", ""
		v.SearchBox, v.Indexes, v.Langs = nil, nil, nil
	}
	s.render(q, "error", v, status)
}

// fail answers an unexpected error: 503 for an unavailable dependency (so
// that caches serve a stale copy), 500 otherwise. Details are only logged.
func (s *Site) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	if centre.IsCode(err, centre.EUNAVAILABLE) || errors.Is(err, context.DeadlineExceeded) {
		status = http.StatusServiceUnavailable
		w.Header().Set("Retry-After", "5")
	}
	if errors.Is(err, context.Canceled) {
		return // the client went away
	}
	s.log.ErrorContext(r.Context(), "web: request failed", "method", r.Method, "path", centre.LogPath(r.URL.Path), "status", status, "err", err)
	s.securityHeaders(w, r)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(http.StatusText(status) + "\n"))
}
