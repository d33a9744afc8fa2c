package transfer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"infocentre/internal/centre"
)

// Hosted files in an export (format version 2): after the site record,
// each file record, oldest ID first, followed by its bytes and then those
// of each of its resized copies (narrowest first), as blob records of at
// most ChunkSize bytes each, in order:
//
//	{"type":"file","file":{…}}                                         the record (centre.File)
//	{"type":"blob","blob":{"sha256":"…","offset":0,"data":"<base64>"}}  the file's bytes from offset
//	{"type":"blob","blob":{"sha256":"…","width":480,"offset":0,…}}      a copy's bytes
//
// so that one NDJSON file carries everything and any line stays under
// MaxLine. An import checks each file record, that the blobs follow in
// order and add up to the sizes the record gives, and that the bytes of
// the file have its SHA-256; it spools them to temporary files (never
// memory), stores them, and makes the records public again as they were.

// ChunkSize is the most bytes one blob record carries (base64 makes a
// line of about 350 KB).
const ChunkSize = 256 << 10

// MaxFileBytes bounds the bytes of all the files one import reads.
const MaxFileBytes = 8 << 30

// blob is a chunk of the bytes of a file (Width 0) or of one of its
// copies.
type blob struct {
	SHA256 string `json:"sha256"`
	Width  int    `json:"width,omitempty"`
	Offset int64  `json:"offset"`
	Data   []byte `json:"data"`
}

// exportFiles writes every file of site with its bytes and returns how
// many files.
func exportFiles(ctx context.Context, store centre.Store, files centre.FileStore, site string, enc encoder) (int, error) {
	var list []*centre.File
	var pg centre.Pager
	q := centre.FileQuery{Site: site, Limit: centre.MaxPageSize}
	for {
		page, err := store.ListFiles(ctx, q)
		if err != nil {
			return 0, err
		}
		list = append(list, page.Items...)
		more, err := pg.Next(q.After, page.Next)
		if err != nil {
			return 0, fmt.Errorf("files of %s: %w", site, err)
		}
		if !more {
			break
		}
		q.After = page.Next
	}
	if len(list) > 0 && files == nil {
		return 0, centre.Errorf(centre.ENOTFOUND, "site %q has files, and this server has no file store to read them from", site)
	}
	slices.SortFunc(list, func(a, b *centre.File) int { return cmpString(a.ID, b.ID) })
	buf := make([]byte, ChunkSize)
	for _, f := range list {
		if err := enc.Encode(record{Type: "file", File: f}); err != nil {
			return 0, err
		}
		for _, w := range blobWidths(f) {
			if err := exportBlob(ctx, files, f, w, buf, enc); err != nil {
				return 0, err
			}
		}
	}
	return len(list), nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// blobWidths lists the blobs of a file in export order: the file, then
// each copy.
func blobWidths(f *centre.File) []int {
	out := []int{0}
	for _, v := range f.Variants {
		out = append(out, v.Width)
	}
	return out
}

// blobSize is the number of bytes of the blob of f of width w.
func blobSize(f *centre.File, w int) int64 {
	if w == 0 {
		return f.Size
	}
	v, _ := f.Variant(w)
	return v.Size
}

func exportBlob(ctx context.Context, files centre.FileStore, f *centre.File, w int, buf []byte, enc encoder) error {
	obj, err := files.Open(ctx, centre.FileKey(f.Site, f.SHA256, w))
	if err != nil {
		return fmt.Errorf("bytes of file %s (%d): %w", f.ID, w, err)
	}
	defer obj.Body.Close()
	want := blobSize(f, w)
	if obj.Size != want {
		return fmt.Errorf("bytes of file %s (%d): %d stored, the record says %d", f.ID, w, obj.Size, want)
	}
	var off int64
	for off < want {
		n, err := io.ReadFull(obj.Body, buf[:min(int64(len(buf)), want-off)])
		if err != nil {
			return fmt.Errorf("bytes of file %s (%d) at %d: %w", f.ID, w, off, err)
		}
		if err := enc.Encode(record{Type: "blob", Blob: &blob{SHA256: f.SHA256, Width: w, Offset: off, Data: buf[:n]}}); err != nil {
			return err
		}
		off += int64(n)
	}
	return nil
}

// encoder is what writes the records (a json.Encoder).
type encoder interface{ Encode(v any) error }

// fileImport is a file read from an export, its blobs spooled to
// temporary files.
type fileImport struct {
	rec   *centre.File
	blobs map[int]string // width → temporary file
}

// pendingBlob is a blob the reader waits for.
type pendingBlob struct {
	f     *fileImport
	width int
	size  int64
	out   *os.File
	hash  io.Writer
	sum   func() string
	done  int64
}

// file reads a file record: it comes after the site and before any
// revision, once per ID and per content.
func (rd *reader) file(f *centre.File) error {
	if rd.p.site == nil || f == nil {
		return rd.bad("a file before the site record")
	}
	if len(rd.p.entries) > 0 || len(rd.cur) > 0 || len(rd.p.events) > 0 {
		return rd.bad("files must come before revisions and audit events")
	}
	if len(rd.pending) > 0 {
		return rd.bad("file %s: the bytes of the file before it are incomplete", truncate(f.ID))
	}
	if rd.as != "" {
		f.Site = rd.as
	}
	if err := checkFile(f, rd.p.site.Slug); err != nil {
		return rd.bad("invalid file %s: %v", truncate(f.ID), err)
	}
	if rd.fileIDs[f.ID] || rd.fileSHAs[f.SHA256] {
		return rd.bad("file %s (or its content) appears twice", f.ID)
	}
	rd.fileIDs[f.ID], rd.fileSHAs[f.SHA256] = true, true
	fi := &fileImport{rec: f, blobs: map[int]string{}}
	rd.p.files = append(rd.p.files, fi)
	for _, w := range blobWidths(f) {
		rd.pending = append(rd.pending, &pendingBlob{f: fi, width: w, size: blobSize(f, w)})
	}
	return nil
}

// checkFile checks a file record with the rules uploads are made by.
func checkFile(f *centre.File, site string) error {
	var p centre.Problems
	if !centre.ValidID(f.ID) {
		p.Add("id", "must be an infocentre id")
	}
	if f.Site != site {
		p.Add("site", "must be %q", site)
	}
	if name, err := centre.CleanFileName("name", f.Name); err != nil || name != f.Name {
		p.Add("name", "must be a file name like report.pdf")
	}
	if !centre.ValidSHA256(f.SHA256) {
		p.Add("sha256", "must be a lowercase hex SHA-256")
	}
	if f.Kind != centre.KindDocument && f.Kind != centre.KindImage {
		p.Add("kind", "must be %s or %s", centre.KindDocument, centre.KindImage)
	}
	if f.Size <= 0 || f.Size > MaxFileBytes {
		p.Add("size", "must be 1 to %d bytes", int64(MaxFileBytes))
	}
	if f.MediaType == "" || len(f.MediaType) > 100 || hasControl(f.MediaType) {
		p.Add("media_type", "must be a media type")
	}
	if f.CreatedBy != "" && !validRef(f.CreatedBy) {
		p.Add("created_by", "must be a key id")
	}
	if f.PublicEntry != "" && !centre.ValidID(f.PublicEntry) || f.PublicEntry == "" && !f.PublicSince.IsZero() {
		p.Add("public_entry", "must be the id of the entry that made the file public")
	}
	if len(f.Variants) > len(centre.VariantWidths) {
		p.Add("variants", "at most %d", len(centre.VariantWidths))
	}
	last := 0
	for i, v := range f.Variants {
		if v.Width <= last || v.Height <= 0 || v.Size <= 0 || v.Size > MaxFileBytes || v.MediaType == "" || hasControl(v.MediaType) {
			p.Add(fmt.Sprintf("variants[%d]", i), "must be a copy narrower than the next, with a size and media type")
		}
		last = v.Width
	}
	if len([]rune(f.Alt)) > centre.MaxAltLen || len([]rune(f.Title)) > centre.MaxTitleLen || hasControl(f.Alt) || hasControl(f.Title) {
		p.Add("alt", "alt and title must be short text")
	}
	return p.Err()
}

// blob reads a chunk of the bytes of the file or copy the reader waits
// for, into its temporary file.
func (rd *reader) blob(b *blob) error {
	if b == nil || len(rd.pending) == 0 {
		return rd.bad("bytes that belong to no file record")
	}
	pb := rd.pending[0]
	if b.SHA256 != pb.f.rec.SHA256 || b.Width != pb.width {
		return rd.bad("bytes of %.12s (%d): the bytes of file %s (%d) come first", truncate(b.SHA256), b.Width, pb.f.rec.ID, pb.width)
	}
	if b.Offset != pb.done || len(b.Data) == 0 || len(b.Data) > ChunkSize || pb.done+int64(len(b.Data)) > pb.size {
		return rd.bad("bytes of file %s (%d): a chunk of %d bytes at %d, after %d of %d bytes", pb.f.rec.ID, pb.width, len(b.Data), b.Offset, pb.done, pb.size)
	}
	rd.bytes += int64(len(b.Data))
	if rd.bytes > MaxFileBytes {
		return rd.bad("the files take more than %d bytes", int64(MaxFileBytes))
	}
	if pb.out == nil {
		if rd.p.dir == "" {
			dir, err := os.MkdirTemp("", "infocentre-import-*")
			if err != nil {
				return err
			}
			rd.p.dir = dir
		}
		out, err := os.CreateTemp(rd.p.dir, "blob-*")
		if err != nil {
			return err
		}
		h := sha256.New()
		pb.out, pb.hash, pb.sum = out, h, func() string { return hex.EncodeToString(h.Sum(nil)) }
		pb.f.blobs[pb.width] = out.Name()
	}
	if _, err := pb.out.Write(b.Data); err != nil {
		return err
	}
	pb.hash.Write(b.Data)
	pb.done += int64(len(b.Data))
	if pb.done < pb.size {
		return nil
	}
	if err := pb.out.Close(); err != nil {
		return err
	}
	if pb.width == 0 && pb.sum() != pb.f.rec.SHA256 {
		return rd.bad("the bytes of file %s do not have its SHA-256", pb.f.rec.ID)
	}
	rd.pending = rd.pending[1:]
	return nil
}

// checkRefs refuses a revision that uses a file the export does not hold.
func (rd *reader) checkRefs(e *centre.Entry) error {
	if len(rd.pending) > 0 {
		return rd.bad("entry %s: the bytes of file %s are incomplete", e.ID, rd.pending[0].f.rec.ID)
	}
	for _, id := range e.FileIDs() {
		if !rd.fileIDs[id] {
			return rd.bad("entry %s revision %d uses file %s, which the export does not hold", e.ID, e.Version, truncate(id))
		}
	}
	return nil
}

// cleanup removes the temporary files of a read.
func (p *parsed) cleanup() {
	if p != nil && p.dir != "" {
		os.RemoveAll(p.dir)
	}
}

// writeFiles stores the bytes and records of the files (not yet public:
// markPublic makes them so once the entries are written) and returns the
// keys and IDs written, for undo.
func writeFiles(ctx context.Context, store centre.Store, p *parsed, opts Options, keys *[]string, ids *[]string) error {
	if len(p.files) > 0 && opts.Files == nil {
		return centre.Errorf(centre.ENOTFOUND, "the export holds files, and this server has no file store to put them in")
	}
	for _, fi := range p.files {
		f := fi.rec
		if err := inspect(ctx, opts.Inspect, fi); err != nil {
			return err
		}
		for _, w := range blobWidths(f) {
			mt := f.MediaType
			if v, ok := f.Variant(w); ok {
				mt = v.MediaType
			}
			k := centre.FileKey(p.site.Slug, f.SHA256, w)
			if err := putFile(ctx, opts.Files, k, fi.blobs[w], blobSize(f, w), mt); err != nil {
				return fmt.Errorf("write the bytes of file %s: %w", f.ID, err)
			}
			*keys = append(*keys, k)
		}
		rec := *f
		rec.PublicSince, rec.PublicEntry = time.Time{}, ""
		if err := store.CreateFile(ctx, &rec, opts.FileQuota); err != nil {
			return fmt.Errorf("write file %s: %w", f.ID, err)
		}
		*ids = append(*ids, f.ID)
	}
	return nil
}

// inspect checks, when the importer has an Inspector, that the content
// of a file is what its record says (as an upload's content decides its
// type): a record cannot make an HTML page pass for a PNG.
func inspect(ctx context.Context, in centre.Inspector, fi *fileImport) error {
	if in == nil {
		return nil
	}
	f, err := os.Open(fi.blobs[0])
	if err != nil {
		return err
	}
	defer f.Close()
	got, err := in.Inspect(ctx, f, fi.rec.Size)
	if err != nil {
		return fmt.Errorf("file %s: %w", fi.rec.ID, err)
	}
	if got.MediaType != fi.rec.MediaType || got.Kind != fi.rec.Kind {
		return centre.Errorf(centre.EINVALID, "file %s: the record says %s, the content is %s", fi.rec.ID, fi.rec.MediaType, got.MediaType)
	}
	return nil
}

func putFile(ctx context.Context, files centre.FileStore, key, path string, size int64, mediaType string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return files.Put(ctx, key, f, size, mediaType)
}

// markPublic makes the files that were public in the export public again,
// with the same time and entry.
func markPublic(ctx context.Context, store centre.Store, p *parsed) error {
	for _, fi := range p.files {
		if f := fi.rec; !f.PublicSince.IsZero() {
			if err := store.MarkFilePublic(ctx, p.site.Slug, f.ID, f.PublicEntry, f.PublicSince); err != nil {
				return fmt.Errorf("make file %s public: %w", f.ID, err)
			}
		}
	}
	return nil
}
