package centre

import (
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Names, titles, slugs, tags and organisations are what readers and staff
// tell things apart by, so they must not carry characters that cannot be
// seen or that reorder what is seen: "Minis\u200btry of Health" would be a
// second organisation that looks exactly like the first, and a right-to-
// left override can make a title read backwards. Validation puts such text
// in Unicode NFC (so that two spellings of "é" are one) and refuses:
//
//   - control characters (Cc), line and paragraph separators (Zl, Zp);
//   - format characters (Cf): zero-width space, bidi marks, embeddings,
//     overrides and isolates (U+200B–U+200F, U+202A–U+202E, U+2066–U+2069),
//     the byte order mark U+FEFF, soft hyphen, word joiner, tag characters;
//   - the invisible fillers U+034F, U+115F, U+1160, U+3164 and U+FFA0.
//
// One exception keeps Persian, Arabic and Indic writing possible: the zero
// width non-joiner and joiner (U+200C, U+200D) are part of their spelling,
// and are allowed between two letters or marks of such a script (never
// next to Latin, Greek or Cyrillic, where they only hide a difference).

// normalizeText puts each string in NFC, in place.
func normalizeText(fields ...*string) {
	for _, f := range fields {
		if !norm.NFC.IsNormalString(*f) {
			*f = norm.NFC.String(*f)
		}
	}
}

// normalizeTexts puts each string of list in NFC, in place.
func normalizeTexts(list []string) {
	for i := range list {
		normalizeText(&list[i])
	}
}

// checkVisible adds a problem for field if v holds a character that is
// invisible or controls the direction of text, naming it and where it is.
func checkVisible(p *Problems, field, v string) {
	if r, at, ok := hiddenRune(v); ok {
		p.Add(field, "must not contain invisible or text-direction control characters (U+%04X at character %d)", r, at)
	}
}

// VisibleText reports whether s holds no invisible or text-direction
// control character (see checkVisible).
func VisibleText(s string) bool {
	_, _, hidden := hiddenRune(s)
	return !hidden
}

// hiddenRune returns the first refused rune of s and its 1-based position.
func hiddenRune(s string) (rune, int, bool) {
	var prev rune = -1
	rs := []rune(s)
	for i, r := range rs {
		if r < 0x20 || (r >= 0x7f && r < 0xa0) || hiddenSpecial(r) {
			return r, i + 1, true
		}
		if unicode.In(r, unicode.Zl, unicode.Zp, unicode.Cf) {
			if r == 0x200c || r == 0x200d {
				var next rune = -1
				if i+1 < len(rs) {
					next = rs[i+1]
				}
				if joinerScript(prev) && (joinerScript(next) || unicode.In(next, unicode.M)) {
					prev = r
					continue
				}
			}
			return r, i + 1, true
		}
		prev = r
	}
	return 0, 0, false
}

func hiddenSpecial(r rune) bool {
	switch r {
	case 0x034f, 0x115f, 0x1160, 0x3164, 0xffa0:
		return true
	}
	return false
}

// joinerScripts are the scripts whose spelling uses U+200C and U+200D.
var joinerScripts = []*unicode.RangeTable{
	unicode.Arabic, unicode.Syriac, unicode.Nko, unicode.Mandaic,
	unicode.Devanagari, unicode.Bengali, unicode.Gurmukhi, unicode.Gujarati,
	unicode.Oriya, unicode.Tamil, unicode.Telugu, unicode.Kannada,
	unicode.Malayalam, unicode.Sinhala, unicode.Khmer, unicode.Myanmar,
	unicode.Tibetan, unicode.Mongolian,
}

// joinerScript reports whether r is a letter or mark of a script that uses
// the zero width (non-)joiner.
func joinerScript(r rune) bool {
	if r < 0 || !unicode.In(r, unicode.L, unicode.M) {
		return false
	}
	return unicode.In(r, joinerScripts...)
}
