package web

import (
	"strconv"
	"strings"
)

// staticPath turns the path of a static copy's page into the path this
// handler routes: /fr/ is / in French, /news/fr/page/2/ the second page of
// /news/ in French, /tags/t/ is /tags/t and /en/slug/ is /en/slug. It
// reports false for a path that a static copy never names.
func (s *Site) staticPath(q *req) bool {
	p := q.path
	if !strings.HasSuffix(p, "/") {
		return true // files: feeds, sitemap, robots.txt, theme, 404.html
	}
	segs := strings.Split(strings.Trim(p, "/"), "/")
	if len(segs) == 1 && segs[0] == "" {
		segs = nil
	}
	if n := len(segs); n >= 2 && segs[n-2] == "page" {
		page, err := strconv.Atoi(segs[n-1])
		if err != nil || page < 2 || strconv.Itoa(page) != segs[n-1] {
			return false
		}
		q.staticPage, segs = page, segs[:n-2]
	}
	isList := func(segs []string) bool {
		switch len(segs) {
		case 0:
			return true
		case 1:
			_, ok := typeForPlural(segs[0])
			return ok
		case 2:
			return segs[0] == "tags" || segs[0] == "organisations"
		}
		return false
	}
	if n := len(segs); n >= 1 && isList(segs[:n-1]) && q.site.HasLanguage(segs[n-1]) &&
		!(n == 2 && (segs[0] == "tags" || segs[0] == "organisations") && !isList(segs)) {
		for _, l := range q.site.Languages {
			if strings.EqualFold(l, segs[n-1]) {
				q.staticLang = l
			}
		}
		segs = segs[:n-1]
	}
	switch {
	case isList(segs) && len(segs) == 2:
		q.path = "/" + segs[0] + "/" + segs[1]
	case isList(segs):
		q.path = "/" + strings.Join(append(segs, ""), "/")
		if len(segs) == 0 {
			q.path = "/"
		}
	case len(segs) == 2 && q.staticLang == "" && q.staticPage == 0:
		q.path = "/" + segs[0] + "/" + segs[1] // an entry
	default:
		return false
	}
	if q.staticPage > 0 && len(segs) == 0 {
		return false // the home page has one page
	}
	return true
}
