package transfer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"infocentre/internal/centre"
)

// MaxLine is the longest line an export file may hold: an entry revision
// with the largest body, rendered HTML and metadata fits well inside it.
const MaxLine = 4 << 20

// read parses and validates a whole export file; nothing is written. A
// malformed, truncated, inconsistent or hostile file gives a *LineError.
func read(r io.Reader, as string, render func(string) (string, error)) (*parsed, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), MaxLine)
	rd := &reader{as: as, render: render, p: &parsed{}, seen: map[string]bool{}, events: map[string]bool{}, slugs: map[string]string{},
		fileIDs: map[string]bool{}, fileSHAs: map[string]bool{}}
	p, err := rd.all(sc)
	if err != nil {
		for _, pb := range rd.pending {
			if pb.out != nil {
				pb.out.Close()
			}
		}
		rd.p.cleanup()
	}
	return p, err
}

func (rd *reader) all(sc *bufio.Scanner) (*parsed, error) {
	for sc.Scan() {
		rd.line++
		if err := rd.next(bytes.TrimSpace(sc.Bytes())); err != nil {
			return nil, err
		}
	}
	if err := sc.Err(); err != nil {
		return nil, &LineError{Line: rd.line + 1, Err: err}
	}
	if rd.line == 0 {
		return nil, &LineError{Line: 1, Err: errors.New("the file is empty")}
	}
	if !rd.ended {
		return nil, &LineError{Line: rd.line, Err: errors.New("the file is truncated: it ends without the end record")}
	}
	return rd.p, nil
}

// reader holds the state of read between lines.
type reader struct {
	render func(string) (string, error) // Options.Render
	as     string
	p      *parsed
	line   int
	cur    []*centre.Entry   // revisions of the entry being read
	seen   map[string]bool   // entry IDs met so far
	events map[string]bool   // audit event IDs met so far
	slugs  map[string]string // "lang/slug" of each finished entry's last revision → entry ID
	ended  bool

	fileIDs, fileSHAs map[string]bool // files met so far
	pending           []*pendingBlob  // blobs still to come, in order
	bytes             int64           // bytes of blobs read
}

func (rd *reader) bad(format string, args ...any) error {
	return &LineError{Line: rd.line, Err: fmt.Errorf(format, args...)}
}

// next reads one line.
func (rd *reader) next(raw []byte) error {
	if rd.ended {
		return rd.bad("data after the end record")
	}
	if rd.line == 1 {
		return rd.header(raw)
	}
	var rec record
	if err := strictUnmarshal(raw, &rec); err != nil {
		return rd.bad("malformed record: %v", err)
	}
	switch rec.Type {
	case "site":
		return rd.site(rec.Site)
	case "file":
		return rd.file(rec.File)
	case "blob":
		return rd.blob(rec.Blob)
	case "revision":
		return rd.revision(rec.Revision)
	case "audit":
		return rd.audit(rec.Event)
	case "end":
		return rd.end(rec.Counts)
	}
	return rd.bad("unknown record type %q", truncate(rec.Type))
}

func (rd *reader) header(raw []byte) error {
	var h header
	if err := strictUnmarshal(raw, &h); err != nil || h.Format != Format {
		return rd.bad("not an infocentre export (the first line must be the %s header)", Format)
	}
	if h.Version != Version && h.Version != 1 {
		return rd.bad("export format version %d is not supported (this build reads versions 1 and %d)", h.Version, Version)
	}
	return nil
}

func (rd *reader) site(sr *siteRecord) error {
	if rd.p.site != nil || sr == nil || rd.line != 2 {
		return rd.bad("the site record must come once, right after the header")
	}
	s := sr.Site
	if rd.as != "" {
		s.Slug, s.Hosts = rd.as, nil
	}
	if err := s.Validate(); err != nil {
		return rd.bad("invalid site: %v", err)
	}
	rd.p.site = &s
	return nil
}

func (rd *reader) revision(e *centre.Entry) error {
	if rd.p.site == nil || e == nil {
		return rd.bad("a revision before the site record")
	}
	if len(rd.p.events) > 0 {
		return rd.bad("revisions must come before audit events")
	}
	if !centre.ValidID(e.ID) {
		return rd.bad("entry id %q is not an infocentre id (26 lowercase letters and digits)", truncate(e.ID))
	}
	if rd.as != "" {
		e.Site = rd.as
	}
	if e.Site != rd.p.site.Slug {
		return rd.bad("revision of entry %s belongs to site %q, not %q", e.ID, truncate(e.Site), rd.p.site.Slug)
	}
	if len(rd.cur) > 0 && rd.cur[0].ID == e.ID {
		if last := rd.cur[len(rd.cur)-1].Version; e.Version != last+1 {
			return rd.bad("entry %s: revision %d follows revision %d", e.ID, e.Version, last)
		}
	} else {
		if err := rd.finishEntry(); err != nil {
			return err
		}
		if rd.seen[e.ID] {
			return rd.bad("entry %s appears twice", e.ID)
		}
		rd.seen[e.ID] = true
		if e.Version != 1 {
			return rd.bad("entry %s starts at revision %d, not 1", e.ID, e.Version)
		}
	}
	if err := cleanEntry(e, rd.p.site, rd.render); err != nil {
		return rd.bad("invalid entry %s revision %d: %v", e.ID, e.Version, err)
	}
	if err := rd.checkRefs(e); err != nil {
		return err
	}
	rd.cur = append(rd.cur, e)
	return nil
}

// finishEntry closes the entry being read: its last revision must not
// take a language and slug another entry of the file holds.
func (rd *reader) finishEntry() error {
	if len(rd.cur) == 0 {
		return nil
	}
	last := rd.cur[len(rd.cur)-1]
	key := last.Lang + "/" + last.Slug
	if other, ok := rd.slugs[key]; ok {
		return rd.bad("entry %s: slug %q in %s is also the slug of entry %s", last.ID, last.Slug, last.Lang, other)
	}
	rd.slugs[key] = last.ID
	rd.p.entries = append(rd.p.entries, rd.cur)
	rd.cur = nil
	return nil
}

func (rd *reader) audit(ev *centre.AuditEvent) error {
	if rd.p.site == nil || ev == nil || ev.ID == "" {
		return rd.bad("malformed audit record")
	}
	if err := rd.finishEntry(); err != nil {
		return err
	}
	if len(rd.pending) > 0 {
		return rd.bad("the bytes of file %s are incomplete", rd.pending[0].f.rec.ID)
	}
	if rd.as != "" {
		ev.Site = rd.as
	}
	if ev.Site != rd.p.site.Slug {
		return rd.bad("audit event %s belongs to site %q", truncate(ev.ID), truncate(ev.Site))
	}
	if err := checkEvent(ev); err != nil {
		return rd.bad("invalid audit event %s: %v", truncate(ev.ID), err)
	}
	if rd.events[ev.ID] {
		return rd.bad("audit event %s appears twice", ev.ID)
	}
	rd.events[ev.ID] = true
	rd.p.events = append(rd.p.events, ev)
	return nil
}

func (rd *reader) end(c *Counts) error {
	if c == nil {
		return rd.bad("the end record has no counts")
	}
	if rd.p.site == nil {
		return rd.bad("the end record before the site record")
	}
	if err := rd.finishEntry(); err != nil {
		return err
	}
	if len(rd.pending) > 0 {
		return rd.bad("the bytes of file %s are incomplete", rd.pending[0].f.rec.ID)
	}
	got := Counts{Entries: len(rd.p.entries), Audit: len(rd.p.events), Files: len(rd.p.files)}
	for _, revs := range rd.p.entries {
		got.Revisions += len(revs)
	}
	if got != *c {
		return rd.bad("the file says %+v but holds %+v", *c, got)
	}
	rd.p.counts = got
	rd.ended = true
	return nil
}

// cleanEntry checks one revision with the API's rules (Entry.Validate)
// plus the rules for what only the service writes (references to keys,
// the change record, notes), and replaces its body_html by the body
// rendered and sanitised by render: the file's HTML is never trusted.
func cleanEntry(e *centre.Entry, site *centre.Site, render func(string) (string, error)) error {
	var p centre.Problems
	if e.Version < 1 {
		p.Add("version", "must be at least 1")
	}
	if e.CreatedBy != "" && !validActor(e.CreatedBy) {
		p.Add("created_by", "must be a key id or person:<id>")
	}
	checkChange(&p, e.LastChange)
	for i, n := range e.ChangeNotes {
		if len([]rune(n.Note)) > centre.MaxNoteLen || hasControl(n.Note) {
			p.Add(fmt.Sprintf("change_notes[%d].note", i), "must be at most %d characters of text", centre.MaxNoteLen)
		}
	}
	if len([]rune(e.WithdrawnReason)) > centre.MaxReasonLen || hasControl(e.WithdrawnReason) {
		p.Add("withdrawn_reason", "must be at most %d characters of text", centre.MaxReasonLen)
	}
	if len([]rune(e.ReviewNote)) > centre.MaxNoteLen || hasControl(e.ReviewNote) {
		p.Add("review_note", "must be at most %d characters of text", centre.MaxNoteLen)
	}
	for _, f := range []struct{ name, v string }{{"edited_by", e.EditedBy}, {"approved_by", e.ApprovedBy}, {"changes_requested_by", e.ChangesRequestedBy}} {
		if f.v != "" && !validActor(f.v) {
			p.Add(f.name, "must be a key id or person:<id>")
		}
	}
	for _, f := range []struct{ name, v string }{{"approval_note", e.ApprovalNote}, {"changes_note", e.ChangesNote}} {
		if len([]rune(f.v)) > centre.MaxNoteLen || hasControl(f.v) {
			p.Add(f.name, "must be at most %d characters of text", centre.MaxNoteLen)
		}
	}
	if err := p.Err(); err != nil {
		return err
	}
	e.BodyHTML = ""
	if len(e.Body) <= centre.MaxBodyBytes && centre.BodyShapeProblem(e.Body) == "" {
		html, err := render(e.Body)
		if err != nil {
			return err
		}
		e.BodyHTML = html
	}
	return e.Validate(site)
}

func checkChange(p *centre.Problems, c centre.Change) {
	if c.KeyID != "" && !validRef(c.KeyID) {
		p.Add("last_change.key_id", "must be a key id")
	}
	if c.Role != "" && centre.RoleRank(c.Role) == 0 {
		p.Add("last_change.role", "must be a role")
	}
	if c.Action != "" && !validRef(c.Action) {
		p.Add("last_change.action", "must be an action name")
	}
	if c.Kind != "" && c.Kind != centre.ChangeMajor && c.Kind != centre.ChangeMinor {
		p.Add("last_change.kind", "must be %s or %s", centre.ChangeMajor, centre.ChangeMinor)
	}
	if len([]rune(c.Note)) > centre.MaxNoteLen || hasControl(c.Note) {
		p.Add("last_change.note", "must be at most %d characters of text", centre.MaxNoteLen)
	}
	if len([]rune(c.Reason)) > centre.MaxReasonLen || hasControl(c.Reason) {
		p.Add("last_change.reason", "must be at most %d characters of text", centre.MaxReasonLen)
	}
}

// validActor reports whether s names who acted (Principal.Actor): a key id
// or "person:" and a person's id.
func validActor(s string) bool {
	if id, ok := strings.CutPrefix(s, "person:"); ok {
		return centre.ValidID(id)
	}
	return validRef(s)
}

// Limits on the free text of an audit event.
const (
	maxTargetLen    = 200
	maxRequestIDLen = 128
	maxDetailLen    = 1000
)

// checkEvent checks an audit event with the rules the service writes by.
func checkEvent(ev *centre.AuditEvent) error {
	var p centre.Problems
	if !centre.ValidID(ev.ID) {
		p.Add("id", "must be an infocentre id (26 lowercase letters and digits)")
	}
	if ev.At.IsZero() {
		p.Add("at", "is required")
	}
	if ev.KeyID != "" && !validRef(ev.KeyID) {
		p.Add("key_id", "must be a key id")
	}
	if ev.Role != "" && centre.RoleRank(ev.Role) == 0 {
		p.Add("role", "must be a role")
	}
	if !validRef(ev.Action) {
		p.Add("action", "must be an action name such as entry.publish")
	}
	if len(ev.Target) > maxTargetLen || hasControl(ev.Target) {
		p.Add("target", "must be at most %d bytes of text", maxTargetLen)
	}
	if len(ev.RequestID) > maxRequestIDLen || hasControl(ev.RequestID) {
		p.Add("request_id", "must be at most %d bytes of text", maxRequestIDLen)
	}
	if len(ev.Detail) > maxDetailLen || hasControl(ev.Detail) {
		p.Add("detail", "must be at most %d bytes of text", maxDetailLen)
	}
	if ev.Outcome < 100 || ev.Outcome > 599 {
		p.Add("outcome", "must be an HTTP status")
	}
	return p.Err()
}

// validRef reports whether s can name a key or an action: 1-64 lowercase
// letters, digits, '.', '_' and '-', starting with a letter or digit.
// Key IDs are IDs; the service also writes names such as "publisher".
func validRef(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case i > 0 && (c == '.' || c == '_' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// hasControl reports whether s holds a control character other than a
// newline or tab.
func hasControl(s string) bool {
	for _, r := range s {
		if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f {
			return true
		}
	}
	return false
}

// truncate shortens a value from the file for an error message.
func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
