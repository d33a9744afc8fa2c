package dynamostore

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"infocentre/internal/centre"
)

// item is one DynamoDB item.
type item = map[string]types.AttributeValue

// Item layout (one table, overloaded keys; see DESIGN.md "Storage"):
//
//	site           PK=SITE#<slug>              SK=SITE        GSI1: SITES / <slug>
//	host claim     PK=HOST#<host>              SK=HOST        full copy of the site
//	entry          PK=S#<site>#<slug>          SK=<lang>      the current entry, in full (so one Query
//	                                                          of the slug returns every language)
//	               GSI2 (scheduled only): DUE / <publish_at>#<site>#<id>
//	revision       PK=R#<site>#<id>            SK=<version, 20 digits>  the entry as each write stored it;
//	                                                          the newest is the current entry by ID
//	deletion mark  PK=R#<site>#<id>            SK=~deleted    written by DeleteEntry (revisions stay)
//	list item      PK=L#<site>#<dim>           SK=<id>        entry without body
//	               GSI1 (public only): P#<site>#<dim> / <published_at>#<id>
//	               GSI2 (dim "all" only): ST#<site>#<status> / <id>
//	key            PK=KEY#<id>                 SK=KEY         GSI1: KEYS#<site> / <created_at>#<id>
//	key by hash    PK=KEYHASH#<hash>           SK=KEY         full copy of the key
//	person         PK=PERSON#<id>              SK=PERSON      GSI1: PEOPLE#<site> / <created_at>#<id>
//	email          PK=EMAIL#<email>            SK=PERSON      person_id: reserves the email
//	session        PK=SESSION#<token hash>     SK=SESSION     ttl = absolute expiry
//	challenge      PK=CHALLENGE#<token hash>   SK=CHALLENGE   ttl = expiry; taken by one DeleteItem
//	idempotency    PK=IDEM#<scope>             SK=<key>       ttl = expiry in epoch seconds
//	audit event    PK=A#<site>                 SK=<id>        GSI2: A#<site> / <at>#<id>
//	search seq     PK=X#<site>                 SK=#SEQ        seq: the site's search change sequence
//	search doc     PK=X#<site>                 SK=D#<id>      doc: search.Doc encoding (public entries only)
//	search change  PK=XL#<site>                SK=<seq, 20 digits>  id, doc (absent: removed), ttl
//	file           PK=F#<site>                 SK=<id>        the file record (files.go)
//	file by hash   PK=FH#<site>#<sha256>       SK=FILE        full copy of the file record
//	file usage     PK=FU#<site>                SK=USAGE       files, bytes: the site's FileUsage
//	outbox record  PK=OUTBOX#<site>            SK=<id>        a notification and its delivery state (outbox.go); ttl once done
//	               GSI2 (pending only): OUTBOXQ / <next_at>#<site>#<id>
//
// The search items change in the same transaction as the entry (see
// search.go).
//
// <dim> is "all", "type#<type>", "lang#<lang>", "tag#<tag>" or
// "org#<org key>". Slugs, tags, organisation keys, types and IDs never hold
// '#', so the keys cannot collide.

const (
	skSite    = "SITE"
	skDeleted = "~deleted" // sorts after every revision number
	skKey     = "KEY"
	skHost    = "HOST"
	pkSites   = "SITES"
	pkDue     = "DUE"
	dimAll    = "all"
)

func siteKey(slug string) item                  { return keyOf("SITE#"+slug, skSite) }
func slugPK(site, slug string) string           { return "S#" + site + "#" + slug }
func slugKey(site, slug, lang string) item      { return keyOf(slugPK(site, slug), lang) }
func listPK(site, dim string) string            { return "L#" + site + "#" + dim }
func publicPK(site, dim string) string          { return "P#" + site + "#" + dim }
func statusPK(site, status string) string       { return "ST#" + site + "#" + status }
func keyIDKey(id string) item                   { return keyOf("KEY#"+id, skKey) }
func keyHashKey(hash string) item               { return keyOf("KEYHASH#"+hash, skKey) }
func keysPK(site string) string                 { return "KEYS#" + site }
func idemKey(scope, key string) item            { return keyOf("IDEM#"+scope, key) }
func listKey(site, dim, id string) item         { return keyOf(listPK(site, dim), id) }
func hostKey(host string) item                  { return keyOf("HOST#"+host, skHost) }
func revisionPK(site, id string) string         { return "R#" + site + "#" + id }
func revisionKey(site, id string, v int64) item { return keyOf(revisionPK(site, id), revisionSK(v)) }
func revisionSK(v int64) string                 { return fmt.Sprintf("%020d", v) }
func deletedKey(site, id string) item           { return keyOf(revisionPK(site, id), skDeleted) }
func auditPK(site string) string                { return "A#" + site }
func keyOf(pk, sk string) item                  { return item{attrPK: str(pk), attrSK: str(sk)} }
func str(s string) *types.AttributeValueMemberS { return &types.AttributeValueMemberS{Value: s} }
func num(n int64) *types.AttributeValueMemberN {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

// timeLayout sorts lexically in time order (fixed width, UTC).
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func fmtTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// dims returns the list dimensions an entry appears under, without
// duplicates.
func dims(e *centre.Entry) []string {
	out := []string{dimAll, "type#" + e.Type, "lang#" + e.Lang}
	seen := map[string]bool{}
	for _, t := range e.Tags {
		if d := "tag#" + t; !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	for _, o := range e.Organisations {
		if d := "org#" + centre.OrgKey(o); !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}

// --- sites ---

func siteToItem(s *centre.Site) item {
	it := siteKey(s.Slug)
	it[attrGSI1PK] = str(pkSites)
	it[attrGSI1SK] = str(s.Slug)
	writeSite(writer(it), s)
	return it
}

// hostItem is the claim of host by s: a copy of the site, so that a host
// resolves to its site in one read.
func hostItem(host string, s *centre.Site) item {
	it := hostKey(host)
	writeSite(writer(it), s)
	return it
}

// hostsOf returns the distinct lowercase host names of s.
func hostsOf(s *centre.Site) []string {
	var out []string
	for _, h := range s.Hosts {
		h = strings.ToLower(h)
		if h != "" && !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}

func writeSite(w writer, s *centre.Site) {
	w.s("slug", s.Slug)
	w.s("title", s.Title)
	w.s("tagline", s.Tagline)
	w.s("description", s.Description)
	w.list("languages", s.Languages)
	w.s("publisher", s.Publisher)
	w.s("contact_email", s.Contact.Email)
	w.s("contact_url", s.Contact.URL)
	w.s("theme_accent", s.Theme.Accent)
	w.s("theme_logo_url", s.Theme.LogoURL)
	w.s("time_zone", s.TimeZone)
	w.list("hosts", s.Hosts)
	if s.ReviewRequired {
		w["review_required"] = &types.AttributeValueMemberBOOL{Value: true}
	}
	if len(s.Translations) > 0 {
		l := make([]types.AttributeValue, len(s.Translations))
		for i, t := range s.Translations {
			m := item{}
			mw := writer(m)
			mw.s("lang", t.Lang)
			mw.s("title", t.Title)
			mw.s("tagline", t.Tagline)
			mw.s("description", t.Description)
			l[i] = &types.AttributeValueMemberM{Value: m}
		}
		w["translations"] = &types.AttributeValueMemberL{Value: l}
	}
	if len(s.Labels) > 0 {
		l := make([]types.AttributeValue, len(s.Labels))
		for i, lb := range s.Labels {
			m := item{}
			mw := writer(m)
			mw.s("kind", lb.Kind)
			mw.s("key", lb.Key)
			mw.s("lang", lb.Lang)
			mw.s("text", lb.Text)
			l[i] = &types.AttributeValueMemberM{Value: m}
		}
		w["labels"] = &types.AttributeValueMemberL{Value: l}
	}
	if b := s.Banner; b != nil {
		w.s("banner_id", b.ID)
		w.s("banner_severity", b.Severity)
		w.s("banner_heading", b.Heading)
		w.s("banner_text", b.Text)
		w.s("banner_url", b.URL)
		w.t("banner_expires_at", b.ExpiresAt)
		w.t("banner_set_at", b.SetAt)
		w.t("banner_updated_at", b.UpdatedAt)
		w.n("banner_updates", int64(b.Updates))
		w.t("banner_removed_at", b.RemovedAt)
	}
	w.s("status", s.Status)
	w.t("archived_at", s.ArchivedAt)
	w.t("created_at", s.CreatedAt)
	w.t("updated_at", s.UpdatedAt)
	w.n("version", s.Version)
}

func siteFromItem(it item) (*centre.Site, error) {
	r := reader{it: it}
	s := &centre.Site{
		Slug:           r.s("slug"),
		Title:          r.s("title"),
		Tagline:        r.s("tagline"),
		Description:    r.s("description"),
		Languages:      r.list("languages"),
		Publisher:      r.s("publisher"),
		Contact:        centre.Contact{Email: r.s("contact_email"), URL: r.s("contact_url")},
		Theme:          centre.Theme{Accent: r.s("theme_accent"), LogoURL: r.s("theme_logo_url")},
		TimeZone:       r.s("time_zone"),
		Hosts:          r.list("hosts"),
		Status:         r.s("status"),
		ReviewRequired: r.b("review_required"),
		ArchivedAt:     r.t("archived_at"),
		CreatedAt:      r.t("created_at"),
		UpdatedAt:      r.t("updated_at"),
		Version:        r.n("version"),
	}
	for _, m := range r.maps("translations") {
		mr := reader{it: m}
		s.Translations = append(s.Translations, centre.SiteText{Lang: mr.s("lang"), Title: mr.s("title"),
			Tagline: mr.s("tagline"), Description: mr.s("description")})
		r.fail(mr.bad)
	}
	for _, m := range r.maps("labels") {
		mr := reader{it: m}
		s.Labels = append(s.Labels, centre.Label{Kind: mr.s("kind"), Key: mr.s("key"), Lang: mr.s("lang"), Text: mr.s("text")})
		r.fail(mr.bad)
	}
	if id := r.s("banner_id"); id != "" {
		s.Banner = &centre.Banner{
			BannerInput: centre.BannerInput{
				Severity: r.s("banner_severity"), Heading: r.s("banner_heading"), Text: r.s("banner_text"),
				URL: r.s("banner_url"), ExpiresAt: r.t("banner_expires_at"),
			},
			ID: id, SetAt: r.t("banner_set_at"), UpdatedAt: r.t("banner_updated_at"),
			Updates: int(r.n("banner_updates")), RemovedAt: r.t("banner_removed_at"),
		}
	}
	return s, r.err("site")
}

// --- entries ---

// entryToItem returns the current entry item (with body), stored under its
// site, slug and language. List items come from listItem.
func entryToItem(e *centre.Entry) item {
	it := slugKey(e.Site, e.Slug, e.Lang)
	if e.Status == centre.StatusScheduled && !e.PublishAt.IsZero() {
		it[attrGSI2PK] = str(pkDue)
		it[attrGSI2SK] = str(fmtTime(e.PublishAt) + "#" + e.Site + "#" + e.ID)
	}
	writeEntry(writer(it), e, true)
	return it
}

func revisionItem(e *centre.Entry) item {
	it := revisionKey(e.Site, e.ID, e.Version)
	writeEntry(writer(it), e, true)
	return it
}

// listItem returns the list item of e under dim: the entry without its body.
func listItem(e *centre.Entry, dim string) item {
	it := listKey(e.Site, dim, e.ID)
	if e.Public() {
		it[attrGSI1PK] = str(publicPK(e.Site, dim))
		it[attrGSI1SK] = str(fmtTime(e.PublishedAt) + "#" + e.ID)
	}
	if dim == dimAll {
		it[attrGSI2PK] = str(statusPK(e.Site, e.Status))
		it[attrGSI2SK] = str(e.ID)
	}
	writeEntry(writer(it), e, false)
	return it
}

func writeEntry(w writer, e *centre.Entry, body bool) {
	w.s("id", e.ID)
	w.s("site", e.Site)
	w.s("type", e.Type)
	w.s("slug", e.Slug)
	w.s("lang", e.Lang)
	w.s("title", e.Title)
	w.s("summary", e.Summary)
	if body {
		w.s("body", e.Body)
		w.s("body_html", e.BodyHTML)
	}
	w.list("tags", e.Tags)
	w.list("organisations", e.Organisations)
	if len(e.Organisations) > 0 {
		keys := make([]string, len(e.Organisations))
		for i, o := range e.Organisations {
			keys[i] = centre.OrgKey(o)
		}
		w.list("org_keys", keys)
	}
	writeFiles(w, &e.Content)
	if e.Pinned {
		w["pinned"] = &types.AttributeValueMemberBOOL{Value: true}
	}
	if e.Alert {
		w["alert"] = &types.AttributeValueMemberBOOL{Value: true}
	}
	w.s("status", e.Status)
	w.t("publish_at", e.PublishAt)
	w.t("published_at", e.PublishedAt)
	w.t("updated_at", e.UpdatedAt)
	w.t("created_at", e.CreatedAt)
	w.s("created_by", e.CreatedBy)
	w.n("version", e.Version)
	if len(e.ChangeNotes) > 0 {
		l := make([]types.AttributeValue, len(e.ChangeNotes))
		for i, n := range e.ChangeNotes {
			m := item{}
			mw := writer(m)
			mw.t("at", n.At)
			mw.s("note", n.Note)
			l[i] = &types.AttributeValueMemberM{Value: m}
		}
		w["change_notes"] = &types.AttributeValueMemberL{Value: l}
	}
	w.t("withdrawn_at", e.WithdrawnAt)
	w.s("withdrawn_reason", e.WithdrawnReason)
	w.s("superseded_by", e.SupersededBy)
	w.t("expires_at", e.ExpiresAt)
	w.t("review_requested_at", e.ReviewRequestedAt)
	w.s("review_note", e.ReviewNote)
	w.t("outdated_since", e.OutdatedSince)
	if e.PreviewGeneration != 0 {
		w.n("preview_generation", e.PreviewGeneration)
	}
	w.s("edited_by", e.EditedBy)
	w.t("approved_at", e.ApprovedAt)
	w.s("approved_by", e.ApprovedBy)
	w.s("approval_note", e.ApprovalNote)
	w.t("changes_requested_at", e.ChangesRequestedAt)
	w.s("changes_requested_by", e.ChangesRequestedBy)
	w.s("changes_note", e.ChangesNote)
	if p := e.Pending; p != nil {
		w["pending"] = &types.AttributeValueMemberM{Value: pendingItem(p, body)}
	}
	if c := e.LastChange; c != (centre.Change{}) {
		m := item{}
		mw := writer(m)
		mw.t("at", c.At)
		mw.s("key_id", c.KeyID)
		mw.s("person_id", c.PersonID)
		mw.s("role", c.Role)
		mw.s("action", c.Action)
		mw.s("kind", c.Kind)
		mw.s("note", c.Note)
		mw.s("reason", c.Reason)
		w["last_change"] = &types.AttributeValueMemberM{Value: m}
	}
}

// writeFiles writes the attachments and lead image of c.
func writeFiles(w writer, c *centre.Content) {
	if len(c.Attachments) > 0 {
		l := make([]types.AttributeValue, len(c.Attachments))
		for i, a := range c.Attachments {
			m := item{}
			mw := writer(m)
			mw.s("title", a.Title)
			mw.s("url", a.URL)
			mw.s("media_type", a.MediaType)
			mw.n("size", a.Size)
			mw.s("lang", a.Lang)
			mw.s("file_id", a.FileID)
			if a.Pages != 0 {
				mw.n("pages", int64(a.Pages))
			}
			l[i] = &types.AttributeValueMemberM{Value: m}
		}
		w["attachments"] = &types.AttributeValueMemberL{Value: l}
	}
	if im := c.Image; !reflect.ValueOf(im).IsZero() {
		m := item{}
		mw := writer(m)
		mw.s("file_id", im.FileID)
		mw.s("alt", im.Alt)
		mw.s("url", im.URL)
		mw.s("media_type", im.MediaType)
		mw.n("width", int64(im.Width))
		mw.n("height", int64(im.Height))
		mw.ints("widths", im.Widths)
		w["image"] = &types.AttributeValueMemberM{Value: m}
	}
}

// readFiles reads what writeFiles wrote into c.
func readFiles(r *reader, it item, c *centre.Content) {
	for _, m := range r.maps("attachments") {
		mr := reader{it: m}
		c.Attachments = append(c.Attachments, centre.Attachment{
			Title: mr.s("title"), URL: mr.s("url"), MediaType: mr.s("media_type"),
			Size: mr.n("size"), Lang: mr.s("lang"), FileID: mr.s("file_id"), Pages: int(mr.n("pages")),
		})
		r.fail(mr.bad)
	}
	if v, ok := it["image"]; ok {
		m, ok := v.(*types.AttributeValueMemberM)
		if !ok {
			r.fail("image")
		} else {
			mr := reader{it: m.Value}
			c.Image = centre.Image{FileID: mr.s("file_id"), Alt: mr.s("alt"), URL: mr.s("url"), MediaType: mr.s("media_type"),
				Width: int(mr.n("width")), Height: int(mr.n("height")), Widths: mr.ints("widths")}
			r.fail(mr.bad)
		}
	}
}

// pendingItem is the map of a held change; body says whether to write its
// body (list items carry none, as they carry no entry body).
func pendingItem(p *centre.PendingChange, body bool) item {
	m := item{}
	w := writer(m)
	w.s("type", p.Type)
	w.s("title", p.Title)
	w.s("summary", p.Summary)
	if body {
		w.s("body", p.Body)
	}
	w.list("tags", p.Tags)
	w.list("organisations", p.Organisations)
	writeFiles(w, &p.Content)
	if p.Pinned {
		m["pinned"] = &types.AttributeValueMemberBOOL{Value: true}
	}
	if p.Alert {
		m["alert"] = &types.AttributeValueMemberBOOL{Value: true}
	}
	w.t("expires_at", p.ExpiresAt)
	w.s("kind", p.Kind)
	w.s("note", p.Note)
	w.t("at", p.At)
	return m
}

func pendingFromItem(m item) (*centre.PendingChange, string) {
	r := reader{it: m}
	p := &centre.PendingChange{
		Content: centre.Content{Type: r.s("type"), Title: r.s("title"), Summary: r.s("summary"), Body: r.s("body"),
			Tags: r.list("tags"), Organisations: r.list("organisations"), Pinned: r.b("pinned"), Alert: r.b("alert")},
		ExpiresAt: r.t("expires_at"), Kind: r.s("kind"), Note: r.s("note"), At: r.t("at"),
	}
	readFiles(&r, m, &p.Content)
	return p, r.bad
}

func entryFromItem(it item) (*centre.Entry, error) {
	r := reader{it: it}
	e := &centre.Entry{
		ID:                 r.s("id"),
		Site:               r.s("site"),
		Slug:               r.s("slug"),
		Lang:               r.s("lang"),
		BodyHTML:           r.s("body_html"),
		Status:             r.s("status"),
		PublishAt:          r.t("publish_at"),
		PublishedAt:        r.t("published_at"),
		UpdatedAt:          r.t("updated_at"),
		CreatedAt:          r.t("created_at"),
		CreatedBy:          r.s("created_by"),
		Version:            r.n("version"),
		WithdrawnAt:        r.t("withdrawn_at"),
		WithdrawnReason:    r.s("withdrawn_reason"),
		SupersededBy:       r.s("superseded_by"),
		ExpiresAt:          r.t("expires_at"),
		ReviewRequestedAt:  r.t("review_requested_at"),
		ReviewNote:         r.s("review_note"),
		OutdatedSince:      r.t("outdated_since"),
		PreviewGeneration:  r.n("preview_generation"),
		EditedBy:           r.s("edited_by"),
		ApprovedAt:         r.t("approved_at"),
		ApprovedBy:         r.s("approved_by"),
		ApprovalNote:       r.s("approval_note"),
		ChangesRequestedAt: r.t("changes_requested_at"),
		ChangesRequestedBy: r.s("changes_requested_by"),
		ChangesNote:        r.s("changes_note"),
		Content: centre.Content{
			Type:          r.s("type"),
			Title:         r.s("title"),
			Summary:       r.s("summary"),
			Body:          r.s("body"),
			Tags:          r.list("tags"),
			Organisations: r.list("organisations"),
			Pinned:        r.b("pinned"),
			Alert:         r.b("alert"),
		},
	}
	if m, ok := it["last_change"]; ok {
		mm, ok := m.(*types.AttributeValueMemberM)
		if !ok {
			r.fail("last_change")
		} else {
			mr := reader{it: mm.Value}
			e.LastChange = centre.Change{At: mr.t("at"), KeyID: mr.s("key_id"), PersonID: mr.s("person_id"), Role: mr.s("role"),
				Action: mr.s("action"), Kind: mr.s("kind"), Note: mr.s("note"), Reason: mr.s("reason")}
			r.fail(mr.bad)
		}
	}
	readFiles(&r, it, &e.Content)
	if v, ok := it["pending"]; ok {
		m, ok := v.(*types.AttributeValueMemberM)
		if !ok {
			r.fail("pending")
		} else {
			var bad string
			e.Pending, bad = pendingFromItem(m.Value)
			r.fail(bad)
		}
	}
	for _, m := range r.maps("change_notes") {
		mr := reader{it: m}
		e.ChangeNotes = append(e.ChangeNotes, centre.ChangeNote{At: mr.t("at"), Note: mr.s("note")})
		r.fail(mr.bad)
	}
	return e, r.err("entry")
}

// --- keys ---

func keyToItem(k *centre.Key, byHash bool) item {
	var it item
	if byHash {
		it = keyHashKey(k.Hash)
	} else {
		it = keyIDKey(k.ID)
		it[attrGSI1PK] = str(keysPK(k.Site))
		it[attrGSI1SK] = str(fmtTime(k.CreatedAt) + "#" + k.ID)
	}
	w := writer(it)
	w.s("id", k.ID)
	w.s("site", k.Site)
	w.s("role", k.Role)
	w.s("name", k.Name)
	w.s("hash", k.Hash)
	w.t("created_at", k.CreatedAt)
	w.s("created_by", k.CreatedBy)
	w.t("expires_at", k.ExpiresAt)
	w.t("revoked_at", k.RevokedAt)
	w.s("organisation", k.Organisation)
	return it
}

func keyFromItem(it item) (*centre.Key, error) {
	r := reader{it: it}
	k := &centre.Key{
		ID:           r.s("id"),
		Site:         r.s("site"),
		Role:         r.s("role"),
		Name:         r.s("name"),
		Hash:         r.s("hash"),
		CreatedAt:    r.t("created_at"),
		CreatedBy:    r.s("created_by"),
		ExpiresAt:    r.t("expires_at"),
		RevokedAt:    r.t("revoked_at"),
		Organisation: r.s("organisation"),
	}
	return k, r.err("key")
}

// --- audit events ---

func auditToItem(ev *centre.AuditEvent) item {
	it := keyOf(auditPK(ev.Site), ev.ID)
	it[attrGSI2PK] = str(auditPK(ev.Site))
	it[attrGSI2SK] = str(fmtTime(ev.At) + "#" + ev.ID)
	w := writer(it)
	w.s("id", ev.ID)
	w.s("site", ev.Site)
	w.t("at", ev.At)
	w.s("key_id", ev.KeyID)
	w.s("person_id", ev.PersonID)
	w.s("role", ev.Role)
	w.s("action", ev.Action)
	w.s("target", ev.Target)
	w.s("request_id", ev.RequestID)
	w.s("client_request_id", ev.ClientRequestID)
	w.s("client", ev.Client)
	w.n("outcome", int64(ev.Outcome))
	w.s("detail", ev.Detail)
	return it
}

func auditFromItem(it item) (*centre.AuditEvent, error) {
	r := reader{it: it}
	ev := &centre.AuditEvent{
		ID:              r.s("id"),
		Site:            r.s("site"),
		At:              r.t("at"),
		KeyID:           r.s("key_id"),
		PersonID:        r.s("person_id"),
		Role:            r.s("role"),
		Action:          r.s("action"),
		Target:          r.s("target"),
		RequestID:       r.s("request_id"),
		Outcome:         int(r.n("outcome")),
		Client:          r.s("client"),
		ClientRequestID: r.s("client_request_id"),
		Detail:          r.s("detail"),
	}
	return ev, r.err("audit event")
}

// --- idempotency records ---

func idemToItem(rec *centre.IdempotencyRecord) item {
	it := idemKey(rec.Scope, rec.Key)
	w := writer(it)
	w.s("scope", rec.Scope)
	w.s("key", rec.Key)
	w.s("request_hash", rec.RequestHash)
	if rec.Done {
		it["done"] = &types.AttributeValueMemberBOOL{Value: true}
	}
	if rec.Status != 0 {
		w.n("status", int64(rec.Status))
	}
	w.list("header", rec.Header)
	if len(rec.Body) > 0 {
		it["body"] = &types.AttributeValueMemberB{Value: append([]byte(nil), rec.Body...)}
	}
	w.s("body_digest", rec.BodyDigest)
	w.t("created_at", rec.CreatedAt)
	w.t("expires_at", rec.ExpiresAt)
	w.n("expires_ms", rec.ExpiresAt.UnixMilli())
	// DynamoDB deletes items some time after ttl; round up so that it
	// never deletes a record before ExpiresAt.
	ttl := rec.ExpiresAt.Unix()
	if rec.ExpiresAt.Nanosecond() > 0 {
		ttl++
	}
	w.n(TTLAttribute, ttl)
	return it
}

func idemFromItem(it item) (*centre.IdempotencyRecord, error) {
	r := reader{it: it}
	rec := &centre.IdempotencyRecord{
		Scope:       r.s("scope"),
		Key:         r.s("key"),
		RequestHash: r.s("request_hash"),
		Done:        r.b("done"),
		Status:      int(r.n("status")),
		Header:      r.list("header"),
		BodyDigest:  r.s("body_digest"),
		CreatedAt:   r.t("created_at"),
		ExpiresAt:   r.t("expires_at"),
	}
	if v, ok := it["body"].(*types.AttributeValueMemberB); ok && len(v.Value) > 0 {
		rec.Body = append([]byte(nil), v.Value...)
	}
	return rec, r.err("idempotency record")
}

// --- attribute helpers ---

// writer sets attributes, leaving out zero values.
type writer item

func (w writer) s(name, v string) {
	if v != "" {
		w[name] = str(v)
	}
}

func (w writer) n(name string, v int64) { w[name] = num(v) }

func (w writer) t(name string, v time.Time) {
	if !v.IsZero() {
		w[name] = str(fmtTime(v))
	}
}

func (w writer) list(name string, v []string) {
	if len(v) == 0 {
		return
	}
	l := make([]types.AttributeValue, len(v))
	for i, s := range v {
		l[i] = str(s)
	}
	w[name] = &types.AttributeValueMemberL{Value: l}
}

// reader reads attributes, remembering the first malformed one.
type reader struct {
	it  item
	bad string
}

func (r *reader) fail(name string) {
	if r.bad == "" && name != "" {
		r.bad = name
	}
}

func (r *reader) err(what string) error {
	if r.bad == "" {
		return nil
	}
	return fmt.Errorf("dynamostore: malformed %s item: attribute %q", what, r.bad)
}

func (r *reader) s(name string) string {
	switch v := r.it[name].(type) {
	case nil:
		return ""
	case *types.AttributeValueMemberS:
		return v.Value
	default:
		r.fail(name)
		return ""
	}
}

func (r *reader) n(name string) int64 {
	switch v := r.it[name].(type) {
	case nil:
		return 0
	case *types.AttributeValueMemberN:
		n, err := strconv.ParseInt(v.Value, 10, 64)
		if err != nil {
			r.fail(name)
		}
		return n
	default:
		r.fail(name)
		return 0
	}
}

func (r *reader) b(name string) bool {
	switch v := r.it[name].(type) {
	case nil:
		return false
	case *types.AttributeValueMemberBOOL:
		return v.Value
	default:
		r.fail(name)
		return false
	}
}

func (r *reader) t(name string) time.Time {
	s := r.s(name)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		r.fail(name)
	}
	return t.UTC()
}

func (r *reader) list(name string) []string {
	switch v := r.it[name].(type) {
	case nil:
		return nil
	case *types.AttributeValueMemberL:
		out := make([]string, 0, len(v.Value))
		for _, e := range v.Value {
			s, ok := e.(*types.AttributeValueMemberS)
			if !ok {
				r.fail(name)
				return nil
			}
			out = append(out, s.Value)
		}
		return out
	default:
		r.fail(name)
		return nil
	}
}

// ints writes a list of numbers (nothing for an empty list).
func (w writer) ints(name string, v []int) {
	if len(v) == 0 {
		return
	}
	l := make([]types.AttributeValue, len(v))
	for i, n := range v {
		l[i] = num(int64(n))
	}
	w[name] = &types.AttributeValueMemberL{Value: l}
}

func (r *reader) ints(name string) []int {
	switch v := r.it[name].(type) {
	case nil:
		return nil
	case *types.AttributeValueMemberL:
		out := make([]int, 0, len(v.Value))
		for _, e := range v.Value {
			n, ok := e.(*types.AttributeValueMemberN)
			x, err := strconv.Atoi(n.Value)
			if !ok || err != nil {
				r.fail(name)
				return nil
			}
			out = append(out, x)
		}
		return out
	default:
		r.fail(name)
		return nil
	}
}

func (r *reader) maps(name string) []item {
	switch v := r.it[name].(type) {
	case nil:
		return nil
	case *types.AttributeValueMemberL:
		out := make([]item, 0, len(v.Value))
		for _, e := range v.Value {
			m, ok := e.(*types.AttributeValueMemberM)
			if !ok {
				r.fail(name)
				return nil
			}
			out = append(out, m.Value)
		}
		return out
	default:
		r.fail(name)
		return nil
	}
}

// maxItemSize is DynamoDB's limit on one item.
const maxItemSize = 400 * 1024

// itemSize returns the size of it as DynamoDB counts it (attribute names
// plus values), slightly overestimating numbers.
func itemSize(it item) int {
	n := 0
	for k, v := range it {
		n += len(k) + valueSize(v)
	}
	return n
}

func valueSize(v types.AttributeValue) int {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return len(strings.TrimLeft(v.Value, "-"))/2 + 2
	case *types.AttributeValueMemberB:
		return len(v.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range v.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range v.Value {
			n += 1 + len(k) + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberSS:
		n := 3
		for _, e := range v.Value {
			n += 1 + len(e)
		}
		return n
	default:
		return 64
	}
}
