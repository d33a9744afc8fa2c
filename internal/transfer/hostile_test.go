package transfer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"infocentre/internal/markdown"
	"infocentre/internal/transfer"
)

func hostileFile(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/hostile.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestImportRendersBodyHTML: the body_html of a file is never stored;
// each revision's HTML is the body rendered and sanitised on import.
func TestImportRendersBodyHTML(t *testing.T) {
	ctx := context.Background()
	dst := newBolt(t)
	if _, err := transfer.Import(ctx, dst, strings.NewReader(hostileFile(t)), transfer.Options{Render: markdown.Render}); err != nil {
		t.Fatal(err)
	}
	for _, slug := range []string{"river-levels", "shelters-open"} {
		es, err := dst.EntriesBySlug(ctx, "flood", slug)
		if err != nil {
			t.Fatal(err)
		}
		e := es[0]
		revs, err := dst.Revisions(ctx, "flood", e.ID, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range append(revs, e) {
			want, _ := markdown.Render(r.Body)
			if r.BodyHTML != want {
				t.Errorf("%s v%d: body_html %q, want the body rendered: %q", slug, r.Version, r.BodyHTML, want)
			}
			for _, bad := range []string{"<script", "onerror", "javascript:", "<iframe", "evil.example"} {
				if strings.Contains(strings.ToLower(r.BodyHTML), bad) {
					t.Errorf("%s v%d: body_html keeps %q: %s", slug, r.Version, bad, r.BodyHTML)
				}
			}
		}
	}
	var out bytes.Buffer
	if _, err := transfer.Export(ctx, dst, nil, "flood", &out, nil); err != nil {
		t.Fatal(err)
	}
	for i, line := range bytes.Split(bytes.TrimSpace(out.Bytes()), []byte("\n")) {
		var rec struct {
			Revision *struct {
				BodyHTML string `json:"body_html"`
			}
		}
		if err := json.Unmarshal(line, &rec); err != nil {
			t.Fatal(err)
		}
		if rec.Revision != nil && (strings.Contains(rec.Revision.BodyHTML, "<script") || strings.Contains(rec.Revision.BodyHTML, "evil.example")) {
			t.Errorf("line %d of the export of the imported site carries the hostile HTML: %s", i+1, rec.Revision.BodyHTML)
		}
	}
}

// TestImportRefusesHostileValues: bad ids, slugs and references in any
// record are refused with the line that holds them, and nothing is written.
func TestImportRefusesHostileValues(t *testing.T) {
	ctx := context.Background()
	file := hostileFile(t)
	long := strings.Repeat("x", 5000)
	const (
		entryID = `"id":"01kb0000000000000000000002"`
		keyRef  = `"created_by":"01kb00000000000000000000k1","version":1,"superseded_by"`
		eventID = `"id":"01kb0000000000000000000a01"`
	)
	cases := []struct {
		name, old, new string
		line           int
		want           string
	}{
		{"empty entry id", entryID, `"id":""`, 5, "entry id"},
		{"path entry id", entryID, `"id":"../../x"`, 5, "entry id"},
		{"long entry id", entryID, `"id":"` + long + `"`, 5, "entry id"},
		{"uppercase entry id", entryID, `"id":"01KB0000000000000000000002"`, 5, "entry id"},
		{"path slug", `"slug":"shelters-open"`, `"slug":"../../etc"`, 5, "slug"},
		{"long slug", `"slug":"shelters-open"`, `"slug":"` + long + `"`, 5, "slug"},
		{"duplicate slug", `"slug":"shelters-open"`, `"slug":"river-levels"`, 6, "also the slug"},
		{"bad superseded_by", `"superseded_by":"river-levels"`, `"superseded_by":"../../x"`, 5, "superseded_by"},
		{"path key ref", keyRef, `"created_by":"../../k","version":1,"superseded_by"`, 5, "created_by"},
		{"long key ref", keyRef, `"created_by":"` + long + `","version":1,"superseded_by"`, 5, "created_by"},
		{"bad approver", keyRef, `"created_by":"01kb00000000000000000000k1","approved_by":"person:../../x","version":1,"superseded_by"`, 5, "approved_by"},
		{"long approval note", keyRef, `"created_by":"01kb00000000000000000000k1","approval_note":"` + long + `","version":1,"superseded_by"`, 5, "approval_note"},
		{"bad role", `"role":"publisher","action":"create"`, `"role":"god","action":"create"`, 5, "last_change.role"},
		{"empty event id", eventID, `"id":""`, 6, "malformed audit record"},
		{"path event id", eventID, `"id":"../../x"`, 6, "id"},
		{"long event id", eventID, `"id":"` + long + `"`, 6, "id"},
		{"long request id", `"request_id":"req-1"`, `"request_id":"` + long + `"`, 6, "request_id"},
		{"control target", `"target":"01kb0000000000000000000001"`, `"target":"a\u001b[2Jb"`, 6, "target"},
		{"bad outcome", `"outcome":200`, `"outcome":-1`, 6, "outcome"},
		{"zero version", `"version":1,"superseded_by"`, `"version":0,"superseded_by"`, 5, "starts at revision 0"},
		{"site slug", `"slug":"flood"`, `"slug":"../../flood"`, 2, "invalid site"},
	}
	// Entries written by signed-in people name them as person:<id>.
	byPerson := strings.Replace(file, keyRef, `"created_by":"person:01kb0000000000000000000p01","edited_by":"person:01kb0000000000000000000p01",`+
		`"approved_by":"01kb00000000000000000000k1","version":1,"superseded_by"`, 1)
	if _, err := transfer.Import(ctx, newBolt(t), strings.NewReader(byPerson), transfer.Options{Render: markdown.Render}); err != nil {
		t.Fatalf("an entry written by a person does not import: %v", err)
	}
	dst := newBolt(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(file, c.old) {
				t.Fatalf("the file has no %s", c.old)
			}
			bad := strings.Replace(file, c.old, c.new, 1)
			if c.name == "site slug" {
				// every record names the site: change them all
				bad = strings.ReplaceAll(strings.Replace(file, c.old, c.new, 1), `"site":"flood"`, `"site":"../../flood"`)
			}
			_, err := transfer.Import(ctx, dst, strings.NewReader(bad), transfer.Options{Render: markdown.Render})
			var le *transfer.LineError
			if !errors.As(err, &le) || le.Line != c.line || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want line %d naming %q", err, c.line, c.want)
			}
			if len(err.Error()) > 1000 {
				t.Errorf("the error repeats the hostile value: %d bytes", len(err.Error()))
			}
		})
	}
	if sites, _ := dst.ListSites(ctx); len(sites) != 0 {
		t.Fatalf("hostile files wrote %d sites", len(sites))
	}
}
