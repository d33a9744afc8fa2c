package web

import (
	"net/http"
	"sort"
	"strings"

	"infocentre/internal/cap"
	"infocentre/internal/centre"
)

// CAP alerts (see centre.BannerAlert and centre.EntryAlert):
//
//	/cap.xml        Atom index of the current message of each listed alert
//	/cap/{id}.xml   one message, by its identifier
//
// capPages bounds the store reads of the index: the alerts among the
// newest capPages×MaxPageSize public entries are listed.
const capPages = 2

// capIndex serves the Atom index of the site's alerts.
func (s *Site) capIndex(q *req) {
	var msgs []centre.AlertMessage
	if m, ok := centre.BannerAlert(q.site, q.now); ok && m.Listed {
		msgs = append(msgs, m)
	}
	bySlug := map[string][]*centre.Entry{}
	var order []string
	after := ""
	for range capPages {
		page, err := s.read.PublicListing(q.r.Context(), centre.EntryQuery{Site: q.site.Slug, Limit: centre.MaxPageSize, After: after})
		if err != nil {
			s.fail(q.w, q.r, err)
			return
		}
		for _, e := range page.Items {
			if _, seen := bySlug[e.Slug]; !seen {
				order = append(order, e.Slug)
			}
			bySlug[e.Slug] = append(bySlug[e.Slug], e)
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	for _, slug := range order {
		if m, ok := centre.EntryAlert(q.site.Slug, bySlug[slug], q.now); ok && m.Listed {
			msgs = append(msgs, m)
		}
	}
	sort.SliceStable(msgs, func(i, j int) bool { return msgs[i].Sent.After(msgs[j].Sent) })
	et := s.newETag(q, "cap-index")
	for _, m := range msgs {
		et.add(m.Identifier)
		for _, e := range m.Versions {
			et.add(e.ID, e.Lang)
		}
	}
	for _, slug := range order {
		et.entries(bySlug[slug])
	}
	s.securityHeaders(q.w, q.r)
	if notModified(q.w, q.r, et.String(), et.cc(cacheControlPage)) {
		return
	}
	ix := &cap.Index{ID: q.abs("/cap.xml"), Title: q.site.Title + " – CAP", Author: q.site.Publisher,
		HomeURL: q.origin + q.pageURL("/", q.site.DefaultLanguage()), Updated: q.site.UpdatedAt}
	for _, m := range msgs {
		cm := s.capMessage(q, m)
		if cm.Sent.After(ix.Updated) {
			ix.Updated = cm.Sent
		}
		ix.Items = append(ix.Items, cm)
	}
	write(q.w, q.r, http.StatusOK, cap.IndexType, must(ix.XML()))
}

// capMessageRoute serves one message: the current message of the alert
// its identifier names; an earlier message of it is 410, any other name
// 404.
func (s *Site) capMessageRoute(q *req, msg string) {
	id, ok := strings.CutSuffix(msg, ".xml")
	kind, key, _, valid := centre.ParseAlertID(q.site.Slug, id)
	if !ok || !valid || len(id) > 300 {
		s.notFound(q.w, q.r, q, "")
		return
	}
	var m centre.AlertMessage
	var found bool
	switch kind {
	case "banner":
		m, found = centre.BannerAlert(q.site, q.now)
		found = found && m.Banner.ID == key
	default:
		if !centre.ValidSlug(key) {
			s.notFound(q.w, q.r, q, "")
			return
		}
		ps, err := s.read.PublicVersions(q.r.Context(), q.site.Slug, key)
		if err != nil && !centre.IsCode(err, centre.ENOTFOUND) {
			s.fail(q.w, q.r, err)
			return
		}
		if ps != nil {
			m, found = centre.EntryAlert(q.site.Slug, ps.Versions, q.now)
		}
	}
	switch {
	case !found:
		s.notFound(q.w, q.r, q, "")
		return
	case m.Identifier != id:
		for _, ref := range m.References {
			if ref.Identifier == id {
				s.gone(q)
				return
			}
		}
		s.notFound(q.w, q.r, q, "")
		return
	}
	et := s.newETag(q, "cap-message")
	et.add(m.Identifier)
	et.entries(m.Versions)
	s.securityHeaders(q.w, q.r)
	if notModified(q.w, q.r, et.String(), et.cc(cacheControlPage)) {
		return
	}
	write(q.w, q.r, http.StatusOK, cap.MessageType, must(s.capMessage(q, m).XML()))
}

// capSeverity maps a banner severity to CAP's.
func capSeverity(severity string) string {
	switch severity {
	case centre.SeverityInfo:
		return "Minor"
	case centre.SeverityWarning:
		return "Moderate"
	case centre.SeveritySevere:
		return "Severe"
	case centre.SeverityExtreme:
		return "Extreme"
	}
	return ""
}

// capUrgency is how soon a banner of a severity asks people to act.
func capUrgency(severity string) string {
	switch severity {
	case centre.SeverityInfo:
		return "Unknown"
	case centre.SeverityWarning:
		return "Expected"
	case centre.SeveritySevere, centre.SeverityExtreme:
		return "Immediate"
	}
	return ""
}

// capMessage builds the CAP message of m: the banner in the site's default
// language, an entry with one <info> per public language version. Category
// is "Other" and certainty "Unknown" (the site does not record them);
// entries have severity and urgency "Unknown".
func (s *Site) capMessage(q *req, m centre.AlertMessage) *cap.Message {
	def := q.site.DefaultLanguage()
	sender := "urn:infocentre:" + q.site.Slug
	if q.origin != "" {
		sender = q.origin + q.pageURL("/", def)
	}
	contact := q.site.Contact.Email
	if contact == "" {
		contact = q.site.Contact.URL
	}
	out := &cap.Message{Identifier: m.Identifier, Sender: sender, Sent: m.Sent, MsgType: m.MsgType,
		URL: q.abs("/cap/" + m.Identifier + ".xml")}
	for _, r := range m.References {
		out.References = append(out.References, cap.Ref{Identifier: r.Identifier, Sent: r.Sent})
	}
	if b := m.Banner; b != nil {
		web := b.URL
		if web == "" {
			web = q.origin + q.pageURL("/", def)
		}
		out.Infos = append(out.Infos, cap.Info{Language: def, Category: "Other", Event: b.Heading,
			Urgency: capUrgency(b.Severity), Severity: capSeverity(b.Severity), Certainty: "Unknown",
			Effective: b.SetAt, Expires: b.ExpiresAt, SenderName: q.site.Publisher, Headline: b.Heading,
			Description: b.Text, Web: web, Contact: contact})
	}
	for _, e := range m.Versions {
		out.Infos = append(out.Infos, cap.Info{Language: e.Lang, Category: "Other", Event: e.Title,
			Urgency: "Unknown", Severity: "Unknown", Certainty: "Unknown", Effective: e.PublishedAt,
			Expires: e.ExpiresAt, SenderName: q.site.Publisher, Headline: e.Title, Description: e.Summary,
			Web: q.origin + q.entryURL(e.Lang, e.Slug), Contact: contact})
	}
	return out
}
