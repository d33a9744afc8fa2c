// Package edge keeps the CDN in front of a deployment current: from each
// change of the table (its DynamoDB Stream, one consumer, at least once)
// it works out the pages that changed, renders them again into the static
// mirror the CDN fails over to (internal/static), and purges them from
// the CDN's caches (CloudFront invalidations). Nothing else calls the CDN:
// handlers and the publisher only write the table.
package edge

import (
	"sort"
	"strings"

	"infocentre/internal/centre"
	"infocentre/internal/dynamostore"
	"infocentre/internal/httpapi"
	"infocentre/internal/web"
)

// A Change is one write the stream reported that the public may see: of an
// entry that is or was public, or of a site.
type Change = dynamostore.StreamChange

// Kind names what a change did, for logs and metrics: "publish" (an entry
// became public: published now or released when its time came),
// "major" or "minor" (a public entry changed, with or without a public
// note), "withdraw", "delete", "unpublish", "site" (settings, banner,
// archive, hosts), or "" when the public sees nothing of it (a draft, a
// scheduled entry before its time).
func Kind(c Change) string {
	switch {
	case c.OldSite != nil || c.NewSite != nil:
		return "site"
	case !visible(c.OldEntry) && !visible(c.NewEntry):
		return ""
	case c.NewEntry == nil:
		return "delete"
	case !visible(c.OldEntry):
		return "publish"
	case !visible(c.NewEntry):
		return "unpublish"
	case c.NewEntry.Status == centre.StatusWithdrawn && c.OldEntry.Status != centre.StatusWithdrawn:
		return "withdraw"
	case len(c.NewEntry.ChangeNotes) > len(c.OldEntry.ChangeNotes):
		return "major"
	}
	return "minor"
}

// visible reports whether the public sees e (or a page naming it): it is
// published or withdrawn (withdrawn entries stay readable).
func visible(e *centre.Entry) bool { return e != nil && e.Public() }

// SitePaths returns the paths of the pages of site that change c affects,
// below the site's base (web.SiteBase, or the root of a host the site
// claims), sorted and without duplicates: each affected entry's page in
// every language of the site (the language switch of its translations
// links to it), the home page, the lists of its type, tags and
// organisations and their feeds, the tag and organisation indexes, and the
// sitemap and CAP index, in every language. all reports a change to every
// page of the site (its settings, banner, state or hosts), whose paths are
// not listed. A change the public does not see returns nothing.
func SitePaths(site *centre.Site, c Change) (paths []string, all bool) {
	switch Kind(c) {
	case "":
		return nil, false
	case "site":
		return nil, true
	}
	langs := site.Languages
	if len(langs) == 0 {
		langs = []string{"en"}
	}
	set := map[string]bool{}
	page := func(p string) {
		for _, l := range langs {
			set[web.PagePath(site, p, l)] = true
		}
	}
	list := func(p string) {
		page(p)
		for _, f := range web.FeedNames {
			set[p+f] = true
		}
	}
	list(web.ListPath("", "", ""))
	for _, p := range web.IndexPaths {
		page(p)
	}
	for _, p := range web.SiteFiles {
		set[p] = true
	}
	for _, e := range []*centre.Entry{c.OldEntry, c.NewEntry} {
		if !visible(e) {
			continue
		}
		for _, l := range langs {
			set[web.EntryPath(l, e.Slug)] = true
			if e.SupersededBy != "" {
				set[web.EntryPath(l, e.SupersededBy)] = true
			}
		}
		list(web.ListPath(e.Type, "", ""))
		for _, t := range e.Tags {
			list(web.ListPath("", t, ""))
		}
		for _, o := range e.Organisations {
			list(web.ListPath("", "", centre.OrgKey(o)))
		}
	}
	return sorted(set), false
}

// PurgePaths returns the URL paths to invalidate for the site paths of
// site (SitePaths): below the site's base on the deployment's hosts; when
// the site claims hosts of its own, below the path the distribution's
// viewer-request function rewrites each such host's requests to
// (httpapi.ViewerHostPath: the cached copy's path) and at the root too
// (the viewer's path, as CloudFront advises for rewritten URIs); and the read API's
// routes of the entries changed (slugs) and of the site's first list page.
// all gives the wildcards that cover every page of the site instead.
func PurgePaths(site *centre.Site, paths []string, slugs []string, all bool) []string {
	bases := []string{web.SiteBase(site.Slug)}
	if len(site.Hosts) > 0 {
		bases = append(bases, "")
	}
	for _, h := range site.Hosts {
		bases = append(bases, httpapi.ViewerHostPath(strings.ToLower(h)))
	}
	api := "/api/v1/sites/" + site.Slug
	if all {
		out := []string{api, api + "/*"}
		for _, b := range bases {
			out = append(out, b+"/*")
		}
		if len(site.Hosts) == 0 {
			out = append(out, "/") // the directory lists the site
		}
		sort.Strings(out)
		return out
	}
	set := map[string]bool{}
	for _, b := range bases {
		for _, p := range paths {
			set[escape(b+p)] = true
		}
	}
	if len(paths) > 0 {
		set[api+"/entries"] = true
	}
	for _, s := range slugs {
		set[escape(api+"/entries/"+s)] = true
	}
	return sorted(set)
}

// Wildcards returns the invalidation paths that cover every page of site
// (PurgePaths with all).
func Wildcards(site *centre.Site) []string { return PurgePaths(site, nil, nil, true) }

// escape percent-encodes what an invalidation path may not hold as is
// (CloudFront takes paths URL-encoded; "*" is its wildcard, never part of
// a page's path).
func escape(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("/-._~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		const hex = "0123456789ABCDEF"
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func sorted(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}
