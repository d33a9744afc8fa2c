package boltstore

import (
	"time"

	"infocentre/internal/centre"
)

// The records below are the storage format: JSON documents owned by this
// package, converted explicitly to and from the domain types so that a
// change of a domain type never silently changes what is on disk.

type siteRec struct {
	Slug        string        `json:"slug"`
	Title       string        `json:"title"`
	Tagline     string        `json:"tagline,omitempty"`
	Description string        `json:"description,omitempty"`
	Languages   []string      `json:"languages,omitempty"`
	Publisher   string        `json:"publisher,omitempty"`
	Email       string        `json:"email,omitempty"`
	ContactURL  string        `json:"contact_url,omitempty"`
	Accent      string        `json:"accent,omitempty"`
	LogoURL     string        `json:"logo_url,omitempty"`
	TimeZone    string        `json:"time_zone,omitempty"`
	Hosts       []string      `json:"hosts,omitempty"`
	Texts       []siteTextRec `json:"texts,omitempty"`
	Labels      []labelRec    `json:"labels,omitempty"`
	Banner      *bannerRec    `json:"banner,omitempty"`
	Review      bool          `json:"review_required,omitempty"`
	Status      string        `json:"status"`
	ArchivedAt  time.Time     `json:"archived_at,omitzero"`
	CreatedAt   time.Time     `json:"created_at,omitzero"`
	UpdatedAt   time.Time     `json:"updated_at,omitzero"`
	Version     int64         `json:"version"`
}

type siteTextRec struct {
	Lang        string `json:"lang"`
	Title       string `json:"title"`
	Tagline     string `json:"tagline,omitempty"`
	Description string `json:"description,omitempty"`
}

type labelRec struct {
	Kind string `json:"kind"`
	Key  string `json:"key"`
	Lang string `json:"lang"`
	Text string `json:"text"`
}

func toSiteTextRecs(list []centre.SiteText) []siteTextRec {
	var out []siteTextRec
	for _, t := range list {
		out = append(out, siteTextRec{Lang: t.Lang, Title: t.Title, Tagline: t.Tagline, Description: t.Description})
	}
	return out
}

func siteTexts(list []siteTextRec) []centre.SiteText {
	var out []centre.SiteText
	for _, t := range list {
		out = append(out, centre.SiteText{Lang: t.Lang, Title: t.Title, Tagline: t.Tagline, Description: t.Description})
	}
	return out
}

func toLabelRecs(list []centre.Label) []labelRec {
	var out []labelRec
	for _, l := range list {
		out = append(out, labelRec{Kind: l.Kind, Key: l.Key, Lang: l.Lang, Text: l.Text})
	}
	return out
}

func labels(list []labelRec) []centre.Label {
	var out []centre.Label
	for _, l := range list {
		out = append(out, centre.Label{Kind: l.Kind, Key: l.Key, Lang: l.Lang, Text: l.Text})
	}
	return out
}

type bannerRec struct {
	ID        string    `json:"id"`
	Severity  string    `json:"severity"`
	Heading   string    `json:"heading"`
	Text      string    `json:"text,omitempty"`
	URL       string    `json:"url,omitempty"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	SetAt     time.Time `json:"set_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	Updates   int       `json:"updates,omitempty"`
	RemovedAt time.Time `json:"removed_at,omitzero"`
}

func toBannerRec(b *centre.Banner) *bannerRec {
	if b == nil {
		return nil
	}
	return &bannerRec{ID: b.ID, Severity: b.Severity, Heading: b.Heading, Text: b.Text, URL: b.URL,
		ExpiresAt: stamp(b.ExpiresAt), SetAt: stamp(b.SetAt), UpdatedAt: stamp(b.UpdatedAt),
		Updates: b.Updates, RemovedAt: stamp(b.RemovedAt)}
}

func (r *bannerRec) banner() *centre.Banner {
	if r == nil {
		return nil
	}
	return &centre.Banner{
		BannerInput: centre.BannerInput{Severity: r.Severity, Heading: r.Heading, Text: r.Text, URL: r.URL, ExpiresAt: r.ExpiresAt},
		ID:          r.ID, SetAt: r.SetAt, UpdatedAt: r.UpdatedAt, Updates: r.Updates, RemovedAt: r.RemovedAt,
	}
}

func toSiteRec(s *centre.Site) *siteRec {
	return &siteRec{
		Slug: s.Slug, Title: s.Title, Tagline: s.Tagline, Description: s.Description,
		Languages: s.Languages, Publisher: s.Publisher,
		Email: s.Contact.Email, ContactURL: s.Contact.URL,
		Accent: s.Theme.Accent, LogoURL: s.Theme.LogoURL,
		TimeZone: s.TimeZone, Hosts: s.Hosts, Banner: toBannerRec(s.Banner), Review: s.ReviewRequired, Status: s.Status,
		Texts: toSiteTextRecs(s.Translations), Labels: toLabelRecs(s.Labels),
		ArchivedAt: stamp(s.ArchivedAt), CreatedAt: stamp(s.CreatedAt), UpdatedAt: stamp(s.UpdatedAt),
		Version: s.Version,
	}
}

func (r *siteRec) site() *centre.Site {
	return &centre.Site{
		Slug: r.Slug, Title: r.Title, Tagline: r.Tagline, Description: r.Description,
		Languages: r.Languages, Publisher: r.Publisher,
		Contact:  centre.Contact{Email: r.Email, URL: r.ContactURL},
		Theme:    centre.Theme{Accent: r.Accent, LogoURL: r.LogoURL},
		TimeZone: r.TimeZone, Hosts: r.Hosts, Banner: r.Banner.banner(), ReviewRequired: r.Review, Status: r.Status,
		Translations: siteTexts(r.Texts), Labels: labels(r.Labels),
		ArchivedAt: r.ArchivedAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		Version: r.Version,
	}
}

// entryRec is an entry without its body, which is kept apart (bodyRec) so
// that listings never read it.
type entryRec struct {
	ID              string          `json:"id"`
	Site            string          `json:"site"`
	Type            string          `json:"type"`
	Slug            string          `json:"slug"`
	Lang            string          `json:"lang"`
	Title           string          `json:"title"`
	Summary         string          `json:"summary,omitempty"`
	Tags            []string        `json:"tags,omitempty"`
	Organisations   []string        `json:"organisations,omitempty"`
	Attachments     []attachmentRec `json:"attachments,omitempty"`
	Image           imageRec        `json:"image,omitzero"`
	Pinned          bool            `json:"pinned,omitempty"`
	Alert           bool            `json:"alert,omitempty"`
	Status          string          `json:"status"`
	PublishAt       time.Time       `json:"publish_at,omitzero"`
	PublishedAt     time.Time       `json:"published_at,omitzero"`
	UpdatedAt       time.Time       `json:"updated_at,omitzero"`
	CreatedAt       time.Time       `json:"created_at,omitzero"`
	CreatedBy       string          `json:"created_by,omitempty"`
	Version         int64           `json:"version"`
	ChangeNotes     []noteRec       `json:"change_notes,omitempty"`
	WithdrawnAt     time.Time       `json:"withdrawn_at,omitzero"`
	WithdrawnReason string          `json:"withdrawn_reason,omitempty"`
	SupersededBy    string          `json:"superseded_by,omitempty"`

	ExpiresAt         time.Time `json:"expires_at,omitzero"`
	ReviewRequestedAt time.Time `json:"review_requested_at,omitzero"`
	ReviewNote        string    `json:"review_note,omitempty"`
	OutdatedSince     time.Time `json:"outdated_since,omitzero"`
	PreviewGeneration int64     `json:"preview_generation,omitempty"`
	LastChange        changeRec `json:"last_change,omitzero"`

	EditedBy           string    `json:"edited_by,omitempty"`
	ApprovedAt         time.Time `json:"approved_at,omitzero"`
	ApprovedBy         string    `json:"approved_by,omitempty"`
	ApprovalNote       string    `json:"approval_note,omitempty"`
	ChangesRequestedAt time.Time `json:"changes_requested_at,omitzero"`
	ChangesRequestedBy string    `json:"changes_requested_by,omitempty"`
	ChangesNote        string    `json:"changes_note,omitempty"`

	Pending *pendingRec `json:"pending,omitempty"`
}

// pendingRec is a held change (centre.PendingChange) without its body,
// which bodyRec keeps beside the entry's own.
type pendingRec struct {
	Type          string          `json:"type"`
	Title         string          `json:"title"`
	Summary       string          `json:"summary,omitempty"`
	Tags          []string        `json:"tags,omitempty"`
	Organisations []string        `json:"organisations,omitempty"`
	Attachments   []attachmentRec `json:"attachments,omitempty"`
	Image         imageRec        `json:"image,omitzero"`
	Pinned        bool            `json:"pinned,omitempty"`
	Alert         bool            `json:"alert,omitempty"`
	ExpiresAt     time.Time       `json:"expires_at,omitzero"`
	Kind          string          `json:"kind"`
	Note          string          `json:"note,omitempty"`
	At            time.Time       `json:"at"`
}

func toPendingRec(p *centre.PendingChange) *pendingRec {
	if p == nil {
		return nil
	}
	r := &pendingRec{Type: p.Type, Title: p.Title, Summary: p.Summary, Tags: p.Tags, Organisations: p.Organisations,
		Image: imageRec(p.Image), Pinned: p.Pinned, Alert: p.Alert, ExpiresAt: stamp(p.ExpiresAt), Kind: p.Kind, Note: p.Note, At: stamp(p.At)}
	for _, a := range p.Attachments {
		r.Attachments = append(r.Attachments, attachmentRec(a))
	}
	return r
}

// pending converts r to the domain type with body (empty for listings).
func (r *pendingRec) pending(body string) *centre.PendingChange {
	if r == nil {
		return nil
	}
	p := &centre.PendingChange{Content: centre.Content{Type: r.Type, Title: r.Title, Summary: r.Summary, Body: body, Tags: r.Tags,
		Organisations: r.Organisations, Image: centre.Image(r.Image), Pinned: r.Pinned, Alert: r.Alert},
		ExpiresAt: r.ExpiresAt, Kind: r.Kind, Note: r.Note, At: r.At}
	for _, a := range r.Attachments {
		p.Attachments = append(p.Attachments, centre.Attachment(a))
	}
	return p
}

type changeRec struct {
	At       time.Time `json:"at,omitzero"`
	KeyID    string    `json:"key_id,omitempty"`
	PersonID string    `json:"person_id,omitempty"`
	Role     string    `json:"role,omitempty"`
	Action   string    `json:"action,omitempty"`
	Kind     string    `json:"kind,omitempty"`
	Note     string    `json:"note,omitempty"`
	Reason   string    `json:"reason,omitempty"`
}

type attachmentRec struct {
	Title     string `json:"title"`
	URL       string `json:"url"`
	MediaType string `json:"media_type"`
	Size      int64  `json:"size"`
	Lang      string `json:"lang,omitempty"`
	FileID    string `json:"file_id,omitempty"`
	Pages     int    `json:"pages,omitempty"`
}

type imageRec struct {
	FileID    string `json:"file_id,omitempty"`
	Alt       string `json:"alt,omitempty"`
	URL       string `json:"url,omitempty"`
	MediaType string `json:"media_type,omitempty"`
	Width     int    `json:"width,omitempty"`
	Height    int    `json:"height,omitempty"`
	Widths    []int  `json:"widths,omitempty"`
}

type noteRec struct {
	At   time.Time `json:"at"`
	Note string    `json:"note"`
}

type bodyRec struct {
	Body     string `json:"body,omitempty"`
	BodyHTML string `json:"body_html,omitempty"`
	// PendingBody is the body of the entry's held change (Pending).
	PendingBody string `json:"pending_body,omitempty"`
}

func toEntryRec(e *centre.Entry) (*entryRec, *bodyRec) {
	r := &entryRec{
		ID: e.ID, Site: e.Site, Type: e.Type, Slug: e.Slug, Lang: e.Lang,
		Title: e.Title, Summary: e.Summary, Tags: e.Tags, Organisations: e.Organisations,
		Image:  imageRec(e.Image),
		Pinned: e.Pinned, Alert: e.Alert, Status: e.Status,
		PublishAt: stamp(e.PublishAt), PublishedAt: stamp(e.PublishedAt),
		UpdatedAt: stamp(e.UpdatedAt), CreatedAt: stamp(e.CreatedAt), CreatedBy: e.CreatedBy,
		Version: e.Version, WithdrawnAt: stamp(e.WithdrawnAt), WithdrawnReason: e.WithdrawnReason,
		SupersededBy: e.SupersededBy,

		ExpiresAt: stamp(e.ExpiresAt), ReviewRequestedAt: stamp(e.ReviewRequestedAt), ReviewNote: e.ReviewNote,
		OutdatedSince: stamp(e.OutdatedSince), PreviewGeneration: e.PreviewGeneration,
		LastChange: changeRec{
			At: stamp(e.LastChange.At), KeyID: e.LastChange.KeyID, PersonID: e.LastChange.PersonID, Role: e.LastChange.Role,
			Action: e.LastChange.Action, Kind: e.LastChange.Kind, Note: e.LastChange.Note, Reason: e.LastChange.Reason,
		},
		EditedBy: e.EditedBy, ApprovedAt: stamp(e.ApprovedAt), ApprovedBy: e.ApprovedBy, ApprovalNote: e.ApprovalNote,
		ChangesRequestedAt: stamp(e.ChangesRequestedAt), ChangesRequestedBy: e.ChangesRequestedBy, ChangesNote: e.ChangesNote,
	}
	for _, a := range e.Attachments {
		r.Attachments = append(r.Attachments, attachmentRec(a))
	}
	for _, n := range e.ChangeNotes {
		r.ChangeNotes = append(r.ChangeNotes, noteRec{At: stamp(n.At), Note: n.Note})
	}
	r.Pending = toPendingRec(e.Pending)
	b := &bodyRec{Body: e.Body, BodyHTML: e.BodyHTML}
	if e.Pending != nil {
		b.PendingBody = e.Pending.Body
	}
	return r, b
}

// entry converts r to the domain type; b may be nil for listings.
func (r *entryRec) entry(b *bodyRec) *centre.Entry {
	e := &centre.Entry{
		ID: r.ID, Site: r.Site, Slug: r.Slug, Lang: r.Lang,
		Content: centre.Content{
			Type: r.Type, Title: r.Title, Summary: r.Summary, Tags: r.Tags, Organisations: r.Organisations,
			Image: centre.Image(r.Image), Pinned: r.Pinned, Alert: r.Alert,
		},
		Status:    r.Status,
		PublishAt: r.PublishAt, PublishedAt: r.PublishedAt,
		UpdatedAt: r.UpdatedAt, CreatedAt: r.CreatedAt, CreatedBy: r.CreatedBy,
		Version: r.Version, WithdrawnAt: r.WithdrawnAt, WithdrawnReason: r.WithdrawnReason,
		SupersededBy: r.SupersededBy,

		ExpiresAt: r.ExpiresAt, ReviewRequestedAt: r.ReviewRequestedAt, ReviewNote: r.ReviewNote,
		OutdatedSince: r.OutdatedSince, PreviewGeneration: r.PreviewGeneration,
		LastChange: centre.Change{
			At: r.LastChange.At, KeyID: r.LastChange.KeyID, PersonID: r.LastChange.PersonID, Role: r.LastChange.Role,
			Action: r.LastChange.Action, Kind: r.LastChange.Kind, Note: r.LastChange.Note, Reason: r.LastChange.Reason,
		},
		EditedBy: r.EditedBy, ApprovedAt: r.ApprovedAt, ApprovedBy: r.ApprovedBy, ApprovalNote: r.ApprovalNote,
		ChangesRequestedAt: r.ChangesRequestedAt, ChangesRequestedBy: r.ChangesRequestedBy, ChangesNote: r.ChangesNote,
	}
	for _, a := range r.Attachments {
		e.Attachments = append(e.Attachments, centre.Attachment(a))
	}
	for _, n := range r.ChangeNotes {
		e.ChangeNotes = append(e.ChangeNotes, centre.ChangeNote{At: n.At, Note: n.Note})
	}
	pendingBody := ""
	if b != nil {
		e.Body, e.BodyHTML, pendingBody = b.Body, b.BodyHTML, b.PendingBody
	}
	e.Pending = r.Pending.pending(pendingBody)
	return e
}

func (r *entryRec) public() bool {
	return r.Status == centre.StatusPublished || r.Status == centre.StatusWithdrawn
}

// revRec is one revision of an entry: the entry as stored by the write
// that made its version, body included.
type revRec struct {
	Entry *entryRec `json:"entry"`
	Body  *bodyRec  `json:"body"`
}

type auditRec struct {
	ID        string    `json:"id"`
	Site      string    `json:"site"`
	At        time.Time `json:"at,omitzero"`
	KeyID     string    `json:"key_id,omitempty"`
	PersonID  string    `json:"person_id,omitempty"`
	Role      string    `json:"role,omitempty"`
	Action    string    `json:"action,omitempty"`
	Target    string    `json:"target,omitempty"`
	RequestID string    `json:"request_id,omitempty"`
	ClientRID string    `json:"client_request_id,omitempty"`
	Client    string    `json:"client,omitempty"`
	Outcome   int       `json:"outcome,omitempty"`
	Detail    string    `json:"detail,omitempty"`
}

func toAuditRec(ev *centre.AuditEvent) *auditRec {
	return &auditRec{
		ID: ev.ID, Site: ev.Site, At: stamp(ev.At), KeyID: ev.KeyID, PersonID: ev.PersonID, Role: ev.Role, Action: ev.Action,
		Target: ev.Target, RequestID: ev.RequestID, ClientRID: ev.ClientRequestID, Client: ev.Client,
		Outcome: ev.Outcome, Detail: ev.Detail,
	}
}

func (r *auditRec) event() *centre.AuditEvent {
	return &centre.AuditEvent{
		ID: r.ID, Site: r.Site, At: r.At, KeyID: r.KeyID, PersonID: r.PersonID, Role: r.Role, Action: r.Action,
		Target: r.Target, RequestID: r.RequestID, ClientRequestID: r.ClientRID, Client: r.Client,
		Outcome: r.Outcome, Detail: r.Detail,
	}
}

type keyRec struct {
	ID        string    `json:"id"`
	Site      string    `json:"site"`
	Role      string    `json:"role"`
	Name      string    `json:"name,omitempty"`
	Hash      string    `json:"hash"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	CreatedBy string    `json:"created_by,omitempty"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
	Org       string    `json:"organisation,omitempty"`
}

func toKeyRec(k *centre.Key) *keyRec {
	return &keyRec{
		ID: k.ID, Site: k.Site, Role: k.Role, Name: k.Name, Hash: k.Hash,
		CreatedAt: stamp(k.CreatedAt), CreatedBy: k.CreatedBy,
		ExpiresAt: stamp(k.ExpiresAt), RevokedAt: stamp(k.RevokedAt), Org: k.Organisation,
	}
}

func (r *keyRec) key() *centre.Key {
	return &centre.Key{
		ID: r.ID, Site: r.Site, Role: r.Role, Name: r.Name, Hash: r.Hash,
		CreatedAt: r.CreatedAt, CreatedBy: r.CreatedBy, ExpiresAt: r.ExpiresAt, RevokedAt: r.RevokedAt,
		Organisation: r.Org,
	}
}

type idemRec struct {
	Scope       string    `json:"scope"`
	Key         string    `json:"key"`
	RequestHash string    `json:"request_hash"`
	Done        bool      `json:"done,omitempty"`
	Status      int       `json:"status,omitempty"`
	Header      []string  `json:"header,omitempty"`
	Body        []byte    `json:"body,omitempty"`
	BodyDigest  string    `json:"body_digest,omitempty"`
	CreatedAt   time.Time `json:"created_at,omitzero"`
	ExpiresAt   time.Time `json:"expires_at,omitzero"`
}

func toIdemRec(r *centre.IdempotencyRecord) *idemRec {
	return &idemRec{
		Scope: r.Scope, Key: r.Key, RequestHash: r.RequestHash, Done: r.Done, Status: r.Status,
		Header: r.Header, Body: r.Body, BodyDigest: r.BodyDigest, CreatedAt: stamp(r.CreatedAt), ExpiresAt: stamp(r.ExpiresAt),
	}
}

func (r *idemRec) record() *centre.IdempotencyRecord {
	return &centre.IdempotencyRecord{
		Scope: r.Scope, Key: r.Key, RequestHash: r.RequestHash, Done: r.Done, Status: r.Status,
		Header: r.Header, Body: r.Body, BodyDigest: r.BodyDigest, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt,
	}
}

// stamp is the stored form of a time: UTC, millisecond precision; the zero
// time stays zero.
func stamp(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Millisecond)
}
