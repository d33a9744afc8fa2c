package httpapi

import (
	_ "embed"
	"net/http"
	"strconv"
	"strings"
	"time"

	"infocentre/internal/centre"
)

func (h *Handler) routePublic(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /api/v1/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		h.cacheable(w, r, "application/json", openapiDoc())
	})
	mux.HandleFunc("GET /api/v1/sites/{site}", h.getPublicSite)
	mux.HandleFunc("GET /api/v1/sites/{site}/entries", h.listPublicEntries)
	mux.HandleFunc("GET /api/v1/sites/{site}/entries/{slug}", h.getPublicEntry)
	mux.HandleFunc("GET /api/v1/preview/{token}", h.getPreview)
	mux.HandleFunc("OPTIONS /api/v1/", publicPreflight)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, http.StatusNotFound, centre.ENOTFOUND, "no such API route: "+r.Method+" "+r.URL.Path, nil)
	})
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
