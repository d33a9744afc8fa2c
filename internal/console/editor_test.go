package console_test

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
)

func TestEditorCreatesADraftWithPreviewAndFieldErrors(t *testing.T) {
	e := newsroom(t)
	e.draft(t, centre.EntryInput{Content: centre.Content{Title: "Earlier", Tags: []string{"floods", "roads"}, Organisations: []string{"Red Cross"}}})
	b, person := e.signedIn(t, "ed@example.org", centre.RoleEditor)
	status, page := b.get("/admin/sites/demo/entries/new")
	if status != http.StatusOK {
		t.Fatalf("new entry page: %d", status)
	}
	mustContain(t, "new entry page", page, `<label for="f-title">Title</label>`, `<datalist id="tag-options"><option value="floods"><option value="roads">`,
		`<option value="Red Cross">`, `<input id="f-publish-at" name="publish_at" type="datetime-local"`, "In Europe/Brussels",
		`<button type="submit" name="op" value="preview"`, `<option value="earlier">Earlier</option>`)

	// Preview: the body rendered by the site's renderer (sanitised) beside
	// the form, nothing saved, the input kept.
	form := url.Values{"title": {"Boil-water notice"}, "summary": {"For the north district"}, "type": {"statement"}, "lang": {"en"},
		"body": {"Boil **all** water.\r\n\r\n<script>alert(1)</script>\r\n\r\n# Where"}, "op": {"preview"}}
	status, page = b.post("/admin/sites/demo/entries", form)
	if status != http.StatusOK {
		t.Fatalf("preview: %d\n%s", status, page)
	}
	mustContain(t, "preview", page, "<strong>all</strong>", "<h2", `value="Boil-water notice"`, "&lt;script&gt;alert(1)&lt;/script&gt;", `id="preview-title"`)
	mustNotContain(t, "preview", page, "<script>alert(1)")
	if list, _ := e.store.ListEntries(t.Context(), centre.EntryQuery{Site: "demo"}); len(list.Items) != 1 {
		t.Fatalf("a preview saved something: %d entries", len(list.Items))
	}

	// Errors: a summary linking to each field, the message beside it, the
	// input kept.
	form.Set("op", "save")
	form.Set("title", "")
	form.Set("publish_at", "2026-03-29T02:30") // the clocks go forward in Brussels
	form["att_title"], form["att_url"], form["att_media_type"] = []string{"Map"}, []string{"not a url"}, []string{"application/pdf"}
	status, page = b.post("/admin/sites/demo/entries", form)
	if status != http.StatusBadRequest {
		t.Fatalf("invalid form: %d\n%s", status, page)
	}
	mustContain(t, "invalid form", page, "There is a problem", `href="#f-publish-at"`, "does not exist in Europe/Brussels",
		"For the north district</textarea>", `value="not a url"`, `<a href="#f-title">Title: `)
	form.Set("publish_at", "")
	status, page = b.post("/admin/sites/demo/entries", form)
	if status != http.StatusBadRequest {
		t.Fatalf("invalid form: %d\n%s", status, page)
	}
	mustContain(t, "invalid form", page, `<a href="#f-title">Title: `, `<a href="#f-attachments-0-url">Attachment 1 url: must be an absolute http(s) URL (or give file_id for a file of the site)</a>`,
		`id="f-title-error"`, `aria-describedby="f-title-error"`, `id="f-attachments-0-url-error"`)

	// Saved: times converted from Brussels time, every field stored.
	form.Set("title", "Boil-water notice")
	form["tags"] = []string{"floods", "", "water"}
	form["organisations"] = []string{"Red Cross", "City of Ghent"}
	form.Set("publish_at", "2030-07-01T12:00")
	form.Set("expires_at", "2030-12-01T12:00")
	form.Set("pinned", "on")
	form["att_url"], form["att_size"], form["att_lang"] = []string{"https://example.org/map.pdf", ""}, []string{"2048", ""}, []string{"fr", ""}
	form["att_title"], form["att_media_type"] = []string{"Map", ""}, []string{"application/pdf", ""}
	status, _ = b.post("/admin/sites/demo/entries", form)
	loc := b.last.Header.Get("Location")
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/sites/demo/entries/") || !strings.HasSuffix(loc, "?done=created") {
		t.Fatalf("create: %d %s", status, loc)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/admin/sites/demo/entries/"), "?done=created")
	got := e.stored(t, id)
	if got.Status != centre.StatusDraft || got.Title != "Boil-water notice" || got.Slug != "boil-water-notice" || got.Body != "Boil **all** water.\n\n<script>alert(1)</script>\n\n# Where" ||
		!slices.Equal(got.Tags, []string{"floods", "water"}) || !slices.Equal(got.Organisations, []string{"Red Cross", "City of Ghent"}) || !got.Pinned ||
		!got.PublishAt.Equal(time.Date(2030, 7, 1, 10, 0, 0, 0, time.UTC)) || !got.ExpiresAt.Equal(time.Date(2030, 12, 1, 11, 0, 0, 0, time.UTC)) ||
		len(got.Attachments) != 1 || got.Attachments[0] != (centre.Attachment{Title: "Map", URL: "https://example.org/map.pdf", MediaType: "application/pdf", Size: 2048, Lang: "fr"}) ||
		got.LastChange.PersonID != person.ID {
		t.Fatalf("stored entry: %+v", got)
	}
	status, page = b.get(loc)
	mustContain(t, "entry page", page, "The draft is saved.", `value="2030-07-01T12:00"`, `value="2030-12-01T12:00"`, `name="pinned" checked`)
	audit, err := e.store.ListAudit(t.Context(), centre.AuditQuery{Site: "demo", Action: "entry.create"})
	// The refused attempt is audited too (400), like the API's.
	if status != http.StatusOK || err != nil || len(audit.Items) != 2 || audit.Items[0].PersonID != person.ID || audit.Items[0].Target != id ||
		audit.Items[0].Outcome != http.StatusCreated || audit.Items[1].Outcome != http.StatusBadRequest {
		t.Fatalf("audit of the creation: %d events, %v", len(audit.Items), err)
	}

	// A translation shares the original's address.
	page = b.page("/admin/sites/demo/entries/new?translation_of=boil-water-notice&lang=fr")
	mustContain(t, "translation form", page, `value="boil-water-notice" list="original-options"`, `<option selected>fr</option>`)
	fr := url.Values{"title": {"Avis d'ébullition"}, "type": {"statement"}, "lang": {"fr"}, "translation_of": {"boil-water-notice"}, "op": {"save"}}
	if status, body := b.post("/admin/sites/demo/entries", fr); status != http.StatusSeeOther {
		t.Fatalf("translation: %d\n%s", status, body)
	}
	versions, err := e.store.EntriesBySlug(t.Context(), "demo", "boil-water-notice")
	if err != nil || len(versions) != 2 || versions[1].Lang != "fr" {
		t.Fatalf("language versions: %d %v", len(versions), err)
	}
}

func TestEditorSavesPublicChangesWithTheirKind(t *testing.T) {
	e := newsroom(t)
	// Seconds that the minute-precision form does not show stay as they were.
	at := time.Date(2030, 1, 1, 9, 0, 30, 0, time.UTC)
	pub := e.draft(t, centre.EntryInput{Content: centre.Content{Title: "Shelters open", Body: "Three shelters."}, Status: centre.StatusPublished,
		ExpiresAt: at})
	b, _ := e.signedIn(t, "pub@example.org", centre.RoleEditor)
	// An editor may not change a public entry: no form, and a forged save is refused.
	status, page := b.get(entryURL(pub.ID))
	if status != http.StatusOK {
		t.Fatal(status)
	}
	mustNotContain(t, "an editor's view of a public entry", page, `id="editor-form"`, "Save changes")
	form := editForm(pub)
	form.Set("title", "Shelters open (updated)")
	if status, _ := b.post(entryURL(pub.ID), form); status != http.StatusForbidden {
		t.Fatalf("an editor saving a public entry: %d", status)
	}

	p, _ := e.signedIn(t, "publisher@example.org", centre.RolePublisher)
	page = p.page(entryURL(pub.ID))
	mustContain(t, "a publisher's view", page, `id="editor-form"`, "This entry is public: what kind of change is this?", `value="2030-01-01T10:00:30"`)
	form.Set("expires_at", "2030-01-01T10:00:30")
	status, page = p.post(entryURL(pub.ID), form)
	if status != http.StatusBadRequest || !strings.Contains(page, `href="#f-change"`) {
		t.Fatalf("a public change without its kind: %d\n%s", status, page)
	}
	form.Set("change", "major")
	status, page = p.post(entryURL(pub.ID), form)
	if status != http.StatusBadRequest || !strings.Contains(page, `href="#f-change-note"`) || !strings.Contains(page, `value="Shelters open (updated)"`) {
		t.Fatalf("a major change without a note: %d\n%s", status, page)
	}
	form.Set("change_note", "A fourth shelter opened")
	if status, body := p.post(entryURL(pub.ID), form); status != http.StatusSeeOther {
		t.Fatalf("a major change: %d\n%s", status, body)
	}
	got := e.stored(t, pub.ID)
	if got.Title != "Shelters open (updated)" || len(got.ChangeNotes) != 1 || got.ChangeNotes[0].Note != "A fourth shelter opened" || !got.ExpiresAt.Equal(at) {
		t.Fatalf("after a major change: %+v", got)
	}
	form = editForm(got)
	form.Set("title", "Shelters open (typo fixed)")
	form.Set("expires_at", "2030-01-01T10:00:30")
	form.Set("change", "minor")
	if status, _ := p.post(entryURL(pub.ID), form); status != http.StatusSeeOther {
		t.Fatalf("a minor change: %d", status)
	}
	if got := e.stored(t, pub.ID); got.Title != "Shelters open (typo fixed)" || len(got.ChangeNotes) != 1 || got.LastChange.Kind != centre.ChangeMinor {
		t.Fatalf("after a minor change: %+v", got)
	}
}

func TestEditorMergesWhenSomeoneElseSavedFirst(t *testing.T) {
	e := newsroom(t)
	en := e.draft(t, centre.EntryInput{Content: centre.Content{Title: "Evacuation routes", Summary: "Routes out of the valley", Body: "Take the N4.\nAvoid the old bridge.",
		Tags: []string{"roads"}}})
	ana, _ := e.signedIn(t, "ana@example.org", centre.RoleEditor)
	ben, ben1 := e.signedIn(t, "ben@example.org", centre.RoleEditor)
	// Both open version 1.
	if status, page := ana.get(entryURL(en.ID)); status != http.StatusOK || !strings.Contains(page, `name="version" value="1"`) {
		t.Fatalf("ana's editor: %d", status)
	}
	// Ben saves first: a new title, body and tags.
	bf := editForm(en)
	bf.Set("title", "Evacuation routes (Ben)")
	bf.Set("body", "Take the N4 or the E40.\nAvoid the old bridge.")
	bf["tags"] = []string{"roads", "evacuation"}
	if status, _ := ben.post(entryURL(en.ID), bf); status != http.StatusSeeOther {
		t.Fatalf("ben's save: %d", status)
	}
	// Ana saves against version 1: a new title and summary.
	af := editForm(en)
	af.Set("title", "Evacuation routes (Ana)")
	af.Set("summary", "Routes out of the valley, updated hourly")
	status, page := ana.post(entryURL(en.ID), af)
	if status != http.StatusConflict {
		t.Fatalf("ana's stale save: %d, want 409\n%s", status, page)
	}
	if got := e.stored(t, en.ID); got.Version != 2 || got.Title != "Evacuation routes (Ben)" {
		t.Fatalf("a stale save changed the entry: %+v", got)
	}
	mustContain(t, "conflict page", page, "Someone else saved this entry first", "You opened version 1", ben1.ID,
		`name="version" value="2"`, `name="merge" value="1"`,
		// Ana's input is kept in the form.
		`value="Evacuation routes (Ana)"`, "Routes out of the valley, updated hourly",
		// Title: both changed it; Ana's stays unless she takes Ben's.
		"<legend>Title</legend>", "<pre>Evacuation routes (Ana)</pre>", "<pre>Evacuation routes (Ben)</pre>", "<pre>Evacuation routes</pre>",
		`id="take-title-mine" name="take_title" value="mine" checked`,
		// Body and tags: only Ben changed them; his are proposed.
		"<legend>Body</legend>", `id="take-body-theirs" name="take_body" value="theirs" checked`,
		"<legend>Tags</legend>", `id="take-tags-theirs" name="take_tags" value="theirs" checked`,
		// What changed in the body since Ana opened it, line by line.
		"What they changed since you opened it", "<del>- Take the N4.</del>\n<ins>+ Take the N4 or the E40.</ins>\n  Avoid the old bridge.")
	mustNotContain(t, "conflict page", page, "<legend>Summary</legend>", "412", "Precondition")

	// Ana keeps her title, takes Ben's body and tags, and saves against version 2.
	af.Set("version", "2")
	af.Set("merge", "1")
	af.Set("take_title", "mine")
	af.Set("take_body", "theirs")
	af.Set("take_tags", "theirs")
	if status, page := ana.post(entryURL(en.ID), af); status != http.StatusSeeOther {
		t.Fatalf("merged save: %d\n%s", status, page)
	}
	got := e.stored(t, en.ID)
	if got.Version != 3 || got.Title != "Evacuation routes (Ana)" || got.Summary != "Routes out of the valley, updated hourly" ||
		got.Body != "Take the N4 or the E40.\nAvoid the old bridge." || !slices.Equal(got.Tags, []string{"roads", "evacuation"}) {
		t.Fatalf("merged entry: %+v", got)
	}

	// A merge made against a version that is itself outdated conflicts
	// again, against the newest one.
	bf = editForm(got)
	bf.Set("summary", "Ben again")
	if status, _ := ben.post(entryURL(en.ID), bf); status != http.StatusSeeOther {
		t.Fatal(status)
	}
	af.Set("take_title", "theirs")
	status, page = ana.post(entryURL(en.ID), af)
	if status != http.StatusConflict || !strings.Contains(page, `name="version" value="4"`) || !strings.Contains(page, "You opened version 2") {
		t.Fatalf("a merge against an outdated version: %d\n%s", status, page)
	}
	if e.stored(t, en.ID).Summary != "Ben again" {
		t.Fatal("an outdated merge was saved")
	}
}

// TestFilePickers: the editor offers the site's files in a list for the
// attachments and its images for the lead image (no file ids to type, no
// script); choosing them attaches them, and a chosen file stays offered.
func TestFilePickers(t *testing.T) {
	e := newsroom(t)
	ed, _ := e.signedIn(t, "ed@example.org", centre.RoleEditor)
	img, _, err := e.svc.UploadFile(t.Context(), e.owner, "demo", centre.FileInput{Name: "flooded-square.png", Alt: "The flooded square"},
		bytes.NewReader(pngImage(t, 40, 30)))
	if err != nil {
		t.Fatal(err)
	}
	doc, _, err := e.svc.UploadFile(t.Context(), e.owner, "demo", centre.FileInput{Name: "shelters.txt"}, strings.NewReader("Shelters: town hall, station.\n"))
	if err != nil {
		t.Fatal(err)
	}
	page := ed.page("/admin/sites/demo/entries/new")
	imageSelect := regexp.MustCompile(`(?s)<select id="f-image-file-id" name="image_file_id">(.*?)</select>`).FindStringSubmatch(page)
	if imageSelect == nil {
		t.Fatalf("no lead image picker:\n%s", page)
	}
	mustContain(t, "the image picker", imageSelect[1], `<option value="">None</option>`, `<option value="`+img.ID+`">flooded-square.png — 40×30 image, `)
	mustNotContain(t, "the image picker", imageSelect[1], doc.ID)
	mustContain(t, "the attachment picker", page, `<select id="f-attachments-0-file-id" name="att_file_id"><option value="">None: a link (URL below)</option>`,
		`<option value="`+doc.ID+`">shelters.txt — text/plain`, `<option value="`+img.ID+`">flooded-square.png`)

	form := url.Values{"title": {"Shelters open"}, "type": {"statement"}, "lang": {"en"}, "op": {"save"}, "image_file_id": {img.ID}, "image_alt": {"The flooded square"},
		"att_title": {"List of shelters", ""}, "att_file_id": {doc.ID, ""}, "att_url": {"", ""}}
	status, body := ed.post("/admin/sites/demo/entries", form)
	if status != http.StatusSeeOther {
		t.Fatalf("save with picked files: %d\n%s", status, body)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(ed.last.Header.Get("Location"), "/admin/sites/demo/entries/"), "?done=created")
	got := e.stored(t, id)
	if got.Image.FileID != img.ID || len(got.Attachments) != 1 || got.Attachments[0].FileID != doc.ID || got.Attachments[0].Title != "List of shelters" {
		t.Fatalf("the entry's files: image %+v, attachments %+v", got.Image, got.Attachments)
	}
	page = ed.page(entryURL(id))
	mustContain(t, "the entry's pickers", page, `<option value="`+img.ID+`" selected>flooded-square.png`, `<option value="`+doc.ID+`" selected>shelters.txt`)
}
