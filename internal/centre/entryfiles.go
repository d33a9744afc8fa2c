package centre

import (
	"context"
	"fmt"
	"log/slog"
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

// publishFiles makes the files that the public entry e references public
// (File.PublicSince), for those that are not yet: from then on their
// URLs answer and they can no longer be deleted. Called after e was
// stored public. A failure is logged, not returned: the entry's change
// has been made, the file stays unreachable (404) rather than early, and
// the next save of the entry tries again.
func (s *Service) publishFiles(ctx context.Context, e *Entry) {
	if !e.Public() {
		return
	}
	for _, id := range e.FileIDs() {
		f, err := s.Store.GetFile(ctx, e.Site, id)
		if err == nil && !f.PublicSince.IsZero() {
			continue
		}
		if err == nil {
			err = s.Store.MarkFilePublic(ctx, e.Site, id, e.ID, s.now())
		}
		if err != nil {
			s.log().ErrorContext(ctx, "files: make public", slog.String("site", e.Site), slog.String("entry", e.ID),
				slog.String("file", id), slog.String("error", err.Error()))
		}
	}
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
