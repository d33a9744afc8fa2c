package web

import (
	"sort"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"
)

//go:generate go run gen_collation.go

// The index pages list tags and organisations in the alphabetical order of
// the page's language, as golang.org/x/text/collate sorts with
// collate.IgnoreCase, from tables generated from collate (colltables.go):
// linking collate would add its tables (1.4 MB) and package init to the
// public function.
//
// The tables hold, for the runes of Latin (U+0000–U+052F, with Greek,
// Cyrillic, combining marks and IPA) and U+1E00–U+20CF (Latin and Greek
// extended, general punctuation, super- and subscripts, currency), the
// primary (letter) and secondary (accent) weights of the root collation,
// and for each language collate tailors, the runes and contractions it
// weighs otherwise: Swedish and Finnish å, ä, ö after z; Danish and
// Norwegian Nynorsk æ, ø, å and "aa"; Czech and Slovak "ch" after h;
// Polish ą, ć, ę…; Spanish ñ; Hungarian "cs", "dzs"; Welsh, Croatian,
// Albanian digraphs; Turkish ı; Lithuanian, Latvian, Estonian, Icelandic,
// Romanian, Maltese… Where it differs from collate:
//   - a rune outside those blocks (another script, an emoji, a symbol of
//     another block) sorts after all of them, by code point, as one
//     letter without accent; collate orders other scripts and symbols by
//     the UCA (Han by code point too, after the other scripts; symbols and
//     punctuation before digits). Format characters and combining marks
//     outside the blocks are ignored;
//   - a string is compared in Unicode NFC; a letter with several combining
//     marks that NFC does not compose may weigh its accents in another
//     order than collate (which decomposes and reorders them);
//   - contractions are those of letters of Basic Latin, Latin-1 and Latin
//     Extended-A, of basic Greek and of basic Cyrillic, up to 4 letters;
//   - a tag's collation type (-u-co-phonebk: German phonebook order,
//     -u-co-standard) and other -u- options are ignored.
//
// Languages collate has no tailoring for sort like root, as with collate:
// English, French (fr-CA too: collate does not weigh its accents
// backwards), German, Dutch, Italian, Portuguese, Greek, Russian,
// Bulgarian, Serbian (sr-Latn too), Bosnian, and Norwegian Bokmål (nb,
// no: collate puts å with a, while Nynorsk (nn) sorts æ, ø, å after z).
// TestCollationAsCollate compares with collate for every tailored language.

// collEntry holds the elements of a rune or contraction s in a tailoring.
//
// Elements are encoded in a string: one byte n, the number of primary
// weights, n primary weights of two bytes (big-endian), then one byte per
// secondary weight.
type collEntry struct{ s, elems string }

// collTable is a language's tailoring of the root collation.
type collTable struct {
	tag string
	// maxLen is the length of the longest entry, in runes.
	maxLen int
	// entries are sorted by s.
	entries []collEntry
}

// collation returns the tailoring the index pages of language lang sort
// by, or nil for the root collation: the table of the tag, else of its
// language and script (the script it is likely written in when it names
// none), else of its language, as collate.New picks them.
func collation(lang string) *collTable {
	t, err := language.Parse(lang)
	if err != nil {
		return nil
	}
	if c, err := language.All.Canonicalize(t); err == nil {
		t = c
	}
	_, s, r := t.Raw()
	b, conf := t.Base()
	if conf < language.High {
		return nil
	}
	if (s == language.Script{}) {
		s, _ = t.Script()
	}
	keys := [...]string{join(b.String(), scriptCode(s), regionCode(r)), join(b.String(), scriptCode(s)), join(b.String(), regionCode(r)), b.String()}
	for _, k := range keys {
		i := sort.Search(len(collTags), func(i int) bool { return collTags[i].tag >= k })
		if i < len(collTags) && collTags[i].tag == k {
			return &collTables[collTags[i].table]
		}
	}
	return nil
}

// find returns the elements of s in entries, sorted by s.
func find(entries []collEntry, s string) (string, bool) {
	i := sort.Search(len(entries), func(i int) bool { return entries[i].s >= s })
	if i < len(entries) && entries[i].s == s {
		return entries[i].elems, true
	}
	return "", false
}

// rootElems returns the elements of r in the root collation, or false when
// the tables do not cover r.
func rootElems(r rune) (string, bool) {
	base := 0
	for _, rg := range collRanges {
		if r >= rg[0] && r < rg[1] {
			i := base + int(r-rg[0])
			return collRootData[collRootIndex[i]:collRootIndex[i+1]], true
		}
		base += int(rg[1] - rg[0])
	}
	return "", false
}

// collKey returns the sort key of s in the collation of t (nil: root):
// two strings compare as their keys do, equal when collate says they are
// (the same letters and accents, in any case). A key holds the primary
// weights (three bytes each), three zero bytes and the secondary weights
// (one byte each).
func collKey(t *collTable, s string) string {
	if !norm.NFC.IsNormalString(s) {
		s = norm.NFC.String(s)
	}
	var pb [96]byte
	var sb [32]byte
	prim, sec := pb[:0], sb[:0]
	maxLen := 2 // root contractions ("l·")
	if t != nil {
		maxLen = max(maxLen, t.maxLen)
	}
	for s != "" {
		if e, n := longest(t, s, maxLen); n > 0 {
			prim, sec = appendElems(prim, sec, e)
			s = s[n:]
			continue
		}
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		if e, ok := rootElems(r); ok {
			prim, sec = appendElems(prim, sec, e)
			continue
		}
		if unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Mn, r) {
			continue
		}
		w := collMaxPrimary + 1 + int(r)
		prim = append(prim, byte(w>>16), byte(w>>8), byte(w))
		sec = append(sec, collCommonSecondary)
	}
	prim = append(prim, 0, 0, 0)
	return string(append(prim, sec...))
}

// longest returns the elements of the longest tailored rune or contraction
// of t (nil: root), or root contraction, at the start of s, and its length
// in bytes; or 0.
func longest(t *collTable, s string, maxLen int) (string, int) {
	var ends [collMaxContraction]int
	n := 0
	for i := 0; i < len(s) && n < min(maxLen, len(ends)); n++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		ends[n] = i
	}
	for k := n - 1; k >= 0; k-- {
		if t != nil {
			if e, ok := find(t.entries, s[:ends[k]]); ok {
				return e, ends[k]
			}
		}
		if k > 0 {
			if e, ok := find(collRootContractions[:], s[:ends[k]]); ok {
				return e, ends[k]
			}
		}
	}
	return "", 0
}

// appendElems appends the primary weights of encoded elements e to prim
// (three bytes each) and its secondary weights to sec.
func appendElems(prim, sec []byte, e string) ([]byte, []byte) {
	n := int(e[0])
	for i := 0; i < n; i++ {
		prim = append(prim, 0, e[1+2*i], e[2+2*i])
	}
	return prim, append(sec, e[1+2*n:]...)
}
