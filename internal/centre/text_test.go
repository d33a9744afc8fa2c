package centre

import (
	"context"
	"strings"
	"testing"
)

// hiddenCases are look-alike texts: each reads like "Ministry of Health"
// (or a plain word) and hides a character that makes it a different name.
var hiddenCases = map[string]string{
	"zero width space U+200B":        "Minis\u200btry of Health",
	"zero width non-joiner in Latin": "Minis\u200ctry of Health",
	"zero width joiner in Latin":     "Minis\u200dtry of Health",
	"left-to-right mark U+200E":      "Ministry of Health\u200e",
	"right-to-left mark U+200F":      "\u200fMinistry of Health",
	"LRE U+202A":                     "\u202aMinistry of Health",
	"RLE U+202B":                     "\u202bMinistry of Health",
	"PDF U+202C":                     "Ministry of Health\u202c",
	"LRO U+202D":                     "\u202dMinistry of Health",
	"RLO U+202E":                     "\u202eMinistry of Health",
	"LRI U+2066":                     "\u2066Ministry of Health",
	"RLI U+2067":                     "\u2067Ministry of Health",
	"FSI U+2068":                     "\u2068Ministry of Health",
	"PDI U+2069":                     "Ministry of Health\u2069",
	"byte order mark U+FEFF":         "\ufeffMinistry of Health",
	"soft hyphen U+00AD":             "Minis\u00adtry of Health",
	"word joiner U+2060":             "Minis\u2060try of Health",
	"tag character U+E0041":          "Ministry of Health\U000e0041",
	"Mongolian vowel sep U+180E":     "Minis\u180etry of Health",
	"tab":                            "Ministry\tof Health",
	"newline":                        "Ministry of Health\n",
	"escape":                         "Ministry \x1b[31mof Health",
	"C1 control U+0085":              "Ministry\u0085of Health",
	"line separator U+2028":          "Ministry\u2028of Health",
	"paragraph separator U+2029":     "Ministry\u2029of Health",
	"Hangul filler U+3164":           "Ministry\u3164of Health",
	"combining grapheme joiner":      "Minis\u034ftry of Health",
	"joiner next to Cyrillic":        "Минис\u200cтерство",
}

// visibleCases must stay accepted.
var visibleCases = map[string]string{
	"plain":                     "Ministry of Health",
	"accents":                   "Société Française d'Oncologie",
	"Arabic":                    "وزارة الصحة",
	"Persian with ZWNJ":         "می\u200cخواهم",
	"Devanagari with ZWJ":       "क्\u200dष",
	"Hebrew":                    "משרד הבריאות",
	"Greek":                     "Υπουργείο Υγείας",
	"CJK":                       "厚生労働省",
	"emoji without joiner":      "Vaccination ✅",
	"non-breaking space (Zs)":   "Ministry\u00a0of Health",
	"quotes and dashes":         "“Stay home” — a statement",
	"decomposed accents (NFD)":  "Socie\u0301te\u0301",
	"mixed RTL/LTR, no control": "WHO منظمة الصحة",
}

func TestVisibleText(t *testing.T) {
	for name, s := range hiddenCases {
		if VisibleText(s) {
			t.Errorf("%s: %q accepted", name, s)
		}
	}
	for name, s := range visibleCases {
		if !VisibleText(s) {
			r, at, _ := hiddenRune(s)
			t.Errorf("%s: %q refused (U+%04X at %d)", name, s, r, at)
		}
	}
}

// TestLookAlikeTextRefused: every name, title and organisation field of
// sites, entries and keys refuses hidden characters, on every path that
// validates (the API, the CLI and import all call Validate or issueKey).
func TestLookAlikeTextRefused(t *testing.T) {
	for name, bad := range hiddenCases {
		entryFields := map[string]func(e *Entry){
			"title":         func(e *Entry) { e.Title = bad },
			"organisations": func(e *Entry) { e.Organisations = []string{bad} },
			"attachments[0].title": func(e *Entry) {
				e.Attachments = []Attachment{{Title: bad, URL: "https://example.org/a.pdf", MediaType: "application/pdf"}}
			},
			"tags": func(e *Entry) { e.Tags = []string{"cancer\u200bcare"} },
			"slug": func(e *Entry) { e.Slug = "a-state\u200bment" },
		}
		for field, set := range entryFields {
			e := validEntry()
			set(e)
			if !fields(e.Validate(validSite()))[field] {
				t.Errorf("entry %s with %s: not refused", field, name)
			}
		}
		siteFields := map[string]func(s *Site){
			"title":     func(s *Site) { s.Title = bad },
			"tagline":   func(s *Site) { s.Tagline = bad },
			"publisher": func(s *Site) { s.Publisher = bad },
			"slug":      func(s *Site) { s.Slug = "de\u200bmo" },
		}
		for field, set := range siteFields {
			s := validSite()
			set(s)
			if !fields(s.Validate())[field] {
				t.Errorf("site %s with %s: not refused", field, name)
			}
		}
	}
	svc := &Service{}
	for name, bad := range hiddenCases {
		_, _, err := svc.issueKey(context.Background(), "demo", KeyInput{Role: RoleEditor, Name: bad}, "")
		if !fields(err)["name"] {
			t.Errorf("key name with %s: %v", name, err)
		}
	}
	for name, good := range visibleCases {
		e := validEntry()
		e.Title = good
		if OrgKey(good) != "" { // organisation keys are ASCII today: a name in another script needs a Latin letter or digit
			e.Organisations = []string{good}
		}
		if err := e.Validate(validSite()); err != nil {
			t.Errorf("entry with %s: %v", name, err)
		}
		s := validSite()
		s.Title, s.Publisher = good, good
		if err := s.Validate(); err != nil {
			t.Errorf("site with %s: %v", name, err)
		}
	}
}

// TestTextNormalisedToNFC: two spellings of the same accented name are
// stored as one, so they are one organisation and one title.
func TestTextNormalisedToNFC(t *testing.T) {
	nfd := "Socie\u0301te\u0301 Franc\u0327aise"
	nfc := "Société Française"
	e := validEntry()
	e.Title, e.Organisations = nfd, []string{nfd, nfc}
	err := e.Validate(validSite())
	if e.Title != nfc || e.Organisations[0] != nfc {
		t.Fatalf("not NFC: title %q, organisations %q", e.Title, e.Organisations)
	}
	if !fields(err)["organisations"] || !strings.Contains(err.Error(), "organisations") {
		t.Fatalf("the same organisation in two spellings was not refused as listed twice: %v", err)
	}
	s := validSite()
	s.Title, s.Publisher = nfd, nfd
	if err := s.Validate(); err != nil || s.Title != nfc || s.Publisher != nfc {
		t.Fatalf("site: %v, title %q, publisher %q", err, s.Title, s.Publisher)
	}
}

// TestIsSlugMatchesSlugRE: the hand-written slug check agrees with slugRE.
func TestIsSlugMatchesSlugRE(t *testing.T) {
	for _, s := range []string{"", "a", "a-b", "a--b", "-a", "a-", "A", "a_b", "é", "ab12-3c", "-", "0", "a-b-c", "a b", "a\x00"} {
		if got, want := isSlug(s), slugRE.MatchString(s); got != want {
			t.Errorf("isSlug(%q) = %v, slugRE says %v", s, got, want)
		}
	}
}
