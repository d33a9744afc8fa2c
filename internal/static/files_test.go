package static

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
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
// filesSite is the fixture site with a PDF and a photo used by a public
// entry ("flood-plan"), and a file no public entry uses.
type filesSite struct {
	svc              *centre.Service
	fs               *filestore.Store
	pdf              []byte
	doc, img, unused *centre.File
}

func withFiles(t *testing.T) *filesSite {
	t.Helper()
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
	return &filesSite{svc: svc, fs: fs, pdf: pdf, doc: doc, img: img, unused: unused}
}

func TestExportFiles(t *testing.T) {
	ctx := context.Background()
	x := withFiles(t)
	svc, fs, pdf, doc, img, unused := x.svc, x.fs, x.pdf, x.doc, x.img, x.unused
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

// memMirror is a Mirror in memory (the edge's S3 bucket is tested on
// moto_server in internal/edge): what Put was given, by name.
type memMirror struct {
	body map[string][]byte
	meta map[string]Meta
}

func (m *memMirror) List(_ context.Context, prefix string) (map[string]string, error) {
	out := map[string]string{}
	for n, b := range m.body {
		if strings.HasPrefix(n, prefix) {
			sum := md5.Sum(b)
			out[n] = hex.EncodeToString(sum[:])
		}
	}
	return out, nil
}

func (m *memMirror) Put(_ context.Context, name string, body []byte, meta Meta) error {
	m.body[name], m.meta[name] = body, meta
	return nil
}

func (m *memMirror) Delete(_ context.Context, names []string) error {
	for _, n := range names {
		delete(m.body, n)
		delete(m.meta, n)
	}
	return nil
}

// TestMirrorKeepsFileHeaders: a mirror keeps, with each hosted file, the
// media type, caching and disposition (original name) the public function
// sends, so that a CDN serving the copy straight from the bucket answers
// as the function would; a file no public entry uses is not copied.
func TestMirrorKeepsFileHeaders(t *testing.T) {
	x := withFiles(t)
	m := &memMirror{body: map[string][]byte{}, meta: map[string]Meta{}}
	if _, err := (Options{Now: time.Now(), Prefix: "/sites/" + fixture.Site}).Sync(context.Background(), x.svc, fixture.Site, m); err != nil {
		t.Fatal(err)
	}
	base := "sites/" + fixture.Site + "/files/"
	for name, want := range map[string]Meta{
		base + x.doc.SHA256 + "/flood plan.pdf": {ContentType: "application/pdf", ContentDisposition: `inline; filename="flood plan.pdf"`},
		base + x.img.SHA256 + "/960w/river.jpg": {ContentType: "image/jpeg", ContentDisposition: "inline; filename=river.jpg"},
	} {
		got, ok := m.meta[name]
		if !ok {
			t.Errorf("the mirror lacks %s", name)
			continue
		}
		if got.ContentType != want.ContentType || got.ContentDisposition != want.ContentDisposition ||
			!strings.Contains(got.CacheControl, "immutable") {
			t.Errorf("%s: kept %+v, want %+v with an immutable Cache-Control", name, got, want)
		}
	}
	if !bytes.Equal(m.body[base+x.doc.SHA256+"/flood plan.pdf"], x.pdf) {
		t.Error("the mirror's PDF differs from the upload")
	}
	for n := range m.body {
		if strings.Contains(n, x.unused.SHA256) {
			t.Errorf("a file no public entry uses was mirrored: %s", n)
		}
	}
}
