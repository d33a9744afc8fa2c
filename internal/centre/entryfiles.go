package centre

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// resolveFiles fills in, from the files of the site that e references,
// what the author does not type: an attachment's URL, media type, size and
// page count; the lead image's URL, media type, size and variant widths
// (and its alt text, when the entry gives none, from the upload's).
// A missing file, a lead image that is not an image, or a typed value
// that disagrees with the file is a problem naming the field. Up to
// MaxAttachments+1 reads of file records.
func (s *Service) resolveFiles(ctx context.Context, e *Entry, p *Problems) error {
	files := map[string]*File{}
	get := func(field, id string) (*File, error) {
		if f, ok := files[id]; ok {
			return f, nil
		}
		if !ValidID(id) {
			return nil, nil // Validate names it
		}
		f, err := s.Store.GetFile(ctx, e.Site, id)
		if IsCode(err, ENOTFOUND) {
			p.Add(field, "site %q has no file %q (upload it first: POST …/files)", e.Site, id)
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		files[id] = f
		return f, nil
	}
	for i := range e.Attachments {
		a := &e.Attachments[i]
		if a.FileID == "" {
			continue
		}
		at := "attachments[" + strconv.Itoa(i) + "]."
		f, err := get(at+"file_id", a.FileID)
		if err != nil || f == nil {
			if err != nil {
				return err
			}
			continue
		}
		filled(p, at+"url", a.URL, f.Path(0))
		filled(p, at+"media_type", a.MediaType, f.MediaType)
		filled(p, at+"size", a.Size, f.Size)
		filled(p, at+"pages", a.Pages, f.Pages)
		a.URL, a.MediaType, a.Size, a.Pages = f.Path(0), f.MediaType, f.Size, f.Pages
	}
	im := &e.Image
	if im.FileID == "" {
		return nil
	}
	f, err := get("image.file_id", im.FileID)
	if err != nil || f == nil {
		return err
	}
	if f.Kind != KindImage {
		p.Add("image.file_id", "file %q is %s, not an image", f.ID, f.MediaType)
		return nil
	}
	var widths []int
	for _, v := range f.Variants {
		widths = append(widths, v.Width)
	}
	filled(p, "image.url", im.URL, f.Path(0))
	filled(p, "image.media_type", im.MediaType, f.MediaType)
	filled(p, "image.width", im.Width, f.Width)
	filled(p, "image.height", im.Height, f.Height)
	if im.Widths != nil && !slices.Equal(im.Widths, widths) {
		p.Add("image.widths", "is filled in from the file (%v); leave it out", widths)
	}
	im.URL, im.MediaType, im.Width, im.Height, im.Widths = f.Path(0), f.MediaType, f.Width, f.Height, widths
	if im.Alt == "" {
		im.Alt = f.Alt // the alt text given at upload, if any
	}
	return nil
}

// filled adds a problem when a typed value (not the zero value) differs
// from the one the file gives.
func filled[T comparable](p *Problems, field string, typed, fromFile T) {
	var zero T
	if typed != zero && typed != fromFile {
		p.Add(field, "is filled in from the file (%v); leave it out", fromFile)
	}
}

// FileMarks are the files that a write of a public entry makes public
// (File.PublicSince = At, File.PublicEntry = the entry's ID), in the same
// atomic store write as the entry: a file's URL never answers before the
// entry that uses it is public, and never stays 404 after it is.
type FileMarks struct {
	Files []FileMark
	At    time.Time
}

// FileMark names one file of FileMarks: its ID and content hash (the
// stores keep an item per hash too).
type FileMark struct {
	ID     string
	SHA256 string
}

// MarkFiles sets the files that the next Store.CreateEntry or
// Store.UpdateEntry of e makes public in the same atomic write (nil:
// none). The store clears it once the write succeeded.
func (e *Entry) MarkFiles(m *FileMarks) { e.fileMarks = m }

// FileMarks returns the files the next write of e makes public, or nil.
func (e *Entry) FileMarks() *FileMarks { return e.fileMarks }

// markFiles sets on e (MarkFiles) the files that the public entry e
// references and that are not public yet, so that the store write that
// makes e public makes them public too; a file deleted since the entry
// was checked fails that write (ECONFLICT) and nothing is written.
// Nothing for an entry that is not public.
func (s *Service) markFiles(ctx context.Context, e *Entry) error {
	e.MarkFiles(nil)
	if !e.Public() {
		return nil
	}
	marks, err := s.unmarkedFiles(ctx, e)
	if err == nil && len(marks) > 0 {
		e.MarkFiles(&FileMarks{Files: marks, At: s.now()})
	}
	return err
}

// unmarkedFiles returns the files e references that are not public yet.
// A file that no longer exists is ECONFLICT (its detail names it). Up to
// MaxAttachments+1 reads of file records.
func (s *Service) unmarkedFiles(ctx context.Context, e *Entry) ([]FileMark, error) {
	var marks []FileMark
	for _, id := range e.FileIDs() {
		f, err := s.Store.GetFile(ctx, e.Site, id)
		if IsCode(err, ENOTFOUND) {
			return nil, Errorf(ECONFLICT, "its file %q was deleted: choose the file again or remove it", id)
		}
		if err != nil {
			return nil, fmt.Errorf("file %s of entry %s: %w", id, e.ID, err)
		}
		if f.PublicSince.IsZero() {
			marks = append(marks, FileMark{ID: id, SHA256: f.SHA256})
		}
	}
	return marks, nil
}

// copyFiles copies the files that c references from site from into site
// to, under the same IDs (bytes, variants and record; not public in the
// new site), for a site launched from a template. A file the new site
// already has (an earlier page used it) is skipped.
func (s *Service) copyFiles(ctx context.Context, from, to string, c *Content) error {
	for _, id := range c.FileIDs() {
		if _, err := s.Store.GetFile(ctx, to, id); err == nil {
			continue
		}
		f, err := s.Store.GetFile(ctx, from, id)
		if err != nil {
			return fmt.Errorf("file %s of site %s: %w", id, from, err)
		}
		if s.Files == nil {
			return Errorf(ENOTFOUND, "site %q has files, and this server has no file store to copy them", from)
		}
		cp := *f
		cp.Site, cp.PublicSince, cp.PublicEntry = to, time.Time{}, ""
		cp.Variants = slices.Clone(f.Variants)
		blobs := append([]Variant{{MediaType: f.MediaType}}, f.Variants...)
		for _, v := range blobs {
			if err := s.copyBytes(ctx, FileKey(from, f.SHA256, v.Width), FileKey(to, f.SHA256, v.Width), v.MediaType); err != nil {
				return err
			}
		}
		if err := s.Store.CreateFile(ctx, &cp, s.FileLimits.quota()); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) copyBytes(ctx context.Context, from, to, mediaType string) error {
	obj, err := s.Files.Open(ctx, from)
	if err != nil {
		return fmt.Errorf("copy %s: %w", from, err)
	}
	defer obj.Body.Close()
	return s.Files.Put(ctx, to, obj.Body, obj.Size, mediaType)
}
