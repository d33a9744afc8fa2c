package centre

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// RevisionSummary describes one revision without its content.
type RevisionSummary struct {
	Version int64    `json:"version"`
	Change  Change   `json:"change"`
	Status  string   `json:"status"`
	Fields  []string `json:"fields"` // the fields this revision changed
}

// Revisions lists the revisions of an entry to a viewer, oldest first,
// with the fields each one changed. Returns ENOTFOUND, EFORBIDDEN.
func (s *Service) Revisions(ctx context.Context, p Principal, site, id string) ([]RevisionSummary, error) {
	if err := require(p, site, RoleViewer); err != nil {
		return nil, err
	}
	var out []RevisionSummary
	var prev *Entry
	after := int64(0)
	for range MaxListPages {
		revs, err := s.Store.Revisions(ctx, site, id, after, MaxPageSize)
		if IsCode(err, ENOTFOUND) {
			return nil, Errorf(ENOTFOUND, "no entry %q in site %q", id, site)
		} else if err != nil {
			return nil, err
		}
		for _, r := range revs {
			if r.Version <= after {
				return nil, fmt.Errorf("revisions of entry %s: version %d after version %d", id, r.Version, after)
			}
			sum := RevisionSummary{Version: r.Version, Change: r.LastChange, Status: r.Status, Fields: []string{}}
			for _, d := range DiffEntries(prev, r) {
				sum.Fields = append(sum.Fields, d.Field)
			}
			out = append(out, sum)
			prev = r
			after = r.Version
		}
		if len(revs) < MaxPageSize {
			return out, nil
		}
	}
	return nil, fmt.Errorf("revisions of entry %s: more than %d pages", id, MaxListPages)
}

// Revision returns one revision of an entry to a viewer.
func (s *Service) Revision(ctx context.Context, p Principal, site, id string, version int64) (*Entry, error) {
	if err := require(p, site, RoleViewer); err != nil {
		return nil, err
	}
	r, err := s.Store.Revision(ctx, site, id, version)
	if IsCode(err, ENOTFOUND) {
		return nil, Errorf(ENOTFOUND, "entry %q has no revision %d", id, version)
	}
	return r, err
}

// FieldDiff is the change of one field between two revisions.
type FieldDiff struct {
	Field string          `json:"field"`
	From  json.RawMessage `json:"from"`
	To    json.RawMessage `json:"to"`
}

// bookkeeping reports the fields that change with every revision and are
// left out of diffs.
func bookkeeping(field string) bool {
	switch field {
	case "version", "last_change", "updated_at", "body_html":
		return true
	}
	return false
}

// DiffEntries compares two versions of an entry field by field (by their
// JSON names), leaving out bookkeeping fields. A nil from compares with an
// empty entry.
func DiffEntries(from, to *Entry) []FieldDiff {
	if from == nil {
		from = &Entry{}
	}
	var out []FieldDiff
	a, b := reflect.ValueOf(*from), reflect.ValueOf(*to)
	for _, f := range reflect.VisibleFields(a.Type()) {
		if f.Anonymous || !f.IsExported() {
			continue // an embedded struct (Content) counts by its own fields, which VisibleFields lists
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || bookkeeping(name) {
			continue
		}
		x, _ := json.Marshal(a.FieldByIndex(f.Index).Interface())
		y, _ := json.Marshal(b.FieldByIndex(f.Index).Interface())
		if string(x) != string(y) {
			out = append(out, FieldDiff{Field: name, From: x, To: y})
		}
	}
	return out
}

// Diff returns the field-by-field changes from revision from to revision
// to of an entry. Returns ENOTFOUND, EFORBIDDEN.
func (s *Service) Diff(ctx context.Context, p Principal, site, id string, from, to int64) ([]FieldDiff, error) {
	a, err := s.Revision(ctx, p, site, id, from)
	if err != nil {
		return nil, err
	}
	b, err := s.Revision(ctx, p, site, id, to)
	if err != nil {
		return nil, err
	}
	d := DiffEntries(a, b)
	if d == nil {
		d = []FieldDiff{}
	}
	return d, nil
}

// Restore makes the content of an earlier revision current again, as a new
// revision. The status and dates stay as they are; restoring into a public
// entry is a change like any other and needs kind (and a note when major).
// Returns EINVALID, ENOTFOUND, EPRECONDITION, ECONFLICT, EFORBIDDEN.
func (s *Service) Restore(ctx context.Context, p Principal, site, id string, revision, version int64, kind, note string) (*Entry, error) {
	old, err := s.Revision(ctx, p, site, id, revision)
	if err != nil {
		return nil, err
	}
	patch := EntryPatch{ContentPatch: old.Content.AsPatch()}
	if kind != "" {
		patch.Change = &kind
	}
	if note != "" {
		patch.ChangeNote = &note
	}
	return s.updateEntry(ctx, p, site, id, patch, version, "restore")
}
