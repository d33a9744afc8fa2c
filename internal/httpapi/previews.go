package httpapi

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// IssuedPreview is a new preview link.
type IssuedPreview struct {
	URL       string    `json:"url"`
	APIURL    string    `json:"api_url"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (h *Handler) createPreview(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ExpiresIn int64 `json:"expires_in"` // seconds
	}
	if h.optionalJSON(w, r, &in) != nil {
		return
	}
	if in.ExpiresIn == 0 {
		in.ExpiresIn = int64((7 * 24 * time.Hour).Seconds())
	}
	link, err := h.cfg.Service.CreatePreview(r.Context(), principal(r.Context()), r.PathValue("site"), r.PathValue("id"), time.Duration(in.ExpiresIn)*time.Second)
	if err != nil {
		writeError(w, r, err)
		return
	}
	withholdBody(r) // a preview link opens a draft to whoever holds it
	origin := h.origin(r)
	writeJSON(w, http.StatusCreated, IssuedPreview{URL: origin + "/preview/" + link.Token, APIURL: origin + "/api/v1/preview/" + link.Token, ExpiresAt: link.ExpiresAt})
}

// origin returns the origin of absolute links in a staff response to r:
// Config.PublicOrigin, else the scheme and host the request came to (from
// X-Forwarded-Proto and X-Forwarded-Host with Config.TrustForwarded). A
// staff response is never cached, so the caller's Host header decides only
// its own links.
func (h *Handler) origin(r *http.Request) string {
	if h.cfg.PublicOrigin != "" {
		return h.cfg.PublicOrigin
	}
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if h.cfg.TrustForwarded {
		if p, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ","); strings.TrimSpace(p) == "https" || strings.TrimSpace(p) == "http" {
			scheme = strings.TrimSpace(p)
		}
		if fh, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Host"), ","); strings.TrimSpace(fh) != "" {
			host = strings.TrimSpace(fh)
		}
	}
	if u, err := url.Parse(scheme + "://" + host); err != nil || u.Host != host || u.Hostname() == "" || strings.ContainsAny(host, "\"'<> ") {
		return "" // no usable host: root-relative links
	}
	return scheme + "://" + strings.ToLower(host)
}

func (h *Handler) revokePreviews(w http.ResponseWriter, r *http.Request) {
	e, err := h.cfg.Service.RevokePreviews(r.Context(), principal(r.Context()), r.PathValue("site"), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeVersioned(w, http.StatusOK, e.Version, e)
}

// getPreview shows a non-public entry to whoever holds a valid preview
// link. It is never cached, stored or indexed.
func (h *Handler) getPreview(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Robots-Tag", "noindex, nofollow")
	w.Header().Set("Referrer-Policy", "no-referrer")
	e, err := h.cfg.Service.Preview(r.Context(), r.PathValue("token"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, publicEntry(e))
}
