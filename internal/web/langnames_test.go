package web

import (
	"slices"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// displayName is what langName returned when it called display.Self.
func displayName(tag string) string {
	t, err := language.Parse(tag)
	if err != nil {
		return tag
	}
	if n := []rune(display.Self.Name(t)); len(n) > 0 {
		n[0] = unicode.ToUpper(n[0])
		return string(n)
	}
	return tag
}

// displayNameIn is what langNameIn returned when it called display.Tags.
func displayNameIn(ui, tag string) string {
	t, err := language.Parse(tag)
	if err != nil {
		return tag
	}
	if n := display.Tags(language.Make(ui)).Name(t); n != "" {
		return n
	}
	return displayName(tag)
}

// TestLangTableIsDisplay: every name langtables.go holds is display's.
func TestLangTableIsDisplay(t *testing.T) {
	if !slices.IsSortedFunc(langTable[:], func(a, b langEntry) int { return strings.Compare(a.tag, b.tag) }) ||
		!slices.IsSortedFunc(scriptTable[:], func(a, b nameEntry) int { return strings.Compare(a.code, b.code) }) ||
		!slices.IsSortedFunc(regionTable[:], func(a, b nameEntry) int { return strings.Compare(a.code, b.code) }) {
		t.Fatal("a table of langtables.go is not sorted (binary search misses entries)")
	}
	for _, e := range langTable {
		tag := language.MustParse(e.tag)
		if tag.String() != e.tag {
			t.Errorf("%s is not canonical (%s): lookups of the parsed tag miss it", e.tag, tag)
		}
		if n := display.Self.Name(tag); n != e.self {
			t.Errorf("%s: self name %q, display says %q", e.tag, e.self, n)
		}
		for i, ui := range langUIs {
			if n := display.Languages(language.MustParse(ui)).Name(tag); e.in[i] != "" && n != e.in[i] {
				t.Errorf("%s in %s: %q, display says %q", e.tag, ui, e.in[i], n)
			}
			if got, want := langNameIn(ui, e.tag), displayNameIn(ui, e.tag); got != want {
				t.Errorf("langNameIn(%s, %q) = %q, display says %q", ui, e.tag, got, want)
			}
		}
		if got, want := langName(e.tag), displayName(e.tag); got != want {
			t.Errorf("langName(%q) = %q, display says %q", e.tag, got, want)
		}
	}
	for _, e := range scriptTable {
		for i, ui := range langUIs {
			if n := display.Scripts(language.MustParse(ui)).Name(language.MustParseScript(e.code)); n != e.in[i] {
				t.Errorf("script %s in %s: %q, display says %q", e.code, ui, e.in[i], n)
			}
		}
	}
	for _, e := range regionTable {
		for i, ui := range langUIs {
			if n := display.Regions(language.MustParse(ui)).Name(language.MustParseRegion(e.code)); n != e.in[i] {
				t.Errorf("region %s in %s: %q, display says %q", e.code, ui, e.in[i], n)
			}
		}
	}
	for _, want := range []string{"en", "fr", "de", "en-GB", "en-US", "pt-BR", "pt-PT", "fr-CA", "fr-BE", "fr-CH", "de-AT", "de-CH",
		"es-419", "es-MX", "zh-Hans", "zh-Hant", "sr-Latn", "sr-Cyrl", "nl-BE", "el", "ru", "uk", "ga", "mt", "lb", "eu", "ca"} {
		if findLang(want) == nil {
			t.Errorf("langTable misses %s", want)
		}
	}
}

// TestLangUIsAreMessages: the names exist in each language the site's own
// words exist in, and in no other.
func TestLangUIsAreMessages(t *testing.T) {
	ui := messageLangs[:]
	if !slices.Equal(ui, langUIs[:]) {
		t.Fatalf("messages exist in %v, langtables.go names languages in %v: add the language to uiLangs in gen_langnames.go and run go generate", ui, langUIs)
	}
}

// TestLangNamesAsDisplay: langName and langNameIn answer what display
// answered for every tag of langTable with each of many scripts and
// regions, the main languages of sites with every region, and tags it
// does not cover. The differences are the listed languages without an
// ISO 639-1 code and without a name in themselves: langTable does not
// have them, so they are named by their tag.
func TestLangNamesAsDisplay(t *testing.T) {
	var tags []string
	for _, e := range langTable {
		tags = append(tags, e.tag)
		for _, x := range []string{"-FR", "-LU", "-BE", "-CH", "-DE", "-AT", "-US", "-GB", "-IN", "-CN", "-TW", "-RU", "-RS", "-419", "-150",
			"-Latn", "-Cyrl", "-Arab", "-Grek", "-Hans", "-Latn-RS", "-Cyrl-BA", "-Arab-IN", "-Zzzz", "-ZZ", "-x-private", "-u-co-phonebk"} {
			tags = append(tags, e.tag+x)
		}
	}
	for _, l := range []string{"en", "fr", "de", "es", "it", "nl", "pt", "pl", "sv", "da", "fi", "cs", "el", "ru", "uk", "ar", "zh", "sr"} {
		for _, r := range regionTable {
			tags = append(tags, l+"-"+r.code)
		}
	}
	tags = append(tags, "EN-gb", "en_GB", "iw", "in", "tl", "no", "sh", "mo", "swe", "deu", "cmn", "arb", "bh", "tw-Latn",
		"qaa", "xx", "x-foo", "123", "", "-", "en--GB", "de-1901", "es-AR", "zh-Hant-TW", "zh-Hans-HK", "sr-ME", "und")
	uncovered := []string{"tlh", "i-klingon", "tlh-DE", "ang", "ang-Latn"}
	for _, tag := range tags {
		if got, want := langName(tag), displayName(tag); got != want {
			t.Errorf("langName(%q) = %q, display says %q", tag, got, want)
		}
		for _, ui := range langUIs {
			if got, want := langNameIn(ui, tag), displayNameIn(ui, tag); got != want {
				t.Errorf("langNameIn(%s, %q) = %q, display says %q", ui, tag, got, want)
			}
		}
	}
	for _, tag := range uncovered {
		for _, ui := range langUIs {
			if got, want := langNameIn(ui, tag), displayNameIn(ui, tag); got != langName(tag) || got == want {
				t.Errorf("langNameIn(%s, %q) = %q, display says %q: the test lists it as not covered", ui, tag, got, want)
			}
		}
	}
}

// TestLangNameFallbacks: unknown tags fall back to their base language's
// name, then to the tag itself; the first letter is upper-cased.
func TestLangNameFallbacks(t *testing.T) {
	for _, c := range []struct{ ui, tag, self, in string }{
		{"fr", "fr", "Français", "français"},
		{"de", "fr-LU", "Français", "Französisch (Luxemburg)"},
		{"en", "de-CH", "Schweizer Hochdeutsch", "Swiss High German"},
		{"fr", "pt-BR", "Português", "portugais brésilien"},
		{"en", "el", "Ελληνικά", "Greek"},
		{"en", "qaa", "qaa", "qaa"},
		{"fr", "not a tag", "not a tag", "not a tag"},
		{"en", "ab", "ab", "Abkhazian"},
		{"es", "en", "English", "English"}, // no messages in Spanish: its own name
	} {
		if got := langName(c.tag); got != c.self {
			t.Errorf("langName(%q) = %q, want %q", c.tag, got, c.self)
		}
		if got := langNameIn(c.ui, c.tag); got != c.in {
			t.Errorf("langNameIn(%s, %q) = %q, want %q", c.ui, c.tag, got, c.in)
		}
	}
}

// TestLangTablesFresh: langtables.go is what gen_langnames.go writes today
// (a change of the generator, of uiLangs or of golang.org/x/text shows).
func TestLangTablesFresh(t *testing.T) { checkGenerated(t, "gen_langnames.go", "langtables.go") }
