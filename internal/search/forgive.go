package search

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Forgiving search: a query word that no document holds is taken for a
// typo and replaced by the closest word of the index (Result.Suggestion
// names the corrected query), and a query whose required words are not all
// found in any document returns the documents that hold most of them,
// marked Partial, instead of nothing.

const (
	// minTypoLen is the shortest word corrected: shorter words have too
	// many neighbours one edit away.
	minTypoLen = 4
	// maxTypoLen is the longest word corrected (longer ones are not
	// words people type, and each comparison costs length²).
	maxTypoLen = 32
	// maxTypoChecks bounds the dictionary words compared with one query
	// word, over every group: the work per query is bounded by
	// MaxQueryTerms × maxTypoChecks distance computations.
	maxTypoChecks = 4000
)

// maxEdits is the number of edits (insertions, deletions, substitutions,
// transpositions of neighbours) a word of n characters may be away from
// its correction: one up to 8 characters, two from 9.
func maxEdits(n int) int {
	if n >= 9 {
		return 2
	}
	return 1
}

// known reports whether word (lowercased) matches a term of a searched
// group that some document holds, as a word or, with prefix, as the
// start of one.
func (ix *Index) known(groups []*group, word string, prefix bool) bool {
	for _, g := range groups {
		for _, e := range g.expand(word, prefix) {
			if len(g.postings[e.id]) > 0 {
				return true
			}
		}
	}
	return false
}

// correction returns the word of the searched groups closest to word
// (lowercased): fewest edits, then held by the most documents, then
// alphabetical; "" if none is within maxEdits. Only words with the same
// first letter are compared (typos rarely touch the first letter), at
// most maxTypoChecks of them.
func correction(groups []*group, word string) string {
	f := fold(word)
	n := utf8.RuneCountInString(f)
	if n < minTypoLen || n > maxTypoLen || strings.ContainsAny(f, "0123456789") {
		return "" // numbers are not misspelt: 2998 is not 2999
	}
	first, size := utf8.DecodeRuneInString(f)
	limit := maxEdits(n)
	best, bestDist, bestDF := "", limit+1, 0
	checks := 0
	for _, g := range groups {
		list := g.prefixList()
		i, _ := slices.BinarySearchFunc(list, f[:size], func(e prefixEntry, p string) int { return strings.Compare(e.word, p) })
		for ; i < len(list) && checks < maxTypoChecks; i++ {
			e := list[i]
			if r, _ := utf8.DecodeRuneInString(e.word); r != first {
				break
			}
			m := utf8.RuneCountInString(e.word)
			if m-n > limit || n-m > limit || e.word == f {
				continue
			}
			df := 0
			for _, id := range e.ids {
				df = max(df, len(g.postings[id]))
			}
			if df == 0 {
				continue // a word of removed documents only
			}
			checks++
			d := editDistance(f, e.word, limit)
			if d < bestDist || d == bestDist && (df > bestDF || df == bestDF && e.word < best) {
				best, bestDist, bestDF = e.word, d, df
			}
		}
	}
	if bestDist > limit {
		return ""
	}
	return best
}

// editDistance returns the optimal string alignment distance of a and b
// (Levenshtein with transpositions of neighbours), or limit+1 once it is
// known to exceed limit.
func editDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > limit || -d > limit {
		return limit + 1
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(rb)], limit+1)
}

// correct replaces each required single word of p that no searched
// document holds by its correction, and returns the query text with the
// corrections ("" if none was made).
func (ix *Index) correct(p *parsed) string {
	var groups []*group
	for _, g := range ix.groups {
		if g.docs > 0 && (p.Lang == "" || analyzerKey(p.Lang) == g.key) {
			groups = append(groups, g)
		}
	}
	slices.SortFunc(groups, func(a, b *group) int { return strings.Compare(a.key, b.key) })
	fixed := map[string]string{}
	for i := range p.clauses {
		c := &p.clauses[i]
		if c.phrase() || c.optional || ix.known(groups, c.words[0], c.prefix) {
			continue
		}
		if w := correction(groups, c.words[0]); w != "" {
			fixed[fold(c.words[0])] = w
			c.words[0], c.prefix = w, false
		}
	}
	if len(fixed) == 0 {
		return ""
	}
	// The text as typed, with each corrected word replaced.
	var b strings.Builder
	last := 0
	tokenize(p.Text, func(t token) bool {
		if w, ok := fixed[fold(t.lower)]; ok {
			b.WriteString(p.Text[last:t.start])
			b.WriteString(w)
			last = t.end
		}
		return true
	})
	b.WriteString(p.Text[last:])
	return strings.TrimSpace(b.String())
}

// partialMin is the number of required clauses a partial match must
// hold: at least half of them.
func partialMin(required int) int { return (required + 1) / 2 }
