package main

import (
	"strings"
	"testing"

	"infocentre/internal/centre"
)

// A file's lead image and file attachments survive show → push: the
// front matter names the file and the alt text; what comes from the file
// (size, type, pages) may be written back unchanged.
func TestFrontMatterFiles(t *testing.T) {
	e := &centre.Entry{ID: "01kaaaaaaaaaaaaaaaaaaaaaaa", Version: 3, Slug: "plan", Lang: "en",
		Content: centre.Content{Type: "publication", Title: "Plan", Body: "Text.\n",
			Image:       centre.Image{FileID: "01kbbbbbbbbbbbbbbbbbbbbbbb", Alt: "Flooded streets", URL: "/files/x/a.jpg", Width: 1600, Height: 900},
			Attachments: []centre.Attachment{{Title: "Plan", URL: "/files/y/plan.pdf", MediaType: "application/pdf", Size: 2500000, FileID: "01kccccccccccccccccccccccc", Pages: 12}}}}
	b, err := formatEntryFile(e)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"image:\n  file_id: 01kbbbbbbbbbbbbbbbbbbbbbbb\n  alt: Flooded streets\n", "file_id: 01kccccccccccccccccccccccc", "pages: 12"} {
		if !strings.Contains(string(b), want) {
			t.Fatalf("show lacks %q:\n%s", want, b)
		}
	}
	ef, err := parseEntryFile("plan.md", b)
	if err != nil {
		t.Fatal(err)
	}
	if p, names := ef.changes(e); len(names) != 0 {
		t.Fatalf("show → push changes %v: %+v", names, p)
	}
	// Another alt text is a change of the image; null removes it.
	ef, err = parseEntryFile("plan.md", []byte(strings.Replace(string(b), "alt: Flooded streets", "alt: Streets under water", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if p, names := ef.changes(e); len(names) != 1 || names[0] != "image" || p.Image.Alt != "Streets under water" || p.Image.FileID != e.Image.FileID {
		t.Fatalf("alt change: %v %+v", names, p.Image)
	}
	i := strings.Index(string(b), "image:")
	j := strings.Index(string(b)[i:], "alt: Flooded streets\n") + i + len("alt: Flooded streets\n")
	ef, err = parseEntryFile("plan.md", []byte(string(b)[:i]+"image: null\n"+string(b)[j:]))
	if err != nil {
		t.Fatal(err)
	}
	if p, names := ef.changes(e); len(names) != 1 || p.Image == nil || p.Image.FileID != "" {
		t.Fatalf("image: null: %v %+v", names, p.Image)
	}
	// Unknown image keys are named with their line.
	if _, err := parseEntryFile("plan.md", []byte(strings.Replace(string(b), "  alt: Flooded streets", "  width: 10", 1))); err == nil || !strings.Contains(err.Error(), `unknown image key "width"`) {
		t.Fatalf("unknown image key: %v", err)
	}
}
