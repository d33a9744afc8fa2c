package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"infocentre/internal/centre"
)

func (s *Site) entry(q *req, lang, slug string) {
	ctx := q.r.Context()
	pub, err := s.read.PublicVersions(ctx, q.site.Slug, slug)
	if centre.IsCode(err, centre.ENOTFOUND) {
		s.notFound(q.w, q.r, q, "")
		return
	} else if err != nil {
		s.fail(q.w, q.r, err)
		return
	}
	e, gone := pub.In(lang)
	versions := pub.Versions
	if e == nil {
		if gone {
			q.lang = lang
			s.gone(q)
			return
		}
		s.notFound(q.w, q.r, q, "")
		return
	}
	if e.Lang != lang {
		if q.static {
			s.notFound(q.w, q.r, q, "")
			return
		}
		s.redirect(q, "/"+e.Lang+"/"+e.Slug+"/")
		return
	}
	q.lang = e.Lang
	nav, err := s.navPages(q)
	if err != nil {
		s.fail(q.w, q.r, err)
		return
	}
	expired := pub.Expired(e)
	et := s.newETag(q, "entry")
	et.entries(nav)
	et.entries(versions)
	et.add("expired", strconv.FormatBool(expired))
	s.securityHeaders(q.w, q.r)
	if notModified(q.w, q.r, et.String(), et.cc(cacheControlPage)) {
		return
	}
	v := s.entryView(q, e, versions, nav, expired)
	s.render(q, "entry", v, http.StatusOK)
}

// entryView builds the page of entry e, one of the public language
// versions of its slug (or a preview, then versions is nil), marked as
// expired if it is.
func (s *Site) entryView(q *req, e *centre.Entry, versions, nav []*centre.Entry, expired bool) *view {
	v := s.baseView(q, e.Title, nav)
	v.Description = e.Summary
	v.Canonical = q.origin + q.entryURL(e.Lang, e.Slug)
	// The language switch (homeLangs) leads to the translation of the
	// entry where there is one, else to the home page in that language.
	for i, l := range v.Langs {
		for _, x := range versions {
			if strings.EqualFold(x.Lang, l.Lang) {
				v.Langs[i].Href = q.entryURL(x.Lang, x.Slug)
			}
		}
		v.Langs[i].Current = strings.EqualFold(l.Lang, e.Lang)
	}
	if len(versions) > 1 {
		for _, x := range versions {
			v.Alternates = append(v.Alternates, alternate{Lang: x.Lang, Href: q.origin + q.entryURL(x.Lang, x.Slug)})
		}
	}
	shown := *e // its times in the site's zone, for display
	shown.PublishedAt, shown.UpdatedAt, shown.WithdrawnAt = q.in(e.PublishedAt), q.in(e.UpdatedAt), q.in(e.WithdrawnAt)
	shown.ChangeNotes = make([]centre.ChangeNote, len(e.ChangeNotes))
	for i, n := range e.ChangeNotes {
		shown.ChangeNotes[i] = centre.ChangeNote{At: q.in(n.At), Note: n.Note}
	}
	ev := &entryView{
		E: &shown, TypeLabel: typeLabel(v.UI, e.Type),
		Withdrawn:   e.Status == centre.StatusWithdrawn,
		WithdrawnAt: shown.WithdrawnAt,
		Updated:     majorUpdate(e),
		Changes:     shown.ChangeNotes,
	}
	if n := len(shown.ChangeNotes); n > 0 {
		ev.LastChange = &shown.ChangeNotes[n-1]
	}
	if ev.WithdrawnAt.IsZero() {
		ev.WithdrawnAt = shown.UpdatedAt
	}
	if expired {
		ev.ExpiredAt = q.in(e.ExpiresAt)
	}
	if !e.OutdatedSince.IsZero() {
		ev.OutdatedSince = q.in(e.OutdatedSince)
		src := q.site.DefaultLanguage()
		ev.SourceLang = langNameIn(v.UI, src)
		for _, x := range versions {
			if strings.EqualFold(x.Lang, src) && x != e {
				ev.SourceHref = q.entryURL(x.Lang, x.Slug)
			}
		}
	}
	ev.Body = s.bodyHTML(q, e)
	for _, o := range e.Organisations {
		text, lang := orgLabel(q, o)
		ev.Orgs = append(ev.Orgs, link{Href: q.pageURL("/organisations/"+centre.OrgKey(o)+"/", e.Lang), Text: text, Lang: lang})
	}
	for _, t := range e.Tags {
		text, lang := tagLabel(q, t)
		ev.Tags = append(ev.Tags, link{Href: q.pageURL("/tags/"+t+"/", e.Lang), Text: text, Lang: lang})
	}
	ev.Attachments = attachmentViews(q, v.UI, e)
	if len(ev.Attachments) > 0 {
		ev.AccessibleHref = accessibleHref(q, v.UI, e)
	}
	ev.Image = lead(q, e)
	if e.SupersededBy != "" {
		ev.SupersededHref = q.entryURL(e.Lang, e.SupersededBy)
	}
	if e.Type != centre.TypePage {
		crumbs(q, v, link{Href: q.pageURL("/"+pluralOf(e.Type)+"/", e.Lang), Text: typePlural(v.UI, e.Type), Lang: v.uiLang})
	} else {
		crumbs(q, v)
	}
	if strings.HasPrefix(v.Canonical, "https://") || strings.HasPrefix(v.Canonical, "http://") {
		ev.ShareURL, ev.Share = v.Canonical, shareLinks(v.UI, e.Title, v.Canonical)
	}
	v.Entry = ev
	if v.Subscribe != nil && e.Status == centre.StatusPublished {
		v.SubscribeEntry = newSubscribeForm(q, v.UI, "subscribe-entry", centre.ScopeEntry+":"+e.Slug, msg(v.UI, "subscribe.entry"))
		v.SubscribeEntry.Attr = v.UIAttr
	}
	og := &openGraph{Type: "article", Title: e.Title, SiteName: v.SiteTitle, URL: v.Canonical, Locale: e.Lang,
		Description: e.Summary, Published: e.PublishedAt.UTC().Format(time.RFC3339), Tags: e.Tags}
	if ev.Updated {
		og.Modified = e.UpdatedAt.UTC().Format(time.RFC3339)
	}
	og.Image = socialImage(q, e)
	if og.Image == nil && v.Logo != "" {
		og.Image = &ogImage{URL: q.origin + v.Logo}
	}
	v.OG = og
	v.JSONLD = jsonLD(q, e, v.Canonical)
	return v
}

// shareLinks returns links that share the page at pageURL titled title:
// plain URLs of each service's own share page, so that the page loads no
// third-party script and tells no service who reads it until the reader
// chooses one. Mastodon and the rest of the fediverse have no single
// server: toot.kytta.org (Toot, an open-source share page) asks the reader
// for theirs.
func shareLinks(ui, title, pageURL string) []link {
	enc := func(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }
	return []link{
		{Href: "mailto:?subject=" + enc(title) + "&body=" + enc(pageURL), Text: msg(ui, "share.email")},
		{Href: "https://toot.kytta.org/?text=" + enc(title+" "+pageURL), Text: "Mastodon"},
		{Href: "https://www.linkedin.com/sharing/share-offsite/?url=" + enc(pageURL), Text: "LinkedIn"},
		{Href: "https://x.com/intent/tweet?text=" + enc(title) + "&url=" + enc(pageURL), Text: "X"},
	}
}

// scrollTables wraps each table of sanitised body HTML in a container that
// scrolls sideways on a narrow screen (focusable, so that keyboards can
// scroll it), instead of breaking the table's words.
func scrollTables(body string) string {
	if !strings.Contains(body, "<table") {
		return body
	}
	var b strings.Builder
	b.Grow(len(body) + 64)
	for {
		i := strings.Index(body, "<table")
		if i < 0 {
			break
		}
		end := strings.IndexByte(body[i:], '>')
		if end < 0 {
			break
		}
		b.WriteString(body[:i])
		b.WriteString(`<div class="scroll" tabindex="0">`)
		b.WriteString(body[i : i+end+1])
		body = body[i+end+1:]
	}
	b.WriteString(body)
	return strings.ReplaceAll(b.String(), "</table>", "</table></div>")
}

// bodyHTML returns the entry body, sanitised again at display time so that
// a stored value written around the service can never inject markup.
func (s *Site) bodyHTML(q *req, e *centre.Entry) template.HTML {
	out := e.BodyHTML
	switch {
	case out != "" && s.opts.Sanitize != nil:
		out = s.opts.Sanitize(out)
	case out == "" && e.Body != "" && s.opts.Render == nil:
		s.log.WarnContext(q.r.Context(), "web: body stored without its HTML", "site", e.Site, "id", e.ID)
	case out == "" && e.Body != "":
		var err error
		if out, err = s.opts.Render(e.Body); err != nil {
			s.log.WarnContext(q.r.Context(), "web: body does not render", "site", e.Site, "id", e.ID, "err", err)
			return ""
		}
	}
	if q.static && !s.opts.StaticInPlace {
		out = localLinks(q, out)
	}
	out = scrollTables(out)
	return template.HTML(out) // #nosec G203 -- sanitised, then wrapped in fixed markup
}

// localLinks rewrites the links of sanitised body HTML that point into the
// site (by /sites/{slug}/ or through one of its hosts) into root-relative
// links, for a static copy served at the root of another host.
func localLinks(q *req, body string) string {
	prefixes := []string{"/sites/" + q.site.Slug + "/"}
	for _, h := range q.site.Hosts {
		prefixes = append(prefixes, "https://"+h+"/", "http://"+h+"/", "//"+h+"/")
	}
	for _, p := range prefixes {
		body = strings.ReplaceAll(body, `href="`+p, `href="/`)
	}
	return body
}

// jsonLD returns the schema.org description of an entry.
func jsonLD(q *req, e *centre.Entry, canonical string) map[string]any {
	publisher := map[string]any{"@type": "Organization", "name": q.site.Publisher}
	d := map[string]any{
		"@context":   "https://schema.org",
		"url":        canonical,
		"inLanguage": e.Lang,
	}
	switch e.Type {
	case centre.TypeStatement:
		d["@type"] = "SpecialAnnouncement"
		d["name"] = e.Title
		d["datePosted"] = e.PublishedAt.UTC().Format(time.RFC3339)
		if e.Summary != "" {
			d["text"] = e.Summary
		}
		d["publisher"] = publisher
		if !e.WithdrawnAt.IsZero() {
			d["expires"] = e.WithdrawnAt.UTC().Format(time.RFC3339)
		}
	case centre.TypePage:
		d["@type"] = "WebPage"
		d["name"] = e.Title
		d["publisher"] = publisher
	default:
		if e.Type == centre.TypePublication {
			d["@type"] = "Report"
		} else {
			d["@type"] = "NewsArticle"
		}
		d["headline"] = e.Title
		d["datePublished"] = e.PublishedAt.UTC().Format(time.RFC3339)
		d["dateModified"] = e.UpdatedAt.UTC().Format(time.RFC3339)
		d["mainEntityOfPage"] = canonical
		d["publisher"] = publisher
		if e.Summary != "" {
			d["description"] = e.Summary
		}
		var authors []map[string]any
		for _, o := range e.Organisations {
			authors = append(authors, map[string]any{"@type": "Organization", "name": o})
		}
		if len(authors) == 0 {
			authors = append(authors, publisher)
		}
		d["author"] = authors
	}
	if len(e.Tags) > 0 {
		d["keywords"] = strings.Join(e.Tags, ", ")
	}
	if len(e.Attachments) > 0 {
		var media []map[string]any
		for _, a := range e.Attachments {
			m := map[string]any{"@type": "MediaObject", "name": a.Title, "contentUrl": q.attachmentURL(a, true), "encodingFormat": a.MediaType}
			if a.Size > 0 {
				m["contentSize"] = strconv.FormatInt(a.Size, 10)
			}
			if a.Lang != "" {
				m["inLanguage"] = a.Lang
			}
			media = append(media, m)
		}
		d["associatedMedia"] = media
	}
	return d
}
