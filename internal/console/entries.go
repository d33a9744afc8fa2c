package console

import (
	"crypto/hmac"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"infocentre/internal/centre"
)

// The press-office screens of a site's entries: the dashboard
// (dashboard.go), the list (this file), the editor (editor.go) and the
// workflow actions (workflow.go), all under /admin/sites/{site}/.

const (
	// listPageSize is how many entries a page of the list shows.
	listPageSize = 50
	// textScanPages bounds the store pages one text search reads (of
	// centre.MaxPageSize entries each) before it offers "more".
	textScanPages = 10
)

// entryRoutes mounts the entry screens.
func (c *Console) entryRoutes(mux *http.ServeMux) {
	const site = "/admin/sites/{site}"
	const entry = site + "/entries/{id}"
	mux.HandleFunc("GET "+site+"/{$}", c.pageFor(c.dashboard))
	mux.HandleFunc("GET "+site+"/entries", c.pageFor(c.entryList))
	mux.HandleFunc("GET "+site+"/entries/new", c.pageFor(c.newEntry))
	mux.HandleFunc("POST "+site+"/entries", c.signedIn(c.createEntry))
	mux.HandleFunc("GET "+entry, c.pageFor(c.editEntry))
	mux.HandleFunc("POST "+entry, c.signedIn(c.saveEntry))
	mux.HandleFunc("GET "+entry+"/diff", c.pageFor(c.diffPage))
	mux.HandleFunc("POST "+entry+"/{action}", c.signedIn(c.entryAction))
}

// pageFor runs next with the signed-in person, or sends a browser that is
// not signed in to the sign-in page.
func (c *Console) pageFor(next func(w http.ResponseWriter, r *http.Request, who caller)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		who, ok := c.session(r)
		if !ok {
			http.Redirect(w, r, signInPath, http.StatusSeeOther)
			return
		}
		next(w, r, who)
	}
}

// SiteView is what every page of a site's screens shows around its
// content: the site, and what the person may do on it.
type SiteView struct {
	Site   *centre.Site
	Person *centre.Person
	// CanEdit: the person may create entries and edit drafts (editor);
	// CanPublish: publish, schedule, withdraw and edit public entries.
	CanEdit, CanPublish bool
	Section             string // "dashboard" or "entries", for the navigation
}

// staffSite returns the site of the request's {site} for who, or answers
// the error (403 for a site the person may not see, 404 for none).
func (c *Console) staffSite(w http.ResponseWriter, r *http.Request, who caller, section string) (SiteView, bool) {
	site, err := c.cfg.Service.StaffSite(r.Context(), who.p, r.PathValue("site"))
	if err != nil {
		c.fail(w, r, err)
		return SiteView{}, false
	}
	writable := site.Status != centre.SiteArchived
	return SiteView{Site: site, Person: who.person, Section: section,
		CanEdit:    writable && who.p.Can(site.Slug, centre.RoleEditor),
		CanPublish: writable && who.p.Can(site.Slug, centre.RolePublisher)}, true
}

// listView is the entries list page.
type listView struct {
	SiteView
	Filter  listFilter
	Items   []*centre.Entry
	Next    string // the sealed cursor of the next page, or ""
	Scanned int    // text search: how many entries were looked at
	Errors  []fieldProblem
	Types   []string
	States  []string
}

// listFilter is the list's query, as the form sends it.
type listFilter struct {
	Type, Status, Lang, Tag, Org, Text string
}

func (f listFilter) query(site string) centre.EntryQuery {
	return centre.EntryQuery{Site: site, Type: f.Type, Status: f.Status, Lang: f.Lang, Tag: f.Tag, Organisation: f.Org}
}

// scope is what a cursor of the list is bound to.
func (f listFilter) scope(site string) string {
	return strings.Join([]string{"console-entries", site, f.Type, f.Status, f.Lang, f.Tag, centre.OrgKey(f.Org), strings.ToLower(f.Text)}, "\x1f")
}

// Values returns the filter as query parameters (for the next-page link).
func (f listFilter) Values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"type": f.Type, "status": f.Status, "lang": f.Lang, "tag": f.Tag, "org": f.Org, "q": f.Text} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// entryList lists a site's entries, newest first, with the filters of
// EntryQuery and a text filter on titles, summaries and slugs. The text
// filter reads at most textScanPages store pages per page shown, so a
// search that matches little says how far it looked and offers more.
func (c *Console) entryList(w http.ResponseWriter, r *http.Request, who caller) {
	sv, ok := c.staffSite(w, r, who, "entries")
	if !ok {
		return
	}
	q := r.URL.Query()
	f := listFilter{Type: q.Get("type"), Status: q.Get("status"), Lang: q.Get("lang"), Tag: q.Get("tag"), Org: q.Get("org"),
		Text: strings.TrimSpace(q.Get("q"))}
	v := listView{SiteView: sv, Filter: f, Types: centre.Types, States: centre.Statuses}
	var p centre.Problems
	if f.Type != "" && !centre.ValidType(f.Type) {
		p.Add("type", "must be one of %s", strings.Join(centre.Types, ", "))
	}
	if len(f.Text) > 200 || len(f.Tag) > centre.MaxTagLen || len(f.Org) > centre.MaxOrgLen || len(f.Lang) > 35 {
		p.Add("q", "the filters are too long")
	}
	after, err := c.cursors.Open(f.scope(sv.Site.Slug), q.Get("after"))
	if err != nil {
		p.Add("after", "this link to a next page is not valid for these filters; start again from the first page")
	}
	if err := p.Err(); err != nil {
		v.Errors = problems(err)
		for i := range v.Errors {
			if v.Errors[i].Field == "after" {
				v.Errors[i].ID = "" // not a field of the form: no link
			}
		}
		c.page(w, r, http.StatusBadRequest, "entries", pageData{Title: "Entries · " + sv.Site.Title, Person: who.person, Page: v})
		return
	}
	query := f.query(sv.Site.Slug)
	query.After = after
	if f.Text == "" {
		query.Limit = listPageSize
		page, err := c.cfg.Service.Entries(r.Context(), who.p, query)
		if err != nil {
			c.formFail(w, r, err, func(fp []fieldProblem) {
				v.Errors = fp
				c.page(w, r, http.StatusBadRequest, "entries", pageData{Title: "Entries · " + sv.Site.Title, Person: who.person, Page: v})
			})
			return
		}
		v.Items, v.Next = page.Items, c.cursors.Seal(f.scope(sv.Site.Slug), page.Next)
	} else {
		query.Limit = centre.MaxPageSize
		needle, slugNeedle := strings.ToLower(f.Text), centre.Slugify(f.Text)
		for range textScanPages {
			page, err := c.cfg.Service.Entries(r.Context(), who.p, query)
			if err != nil {
				c.fail(w, r, err)
				return
			}
			v.Scanned += len(page.Items)
			for _, e := range page.Items {
				if strings.Contains(strings.ToLower(e.Title), needle) || strings.Contains(strings.ToLower(e.Summary), needle) ||
					(slugNeedle != "" && strings.Contains(e.Slug, slugNeedle)) {
					v.Items = append(v.Items, e)
				}
			}
			query.After = page.Next
			if page.Next == "" || len(v.Items) >= listPageSize {
				break
			}
		}
		v.Next = c.cursors.Seal(f.scope(sv.Site.Slug), query.After)
	}
	c.page(w, r, http.StatusOK, "entries", pageData{Title: "Entries · " + sv.Site.Title, Person: who.person, Page: v})
}

// fieldProblem is one invalid field of a form, for the error summary
// (which links to the field) and the message beside the field.
type fieldProblem struct {
	Field  string // centre's name: "title", "attachments[0].url"
	ID     string // the id of the form control
	Label  string
	Reason string
}

// problems returns the field errors of an EINVALID error, or one
// problem for the whole form.
func problems(err error) []fieldProblem {
	var out []fieldProblem
	if e, ok := err.(*centre.Error); ok && len(e.Fields) > 0 {
		for _, f := range e.Fields {
			out = append(out, fieldProblem{Field: f.Field, ID: entryFieldID(f.Field), Label: entryFieldLabel(f.Field), Reason: f.Reason})
		}
		return out
	}
	return []fieldProblem{{Field: "", ID: "", Label: "", Reason: centre.ErrorMessage(err)}}
}

// formFail shows the field errors of an EINVALID error with show, and
// answers any other error as fail does.
func (c *Console) formFail(w http.ResponseWriter, r *http.Request, err error, show func([]fieldProblem)) {
	if centre.IsCode(err, centre.EINVALID) {
		show(problems(err))
		return
	}
	c.fail(w, r, err)
}

// entryFieldID returns the id of the form control of a centre field name:
// "attachments[0].url" → "f-attachments-0-url".
func entryFieldID(field string) string {
	switch {
	case strings.HasPrefix(field, "image.") && field != "image.file_id" && field != "image.alt":
		return "f-image" // filled in from the file: the fieldset
	case strings.HasPrefix(field, "attachments[") && strings.HasSuffix(field, "].pages"):
		field = strings.TrimSuffix(field, "pages") + "file_id"
	}
	r := strings.NewReplacer("[", "-", "]", "", ".", "-", "_", "-")
	return "f-" + r.Replace(field)
}

var entryFieldLabels = map[string]string{
	"title": "Title", "summary": "Summary", "body": "Body", "tags": "Tags", "organisations": "Organisations", "type": "Type",
	"lang": "Language", "slug": "Address (slug)", "publish_at": "Publish at", "expires_at": "Expires at", "change": "Change",
	"change_note": "Public change note", "note": "Note", "reason": "Reason", "superseded_by": "Superseded by", "q": "Filters",
	"after": "Page", "status": "Status", "attachments": "Attachments", "translation_of": "Translation of", "expires_in": "Valid for",
	"image.file_id": "Lead image", "image.alt": "Text alternative of the lead image", "pinned": "Pinned", "alert": "CAP alert", "force_reason": "Reason",
}

func entryFieldLabel(field string) string {
	if l, ok := entryFieldLabels[field]; ok {
		return l
	}
	if rest, ok := strings.CutPrefix(field, "attachments["); ok {
		n, name, _ := strings.Cut(rest, "].")
		i, _ := strconv.Atoi(n)
		return "Attachment " + strconv.Itoa(i+1) + " " + strings.ReplaceAll(name, "_", " ")
	}
	return field
}

// entryFuncs are the template functions of the entry screens.
var entryFuncs = template.FuncMap{
	// local formats t in loc for reading ("Mon 30 Nov 2026, 14:05 CET").
	"local": func(t time.Time, loc *time.Location) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format("Mon 2 Jan 2006, 15:04 MST")
	},
	"iso":     func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"errorOf": errorOf,
	"join":    strings.Join,
	"query":   func(v url.Values) template.URL { return template.URL(v.Encode()) },
	"add":     func(a, b int) int { return a + b },
	"prev":    func(v int64) int64 { return v - 1 },
}

// errorOf returns the reason a field is invalid, or "".
func errorOf(list []fieldProblem, field string) string {
	for _, p := range list {
		if p.Field == field {
			return p.Reason
		}
	}
	return ""
}

// processSealer seals list cursors with a key made for this process (see
// Config.Cursors).
type processSealer struct{ key []byte }

func newProcessSealer() *processSealer {
	k := make([]byte, 32)
	_, _ = crand.Read(k)
	return &processSealer{key: k}
}

func (s *processSealer) mac(scope, raw string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(scope))
	m.Write([]byte{0})
	m.Write([]byte(raw))
	return m.Sum(nil)[:16]
}

// Seal returns the token of raw for scope ("" stays "").
func (s *processSealer) Seal(scope, raw string) string {
	if raw == "" {
		return ""
	}
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(raw)) + "." + enc.EncodeToString(s.mac(scope, raw))
}

// Open returns the raw position of a token sealed for scope; EINVALID
// for any other.
func (s *processSealer) Open(scope, token string) (string, error) {
	if token == "" {
		return "", nil
	}
	body, sig, ok := strings.Cut(token, ".")
	enc := base64.RawURLEncoding
	raw, err1 := enc.DecodeString(body)
	mac, err2 := enc.DecodeString(sig)
	if !ok || len(token) > 4096 || err1 != nil || err2 != nil || !hmac.Equal(mac, s.mac(scope, string(raw))) {
		return "", centre.Errorf(centre.EINVALID, "the cursor is not valid for this listing")
	}
	return string(raw), nil
}
