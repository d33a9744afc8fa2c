package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/transfer"
)

// NDJSON is the media type of site exports.
const NDJSON = "application/x-ndjson"

// Transfers keeps export and import files in object storage (S3 on AWS),
// for hosts whose responses and requests cannot carry them. Clients fetch
// and upload them through presigned URLs.
type Transfers interface {
	// Put stores size bytes of body under key and returns a URL that
	// downloads them (as filename) until the link expires.
	Put(ctx context.Context, key string, body io.Reader, size int64, contentType, filename string) (Link, error)
	// UploadURL returns a URL to which a client PUTs a file for key, with
	// the given Content-Type.
	UploadURL(ctx context.Context, key, contentType string) (Link, error)
	// Open returns the file under key and its size, or ENOTFOUND.
	Open(ctx context.Context, key string) (io.ReadCloser, int64, error)
	// Delete removes the file under key; a missing file is no error.
	Delete(ctx context.Context, key string) error
}

// Link is a presigned URL and when it stops working.
type Link struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
}

// TransferLink answers an export kept in object storage (303, with the
// URL in Location too).
type TransferLink struct {
	Link
	Size        int64  `json:"size"`
	ContentType string `json:"content_type"`
}

// ImportUpload answers a request for an upload URL.
type ImportUpload struct {
	Link
	Upload      string `json:"upload"` // pass as ?upload= to POST /api/v1/admin/import
	Method      string `json:"method"`
	ContentType string `json:"content_type"`
	MaxBytes    int64  `json:"max_bytes"`
}

// exportLockScope is the idempotency scope of the per-site export slot:
// no key id (the scope of real idempotency records) looks like it.
const exportLockScope = "export-lock"

// claimExport takes the site's export slot — one export of a site at a
// time, across every process sharing the store — or answers 409. The slot
// expires on its own after the export deadline, so a process that dies
// holding it blocks nobody for long. release frees it (call it on every
// path: it ignores the request's cancellation).
func (h *Handler) claimExport(w http.ResponseWriter, r *http.Request, site string) (release func(), ok bool) {
	now := time.Now().UTC()
	rec := &centre.IdempotencyRecord{Scope: exportLockScope, Key: site, RequestHash: requestID(r.Context()),
		CreatedAt: now, ExpiresAt: now.Add(h.cfg.ExportTimeout + time.Minute)}
	existing, err := h.cfg.Service.Store.ClaimIdempotency(r.Context(), rec)
	if err != nil {
		writeError(w, r, fmt.Errorf("claim the export slot of %s: %w", site, err))
		return nil, false
	}
	if existing != nil {
		w.Header().Set("Retry-After", "30")
		writeProblem(w, r, http.StatusConflict, centre.ECONFLICT,
			fmt.Sprintf("an export of site %q is already running (one at a time per site); retry when it has finished", site), nil)
		return nil, false
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
		defer cancel()
		if err := h.cfg.Service.Store.ReleaseIdempotency(ctx, exportLockScope, site); err != nil {
			logger(ctx).ErrorContext(ctx, "release the export slot", slog.String("site", site), slog.String("error", err.Error()))
		}
	}, true
}

// exportable checks that the caller may export site (admins) and that it
// exists.
func (h *Handler) exportable(w http.ResponseWriter, r *http.Request, site string) bool {
	if err := h.cfg.Service.Require(principal(r.Context()), site, centre.RoleAdmin); err != nil {
		writeError(w, r, err)
		return false
	}
	if _, err := h.cfg.Service.Site(r.Context(), site); err != nil {
		writeError(w, r, err)
		return false
	}
	return true
}

// exportSite answers the whole site as an export file (admins): streamed
// where the host allows, else through a temporary file, answered directly
// or (with Transfers) as a link to object storage.
func (h *Handler) exportSite(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("site")
	if !h.exportable(w, r, slug) {
		return
	}
	release, ok := h.claimExport(w, r, slug)
	if !ok {
		return
	}
	defer release()
	ctx, cancel := context.WithTimeoutCause(r.Context(), h.cfg.ExportTimeout,
		centre.Errorf(centre.ETOOLARGE, "the export of site %q takes longer than the limit of %s", slug, h.cfg.ExportTimeout))
	defer cancel()
	filename := slug + ".ndjson"
	if h.cfg.Transfers == nil && h.cfg.MaxResponse == 0 {
		w.Header().Set("Content-Type", NDJSON)
		w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
		if _, err := transfer.Export(ctx, h.cfg.Service.Store, h.cfg.Service.Files, slug, w, nil); err != nil {
			// The status is sent; the missing end record tells the client the
			// file is incomplete.
			logger(ctx).ErrorContext(ctx, "export truncated", slog.String("site", slug), slog.String("error", err.Error()))
		}
		return
	}
	h.viaFile(w, r, slug, NDJSON, filename, func(f io.Writer) error {
		_, err := transfer.Export(ctx, h.cfg.Service.Store, h.cfg.Service.Files, slug, f, nil)
		return stopped(ctx, err)
	})
}

// exportStatic answers the public site as a gzipped tar of plain files
// that any static host can serve (admins). The archive is built in a
// temporary file first, so a failure or a limit is a problem+json answer,
// not a truncated download.
func (h *Handler) exportStatic(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("site")
	if !h.exportable(w, r, slug) {
		return
	}
	if h.cfg.StaticArchive == nil {
		writeProblem(w, r, http.StatusNotFound, centre.ENOTFOUND, "static export is not available on this server", nil)
		return
	}
	release, ok := h.claimExport(w, r, slug)
	if !ok {
		return
	}
	defer release()
	ctx, cancel := context.WithTimeoutCause(r.Context(), h.cfg.ExportTimeout,
		centre.Errorf(centre.ETOOLARGE, "the static export of site %q takes longer than the limit of %s", slug, h.cfg.ExportTimeout))
	defer cancel()
	h.viaFile(w, r, slug, "application/gzip", slug+"-static.tar.gz", func(f io.Writer) error {
		return stopped(ctx, h.cfg.StaticArchive(ctx, slug, r.URL.Query().Get("base_url"), f))
	})
}

// stopped turns the bare error of a context past its deadline into the
// deadline's cause (an ETOOLARGE error naming the limit).
func stopped(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil {
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.DeadlineExceeded) {
			return cause
		}
	}
	return err
}

// viaFile writes an export into a temporary file, removed on every path,
// then answers it: as a link to object storage with Transfers, else
// directly with its Content-Length (413 past MaxResponse).
func (h *Handler) viaFile(w http.ResponseWriter, r *http.Request, site, ctype, filename string, write func(io.Writer) error) {
	ctx := r.Context()
	f, err := os.CreateTemp("", "infocentre-export-*")
	if err != nil {
		writeError(w, r, fmt.Errorf("export of %s: temporary file: %w", site, err))
		return
	}
	defer func() {
		f.Close()
		if err := os.Remove(f.Name()); err != nil {
			logger(ctx).ErrorContext(ctx, "remove the export's temporary file", slog.String("file", f.Name()), slog.String("error", err.Error()))
		}
	}()
	var out io.Writer = f
	if h.cfg.Transfers == nil && h.cfg.MaxResponse > 0 {
		// Stop writing as soon as the answer cannot be sent.
		out = &cappedWriter{w: f, left: h.cfg.MaxResponse}
	}
	if err := write(out); err != nil {
		if errors.Is(err, errCapped) {
			err = centre.Errorf(centre.ETOOLARGE, "the export is larger than the limit of %d bytes this server can answer; configure a transfer bucket (TRANSFER_BUCKET) or export with the CLI", h.cfg.MaxResponse)
		}
		writeError(w, r, fmt.Errorf("export of %s: %w", site, err))
		return
	}
	size, err := f.Seek(0, io.SeekCurrent)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		writeError(w, r, fmt.Errorf("export of %s: %w", site, err))
		return
	}
	if h.cfg.Transfers != nil {
		key := "exports/" + site + "/" + centre.NewID(time.Now()) + "/" + filename
		link, err := h.cfg.Transfers.Put(ctx, key, f, size, ctype, filename)
		if err != nil {
			writeError(w, r, fmt.Errorf("export of %s: %w", site, err))
			return
		}
		w.Header().Set("Location", link.URL)
		writeJSON(w, http.StatusSeeOther, TransferLink{Link: link, Size: size, ContentType: ctype})
		return
	}
	if h.cfg.MaxResponse > 0 && size > h.cfg.MaxResponse {
		writeProblem(w, r, http.StatusRequestEntityTooLarge, centre.ETOOLARGE,
			fmt.Sprintf("the export is %d bytes, more than the limit of %d bytes this server can answer; configure a transfer bucket (TRANSFER_BUCKET) or export with the CLI", size, h.cfg.MaxResponse), nil)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	if n, err := io.Copy(w, f); err != nil {
		// The client sees fewer bytes than Content-Length: a truncated file.
		logger(ctx).ErrorContext(ctx, "export truncated", slog.String("site", site), slog.Int64("sent", n), slog.Int64("size", size), slog.String("error", err.Error()))
	}
}

var errCapped = errors.New("export: the response limit is reached")

// cappedWriter fails with errCapped once more than left bytes are written.
type cappedWriter struct {
	w    io.Writer
	left int64
}

func (c *cappedWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > c.left {
		return 0, errCapped
	}
	c.left -= int64(len(p))
	return c.w.Write(p)
}

// ImportResult is the outcome of an import.
type ImportResult struct {
	Site   string          `json:"site"`
	DryRun bool            `json:"dry_run"`
	Counts transfer.Counts `json:"counts"`
	// Existing compares the file with the site of its slug, when a dry
	// run finds one (a real import would be refused with 409).
	Existing *transfer.Comparison `json:"existing,omitempty"`
}

// createImportUpload returns a presigned URL to upload an export file to,
// for hosts whose requests cannot carry it (owners).
func (h *Handler) createImportUpload(w http.ResponseWriter, r *http.Request) {
	if err := h.cfg.Service.Require(principal(r.Context()), centre.AllSites, centre.RoleOwner); err != nil {
		writeError(w, r, err)
		return
	}
	if h.cfg.Transfers == nil {
		writeProblem(w, r, http.StatusNotFound, centre.ENOTFOUND,
			"uploads need a transfer bucket (TRANSFER_BUCKET), which this server has not; post the file to /api/v1/admin/import", nil)
		return
	}
	id := centre.NewID(time.Now())
	link, err := h.cfg.Transfers.UploadURL(r.Context(), importKey(id), NDJSON)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, ImportUpload{Link: link, Upload: id, Method: http.MethodPut, ContentType: NDJSON, MaxBytes: h.cfg.MaxImport})
}

func importKey(id string) string { return "imports/" + id + ".ndjson" }

// importSite loads an export file as a new site (owners): the request
// body, or with ?upload= a file uploaded to object storage.
func (h *Handler) importSite(w http.ResponseWriter, r *http.Request) {
	p := principal(r.Context())
	if err := h.cfg.Service.Require(p, centre.AllSites, centre.RoleOwner); err != nil {
		writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	upload := q.Get("upload")
	if ct := r.Header.Get("Content-Type"); upload == "" && ct != NDJSON {
		writeProblem(w, r, http.StatusUnsupportedMediaType, "unsupported_media_type", "send the export file as "+NDJSON, nil)
		return
	}
	opts := transfer.Options{Render: h.cfg.Service.Render, As: q.Get("as"), HostReserved: h.cfg.Service.HostReserved}
	opts.DryRun, _ = strconv.ParseBool(q.Get("dry_run"))
	if opts.As != "" && !centre.ValidSlug(opts.As) {
		writeError(w, r, &centre.Error{Code: centre.EINVALID, Message: "invalid fields: as",
			Fields: []centre.FieldError{{Field: "as", Reason: "must be a slug"}}})
		return
	}
	var body io.Reader
	if upload != "" {
		rc, ok := h.openUpload(w, r, upload)
		if !ok {
			return
		}
		defer rc.Close()
		body = rc
	} else {
		mb := http.MaxBytesReader(w, r.Body, h.cfg.MaxImport)
		defer func() { _, _ = io.Copy(io.Discard, mb) }()
		body = mb
	}
	opts.Files, opts.FileQuota, opts.Inspect = h.cfg.Service.Files, h.cfg.Service.FileLimits.Quota(), h.cfg.Service.Inspect
	sum, err := transfer.Import(r.Context(), h.cfg.Service.Store, body, opts)
	var tooBig *http.MaxBytesError
	var lineErr *transfer.LineError
	switch {
	case errors.As(err, &tooBig):
		writeProblem(w, r, http.StatusRequestEntityTooLarge, centre.ETOOLARGE,
			fmt.Sprintf("the export file is larger than the limit of %d bytes this server accepts; import it with the CLI", h.cfg.MaxImport), nil)
		return
	case errors.As(err, &lineErr):
		writeProblem(w, r, http.StatusBadRequest, centre.EINVALID, lineErr.Error(), []centre.FieldError{{Field: "line " + strconv.Itoa(lineErr.Line), Reason: lineErr.Err.Error()}})
		return
	case err != nil:
		writeError(w, r, err)
		return
	}
	if upload != "" && !opts.DryRun {
		// A dry run keeps the upload, to import it for real next.
		if err := h.cfg.Transfers.Delete(context.WithoutCancel(r.Context()), importKey(upload)); err != nil {
			logger(r.Context()).ErrorContext(r.Context(), "delete the imported upload", slog.String("upload", upload), slog.String("error", err.Error()))
		}
	}
	res := ImportResult{Site: sum.Site, DryRun: opts.DryRun, Counts: sum.Counts, Existing: sum.Existing}
	status := http.StatusCreated
	if opts.DryRun {
		status = http.StatusOK
	}
	writeJSON(w, status, res)
}

// openUpload opens an uploaded export file, refusing one past MaxImport.
func (h *Handler) openUpload(w http.ResponseWriter, r *http.Request, upload string) (io.ReadCloser, bool) {
	if h.cfg.Transfers == nil {
		writeProblem(w, r, http.StatusNotFound, centre.ENOTFOUND, "uploads need a transfer bucket (TRANSFER_BUCKET), which this server has not", nil)
		return nil, false
	}
	if !centre.ValidID(upload) {
		writeError(w, r, &centre.Error{Code: centre.EINVALID, Message: "invalid fields: upload",
			Fields: []centre.FieldError{{Field: "upload", Reason: "must be the upload id answered by POST /api/v1/admin/import/uploads"}}})
		return nil, false
	}
	rc, size, err := h.cfg.Transfers.Open(r.Context(), importKey(upload))
	if err != nil {
		writeError(w, r, err)
		return nil, false
	}
	if size > h.cfg.MaxImport {
		rc.Close()
		writeProblem(w, r, http.StatusRequestEntityTooLarge, centre.ETOOLARGE,
			fmt.Sprintf("the uploaded file is %d bytes, more than the limit of %d bytes this server imports; import it with the CLI", size, h.cfg.MaxImport), nil)
		return nil, false
	}
	return struct {
		io.Reader
		io.Closer
	}{io.LimitReader(rc, h.cfg.MaxImport+1), rc}, true
}
