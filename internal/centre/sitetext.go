package centre

import (
	"fmt"
	"strings"
)

// SiteText is a site's profile in one of its languages other than the
// default (whose texts are the Site's own Title, Tagline and Description).
type SiteText struct {
	Lang        string `json:"lang"`
	Title       string `json:"title"`
	Tagline     string `json:"tagline,omitempty"`
	Description string `json:"description,omitempty"`
}

// Label kinds: what a Label names.
const (
	LabelTag          = "tag"
	LabelOrganisation = "organisation"
)

// Label is the display name of a tag, or of an organisation (by its
// OrgKey), in one of the site's languages: the tag cancer-care shows as
// "Cancer care" in English and "Soins oncologiques" in French. A tag or
// organisation without a label in a language shows its label in the
// site's default language, else the tag itself or the organisation's name
// as entries write it.
type Label struct {
	Kind string `json:"kind"` // LabelTag or LabelOrganisation
	Key  string `json:"key"`  // the tag, or the organisation's OrgKey
	Lang string `json:"lang"`
	Text string `json:"text"`
}

// Limits on translations and labels, which live in the site's one record.
const (
	MaxLabels    = 600
	MaxLabelLen  = 100
	labelKeyDesc = "a tag, or an organisation's key (lowercase letters, digits and single hyphens)"
)

// Text returns the site's profile in language lang: its translation, or
// the default texts (with Lang the default language) if it has none.
func (s *Site) Text(lang string) SiteText {
	if !strings.EqualFold(lang, s.DefaultLanguage()) {
		for _, t := range s.Translations {
			if strings.EqualFold(t.Lang, lang) {
				return t
			}
		}
	}
	return SiteText{Lang: s.DefaultLanguage(), Title: s.Title, Tagline: s.Tagline, Description: s.Description}
}

// LabelOf returns the display name of the tag or organisation key (kind
// LabelTag or LabelOrganisation) in language lang, else in the site's
// default language; ok is false when it has neither, and text is then "".
func (s *Site) LabelOf(kind, key, lang string) (text, language string, ok bool) {
	def := s.DefaultLanguage()
	for _, l := range s.Labels {
		if l.Kind != kind || l.Key != key {
			continue
		}
		if strings.EqualFold(l.Lang, lang) {
			return l.Text, l.Lang, true
		}
		if strings.EqualFold(l.Lang, def) {
			text, language, ok = l.Text, l.Lang, true
		}
	}
	return text, language, ok
}

// checkTranslations adds a problem for each bad translation of the site's
// profile: one per language other than the default, each with a title.
func (s *Site) checkTranslations(p *Problems) {
	if len(s.Translations) > MaxLanguages {
		p.Add("translations", "at most %d translations", MaxLanguages)
		return
	}
	seen := map[string]bool{}
	for i := range s.Translations {
		t := &s.Translations[i]
		normalizeText(&t.Title, &t.Tagline, &t.Description)
		f := fmt.Sprintf("translations[%d]", i)
		switch {
		case !s.HasLanguage(t.Lang):
			p.Add(f+".lang", "%q is not one of the site's languages", t.Lang)
		case strings.EqualFold(t.Lang, s.DefaultLanguage()):
			p.Add(f+".lang", "%q is the default language: its texts are the site's own title, tagline and description", t.Lang)
		case seen[strings.ToLower(t.Lang)]:
			p.Add(f+".lang", "%q is translated twice", t.Lang)
		}
		seen[strings.ToLower(t.Lang)] = true
		checkText(p, f+".title", t.Title, 1, MaxTitleLen)
		checkVisible(p, f+".title", t.Title)
		checkText(p, f+".tagline", t.Tagline, 0, MaxTaglineLen)
		checkVisible(p, f+".tagline", t.Tagline)
		checkText(p, f+".description", t.Description, 0, MaxSiteDescLen)
	}
}

// checkLabels adds a problem for each bad label: a known kind, a key that
// is a slug, a site language, a visible text, each (kind, key, language)
// once, at most MaxLabels in all.
func (s *Site) checkLabels(p *Problems) {
	if len(s.Labels) > MaxLabels {
		p.Add("labels", "at most %d labels", MaxLabels)
		return
	}
	seen := map[string]bool{}
	for i := range s.Labels {
		l := &s.Labels[i]
		normalizeText(&l.Text)
		f := fmt.Sprintf("labels[%d]", i)
		if l.Kind != LabelTag && l.Kind != LabelOrganisation {
			p.Add(f+".kind", "must be %q or %q", LabelTag, LabelOrganisation)
		}
		if !ValidSlug(l.Key) {
			p.Add(f+".key", "must be %s", labelKeyDesc)
		}
		if !s.HasLanguage(l.Lang) {
			p.Add(f+".lang", "%q is not one of the site's languages", l.Lang)
		}
		id := l.Kind + "\x00" + l.Key + "\x00" + strings.ToLower(l.Lang)
		if seen[id] {
			p.Add(f, "the %s %q has two labels in %q", l.Kind, l.Key, l.Lang)
		}
		seen[id] = true
		checkText(p, f+".text", l.Text, 1, MaxLabelLen)
		checkVisible(p, f+".text", l.Text)
	}
}
