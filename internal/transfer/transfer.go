// Package transfer exports a whole site — settings, entries with every
// revision (and so every change note), and the audit log — as NDJSON, and
// imports such a file into any store.
//
// The format, version 1, is one JSON object a line:
//
//	{"format":"infocentre-export","version":1}                    header, first line
//	{"type":"site","site":{…}}                                     the site (without its version)
//	{"type":"file","file":{…}} {"type":"blob","blob":{…}} …        every hosted file with its bytes
//	                                                               (version 2; see files.go)
//	{"type":"revision","revision":{…}}                             every revision of every entry,
//	                                                               entries by ID, versions ascending
//	{"type":"audit","event":{…}}                                   audit events, oldest first
//	{"type":"end","counts":{"revisions":N,"entries":E,"audit":A,"files":F}}  trailer, last line
//
// An entry's current state is its last revision. Keys are never exported
// (only their hashes are stored, and they belong to the old site), and
// neither are revisions of deleted drafts. Export → import → export gives
// the same bytes. Version 1 files (no hosted files) are still read.
package transfer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"infocentre/internal/centre"
	"infocentre/internal/jsonstrict"
)

// Format and Version identify the file format.
const (
	Format  = "infocentre-export"
	Version = 2
)

type header struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
}

// Counts is the trailer's tally, checked on import.
type Counts struct {
	Entries   int `json:"entries"`
	Revisions int `json:"revisions"`
	Audit     int `json:"audit"`
	Files     int `json:"files,omitempty"`
}

// record is one line after the header.
type record struct {
	Type     string             `json:"type"`
	Site     *siteRecord        `json:"site,omitempty"`
	Revision *centre.Entry      `json:"revision,omitempty"`
	Event    *centre.AuditEvent `json:"event,omitempty"`
	File     *centre.File       `json:"file,omitempty"`
	Blob     *blob              `json:"blob,omitempty"`
	Counts   *Counts            `json:"counts,omitempty"`
}

// siteRecord is a site without its version, which is local bookkeeping of
// the store it came from.
type siteRecord struct {
	centre.Site
	Version int64 `json:"version,omitempty"`
}

// Progress is told how far a long job has come. Total is 0 while unknown.
type Progress func(phase string, done, total int)

func report(p Progress, phase string, done, total int) {
	if p != nil {
		p(phase, done, total)
	}
}

// Export writes the whole of site to w, its hosted files read from files
// (which may be nil for a site without files).
func Export(ctx context.Context, store centre.Store, files centre.FileStore, site string, w io.Writer, progress Progress) (Counts, error) {
	var c Counts
	s, err := store.GetSite(ctx, site)
	if err != nil {
		return c, err
	}
	ids, err := entryIDs(ctx, store, site)
	if err != nil {
		return c, err
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(header{Format: Format, Version: Version}); err != nil {
		return c, err
	}
	sr := siteRecord{Site: *s}
	sr.Version = 0
	if err := enc.Encode(record{Type: "site", Site: &sr}); err != nil {
		return c, err
	}
	if c.Files, err = exportFiles(ctx, store, files, site, enc); err != nil {
		return c, err
	}
	report(progress, "files", c.Files, c.Files)
	for i, id := range ids {
		n, err := exportRevisions(ctx, store, site, id, enc)
		if err != nil {
			return c, err
		}
		c.Revisions += n
		c.Entries++
		report(progress, "entries", i+1, len(ids))
	}
	events, err := auditEvents(ctx, store, site)
	if err != nil {
		return c, err
	}
	for i := len(events) - 1; i >= 0; i-- {
		if err := enc.Encode(record{Type: "audit", Event: events[i]}); err != nil {
			return c, err
		}
		c.Audit++
	}
	report(progress, "audit", c.Audit, len(events))
	if err := enc.Encode(record{Type: "end", Counts: &c}); err != nil {
		return c, err
	}
	return c, bw.Flush()
}

// exportRevisions writes every revision of entry id, oldest first, and
// returns how many. Each page must move past the last version read, and
// there are at most centre.MaxListPages pages, so the loop ends even on a
// faulty store.
func exportRevisions(ctx context.Context, store centre.Store, site, id string, enc *json.Encoder) (int, error) {
	n := 0
	after := int64(0)
	for range centre.MaxListPages {
		revs, err := store.Revisions(ctx, site, id, after, centre.MaxPageSize)
		if err != nil {
			return n, fmt.Errorf("revisions of entry %s: %w", id, err)
		}
		for _, r := range revs {
			if r.Version <= after {
				return n, fmt.Errorf("revisions of entry %s: version %d after version %d", id, r.Version, after)
			}
			if err := enc.Encode(record{Type: "revision", Revision: r}); err != nil {
				return n, err
			}
			n++
			after = r.Version
		}
		if len(revs) < centre.MaxPageSize {
			return n, nil
		}
	}
	return n, fmt.Errorf("revisions of entry %s: more than %d pages", id, centre.MaxListPages)
}

// entryIDs lists every entry of a site, oldest ID first.
func entryIDs(ctx context.Context, store centre.Store, site string) ([]string, error) {
	var ids []string
	var pg centre.Pager
	q := centre.EntryQuery{Site: site, Limit: centre.MaxPageSize}
	for {
		page, err := store.ListEntries(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, e := range page.Items {
			ids = append(ids, e.ID)
		}
		more, err := pg.Next(q.After, page.Next)
		if err != nil {
			return nil, fmt.Errorf("entries of %s: %w", site, err)
		}
		if !more {
			break
		}
		q.After = page.Next
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// auditEvents returns every audit event of a site, newest first.
func auditEvents(ctx context.Context, store centre.Store, site string) ([]*centre.AuditEvent, error) {
	var out []*centre.AuditEvent
	var pg centre.Pager
	q := centre.AuditQuery{Site: site, Limit: centre.MaxPageSize}
	for {
		page, err := store.ListAudit(ctx, q)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		more, err := pg.Next(q.After, page.Next)
		if err != nil {
			return nil, fmt.Errorf("audit of %s: %w", site, err)
		}
		if !more {
			return out, nil
		}
		q.After = page.Next
	}
}

// Options change how a file is imported.
type Options struct {
	// Render renders a Markdown body to sanitised HTML (markdown.Render,
	// as centre.Service.Render): every entry's body_html is made again by
	// it, never taken from the file. Required.
	Render func(string) (string, error)
	// As imports the site under another slug. Host names are then
	// dropped: they still belong to the original site.
	As string
	// DryRun validates the whole file and writes nothing.
	DryRun bool
	// Progress, if set, is told how far the import has come.
	Progress Progress
	// Files receives the bytes of the export's hosted files (required
	// when it holds any); FileQuota bounds them as uploads are (0: none).
	Files     centre.FileStore
	FileQuota int64
	// Inspect, if set, checks that each file's content is of the type
	// its record says (the server's Inspector, as for uploads).
	Inspect centre.Inspector
	// HostReserved, if set, refuses a site that claims a host name for
	// which it reports true (the deployment's own hosts: see
	// centre.Service.HostReserved).
	HostReserved func(host string) bool
}

// LineError reports a problem at a line of the file.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// parsed is a validated file.
type parsed struct {
	site    *centre.Site
	files   []*fileImport
	dir     string            // temporary files of the blobs, removed by cleanup
	entries [][]*centre.Entry // revisions of each entry, in file order
	events  []*centre.AuditEvent
	counts  Counts
}

// strictUnmarshal decodes one JSON value as the API does: exact field
// names, no field given twice, no unknown field.
func strictUnmarshal(b []byte, v any) error {
	if err := jsonstrict.Check(b, v); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("more than one JSON value on the line")
	}
	return nil
}

// Summary says what an import wrote (or, in a dry run, would write).
type Summary struct {
	Site string `json:"site"`
	Counts
	// Existing is set by a dry run on a slug that a site has already: a
	// real import would be refused, and this compares the file with that
	// site.
	Existing *Comparison `json:"existing,omitempty"`
}

// Comparison compares the entries of an export file with those of the
// site of the same slug, by entry ID and version.
type Comparison struct {
	New        int `json:"new"`          // in the file, not in the site
	Same       int `json:"same"`         // at the same version in both
	FileNewer  int `json:"file_newer"`   // the file has later versions than the site
	SiteNewer  int `json:"site_newer"`   // the site has changed since the file was made
	OnlyInSite int `json:"only_in_site"` // in the site, not in the file
}

// Import reads a whole export file, validates it, and — unless DryRun —
// writes the site. It refuses a site whose slug exists (ECONFLICT); a dry
// run then compares the file with that site (Summary.Existing). If a write fails,
// what was written is removed again (audit events, which are append-only,
// are written last), so a failed import leaves no site behind.
func Import(ctx context.Context, store centre.Store, r io.Reader, opts Options) (Summary, error) {
	if opts.Render == nil {
		return Summary{}, errors.New("transfer: Options.Render is required: an import renders every body again")
	}
	p, err := read(r, opts.As, opts.Render)
	if err != nil {
		return Summary{}, err
	}
	defer p.cleanup()
	if opts.HostReserved != nil {
		for _, h := range p.site.Hosts {
			if opts.HostReserved(h) {
				return Summary{}, &LineError{Line: 2, Err: fmt.Errorf("invalid site: host %q belongs to this deployment and cannot be claimed by a site", h)}
			}
		}
	}
	if _, err := store.GetSite(ctx, p.site.Slug); err == nil {
		if !opts.DryRun {
			return Summary{}, centre.Errorf(centre.ECONFLICT, "site %q exists already; import under another slug (--as, or ?as=)", p.site.Slug)
		}
		cmp, err := compare(ctx, store, p)
		return Summary{Site: p.site.Slug, Counts: p.counts, Existing: cmp}, err
	} else if !centre.IsCode(err, centre.ENOTFOUND) {
		return Summary{}, err
	}
	if opts.DryRun {
		return Summary{Site: p.site.Slug, Counts: p.counts}, nil
	}
	c, err := write(ctx, store, p, opts)
	return Summary{Site: p.site.Slug, Counts: c}, err
}

// compare compares the file's entries with those of the existing site of
// its slug: one read per entry of the file, and the site's entry list.
func compare(ctx context.Context, store centre.Store, p *parsed) (*Comparison, error) {
	var c Comparison
	inFile := map[string]bool{}
	for _, revs := range p.entries {
		if len(revs) == 0 {
			continue
		}
		last := revs[len(revs)-1]
		inFile[last.ID] = true
		e, err := store.GetEntry(ctx, p.site.Slug, last.ID)
		switch {
		case centre.IsCode(err, centre.ENOTFOUND):
			c.New++
		case err != nil:
			return nil, err
		case e.Version == last.Version:
			c.Same++
		case e.Version < last.Version:
			c.FileNewer++
		default:
			c.SiteNewer++
		}
	}
	ids, err := entryIDs(ctx, store, p.site.Slug)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if !inFile[id] {
			c.OnlyInSite++
		}
	}
	return &c, nil
}

func write(ctx context.Context, store centre.Store, p *parsed, opts Options) (Counts, error) {
	site := *p.site
	if err := store.CreateSite(ctx, &site); err != nil {
		return Counts{}, fmt.Errorf("create site %s: %w", site.Slug, err)
	}
	written := map[string]int64{} // entry id → stored version
	var fileKeys, fileIDs []string
	undo := func(cause error) error {
		ctx := context.WithoutCancel(ctx)
		var errs []error
		for _, id := range fileIDs {
			if err := store.DeleteFile(ctx, site.Slug, id); err != nil {
				errs = append(errs, err)
			}
		}
		for _, k := range fileKeys {
			if err := opts.Files.Delete(ctx, k); err != nil {
				errs = append(errs, err)
			}
		}
		for id, v := range written {
			if err := store.DeleteEntry(ctx, site.Slug, id, v); err != nil {
				errs = append(errs, err)
			}
		}
		if err := store.DeleteSite(ctx, site.Slug, site.Version); err != nil {
			errs = append(errs, err)
		}
		if len(errs) > 0 {
			return fmt.Errorf("%w (and undoing the partial import failed: %v)", cause, errors.Join(errs...))
		}
		return cause
	}
	if err := writeFiles(ctx, store, p, opts, &fileKeys, &fileIDs); err != nil {
		return Counts{}, undo(err)
	}
	report(opts.Progress, "files", len(p.files), len(p.files))
	for i, revs := range p.entries {
		for _, rev := range revs {
			e := *rev
			var err error
			if e.Version == 1 {
				err = store.CreateEntry(ctx, &e)
			} else {
				e.Version--
				err = store.UpdateEntry(ctx, &e)
			}
			if err != nil {
				return Counts{}, undo(fmt.Errorf("write entry %s revision %d: %w", rev.ID, rev.Version, err))
			}
			written[e.ID] = e.Version
		}
		report(opts.Progress, "entries", i+1, len(p.entries))
	}
	if err := markPublic(ctx, store, p); err != nil {
		return Counts{}, undo(err)
	}
	for i, ev := range p.events {
		if err := store.AppendAudit(ctx, ev); err != nil {
			return Counts{}, fmt.Errorf("write audit event %s (entries and site are in place; %d of %d events written): %w", ev.ID, i, len(p.events), err)
		}
	}
	report(opts.Progress, "audit", len(p.events), len(p.events))
	return p.counts, nil
}
