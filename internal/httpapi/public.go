package httpapi

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"infocentre/internal/centre"
	"infocentre/internal/cursor"
)

//go:embed openapi.json
var openapiDoc []byte

// OpenAPIDocument returns the OpenAPI 3.1 document of every API route.
func OpenAPIDocument() []byte { return append([]byte(nil), openapiDoc...) }

func (h *Handler) routePublic(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /api/v1/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		h.cacheable(w, r, "application/json", openapiDoc)
	})
	mux.HandleFunc("GET /api/v1/sites/{site}", h.getPublicSite)
	mux.HandleFunc("GET /api/v1/sites/{site}/entries", h.listPublicEntries)
	mux.HandleFunc("GET /api/v1/sites/{site}/entries/{slug}", h.getPublicEntry)
	mux.HandleFunc("GET /api/v1/preview/{token}", h.getPreview)
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
	Status      string         `json:"status"`
	ArchivedAt  string         `json:"archived_at,omitempty"`
	UpdatedAt   string         `json:"updated_at"`
}

func publicSite(s *centre.Site) PublicSite {
	p := PublicSite{Slug: s.Slug, Title: s.Title, Tagline: s.Tagline, Description: s.Description,
		Languages: s.Languages, Publisher: s.Publisher, Contact: s.Contact, Theme: s.Theme,
		Status: s.Status, UpdatedAt: s.UpdatedAt.Format(timeFormat)}
	if !s.ArchivedAt.IsZero() {
		p.ArchivedAt = s.ArchivedAt.Format(timeFormat)
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
	h.cacheableJSON(w, r, publicSite(site))
}

// EntryList is a page of entries as staff see them (PublicEntryList is
// the public one).
type EntryList struct {
	Items      []*centre.Entry `json:"items"`
	NextCursor string          `json:"next_cursor,omitempty"`
}

// listQuery reads the filters and page size shared by the public and staff
// listings. It names every bad parameter.
func listQuery(r *http.Request, site string) (centre.EntryQuery, error) {
	v := r.URL.Query()
	q := centre.EntryQuery{Site: site, Type: v.Get("type"), Tag: v.Get("tag"),
		Organisation: v.Get("organisation"), Lang: v.Get("lang"), Status: v.Get("status"), Limit: 20}
	var p centre.Problems
	if q.Type != "" && !centre.ValidType(q.Type) {
		p.Add("type", "must be one of %s", strings.Join(centre.Types, ", "))
	}
	if q.Lang != "" && !centre.ValidLanguage(q.Lang) {
		p.Add("lang", "must be a BCP 47 language tag")
	}
	if q.Tag != "" && !centre.ValidSlug(q.Tag) {
		p.Add("tag", "must be a tag (lowercase letters, digits and hyphens)")
	}
	if len(q.Organisation) > centre.MaxOrgLen {
		p.Add("organisation", "must be at most %d characters", centre.MaxOrgLen)
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > centre.MaxPageSize {
			p.Add("limit", "must be a whole number from 1 to %d", centre.MaxPageSize)
		}
		q.Limit = n
	}
	return q, p.Err()
}

func cursorScope(q centre.EntryQuery, public bool) string {
	kind := "staff"
	if public {
		kind = "public"
	}
	return cursor.Scope(q.Site, kind, q.Status, q.Type, q.Tag, centre.OrgKey(q.Organisation), strings.ToLower(q.Lang))
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
	h.cacheableJSON(w, r, out)
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
	h.cacheableJSON(w, r, publicEntry(e))
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

// cacheableJSON answers a public GET with v, cacheable and conditional.
func (h *Handler) cacheableJSON(w http.ResponseWriter, r *http.Request, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if err := enc.Encode(v); err != nil {
		writeError(w, r, fmt.Errorf("encode response: %w", err))
		return
	}
	h.cacheable(w, r, "application/json", buf.Bytes())
}

// cacheable answers a public GET with body, a strong ETag derived from it,
// shared-cache friendly Cache-Control, and 304 for a matching
// If-None-Match.
func (h *Handler) cacheable(w http.ResponseWriter, r *http.Request, contentType string, body []byte) {
	sum := sha256.Sum256(body)
	etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
	hd := w.Header()
	maxAge := int(h.cfg.PublicMaxAge.Seconds())
	hd.Set("ETag", etag)
	hd.Set("Cache-Control", fmt.Sprintf("public, max-age=%d, s-maxage=%d, stale-while-revalidate=%d, stale-if-error=%d",
		maxAge, maxAge*5, maxAge*10, 86400))
	hd.Set("Access-Control-Allow-Origin", "*")
	hd.Add("Vary", "Accept-Encoding")
	if ETagMatch(r.Header.Values("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hd.Set("Content-Type", contentType)
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// ETagMatch reports whether any If-None-Match value (each possibly a
// comma-separated list, weak or strong) matches etag, by the weak
// comparison RFC 9110 prescribes for If-None-Match.
func ETagMatch(values []string, etag string) bool {
	want := strings.TrimPrefix(etag, "W/")
	for _, v := range values {
		for _, t := range strings.Split(v, ",") {
			t = strings.TrimSpace(t)
			if t == "*" || strings.TrimPrefix(t, "W/") == want {
				return true
			}
		}
	}
	return false
}
