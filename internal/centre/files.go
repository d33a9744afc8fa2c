package centre

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"
)

// Default file limits (FileLimits; configurable, see README "Files").
const (
	DefaultMaxFileSize = 50 << 20 // 50 MiB per file
	DefaultSiteQuota   = 2 << 30  // 2 GiB per site, variants included
	DefaultUploadTTL   = 15 * time.Minute
)

// FileLimits bound uploads. Zero fields take the defaults.
type FileLimits struct {
	MaxFileSize int64         // bytes of one upload
	SiteQuota   int64         // StoredBytes of all a site's files; < 0: no quota
	UploadTTL   time.Duration // lifetime of a presigned upload
}

func (l FileLimits) maxFile() int64 {
	if l.MaxFileSize > 0 {
		return l.MaxFileSize
	}
	return DefaultMaxFileSize
}

func (l FileLimits) quota() int64 {
	switch {
	case l.SiteQuota < 0:
		return 0
	case l.SiteQuota == 0:
		return DefaultSiteQuota
	}
	return l.SiteQuota
}

// Quota returns the bytes a site's files may take (0: no quota), as
// Store.CreateFile takes it.
func (l FileLimits) Quota() int64 { return l.quota() }

func (l FileLimits) uploadTTL() time.Duration {
	if l.UploadTTL > 0 {
		return l.UploadTTL
	}
	return DefaultUploadTTL
}

// MaxFileSize returns the largest upload the service accepts.
func (s *Service) MaxFileSize() int64 { return s.FileLimits.maxFile() }

// Inspector decides what an upload is from its content, never from its
// name or the client's headers, and prepares what is stored.
type Inspector interface {
	// Inspect reads the upload (size bytes) and returns what it is, or
	// EUNSUPPORTED naming what was found for anything but an accepted
	// document or image, and EINVALID for a damaged one.
	Inspect(ctx context.Context, r io.ReaderAt, size int64) (*Inspection, error)
}

// Inspection is what an Inspector found, and what to store.
type Inspection struct {
	MediaType string
	Kind      string // KindDocument or KindImage
	Pages     int    // PDF
	Title     string // PDF
	Width     int    // images
	Height    int
	// Body replaces the upload when set: an image re-encoded without its
	// metadata.
	Body []byte
	// Variants are the resized copies of an image.
	Variants []VariantData
}

// VariantData is a resized copy with its bytes.
type VariantData struct {
	Variant
	Body []byte
}

// FileInput is what an uploader says about a file; the content says the
// rest.
type FileInput struct {
	Name string `json:"name"`
	Alt  string `json:"alt,omitempty"`
	Lang string `json:"lang,omitempty"`
}

func (in *FileInput) validate() error {
	name, err := CleanFileName("name", in.Name)
	var p Problems
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			p.list = append(p.list, e.Fields...)
		}
	}
	in.Name = name
	normalizeText(&in.Alt)
	checkText(&p, "alt", in.Alt, 0, MaxAltLen)
	checkVisible(&p, "alt", in.Alt)
	if in.Lang != "" && !ValidLanguage(in.Lang) {
		p.Add("lang", "must be a BCP 47 language tag")
	}
	return p.Err()
}

// UploadFile stores a new file of site from body (editors). The type is
// decided from the content. It returns the file and true, or — when the
// site already has a file with the same content — that file and false.
// Returns EINVALID (name, alt, lang; a damaged file), EUNSUPPORTED,
// ETOOLARGE (past FileLimits.MaxFileSize or the site's quota),
// EFORBIDDEN, ENOTFOUND (site), ECONFLICT (archived site).
func (s *Service) UploadFile(ctx context.Context, p Principal, site string, in FileInput, body io.Reader) (*File, bool, error) {
	if _, err := s.writableSite(ctx, p, site, RoleEditor); err != nil {
		return nil, false, err
	}
	if err := in.validate(); err != nil {
		return nil, false, err
	}
	if s.Files == nil || s.Inspect == nil {
		return nil, false, Errorf(ENOTFOUND, "file uploads are not available on this server")
	}
	tmp, _, size, err := s.spool(body)
	if err != nil {
		return nil, false, err
	}
	defer removeTemp(tmp)
	return s.ingest(ctx, p, site, in, tmp, size)
}

// spool copies body into a temporary file, at most MaxFileSize bytes, and
// returns it with its hex SHA-256 and size.
func (s *Service) spool(body io.Reader) (*os.File, string, int64, error) {
	tmp, err := os.CreateTemp("", "infocentre-upload-*")
	if err != nil {
		return nil, "", 0, fmt.Errorf("files: spool: %w", err)
	}
	h := sha256.New()
	limit := s.FileLimits.maxFile()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(body, limit+1))
	if err != nil {
		removeTemp(tmp)
		return nil, "", 0, Errorf(EINVALID, "the upload could not be read to its end")
	}
	if n > limit {
		removeTemp(tmp)
		return nil, "", 0, tooLarge(limit)
	}
	if n == 0 {
		removeTemp(tmp)
		return nil, "", 0, Errorf(EINVALID, "the file is empty")
	}
	return tmp, hex.EncodeToString(h.Sum(nil)), n, nil
}

func tooLarge(limit int64) error {
	return Errorf(ETOOLARGE, "the file is larger than this server's limit of %d bytes per file", limit)
}

func removeTemp(f *os.File) {
	f.Close()
	os.Remove(f.Name())
}

// ingest inspects a spooled upload and stores it as a file.
func (s *Service) ingest(ctx context.Context, p Principal, site string, in FileInput, tmp *os.File, size int64) (*File, bool, error) {
	got, err := s.Inspect.Inspect(ctx, tmp, size)
	if err != nil {
		return nil, false, err
	}
	var body io.ReadSeeker = io.NewSectionReader(tmp, 0, size)
	if got.Body != nil {
		body, size = bytes.NewReader(got.Body), int64(len(got.Body))
	}
	h := sha256.New()
	if _, err := io.Copy(h, body); err != nil {
		return nil, false, fmt.Errorf("files: hash: %w", err)
	}
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return nil, false, fmt.Errorf("files: rewind: %w", err)
	}
	now := s.now()
	f := &File{
		ID: NewID(now), Site: site, Name: in.Name, MediaType: got.MediaType, Kind: got.Kind, Size: size,
		SHA256: hex.EncodeToString(h.Sum(nil)), CreatedAt: now, CreatedBy: p.KeyID,
		Pages: got.Pages, Title: clipText(got.Title, MaxTitleLen), Lang: in.Lang,
		Width: got.Width, Height: got.Height, Alt: in.Alt,
	}
	for _, v := range got.Variants {
		f.Variants = append(f.Variants, v.Variant)
	}
	if old, err := s.Store.FileByHash(ctx, site, f.SHA256); err == nil {
		return old, false, nil
	} else if !IsCode(err, ENOTFOUND) {
		return nil, false, err
	}
	quota := s.FileLimits.quota()
	if quota > 0 {
		use, err := s.Store.FileUsage(ctx, site)
		if err != nil {
			return nil, false, err
		}
		if use.Bytes+f.StoredBytes() > quota {
			return nil, false, overQuota(site, quota, use.Bytes, f.StoredBytes())
		}
	}
	if err := s.Files.Put(ctx, FileKey(site, f.SHA256, 0), body, size, f.MediaType); err != nil {
		return nil, false, err
	}
	for _, v := range got.Variants {
		if err := s.Files.Put(ctx, FileKey(site, f.SHA256, v.Width), bytes.NewReader(v.Body), int64(len(v.Body)), v.MediaType); err != nil {
			s.dropBytes(ctx, f)
			return nil, false, err
		}
	}
	err = s.Store.CreateFile(ctx, f, quota)
	switch {
	case err == nil:
		return f, true, nil
	case IsCode(err, ECONFLICT):
		// The same content was stored at the same time: the bytes are
		// that file's too.
		if old, err2 := s.Store.FileByHash(ctx, site, f.SHA256); err2 == nil {
			return old, false, nil
		}
		return nil, false, err
	case IsCode(err, ETOOLARGE):
		s.dropBytes(ctx, f)
		return nil, false, overQuota(site, quota, -1, f.StoredBytes())
	default:
		s.dropBytes(ctx, f)
		return nil, false, err
	}
}

func overQuota(site string, quota, used, size int64) error {
	if used < 0 {
		return Errorf(ETOOLARGE, "the files of site %q would take more than its quota of %d bytes", site, quota)
	}
	return Errorf(ETOOLARGE, "the files of site %q take %d bytes; %d more would pass its quota of %d bytes", site, used, size, quota)
}

// dropBytes removes the stored bytes of f unless a file record holds
// them.
func (s *Service) dropBytes(ctx context.Context, f *File) {
	if _, err := s.Store.FileByHash(ctx, f.Site, f.SHA256); err == nil {
		return
	}
	keys := []string{FileKey(f.Site, f.SHA256, 0)}
	for _, v := range f.Variants {
		keys = append(keys, FileKey(f.Site, f.SHA256, v.Width))
	}
	for _, k := range keys {
		if err := s.Files.Delete(ctx, k); err != nil {
			s.log().ErrorContext(ctx, "files: remove bytes", slog.String("key", k), slog.String("error", err.Error()))
		}
	}
}

func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// File returns a file of site (viewers). Returns ENOTFOUND, EFORBIDDEN.
func (s *Service) File(ctx context.Context, p Principal, site, id string) (*File, error) {
	if err := require(p, site, RoleViewer); err != nil {
		return nil, err
	}
	if !ValidID(id) {
		return nil, Errorf(ENOTFOUND, "site %q has no file %q", site, id)
	}
	return s.Store.GetFile(ctx, site, id)
}

// ListFiles returns one page of a site's files, newest first (viewers).
func (s *Service) ListFiles(ctx context.Context, p Principal, q FileQuery) (FilePage, error) {
	if err := require(p, q.Site, RoleViewer); err != nil {
		return FilePage{}, err
	}
	if _, err := s.Site(ctx, q.Site); err != nil {
		return FilePage{}, err
	}
	return s.Store.ListFiles(ctx, q)
}

// FileUsage returns what a site's files take and its quota (0: none)
// (viewers).
func (s *Service) FileUsage(ctx context.Context, p Principal, site string) (FileUsage, int64, error) {
	if err := require(p, site, RoleViewer); err != nil {
		return FileUsage{}, 0, err
	}
	u, err := s.Store.FileUsage(ctx, site)
	return u, s.FileLimits.quota(), err
}

// DeleteFile removes a file and its bytes (publishers). A file that a
// published revision references (File.PublicSince: an entry using it has
// been public, withdrawn entries included) stays: ECONFLICT naming the
// entry. A file that only drafts or scheduled entries use can be deleted;
// saving or publishing them then fails until the reference is removed,
// and a scheduled one goes back to review at its release (PublishDue).
// Returns ENOTFOUND, EFORBIDDEN, ECONFLICT (public file, archived site).
func (s *Service) DeleteFile(ctx context.Context, p Principal, site, id string) error {
	if _, err := s.writableSite(ctx, p, site, RolePublisher); err != nil {
		return err
	}
	if !ValidID(id) {
		return Errorf(ENOTFOUND, "site %q has no file %q", site, id)
	}
	f, err := s.Store.GetFile(ctx, site, id)
	if err != nil {
		return err
	}
	if !f.PublicSince.IsZero() {
		return s.fileInUse(ctx, f)
	}
	if err := s.Store.DeleteFile(ctx, site, id); err != nil {
		if IsCode(err, ECONFLICT) {
			if f, err2 := s.Store.GetFile(ctx, site, id); err2 == nil {
				return s.fileInUse(ctx, f)
			}
		}
		return err
	}
	if s.Files != nil {
		s.dropBytes(ctx, f)
	}
	return nil
}

// fileInUse is the ECONFLICT of deleting a public file, naming the entry
// that made it public.
func (s *Service) fileInUse(ctx context.Context, f *File) error {
	what := fmt.Sprintf("entry %q", f.PublicEntry)
	if e, err := s.Store.GetEntry(ctx, f.Site, f.PublicEntry); err == nil {
		what = fmt.Sprintf("entry %q (%s/%s, id %s)", e.Title, e.Lang, e.Slug, e.ID)
	}
	return Errorf(ECONFLICT, "file %q is part of a published revision of %s since %s, and published files stay (withdrawn entries keep their files)",
		f.Name, what, f.PublicSince.UTC().Format(time.RFC3339))
}

// Upload is a direct upload waiting to be completed.
type Upload struct {
	ID      string `json:"id"`
	MaxSize int64  `json:"max_size"`
	PresignedUpload
}

// StartUpload prepares a direct upload to the file store (editors), for
// files too large for a request body. With a redirect (an absolute URL),
// a browser that posts the upload form is sent on to redirect + "/" + the
// upload's ID (see CompleteFormUpload). Returns ENOTFOUND when the file
// store takes no direct uploads (only S3 does), EFORBIDDEN, ECONFLICT
// (archived site).
func (s *Service) StartUpload(ctx context.Context, p Principal, site, redirect string) (*Upload, error) {
	if _, err := s.writableSite(ctx, p, site, RoleEditor); err != nil {
		return nil, err
	}
	du, ok := s.Files.(DirectUploads)
	if !ok || s.Inspect == nil {
		return nil, Errorf(ENOTFOUND, "direct uploads need an S3 file store; send the file as the body of POST …/files")
	}
	id := NewID(s.now())
	if redirect != "" {
		redirect += "/" + id
	}
	pre, err := du.PresignUpload(ctx, UploadKey(site, id), s.FileLimits.maxFile(), s.FileLimits.uploadTTL(), redirect)
	if err != nil {
		return nil, err
	}
	return &Upload{ID: id, MaxSize: s.FileLimits.maxFile(), PresignedUpload: *pre}, nil
}

// UploadCheck is what the uploader says a direct upload holds; completing
// it verifies both.
type UploadCheck struct {
	FileInput
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// CompleteUpload turns a direct upload into a file (editors) once its size
// and SHA-256 match what the uploader says and its content is of an
// accepted type; the upload is removed either way, except when it is
// missing. Returns what UploadFile returns, and ENOTFOUND for an unknown
// or expired upload, EINVALID for a size or digest that does not match.
func (s *Service) CompleteUpload(ctx context.Context, p Principal, site, id string, in UploadCheck) (*File, bool, error) {
	if _, err := s.writableSite(ctx, p, site, RoleEditor); err != nil {
		return nil, false, err
	}
	var pr Problems
	if in.Size <= 0 {
		pr.Add("size", "must be the size of the uploaded file in bytes")
	}
	if !ValidSHA256(in.SHA256) {
		pr.Add("sha256", "must be the lowercase hex SHA-256 of the uploaded file")
	}
	if err := pr.Err(); err != nil {
		return nil, false, err
	}
	return s.completeUpload(ctx, p, site, id, in.FileInput, &in)
}

// CompleteFormUpload turns a direct upload that a browser posted with the
// upload form (StartUpload with a redirect) into a file (editors), as
// CompleteUpload does but without a size and digest to compare: a
// browser without script has none, and the upload's key was issued to
// this caller alone. The name is the file's original name. Returns what
// CompleteUpload returns.
func (s *Service) CompleteFormUpload(ctx context.Context, p Principal, site, id string, in FileInput) (*File, bool, error) {
	if _, err := s.writableSite(ctx, p, site, RoleEditor); err != nil {
		return nil, false, err
	}
	return s.completeUpload(ctx, p, site, id, in, nil)
}

// completeUpload ingests the direct upload id of site as a file described
// by in, once its size and digest match want's (nil: no check). The upload
// is removed either way, except when it is missing.
func (s *Service) completeUpload(ctx context.Context, p Principal, site, id string, in FileInput, want *UploadCheck) (*File, bool, error) {
	if err := in.validate(); err != nil {
		return nil, false, err
	}
	if _, ok := s.Files.(DirectUploads); !ok || s.Inspect == nil {
		return nil, false, Errorf(ENOTFOUND, "direct uploads need an S3 file store")
	}
	if !ValidID(id) {
		return nil, false, Errorf(ENOTFOUND, "no upload %q", id)
	}
	key := UploadKey(site, id)
	obj, err := s.Files.Open(ctx, key)
	if IsCode(err, ENOTFOUND) {
		return nil, false, Errorf(ENOTFOUND, "no upload %q: it was never sent, is already completed, or expired", id)
	}
	if err != nil {
		return nil, false, err
	}
	defer s.dropUpload(ctx, key)
	defer obj.Body.Close()
	if want != nil && obj.Size != want.Size {
		return nil, false, Errorf(EINVALID, "the upload holds %d bytes, not %d", obj.Size, want.Size)
	}
	tmp, sum, size, err := s.spool(obj.Body)
	if err != nil {
		return nil, false, err
	}
	defer removeTemp(tmp)
	if want != nil && (size != want.Size || sum != want.SHA256) {
		return nil, false, Errorf(EINVALID, "the upload's SHA-256 is %s, not %s", sum, want.SHA256)
	}
	return s.ingest(ctx, p, site, in, tmp, size)
}

func (s *Service) dropUpload(ctx context.Context, key string) {
	if err := s.Files.Delete(context.WithoutCancel(ctx), key); err != nil {
		s.log().ErrorContext(ctx, "files: remove upload", slog.String("key", key), slog.String("error", err.Error()))
	}
}

// PublicFile returns a file of a site by its SHA-256, with its bytes
// (width > 0: that variant), for the public site. A file is public once
// an entry that references it has been public (File.PublicSince, set
// when the entry became public, by a staff action or the scheduled
// publisher), and stays so after the entry is withdrawn; before that it
// is ENOTFOUND, like the entry. One read of the file record, no entry
// read. Returns ENOTFOUND.
func (s *Service) PublicFile(ctx context.Context, site, sha string, width int) (*File, *Object, error) {
	if s.Files == nil || !ValidSHA256(sha) {
		return nil, nil, Errorf(ENOTFOUND, "no such file")
	}
	f, err := s.Store.FileByHash(ctx, site, sha)
	if err != nil {
		return nil, nil, err
	}
	if f.PublicSince.IsZero() {
		return nil, nil, Errorf(ENOTFOUND, "no such file")
	}
	if width > 0 {
		if _, ok := f.Variant(width); !ok {
			return nil, nil, Errorf(ENOTFOUND, "no such variant")
		}
	}
	obj, err := s.Files.Open(ctx, FileKey(site, sha, width))
	if err != nil {
		return nil, nil, err
	}
	return f, obj, nil
}

// PreviewFile returns a file that the entry behind a preview token
// references, by its SHA-256, with its bytes (width > 0: that variant),
// public or not: a draft's attachments and lead image show in its
// preview as they will once it is published. Any other file, an expired
// or revoked token, or a public entry (its files are public) is
// ENOTFOUND. One token check and up to MaxAttachments+1 reads of file
// records.
func (s *Service) PreviewFile(ctx context.Context, token, sha string, width int) (*File, *Object, error) {
	if s.Files == nil || !ValidSHA256(sha) {
		return nil, nil, Errorf(ENOTFOUND, "no such file")
	}
	e, err := s.Preview(ctx, token)
	if err != nil {
		if IsCode(err, EGONE) {
			err = Errorf(ENOTFOUND, "no such file")
		}
		return nil, nil, err
	}
	for _, id := range e.FileIDs() {
		f, err := s.Store.GetFile(ctx, e.Site, id)
		if IsCode(err, ENOTFOUND) {
			continue // deleted since the draft referenced it
		}
		if err != nil {
			return nil, nil, err
		}
		if f.SHA256 != sha {
			continue
		}
		if width > 0 {
			if _, ok := f.Variant(width); !ok {
				return nil, nil, Errorf(ENOTFOUND, "no such variant")
			}
		}
		obj, err := s.Files.Open(ctx, FileKey(e.Site, sha, width))
		if err != nil {
			return nil, nil, err
		}
		return f, obj, nil
	}
	return nil, nil, Errorf(ENOTFOUND, "no such file")
}

// PresignFile returns a short-lived URL that downloads a file (or a
// variant) straight from the file store, when the store can make one.
func (s *Service) PresignFile(ctx context.Context, f *File, width int, ttl time.Duration) (string, bool, error) {
	du, ok := s.Files.(PresignedGets)
	if !ok {
		return "", false, nil
	}
	mt := f.MediaType
	if v, ok := f.Variant(width); ok {
		mt = v.MediaType
	}
	u, err := du.PresignGet(ctx, FileKey(f.Site, f.SHA256, width), f.Name, mt, ttl)
	return u, err == nil, err
}
