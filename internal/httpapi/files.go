package httpapi

import (
	"net/http"
	"strconv"

	"infocentre/internal/centre"
)

// FileView is a file as the staff API shows it: the record with the public
// path of the file and of each variant.
type FileView struct {
	*centre.File
	URL      string        `json:"url"`
	Variants []VariantView `json:"variants,omitempty"`
}

// VariantView is a resized copy of an image with its public path.
type VariantView struct {
	centre.Variant
	URL string `json:"url"`
}

// FileList is one page of files.
type FileList struct {
	Items      []FileView       `json:"items"`
	NextCursor string           `json:"next_cursor,omitempty"`
	Usage      centre.FileUsage `json:"usage"`
	Quota      int64            `json:"quota,omitempty"` // bytes; absent: no quota
}

func fileView(f *centre.File) FileView {
	base := "/sites/" + f.Site
	v := FileView{File: f, URL: base + f.Path(0)}
	for _, x := range f.Variants {
		v.Variants = append(v.Variants, VariantView{Variant: x, URL: base + f.Path(x.Width)})
	}
	return v
}

// uploadFile stores the request body as a file (editors). The content
// decides its type; the name comes from ?name=.
func (h *Handler) uploadFile(w http.ResponseWriter, r *http.Request) {
	site := r.PathValue("site")
	q := r.URL.Query()
	in := centre.FileInput{Name: q.Get("name"), Alt: q.Get("alt"), Lang: q.Get("lang")}
	if in.Name == "" {
		writeProblem(w, r, http.StatusBadRequest, centre.EINVALID, "name the file: POST …/files?name=report.pdf",
			[]centre.FieldError{{Field: "name", Reason: "is required"}})
		return
	}
	if max := h.cfg.Service.MaxFileSize(); r.ContentLength > max {
		writeError(w, r, centre.Errorf(centre.ETOOLARGE, "the file is larger than this server's limit of %d bytes per file", max))
		return
	}
	f, created, err := h.cfg.Service.UploadFile(r.Context(), principal(r.Context()), site, in, r.Body)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeFile(w, f, created)
}

func writeFile(w http.ResponseWriter, f *centre.File, created bool) {
	w.Header().Set("Location", "/api/v1/admin/sites/"+f.Site+"/files/"+f.ID)
	status := http.StatusOK // the site already had this content
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, fileView(f))
}

func (h *Handler) listFiles(w http.ResponseWriter, r *http.Request) {
	site := r.PathValue("site")
	q := centre.FileQuery{Site: site}
	v := r.URL.Query()
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > centre.MaxPageSize {
			writeProblem(w, r, http.StatusBadRequest, centre.EINVALID, "limit must be between 1 and 100", nil)
			return
		}
		q.Limit = n
	}
	scope := "files:" + site
	var err error
	if q.After, err = h.cfg.Cursors.Open(scope, v.Get("cursor")); err != nil {
		writeError(w, r, err)
		return
	}
	p := principal(r.Context())
	page, err := h.cfg.Service.ListFiles(r.Context(), p, q)
	if err != nil {
		writeError(w, r, err)
		return
	}
	use, quota, err := h.cfg.Service.FileUsage(r.Context(), p, site)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := FileList{Items: make([]FileView, 0, len(page.Items)), NextCursor: h.cfg.Cursors.Seal(scope, page.Next), Usage: use, Quota: quota}
	for _, f := range page.Items {
		out.Items = append(out.Items, fileView(f))
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *Handler) getFile(w http.ResponseWriter, r *http.Request) {
	f, err := h.cfg.Service.File(r.Context(), principal(r.Context()), r.PathValue("site"), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, fileView(f))
}

func (h *Handler) deleteFile(w http.ResponseWriter, r *http.Request) {
	if err := h.cfg.Service.DeleteFile(r.Context(), principal(r.Context()), r.PathValue("site"), r.PathValue("id")); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// startUpload answers a presigned S3 POST policy for a large file
// (editors; only with an S3 file store).
func (h *Handler) startUpload(w http.ResponseWriter, r *http.Request) {
	up, err := h.cfg.Service.StartUpload(r.Context(), principal(r.Context()), r.PathValue("site"), "")
	if err != nil {
		writeError(w, r, err)
		return
	}
	withholdBody(r) // the policy's signature lets anyone upload until it expires
	w.Header().Set("Location", "/api/v1/admin/sites/"+r.PathValue("site")+"/files/uploads/"+up.ID)
	writeJSON(w, http.StatusCreated, up)
}

// completeUpload verifies a direct upload and makes it a file (editors).
func (h *Handler) completeUpload(w http.ResponseWriter, r *http.Request) {
	var in centre.UploadCheck
	if decodeJSON(w, r, h.cfg.MaxBody, &in) != nil {
		return
	}
	f, created, err := h.cfg.Service.CompleteUpload(r.Context(), principal(r.Context()), r.PathValue("site"), r.PathValue("id"), in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeFile(w, f, created)
}
