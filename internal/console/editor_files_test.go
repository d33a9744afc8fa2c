package console

import (
	"reflect"
	"testing"
	"time"

	"infocentre/internal/centre"
)

// A save from the editor keeps an entry's files: the lead image (its file
// and text alternative; the rest the Service fills in from the file) and
// file attachments (by file ID, the URL, type and size left to the
// Service), and typed links as they are.
func TestEditorKeepsFiles(t *testing.T) {
	cur := &centre.Entry{Slug: "notice", Lang: "en", Version: 3, Content: centre.Content{Type: centre.TypeStatement, Title: "Notice",
		Image: centre.Image{FileID: "01jfile0000000000000000000", Alt: "The flooded square", URL: "/files/abc/square.jpg", Width: 1600},
		Attachments: []centre.Attachment{
			{Title: "Plan", FileID: "01jfile0000000000000000001", URL: "/files/def/plan.pdf", MediaType: "application/pdf", Size: 2048, Pages: 4},
			{Title: "Map", URL: "https://example.org/map.pdf", MediaType: "application/pdf", Size: 100, Lang: "fr"},
		}}}
	f := formOf(cur, time.UTC)
	patch, err := f.patch(cur, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if im := *patch.Image; !reflect.DeepEqual(im, centre.Image{FileID: "01jfile0000000000000000000", Alt: "The flooded square"}) {
		t.Errorf("image patch: %+v", im)
	}
	got := *patch.Attachments
	if len(got) != 2 || got[0] != (centre.Attachment{Title: "Plan", FileID: "01jfile0000000000000000001"}) ||
		got[1] != (centre.Attachment{Title: "Map", URL: "https://example.org/map.pdf", MediaType: "application/pdf", Size: 100, Lang: "fr"}) {
		t.Errorf("attachments patch: %+v", got)
	}
	// Emptying both image fields removes the image.
	f.ImageFileID, f.ImageAlt = "", ""
	if patch, _ = f.patch(cur, time.UTC); !reflect.DeepEqual(*patch.Image, centre.Image{}) {
		t.Errorf("removing the image: %+v", *patch.Image)
	}
}

// A file chosen earlier that is no longer among the newest files the
// pickers offer stays offered, selected, so that saving keeps it; the
// image picker offers images only.
func TestFileOptionsKeepTheChosenFile(t *testing.T) {
	v := editorView{Files: []*centre.File{
		{ID: "01jimage000000000000000000", Name: "a.png", Kind: centre.KindImage, Width: 4, Height: 3, Size: 2048},
		{ID: "01jdoc00000000000000000000", Name: "b.pdf", Kind: centre.KindDocument, Pages: 12, Size: 2 << 20},
	}}
	got := v.FileOptions("01jold00000000000000000000")
	if len(got) != 3 || got[0].ID != "01jold00000000000000000000" || !got[0].Selected || got[1].Selected ||
		got[1].Label != "a.png — 4×3 image, 2.0 KiB" || got[2].Label != "b.pdf — 12 pages, 2.0 MiB" {
		t.Fatalf("FileOptions: %+v", got)
	}
	if got := v.ImageOptions("01jimage000000000000000000"); len(got) != 1 || !got[0].Selected {
		t.Fatalf("ImageOptions: %+v", got)
	}
	if got := v.FileOptions(""); len(got) != 2 || got[0].Selected || got[1].Selected {
		t.Fatalf("FileOptions with nothing chosen: %+v", got)
	}
}
