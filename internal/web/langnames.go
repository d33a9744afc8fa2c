package web

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
)

//go:generate go run gen_langnames.go

// Language names come from langtables.go, generated from
// golang.org/x/text/language/display: linking display would add its
// tables of every name in every language (2.3 MB) and ~1 ms of package
// init to the public function for the few languages a site shows.

// langEntry names a language tag in itself and in each of langUIs.
type langEntry struct {
	tag string
	// self is display.Self's name of the tag.
	self string
	// in holds the names display's dictionaries have for the tag itself
	// (not for a parent) in each of langUIs; all "" if they have none.
	in [len(langUIs)]string
	// selfEntry: display.Self has a name for this tag itself, so a longer
	// tag may take it.
	selfEntry bool
	// dict: display's dictionaries have this tag itself (a longer tag
	// takes its name, a name of "" sends it to the tag's parent).
	dict bool
}

// nameEntry names a script or region code in each of langUIs.
type nameEntry struct {
	code string
	in   [len(langUIs)]string
}

// findLang returns the langTable entry of the canonical tag s, or nil.
func findLang(s string) *langEntry {
	i := sort.Search(len(langTable), func(i int) bool { return langTable[i].tag >= s })
	if i < len(langTable) && langTable[i].tag == s {
		return &langTable[i]
	}
	return nil
}

// findName returns the name of code in table in UI language ui (an index
// into langUIs), or "".
func findName(table []nameEntry, code string, ui int) string {
	i := sort.Search(len(table), func(i int) bool { return table[i].code >= code })
	if i < len(table) && table[i].code == code {
		return table[i].in[ui]
	}
	return ""
}

var (
	zzzz = language.MustParseScript("Zzzz")
	zz   = language.MustParseRegion("ZZ")
)

// match returns the entry of lang-script or lang-region (whichever sorts
// first) that ok accepts, and which of script and region it leaves
// unnamed; or the entry of lang and both; or nil. It is how display finds
// the names of a tag.
func match(lang string, scr language.Script, reg language.Region, ok func(*langEntry) bool) (*langEntry, language.Script, language.Region) {
	if scr == zzzz {
		scr = language.Script{}
	}
	if reg == zz {
		reg = language.Region{}
	}
	var ks, kr string
	if (scr != language.Script{}) {
		ks = lang + "-" + scr.String()
	}
	if (reg != language.Region{}) {
		kr = lang + "-" + reg.String()
	}
	if kr != "" && (ks == "" || kr < ks) {
		ks, kr = kr, ks
	}
	for _, k := range [...]string{ks, kr} {
		if e := findLang(k); k != "" && e != nil && ok(e) {
			if k == lang+"-"+scr.String() {
				return e, language.Script{}, reg
			}
			return e, scr, language.Region{}
		}
	}
	return findLang(lang), scr, reg
}

// baseScript returns the script language b is most likely written in.
func baseScript(b language.Base) language.Script {
	t, _ := language.Raw.Compose(b)
	s, _ := t.Script()
	return s
}

// selfName returns the name of t in its own language as display.Self
// does, or "".
func selfName(t language.Tag) string {
	if c, err := language.All.Canonicalize(t); err == nil {
		t = c
	}
	b, scr, reg := t.Raw()
	if e := findLang(join(b.String(), scriptCode(scr), regionCode(reg))); e != nil {
		return e.self
	}
	bs := language.Script{}
	if (scr == language.Script{} && reg != language.Region{}) {
		// display looks up the script the region implies ("zh-TW" is
		// Traditional Chinese).
		s1, _ := t.Script()
		if bs = baseScript(b); bs != s1 {
			scr = s1
		}
	}
	e, scr, _ := match(b.String(), scr, reg, func(e *langEntry) bool { return e.selfEntry })
	if e == nil {
		return ""
	}
	if (scr != language.Script{}) {
		if (bs == language.Script{}) {
			bs = baseScript(b)
		}
		if bs != scr {
			return ""
		}
	}
	return e.self
}

// scriptCode returns the code of s, or "" for none.
func scriptCode(s language.Script) string {
	if (s == language.Script{}) {
		return ""
	}
	return s.String()
}

// regionCode returns the code of r, or "" for none.
func regionCode(r language.Region) string {
	if (r == language.Region{}) {
		return ""
	}
	return r.String()
}

// join returns lang with the non-empty subtags parts appended.
func join(lang string, parts ...string) string {
	for _, p := range parts {
		if p != "" {
			lang += "-" + p
		}
	}
	return lang
}

// langName returns the name of a language in that language ("Français"),
// first letter upper-cased; a tag that is not a language tag, or that
// names no language langTable knows, is returned as it is.
func langName(tag string) string {
	var n string
	if e := findLang(tag); e != nil {
		// A tag as sites write them ("fr", "en-GB"): its own entry
		// (langTable's tags are canonical), without parsing.
		n = e.self
	} else if t, err := language.Parse(tag); err == nil {
		n = selfName(t)
	}
	if n == "" {
		return tag
	}
	r, size := utf8.DecodeRuneInString(n)
	if u := unicode.ToUpper(r); u != r {
		return string(u) + n[size:]
	}
	return n
}

// langNameIn names language tag in language ui ("anglais" in French) as
// display.Tags does: the name of the most specific part of the tag that
// has one, followed by the names of the script and region that name does
// not cover, in parentheses ("français (Luxembourg)"). A UI language that
// is not one of langUIs, or a tag with no name in ui, gets langName(tag).
func langNameIn(ui, tag string) string {
	t, err := language.Parse(tag)
	if err != nil {
		return tag
	}
	for u, l := range langUIs {
		if strings.EqualFold(l, ui) {
			if n := tagName(t, u); n != "" {
				return n
			}
		}
	}
	return langName(tag)
}

// hasNames reports whether display's dictionaries have e itself.
func hasNames(e *langEntry) bool { return e.dict }

// tagName returns the name of t in langUIs[u], or "".
func tagName(t language.Tag, u int) string {
	if c, err := (language.All &^ language.SuppressScript).Canonicalize(t); err == nil {
		t = c
	}
	b, sRaw, rRaw := t.Raw()
	e, scr, reg := match(b.String(), sRaw, rRaw, hasNames)
	// A tag has at most a few parents (en-IE, en-001, en).
	for range 8 {
		if e == nil {
			return ""
		}
		if n := e.in[u]; n != "" {
			var extra []string
			if s := findName(scriptTable[:], scriptCode(scr), u); s != "" {
				extra = append(extra, s)
			}
			if r := findName(regionTable[:], regionCode(reg), u); r != "" {
				extra = append(extra, r)
			}
			if len(extra) == 0 {
				return n
			}
			return n + " (" + strings.Join(extra, ", ") + ")"
		}
		scr, reg = sRaw, rRaw
		if t = t.Parent(); t == language.Und {
			return ""
		}
		pb, ps, pr := t.Raw()
		e, _, _ = match(pb.String(), ps, pr, hasNames)
	}
	return ""
}
