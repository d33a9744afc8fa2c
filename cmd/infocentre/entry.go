package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"infocentre/internal/centre"
	"infocentre/internal/httpapi"
)

// entryTarget is where entry commands act: the local store through
// centre.Service (as the operator), or a server through its staff API.
// Both answer the same entries and the same errors (*centre.Error), so the
// commands behave and print alike.
type entryTarget interface {
	staffSite(ctx context.Context, site string) (*centre.Site, error)
	entries(ctx context.Context, q centre.EntryQuery, cursor string) ([]*centre.Entry, string, error)
	entriesBySlug(ctx context.Context, site, slug string) ([]*centre.Entry, error)
	entry(ctx context.Context, site, id string) (*centre.Entry, error)
	createEntry(ctx context.Context, site string, in centre.EntryInput) (*centre.Entry, error)
	updateEntry(ctx context.Context, site, id string, patch centre.EntryPatch, version int64) (*centre.Entry, error)
	publishEntry(ctx context.Context, site, id string, version int64, note string) (*centre.Entry, error)
	withdrawEntry(ctx context.Context, site, id string, version int64, reason, supersededBy string) (*centre.Entry, error)
}

func (l *local) staffSite(ctx context.Context, site string) (*centre.Site, error) {
	return l.a.Service.StaffSite(ctx, operator, site)
}
func (l *local) entries(ctx context.Context, q centre.EntryQuery, cursor string) ([]*centre.Entry, string, error) {
	q.After = cursor
	page, err := l.a.Service.Entries(ctx, operator, q)
	return page.Items, page.Next, err
}
func (l *local) entriesBySlug(ctx context.Context, site, slug string) ([]*centre.Entry, error) {
	return l.a.Service.EntriesBySlug(ctx, operator, site, slug)
}
func (l *local) entry(ctx context.Context, site, id string) (*centre.Entry, error) {
	return l.a.Service.Entry(ctx, operator, site, id)
}
func (l *local) createEntry(ctx context.Context, site string, in centre.EntryInput) (*centre.Entry, error) {
	return l.a.Service.CreateEntry(ctx, operator, site, in)
}
func (l *local) updateEntry(ctx context.Context, site, id string, patch centre.EntryPatch, version int64) (*centre.Entry, error) {
	return l.a.Service.UpdateEntry(ctx, operator, site, id, patch, version)
}
func (l *local) publishEntry(ctx context.Context, site, id string, version int64, note string) (*centre.Entry, error) {
	return l.a.Service.Publish(ctx, operator, site, id, version, note)
}
func (l *local) withdrawEntry(ctx context.Context, site, id string, version int64, reason, supersededBy string) (*centre.Entry, error) {
	return l.a.Service.Withdraw(ctx, operator, site, id, version, reason, supersededBy)
}

func entriesPath(site string) string {
	return "/api/v1/admin/sites/" + url.PathEscape(site) + "/entries"
}
func entryPath(site, id string) string { return entriesPath(site) + "/" + url.PathEscape(id) }

func (r *remote) staffSite(ctx context.Context, site string) (*centre.Site, error) {
	var s centre.Site
	return &s, r.call(ctx, "GET", "/api/v1/admin/sites/"+url.PathEscape(site), 0, nil, &s)
}
func (r *remote) entries(ctx context.Context, q centre.EntryQuery, cursor string) ([]*centre.Entry, string, error) {
	v := url.Values{}
	for k, val := range map[string]string{"status": q.Status, "type": q.Type, "lang": q.Lang, "tag": q.Tag, "organisation": q.Organisation, "cursor": cursor} {
		if val != "" {
			v.Set(k, val)
		}
	}
	v.Set("limit", strconv.Itoa(q.Limit))
	var out httpapi.EntryList
	err := r.call(ctx, "GET", entriesPath(q.Site)+"?"+v.Encode(), 0, nil, &out)
	return out.Items, out.NextCursor, err
}
func (r *remote) entriesBySlug(ctx context.Context, site, slug string) ([]*centre.Entry, error) {
	var out httpapi.EntryList
	err := r.call(ctx, "GET", entriesPath(site)+"?slug="+url.QueryEscape(slug), 0, nil, &out)
	return out.Items, err
}
func (r *remote) entry(ctx context.Context, site, id string) (*centre.Entry, error) {
	var e centre.Entry
	return &e, r.call(ctx, "GET", entryPath(site, id), 0, nil, &e)
}
func (r *remote) createEntry(ctx context.Context, site string, in centre.EntryInput) (*centre.Entry, error) {
	var e centre.Entry
	return &e, r.call(ctx, "POST", entriesPath(site), 0, in, &e)
}
func (r *remote) updateEntry(ctx context.Context, site, id string, patch centre.EntryPatch, version int64) (*centre.Entry, error) {
	body, err := setFields(patch)
	if err != nil {
		return nil, err
	}
	var e centre.Entry
	return &e, r.call(ctx, "PATCH", entryPath(site, id), version, body, &e)
}
func (r *remote) publishEntry(ctx context.Context, site, id string, version int64, note string) (*centre.Entry, error) {
	var in any
	if note != "" {
		in = map[string]string{"change_note": note}
	}
	var e centre.Entry
	return &e, r.call(ctx, "POST", entryPath(site, id)+"/publish", version, in, &e)
}
func (r *remote) withdrawEntry(ctx context.Context, site, id string, version int64, reason, supersededBy string) (*centre.Entry, error) {
	in := map[string]string{"reason": reason}
	if supersededBy != "" {
		in["superseded_by"] = supersededBy
	}
	var e centre.Entry
	return &e, r.call(ctx, "POST", entryPath(site, id)+"/withdraw", version, in, &e)
}

// setFields is the JSON object of a patch without its nil fields.
func setFields(patch centre.EntryPatch) (map[string]json.RawMessage, error) {
	b, err := json.Marshal(patch)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, v := range m {
		if string(v) == "null" {
			delete(m, k)
		}
	}
	return m, nil
}

// entryFlags are the flags every entry command takes.
type entryFlags struct {
	tf   targetFlags
	site string
}

func (f *entryFlags) register(fs *flag.FlagSet) {
	f.tf.register(fs)
	fs.StringVar(&f.site, "site", "", "`site` of the entries (required)")
}

// open checks --site and opens the target.
func (f *entryFlags) open(ctx context.Context, cmd string) (entryTarget, func(), error) {
	if f.site == "" {
		return nil, nil, usagef("%s: --site is required", cmd)
	}
	t, err := f.tf.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	et, ok := t.(entryTarget)
	if !ok {
		t.close()
		return nil, nil, fmt.Errorf("entry commands are not available on this target")
	}
	return et, func() { t.close() }, nil
}

// maxListedEntries bounds entry list (and a lookup by slug that lists).
const maxListedEntries = 10_000

func entryListCmd(fs *flag.FlagSet) runFunc {
	var ef entryFlags
	ef.register(fs)
	var q centre.EntryQuery
	fs.StringVar(&q.Status, "status", "", "only entries in this `status`: draft, scheduled, published or withdrawn")
	fs.StringVar(&q.Type, "type", "", "only entries of this `type`: statement, publication, news or page")
	fs.StringVar(&q.Lang, "lang", "", "only entries in this `language`")
	fs.StringVar(&q.Tag, "tag", "", "only entries with this `tag`")
	limit := fs.Int("limit", 50, "list `n` entries at most (newest first; up to 10000)")
	asJSON := fs.Bool("json", false, "print the entries as a JSON array, as the staff API answers them")
	return func(ctx context.Context, _ []string, stdout, stderr io.Writer) error {
		if *limit < 1 || *limit > maxListedEntries {
			return usagef("entry list: --limit must be from 1 to %d", maxListedEntries)
		}
		t, done, err := ef.open(ctx, "entry list")
		if err != nil {
			return err
		}
		defer done()
		q := q
		q.Site = ef.site
		var all []*centre.Entry
		cursor := ""
		var pg centre.Pager
		for len(all) < *limit {
			q.Limit = min(*limit-len(all), centre.MaxPageSize)
			items, next, err := t.entries(ctx, q, cursor)
			if err != nil {
				return explain(err)
			}
			all = append(all, items...)
			if more, err := pg.Next(cursor, next); err != nil {
				return err
			} else if !more {
				break
			}
			cursor = next
		}
		if *asJSON {
			if all == nil {
				all = []*centre.Entry{}
			}
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			enc.SetEscapeHTML(false)
			return enc.Encode(all)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSTATUS\tTYPE\tLANG\tCHANGED\tSLUG\tTITLE")
		for _, e := range all {
			changed := e.LastChange.At
			if changed.IsZero() {
				changed = e.UpdatedAt
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.Status, e.Type, e.Lang,
				changed.UTC().Format("2006-01-02 15:04"), e.Slug, clipText(e.Title, 60))
		}
		return tw.Flush()
	}
}

// clipText shortens s to n characters, with an ellipsis.
func clipText(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// resolveEntry finds the entry that ref names: an entry id, or a slug
// (with lang when the slug has several language versions).
func resolveEntry(ctx context.Context, t entryTarget, site, ref, lang string) (*centre.Entry, error) {
	if centre.ValidID(ref) {
		return t.entry(ctx, site, ref)
	}
	if !centre.ValidSlug(ref) {
		return nil, usagef("%q is neither an entry id nor a slug", ref)
	}
	versions, err := t.entriesBySlug(ctx, site, ref)
	if err != nil {
		return nil, err
	}
	var langs []string
	for _, e := range versions {
		if lang == "" || strings.EqualFold(e.Lang, lang) {
			langs = append(langs, e.Lang)
		}
	}
	switch {
	case len(langs) == 0 && lang != "":
		return nil, centre.Errorf(centre.ENOTFOUND, "site %s has no entry %q in language %q", site, ref, lang)
	case len(langs) == 0:
		return nil, centre.Errorf(centre.ENOTFOUND, "site %s has no entry %q", site, ref)
	case len(langs) > 1:
		return nil, usagef("entry %q has versions in %s: say which with --lang", ref, strings.Join(langs, ", "))
	}
	for _, e := range versions {
		if strings.EqualFold(e.Lang, langs[0]) {
			return e, nil
		}
	}
	return nil, centre.Errorf(centre.ENOTFOUND, "site %s has no entry %q", site, ref)
}

const refUsage = "`language` of the entry, when ID is a slug with several language versions"

func entryShowCmd(fs *flag.FlagSet) runFunc {
	var ef entryFlags
	ef.register(fs)
	format := fs.String("format", "md", "`format`: md (Markdown with front matter, as entry push reads it) or json")
	lang := fs.String("lang", "", refUsage)
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		if *format != "md" && *format != "json" {
			return usagef("entry show: --format must be md or json")
		}
		t, done, err := ef.open(ctx, "entry show")
		if err != nil {
			return err
		}
		defer done()
		e, err := resolveEntry(ctx, t, ef.site, args[0], *lang)
		if err != nil {
			return explain(err)
		}
		if *format == "json" {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			enc.SetEscapeHTML(false)
			return enc.Encode(e)
		}
		b, err := formatEntryFile(e)
		if err != nil {
			return err
		}
		_, err = stdout.Write(b)
		return err
	}
}

func entryPushCmd(fs *flag.FlagSet) runFunc {
	var ef entryFlags
	ef.register(fs)
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		file, err := readEntryFile(args[0])
		if err != nil {
			return err
		}
		t, done, err := ef.open(ctx, "entry push")
		if err != nil {
			return err
		}
		defer done()
		return push(ctx, t, ef.site, args[0], file, stdout, stderr)
	}
}

// push creates the entry the file describes, or updates the one it names
// (by id, else by slug and language) with the fields that differ, on the
// condition that nobody changed the entry since the file's version (or,
// without one, since push read it). It then writes the id and version
// back into the file.
func push(ctx context.Context, t entryTarget, site, path string, file *entryFile, stdout, stderr io.Writer) error {
	existing, err := pushTarget(ctx, t, site, file)
	if err != nil {
		return explain(err)
	}
	var e *centre.Entry
	if existing == nil {
		if file.Version != nil {
			return fmt.Errorf("%s: the file has version %d but names no entry to update (no id, and no entry with its slug in its language): remove version to create a new entry", filepath.Base(path), *file.Version)
		}
		if file.Change != nil || file.ChangeNote != nil {
			return fmt.Errorf("%s: change and change_note describe a change to a public entry; a new entry has neither (remove them)", filepath.Base(path))
		}
		if e, err = t.createEntry(ctx, site, file.input()); err != nil {
			return explain(err)
		}
		fmt.Fprintf(stdout, "created entry %s %s/%s (%s, version %d)\n", e.ID, e.Lang, e.Slug, e.Status, e.Version)
	} else {
		base := existing.Version
		if file.Version != nil {
			base = *file.Version
		}
		if base != existing.Version {
			return conflict(path, existing, base)
		}
		patch, changed := file.changes(existing)
		if len(changed) == 0 {
			fmt.Fprintf(stdout, "entry %s %s/%s is unchanged (%s, version %d)\n", existing.ID, existing.Lang, existing.Slug, existing.Status, existing.Version)
			e = existing
		} else {
			patch.Change, patch.ChangeNote = file.Change, file.ChangeNote
			e, err = t.updateEntry(ctx, site, existing.ID, patch, base)
			if centre.IsCode(err, centre.EPRECONDITION) {
				if now, gerr := t.entry(ctx, site, existing.ID); gerr == nil {
					return conflict(path, now, base)
				}
				return fmt.Errorf("entry %s changed while pushing %s (it is no longer at version %d): show it again, merge and push", existing.ID, path, base)
			}
			if err != nil {
				return explain(err)
			}
			fmt.Fprintf(stdout, "updated entry %s %s/%s (%s, version %d): %s\n", e.ID, e.Lang, e.Slug, e.Status, e.Version, strings.Join(changed, ", "))
		}
	}
	if file.ID != nil && *file.ID == e.ID && file.Version != nil && *file.Version == e.Version {
		return nil
	}
	if err := file.writeBack(path, e); err != nil {
		return fmt.Errorf("entry %s is at version %d, but writing that back to %s failed: %w", e.ID, e.Version, path, err)
	}
	fmt.Fprintf(stderr, "wrote id %s and version %d to %s\n", e.ID, e.Version, path)
	return nil
}

// conflict explains that the entry changed since the version the file was
// read at: pushing would lose that change.
func conflict(path string, e *centre.Entry, base int64) error {
	last := e.LastChange.Action
	switch {
	case e.LastChange.PersonID != "":
		last += " by person " + e.LastChange.PersonID
	case e.LastChange.KeyID != "":
		last += " by key " + e.LastChange.KeyID
	}
	return fmt.Errorf("entry %s changed since %s was read: the file is at version %d, the entry at version %d (last %s at %s).\n"+
		"Nothing was written. Show the entry again (infocentre entry show --site %s %s), merge your changes into it and push that",
		e.ID, filepath.Base(path), base, e.Version, last, timeText(e.LastChange.At), e.Site, e.ID)
}

// pushTarget returns the entry the file updates: the one with its id, else
// the one with its slug in its language (the site's default language when
// it names none), else nil (a new entry).
func pushTarget(ctx context.Context, t entryTarget, site string, file *entryFile) (*centre.Entry, error) {
	if file.ID != nil && *file.ID != "" {
		if !centre.ValidID(*file.ID) {
			return nil, fmt.Errorf("id %q is not an entry id", *file.ID)
		}
		return t.entry(ctx, site, *file.ID)
	}
	if file.Slug == nil || *file.Slug == "" {
		return nil, nil
	}
	if !centre.ValidSlug(*file.Slug) {
		return nil, nil // the create names the bad slug with every other problem
	}
	lang := ""
	if file.Lang != nil {
		lang = *file.Lang
	}
	if lang == "" {
		s, err := t.staffSite(ctx, site)
		if err != nil {
			return nil, err
		}
		lang = s.DefaultLanguage()
	}
	versions, err := t.entriesBySlug(ctx, site, *file.Slug)
	if err != nil {
		return nil, err
	}
	for _, e := range versions {
		if strings.EqualFold(e.Lang, lang) {
			return e, nil
		}
	}
	return nil, nil
}

func entryPublishCmd(fs *flag.FlagSet) runFunc {
	var ef entryFlags
	ef.register(fs)
	note := fs.String("note", "", "public change `note`, to publish a major update of an entry that is already published")
	lang := fs.String("lang", "", refUsage)
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		t, done, err := ef.open(ctx, "entry publish")
		if err != nil {
			return err
		}
		defer done()
		e, err := resolveEntry(ctx, t, ef.site, args[0], *lang)
		if err != nil {
			return explain(err)
		}
		e, err = t.publishEntry(ctx, ef.site, e.ID, e.Version, *note)
		if err != nil {
			return explainWrite(err)
		}
		switch e.Status {
		case centre.StatusScheduled:
			fmt.Fprintf(stdout, "scheduled entry %s %s/%s for %s (version %d)\n", e.ID, e.Lang, e.Slug, e.PublishAt.UTC().Format(time.RFC3339), e.Version)
		default:
			fmt.Fprintf(stdout, "published entry %s %s/%s (version %d)\n", e.ID, e.Lang, e.Slug, e.Version)
		}
		return nil
	}
}

func entryWithdrawCmd(fs *flag.FlagSet) runFunc {
	var ef entryFlags
	ef.register(fs)
	reason := fs.String("reason", "", "public `reason` shown with the withdrawn entry (required)")
	superseded := fs.String("superseded-by", "", "`slug` of the public entry that replaces it")
	lang := fs.String("lang", "", refUsage)
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		if strings.TrimSpace(*reason) == "" {
			return usagef("entry withdraw: --reason is required (it is shown to the public)")
		}
		t, done, err := ef.open(ctx, "entry withdraw")
		if err != nil {
			return err
		}
		defer done()
		e, err := resolveEntry(ctx, t, ef.site, args[0], *lang)
		if err != nil {
			return explain(err)
		}
		e, err = t.withdrawEntry(ctx, ef.site, e.ID, e.Version, *reason, *superseded)
		if err != nil {
			return explainWrite(err)
		}
		fmt.Fprintf(stdout, "withdrew entry %s %s/%s (version %d)\n", e.ID, e.Lang, e.Slug, e.Version)
		return nil
	}
}

// explainWrite is explain, with a clear word for a change made by someone
// else between reading the entry and writing it.
func explainWrite(err error) error {
	if centre.IsCode(err, centre.EPRECONDITION) {
		return fmt.Errorf("entry changed by someone else while this command ran; nothing was written: run it again")
	}
	return explain(err)
}
