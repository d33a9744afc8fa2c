package httpapi

import (
	"net/http"
	"strings"

	"infocentre/internal/centre"
)

// PublicSiteOf returns the slug of the site a public read API request
// reads (GET /api/v1/sites/{site}, …/entries, …/entries/{slug},
// …/search), or "" for any other request: what a shared cache of rendered
// responses may answer.
func PublicSiteOf(r *http.Request) string {
	rest, ok := strings.CutPrefix(r.URL.Path, "/api/v1/sites/")
	if !ok {
		return ""
	}
	slug, below, _ := strings.Cut(rest, "/")
	if !centre.ValidSlug(slug) {
		return ""
	}
	switch {
	case below == "", below == "entries", below == "search":
		return slug
	case strings.HasPrefix(below, "entries/") && !strings.Contains(below[len("entries/"):], "/"):
		return slug
	}
	return ""
}
