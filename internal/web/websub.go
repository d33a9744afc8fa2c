package web

import (
	"slices"
	"strings"

	"infocentre/internal/centre"
)

// feedNames are the file names of a list's feeds (see feedKind).
var feedNames = []string{"feed.atom", "feed.rss", "feed.json"}

// FeedPaths returns the paths, below a site's base, of every feed that
// lists any of entries (versions of one entry, say before and after a
// change): the site's, its type's, each tag's and each organisation's, in
// every format, without duplicates, in a stable order. These are the
// topics a WebSub hub is told about when the entry changes.
func FeedPaths(entries ...*centre.Entry) []string {
	specs := []listSpec{{}}
	add := func(l listSpec) {
		if !slices.Contains(specs, l) {
			specs = append(specs, l)
		}
	}
	for _, e := range entries {
		if e == nil {
			continue
		}
		add(listSpec{Type: e.Type})
		for _, t := range e.Tags {
			add(listSpec{Tag: t})
		}
		for _, o := range e.Organisations {
			add(listSpec{Org: centre.OrgKey(o)})
		}
	}
	out := make([]string, 0, len(specs)*len(feedNames))
	for _, l := range specs {
		for _, n := range feedNames {
			out = append(out, l.path()+n)
		}
	}
	return out
}

// SiteBases returns the absolute base URLs a site is served at by a
// deployment whose PublicOrigin is publicOrigin: publicOrigin/sites/{slug},
// and the root of each host the site claims, with publicOrigin's scheme
// and port (https without one) — the origins its pages and feeds name
// themselves by (see origin.go).
func SiteBases(publicOrigin string, site *centre.Site) []string {
	o := newOrigin(publicOrigin)
	var out []string
	if o.full != "" {
		out = append(out, o.full+"/sites/"+site.Slug)
	}
	scheme := o.scheme
	if scheme == "" {
		scheme = "https"
	}
	for _, h := range site.Hosts {
		if h = strings.ToLower(h); h != "" {
			out = append(out, scheme+"://"+h+o.port)
		}
	}
	return out
}

// FeedURLs returns every absolute feed URL of FeedPaths(entries...) at
// every base of SiteBases(publicOrigin, site).
func FeedURLs(publicOrigin string, site *centre.Site, entries ...*centre.Entry) []string {
	var out []string
	paths := FeedPaths(entries...)
	for _, b := range SiteBases(publicOrigin, site) {
		for _, p := range paths {
			out = append(out, b+p)
		}
	}
	return out
}
