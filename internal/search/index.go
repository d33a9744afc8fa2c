package search

import (
	"cmp"
	"slices"
	"strings"
	"sync"

	"infocentre/internal/centre"
)

// Fields of a document, each with its own BM25F weight and length
// normalisation.
const (
	fTitle = iota
	fSummary
	fBody
	fTags
	fOrgs
	fAttachments
	nFields
)

var (
	// fieldWeight makes a title, tag or organisation match count more than
	// a match in the body.
	fieldWeight = [nFields]float64{fTitle: 5, fSummary: 2, fBody: 1, fTags: 4, fOrgs: 3, fAttachments: 2}
	// fieldB is BM25's length normalisation per field: short, list-like
	// fields are normalised less.
	fieldB = [nFields]float64{fTitle: 0.5, fSummary: 0.75, fBody: 0.75, fTags: 0.3, fOrgs: 0.3, fAttachments: 0.5}
)

const (
	k1 = 1.2
	// posField shifts the field number into a token position.
	posField = 24
	// valueGap separates the values of a list field (tags, organisations,
	// attachment titles) so that a phrase never spans two of them.
	valueGap = 8
	// maxTokens bounds the words indexed per field.
	maxTokens = 1<<posField - 1
)

// posting records that a document holds a term, with its frequency in each
// field.
type posting struct {
	doc uint32
	tf  [nFields]uint16
}

// group holds the dictionary and postings of the documents analysed the
// same way (same stemmer).
type group struct {
	key      string
	words    map[string][]uint32 // lowercased word → its term ids (analysis cache)
	dict     map[string]uint32   // term → id
	terms    []string
	postings [][]posting
	docs     int // live documents in the group

	// prefixes lists every folded word with its term ids, sorted, for
	// prefix search. It is rebuilt on first use after a change.
	prefixMu sync.Mutex
	prefixes []prefixEntry
}

type prefixEntry struct {
	word string
	ids  []uint32
}

func newGroup(key string) *group {
	return &group{key: key, words: map[string][]uint32{}, dict: map[string]uint32{}}
}

// termIDs returns the term ids of a lowercased word, creating them.
func (g *group) termIDs(lower string) []uint32 {
	if ids, ok := g.words[lower]; ok {
		return ids
	}
	forms := stemForms(g.key, lower)
	ids := make([]uint32, 0, len(forms))
	for _, t := range forms {
		id, ok := g.dict[t]
		if !ok {
			id = uint32(len(g.terms))
			g.dict[t] = id
			g.terms = append(g.terms, t)
			g.postings = append(g.postings, nil)
		}
		ids = append(ids, id)
	}
	g.words[strings.Clone(lower)] = ids
	g.prefixes = nil
	return ids
}

// lookup returns the term ids of a lowercased query word that exist in
// the group, without creating any.
func (g *group) lookup(lower string) []uint32 {
	if ids, ok := g.words[lower]; ok {
		return ids
	}
	var ids []uint32
	for _, t := range stemForms(g.key, lower) {
		if id, ok := g.dict[t]; ok && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// prefixList returns the sorted list of folded words. Callers hold the
// index's read lock; writers clear the list under the write lock.
func (g *group) prefixList() []prefixEntry {
	g.prefixMu.Lock()
	defer g.prefixMu.Unlock()
	if g.prefixes != nil {
		return g.prefixes
	}
	byFolded := make(map[string][]uint32, len(g.words))
	for w, ids := range g.words {
		f := fold(w)
		for _, id := range ids {
			if !slices.Contains(byFolded[f], id) {
				byFolded[f] = append(byFolded[f], id)
			}
		}
	}
	list := make([]prefixEntry, 0, len(byFolded))
	for w, ids := range byFolded {
		list = append(list, prefixEntry{w, ids})
	}
	slices.SortFunc(list, func(a, b prefixEntry) int { return strings.Compare(a.word, b.word) })
	g.prefixes = list
	return list
}

// record is an indexed document with what its analysis produced.
type record struct {
	Doc
	live    bool
	group   *group
	orgKeys []string
	lens    [nFields]uint32
	terms   []uint32 // sorted unique term ids
	posOff  []uint32 // positions of terms[i] are pos[posOff[i]:posOff[i+1]]
	pos     []uint32 // field<<posField | word index
}

// positions returns the positions of term id in r, or nil.
func (r *record) positions(id uint32) []uint32 {
	i, ok := slices.BinarySearch(r.terms, id)
	if !ok {
		return nil
	}
	return r.pos[r.posOff[i]:r.posOff[i+1]]
}

// Index is an in-memory search index of one site's public entries. It is
// safe for concurrent use: searches run in parallel, changes one at a time.
type Index struct {
	mu     sync.RWMutex
	docs   []*record // by internal number; removed ones stay with live=false
	byID   map[string]uint32
	groups map[string]*group
	live   int
	sumLen [nFields]float64

	orderMu sync.Mutex
	order   []uint32 // live documents, newest first; nil after a change

	scratch sync.Pool
	hitBuf  []uint64 // reused by add under the write lock
}

// New returns an empty index.
func New() *Index {
	return &Index{byID: map[string]uint32{}, groups: map[string]*group{}}
}

// Build returns an index of docs. It fails on the first invalid document.
func Build(docs []Doc) (*Index, error) {
	ix := New()
	ix.docs = make([]*record, 0, len(docs))
	for i := range docs {
		if err := ix.Upsert(docs[i]); err != nil {
			return nil, err
		}
	}
	return ix, nil
}

// Len returns the number of documents in the index.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.live
}

// Add indexes a new document. Returns ECONFLICT if its ID is indexed
// already, EINVALID if it is not a public entry's document.
func (ix *Index) Add(d Doc) error {
	if err := d.Validate(); err != nil {
		return err
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if _, ok := ix.byID[d.ID]; ok {
		return centre.Errorf(centre.ECONFLICT, "entry %s is indexed already", d.ID)
	}
	ix.add(d)
	return nil
}

// Upsert indexes a document, replacing the one with the same ID. Returns
// EINVALID if it is not a public entry's document.
func (ix *Index) Upsert(d Doc) error {
	if err := d.Validate(); err != nil {
		return err
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if n, ok := ix.byID[d.ID]; ok {
		ix.remove(n)
	}
	ix.add(d)
	ix.maybeCompact()
	return nil
}

// Remove drops the document with that ID and reports whether there was one.
func (ix *Index) Remove(id string) bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	n, ok := ix.byID[id]
	if ok {
		ix.remove(n)
		ix.maybeCompact()
	}
	return ok
}

// maybeCompact rebuilds the index once removed documents outnumber live
// ones (and a thousand), so that a long-lived index does not grow with
// every update. The caller holds the write lock.
func (ix *Index) maybeCompact() {
	dead := len(ix.docs) - ix.live
	if dead <= max(1024, ix.live) {
		return
	}
	fresh := New()
	for _, r := range ix.docs {
		if r.live {
			fresh.add(r.Doc)
		}
	}
	ix.docs, ix.byID, ix.groups, ix.sumLen = fresh.docs, fresh.byID, fresh.groups, fresh.sumLen
	ix.changed()
	ix.scratch = sync.Pool{}
}

// Docs returns the indexed documents, oldest indexed first.
func (ix *Index) Docs() []Doc {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	out := make([]Doc, 0, ix.live)
	for _, r := range ix.docs {
		if r.live {
			out = append(out, r.Doc)
		}
	}
	return out
}

// MarshalBinary encodes the indexed documents (see EncodeDocs).
func (ix *Index) MarshalBinary() ([]byte, error) { return EncodeDocs(ix.Docs()), nil }

// UnmarshalBinary replaces the index's content with the documents data
// encodes.
func (ix *Index) UnmarshalBinary(data []byte) error {
	docs, err := DecodeDocs(data)
	if err != nil {
		return err
	}
	built, err := Build(docs)
	if err != nil {
		return err
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.docs, ix.byID, ix.groups, ix.live, ix.sumLen = built.docs, built.byID, built.groups, built.live, built.sumLen
	ix.orderMu.Lock()
	ix.order = nil
	ix.orderMu.Unlock()
	ix.scratch = sync.Pool{}
	return nil
}

// add analyses d and indexes it. The caller holds the write lock.
func (ix *Index) add(d Doc) {
	key := analyzerKey(d.Lang)
	g := ix.groups[key]
	if g == nil {
		g = newGroup(key)
		ix.groups[key] = g
	}
	n := uint32(len(ix.docs))
	r := &record{Doc: d, live: true, group: g}
	for _, o := range d.Organisations {
		r.orgKeys = append(r.orgKeys, centre.OrgKey(o))
	}
	// Each hit is term<<32 | position, so that one integer sort groups
	// them by term in position order.
	hits := ix.hitBuf[:0]
	defer func() { ix.hitBuf = hits[:0] }()
	addText := func(field int, texts ...string) {
		w := uint32(0)
		for vi, s := range texts {
			if vi > 0 {
				w += valueGap
			}
			tokenize(s, func(t token) bool {
				if w >= maxTokens {
					return false
				}
				for _, id := range g.termIDs(t.lower) {
					hits = append(hits, uint64(id)<<32|uint64(uint32(field)<<posField|w))
				}
				w++
				r.lens[field]++
				return true
			})
		}
	}
	addText(fTitle, d.Title)
	addText(fSummary, d.Summary)
	addText(fBody, d.Body)
	addText(fTags, d.Tags...)
	addText(fOrgs, d.Organisations...)
	addText(fAttachments, d.Attachments...)

	slices.Sort(hits)
	unique := 0
	for i, h := range hits {
		if i == 0 || h>>32 != hits[i-1]>>32 {
			unique++
		}
	}
	r.terms = make([]uint32, 0, unique)
	r.posOff = make([]uint32, 0, unique+1)
	r.pos = make([]uint32, len(hits))
	for i, h := range hits {
		r.pos[i] = uint32(h)
		if term := uint32(h >> 32); i == 0 || term != uint32(hits[i-1]>>32) {
			r.terms = append(r.terms, term)
			r.posOff = append(r.posOff, uint32(i))
		}
	}
	r.posOff = append(r.posOff, uint32(len(hits)))
	for i, id := range r.terms {
		p := posting{doc: n}
		for _, pos := range r.pos[r.posOff[i]:r.posOff[i+1]] {
			if f := pos >> posField; p.tf[f] < 1<<16-1 {
				p.tf[f]++
			}
		}
		g.postings[id] = append(g.postings[id], p)
	}
	for f := range nFields {
		ix.sumLen[f] += float64(r.lens[f])
	}
	ix.docs = append(ix.docs, r)
	ix.byID[d.ID] = n
	ix.live++
	g.docs++
	ix.changed()
}

// remove drops document n. The caller holds the write lock.
func (ix *Index) remove(n uint32) {
	r := ix.docs[n]
	g := r.group
	for _, id := range r.terms {
		list := g.postings[id]
		if i, ok := slices.BinarySearchFunc(list, n, func(p posting, n uint32) int { return cmp.Compare(p.doc, n) }); ok {
			g.postings[id] = slices.Delete(list, i, i+1)
		}
	}
	for f := range nFields {
		ix.sumLen[f] -= float64(r.lens[f])
	}
	delete(ix.byID, r.ID)
	// Keep the document's fields for nobody: free its text and positions.
	ix.docs[n] = &record{}
	ix.live--
	g.docs--
	ix.changed()
}

// changed forgets derived orderings. The caller holds the write lock.
func (ix *Index) changed() {
	ix.orderMu.Lock()
	ix.order = nil
	ix.orderMu.Unlock()
}

// newestFirst returns the live documents ordered by publication time,
// newest first (ties: higher ID first). Callers hold the read lock.
func (ix *Index) newestFirst() []uint32 {
	ix.orderMu.Lock()
	defer ix.orderMu.Unlock()
	if ix.order != nil {
		return ix.order
	}
	order := make([]uint32, 0, ix.live)
	for n, r := range ix.docs {
		if r.live {
			order = append(order, uint32(n))
		}
	}
	slices.SortFunc(order, func(a, b uint32) int { return ix.newer(a, b) })
	ix.order = order
	return order
}

// newer orders documents newest first, then by descending ID.
func (ix *Index) newer(a, b uint32) int {
	ra, rb := ix.docs[a], ix.docs[b]
	if c := rb.PublishedAt.Compare(ra.PublishedAt); c != 0 {
		return c
	}
	return strings.Compare(rb.ID, ra.ID)
}
