package search

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
)

const (
	// prefixWeight discounts a word that matched only as a prefix of the
	// last query word, so that whole-word matches rank first.
	prefixWeight = 0.6
	// maxExpansions bounds the words a prefix expands to (the most
	// frequent ones are kept).
	maxExpansions = 64
	// withdrawnWeight ranks withdrawn entries below current ones that
	// match as well.
	withdrawnWeight = 0.7
)

// scratch holds per-search working arrays, indexed by document number.
type scratch struct {
	total   []float64
	clause  []float64
	matched []uint8 // required clauses matched
	seen    []bool
	touched []uint32 // documents with total or matched set
	ctouch  []uint32 // documents with clause set
}

func (ix *Index) getScratch() *scratch {
	s, _ := ix.scratch.Get().(*scratch)
	if s == nil {
		s = &scratch{}
	}
	if n := len(ix.docs); len(s.total) < n {
		s.total = make([]float64, n+n/4)
		s.clause = make([]float64, n+n/4)
		s.matched = make([]uint8, n+n/4)
		s.seen = make([]bool, n+n/4)
	}
	return s
}

func (ix *Index) putScratch(s *scratch) {
	for _, n := range s.touched {
		s.total[n], s.matched[n], s.seen[n] = 0, 0, false
	}
	s.touched = s.touched[:0]
	s.ctouch = s.ctouch[:0]
	ix.scratch.Put(s)
}

type candidate struct {
	doc     uint32
	score   float64
	matched int  // required clauses matched
	partial bool // not every required clause
}

// Search returns the page of public entries that match q. Returns EINVALID
// (fields "q", "limit", "cursor", "to") for a bad query.
func (ix *Index) Search(ctx context.Context, q Query) (Result, error) {
	p, err := parse(q)
	if err != nil {
		return Result{}, err
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()

	var cands []candidate
	var matchedTerms map[*group]map[uint32]bool
	var suggestion string
	if len(p.clauses) > 0 {
		suggestion = ix.correct(&p)
	}
	if len(p.clauses) == 0 {
		for _, n := range ix.newestFirst() {
			if ix.passes(ix.docs[n], &p) {
				cands = append(cands, candidate{doc: n})
			}
		}
	} else {
		s := ix.getScratch()
		defer ix.putScratch(s)
		matchedTerms = map[*group]map[uint32]bool{}
		required := 0
		for _, c := range p.clauses {
			if !c.optional {
				required++
			}
		}
		for _, g := range ix.groups {
			if g.docs == 0 || (p.Lang != "" && analyzerKey(p.Lang) != g.key) {
				continue
			}
			terms := map[uint32]bool{}
			for _, c := range p.clauses {
				ix.scoreClause(g, c, s, terms)
			}
			matchedTerms[g] = terms
		}
		var partial []candidate
		for _, n := range s.touched {
			m := int(s.matched[n])
			full := m >= required
			if (!full && (required < 2 || m < partialMin(required))) || !ix.passes(ix.docs[n], &p) {
				continue
			}
			score := s.total[n]
			if ix.docs[n].Withdrawn {
				score *= withdrawnWeight
			}
			// Round so that near-equal scores fall back to recency.
			score = math.Round(score*1e4) / 1e4
			if full {
				cands = append(cands, candidate{doc: n, score: score, matched: m})
			} else {
				partial = append(partial, candidate{doc: n, score: score, matched: m, partial: true})
			}
		}
		// When no document holds every required word, the ones that hold
		// most of them (at least half) are the results, marked partial.
		if len(cands) == 0 {
			cands = partial
		}
		slices.SortFunc(cands, func(a, b candidate) int {
			if c := cmp.Compare(b.matched, a.matched); c != 0 {
				return c
			}
			if c := cmp.Compare(b.score, a.score); c != 0 {
				return c
			}
			return ix.newer(a.doc, b.doc)
		})
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}

	res := Result{Total: len(cands), Suggestion: suggestion, Hits: []Hit{}, Facets: Facets{Types: map[string]int{}, Tags: map[string]int{}, Organisations: map[string]int{}}}
	orgNames := map[string]string{} // OrgKey -> the name counted under
	for _, c := range cands {
		r := ix.docs[c.doc]
		res.Facets.Types[r.Type]++
		for _, t := range r.Tags {
			res.Facets.Tags[t]++
		}
		for i, o := range r.Organisations {
			k := r.orgKeys[i]
			if slices.Contains(r.orgKeys[:i], k) {
				continue // the same organisation written twice
			}
			if _, ok := orgNames[k]; !ok {
				orgNames[k] = o
			}
			res.Facets.Organisations[orgNames[k]]++
		}
	}
	end := min(p.offset+p.Limit, len(cands))
	for i := p.offset; i < end; i++ {
		c := cands[i]
		r := ix.docs[c.doc]
		res.Hits = append(res.Hits, Hit{
			ID: r.ID, Slug: r.Slug, Lang: r.Lang, Type: r.Type, Title: r.Title, Summary: r.Summary,
			Tags: slices.Clone(r.Tags), PublishedAt: r.PublishedAt, Withdrawn: r.Withdrawn, Score: c.score,
			Snippet: snippet(r, matchedTerms[r.group]), Partial: c.partial,
		})
	}
	if end < len(cands) && end <= MaxOffset {
		res.Next = strconv.Itoa(end)
	}
	return res, nil
}

// passes reports whether r passes the filters of p.
func (ix *Index) passes(r *record, p *parsed) bool {
	switch {
	case !r.live:
		return false
	case !r.ExpiresAt.IsZero() && !p.Now.Before(r.ExpiresAt):
		return false
	case p.Type != "" && r.Type != p.Type:
		return false
	case p.Lang != "" && !strings.EqualFold(r.Lang, p.Lang):
		return false
	case !p.From.IsZero() && r.PublishedAt.Before(p.From):
		return false
	case !p.To.IsZero() && !r.PublishedAt.Before(p.To):
		return false
	case p.Tag != "" && !slices.Contains(r.Tags, p.Tag):
		return false
	case p.Organisation != "" && !slices.Contains(r.orgKeys, p.orgKey):
		return false
	}
	return true
}

// expansion is a term a query word stands for, with its weight.
type expansion struct {
	id     uint32
	weight float64
}

// expand returns the terms of group g that query word w matches: its
// stems, and with prefix the words that start with it.
func (g *group) expand(w string, prefix bool) []expansion {
	var out []expansion
	for _, id := range g.lookup(w) {
		out = append(out, expansion{id, 1})
	}
	if !prefix {
		return out
	}
	f := fold(w)
	list := g.prefixList()
	i, _ := slices.BinarySearchFunc(list, f, func(e prefixEntry, f string) int { return strings.Compare(e.word, f) })
	var more []expansion
	for ; i < len(list) && strings.HasPrefix(list[i].word, f); i++ {
		for _, id := range list[i].ids {
			if !slices.ContainsFunc(out, func(e expansion) bool { return e.id == id }) &&
				!slices.ContainsFunc(more, func(e expansion) bool { return e.id == id }) {
				more = append(more, expansion{id, prefixWeight})
			}
		}
	}
	if len(more) > maxExpansions {
		slices.SortFunc(more, func(a, b expansion) int {
			return cmp.Compare(len(g.postings[b.id]), len(g.postings[a.id]))
		})
		more = more[:maxExpansions]
	}
	return append(out, more...)
}

// bm25f returns the BM25F weight of one posting (without IDF).
func (ix *Index) bm25f(p *posting, avg *[nFields]float64) float64 {
	r := ix.docs[p.doc]
	tf := 0.0
	for f := range nFields {
		if p.tf[f] == 0 {
			continue
		}
		norm := 1.0
		if avg[f] > 0 {
			norm = 1 - fieldB[f] + fieldB[f]*float64(r.lens[f])/avg[f]
		}
		tf += fieldWeight[f] * float64(p.tf[f]) / norm
	}
	return tf / (k1 + tf)
}

func (ix *Index) avgLens() [nFields]float64 {
	var avg [nFields]float64
	if ix.live > 0 {
		for f := range nFields {
			avg[f] = ix.sumLen[f] / float64(ix.live)
		}
	}
	return avg
}

func idf(n, df int) float64 {
	return math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5))
}

// scoreClause adds the scores of clause c over the documents of group g
// to s, and records in terms the term ids that matched.
func (ix *Index) scoreClause(g *group, c clause, s *scratch, terms map[uint32]bool) {
	avg := ix.avgLens()
	if c.phrase() {
		ix.scorePhrase(g, c, s, terms, &avg)
	} else {
		for _, e := range g.expand(c.words[0], c.prefix) {
			list := g.postings[e.id]
			if len(list) == 0 {
				continue
			}
			terms[e.id] = true
			w := e.weight * idf(g.docs, len(list))
			for i := range list {
				n := list[i].doc
				v := w * ix.bm25f(&list[i], &avg)
				if s.clause[n] == 0 {
					s.ctouch = append(s.ctouch, n)
				}
				if v > s.clause[n] {
					s.clause[n] = v
				}
			}
		}
	}
	for _, n := range s.ctouch {
		if !s.seen[n] {
			s.seen[n] = true
			s.touched = append(s.touched, n)
		}
		s.total[n] += s.clause[n]
		if !c.optional {
			s.matched[n]++
		}
		s.clause[n] = 0
	}
	s.ctouch = s.ctouch[:0]
}

// scorePhrase scores the documents of g holding the words of c one after
// the other in one field.
func (ix *Index) scorePhrase(g *group, c clause, s *scratch, terms map[uint32]bool, avg *[nFields]float64) {
	ids := make([][]uint32, len(c.words))
	rarest := -1
	for i, w := range c.words {
		for _, id := range g.lookup(w) {
			if len(g.postings[id]) > 0 {
				ids[i] = append(ids[i], id)
			}
		}
		if len(ids[i]) == 0 {
			return
		}
		if rarest < 0 || df(g, ids[i]) < df(g, ids[rarest]) {
			rarest = i
		}
	}
	seen := map[uint32]bool{}
	for _, id := range ids[rarest] {
		for _, p := range g.postings[id] {
			if seen[p.doc] {
				continue
			}
			seen[p.doc] = true
			r := ix.docs[p.doc]
			var tf [nFields]uint16
			if !phraseAt(r, ids, &tf) {
				continue
			}
			pp := posting{doc: p.doc, tf: tf}
			// A phrase scores as rare as its rarest word, for each occurrence.
			v := float64(len(c.words)) * idf(g.docs, df(g, ids[rarest])) * ix.bm25f(&pp, avg)
			s.ctouch = append(s.ctouch, p.doc)
			s.clause[p.doc] = v
		}
	}
	if len(s.ctouch) > 0 {
		for _, list := range ids {
			for _, id := range list {
				terms[id] = true
			}
		}
	}
}

func df(g *group, ids []uint32) int {
	n := 0
	for _, id := range ids {
		n = max(n, len(g.postings[id]))
	}
	return n
}

// phraseAt reports whether r holds the words (each one of several term
// ids) at consecutive positions, and counts the occurrences per field.
func phraseAt(r *record, ids [][]uint32, tf *[nFields]uint16) bool {
	pos := make([][]uint32, len(ids))
	for i, alts := range ids {
		for _, id := range alts {
			pos[i] = append(pos[i], r.positions(id)...)
		}
		if len(alts) > 1 {
			slices.Sort(pos[i])
		}
	}
	found := false
	for _, start := range pos[0] {
		ok := true
		for i := 1; i < len(pos) && ok; i++ {
			_, ok = slices.BinarySearch(pos[i], start+uint32(i))
		}
		if ok {
			found = true
			if f := start >> posField; tf[f] < 1<<16-1 {
				tf[f]++
			}
		}
	}
	return found
}
