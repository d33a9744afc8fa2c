package alerts

import (
	"strings"
	"testing"
)

// TestWords: the phrases are sorted by key (word searches them), each key
// once, in every language, with the placeholders of English.
func TestWords(t *testing.T) {
	for i, p := range words {
		if i > 0 && words[i-1].key >= p.key {
			t.Errorf("phrase %q after %q: keep words sorted by key, each once", p.key, words[i-1].key)
		}
		for lang, s := range map[string]string{"en": p.en, "fr": p.fr, "de": p.de} {
			if s == "" {
				t.Errorf("%s lacks phrase %s", lang, p.key)
			}
			for _, verb := range []string{"%s", "%d"} {
				if strings.Count(s, verb) != strings.Count(p.en, verb) {
					t.Errorf("%s phrase %s has other placeholders than English", lang, p.key)
				}
			}
		}
		if word("fr", p.key) != p.fr || word("de", p.key) != p.de || word("en", p.key) != p.en || word("pl", p.key) != p.en {
			t.Errorf("word(…, %s) does not give the phrase's words", p.key)
		}
	}
	if got := word("en", "no.such.key"); got != "" {
		t.Errorf("unknown key: %q", got)
	}
}
