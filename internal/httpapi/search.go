package httpapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/cursor"
	"infocentre/internal/search"
)

// Searcher searches the public entries of a site. Search returns ENOTFOUND
// for an unknown site and EINVALID (naming the field) for a bad query.
type Searcher interface {
	Search(ctx context.Context, site string, q search.Query) (search.Result, error)
}

// SearchResults is a page of search results.
type SearchResults struct {
	Items      []SearchHit   `json:"items"`
	Total      int           `json:"total"`
	Facets     search.Facets `json:"facets"`
	NextCursor string        `json:"next_cursor,omitempty"`
	// Suggestion is the query with its misspelt words corrected, when
	// the results are those of the correction (search.Result).
	Suggestion string `json:"suggestion,omitempty"`
}

// SearchHit is one matching entry. Snippet is HTML: escaped text with
// <mark> around the matched words.
type SearchHit struct {
	ID          string   `json:"id"`
	Slug        string   `json:"slug"`
	Lang        string   `json:"lang"`
	Type        string   `json:"type"`
	Title       string   `json:"title"`
	Summary     string   `json:"summary,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	PublishedAt string   `json:"published_at"`
	Withdrawn   bool     `json:"withdrawn"`
	Score       float64  `json:"score"`
	Snippet     string   `json:"snippet"`
	// Partial: the entry holds only some of the query's words (no entry
	// holds them all).
	Partial bool `json:"partial,omitempty"`
}

// searchQuery reads the search parameters, naming every bad one. A
// date-only "to" includes that whole day.
func searchQuery(r *http.Request, site string) (search.Query, error) {
	v := r.URL.Query()
	lq, err := listQuery(r, site)
	var p centre.Problems
	if err != nil {
		if e, ok := err.(*centre.Error); ok {
			for _, f := range e.Fields {
				p.Add(f.Field, "%s", f.Reason)
			}
		}
	}
	q := search.Query{Text: v.Get("q"), Type: lq.Type, Tag: lq.Tag, Organisation: lq.Organisation, Lang: lq.Lang, Limit: lq.Limit}
	if len(q.Text) > 4*search.MaxQueryLen {
		p.Add("q", "must be at most %d characters", search.MaxQueryLen)
		q.Text = ""
	}
	if v.Has("status") {
		p.Add("status", "is not a filter of the public API")
	}
	for _, name := range []string{"from", "to"} {
		s := v.Get(name)
		if s == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			d, derr := time.Parse(time.DateOnly, s)
			if derr != nil {
				p.Add(name, "must be a date (2006-01-02) or an RFC 3339 time")
				continue
			}
			t = d
			if name == "to" {
				t = t.AddDate(0, 0, 1)
			}
		}
		if name == "from" {
			q.From = t.UTC()
		} else {
			q.To = t.UTC()
		}
	}
	return q, p.Err()
}

func searchScope(site string, q search.Query) string {
	return cursor.Scope(site, "search", q.Text, q.Type, q.Tag, centre.OrgKey(q.Organisation), strings.ToLower(q.Lang),
		q.From.Format(time.RFC3339Nano), q.To.Format(time.RFC3339Nano))
}

func (h *Handler) searchEntries(w http.ResponseWriter, r *http.Request) {
	site := r.PathValue("site")
	q, err := searchQuery(r, site)
	if err != nil {
		writeError(w, r, err)
		return
	}
	scope := searchScope(site, q)
	if q.After, err = h.cfg.Cursors.Open(scope, r.URL.Query().Get("cursor")); err != nil {
		writeError(w, r, err)
		return
	}
	res, err := h.cfg.Search.Search(r.Context(), site, q)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := SearchResults{Items: make([]SearchHit, 0, len(res.Hits)), Total: res.Total, Facets: res.Facets,
		NextCursor: h.cfg.Cursors.Seal(scope, res.Next), Suggestion: res.Suggestion}
	for _, hit := range res.Hits {
		out.Items = append(out.Items, SearchHit{ID: hit.ID, Slug: hit.Slug, Lang: hit.Lang, Type: hit.Type,
			Title: hit.Title, Summary: hit.Summary, Tags: hit.Tags, PublishedAt: hit.PublishedAt.Format(timeFormat),
			Withdrawn: hit.Withdrawn, Score: hit.Score, Snippet: hit.Snippet, Partial: hit.Partial})
	}
	h.cacheableJSON(w, r, out)
}
