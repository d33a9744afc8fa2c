package httpapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"infocentre/internal/centre"
	"infocentre/internal/transfer"
)

// NDJSON is the media type of site exports.
const NDJSON = "application/x-ndjson"

// exportSite streams the whole site as an export file (admins).
func (h *Handler) exportSite(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("site")
	p := principal(r.Context())
	if err := h.cfg.Service.Require(p, slug, centre.RoleAdmin); err != nil {
		writeError(w, r, err)
		return
	}
	if _, err := h.cfg.Service.Site(r.Context(), slug); err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", NDJSON)
	w.Header().Set("Content-Disposition", `attachment; filename="`+slug+`.ndjson"`)
	if _, err := transfer.Export(r.Context(), h.cfg.Service.Store, slug, w, nil); err != nil {
		// The status is sent; the missing end record tells the client the
		// file is incomplete.
		logger(r.Context()).ErrorContext(r.Context(), "export", slog.String("site", slug), slog.String("error", err.Error()))
	}
}

// exportStatic answers the public site as a gzipped tar of plain files
// that any static host can serve (admins).
func (h *Handler) exportStatic(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("site")
	if err := h.cfg.Service.Require(principal(r.Context()), slug, centre.RoleAdmin); err != nil {
		writeError(w, r, err)
		return
	}
	if _, err := h.cfg.Service.Site(r.Context(), slug); err != nil {
		writeError(w, r, err)
		return
	}
	if h.cfg.StaticArchive == nil {
		writeProblem(w, r, http.StatusNotFound, centre.ENOTFOUND, "static export is not available on this server", nil)
		return
	}
	// Build it in memory first, so that a failure is an error, not a
	// truncated download.
	var buf bytes.Buffer
	if err := h.cfg.StaticArchive(r.Context(), slug, &buf); err != nil {
		writeError(w, r, fmt.Errorf("static export of %s: %w", slug, err))
		return
	}
	w.Header().Set("Content-Type", "application/gzip")
	w.Header().Set("Content-Disposition", `attachment; filename="`+slug+`-static.tar.gz"`)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = w.Write(buf.Bytes())
}

// ImportResult is the outcome of an import.
type ImportResult struct {
	Site   string          `json:"site"`
	DryRun bool            `json:"dry_run"`
	Counts transfer.Counts `json:"counts"`
}

// importSite loads an export file as a new site (owners).
func (h *Handler) importSite(w http.ResponseWriter, r *http.Request) {
	p := principal(r.Context())
	if err := h.cfg.Service.Require(p, centre.AllSites, centre.RoleOwner); err != nil {
		writeError(w, r, err)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != NDJSON {
		writeProblem(w, r, http.StatusUnsupportedMediaType, "unsupported_media_type", "send the export file as "+NDJSON, nil)
		return
	}
	q := r.URL.Query()
	opts := transfer.Options{As: q.Get("as"), HostReserved: h.cfg.Service.HostReserved}
	opts.DryRun, _ = strconv.ParseBool(q.Get("dry_run"))
	if opts.As != "" && !centre.ValidSlug(opts.As) {
		writeError(w, r, &centre.Error{Code: centre.EINVALID, Message: "invalid fields: as",
			Fields: []centre.FieldError{{Field: "as", Reason: "must be a slug"}}})
		return
	}
	body := http.MaxBytesReader(w, r.Body, h.cfg.MaxImport)
	sum, err := transfer.Import(r.Context(), h.cfg.Service.Store, body, opts)
	var tooBig *http.MaxBytesError
	var lineErr *transfer.LineError
	switch {
	case errors.As(err, &tooBig):
		writeProblem(w, r, http.StatusRequestEntityTooLarge, "too_large", "the export file is larger than this server accepts; import it with the CLI", nil)
		return
	case errors.As(err, &lineErr):
		writeProblem(w, r, http.StatusBadRequest, centre.EINVALID, lineErr.Error(), []centre.FieldError{{Field: "line " + strconv.Itoa(lineErr.Line), Reason: lineErr.Err.Error()}})
		return
	case err != nil:
		writeError(w, r, err)
		return
	}
	_, _ = io.Copy(io.Discard, body)
	res := ImportResult{Site: sum.Site, DryRun: opts.DryRun, Counts: sum.Counts}
	status := http.StatusCreated
	if opts.DryRun {
		status = http.StatusOK
	}
	writeJSON(w, status, res)
}
