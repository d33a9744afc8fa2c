package centre

import (
	"strings"
	"testing"
)

func TestSiteTranslationsAndLabels(t *testing.T) {
	s := validSite()
	s.Translations = []SiteText{{Lang: "fr", Title: "Démo", Tagline: "Slogan"}}
	s.Labels = []Label{
		{Kind: LabelTag, Key: "cancer-care", Lang: "en", Text: "Cancer care"},
		{Kind: LabelTag, Key: "cancer-care", Lang: "fr", Text: "Soins oncologiques"},
		{Kind: LabelOrganisation, Key: OrgKey("Société Française"), Lang: "en", Text: "French Society"},
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := s.Text("FR"); got.Title != "Démo" || got.Lang != "fr" {
		t.Errorf("Text(fr) = %+v", got)
	}
	if got := s.Text("en"); got.Title != "Demo" || got.Lang != "en" {
		t.Errorf("Text(en) = %+v", got)
	}
	if text, lang, ok := s.LabelOf(LabelTag, "cancer-care", "fr"); !ok || text != "Soins oncologiques" || lang != "fr" {
		t.Errorf("fr label: %q %q %v", text, lang, ok)
	}
	if text, lang, ok := s.LabelOf(LabelOrganisation, "societe-francaise", "fr"); !ok || text != "French Society" || lang != "en" {
		t.Errorf("a label missing in French falls back to the default language: %q %q %v", text, lang, ok)
	}
	if _, _, ok := s.LabelOf(LabelTag, "other", "en"); ok {
		t.Error("a label for an unlabelled tag")
	}

	bad := validSite()
	bad.Translations = []SiteText{{Lang: "en", Title: "x"}, {Lang: "de", Title: ""}, {Lang: "fr", Title: "a"}, {Lang: "fr", Title: strings.Repeat("a", MaxTitleLen+1)}}
	bad.Labels = []Label{{Kind: "topic", Key: "Not a slug", Lang: "de", Text: ""},
		{Kind: LabelTag, Key: "a", Lang: "en", Text: "A"}, {Kind: LabelTag, Key: "a", Lang: "en", Text: "\u202eA"}}
	got := fields(bad.Validate())
	for _, f := range []string{"translations[0].lang", "translations[1].lang", "translations[1].title", "translations[3].lang",
		"translations[3].title", "labels[0].kind", "labels[0].key", "labels[0].lang", "labels[0].text", "labels[2]", "labels[2].text"} {
		if !got[f] {
			t.Errorf("%s not named: %v", f, got)
		}
	}
	many := validSite()
	many.Labels = make([]Label, MaxLabels+1)
	if !fields(many.Validate())["labels"] {
		t.Error("too many labels accepted")
	}
}
