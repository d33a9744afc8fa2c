package console

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"infocentre/internal/centre"
	"infocentre/internal/cursor"
)

// Files: the site's hosted documents and images, its usage against the
// quota, an upload form and deletion. An upload is a multipart/form-data
// POST whose file part is streamed to centre.Service.UploadFile (which
// spools it to a temporary file, at most the per-file limit): the type is
// decided from the content, and refusals (413 past the file limit or the
// quota, 415 for a type that is not accepted) are messages on the form.

// maxFormOverhead is what a multipart upload may carry beyond the file:
// boundaries, part headers and the small fields.
const maxFormOverhead = 64 << 10

// maxUploadField bounds a small field of the upload form.
const maxUploadField = 4 << 10

// maxUploadParts bounds the parts of an upload form read before the file.
const maxUploadParts = 8

type filesPageData struct {
	pageData
	Files  []fileRow
	Usage  centre.FileUsage
	Quota  int64
	Max    int64 // bytes of one upload
	Form   centre.FileInput
	Errors fieldErrors
	Notice *notice
	Next   string
	First  string
	// CanUpload and CanDelete are the person's powers here (editor,
	// publisher).
	CanUpload, CanDelete bool
	Uploaded             string // the ID of the file just uploaded
	// Direct is the upload form's target when the file store takes
	// uploads straight from the browser (S3): the file never passes
	// through the function, whatever its size.
	Direct *centre.Upload
}

// fileRow is a file as the list shows it.
type fileRow struct {
	*centre.File
	URL string // its public path
}

func (c *Console) filesPage(w http.ResponseWriter, r *http.Request, who caller, site string) {
	d := filesPageData{}
	switch r.URL.Query().Get("done") {
	case "uploaded":
		d.Notice, d.Uploaded = &notice{"ok", "The file is uploaded."}, r.URL.Query().Get("file")
	case "exists":
		d.Notice, d.Uploaded = &notice{"ok", "This site already had a file with the same content: it is the one marked below."}, r.URL.Query().Get("file")
	case "deleted":
		d.Notice = &notice{"ok", "The file is deleted."}
	}
	c.showFiles(w, r, who, site, http.StatusOK, d)
}

// showFiles renders the files page with d, a page of the site's files
// (newest first) and its usage.
func (c *Console) showFiles(w http.ResponseWriter, r *http.Request, who caller, site string, status int, d filesPageData) {
	svc := c.cfg.Service
	scope := cursor.Scope("console-files", site)
	cur := ""
	if r.Method == http.MethodGet {
		cur = r.URL.Query().Get("cursor")
	}
	after, err := c.cursors.Open(scope, cur)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	page, err := svc.ListFiles(r.Context(), who.p, centre.FileQuery{Site: site, Limit: 50, After: after})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if d.Usage, d.Quota, err = svc.FileUsage(r.Context(), who.p, site); err != nil {
		c.fail(w, r, err)
		return
	}
	base := "/admin/sites/" + site + "/files"
	for _, f := range page.Items {
		d.Files = append(d.Files, fileRow{File: f, URL: "/sites/" + f.Site + f.Path(0)})
	}
	if page.Next != "" {
		d.Next = base + "?cursor=" + url.QueryEscape(c.cursors.Seal(scope, page.Next))
	}
	if after != "" {
		d.First = base
	}
	d.pageData = pageData{Title: "Files of " + site, Person: who.person, Site: site}
	d.Max = svc.MaxFileSize()
	d.CanUpload, d.CanDelete = who.p.Can(site, centre.RoleEditor), who.p.Can(site, centre.RolePublisher)
	if d.CanUpload {
		d.Direct = c.directUpload(w, r, who, site)
	}
	c.view(w, r, status, "files", d)
}

// directUpload prepares the upload form's direct upload to the file store,
// which sends the browser back to the upload's page, and lets the page
// post to the store's origin; nil when the store takes no direct uploads
// (the form then posts the file to the console).
func (c *Console) directUpload(w http.ResponseWriter, r *http.Request, who caller, site string) *centre.Upload {
	up, err := c.cfg.Service.StartUpload(r.Context(), who.p, site, c.origin.String()+"/admin/sites/"+site+"/files/uploads")
	if err != nil {
		if !centre.IsCode(err, centre.ENOTFOUND) && !centre.IsCode(err, centre.ECONFLICT) {
			c.internal(r, err)
		}
		return nil
	}
	target, err := url.Parse(up.URL)
	if err != nil || target.Scheme == "" || target.Host == "" {
		c.internal(r, fmt.Errorf("console: direct upload URL %q is not absolute", up.URL))
		return nil
	}
	w.Header().Set("Content-Security-Policy", strings.Replace(consoleCSP, "form-action 'self'",
		"form-action 'self' "+target.Scheme+"://"+target.Host, 1))
	return up
}

// uploadPageData is the page a browser comes back to after posting a file
// straight to the file store: the file's details, to finish the upload.
type uploadPageData struct {
	pageData
	ID     string
	Form   centre.FileInput
	Errors fieldErrors
	Notice *notice
}

// uploadPage asks for the details of a direct upload (its original name,
// which the script of the upload form passes along, alt text, language).
// It changes nothing: finishing is a POST.
func (c *Console) uploadPage(w http.ResponseWriter, r *http.Request, who caller, site string) {
	d := uploadPageData{ID: r.PathValue("id"), Form: centre.FileInput{Name: clip(r.URL.Query().Get("name"), 200)}}
	c.showUpload(w, r, who, site, http.StatusOK, d)
}

func (c *Console) showUpload(w http.ResponseWriter, r *http.Request, who caller, site string, status int, d uploadPageData) {
	d.pageData = pageData{Title: "Finish the upload", Person: who.person, Site: site}
	c.view(w, r, status, "upload", d)
}

// uploadFinish turns the direct upload into a file of the site with the
// details given (Service.CompleteFormUpload: the content decides the
// type; the limits and quota apply).
func (c *Console) uploadFinish(w http.ResponseWriter, r *http.Request, who caller, site string) {
	if !c.form(w, r) {
		return
	}
	id := r.PathValue("id")
	in := centre.FileInput{Name: strings.TrimSpace(r.PostFormValue("name")), Alt: strings.TrimSpace(r.PostFormValue("alt")),
		Lang: strings.TrimSpace(r.PostFormValue("lang"))}
	f, created, err := c.cfg.Service.CompleteFormUpload(r.Context(), who.p, site, id, in)
	c.audit(r, who.p, c.auditSite(r, site), "file.upload", clip(id, 200), statusOf(err), clip(in.Name, 200))
	if err != nil {
		c.internal(r, err)
		if centre.IsCode(err, centre.ENOTFOUND) || centre.IsCode(err, centre.ETOOLARGE) || centre.IsCode(err, centre.EUNSUPPORTED) {
			// The upload is gone (used, expired, or refused and removed):
			// back to the form for another.
			c.showFiles(w, r, who, site, statusOf(err), filesPageData{Notice: failed(err)})
			return
		}
		d := uploadPageData{ID: id, Form: in, Errors: invalid(err), Notice: failed(err)}
		if d.Errors != nil {
			d.Notice.Text = "The file is not added yet: correct the fields marked below."
		}
		c.showUpload(w, r, who, site, statusOf(err), d)
		return
	}
	done := "uploaded"
	if !created {
		done = "exists"
	}
	http.Redirect(w, r, "/admin/sites/"+site+"/files?done="+done+"&file="+url.QueryEscape(f.ID), http.StatusSeeOther)
}

// fileUpload streams the form's file to the Service. The small fields
// (alt, lang) come before the file in the form, so that nothing is
// buffered but them.
func (c *Console) fileUpload(w http.ResponseWriter, r *http.Request, who caller, site string) {
	max := c.cfg.Service.MaxFileSize()
	in, err := c.receive(w, r, who, site, max)
	target := ""
	if err == nil {
		target = in.ID
	}
	name := ""
	if in != nil {
		name = in.Name
	}
	c.audit(r, who.p, c.auditSite(r, site), "file.upload", target, statusOf(err), clip(name, 200))
	if err != nil {
		c.internal(r, err)
		d := filesPageData{Errors: invalid(err), Notice: failed(err)}
		if reasons, ok := d.Errors["name"]; ok { // the file's name: shown at the file field
			d.Errors["file"] = append(d.Errors["file"], reasons...)
			delete(d.Errors, "name")
		}
		if in != nil {
			d.Form = centre.FileInput{Alt: in.Alt, Lang: in.Lang}
		}
		if d.Errors != nil {
			d.Notice.Text = "The file was not uploaded: correct the fields marked below."
		}
		c.showFiles(w, r, who, site, statusOf(err), d)
		return
	}
	done := "uploaded"
	if !in.created {
		done = "exists"
	}
	http.Redirect(w, r, "/admin/sites/"+site+"/files?done="+done+"&file="+url.QueryEscape(in.ID), http.StatusSeeOther)
}

// received is what an upload form gave: the file stored (ID set) or,
// on an error, what was read of the form.
type received struct {
	centre.FileInput
	ID      string
	created bool
}

// receive reads the upload form and streams its file to UploadFile.
// Returns ETOOLARGE for a body larger than the file limit allows,
// EINVALID for a form that is not multipart or has no file, and the
// errors of UploadFile.
func (c *Console) receive(w http.ResponseWriter, r *http.Request, who caller, site string, max int64) (*received, error) {
	if r.ContentLength > max+maxFormOverhead {
		return nil, centre.Errorf(centre.ETOOLARGE, "the file is larger than this server's limit of %s per file", humanBytes(max))
	}
	r.Body = http.MaxBytesReader(w, r.Body, max+maxFormOverhead)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		return nil, centre.Errorf(centre.EINVALID, "send the file with the upload form (multipart/form-data)")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, centre.Errorf(centre.EINVALID, "the upload form could not be read; try again")
	}
	got := &received{}
	for range maxUploadParts {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return got, readError(err, max)
		}
		switch part.FormName() {
		case "alt", "lang":
			b, err := io.ReadAll(io.LimitReader(part, maxUploadField+1))
			if err != nil {
				return got, readError(err, max)
			}
			if len(b) > maxUploadField {
				return got, centre.Errorf(centre.EINVALID, "the %s field is too long", part.FormName())
			}
			if part.FormName() == "alt" {
				got.Alt = strings.TrimSpace(string(b))
			} else {
				got.Lang = strings.TrimSpace(string(b))
			}
		case "file":
			got.Name = part.FileName()
			if got.Name == "" {
				var p centre.Problems
				p.Add("file", "choose a file to upload")
				return got, p.Err()
			}
			f, created, err := c.cfg.Service.UploadFile(r.Context(), who.p, site, got.FileInput, part)
			if err != nil {
				return got, err
			}
			got.ID, got.created = f.ID, created
			return got, nil
		}
		part.Close()
	}
	var p centre.Problems
	p.Add("file", "choose a file to upload")
	return got, p.Err()
}

// readError is the error of a form that could not be read: too large, or
// cut short.
func readError(err error, max int64) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return centre.Errorf(centre.ETOOLARGE, "the file is larger than this server's limit of %s per file", humanBytes(max))
	}
	return centre.Errorf(centre.EINVALID, "the upload could not be read to its end; try again")
}

func (c *Console) fileDelete(w http.ResponseWriter, r *http.Request, who caller, site string) {
	if !c.form(w, r) {
		return
	}
	id := r.PathValue("id")
	err := c.cfg.Service.DeleteFile(r.Context(), who.p, site, id)
	c.audit(r, who.p, c.auditSite(r, site), "file.delete", clip(id, 200), statusOf(err), "")
	if err != nil {
		c.internal(r, err)
		c.showFiles(w, r, who, site, pageStatus(err), filesPageData{Notice: failed(err)})
		return
	}
	back(w, r, "/admin/sites/"+site+"/files", "deleted")
}
