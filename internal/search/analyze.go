package search

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/danish"
	"github.com/blevesearch/snowballstem/dutch"
	"github.com/blevesearch/snowballstem/english"
	"github.com/blevesearch/snowballstem/finnish"
	"github.com/blevesearch/snowballstem/french"
	"github.com/blevesearch/snowballstem/german"
	"github.com/blevesearch/snowballstem/hungarian"
	"github.com/blevesearch/snowballstem/italian"
	"github.com/blevesearch/snowballstem/norwegian"
	"github.com/blevesearch/snowballstem/portuguese"
	"github.com/blevesearch/snowballstem/romanian"
	"github.com/blevesearch/snowballstem/russian"
	"github.com/blevesearch/snowballstem/spanish"
	"github.com/blevesearch/snowballstem/swedish"
	"golang.org/x/text/unicode/norm"
)

// Text analysis: text is cut into words (runs of letters and digits),
// lowercased, stemmed with the Snowball stemmer of the entry's language
// (when there is one) and folded (accents removed), so that "Santé",
// "santé" and "sante" are one term, and so are "vaccines" and "vaccine".

// stemmer returns the Snowball stemmer of a primary language subtag, or
// nil. (A switch, not a map: a map literal is built at every start.)
func stemmer(lang string) func(*snowballstem.Env) bool {
	switch lang {
	case "da":
		return danish.Stem
	case "de":
		return german.Stem
	case "en":
		return english.Stem
	case "es":
		return spanish.Stem
	case "fi":
		return finnish.Stem
	case "fr":
		return french.Stem
	case "hu":
		return hungarian.Stem
	case "it":
		return italian.Stem
	case "nb", "nn", "no":
		return norwegian.Stem
	case "nl":
		return dutch.Stem
	case "pt":
		return portuguese.Stem
	case "ro":
		return romanian.Stem
	case "ru":
		return russian.Stem
	case "sv":
		return swedish.Stem
	}
	return nil
}

// analyzerKey returns the key of the analyser for a language tag: its
// primary subtag if a stemmer exists for it, else "" (folding only).
func analyzerKey(lang string) string {
	p, _, _ := strings.Cut(strings.ToLower(lang), "-")
	if stemmer(p) != nil {
		return p
	}
	return ""
}

var envPool = sync.Pool{New: func() any { return snowballstem.NewEnv("") }}

// stemForms returns the index terms of one lowercased word in the language
// of key: the folded stem of the word, and the stem of the folded word
// when that differs (so that a query typed without accents still meets
// words stemmed with them, and the reverse).
func stemForms(key, lower string) []string {
	stem := stemmer(key)
	if stem == nil {
		return []string{fold(lower)}
	}
	env := envPool.Get().(*snowballstem.Env)
	defer envPool.Put(env)
	env.SetCurrent(lower)
	stem(env)
	a := fold(env.Current())
	f := fold(lower)
	if f == lower {
		return []string{a}
	}
	env.SetCurrent(f)
	stem(env)
	b := env.Current()
	if a == b {
		return []string{a}
	}
	return []string{a, b}
}

// fold removes accents and expands the ligatures and sharp s of a
// lowercased word.
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'ß':
			b.WriteString("ss")
		case r == 'œ':
			b.WriteString("oe")
		case r == 'æ':
			b.WriteString("ae")
		case r == 'ø':
			b.WriteByte('o')
		case r == 'ł':
			b.WriteByte('l')
		case r == 'đ':
			b.WriteByte('d')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// token is one word of a text: its lowercased form and byte span.
type token struct {
	lower      string
	start, end int
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// tokenize calls fn for each word of s in order, with its lowercased form
// and byte span. It stops early when fn returns false.
func tokenize(s string, fn func(t token) bool) {
	i := 0
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if !isASCIIWord(c) {
				i++
				continue
			}
		} else if r, n := utf8.DecodeRuneInString(s[i:]); !isWordRune(r) {
			i += n
			continue
		}
		start, ascii, upper := i, true, false
		for i < len(s) {
			c := s[i]
			if c < utf8.RuneSelf {
				if !isASCIIWord(c) {
					break
				}
				if 'A' <= c && c <= 'Z' {
					upper = true
				}
				i++
				continue
			}
			r, n := utf8.DecodeRuneInString(s[i:])
			if !isWordRune(r) {
				break
			}
			ascii = false
			i += n
		}
		w := s[start:i]
		switch {
		case ascii && !upper:
		case ascii:
			w = asciiLower(w)
		default:
			w = strings.ToLower(w)
		}
		if !fn(token{lower: w, start: start, end: i}) {
			return
		}
	}
}

func isASCIIWord(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// isStopword reports whether the folded term w is one of the most frequent
// function words of English, French and German, written folded as terms
// are ("für" is "fur"; TestStopwords). A query term that is a stop word is
// optional when the query has other terms: it adds to the score of entries
// that contain it but does not exclude those that do not. A switch, so
// that no table is built when a process starts.
func isStopword(w string) bool {
	switch w {
	case // English
		"a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "has", "have",
		"in", "into", "is", "it", "its", "of", "on", "or", "that", "the", "their", "there",
		"these", "this", "to", "was", "were", "what", "when", "where", "which", "who", "will",
		"with",
		// French
		"c", "d", "j", "l", "m", "n", "s", "t", "au", "aux", "avec", "ce", "ces", "dans", "de",
		"des", "du", "elle", "en", "est", "et", "il", "ils", "la", "le", "les", "leur", "lui",
		"mais", "ne", "nous", "ou", "par", "pas", "pour", "qu", "que", "qui", "sa", "se",
		"ses", "son", "sont", "sur", "un", "une", "vous",
		// German (the words above left out)
		"aber", "als", "am", "auf", "aus", "bei", "das", "dass", "dem", "den", "der", "die",
		"ein", "eine", "einer", "eines", "er", "es", "fur", "hat", "im", "ist", "mit", "nach",
		"nicht", "oder", "sich", "sie", "sind", "und", "von", "vor", "wie", "wir", "zu", "zum",
		"zur":
		return true
	}
	return false
}
