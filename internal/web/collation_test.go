package web

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// realNames are tags and organisations as sites have them.
var realNames = []string{
	"Croix-Rouge française", "Deutsches Rotes Kreuz", "Ärzte ohne Grenzen", "Arzt", "Ärztekammer", "Médecins Sans Frontières",
	"Medecins du Monde", "médecins", "MÉDECINS", "Œuvre d'Orient", "Oeuvre", "Ørsted", "Örebro", "Oslo", "Åland", "Aarhus",
	"Zürich", "Zagreb", "Zealand", "Ångström", "Ängelholm", "Östersund", "Luleå", "Łódź", "Lodz", "Lublin", "Škoda", "Skopje",
	"Šibenik", "Čakovec", "Chrudim", "Hradec Králové", "Cheb", "Ústí nad Labem", "Uherské", "Řím", "Rakovník", "Ñandú", "Nube",
	"Niño", "Nino", "España", "Espanya", "Llobregat", "Lima", "Çağdaş", "Çanakkale", "Istanbul", "İzmir", "Ilgaz", "ısparta",
	"Straße", "Strasse", "STRASSE", "Strassburg", "Æbeltoft", "Aebeltoft", "Ælfric", "Ísafjörður", "Þingvellir", "Ðakovo",
	"Győr", "Gyula", "Gödöllő", "Csepel", "Cegléd", "Dzsida", "Dunaújváros", "Szeged", "Zsámbék", "Lietuva", "Ąžuolas", "Yra",
	"Ieva", "Ventspils", "Ķekava", "Gulbene", "Ģirts", "Tallinn", "Õismäe", "Võru", "Väike", "Brașov", "Bacău", "Ștefan",
	"Şişli", "Târgu", "Timișoara", "Għajnsielem", "Gozo", "Ħamrun", "Ċirkewwa", "Żejtun", "Caerdydd", "Chwilog", "Llandudno",
	"Lyon", "Ngwenya", "Nant", "Ελληνικός Ερυθρός Σταυρός", "Ελλάδα", "Αθήνα", "άλφα", "Άλφα", "Ωμέγα", "Российский Красный Крест",
	"Россия", "Ёлка", "Елена", "Україна", "Їжак", "Ігор", "Київ", "Беларусь", "Ўзбекистон", "България", "Србија", "Ђаковица",
	"Љубљана", "Црна Гора", "COVID-19", "Covid-19", "covid", "Covid", "“Quoted”", "\"Quoted\"", "'t Hooft", "’t Hooft",
	" leading space", "  two spaces", "3M", "100 Days", "10 Downing", "2nd Line", "#hashtag", "(Parenthesis)", "[Bracket]",
	"-dash", "_under", ".dot", "...", "€uro", "$dollar", "£pound", "@home", "&co", "A&B", "A & B", "AB", "A-B", "A B", "a.b",
	"L·lengua", "Llengua", "Lleida", "d'Alembert", "D’Artagnan", "Dartagnan", "van Gogh", "Van Gogh", "de la Cruz", "DeLaCruz",
	"Ängstlich", "Ångest", "Zeta", "Ÿvette", "Yvette", "Ýmir", "Ymir", "Ü-Wagen", "U-Bahn", "Über", "Uber", "Übung",
	"Ölkrise", "Ohio", "Öko", "Okay", "Åbo", "Abo", "Ærø", "Aero", "Øresund", "Oresund", "Hüttenberg", "Huttenberg",
}

// corpus returns realNames and n strings made of the letters of the
// tailorings, accented and plain Latin, Greek and Cyrillic letters,
// digits, spaces and punctuation: near one another (shared stems, case
// and accent variants) so that secondary weights decide.
func corpus(n int) []string {
	rng := rand.New(rand.NewPCG(16, 2026))
	letters := []rune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" +
		"àáâäãåæçèéêëìíîïñòóôöõøœùúûüýÿßðþłńśźżąęćčďěňřšťůžőűėįųūāēīķļņģŗșțăğışõċġħżŀ" +
		"ÀÁÂÄÃÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÖÕØŒÙÚÛÜÝŸÐÞŁŃŚŹŻĄĘĆČĎĚŇŘŠŤŮŽŐŰĖĮŲŪĀĒĪĶĻŅĢŖȘȚĂĞİŞĊĠĦ")
	greek := []rune("αβγδεζηθικλμνξοπρστυφχψωάέήίόύώΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩΆΈΉΊΌΎΏ")
	cyrillic := []rune("абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґўђјљњћџАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯІЇЄҐЎЂЈЉЊЋЏ")
	other := []rune("0123456789 -'’.,&()/«»“”\"_#@€$")
	digraphs := []string{"ch", "Ch", "CH", "aa", "Aa", "AA", "ll", "Ll", "dz", "dzs", "cs", "gy", "ly", "ny", "sz", "ty", "zs", "lj", "nj",
		"dž", "Dž", "ng", "dd", "ff", "ph", "rh", "th", "dh", "gj", "rr", "sh", "xh", "zh", "l·", "L·", "għ", "ccs", "ddzs", "ss", "ae", "oe"}
	word := func(alpha []rune) string {
		var b strings.Builder
		for range 1 + rng.IntN(8) {
			if rng.IntN(5) == 0 {
				b.WriteString(digraphs[rng.IntN(len(digraphs))])
			} else {
				b.WriteRune(alpha[rng.IntN(len(alpha))])
			}
		}
		return b.String()
	}
	out := slices.Clone(realNames)
	stems := make([]string, 0, n/4)
	for len(out) < n+len(realNames) {
		alpha := letters
		switch rng.IntN(8) {
		case 0:
			alpha = greek
		case 1:
			alpha = cyrillic
		}
		var s string
		switch {
		case len(stems) > 0 && rng.IntN(3) == 0:
			// A variant of an earlier string: another case, an accent, a suffix.
			s = stems[rng.IntN(len(stems))]
			switch rng.IntN(4) {
			case 0:
				s = strings.ToUpper(s)
			case 1:
				s = strings.ToLower(s)
			case 2:
				s += word(alpha)
			default:
				r := []rune(s)
				r[rng.IntN(len(r))] = alpha[rng.IntN(len(alpha))]
				s = string(r)
			}
		default:
			s = word(alpha)
			for range rng.IntN(3) {
				if rng.IntN(3) == 0 {
					s += string(other[rng.IntN(len(other))])
				} else {
					s += " "
				}
				s += word(alpha)
			}
			if rng.IntN(6) == 0 {
				s = string(other[rng.IntN(len(other))]) + s
			}
			stems = append(stems, s)
		}
		out = append(out, s)
	}
	return out
}

// collLangs are the languages TestCollationAsCollate sorts in: the root
// collation, every tailoring and the languages sites most use.
func collLangs() []string {
	langs := []string{"und", "en", "fr", "de", "es", "it", "nl", "pt", "pl", "sv", "da", "nb", "nn", "no", "fi", "cs", "sk", "hu",
		"ro", "hr", "sl", "lt", "lv", "et", "mt", "ga", "el", "bg", "ru", "uk", "sr", "sr-Latn", "tr", "is", "ca", "cy", "sq", "fr-CA", "de-AT"}
	for _, t := range collTables {
		if !slices.Contains(langs, t.tag) {
			langs = append(langs, t.tag)
		}
	}
	return langs
}

// TestCollationAsCollate: for every tailored language and the main
// languages of sites, a few thousand real and generated names sort as
// collate.New(lang, collate.IgnoreCase) sorts them (stable sorts of the
// same input, so names collate finds equal stay in the same order too),
// and each adjacent pair compares alike.
func TestCollationAsCollate(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 600
	}
	names := corpus(n)
	for _, lang := range collLangs() {
		col := collate.New(language.Make(lang), collate.IgnoreCase)
		want := slices.Clone(names)
		sort.SliceStable(want, func(i, j int) bool { return col.CompareString(want[i], want[j]) < 0 })
		items := make([]facet, len(names))
		for i, s := range names {
			items[i].Text = s
		}
		tab := collation(lang)
		sortFacets(items, tab)
		diffs := 0
		for i := range items {
			if items[i].Text != want[i] && diffs < 5 {
				t.Errorf("%s: at %d: %q, collate has %q", lang, i, items[i].Text, want[i])
				diffs++
			}
			if i > 0 {
				a, b := want[i-1], want[i]
				if got, exp := strings.Compare(collKey(tab, a), collKey(tab, b)), col.CompareString(a, b); got != exp && diffs < 10 {
					t.Errorf("%s: %q vs %q: %d, collate says %d", lang, a, b, got, exp)
					diffs++
				}
			}
		}
	}
}

// TestCollationTags: every language the site names, with its scripts and
// some regions, sorts by the tailoring collate.New picks for it.
func TestCollationTags(t *testing.T) {
	probe := slices.Clone(realNames)
	for _, tab := range collTables {
		for _, e := range tab.entries {
			probe = append(probe, e.s+"a")
		}
	}
	slices.Sort(probe)
	probe = slices.Compact(probe)
	// Both sort by keys computed once: collate's keys compare as its
	// CompareString does.
	sorted := func(key func(string) string) []string {
		keys := make(map[string]string, len(probe))
		for _, p := range probe {
			keys[p] = key(p)
		}
		s := slices.Clone(probe)
		sort.SliceStable(s, func(i, j int) bool { return keys[s[i]] < keys[s[j]] })
		return s
	}
	var tags []string
	for _, e := range langTable {
		tags = append(tags, e.tag)
		if !strings.Contains(e.tag, "-") {
			for _, x := range []string{"-FR", "-BE", "-CH", "-FI", "-Latn", "-Cyrl"} {
				tags = append(tags, e.tag+x)
			}
		}
	}
	tags = append(tags, "not a tag", "sv-SE", "da-DK", "nb-NO", "no", "sr-ME", "bs-BA", "ca-ES-valencia", "es-419", "zh-Latn",
		"sv-FI", "sv-Latn-FI", "und-FI", "de-u-co-standard")
	var buf collate.Buffer
	for _, tag := range tags {
		col := collate.New(language.Make(tag), collate.IgnoreCase)
		want := sorted(func(s string) string { defer buf.Reset(); return string(col.KeyFromString(&buf, s)) })
		tab := collation(tag)
		got := sorted(func(s string) string { return collKey(tab, s) })
		if !slices.Equal(got, want) {
			name := "root"
			if tab != nil {
				name = tab.tag
			}
			t.Errorf("%s sorts by %s, not as collate.New(%s)", tag, name, tag)
		}
	}
	// By design: the collation type of a tag is ignored.
	for _, tag := range []string{"sv-u-co-standard", "fi-u-co-standard", "de-u-co-phonebk"} {
		col := collate.New(language.Make(tag), collate.IgnoreCase)
		want := sorted(func(s string) string { defer buf.Reset(); return string(col.KeyFromString(&buf, s)) })
		tab := collation(tag)
		got := sorted(func(s string) string { return collKey(tab, s) })
		if slices.Equal(got, want) {
			t.Errorf("%s sorts as collate.New(%s): the test lists it as differing", tag, tag)
		}
	}
}

// TestCollationCases: what visitors see in the orders of some languages,
// and the orders that differ from collate's by design (collation.go).
func TestCollationCases(t *testing.T) {
	for _, c := range []struct {
		lang string
		want []string
	}{
		{"en", []string{" leading space", "\"Quoted\"", "#hashtag", "3M", "Ærø", "Ängelholm", "Arzt", "Ärztekammer", "Émile", "Zürich"}},
		{"sv", []string{"Arzt", "Zürich", "Åland", "Ängelholm", "Ærø", "Örebro", "Ørsted"}},
		{"da", []string{"Arzt", "Zürich", "Ærø", "Ørsted", "Åland", "Aarhus"}},
		{"de", []string{"Arzt", "Ärztekammer", "Örebro", "Oslo", "Strasse", "Straße", "Zürich"}},
		{"cs", []string{"Čakovec", "Hradec", "Cheb", "Chrudim", "Rakovník", "Řím", "Skopje", "Škoda"}},
		{"es", []string{"Nino", "Niño", "Nube", "Ñandú"}},
		{"pl", []string{"Lodz", "Lublin", "Łódź"}},
		{"tr", []string{"Çanakkale", "ısparta", "Istanbul", "İzmir"}},
		{"el", []string{"Αθήνα", "άλφα", "Ελλάδα", "Ωμέγα"}},
		{"ru", []string{"Беларусь", "Елена", "Ёлка", "Россия"}},
	} {
		tab := collation(c.lang)
		got := slices.Clone(c.want)
		slices.Reverse(got)
		sort.SliceStable(got, func(i, j int) bool { return collKey(tab, got[i]) < collKey(tab, got[j]) })
		col := collate.New(language.Make(c.lang), collate.IgnoreCase)
		for i := 1; i < len(c.want); i++ {
			if col.CompareString(c.want[i-1], c.want[i]) > 0 {
				t.Errorf("%s: collate puts %q after %q: the case is wrong", c.lang, c.want[i-1], c.want[i])
			}
		}
		want := slices.Clone(c.want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: %q, want %q", c.lang, got, want)
		}
	}
	// By design: runes outside the tables' blocks sort after them all, by
	// code point; collate puts symbols before digits and letters.
	for _, c := range []struct{ a, b string }{{"a", "★"}, {"Zürich", "☺ smile"}, {"я", "日本"}, {"ω", "א"}} {
		col := collate.New(language.English, collate.IgnoreCase)
		if collKey(nil, c.a) >= collKey(nil, c.b) {
			t.Errorf("%q sorts after %q", c.a, c.b)
		}
		if (c.b == "★" || c.b == "☺ smile") != (col.CompareString(c.a, c.b) > 0) {
			t.Errorf("collate compares %q and %q otherwise than the test lists", c.a, c.b)
		}
	}
	// Any bytes make a key (invalid UTF-8, lone marks, long strings).
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, rng.IntN(300))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		for _, tab := range []*collTable{nil, collation("hu"), collation("cs")} {
			if k := collKey(tab, string(b)); !strings.Contains(k, "\x00\x00\x00") {
				t.Fatalf("key of %q has no level separator: %q", b, k)
			}
		}
	}
	if collKey(nil, "covid") != collKey(nil, "COVID") || collKey(nil, "e\u0301") != collKey(nil, "é") {
		t.Error("case or normalisation changes the key")
	}
}

// TestCollTablesFresh: colltables.go is what gen_collation.go writes today.
func TestCollTablesFresh(t *testing.T) { checkGenerated(t, "gen_collation.go", "colltables.go") }

// TestDigestsFresh: the assets' hashes and the templates' digest are those
// of the embedded files.
func TestDigestsFresh(t *testing.T) { checkGenerated(t, "gen_digests.go", "digests.go") }

// checkGenerated fails unless file is what the generator (a go run
// program of this directory, taking -o) writes today.
func checkGenerated(t *testing.T, generator, file string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), file)
	cmd := exec.Command("go", "run", generator, "-o", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run %s: %v\n%s", generator, err, b)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("%s is stale: run go generate ./internal/web", file)
	}
}
