package static

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/filestore"
	"infocentre/internal/media"
	"infocentre/internal/media/mediatest"
	"infocentre/internal/web/fixture"
)

// TestExportFiles: a static copy holds the files that public entries use,
// byte for byte at the paths its pages link to (image copies from srcset
// too, a name with a space included), and not the files no public entry
// uses (they are not public).
func TestExportFiles(t *testing.T) {
	st := seeded(t)
	ctx := context.Background()
	fs, err := filestore.Open(filepath.Join(t.TempDir(), "files"))
	if err != nil {
		t.Fatal(err)
	}
	svc := &centre.Service{Store: st, Files: fs, Inspect: media.Inspector{}}
	op := centre.Principal{KeyID: "k", Site: centre.AllSites, Role: centre.RoleOwner}
	pdf := mediatest.PDF(2, "Plan")
	doc, _, err := svc.UploadFile(ctx, op, fixture.Site, centre.FileInput{Name: "flood plan.pdf"}, bytes.NewReader(pdf))
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := svc.UploadFile(ctx, op, fixture.Site, centre.FileInput{Name: "river.jpg"}, bytes.NewReader(mediatest.JPEGWithGPS(1200, 800, 1)))
	if err != nil {
		t.Fatal(err)
	}
	unused, _, err := svc.UploadFile(ctx, op, fixture.Site, centre.FileInput{Name: "draft.txt"}, strings.NewReader("draft\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateEntry(ctx, op, fixture.Site, centre.EntryInput{Slug: "flood-plan", Lang: "en", Status: centre.StatusPublished,
		Content: centre.Content{Type: centre.TypePublication, Title: "Flood plan",
			Attachments: []centre.Attachment{{Title: "Plan", FileID: doc.ID}},
			Image:       centre.Image{FileID: img.ID, Alt: "The river"}}}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "site")
	res, err := Options{Now: time.Now()}.Export(ctx, svc, fixture.Site, out, func(string, int, int) {})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Broken) > 0 {
		t.Errorf("broken links: %v", res.Broken)
	}
	page := read(t, out, "en/flood-plan/index.html")
	for _, want := range []string{`href="/files/` + doc.SHA256 + `/flood%20plan.pdf"`, `src="/files/` + img.SHA256 + `/960w/river.jpg"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page does not link %s", want)
		}
	}
	stored := func(f *centre.File, w int) []byte {
		obj, err := fs.Open(ctx, centre.FileKey(fixture.Site, f.SHA256, w))
		if err != nil {
			t.Fatal(err)
		}
		defer obj.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(obj.Body)
		return b.Bytes()
	}
	for name, want := range map[string][]byte{
		"files/" + doc.SHA256 + "/flood plan.pdf": pdf,
		"files/" + img.SHA256 + "/river.jpg":      stored(img, 0),
		"files/" + img.SHA256 + "/480w/river.jpg": stored(img, 480),
		"files/" + img.SHA256 + "/960w/river.jpg": stored(img, 960),
	} {
		if got, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(name))); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes, %v; want the %d stored bytes", name, len(got), err, len(want))
		}
	}
	if _, err := os.Stat(filepath.Join(out, "files", unused.SHA256)); !os.IsNotExist(err) {
		t.Errorf("a file no public entry uses was exported: %v", err)
	}
}
