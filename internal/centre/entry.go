package centre

import (
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Entry types.
const (
	TypeStatement   = "statement"
	TypePublication = "publication"
	TypeNews        = "news"
	TypePage        = "page"
)

// Types lists every entry type in display order.
var Types = []string{TypeStatement, TypePublication, TypeNews, TypePage}

// Entry statuses.
const (
	StatusDraft     = "draft"
	StatusScheduled = "scheduled"
	StatusPublished = "published"
	StatusWithdrawn = "withdrawn"
)

// Statuses lists every entry status.
var Statuses = []string{StatusDraft, StatusScheduled, StatusPublished, StatusWithdrawn}

// Entry is a statement, publication, news update or page of a site.
type Entry struct {
	ID   string `json:"id"`
	Site string `json:"site"`
	Content
	Slug            string       `json:"slug"`
	Lang            string       `json:"lang"`
	BodyHTML        string       `json:"body_html,omitempty"` // rendered and sanitised from Body; read-only
	Status          string       `json:"status"`
	PublishAt       time.Time    `json:"publish_at,omitzero"`
	PublishedAt     time.Time    `json:"published_at,omitzero"` // first made public; never changes after
	UpdatedAt       time.Time    `json:"updated_at"`            // last public ("major") update, or last edit while never public
	CreatedAt       time.Time    `json:"created_at"`
	CreatedBy       string       `json:"created_by,omitempty"` // key id
	Version         int64        `json:"version"`
	ChangeNotes     []ChangeNote `json:"change_notes,omitempty"`
	WithdrawnAt     time.Time    `json:"withdrawn_at,omitzero"`
	WithdrawnReason string       `json:"withdrawn_reason,omitempty"`
	SupersededBy    string       `json:"superseded_by,omitempty"` // slug of the entry that replaces this one

	// Workflow fields (staff-only unless noted).
	ExpiresAt         time.Time `json:"expires_at,omitzero"`          // public: off the lists from then, still readable, marked expired
	ReviewRequestedAt time.Time `json:"review_requested_at,omitzero"` // a draft marked ready for review
	ReviewNote        string    `json:"review_note,omitempty"`        // the note to the reviewer
	OutdatedSince     time.Time `json:"outdated_since,omitzero"`      // public: a translation whose source had a major change since
	PreviewGeneration int64     `json:"preview_generation,omitempty"` // bumping it revokes every preview link of the entry
	LastChange        Change    `json:"last_change,omitzero"`         // the change that made this version
	// EditedBy is who last changed the content (created, updated or
	// restored it), as Principal.Actor: an approval must come from
	// someone else.
	EditedBy string `json:"edited_by,omitempty"`
	// Approval of the current content by a publisher other than EditedBy
	// (Service.Approve), which the two-person rule (Site.ReviewRequired)
	// needs before publishing. Any change to the content clears it, and
	// publishing uses it up.
	ApprovedAt   time.Time `json:"approved_at,omitzero"`
	ApprovedBy   string    `json:"approved_by,omitempty"` // Principal.Actor of the approver
	ApprovalNote string    `json:"approval_note,omitempty"`
	// A reviewer sent the draft back to its author (Service.RequestChanges)
	// with a note; requesting review again clears it.
	ChangesRequestedAt time.Time `json:"changes_requested_at,omitzero"`
	ChangesRequestedBy string    `json:"changes_requested_by,omitempty"`
	ChangesNote        string    `json:"changes_note,omitempty"`
	// Pending is a change to a published entry held for approval on a
	// site with the two-person rule (Site.ReviewRequired): the public
	// still reads the entry's own content; publishing the entry once a
	// publisher other than EditedBy has approved it makes Pending its
	// content. Staff-only. Nil when nothing is held.
	Pending *PendingChange `json:"pending,omitempty"`

	// announce is the outbox record the next CreateEntry or UpdateEntry
	// of this value stores with it (see Announce); never stored itself.
	announce *Notification
	// fileMarks are the files the next CreateEntry or UpdateEntry of this
	// value makes public with it (see MarkFiles); never stored itself.
	fileMarks *FileMarks
}

// PendingChange is a held change to a published entry (Entry.Pending):
// the content and expiry the entry will have once the change is
// published, and whether the change is major (with its public note) or
// minor.
type PendingChange struct {
	Content
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	Kind      string    `json:"kind"`           // major or minor
	Note      string    `json:"note,omitempty"` // the public note of a major change
	At        time.Time `json:"at"`             // when the change was last edited
}

// Proposed returns the entry as it will be once its held change
// (Pending) is published: a copy with the pending content and expiry, or
// e itself when nothing is held. Editors show and change this version.
func (e *Entry) Proposed() *Entry {
	if e.Pending == nil {
		return e
	}
	c := *e
	c.Content, c.ExpiresAt, c.BodyHTML = e.Pending.Content, e.Pending.ExpiresAt, ""
	return &c
}

// Approved reports whether the entry's current content has been approved.
func (e *Entry) Approved() bool { return !e.ApprovedAt.IsZero() }

// Editor returns who last changed the entry's content: EditedBy, or for
// an entry stored before it was recorded, its creator.
func (e *Entry) Editor() string {
	if e.EditedBy != "" {
		return e.EditedBy
	}
	return e.CreatedBy
}

// clearApproval forgets the approval of the entry's content.
func (e *Entry) clearApproval() { e.ApprovedAt, e.ApprovedBy, e.ApprovalNote = time.Time{}, "", "" }

// Content is what an author writes in an entry, as one set of fields:
// creating an entry sets it (EntryInput), a patch changes it
// (ContentPatch), restoring a revision brings all of it back, launching a
// site from a template and importing an export copy it, and DiffEntries
// compares it. Each of those paths handles Content as a whole, so a field
// added here reaches all of them. A new field also needs, each checked by
// a test that fails until it is there: its pointer twin in ContentPatch
// and its line in ContentPatch.Apply and Content.AsPatch (centre's
// content tests); its attribute in both stores' converters (storetest's
// round trip); its schema in the OpenAPI document (httpapi's schema test);
// and a place in httpapi.PublicEntry or the staff-only list (httpapi's
// allowlist test). Its checks go in Entry.Validate.
//
// Where an entry lives (Slug, Lang) and when it is public (PublishAt,
// ExpiresAt) are set by a create and a patch too, but have rules of their
// own: a restore keeps them, and a template copies only the address.
type Content struct {
	Type          string       `json:"type"`
	Title         string       `json:"title"`
	Summary       string       `json:"summary,omitempty"`
	Body          string       `json:"body,omitempty"` // Markdown source
	Tags          []string     `json:"tags,omitempty"`
	Organisations []string     `json:"organisations,omitempty"`
	Attachments   []Attachment `json:"attachments,omitempty"`
	// Image is the lead image: a file of the site, shown at the top of
	// the entry's page and in its social card. The zero Image is none.
	Image  Image `json:"image,omitzero"`
	Pinned bool  `json:"pinned,omitempty"`
	// Alert publishes the entry as a CAP 1.2 alert too (Alert when it is
	// published, Update at each public change, Cancel when withdrawn).
	Alert bool `json:"alert,omitempty"`
}

// ContentPatch changes some fields of Content: each non-nil field
// replaces the field of the same name.
type ContentPatch struct {
	Type          *string       `json:"type"`
	Title         *string       `json:"title"`
	Summary       *string       `json:"summary"`
	Body          *string       `json:"body"`
	Tags          *[]string     `json:"tags"`
	Organisations *[]string     `json:"organisations"`
	Attachments   *[]Attachment `json:"attachments"`
	Image         *Image        `json:"image"` // {} removes the image
	Pinned        *bool         `json:"pinned"`
	Alert         *bool         `json:"alert"`
}

// Apply changes c by the non-nil fields of p.
func (p *ContentPatch) Apply(c *Content) {
	set(&c.Type, p.Type)
	set(&c.Title, p.Title)
	set(&c.Summary, p.Summary)
	set(&c.Body, p.Body)
	set(&c.Tags, p.Tags)
	set(&c.Organisations, p.Organisations)
	set(&c.Attachments, p.Attachments)
	set(&c.Image, p.Image)
	set(&c.Pinned, p.Pinned)
	set(&c.Alert, p.Alert)
}

// AsPatch returns the patch that sets every field of Content to c's values.
func (c Content) AsPatch() ContentPatch {
	return ContentPatch{
		Type:          &c.Type,
		Title:         &c.Title,
		Summary:       &c.Summary,
		Body:          &c.Body,
		Tags:          &c.Tags,
		Organisations: &c.Organisations,
		Attachments:   &c.Attachments,
		Image:         &c.Image,
		Pinned:        &c.Pinned,
		Alert:         &c.Alert,
	}
}

func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// Change describes the change that produced a version of an entry. It is
// stored with the entry, so each revision says who changed what and how.
type Change struct {
	At    time.Time `json:"at"`
	KeyID string    `json:"key_id,omitempty"`
	// PersonID is the person who made the change through the console
	// (KeyID is then empty).
	PersonID string `json:"person_id,omitempty"`
	Role     string `json:"role,omitempty"`
	Action   string `json:"action"`         // create, update, publish, schedule, release, unschedule, withdraw, review, approve, request-changes, restore, preview-revoke
	Kind     string `json:"kind,omitempty"` // major or minor, for changes to public entries
	Note     string `json:"note,omitempty"` // the public change note of a major change
	// Reason is why an owner published without the approval the site's
	// two-person rule asks for (Service.ForcePublish); staff-only.
	Reason string `json:"reason,omitempty"`
}

// Expired reports whether the entry is past its ExpiresAt at now.
func (e *Entry) Expired(now time.Time) bool { return !e.ExpiresAt.IsZero() && !now.Before(e.ExpiresAt) }

// Attachment is a file that belongs to an entry, mostly to publications:
// a link to a file hosted elsewhere (URL, MediaType and Size typed by
// the author), or a file of the site (FileID). For a file of the site,
// URL (its path below the site's base, File.Path), MediaType, Size and
// Pages are filled in from the file when the entry is saved, never typed:
// a typed value that disagrees with the file is refused.
type Attachment struct {
	Title     string `json:"title"`
	URL       string `json:"url"`
	MediaType string `json:"media_type"`
	Size      int64  `json:"size"`
	Lang      string `json:"lang,omitempty"`
	FileID    string `json:"file_id,omitempty"`
	Pages     int    `json:"pages,omitempty"` // PDF page count, from the file
}

// Image is an image file of the site shown with an entry. The author
// gives FileID and Alt (required: the text that stands for the image);
// the rest is filled in from the file when the entry is saved, never
// typed (a typed value that disagrees with the file is refused).
type Image struct {
	FileID    string `json:"file_id"`
	Alt       string `json:"alt"`
	URL       string `json:"url,omitempty"` // File.Path(0): below the site's base
	MediaType string `json:"media_type,omitempty"`
	Width     int    `json:"width,omitempty"`
	Height    int    `json:"height,omitempty"`
	// Widths are those of the image's resized copies, narrowest first
	// (File.Path(width) names each).
	Widths []int `json:"widths,omitempty"`
}

// FileIDs returns the files of the site that c references, each once, in
// order: the lead image, then the attachments.
func (c *Content) FileIDs() []string {
	var out []string
	seen := map[string]bool{}
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	add(c.Image.FileID)
	for _, a := range c.Attachments {
		add(a.FileID)
	}
	return out
}

// ChangeNote is a public, dated note of a change to a published entry.
type ChangeNote struct {
	At   time.Time `json:"at"`
	Note string    `json:"note"`
}

// Public reports whether the entry is visible to the public: published,
// or withdrawn (kept readable with its reason).
func (e *Entry) Public() bool { return e.Status == StatusPublished || e.Status == StatusWithdrawn }

// EverPublic reports whether the entry has ever been made public.
func (e *Entry) EverPublic() bool { return !e.PublishedAt.IsZero() }

// Limits on entry fields. The body limits keep a stored entry (source,
// rendered HTML and metadata) well under DynamoDB's 400 KB item limit.
const (
	MaxSummaryLen     = 1000
	MaxBodyBytes      = 64 << 10
	MaxBodyHTMLBytes  = 160 << 10
	MaxTags           = 12
	MaxTagLen         = 48
	MaxOrganisations  = 12
	MaxOrgLen         = 120
	MaxAttachments    = 20
	MaxChangeNotes    = 100
	MaxNoteLen        = 500
	MaxReasonLen      = 1000
	MaxAttachmentSize = 10 << 30
)

var mediaTypeRE = &lazyRegexp{expr: `^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$`}

// ValidType reports whether t is a known entry type.
func ValidType(t string) bool { return in(Types, t) }

// ValidStatus reports whether s is a known entry status.
func ValidStatus(s string) bool { return in(Statuses, s) }

func in(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// Validate puts the entry's names and titles in Unicode NFC, then checks
// every author-controlled field of e against site and returns an EINVALID
// *Error naming each bad one, or nil.
func (e *Entry) Validate(site *Site) error {
	e.normalizeText()
	var p Problems
	if !ValidType(e.Type) {
		p.Add("type", "must be one of %s", strings.Join(Types, ", "))
	}
	if !ValidSlug(e.Slug) {
		p.Add("slug", "must be 1-%d lowercase letters, digits and single hyphens", MaxSlugLen)
	}
	if !ValidLanguage(e.Lang) {
		p.Add("lang", "must be a BCP 47 language tag")
	} else if site != nil && !site.HasLanguage(e.Lang) {
		p.Add("lang", "%q is not one of the site's languages (%s)", e.Lang, strings.Join(site.Languages, ", "))
	}
	checkText(&p, "title", e.Title, 1, MaxTitleLen)
	checkVisible(&p, "title", e.Title)
	checkText(&p, "summary", e.Summary, 0, MaxSummaryLen)
	e.checkBody(&p)
	checkTags(&p, e.Tags)
	checkOrganisations(&p, e.Organisations)
	checkAttachments(&p, e.Attachments)
	checkImage(&p, &e.Image)
	if len(e.ChangeNotes) > MaxChangeNotes {
		p.Add("change_notes", "at most %d change notes", MaxChangeNotes)
	}
	if e.SupersededBy != "" && !ValidSlug(e.SupersededBy) {
		p.Add("superseded_by", "must be the slug of another entry")
	}
	if !ValidStatus(e.Status) {
		p.Add("status", "must be one of %s", strings.Join(Statuses, ", "))
	}
	if e.Status == StatusScheduled && e.PublishAt.IsZero() {
		p.Add("publish_at", "is required for a scheduled entry")
	}
	return p.Err()
}

// normalizeText puts the entry's text fields in NFC.
func (e *Entry) normalizeText() {
	normalizeText(&e.Title, &e.Summary, &e.Slug, &e.SupersededBy)
	normalizeTexts(e.Tags)
	normalizeTexts(e.Organisations)
	for i := range e.Attachments {
		normalizeText(&e.Attachments[i].Title)
	}
	normalizeText(&e.Image.Alt)
}

func (e *Entry) checkBody(p *Problems) {
	if len(e.Body) > MaxBodyBytes {
		p.Add("body", "must be at most %d bytes (got %d)", MaxBodyBytes, len(e.Body))
	} else if strings.ContainsRune(e.Body, 0) {
		p.Add("body", "must not contain NUL characters")
	} else if why := BodyShapeProblem(e.Body); why != "" {
		p.Add("body", "%s", why)
	}
	if len(e.BodyHTML) > MaxBodyHTMLBytes {
		p.Add("body", "renders to more than %d bytes of HTML", MaxBodyHTMLBytes)
	}
}

func checkTags(p *Problems, tags []string) {
	if len(tags) > MaxTags {
		p.Add("tags", "at most %d tags", MaxTags)
	}
	for _, t := range tags {
		if len(t) > MaxTagLen || !slugRE.MatchString(t) {
			p.Add("tags", "%q must be 1-%d lowercase letters, digits and single hyphens", t, MaxTagLen)
		}
	}
	if dup := firstDuplicate(tags, func(s string) string { return s }); dup != "" {
		p.Add("tags", "%q is listed twice", dup)
	}
}

func checkOrganisations(p *Problems, orgs []string) {
	if len(orgs) > MaxOrganisations {
		p.Add("organisations", "at most %d organisations", MaxOrganisations)
	}
	for _, o := range orgs {
		checkOrganisation(p, "organisations", o)
	}
	if dup := firstDuplicate(orgs, OrgKey); dup != "" {
		p.Add("organisations", "%q is listed twice", dup)
	}
}

func checkAttachments(p *Problems, list []Attachment) {
	if len(list) > MaxAttachments {
		p.Add("attachments", "at most %d attachments", MaxAttachments)
	}
	for i, a := range list {
		f := func(name string) string { return "attachments[" + strconv.Itoa(i) + "]." + name }
		checkText(p, f("title"), a.Title, 1, MaxTitleLen)
		checkVisible(p, f("title"), a.Title)
		if a.FileID != "" {
			// URL, media type, size and pages come from the file
			// (Service.resolveFiles).
			if !ValidID(a.FileID) {
				p.Add(f("file_id"), "must be the id of a file of the site")
			}
		} else {
			if !ValidHTTPURL(a.URL) {
				p.Add(f("url"), "must be an absolute http(s) URL (or give file_id for a file of the site)")
			}
			if a.Pages != 0 {
				p.Add(f("pages"), "is filled in from a file of the site (file_id)")
			}
			if !mediaTypeRE.MatchString(a.MediaType) {
				p.Add(f("media_type"), "must be a media type like application/pdf")
			}
		}
		if a.Size < 0 || a.Size > MaxAttachmentSize {
			p.Add(f("size"), "must be between 0 and %d bytes", int64(MaxAttachmentSize))
		}
		if a.Lang != "" && !ValidLanguage(a.Lang) {
			p.Add(f("lang"), "must be a BCP 47 language tag")
		}
	}
}

func checkImage(p *Problems, im *Image) {
	if im.FileID == "" {
		if !reflect.ValueOf(*im).IsZero() {
			p.Add("image.file_id", "is required: the id of an image file of the site (or send \"image\": {} for no image)")
		}
		return
	}
	if !ValidID(im.FileID) {
		p.Add("image.file_id", "must be the id of an image file of the site")
	}
	checkText(p, "image.alt", im.Alt, 1, MaxAltLen)
	checkVisible(p, "image.alt", im.Alt)
}

func firstDuplicate(list []string, key func(string) string) string {
	seen := map[string]bool{}
	for _, v := range list {
		k := key(v)
		if seen[k] {
			return v
		}
		seen[k] = true
	}
	return ""
}

// OrgKey returns the URL-safe key of an organisation name: accents folded,
// lowercase, runs of other characters turned into single hyphens.
// "Société Française d'Oncologie" becomes "societe-francaise-d-oncologie".
func OrgKey(name string) string { return Slugify(name) }

// Slugify turns s into a slug: accents folded, lowercase letters and digits,
// other runs replaced by one hyphen, trimmed to MaxSlugLen.
func Slugify(s string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(unicode.ToLower(r))
		default:
			hyphen = true
		}
	}
	out := b.String()
	if len(out) > MaxSlugLen {
		out = strings.TrimRight(out[:MaxSlugLen], "-")
	}
	return out
}
