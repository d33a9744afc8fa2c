package web

import (
	"bytes"
	"context"
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
func (s *Site) file(q *req, hash, variant, name string) {
	s.serveFile(q, hash, variant, name, s.publicFile(q))
}

// publicFile opens the public files of q's site.
func (s *Site) publicFile(q *req) fileOpener {
	return func(ctx context.Context, hash string, width int) (*centre.File, *centre.Object, error) {
		return s.read.PublicFile(ctx, q.site.Slug, hash, width)
	}
}

// fileOpener returns a file by content hash (width > 0: that variant)
// with its bytes, or ENOTFOUND.
type fileOpener func(ctx context.Context, hash string, width int) (*centre.File, *centre.Object, error)

// previewFile serves a file that the entry of a preview link references
// (GET /preview/{token}/files/{hash}/[{variant}/]{name}), public or not,
// so that a draft's preview shows its attachments and lead image. Like
// the preview page it is never cached, indexed or sent a Referer.
func (s *Site) previewFile(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	q := &req{w: w, r: r, path: "/preview", now: s.read.Time(), preview: true}
	s.serveFile(q, r.PathValue("hash"), r.PathValue("variant"), r.PathValue("name"),
		func(ctx context.Context, hash string, width int) (*centre.File, *centre.Object, error) {
			return s.read.PreviewFile(ctx, token, hash, width)
		})
}

// serveFile answers the file that open returns for hash (and variant,
// "{width}w", or ""), if its name is name.
func (s *Site) serveFile(q *req, hash, variant, name string, open fileOpener) {
	width := 0
	if variant != "" {
		n, err := strconv.Atoi(strings.TrimSuffix(variant, "w"))
		if !strings.HasSuffix(variant, "w") || err != nil || n <= 0 || strconv.Itoa(n)+"w" != variant {
			s.notFound(q.w, q.r, q.siteOrNil(), "")
			return
		}
		width = n
	}
	ctx := q.r.Context()
	f, obj, err := open(ctx, hash, width)
	if err != nil {
		if !centre.IsCode(err, centre.ENOTFOUND) {
			s.log.ErrorContext(ctx, "file", slog.String("site", q.siteSlug()), slog.String("hash", hash), slog.String("error", err.Error()))
		}
		s.notFound(q.w, q.r, q.siteOrNil(), "")
		return
	}
	defer obj.Body.Close()
	if name != f.Name {
		s.notFound(q.w, q.r, q.siteOrNil(), "")
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
	if q.preview {
		h.Set("Cache-Control", cacheControlPreview)
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Robots-Tag", "noindex")
	}
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
				if q.preview {
					h.Set("Cache-Control", cacheControlPreview)
				}
				http.Redirect(q.w, q.r, u, http.StatusFound)
				return
			} else if err != nil {
				s.log.ErrorContext(ctx, "file presign", slog.String("site", q.siteSlug()), slog.String("error", err.Error()))
			}
		}
		data, err := io.ReadAll(io.LimitReader(obj.Body, obj.Size+1))
		if err != nil {
			s.log.ErrorContext(ctx, "file read", slog.String("site", q.siteSlug()), slog.String("error", err.Error()))
			http.Error(q.w, "internal error", http.StatusInternalServerError)
			return
		}
		body = bytes.NewReader(data)
	}
	// ServeContent answers Range, If-Range, If-None-Match (the ETag set
	// above) and HEAD.
	http.ServeContent(q.w, q.r, "", f.CreatedAt, body)
}
