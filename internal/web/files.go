package web

import (
	"bytes"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"infocentre/internal/centre"
)

// Files are served at /files/{sha256}/{name} below a site's base (and a
// variant at /files/{sha256}/{width}w/{name}). The path names the content,
// so a response never changes: it is cached for a year as immutable.
const (
	// maxInlineFile is the largest file read into memory to answer from
	// a store that cannot seek (S3); larger ones are redirected to a
	// presigned URL when the store makes them.
	maxInlineFile = 4 << 20
	presignTTL    = 5 * time.Minute
	// documentCSP sandboxes a document opened in the browser: no script,
	// no form, no plugin, its own opaque origin.
	documentCSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; object-src 'none'; frame-ancestors 'none'"
	imageCSP    = "default-src 'none'; frame-ancestors 'none'"
)

// file serves a site's file by content hash; the name must be the file's
// own (so that a link cannot rename it).
func (s *Site) file(q *req, r *http.Request) {
	s.serveFile(q, r.PathValue("hash"), "", r.PathValue("name"))
}

func (s *Site) fileVariant(q *req, r *http.Request) {
	s.serveFile(q, r.PathValue("hash"), r.PathValue("variant"), r.PathValue("name"))
}

func (s *Site) serveFile(q *req, hash, variant, name string) {
	width := 0
	if variant != "" {
		n, err := strconv.Atoi(strings.TrimSuffix(variant, "w"))
		if !strings.HasSuffix(variant, "w") || err != nil || n <= 0 || strconv.Itoa(n)+"w" != variant {
			s.notFound(q.w, q.r, q, "")
			return
		}
		width = n
	}
	ctx := q.r.Context()
	f, obj, err := s.read.PublicFile(ctx, q.site.Slug, hash, width)
	if err != nil {
		if !centre.IsCode(err, centre.ENOTFOUND) {
			s.log.ErrorContext(ctx, "file", slog.String("site", q.site.Slug), slog.String("hash", hash), slog.String("error", err.Error()))
		}
		s.notFound(q.w, q.r, q, "")
		return
	}
	defer obj.Body.Close()
	if name != f.Name {
		s.notFound(q.w, q.r, q, "")
		return
	}
	mt := f.MediaType
	if v, ok := f.Variant(width); ok {
		mt = v.MediaType
	}
	h := q.w.Header()
	s.securityHeaders(q.w, q.r)
	h.Set("Content-Type", mt)
	h.Set("Cache-Control", cacheControlAsset)
	h.Set("ETag", `"`+hash+variant+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cross-Origin-Resource-Policy", "same-site")
	disposition := "inline"
	if f.Kind == centre.KindDocument {
		h.Set("Content-Security-Policy", documentCSP)
		if !strings.HasPrefix(mt, "application/pdf") && !strings.HasPrefix(mt, "text/") {
			disposition = "attachment" // office documents: downloaded, not rendered
		}
	} else {
		h.Set("Content-Security-Policy", imageCSP)
	}
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": f.Name}))
	body, ok := obj.Body.(io.ReadSeeker)
	if !ok {
		if obj.Size > maxInlineFile && !q.static { // a static copy needs the bytes
			if u, ok, err := s.read.PresignFile(ctx, f, width, presignTTL); ok && err == nil {
				h.Del("Content-Type")
				h.Set("Cache-Control", "private, max-age=60")
				http.Redirect(q.w, q.r, u, http.StatusFound)
				return
			} else if err != nil {
				s.log.ErrorContext(ctx, "file presign", slog.String("site", q.site.Slug), slog.String("error", err.Error()))
			}
		}
		data, err := io.ReadAll(io.LimitReader(obj.Body, obj.Size+1))
		if err != nil {
			s.log.ErrorContext(ctx, "file read", slog.String("site", q.site.Slug), slog.String("error", err.Error()))
			http.Error(q.w, "internal error", http.StatusInternalServerError)
			return
		}
		body = bytes.NewReader(data)
	}
	// ServeContent answers Range, If-Range, If-None-Match (the ETag set
	// above) and HEAD.
	http.ServeContent(q.w, q.r, "", f.CreatedAt, body)
}
