package console

import (
	"cmp"
	"errors"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"infocentre/internal/centre"
)

// maxFormBytes bounds an entry form (the body is at most
// centre.MaxBodyBytes; the rest is small).
const maxFormBytes = 256 << 10

// entryForm is the editor's form: every field as the browser sends it.
type entryForm struct {
	Title, Summary, Body string
	Type, Lang, Slug     string
	// TranslationOf is the slug of the entry this one translates (a new
	// entry only): language versions of an entry share its slug.
	TranslationOf        string
	Tags, Organisations  []string
	PublishAt, ExpiresAt string // datetime-local, in the site's time zone
	Pinned, Alert        bool
	Attachments          []attachmentForm
	// The lead image: a file of the site and its text alternative (the
	// rest is filled in from the file by the Service).
	ImageFileID, ImageAlt string
	Change, ChangeNote    string // a change to a public entry: major (with the note) or minor
	Version               int64  // the version the form was loaded at
}

// attachmentForm is an attachment row: a link typed by the author (URL,
// media type, size), or a file of the site (FileID: the Service fills in
// the rest, so the form sends none of it).
type attachmentForm struct {
	Title, URL, MediaType, Size, Lang string
	FileID                            string
}

// formOf returns the form of entry e, with times in loc: of the change it
// holds for approval, if any (the editor changes that, not the public
// version), with its kind and note.
func formOf(e *centre.Entry, loc *time.Location) entryForm {
	held := e.Pending
	e = e.Proposed()
	f := entryForm{Title: e.Title, Summary: e.Summary, Body: e.Body, Type: e.Type, Lang: e.Lang, Slug: e.Slug,
		Tags: slices.Clone(e.Tags), Organisations: slices.Clone(e.Organisations), PublishAt: formatLocal(e.PublishAt, loc),
		ExpiresAt: formatLocal(e.ExpiresAt, loc), Pinned: e.Pinned, Alert: e.Alert, Version: e.Version,
		ImageFileID: e.Image.FileID, ImageAlt: e.Image.Alt}
	for _, a := range e.Attachments {
		if a.FileID != "" {
			f.Attachments = append(f.Attachments, attachmentForm{Title: a.Title, Lang: a.Lang, FileID: a.FileID})
			continue
		}
		f.Attachments = append(f.Attachments, attachmentForm{Title: a.Title, URL: a.URL, MediaType: a.MediaType,
			Size: strconv.FormatInt(a.Size, 10), Lang: a.Lang})
	}
	if held != nil {
		f.Change, f.ChangeNote = held.Kind, held.Note
	}
	return f
}

// readForm reads the editor's form from a POST (at most maxFormBytes).
func readForm(w http.ResponseWriter, r *http.Request) (entryForm, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return entryForm{}, centre.Errorf(centre.EINVALID, "the form could not be read (at most %d KB)", maxFormBytes>>10)
	}
	v := r.PostForm
	f := entryForm{Title: v.Get("title"), Summary: v.Get("summary"), Body: strings.ReplaceAll(v.Get("body"), "\r\n", "\n"),
		Type: v.Get("type"), Lang: strings.TrimSpace(v.Get("lang")), Slug: strings.TrimSpace(v.Get("slug")),
		TranslationOf: strings.TrimSpace(v.Get("translation_of")), PublishAt: v.Get("publish_at"), ExpiresAt: v.Get("expires_at"),
		Pinned: v.Get("pinned") == "on", Alert: v.Get("alert") == "on", Change: v.Get("change"), ChangeNote: v.Get("change_note"),
		ImageFileID: strings.TrimSpace(v.Get("image_file_id")), ImageAlt: v.Get("image_alt")}
	f.Version, _ = strconv.ParseInt(v.Get("version"), 10, 64)
	f.Tags = nonEmpty(v["tags"], centre.MaxTags+1)
	f.Organisations = nonEmpty(v["organisations"], centre.MaxOrganisations+1)
	n := min(max(len(v["att_title"]), len(v["att_url"])), centre.MaxAttachments+1)
	at := func(name string, i int) string {
		if list := v[name]; i < len(list) {
			return strings.TrimSpace(list[i])
		}
		return ""
	}
	for i := range n {
		a := attachmentForm{Title: at("att_title", i), URL: at("att_url", i), MediaType: at("att_media_type", i),
			Size: at("att_size", i), Lang: at("att_lang", i), FileID: at("att_file_id", i)}
		if a != (attachmentForm{}) {
			f.Attachments = append(f.Attachments, a)
		}
	}
	return f, nil
}

// nonEmpty returns the trimmed, non-empty values of list, at most n (a
// value of a comma-separated list counts as several).
func nonEmpty(list []string, n int) []string {
	var out []string
	for _, s := range list {
		for part := range strings.SplitSeq(s, ",") {
			if part = strings.TrimSpace(part); part != "" && len(out) < n {
				out = append(out, part)
			}
		}
	}
	return out
}

// content returns the entry content of the form, adding a problem for
// each attachment size that is not a number.
func (f *entryForm) content(p *centre.Problems) centre.Content {
	c := centre.Content{Type: f.Type, Title: f.Title, Summary: f.Summary, Body: f.Body, Tags: f.Tags,
		Organisations: f.Organisations, Pinned: f.Pinned, Alert: f.Alert, Image: centre.Image{FileID: f.ImageFileID, Alt: f.ImageAlt}}
	for i, a := range f.Attachments {
		size := int64(0)
		if a.Size != "" {
			n, err := strconv.ParseInt(a.Size, 10, 64)
			if err != nil {
				p.Add("attachments["+strconv.Itoa(i)+"].size", "must be a number of bytes")
			}
			size = n
		}
		c.Attachments = append(c.Attachments, centre.Attachment{Title: a.Title, URL: a.URL, MediaType: a.MediaType, Size: size, Lang: a.Lang,
			FileID: a.FileID})
	}
	return c
}

// times parses the form's publish_at and expires_at in loc.
func (f *entryForm) times(loc *time.Location, p *centre.Problems) (publish, expires time.Time) {
	var err error
	if publish, err = parseLocal(f.PublishAt, loc); err != nil {
		p.Add("publish_at", "%s", err.Error())
	}
	if expires, err = parseLocal(f.ExpiresAt, loc); err != nil {
		p.Add("expires_at", "%s", err.Error())
	}
	return publish, expires
}

// patch returns the change the form makes to cur: every content field,
// and the address and times where the form changed them (a time shown to
// the minute and sent back unchanged keeps its seconds).
func (f *entryForm) patch(cur *centre.Entry, loc *time.Location) (centre.EntryPatch, error) {
	var p centre.Problems
	content := f.content(&p)
	publish, expires := f.times(loc, &p)
	patch := centre.EntryPatch{ContentPatch: content.AsPatch()}
	if f.Slug != cur.Slug {
		patch.Slug = &f.Slug
	}
	if f.Lang != cur.Lang {
		patch.Lang = &f.Lang
	}
	if f.PublishAt != formatLocal(cur.PublishAt, loc) {
		patch.PublishAt = &publish
	}
	if f.ExpiresAt != formatLocal(cur.ExpiresAt, loc) {
		patch.ExpiresAt = &expires
	}
	if cur.Public() {
		if f.Change != "" {
			patch.Change = &f.Change
		}
		if f.Change == centre.ChangeMajor {
			patch.ChangeNote = &f.ChangeNote
		}
	}
	return patch, p.Err()
}

// editorView is the entry page: the editor, and for an existing entry its
// workflow, preview links and revisions (workflow.go).
type editorView struct {
	SiteView
	Entry        *centre.Entry // nil for a new entry
	Form         entryForm
	Errors       []fieldProblem
	Preview      template.HTML // the rendered body, after "Preview"
	Previewed    bool
	Conflict     *conflictView
	Done         string // what the last action did
	CanEditEntry bool
	Zone         string
	Types        []string
	TagOptions   []string
	OrgOptions   []string
	Originals    []*centre.Entry // entries a new one may translate
	Workflow     *workflowView
	// Files are the site's newest files (at most maxPickerFiles), for
	// the attachment and lead image pickers.
	Files []*centre.File
}

// maxPickerFiles bounds the files the editor's pickers offer (newest
// first); an older file already chosen stays offered.
const maxPickerFiles = 2 * centre.MaxPageSize

// fileOption is one choice of a file picker.
type fileOption struct {
	ID, Label string
	Selected  bool
}

// FileOptions returns the choices of an attachment's file picker: every
// file offered, and the chosen one (selected) first if it is not among
// them.
func (v editorView) FileOptions(selected string) []fileOption { return v.fileOptions(selected, "") }

// ImageOptions returns the choices of the lead image picker: the image
// files offered, and the chosen one if it is not among them.
func (v editorView) ImageOptions(selected string) []fileOption {
	return v.fileOptions(selected, centre.KindImage)
}

func (v editorView) fileOptions(selected, kind string) []fileOption {
	out := make([]fileOption, 0, len(v.Files)+1)
	found := selected == ""
	for _, f := range v.Files {
		if kind != "" && f.Kind != kind {
			continue
		}
		found = found || f.ID == selected
		out = append(out, fileOption{ID: f.ID, Label: fileLabel(f), Selected: f.ID == selected})
	}
	if !found {
		out = append([]fileOption{{ID: selected, Label: "File " + selected + " (not among the newest files)", Selected: true}}, out...)
	}
	return out
}

// fileLabel names a file for a picker: its name, kind and size.
func fileLabel(f *centre.File) string {
	var b strings.Builder
	b.WriteString(f.Name)
	b.WriteString(" — ")
	switch {
	case f.Kind == centre.KindImage && f.Width > 0:
		b.WriteString(strconv.Itoa(f.Width) + "×" + strconv.Itoa(f.Height) + " image")
	case f.Pages > 0:
		b.WriteString(strconv.Itoa(f.Pages) + " pages")
	default:
		b.WriteString(f.MediaType)
	}
	b.WriteString(", " + humanBytes(f.Size))
	return b.String()
}

// pickerFiles returns the site's newest files for the pickers: at most
// maxPickerFiles, in as many pages.
func (c *Console) pickerFiles(r *http.Request, who caller, site string) ([]*centre.File, error) {
	var out []*centre.File
	q := centre.FileQuery{Site: site, Limit: centre.MaxPageSize}
	for len(out) < maxPickerFiles {
		page, err := c.cfg.Service.ListFiles(r.Context(), who.p, q)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		if page.Next == "" || page.Next == q.After {
			break
		}
		q.After = page.Next
	}
	return out[:min(len(out), maxPickerFiles)], nil
}

// Loc is the site's time zone.
func (v editorView) Loc() *time.Location { return v.Site.Location() }

// Action names the form's target.
func (v editorView) Action() string {
	if v.Entry == nil {
		return "/admin/sites/" + v.Site.Slug + "/entries"
	}
	return "/admin/sites/" + v.Site.Slug + "/entries/" + v.Entry.ID
}

// AttachmentRows are the attachment rows the form shows: the attachments
// and one empty row to add another.
func (v editorView) AttachmentRows() []attachmentForm {
	rows := slices.Clone(v.Form.Attachments)
	if len(rows) < centre.MaxAttachments {
		rows = append(rows, attachmentForm{})
	}
	return rows
}

// TagRows are the tag inputs: the tags and empty ones to add more.
func (v editorView) TagRows() []string { return padded(v.Form.Tags, 3, centre.MaxTags) }

// OrgRows are the organisation inputs.
func (v editorView) OrgRows() []string {
	return padded(v.Form.Organisations, 2, centre.MaxOrganisations)
}

func padded(list []string, extra, limit int) []string {
	out := slices.Clone(list)
	for i := 0; i < extra && len(out) < limit; i++ {
		out = append(out, "")
	}
	return out
}

// canEditEntry reports whether the person may change e (nil: create one).
func canEditEntry(sv SiteView, e *centre.Entry) bool {
	switch {
	case e == nil || e.Status == centre.StatusDraft:
		return sv.CanEdit
	case e.Status == centre.StatusWithdrawn:
		return false
	default:
		return sv.CanPublish
	}
}

// doneMessages are the messages a redirect after an action shows.
var doneMessages = map[string]string{
	"created": "The draft is saved.", "saved": "Your changes are saved.", "review": "Review is requested.",
	"publish": "The entry is published.", "schedule": "The entry is scheduled.", "unschedule": "The entry is a draft again.",
	"withdraw": "The entry is withdrawn.", "restore": "The revision is restored as a new version.",
	"revoke-previews": "Every preview link of this entry is revoked.", "approve": "The entry is approved.",
	"request-changes": "Changes are requested.",
}

// newEntry shows an empty editor; ?translation_of=slug&lang=xx starts a
// translation.
func (c *Console) newEntry(w http.ResponseWriter, r *http.Request, who caller) {
	sv, ok := c.staffSite(w, r, who, "entries")
	if !ok {
		return
	}
	if !sv.CanEdit {
		c.problem(w, r, http.StatusForbidden, "creating entries needs the editor role")
		return
	}
	q := r.URL.Query()
	f := entryForm{Type: centre.TypeStatement, Lang: sv.Site.DefaultLanguage(), TranslationOf: q.Get("translation_of")}
	if l := q.Get("lang"); l != "" && sv.Site.HasLanguage(l) {
		f.Lang = l
	}
	if t := q.Get("type"); centre.ValidType(t) {
		f.Type = t
	}
	if who.person.Organisation != "" {
		f.Organisations = []string{who.person.Organisation}
	}
	c.editor(w, r, who, http.StatusOK, editorView{SiteView: sv, Form: f})
}

// createEntry creates a draft from the editor, or previews its body.
func (c *Console) createEntry(w http.ResponseWriter, r *http.Request, who caller) {
	sv, ok := c.staffSite(w, r, who, "entries")
	if !ok {
		return
	}
	f, err := readForm(w, r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	v := editorView{SiteView: sv, Form: f}
	if r.PostFormValue("op") == "preview" {
		c.preview(&v)
		c.editor(w, r, who, http.StatusOK, v)
		return
	}
	var p centre.Problems
	in := centre.EntryInput{Content: f.content(&p), Slug: f.Slug, Lang: f.Lang, Status: centre.StatusDraft}
	if in.Slug == "" && f.TranslationOf != "" {
		in.Slug = f.TranslationOf
	}
	in.PublishAt, in.ExpiresAt = f.times(sv.Site.Location(), &p)
	if err := p.Err(); err != nil {
		// Show the other fields' problems too, as the Service would.
		draft := &centre.Entry{Content: in.Content, Slug: cmp.Or(in.Slug, centre.Slugify(in.Title), "x"), Lang: in.Lang, Status: centre.StatusDraft}
		v.Errors = problems(joinInvalid(err, draft.Validate(sv.Site)))
		c.editor(w, r, who, http.StatusBadRequest, v)
		return
	}
	e, err := c.cfg.Service.CreateEntry(r.Context(), who.p, sv.Site.Slug, in)
	if err != nil {
		c.audit(r, who.p, sv.Site.Slug, "entry.create", "", statusOf(err), "")
		if centre.IsCode(err, centre.EINVALID) || centre.IsCode(err, centre.ECONFLICT) && hasFields(err) {
			v.Errors = problems(err)
			c.editor(w, r, who, http.StatusBadRequest, v)
			return
		}
		c.fail(w, r, err)
		return
	}
	c.audit(r, who.p, sv.Site.Slug, "entry.create", e.ID, http.StatusCreated, "")
	http.Redirect(w, r, entryPath(sv.Site.Slug, e.ID)+"?done=created", http.StatusSeeOther)
}

func entryPath(site, id string) string { return "/admin/sites/" + site + "/entries/" + id }

// editEntry shows an entry in the editor (read-only to those who may not
// change it), with its workflow.
func (c *Console) editEntry(w http.ResponseWriter, r *http.Request, who caller) {
	sv, ok := c.staffSite(w, r, who, "entries")
	if !ok {
		return
	}
	e, err := c.cfg.Service.Entry(r.Context(), who.p, sv.Site.Slug, r.PathValue("id"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	v := editorView{SiteView: sv, Entry: e, Form: formOf(e, sv.Site.Location()), Done: doneMessages[r.URL.Query().Get("done")]}
	c.editor(w, r, who, http.StatusOK, v)
}

// saveEntry saves the editor's changes to an entry against the version it
// was loaded at. When someone else saved first, nothing is lost: the
// editor comes back with the person's input and, field by field, what is
// saved now, to merge (conflictView).
func (c *Console) saveEntry(w http.ResponseWriter, r *http.Request, who caller) {
	sv, ok := c.staffSite(w, r, who, "entries")
	if !ok {
		return
	}
	f, err := readForm(w, r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	ctx, id, loc := r.Context(), r.PathValue("id"), sv.Site.Location()
	cur, err := c.cfg.Service.Entry(ctx, who.p, sv.Site.Slug, id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if r.PostFormValue("merge") == "1" {
		// The merge form carries the version it was made against, the
		// person's fields, and per field whether to take theirs.
		theirs, err := c.cfg.Service.Revision(ctx, who.p, sv.Site.Slug, id, f.Version)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		tf := formOf(theirs, loc)
		for _, m := range mergeFields {
			if r.PostFormValue("take_"+m.Name) == "theirs" {
				m.take(&f, &tf)
			}
		}
	}
	v := editorView{SiteView: sv, Entry: cur, Form: f}
	if r.PostFormValue("op") == "preview" {
		c.preview(&v)
		c.editor(w, r, who, http.StatusOK, v)
		return
	}
	if cur.Version != f.Version {
		c.conflict(w, r, who, v)
		return
	}
	patch, perr := f.patch(cur.Proposed(), loc)
	if perr != nil {
		// Show the other fields' problems too, as the Service would.
		changed := *cur.Proposed()
		patch.ContentPatch.Apply(&changed.Content)
		changed.Slug, changed.Lang = f.Slug, f.Lang
		v.Errors = problems(joinInvalid(perr, changed.Validate(v.Site)))
		c.editor(w, r, who, http.StatusBadRequest, v)
		return
	}
	e, err := c.cfg.Service.UpdateEntry(ctx, who.p, sv.Site.Slug, id, patch, f.Version)
	c.audit(r, who.p, sv.Site.Slug, "entry.update", id, statusOf(err), "")
	switch {
	case err == nil:
		http.Redirect(w, r, entryPath(sv.Site.Slug, e.ID)+"?done=saved", http.StatusSeeOther)
	case centre.IsCode(err, centre.EPRECONDITION):
		if v.Entry, err = c.cfg.Service.Entry(ctx, who.p, sv.Site.Slug, id); err != nil {
			c.fail(w, r, err)
			return
		}
		c.conflict(w, r, who, v)
	case centre.IsCode(err, centre.EINVALID), centre.IsCode(err, centre.ECONFLICT) && hasFields(err):
		v.Errors = problems(err)
		c.editor(w, r, who, http.StatusBadRequest, v)
	case centre.IsCode(err, centre.ECONFLICT):
		// The entry's state refuses the change (withdrawn, scheduled under
		// the two-person rule …): say why, and keep the input.
		v.Errors = problems(err)
		c.editor(w, r, who, http.StatusConflict, v)
	default:
		c.fail(w, r, err)
	}
}

// joinInvalid returns one EINVALID error with the fields of both (b may
// be nil).
func joinInvalid(a, b error) error {
	var ea, eb *centre.Error
	if !errors.As(a, &ea) || !errors.As(b, &eb) {
		return a
	}
	return &centre.Error{Code: centre.EINVALID, Message: ea.Message, Fields: append(slices.Clone(ea.Fields), eb.Fields...)}
}

func hasFields(err error) bool {
	var e *centre.Error
	return errors.As(err, &e) && len(e.Fields) > 0
}

// preview renders the form's body with the site's renderer.
func (c *Console) preview(v *editorView) {
	v.Previewed = true
	if why := centre.BodyShapeProblem(v.Form.Body); why != "" || len(v.Form.Body) > centre.MaxBodyBytes {
		if why == "" {
			why = "is too long to preview"
		}
		v.Errors = append(v.Errors, fieldProblem{Field: "body", ID: entryFieldID("body"), Label: "Body", Reason: why})
		return
	}
	if c.cfg.Service.Render == nil {
		return
	}
	html, err := c.cfg.Service.Render(v.Form.Body)
	if err != nil {
		v.Errors = append(v.Errors, fieldProblem{Field: "body", ID: entryFieldID("body"), Label: "Body", Reason: "could not be rendered"})
		return
	}
	v.Preview = template.HTML(html) // sanitised by the renderer (centre.Service.Render)
}

// editor renders the entry page with what every view of it needs.
func (c *Console) editor(w http.ResponseWriter, r *http.Request, who caller, status int, v editorView) {
	ctx := r.Context()
	v.CanEditEntry = canEditEntry(v.SiteView, v.Entry)
	v.Zone = v.Site.Location().String()
	v.Types = centre.Types
	if v.CanEditEntry {
		// Suggestions come from the site's latest entries (one page).
		page, err := c.cfg.Service.Entries(ctx, who.p, centre.EntryQuery{Site: v.Site.Slug, Limit: centre.MaxPageSize})
		if err != nil {
			c.fail(w, r, err)
			return
		}
		tags, orgs := map[string]bool{}, map[string]bool{}
		for _, e := range page.Items {
			for _, t := range e.Tags {
				tags[t] = true
			}
			for _, o := range e.Organisations {
				orgs[o] = true
			}
			if v.Entry == nil && e.Lang == v.Site.DefaultLanguage() && len(v.Originals) < 50 {
				v.Originals = append(v.Originals, e)
			}
		}
		v.TagOptions, v.OrgOptions = sortedKeys(tags), sortedKeys(orgs)
		if v.Files, err = c.pickerFiles(r, who, v.Site.Slug); err != nil {
			c.fail(w, r, err)
			return
		}
	}
	if v.Entry != nil && v.Workflow == nil {
		wf, err := c.workflow(r, who, v.SiteView, v.Entry)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		v.Workflow = wf
	}
	title := "New entry"
	if v.Entry != nil {
		title = v.Entry.Title
	}
	c.page(w, r, status, "editor", pageData{Title: title + " · " + v.Site.Title, Person: who.person, Page: v})
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// conflictView shows, field by field, how the entry was saved by someone
// else since the person loaded it, beside the person's own input.
type conflictView struct {
	Loaded int64 // the version the person's form was loaded at
	Saved  *centre.Entry
	By     string // who saved it ("a person", "key …")
	Fields []conflictField
}

// conflictField is one field someone else changed: what the person has
// in the form (Mine), what is saved now (Theirs) and what it was when the
// person loaded it (Base). Take is the default choice: theirs when the
// person left the field as loaded, else mine.
type conflictField struct {
	Name, Label        string
	Mine, Theirs, Base string
	Take               string
	// Changes are the lines they changed, for a field of several lines
	// (nil when it is too long to compare: the texts are shown whole).
	Changes []lineOp
}

// mergeField is a field the merge can take from the saved version.
type mergeField struct {
	Name, Label string
	show        func(*entryForm) string
	take        func(dst, src *entryForm)
}

var mergeFields = []mergeField{
	{"title", "Title", func(f *entryForm) string { return f.Title }, func(d, s *entryForm) { d.Title = s.Title }},
	{"summary", "Summary", func(f *entryForm) string { return f.Summary }, func(d, s *entryForm) { d.Summary = s.Summary }},
	{"body", "Body", func(f *entryForm) string { return f.Body }, func(d, s *entryForm) { d.Body = s.Body }},
	{"type", "Type", func(f *entryForm) string { return f.Type }, func(d, s *entryForm) { d.Type = s.Type }},
	{"lang", "Language", func(f *entryForm) string { return f.Lang }, func(d, s *entryForm) { d.Lang = s.Lang }},
	{"slug", "Address (slug)", func(f *entryForm) string { return f.Slug }, func(d, s *entryForm) { d.Slug = s.Slug }},
	{"tags", "Tags", func(f *entryForm) string { return strings.Join(f.Tags, ", ") }, func(d, s *entryForm) { d.Tags = s.Tags }},
	{"organisations", "Organisations", func(f *entryForm) string { return strings.Join(f.Organisations, ", ") },
		func(d, s *entryForm) { d.Organisations = s.Organisations }},
	{"publish_at", "Publish at", func(f *entryForm) string { return f.PublishAt }, func(d, s *entryForm) { d.PublishAt = s.PublishAt }},
	{"expires_at", "Expires at", func(f *entryForm) string { return f.ExpiresAt }, func(d, s *entryForm) { d.ExpiresAt = s.ExpiresAt }},
	{"pinned", "Pinned", func(f *entryForm) string { return yesNo(f.Pinned) }, func(d, s *entryForm) { d.Pinned = s.Pinned }},
	{"alert", "CAP alert", func(f *entryForm) string { return yesNo(f.Alert) }, func(d, s *entryForm) { d.Alert = s.Alert }},
	{"image", "Lead image", func(f *entryForm) string { return strings.TrimSpace(f.ImageFileID + " " + f.ImageAlt) },
		func(d, s *entryForm) { d.ImageFileID, d.ImageAlt = s.ImageFileID, s.ImageAlt }},
	{"attachments", "Attachments", func(f *entryForm) string {
		var lines []string
		for _, a := range f.Attachments {
			lines = append(lines, strings.Join([]string{a.Title, a.URL, a.FileID, a.MediaType, a.Size, a.Lang}, " · "))
		}
		return strings.Join(lines, "\n")
	}, func(d, s *entryForm) { d.Attachments = s.Attachments }},
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// conflict answers 409 with the editor: the person's input kept, the
// version now saved to save against, and the fields changed since the
// version the person loaded (v.Form.Version) to choose from.
func (c *Console) conflict(w http.ResponseWriter, r *http.Request, who caller, v editorView) {
	loc := v.Site.Location()
	saved := v.Entry
	theirs := formOf(saved, loc)
	base := entryForm{}
	if v.Form.Version > 0 && v.Form.Version < saved.Version {
		if rev, err := c.cfg.Service.Revision(r.Context(), who.p, v.Site.Slug, saved.ID, v.Form.Version); err == nil {
			base = formOf(rev, loc)
		} else if !centre.IsCode(err, centre.ENOTFOUND) {
			c.fail(w, r, err)
			return
		}
	}
	cv := &conflictView{Loaded: v.Form.Version, Saved: saved, By: actorName(saved.LastChange)}
	for _, m := range mergeFields {
		mine, th, b := m.show(&v.Form), m.show(&theirs), m.show(&base)
		if th == b || mine == th {
			continue // they did not change it (the person's input stands), or both made the same change
		}
		take := "mine"
		if mine == b {
			take = "theirs"
		}
		f := conflictField{Name: m.Name, Label: m.Label, Mine: mine, Theirs: th, Base: b, Take: take}
		if strings.Contains(b+th, "\n") {
			f.Changes = diffLines(b, th)
		}
		cv.Fields = append(cv.Fields, f)
	}
	v.Conflict = cv
	v.Form.Version = saved.Version
	v.Errors = nil
	c.editor(w, r, who, http.StatusConflict, v)
}

// actorName says who made a change, for people reading the console.
func actorName(ch centre.Change) string {
	switch {
	case ch.PersonID != "":
		return "a person (" + ch.PersonID + ")"
	case ch.KeyID != "":
		return "the key " + ch.KeyID
	}
	return "someone"
}
