//go:build ignore

// Command gen_collation writes colltables.go: the collation elements
// (primary and secondary weights, ranked) that golang.org/x/text/collate
// gives the runes of the Latin, Greek and Cyrillic blocks and of the
// general punctuation and currency blocks, in the root collation and in
// every language collate tailors, with the contractions of those languages
// (Czech "ch", Danish "aa", Hungarian "dzs"…), and the languages that
// collate.New picks a tailoring for. The public site sorts its index pages
// with them (collKey) instead of linking collate (1.4 MB).
//
//	go run gen_collation.go [-o colltables.go]
//
// It is run by go generate (see collation.go); TestCollTablesFresh fails
// when the committed file differs from what it writes.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"log"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// ranges are the runes the tables cover, [lo, hi).
var ranges = [][2]rune{{0x0000, 0x0530}, {0x1E00, 0x20D0}}

// maxContraction is the longest contraction probed, in runes.
const maxContraction = 4

// elems is the collation elements of a string at the primary and
// secondary levels (collate.IgnoreCase drops the tertiary).
type elems struct{ prim, sec []int }

func (e elems) plus(f elems) elems {
	return elems{append(slices.Clone(e.prim), f.prim...), append(slices.Clone(e.sec), f.sec...)}
}

func (e elems) equal(f elems) bool { return slices.Equal(e.prim, f.prim) && slices.Equal(e.sec, f.sec) }

type coll struct {
	c   *collate.Collator
	buf collate.Buffer
}

func newColl(t language.Tag) *coll { return &coll{c: collate.New(t, collate.IgnoreCase)} }

// of returns the elements of s, parsed from its collate key: primaries of
// two bytes (three with the high bit set), 0 0, secondaries of two bytes.
func (c *coll) of(s string) elems {
	k := c.c.KeyFromString(&c.buf, s)
	defer c.buf.Reset()
	var e elems
	i := 0
	for i+1 < len(k) {
		if k[i]&0x80 != 0 {
			e.prim = append(e.prim, int(k[i]&0x7f)<<16|int(k[i+1])<<8|int(k[i+2]))
			i += 3
			continue
		}
		if k[i] == 0 && k[i+1] == 0 {
			i += 2
			break
		}
		e.prim = append(e.prim, int(k[i])<<8|int(k[i+1]))
		i += 2
	}
	for ; i+1 < len(k); i += 2 {
		e.sec = append(e.sec, int(k[i])<<8|int(k[i+1]))
	}
	return e
}

// split returns the primary and secondary parts of the key of s.
func (c *coll) split(s string) [2]string {
	k := c.c.KeyFromString(&c.buf, s)
	defer c.buf.Reset()
	for i := 0; i+1 < len(k); {
		if k[i]&0x80 != 0 {
			i += 3
			continue
		}
		if k[i] == 0 && k[i+1] == 0 {
			return [2]string{string(k[:i]), string(k[i+2:])}
		}
		i += 2
	}
	return [2]string{string(k), ""}
}

// table is a collation: the elements of every covered rune and its
// contractions.
type table struct {
	runes        map[rune]elems
	contractions map[string]elems
}

// simulate returns the elements of s as collKey computes them from t:
// at each position the longest contraction, else the rune.
func (t *table) simulate(s string) elems {
	var e elems
	for s != "" {
		n := 0
		for k, i := 0, 0; i < len(s) && k < maxContraction; k++ {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
			if _, ok := t.contractions[s[:i]]; ok && k > 0 {
				n = i
			}
		}
		if n > 0 {
			e = e.plus(t.contractions[s[:n]])
			s = s[n:]
			continue
		}
		r, size := utf8.DecodeRuneInString(s)
		e = e.plus(t.runes[r])
		s = s[size:]
	}
	return e
}

func covered() []rune {
	var rs []rune
	for _, rg := range ranges {
		for r := rg[0]; r < rg[1]; r++ {
			rs = append(rs, r)
		}
	}
	return rs
}

// candidates returns the runes probed for contractions, by script: the
// letters of Basic Latin, Latin-1 and Latin Extended-A with the apostrophe
// and middle dot that Latin contractions hold (Catalan "l·", Hausa "'y"),
// basic Greek and basic Cyrillic.
func candidates() [][]rune {
	var latin, greek, cyrillic []rune
	for r := rune(0); r < 0x180; r++ {
		if unicode.IsLetter(r) || r == '\'' || r == 0xB7 || r == 0x2019 {
			latin = append(latin, r)
		}
	}
	latin = append(latin, 0x2019)
	for r := rune(0x386); r < 0x3D0; r++ {
		if unicode.IsLetter(r) {
			greek = append(greek, r)
		}
	}
	for r := rune(0x400); r < 0x460; r++ {
		if unicode.IsLetter(r) {
			cyrillic = append(cyrillic, r)
		}
	}
	return [][]rune{latin, greek, cyrillic}
}

func build(c *coll) *table {
	t := &table{runes: map[rune]elems{}, contractions: map[string]elems{}}
	for _, r := range covered() {
		t.runes[r] = c.of(string(r))
	}
	for _, script := range candidates() {
		keys := map[rune][2]string{}
		for _, x := range script {
			keys[x] = c.split(string(x))
		}
		for _, x := range script {
			for _, y := range script {
				s := string([]rune{x, y})
				if k := c.split(s); k != [2]string{keys[x][0] + keys[y][0], keys[x][1] + keys[y][1]} {
					t.contractions[s] = c.of(s)
				}
			}
		}
		// Longer contractions begin or end with a shorter one
		// (Hungarian "dzs", "ccs").
		for n := 3; n <= maxContraction; n++ {
			var found []string
			for s := range t.contractions {
				if utf8.RuneCountInString(s) == n-1 {
					found = append(found, s)
				}
			}
			slices.Sort(found)
			for _, s := range found {
				for _, z := range script {
					for _, l := range []string{s + string(z), string(z) + s} {
						if e := c.of(l); !e.equal(t.simulate(l)) {
							t.contractions[l] = e
						}
					}
				}
			}
		}
	}
	return t
}

// differs returns what of t is not as in root: runes and contractions.
func differs(t, root *table) map[string]elems {
	d := map[string]elems{}
	for r, e := range t.runes {
		if !e.equal(root.runes[r]) {
			d[string(r)] = e
		}
	}
	for s, e := range t.contractions {
		if re, ok := root.contractions[s]; !ok || !re.equal(e) {
			d[s] = e
		}
	}
	for s := range root.contractions {
		if _, ok := t.contractions[s]; !ok {
			d[s] = t.simulate(s) // root's contraction is not one here
		}
	}
	return d
}

func main() {
	out := flag.String("o", "colltables.go", "file to write")
	flag.Parse()
	if err := os.WriteFile(*out, generate(), 0o644); err != nil {
		log.Fatal(err)
	}
}

func generate() []byte {
	root := build(newColl(language.Und))
	type tailoring struct {
		tag  string
		diff map[string]elems
	}
	var tailorings []tailoring
	for _, tag := range collate.Supported() {
		if strings.Contains(tag.String(), "-u-") { // another collation type than the standard one
			continue
		}
		if d := differs(build(newColl(tag)), root); len(d) > 0 {
			tailorings = append(tailorings, tailoring{tag.String(), d})
		}
	}
	sort.Slice(tailorings, func(i, j int) bool { return tailorings[i].tag < tailorings[j].tag })
	// Languages with the same tailoring (Danish and Faroese) share the
	// table of the first.
	var distinct []tailoring
	for _, t := range tailorings {
		if !slices.ContainsFunc(distinct, func(d tailoring) bool { return maps.EqualFunc(d.diff, t.diff, elems.equal) }) {
			distinct = append(distinct, t)
		}
	}
	tailorings = distinct

	// Rank the weights: only their order matters.
	prims, secs := map[int]bool{}, map[int]bool{}
	add := func(e elems) {
		for _, p := range e.prim {
			prims[p] = true
		}
		for _, s := range e.sec {
			secs[s] = true
		}
	}
	for _, e := range root.runes {
		add(e)
	}
	for _, e := range root.contractions {
		add(e)
	}
	for _, t := range tailorings {
		for _, e := range t.diff {
			add(e)
		}
	}
	primRank, secRank := rank(prims), rank(secs)
	if len(primRank) > 0xFFFF || len(secRank) > 0xFF {
		log.Fatalf("%d primaries, %d secondaries: more than the encoding holds", len(primRank), len(secRank))
	}
	enc := func(e elems) string {
		b := []byte{byte(len(e.prim))}
		for _, p := range e.prim {
			b = append(b, byte(primRank[p]>>8), byte(primRank[p]))
		}
		for _, s := range e.sec {
			b = append(b, byte(secRank[s]))
		}
		return string(b)
	}

	var b bytes.Buffer
	b.WriteString("// Code generated by go run gen_collation.go; DO NOT EDIT.\n\npackage web\n\n")
	fmt.Fprintf(&b, "// collRanges are the runes collRootData has, [lo, hi) in order.\nvar collRanges = [...][2]rune{")
	for _, rg := range ranges {
		fmt.Fprintf(&b, "{%#04x, %#04x}, ", rg[0], rg[1])
	}
	b.WriteString("}\n\n")
	fmt.Fprintf(&b, "// collMaxContraction is the longest contraction, in runes.\nconst collMaxContraction = %d\n\n", maxContraction)
	fmt.Fprintf(&b, "// collMaxPrimary is the highest primary weight of the tables.\nconst collMaxPrimary = %d\n\n", len(primRank))
	fmt.Fprintf(&b, "// collCommonSecondary is the secondary weight of a letter without accent.\nconst collCommonSecondary = %d\n\n", secRank[root.runes['a'].sec[0]])
	var data strings.Builder
	var index []int
	for _, r := range covered() {
		index = append(index, data.Len())
		data.WriteString(enc(root.runes[r]))
	}
	index = append(index, data.Len())
	if data.Len() > 0xFFFF {
		log.Fatalf("root data of %d bytes does not fit uint16 offsets", data.Len())
	}
	b.WriteString("// collRootIndex[i] is the offset in collRootData of the elements of the\n// i-th rune of collRanges in the root collation (collElems encoding).\n")
	b.WriteString("var collRootIndex = [...]uint16{")
	for i, o := range index {
		if i%16 == 0 {
			b.WriteString("\n\t")
		}
		fmt.Fprintf(&b, "%d, ", o)
	}
	b.WriteString("\n}\n\n")
	fmt.Fprintf(&b, "const collRootData = %q\n\n", data.String())

	writeEntries := func(d map[string]elems) {
		keys := make([]string, 0, len(d))
		for k := range d {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "\t\t{%q, %q},\n", k, enc(d[k]))
		}
	}
	b.WriteString("// collRootContractions are the contractions of the root collation.\nvar collRootContractions = [...]collEntry{\n")
	writeEntries(root.contractions)
	b.WriteString("}\n\n")

	b.WriteString("// collTables are the tailorings of collate's languages (sorted by tag):\n// the runes and contractions whose elements are not the root's.\n")
	b.WriteString("var collTables = [...]collTable{\n")
	for _, t := range tailorings {
		maxLen := 1
		for s := range t.diff {
			maxLen = max(maxLen, utf8.RuneCountInString(s))
		}
		fmt.Fprintf(&b, "\t{%q, %d, []collEntry{\n", t.tag, maxLen)
		writeEntries(t.diff)
		b.WriteString("\t}},\n")
	}
	b.WriteString("}\n\n")

	// The tags collate.New picks a tailoring for, among the languages the
	// site names and the scripts they are written in.
	// A collator's signature: the keys of every rune and contraction
	// some tailoring changes (elsewhere they all agree with root).
	probes := map[string]bool{}
	for _, t := range tailorings {
		for k := range t.diff {
			probes[k] = true
		}
	}
	probeList := slices.Sorted(maps.Keys(probes))
	sig := func(c *coll) string {
		var s strings.Builder
		for _, k := range probeList {
			s.Write(c.c.KeyFromString(&c.buf, k))
			c.buf.Reset()
			s.WriteByte(0xFF)
		}
		return s.String()
	}
	sigs := map[string]int{sig(newColl(language.Und)): -1}
	for i, t := range tailorings {
		sigs[sig(newColl(language.MustParse(t.tag)))] = i
	}
	pick := map[string]int{}
	for _, tag := range collTags() {
		i, ok := sigs[sig(newColl(tag))]
		if !ok {
			log.Fatalf("collate.New(%s) sorts like none of the tables", tag)
		}
		if i >= 0 {
			pick[tag.String()] = i
		}
	}
	b.WriteString("// collTags are the language tags collate.New sorts by a tailoring,\n// collTables[table] (sorted by tag).\n")
	b.WriteString("var collTags = [...]struct {\n\ttag   string\n\ttable uint8\n}{\n")
	for _, k := range sortedKeys(pick) {
		fmt.Fprintf(&b, "\t{%q, %d},\n", k, pick[k])
	}
	b.WriteString("}\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		log.Fatal(err)
	}
	return src
}

// collTags returns the tags whose collation collTags records: every
// language display names in itself or with an ISO 639-1 code, with and
// without its likely script, and the tags collate has tables for.
func collTags() []language.Tag {
	seen := map[string]bool{}
	var tags []language.Tag
	add := func(t language.Tag) {
		if !seen[t.String()] {
			seen[t.String()] = true
			tags = append(tags, t)
		}
	}
	var bases []language.Tag
	for a := 'a'; a <= 'z'; a++ {
		for b := 'a'; b <= 'z'; b++ {
			if base, err := language.ParseBase(string([]rune{a, b})); err == nil && display.English.Languages().Name(base) != "" {
				bases = append(bases, language.Make(base.String()))
			}
		}
	}
	bases = append(bases, display.Self.Supported.Tags()...)
	bases = append(bases, collate.Supported()...)
	for _, t := range bases {
		if strings.Contains(t.String(), "-u-") {
			continue
		}
		add(t)
		b, _, _ := t.Raw()
		add(language.Make(b.String()))
		if s, c := t.Script(); c >= language.High {
			if st, err := language.Compose(b, s); err == nil {
				add(st)
			}
		}
	}
	return tags
}

func rank(m map[int]bool) map[int]int {
	var ws []int
	for w := range m {
		ws = append(ws, w)
	}
	slices.Sort(ws)
	r := map[int]int{}
	for i, w := range ws {
		r[w] = i + 1
	}
	return r
}

func sortedKeys(m map[string]int) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
