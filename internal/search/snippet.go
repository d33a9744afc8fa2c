package search

import (
	"html"
	"slices"
	"strings"
)

const (
	// snippetWords is the length of a snippet in words.
	snippetWords = 30
	// snippetLead is how many words come before the first match.
	snippetLead = 6
)

// snippet returns an HTML extract of r's body (or summary) around the
// words whose term ids are in terms, with <mark> around them. All text is
// escaped. Without a match in either, it is the start of the summary or
// body, with nothing marked.
func snippet(r *record, terms map[uint32]bool) string {
	for _, f := range []int{fBody, fSummary} {
		var hits []uint32
		for id := range terms {
			for _, p := range r.positions(id) {
				if int(p>>posField) == f {
					hits = append(hits, p&maxTokens)
				}
			}
		}
		if len(hits) == 0 {
			continue
		}
		slices.Sort(hits)
		hits = slices.Compact(hits)
		// The window with the most matches, starting a little before one.
		best, bestN := uint32(0), 0
		for i, h := range hits {
			n := 0
			for _, k := range hits[i:] {
				if k >= h+snippetWords-snippetLead {
					break
				}
				n++
			}
			if n > bestN {
				best, bestN = h, n
			}
		}
		start := uint32(0)
		if best > snippetLead {
			start = best - snippetLead
		}
		text := r.Body
		if f == fSummary {
			text = r.Summary
		}
		return extract(text, start, hits)
	}
	switch {
	case r.Summary != "":
		return extract(r.Summary, 0, nil)
	default:
		return extract(r.Body, 0, nil)
	}
}

// extract returns snippetWords words of text from word number start, as
// escaped HTML with the words numbered in marks wrapped in <mark>, with an
// ellipsis where text was cut.
func extract(text string, start uint32, marks []uint32) string {
	var b strings.Builder
	w := uint32(0)
	from, prev := -1, 0
	end := len(text)
	tokenize(text, func(t token) bool {
		if w < start {
			w++
			return true
		}
		if w >= start+snippetWords {
			end = prev
			return false
		}
		if from < 0 {
			from = t.start
			if start > 0 {
				b.WriteString("… ")
			}
		} else {
			b.WriteString(escapeSpace(text[prev:t.start]))
		}
		if _, ok := slices.BinarySearch(marks, w); ok {
			b.WriteString("<mark>")
			b.WriteString(html.EscapeString(text[t.start:t.end]))
			b.WriteString("</mark>")
		} else {
			b.WriteString(html.EscapeString(text[t.start:t.end]))
		}
		prev = t.end
		w++
		return true
	})
	if from < 0 {
		return ""
	}
	if end < len(text) {
		b.WriteString(" …")
	} else {
		b.WriteString(escapeSpace(strings.TrimRightFunc(text[prev:], isSpace)))
	}
	return b.String()
}

func isSpace(r rune) bool { return r == ' ' || r == '\n' || r == '\t' || r == '\r' }

// escapeSpace escapes s with each run of white space made one space.
func escapeSpace(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if isSpace(r) {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	if space {
		b.WriteByte(' ')
	}
	return html.EscapeString(b.String())
}
