package web

import (
	"strings"

	"infocentre/internal/centre"
)

// tagLabel returns the display name of tag on a page of q (the site's
// label in the page language, else in its default language, else the tag
// itself) and the language of that name when it is not the page's (for a
// lang attribute), else "".
func tagLabel(q *req, tag string) (text, lang string) {
	return label(q, centre.LabelTag, tag, tag)
}

// orgLabel returns the display name of the organisation written name (by
// its centre.OrgKey) on a page of q, like tagLabel; without a label it is
// name as written.
func orgLabel(q *req, name string) (text, lang string) {
	return label(q, centre.LabelOrganisation, centre.OrgKey(name), name)
}

// first returns the first of two values.
func first(a, _ string) string { return a }

func label(q *req, kind, key, fallback string) (text, lang string) {
	text, l, ok := q.site.LabelOf(kind, key, q.lang)
	if !ok {
		return fallback, ""
	}
	if !strings.EqualFold(l, q.lang) {
		return text, l
	}
	return text, ""
}
