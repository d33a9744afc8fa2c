package console

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"infocentre/internal/centre"
)

// maxRevisionsShown bounds the revisions the entry page lists (newest
// first); older ones stay reachable through the diff page.
const maxRevisionsShown = 50

// previewLifetimes are the lifetimes a preview link may be given, in days.
var previewLifetimes = []int{1, 7, 30}

// workflowView is the workflow part of the entry page: what the person may
// do with the entry now, and its revisions.
type workflowView struct {
	CanReview, CanPublish, CanUnschedule, CanWithdraw bool
	CanPreview, CanRevoke, CanRestore                 bool
	// The two-person rule (Site.ReviewRequired): a publisher other than
	// the last author approves, or sends the draft back with a note; an
	// owner may publish without approval, giving a reason.
	CanApprove, CanRequestChanges, CanForcePublish bool
	// NeedsApproval: publishing waits for an approval on this site.
	NeedsApproval bool
	// Held: a change to the published entry awaits approval
	// (Entry.Pending); publishing makes it public.
	Held bool
	// ApprovedBy, ChangesBy and EditedBy name who approved the content,
	// who asked for changes and who last changed the content.
	ApprovedBy, ChangesBy, EditedBy string
	// Supersede lists public entries a withdrawn one may point to.
	Supersede []*centre.Entry
	Revisions []centre.RevisionSummary // newest first
	More      int                      // revisions not listed
	Lifetimes []int
	// After an action: a new preview link (shown once, never put in a
	// URL), field errors of the action's form and the values sent.
	PreviewURL     string
	PreviewExpires time.Time
	Form           string // the action whose form has errors
	Errors         []fieldProblem
	Note, Reason   string
	ForceReason    string
	SupersededBy   string
	Message        string // e.g. "someone else changed the entry first"
	PublicURL      string // the entry's public page, once public
}

// workflow returns the workflow view of e for who.
func (c *Console) workflow(r *http.Request, who caller, sv SiteView, e *centre.Entry) (*workflowView, error) {
	ctx := r.Context()
	edit := canEditEntry(sv, e)
	held := e.Status == centre.StatusPublished && e.Pending != nil
	wf := &workflowView{Lifetimes: previewLifetimes, Held: held,
		CanReview:     sv.CanEdit && e.Status == centre.StatusDraft,
		CanPublish:    sv.CanPublish && (e.Status == centre.StatusDraft || e.Status == centre.StatusScheduled || held),
		CanUnschedule: sv.CanPublish && e.Status == centre.StatusScheduled,
		CanWithdraw:   sv.CanPublish && e.Status == centre.StatusPublished,
		CanPreview:    sv.CanEdit && !e.Public(),
		CanRevoke:     edit && !e.Public(),
		CanRestore:    edit,
	}
	// The two-person rule, as Service.Approve, RequestChanges and Publish
	// apply it.
	me := who.p.Actor()
	approved := e.Approved() && e.ApprovedBy != e.Editor()
	wf.CanApprove = sv.CanPublish && (e.Status == centre.StatusDraft || held) && !e.Approved() && e.Editor() != me
	wf.CanRequestChanges = sv.CanPublish && (e.Status == centre.StatusDraft || held) && e.Editor() != me
	if sv.Site.ReviewRequired && (e.Status == centre.StatusDraft || held) && !approved {
		wf.NeedsApproval = true
		wf.CanForcePublish = wf.CanPublish && who.p.Role == centre.RoleOwner
		wf.CanPublish = false
	}
	if e.Approved() || !e.ChangesRequestedAt.IsZero() || sv.Site.ReviewRequired {
		names, _ := c.actors(r, who, sv.Site.Slug)
		name := func(actor string) string {
			switch {
			case actor == "":
				return ""
			case actor == me:
				return "you"
			case names[actor] != "":
				return names[actor]
			}
			return actor
		}
		wf.ApprovedBy, wf.ChangesBy, wf.EditedBy = name(e.ApprovedBy), name(e.ChangesRequestedBy), name(e.Editor())
	}
	if e.Public() {
		wf.PublicURL = c.origin.String() + "/sites/" + e.Site + "/" + e.Lang + "/" + e.Slug + "/"
	}
	if wf.CanWithdraw {
		page, err := c.cfg.Service.PublicEntries(ctx, centre.EntryQuery{Site: sv.Site.Slug, Limit: centre.MaxPageSize})
		if err != nil {
			return nil, err
		}
		for _, o := range page.Items {
			if o.ID != e.ID && o.Status == centre.StatusPublished {
				wf.Supersede = append(wf.Supersede, o)
			}
		}
	}
	revs, err := c.cfg.Service.Revisions(ctx, who.p, sv.Site.Slug, e.ID)
	if err != nil {
		return nil, err
	}
	slices.Reverse(revs)
	if len(revs) > maxRevisionsShown {
		wf.More, revs = len(revs)-maxRevisionsShown, revs[:maxRevisionsShown]
	}
	wf.Revisions = revs
	return wf, nil
}

// entryAction runs one workflow action on an entry: a POST with the
// version the page was loaded at. Each is audited with the person as the
// actor; the Service decides who may (a refused one answers 403).
func (c *Console) entryAction(w http.ResponseWriter, r *http.Request, who caller) {
	sv, ok := c.staffSite(w, r, who, "entries")
	if !ok {
		return
	}
	action, id := r.PathValue("action"), r.PathValue("id")
	auditAs, known := map[string]string{"review": "entry.review", "publish": "entry.publish", "unschedule": "entry.unschedule",
		"withdraw": "entry.withdraw", "preview": "entry.preview", "revoke-previews": "entry.preview-revoke", "restore": "entry.restore",
		"approve": "entry.approve", "request-changes": "entry.request-changes"}[action]
	if !known {
		c.problem(w, r, http.StatusNotFound, "there is no such action on an entry")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		c.problem(w, r, http.StatusBadRequest, "the form could not be read")
		return
	}
	ctx, svc, site := r.Context(), c.cfg.Service, sv.Site.Slug
	form := r.PostForm
	version, _ := strconv.ParseInt(form.Get("version"), 10, 64)
	if version <= 0 {
		c.problem(w, r, http.StatusBadRequest, "the form does not say which version of the entry it was made for; reload the page")
		return
	}
	var (
		e      *centre.Entry
		err    error
		link   *centre.PreviewLink
		done   = action
		detail string
	)
	switch action {
	case "review":
		e, err = svc.RequestReview(ctx, who.p, site, id, version, form.Get("note"))
	case "approve":
		e, err = svc.Approve(ctx, who.p, site, id, version, form.Get("note"))
	case "request-changes":
		e, err = svc.RequestChanges(ctx, who.p, site, id, version, form.Get("note"))
	case "publish":
		if form.Has("force_reason") { // an owner, past the two-person rule
			reason := form.Get("force_reason")
			detail = "forced without approval: " + clip(strings.TrimSpace(reason), 200)
			e, err = svc.ForcePublish(ctx, who.p, site, id, version, "", reason)
		} else {
			e, err = svc.Publish(ctx, who.p, site, id, version, "")
		}
		if err == nil && e.Status == centre.StatusScheduled {
			done, auditAs = "schedule", "entry.schedule"
		}
	case "unschedule":
		e, err = svc.Unschedule(ctx, who.p, site, id, version)
	case "withdraw":
		e, err = svc.Withdraw(ctx, who.p, site, id, version, form.Get("reason"), strings.TrimSpace(form.Get("superseded_by")))
	case "restore":
		rev, _ := strconv.ParseInt(form.Get("revision"), 10, 64)
		kind, note := form.Get("change"), ""
		if kind == centre.ChangeMajor {
			note = form.Get("change_note")
		}
		e, err = svc.Restore(ctx, who.p, site, id, rev, version, kind, note)
	case "preview", "revoke-previews":
		// Neither takes a version in the Service: the page's version is
		// checked first, so that the person acts on what they saw.
		if e, err = svc.Entry(ctx, who.p, site, id); err == nil && e.Version != version {
			err = centre.Errorf(centre.EPRECONDITION, "the entry has changed (version %d, the page shows %d)", e.Version, version)
		}
		if err == nil && action == "preview" {
			days, _ := strconv.Atoi(form.Get("days"))
			if !slices.Contains(previewLifetimes, days) {
				days = 0 // refused by the Service with a field error
			}
			link, err = svc.CreatePreview(ctx, who.p, site, id, time.Duration(days)*24*time.Hour)
		} else if err == nil {
			e, err = svc.RevokePreviews(ctx, who.p, site, id)
		}
	}
	status := statusOf(err)
	if link != nil {
		status = http.StatusCreated
	}
	c.audit(r, who.p, site, auditAs, id, status, detail)
	switch {
	case err == nil && link != nil:
		v := editorView{SiteView: sv, Entry: e, Form: formOf(e, sv.Site.Location())}
		wf, err := c.workflow(r, who, sv, e)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		wf.PreviewURL, wf.PreviewExpires = c.origin.String()+"/preview/"+link.Token, link.ExpiresAt
		v.Workflow = wf
		c.editor(w, r, who, http.StatusCreated, v)
	case err == nil:
		http.Redirect(w, r, entryPath(site, e.ID)+"?done="+done, http.StatusSeeOther)
	case centre.IsCode(err, centre.EINVALID), centre.IsCode(err, centre.EPRECONDITION), centre.IsCode(err, centre.ECONFLICT):
		cur, gerr := svc.Entry(ctx, who.p, site, id)
		if gerr != nil {
			c.fail(w, r, gerr)
			return
		}
		v := editorView{SiteView: sv, Entry: cur, Form: formOf(cur, sv.Site.Location())}
		wf, werr := c.workflow(r, who, sv, cur)
		if werr != nil {
			c.fail(w, r, werr)
			return
		}
		switch {
		case centre.IsCode(err, centre.EPRECONDITION):
			wf.Message = "Someone else changed this entry since you loaded the page, so nothing was done. This is the entry as it is now (version " +
				strconv.FormatInt(cur.Version, 10) + "): check it and try again."
		case centre.IsCode(err, centre.ECONFLICT):
			wf.Message = "Nothing was done: " + centre.ErrorMessage(err)
		default:
			wf.Form, wf.Errors = action, problems(err)
			for i := range wf.Errors {
				if id, ok := actionFieldIDs[action+"."+wf.Errors[i].Field]; ok {
					wf.Errors[i].ID = id
				}
			}
			wf.Note, wf.Reason, wf.SupersededBy = form.Get("note"), form.Get("reason"), form.Get("superseded_by")
			wf.ForceReason = form.Get("force_reason")
		}
		v.Workflow = wf
		status := http.StatusBadRequest
		if !centre.IsCode(err, centre.EINVALID) {
			status = http.StatusConflict // a page to read again, not a raw 412
		}
		c.editor(w, r, who, status, v)
	default:
		c.fail(w, r, err)
	}
}

// actionFieldIDs are the ids of the fields of action forms whose names
// other forms of the page use too (action.field → id).
var actionFieldIDs = map[string]string{"approve.note": "f-approve-note", "request-changes.note": "f-changes-note"}

// diffView compares two revisions of an entry.
type diffView struct {
	SiteView
	Entry    *centre.Entry
	From, To int64
	Fields   []diffField
}

type diffField struct {
	Label, From, To string
	Lines           []lineOp // a line diff, for values of several lines
}

// diffPage shows the field-by-field changes between two revisions
// (?from=&to=; by default the latest and the one before).
func (c *Console) diffPage(w http.ResponseWriter, r *http.Request, who caller) {
	sv, ok := c.staffSite(w, r, who, "entries")
	if !ok {
		return
	}
	ctx, site, id := r.Context(), sv.Site.Slug, r.PathValue("id")
	e, err := c.cfg.Service.Entry(ctx, who.p, site, id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	to, err1 := strconv.ParseInt(q.Get("to"), 10, 64)
	if q.Get("to") == "" {
		to, err1 = e.Version, nil
	}
	from, err2 := strconv.ParseInt(q.Get("from"), 10, 64)
	if q.Get("from") == "" {
		from, err2 = to-1, nil
	}
	if err1 != nil || err2 != nil || from < 1 || to < 1 {
		c.problem(w, r, http.StatusBadRequest, "from and to must be revision numbers (1 and up)")
		return
	}
	diffs, err := c.cfg.Service.Diff(ctx, who.p, site, id, from, to)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	v := diffView{SiteView: sv, Entry: e, From: from, To: to}
	for _, d := range diffs {
		f := diffField{Label: entryFieldLabel(d.Field), From: shown(d.From), To: shown(d.To)}
		if strings.Contains(f.From+f.To, "\n") {
			f.Lines = diffLines(f.From, f.To)
		}
		v.Fields = append(v.Fields, f)
	}
	c.page(w, r, http.StatusOK, "diff", pageData{Title: "Changes · " + e.Title, Person: who.person, Page: v})
}

// shown returns a JSON value for reading: a string as it is, a list of
// strings one per line, anything else as JSON.
func shown(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return strings.Join(list, "\n")
	}
	if string(raw) == "null" {
		return ""
	}
	return string(raw)
}
