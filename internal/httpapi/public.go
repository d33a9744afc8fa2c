package httpapi

import (
	_ "embed"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"infocentre/internal/centre"
)

// routePublic registers the public read API on mux. Its routes are told
// apart here, by their path segments, rather than by a pattern each on
// mux: a ServeMux checks every pattern against the others as it is
// registered, work that every cold start of the public function paid
// for. The mux still cleans paths (redirecting "//" and "/../") before
// this sees them.
//
//	GET /healthz
//	GET /api/v1/openapi.json
//	GET /api/v1/sites/{site}
//	GET /api/v1/sites/{site}/entries
//	GET /api/v1/sites/{site}/entries/{slug}
//	GET /api/v1/sites/{site}/search    (when Config.Search is set)
//	GET /api/v1/preview/{token}
//	OPTIONS /api/v1/...                CORS preflight (a pattern on mux)
//	/api/...                           404 problem
//
// GET routes answer HEAD too; any other method gets the 404 problem, as
// it did from a ServeMux with a pattern each and the catch-all /api/
// (TestReadRoutesAsServeMux).
func (h *Handler) routePublic(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("OPTIONS /api/v1/", publicPreflight)
	mux.HandleFunc("/api/", h.serveReadAPI)
}

// serveReadAPI routes a request under /api/ (see routePublic).
func (h *Handler) serveReadAPI(w http.ResponseWriter, r *http.Request) {
	if route := h.readRoute(r); route != nil {
		route(w, r)
		return
	}
	writeProblem(w, r, http.StatusNotFound, centre.ENOTFOUND, "no such API route: "+r.Method+" "+r.URL.Path, nil)
}

// readRoute returns the handler of r's read API route, with r's path
// values set, or nil.
func (h *Handler) readRoute(r *http.Request) http.HandlerFunc {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return nil
	}
	seg := pathSegments(strings.TrimPrefix(r.URL.EscapedPath(), "/"))
	if len(seg) < 3 || seg[0] != "api" || seg[1] != "v1" {
		return nil
	}
	seg = seg[2:]
	switch {
	case len(seg) == 1 && seg[0] == "openapi.json":
		return func(w http.ResponseWriter, r *http.Request) { h.cacheable(w, r, "application/json", openapiDoc()) }
	case len(seg) == 2 && seg[0] == "preview" && seg[1] != "":
		r.SetPathValue("token", seg[1])
		return h.getPreview
	case len(seg) < 2 || len(seg) > 4 || seg[0] != "sites" || seg[1] == "":
		return nil
	}
	var route http.HandlerFunc
	switch {
	case len(seg) == 2:
		route = h.getPublicSite
	case len(seg) == 3 && seg[2] == "entries":
		route = h.listPublicEntries
	case len(seg) == 4 && seg[2] == "entries" && seg[3] != "":
		r.SetPathValue("slug", seg[3])
		route = h.getPublicEntry
	case len(seg) == 3 && seg[2] == "search" && h.cfg.Search != nil:
		route = h.searchEntries
	default:
		return nil
	}
	r.SetPathValue("site", seg[1])
	return route
}

// pathSegments splits an escaped path (without its leading "/") at its
// slashes and unescapes each segment, as a ServeMux matches them (a
// segment that does not unescape is kept as it is). A trailing slash
// gives a last segment "", which no wildcard matches; so does "%2F",
// which a ServeMux takes for a trailing slash.
func pathSegments(p string) []string {
	seg := strings.Split(p, "/")
	for i, s := range seg {
		if strings.IndexByte(s, '%') < 0 {
			continue
		}
		switch u, err := url.PathUnescape(s); {
		case err != nil:
		case u == "/":
			seg[i] = ""
		default:
			seg[i] = u
		}
	}
	return seg
}

// PublicSite is the public profile of a site.
type PublicSite struct {
	Slug        string         `json:"slug"`
	Title       string         `json:"title"`
	Tagline     string         `json:"tagline,omitempty"`
	Description string         `json:"description,omitempty"`
	Languages   []string       `json:"languages"`
	Publisher   string         `json:"publisher"`
	Contact     centre.Contact `json:"contact"`
	Theme       centre.Theme   `json:"theme"`
	TimeZone    string         `json:"time_zone,omitempty"`
	// Translations are the title, tagline and description in the site's
	// other languages; Labels the names of tags and organisations per
	// language.
	Translations []centre.SiteText `json:"translations,omitempty"`
	Labels       []centre.Label    `json:"labels,omitempty"`
	Status       string            `json:"status"`
	ArchivedAt   string            `json:"archived_at,omitempty"`
	UpdatedAt    string            `json:"updated_at"`
	// Banner is the site's emergency banner while it is shown.
	Banner *PublicBanner `json:"banner,omitempty"`
}

// PublicBanner is what the public sees of a site's emergency banner.
type PublicBanner struct {
	ID        string `json:"id"`
	Severity  string `json:"severity"`
	Heading   string `json:"heading"`
	Text      string `json:"text,omitempty"`
	URL       string `json:"url,omitempty"`
	ExpiresAt string `json:"expires_at,omitempty"`
	SetAt     string `json:"set_at"`
	UpdatedAt string `json:"updated_at"`
}

// publicSite is the profile of s as the public sees it at time now.
func publicSite(s *centre.Site, now time.Time) PublicSite {
	p := PublicSite{Slug: s.Slug, Title: s.Title, Tagline: s.Tagline, Description: s.Description,
		Languages: s.Languages, Publisher: s.Publisher, Contact: s.Contact, Theme: s.Theme,
		TimeZone: s.TimeZone, Translations: s.Translations, Labels: s.Labels, Status: s.Status,
		UpdatedAt: s.UpdatedAt.Format(timeFormat)}
	if !s.ArchivedAt.IsZero() {
		p.ArchivedAt = s.ArchivedAt.Format(timeFormat)
	}
	if b := s.ActiveBanner(now); b != nil {
		p.Banner = &PublicBanner{ID: b.ID, Severity: b.Severity, Heading: b.Heading, Text: b.Text, URL: b.URL,
			SetAt: b.SetAt.Format(timeFormat), UpdatedAt: b.UpdatedAt.Format(timeFormat)}
		if !b.ExpiresAt.IsZero() {
			p.Banner.ExpiresAt = b.ExpiresAt.Format(timeFormat)
		}
	}
	return p
}

const timeFormat = "2006-01-02T15:04:05.000Z07:00"

func (h *Handler) getPublicSite(w http.ResponseWriter, r *http.Request) {
	site, err := h.cfg.Service.Site(r.Context(), r.PathValue("site"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	now := h.cfg.Service.Time()
	var until time.Time
	if b := site.ActiveBanner(now); b != nil {
		until = b.ExpiresAt // no cache may keep the banner past its expiry
	}
	h.cacheableJSONUntil(w, r, publicSite(site, now), until, now)
}

func (h *Handler) listPublicEntries(w http.ResponseWriter, r *http.Request) {
	q, err := listQuery(r, r.PathValue("site"))
	if err == nil && q.Status != "" {
		err = &centre.Error{Code: centre.EINVALID, Message: "invalid fields: status",
			Fields: []centre.FieldError{{Field: "status", Reason: "is not a filter of the public API"}}}
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	scope := cursorScope(q, true)
	if q.After, err = h.cfg.Cursors.Open(scope, r.URL.Query().Get("cursor")); err != nil {
		writeError(w, r, err)
		return
	}
	page, err := h.cfg.Service.PublicEntries(r.Context(), q)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := PublicEntryList{Items: make([]PublicEntry, 0, len(page.Items)), NextCursor: h.cfg.Cursors.Seal(scope, page.Next)}
	for _, e := range page.Items {
		out.Items = append(out.Items, publicEntry(e))
	}
	now := h.cfg.Service.Time()
	h.cacheableJSONUntil(w, r, out, expiresFirst(now, page.Items...), now)
}

func (h *Handler) getPublicEntry(w http.ResponseWriter, r *http.Request) {
	lang := r.URL.Query().Get("lang")
	if lang != "" && !centre.ValidLanguage(lang) {
		writeError(w, r, &centre.Error{Code: centre.EINVALID, Message: "invalid fields: lang",
			Fields: []centre.FieldError{{Field: "lang", Reason: "must be a BCP 47 language tag"}}})
		return
	}
	versions, err := h.cfg.Service.PublicEntry(r.Context(), r.PathValue("site"), r.PathValue("slug"), lang)
	if err != nil {
		writeError(w, r, err)
		return
	}
	e := versions[0]
	if lang == "" {
		w.Header().Add("Vary", "Accept-Language")
		e = pickLanguage(versions, r.Header.Get("Accept-Language"))
	}
	w.Header().Set("Content-Language", e.Lang)
	now := h.cfg.Service.Time()
	h.cacheableJSONUntil(w, r, publicEntry(e), expiresFirst(now, e), now)
}

// pickLanguage chooses among language versions by the Accept-Language
// header (q-values honoured, primary subtags matched), falling back to the
// version published first.
func pickLanguage(versions []*centre.Entry, accept string) *centre.Entry {
	best, bestQ := (*centre.Entry)(nil), 0.0
	for _, part := range strings.Split(accept, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if tag == "" || q <= bestQ {
			continue
		}
		for _, e := range versions {
			if strings.EqualFold(e.Lang, tag) || strings.EqualFold(strings.SplitN(e.Lang, "-", 2)[0], strings.SplitN(tag, "-", 2)[0]) {
				best, bestQ = e, q
				break
			}
		}
	}
	if best != nil {
		return best
	}
	first := versions[0]
	for _, e := range versions[1:] {
		if e.PublishedAt.Before(first.PublishedAt) {
			first = e
		}
	}
	return first
}
