package centre

import (
	"context"
	"io"
	"path"
	"strings"
	"time"
	"unicode/utf8"
)

// File kinds.
const (
	KindDocument = "document"
	KindImage    = "image"
)

// File is a document or an image hosted by infocentre: its record. The
// bytes live in a FileStore under FileKey(Site, SHA256, 0) (and each
// variant under FileKey(Site, SHA256, width)). Within a site a file is
// unique by content: uploading the same bytes again answers the file
// already there.
type File struct {
	ID        string    `json:"id"`
	Site      string    `json:"site"`
	Name      string    `json:"name"` // the original file name, as a base name
	MediaType string    `json:"media_type"`
	Kind      string    `json:"kind"` // document or image
	Size      int64     `json:"size"`
	SHA256    string    `json:"sha256"` // lowercase hex of the stored bytes
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by,omitempty"` // key id

	// Documents.
	Pages int    `json:"pages,omitempty"` // PDF page count
	Title string `json:"title,omitempty"` // PDF document title
	Lang  string `json:"lang,omitempty"`  // BCP 47 language of the content

	// Images: the stored image has no metadata (EXIF, GPS, comments).
	Width  int    `json:"width,omitempty"`
	Height int    `json:"height,omitempty"`
	Alt    string `json:"alt,omitempty"` // required before an entry shows the image
	// Variants are smaller copies (never wider than the original), made
	// once at upload, narrowest first.
	Variants []Variant `json:"variants,omitempty"`

	// PublicSince is when an entry that references the file first became
	// public, PublicEntry that entry's ID. Until then the file's public
	// URL answers 404 (the embargo of the entry holds for its files);
	// from then on the file is part of a published revision and can no
	// longer be deleted.
	PublicSince time.Time `json:"public_since,omitzero"`
	PublicEntry string    `json:"public_entry,omitempty"`
}

// Variant is a resized copy of an image.
type Variant struct {
	Width     int    `json:"width"`
	Height    int    `json:"height"`
	MediaType string `json:"media_type"`
	Size      int64  `json:"size"`
}

// VariantWidths are the widths of the resized copies of an image; an
// image gets those narrower than itself.
var VariantWidths = []int{480, 960, 1600}

// StoredBytes is what the file counts against its site's quota: the file
// and its variants.
func (f *File) StoredBytes() int64 {
	n := f.Size
	for _, v := range f.Variants {
		n += v.Size
	}
	return n
}

// Variant returns the variant of that width, if the file has one.
func (f *File) Variant(width int) (Variant, bool) {
	for _, v := range f.Variants {
		if v.Width == width {
			return v, true
		}
	}
	return Variant{}, false
}

// Path returns the public path of the file below its site's base
// ("/files/<sha256>/<name>"); width > 0 names a variant.
func (f *File) Path(width int) string {
	if width > 0 {
		return "/files/" + f.SHA256 + "/" + itoa(width) + "w/" + escapeSegment(f.Name)
	}
	return "/files/" + f.SHA256 + "/" + escapeSegment(f.Name)
}

// FileKey is where the bytes of a site's file (width 0) or of one of its
// variants live in a FileStore.
func FileKey(site, sha string, width int) string {
	if width > 0 {
		return site + "/" + sha + "." + itoa(width) + "w"
	}
	return site + "/" + sha
}

// UploadKey is where a direct upload waits in the FileStore until it is
// completed (or expires: the bucket's lifecycle rule removes the prefix
// "uploads/" after a day).
func UploadKey(site, id string) string { return "uploads/" + site + "/" + id }

// Limits on file records.
const (
	MaxFileNameLen = 200
	MaxAltLen      = 1000
)

var shaRE = &lazyRegexp{expr: `^[0-9a-f]{64}$`}

// ValidSHA256 reports whether s is a lowercase hex SHA-256.
func ValidSHA256(s string) bool { return shaRE.MatchString(s) }

// CleanFileName returns the base name of a client's file name (any
// directory part dropped, in NFC), or an EINVALID error naming field.
func CleanFileName(field, name string) (string, error) {
	name = strings.ReplaceAll(name, `\`, "/")
	name = path.Base(strings.TrimSpace(name))
	normalizeText(&name)
	var p Problems
	switch {
	case name == "." || name == "/" || name == "" || name == "..":
		p.Add(field, "must be a file name like report.pdf")
	case !utf8.ValidString(name) || strings.ContainsAny(name, "\"<>"):
		p.Add(field, "must be valid UTF-8 without quotes or angle brackets")
	default:
		checkText(&p, field, name, 1, MaxFileNameLen)
		checkVisible(&p, field, name)
	}
	return name, p.Err()
}

// escapeSegment escapes a file name for a URL path segment.
func escapeSegment(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// FileQuery selects one page of a site's files, newest first.
type FileQuery struct {
	Site  string
	Limit int    // 1..MaxPageSize; 0 means 20
	After string // Next of the previous page
}

// FilePage is one page of files.
type FilePage struct {
	Items []*File
	Next  string
}

// FileUsage is what a site's files take.
type FileUsage struct {
	Files int64 `json:"files"`
	Bytes int64 `json:"bytes"` // StoredBytes of every file
}

// FileStore keeps the bytes of files, by key (see FileKey, UploadKey). It
// is implemented by a directory (internal/filestore, embedded runs) and an
// S3 bucket (internal/s3files); both pass internal/storetest's RunFiles.
// Methods honour ctx.
type FileStore interface {
	// Put stores size bytes read from r under key, replacing what is
	// there. If r yields a different number of bytes, Put fails and
	// leaves nothing under key.
	Put(ctx context.Context, key string, r io.Reader, size int64, mediaType string) error
	// Open returns the bytes under key, or ENOTFOUND. The caller closes
	// Body. Body is an io.ReadSeeker when the store can seek.
	Open(ctx context.Context, key string) (*Object, error)
	// Delete removes key; a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// Object is the content of one key of a FileStore.
type Object struct {
	Body io.ReadCloser
	Size int64
}

// DirectUploads is a FileStore that lets clients upload straight to it
// (an S3 bucket): large files never pass through the function.
type DirectUploads interface {
	// PresignUpload returns a form upload (URL and fields, an HTML form
	// POST) to key that accepts 1..maxSize bytes until it expires. With a
	// redirect (an absolute URL), the store sends the browser on to it
	// after the upload (the form may add a query to it): a browser
	// uploads without script and comes back.
	PresignUpload(ctx context.Context, key string, maxSize int64, ttl time.Duration, redirect string) (*PresignedUpload, error)
	PresignedGets
}

// PresignedGets is a FileStore that hands out short-lived download URLs
// (an S3 bucket), so that large files never pass through the function.
type PresignedGets interface {
	// PresignGet returns a URL that downloads key as name, for ttl.
	PresignGet(ctx context.Context, key, name, mediaType string, ttl time.Duration) (string, error)
}

// PresignedUpload is a presigned S3 POST policy: POST a multipart form to
// URL with Fields, then the file as the field "file", last.
type PresignedUpload struct {
	URL       string            `json:"url"`
	Fields    map[string]string `json:"fields"`
	ExpiresAt time.Time         `json:"expires_at"`
}
