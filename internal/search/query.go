package search

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"infocentre/internal/centre"
)

// Limits on queries.
const (
	MaxQueryLen   = 500 // characters
	MaxQueryTerms = 32
	DefaultLimit  = 20
	MaxLimit      = 100
	// MaxOffset bounds how deep a client may page into one result set.
	MaxOffset = 10000
)

// Query is a search of one site's public entries.
//
// Text holds words and "quoted phrases". Every word must match (stemmed,
// case- and accent-insensitively), except common function words when the
// query has other words; the last word also matches as a prefix unless
// the text ends with a space or a closing quote. Search forgives: a word
// that no entry holds is replaced by the closest word of the index (one
// edit away, two from 9 letters; Result.Suggestion), and when no entry
// matches every word, the entries that match at least half of them are
// the results, marked Hit.Partial. Each phrase must match as
// consecutive words of one field. Matches rank by BM25F score, then newest
// first; withdrawn entries are found, marked, and rank below current
// entries that match as well; entries past their ExpiresAt are left out,
// as in public listings. A Text without words lists the entries that pass
// the filters, newest first. From is inclusive, To exclusive.
type Query struct {
	Text         string
	Type         string    // entry type, exact
	Tag          string    // tag, exact
	Organisation string    // matched by centre.OrgKey
	Lang         string    // language tag, case-insensitive
	From         time.Time // published at or after, if set
	To           time.Time // published before, if set
	Limit        int       // 1..MaxLimit; 0 means DefaultLimit
	After        string    // Next of the previous page; "" for the first
	Now          time.Time // leave out entries expired at Now; zero means the current time
}

// Result is one page of a search.
type Result struct {
	Hits  []Hit `json:"hits"`
	Total int   `json:"total"` // matching entries in all pages
	// Suggestion is the query text with the words that no entry holds
	// replaced by the closest words of the index ("radiotherpy" →
	// "radiotherapy"), when any were; the results are those of the
	// corrected words.
	Suggestion string `json:"suggestion,omitempty"`
	Facets     Facets `json:"facets"`
	Next       string `json:"next,omitempty"` // the After of the next page; "" on the last
}

// Hit is one matching entry.
type Hit struct {
	ID          string    `json:"id"`
	Slug        string    `json:"slug"`
	Lang        string    `json:"lang"`
	Type        string    `json:"type"`
	Title       string    `json:"title"`
	Summary     string    `json:"summary,omitempty"`
	Tags        []string  `json:"tags,omitempty"`
	PublishedAt time.Time `json:"published_at"`
	Withdrawn   bool      `json:"withdrawn"`
	Score       float64   `json:"score"`
	// Snippet is an extract of the text around the matched words: HTML
	// whose text is escaped, with <mark> around each matched word.
	Snippet string `json:"snippet"`
	// Partial marks an entry that holds only some of the query's words:
	// when no entry holds them all, the results are the entries that hold
	// most of them (at least half), the most first.
	Partial bool `json:"partial,omitempty"`
}

// Facets counts the entries of the whole result set by type, by tag and
// by organisation (under the name that the first entry of the results
// writes for its centre.OrgKey: the newest, without query words).
type Facets struct {
	Types         map[string]int `json:"types"`
	Tags          map[string]int `json:"tags"`
	Organisations map[string]int `json:"organisations"`
}

// clause is one required or optional part of a parsed query: a word, or
// a phrase of several words.
type clause struct {
	words    []string // lowercased
	prefix   bool     // the (single) word also matches as a prefix
	optional bool
}

func (c clause) phrase() bool { return len(c.words) > 1 }

// parsed is a validated query.
type parsed struct {
	Query
	clauses []clause
	offset  int
	orgKey  string
}

// parse validates q and splits its text into clauses. It returns an
// EINVALID *centre.Error naming each bad field ("q", "limit", "cursor",
// "to").
func parse(q Query) (parsed, error) {
	var p centre.Problems
	out := parsed{Query: q, orgKey: centre.OrgKey(q.Organisation)}
	if out.Now.IsZero() {
		out.Now = time.Now()
	}
	if n := utf8.RuneCountInString(q.Text); n > MaxQueryLen {
		p.Add("q", "must be at most %d characters (got %d)", MaxQueryLen, n)
	} else if !utf8.ValidString(q.Text) {
		p.Add("q", "must be UTF-8 text")
	} else {
		var err string
		out.clauses, err = parseText(q.Text)
		if err != "" {
			p.Add("q", "%s", err)
		}
	}
	switch {
	case q.Limit == 0:
		out.Limit = DefaultLimit
	case q.Limit < 1 || q.Limit > MaxLimit:
		p.Add("limit", "must be from 1 to %d", MaxLimit)
	}
	if q.After != "" {
		n, err := strconv.Atoi(q.After)
		if err != nil || n < 0 || n > MaxOffset || strconv.Itoa(n) != q.After {
			p.Add("cursor", "is not a cursor of this search")
		}
		out.offset = n
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		p.Add("to", "must be after from")
	}
	return out, p.Err()
}

// parseText splits text into clauses, or returns why it cannot.
func parseText(text string) ([]clause, string) {
	var clauses []clause
	terms := 0
	addWords := func(s string, phrase bool) {
		var words []string
		tokenize(s, func(t token) bool {
			words = append(words, t.lower)
			return true
		})
		terms += len(words)
		if phrase && len(words) > 1 {
			clauses = append(clauses, clause{words: words})
			return
		}
		for _, w := range words {
			clauses = append(clauses, clause{words: []string{w}})
		}
	}
	rest := text
	for {
		i := strings.IndexByte(rest, '"')
		if i < 0 {
			addWords(rest, false)
			break
		}
		addWords(rest[:i], false)
		rest = rest[i+1:]
		j := strings.IndexByte(rest, '"')
		if j < 0 {
			// An unclosed quote is being typed: its words are plain words.
			addWords(rest, false)
			break
		}
		addWords(rest[:j], true)
		rest = rest[j+1:]
	}
	if terms > MaxQueryTerms {
		return nil, "must have at most " + strconv.Itoa(MaxQueryTerms) + " words"
	}
	if len(clauses) == 0 {
		return nil, ""
	}
	// The last word matches as a prefix while it is being typed.
	last := &clauses[len(clauses)-1]
	if !last.phrase() {
		r, _ := utf8.DecodeLastRuneInString(text)
		if !unicode.IsSpace(r) && r != '"' {
			last.prefix = true
		}
	}
	// Function words are optional when something else is required.
	content := 0
	for _, c := range clauses {
		if c.phrase() || !isStopword(fold(c.words[0])) {
			content++
		}
	}
	if content > 0 {
		for i := range clauses {
			c := &clauses[i]
			if !c.phrase() && isStopword(fold(c.words[0])) && !c.prefix {
				c.optional = true
			}
		}
	}
	return clauses, ""
}
