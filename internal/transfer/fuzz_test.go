package transfer

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"infocentre/internal/centre"
	"infocentre/internal/markdown"
)

// FuzzRead feeds the NDJSON import reader arbitrary files. It must never
// panic; a refused file gives a *LineError with a line inside the file;
// an accepted file holds only valid ids and HTML rendered from the body.
// The seed corpus is under testdata/fuzz/FuzzRead.
func FuzzRead(f *testing.F) {
	if b, err := os.ReadFile("testdata/hostile.ndjson"); err == nil {
		f.Add(b, "")
		f.Add(b, "copy")
	}
	f.Fuzz(func(t *testing.T, file []byte, as string) {
		if as != "" && !centre.ValidSlug(as) {
			as = ""
		}
		p, err := read(bytes.NewReader(file), as, markdown.Render)
		lines := bytes.Count(file, []byte("\n")) + 1
		if err != nil {
			var le *LineError
			if !errors.As(err, &le) {
				t.Fatalf("%T is not a *LineError: %v", err, err)
			}
			if le.Line < 1 || le.Line > lines+1 {
				t.Fatalf("line %d of a file of %d lines: %v", le.Line, lines, err)
			}
			return
		}
		if p.site == nil || p.site.Validate() != nil {
			t.Fatalf("accepted an invalid site: %+v", p.site)
		}
		revs := 0
		for _, entry := range p.entries {
			for _, e := range entry {
				revs++
				if !centre.ValidID(e.ID) || e.Site != p.site.Slug {
					t.Fatalf("accepted entry id %q of site %q", e.ID, e.Site)
				}
				if want, _ := markdown.Render(e.Body); e.BodyHTML != want {
					t.Fatalf("body_html %q is not the rendered body %q", e.BodyHTML, want)
				}
			}
		}
		for _, ev := range p.events {
			if !centre.ValidID(ev.ID) || ev.Site != p.site.Slug {
				t.Fatalf("accepted audit event %q of site %q", ev.ID, ev.Site)
			}
		}
		if p.counts.Entries != len(p.entries) || p.counts.Revisions != revs || p.counts.Audit != len(p.events) {
			t.Fatalf("counts %+v for %d entries, %d revisions, %d events", p.counts, len(p.entries), revs, len(p.events))
		}
	})
}
