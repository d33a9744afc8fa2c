package centre_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"infocentre/internal/boltstore"
	"infocentre/internal/centre"
	"infocentre/internal/filestore"
	"infocentre/internal/markdown"
	"infocentre/internal/storetest"
	"infocentre/internal/transfer"
)

// These tests follow Content by reflection: a field added to it is filled,
// patched, restored, copied, diffed and exported here without changes to
// the tests, and a path that forgets the field fails.

// contentFile returns the file record that filledContent(seed) uses as
// attachment i, or (i < 0) as the lead image: the same record for the
// same arguments.
func contentFile(seed, i int) *centre.File {
	n := seed*100 + i + 2
	id := fmt.Sprintf("01k%023d", n)
	body := contentBytes(n)
	sum := sha256.Sum256(body)
	f := &centre.File{ID: id, Name: fmt.Sprintf("f%d.pdf", n), MediaType: "application/pdf", Kind: centre.KindDocument,
		Size: int64(len(body)), SHA256: hex.EncodeToString(sum[:]), Pages: n%7 + 1, CreatedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	if i < 0 {
		f.Name, f.MediaType, f.Kind, f.Pages = fmt.Sprintf("f%d.jpg", n), "image/jpeg", centre.KindImage, 0
		f.Width, f.Height = 2000+n, 1000+n
		f.Variants = []centre.Variant{{Width: 480, Height: 240, MediaType: "image/jpeg", Size: 10}, {Width: 960, Height: 480, MediaType: "image/jpeg", Size: 20}}
	}
	return f
}

// contentBytes are the bytes of the file contentFile makes from n.
func contentBytes(n int) []byte { return []byte(fmt.Sprintf("the bytes of file %d", n)) }

// filledContent returns a valid Content with every field set from seed.
// Fields that need a special form (a known type, attachment URLs, the
// files referenced, see contentFile) are set by hand; a new field of such
// a kind needs a line here.
func filledContent(t *testing.T, seed int, typ string) centre.Content {
	t.Helper()
	var c centre.Content
	storetest.Fill(t, &c, seed)
	c.Type = typ
	for i := range c.Attachments {
		a := &c.Attachments[i]
		f := contentFile(seed, i)
		a.FileID, a.URL, a.MediaType, a.Size, a.Pages, a.Lang = f.ID, f.Path(0), f.MediaType, f.Size, f.Pages, "en"
	}
	im := contentFile(seed, -1)
	c.Image = centre.Image{FileID: im.ID, Alt: c.Image.Alt, URL: im.Path(0), MediaType: im.MediaType,
		Width: im.Width, Height: im.Height, Widths: []int{480, 960}}
	if z := storetest.ZeroFields(&c); len(z) > 0 {
		t.Fatalf("fixture: content fields %v left zero", z)
	}
	return c
}

// otherContent returns content that differs from filledContent(seed 0) in
// every field, booleans included.
func otherContent(t *testing.T, typ string) centre.Content {
	t.Helper()
	c := filledContent(t, 1000, typ)
	v := reflect.ValueOf(&c).Elem()
	for i := range v.NumField() {
		if v.Field(i).Kind() == reflect.Bool {
			v.Field(i).SetBool(false)
		}
	}
	return c
}

// jsonName returns the JSON name of a struct field.
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name
}

// contentNames lists the JSON names of the fields of Content.
func contentNames() []string {
	var out []string
	for _, f := range reflect.VisibleFields(reflect.TypeFor[centre.Content]()) {
		out = append(out, jsonName(f))
	}
	return out
}

// sameContent fails unless got and want are equal field by field.
func sameContent(t *testing.T, what string, got, want centre.Content) {
	t.Helper()
	g, w := reflect.ValueOf(got), reflect.ValueOf(want)
	var bad []string
	for i := range g.NumField() {
		if !reflect.DeepEqual(g.Field(i).Interface(), w.Field(i).Interface()) {
			bad = append(bad, g.Type().Field(i).Name)
		}
	}
	if len(bad) > 0 {
		t.Errorf("%s: content fields %v differ\n got %+v\nwant %+v", what, bad, got, want)
	}
}

func TestContentPatchMirrorsContent(t *testing.T) {
	ct, pt := reflect.TypeFor[centre.Content](), reflect.TypeFor[centre.ContentPatch]()
	if ct.NumField() != pt.NumField() {
		t.Errorf("Content has %d fields, ContentPatch %d", ct.NumField(), pt.NumField())
	}
	for i := range ct.NumField() {
		cf := ct.Field(i)
		pf, ok := pt.FieldByName(cf.Name)
		switch {
		case !ok:
			t.Errorf("ContentPatch has no field %s", cf.Name)
		case pf.Type != reflect.PointerTo(cf.Type):
			t.Errorf("ContentPatch.%s is %s, want *%s", cf.Name, pf.Type, cf.Type)
		case pf.Tag.Get("json") != jsonName(cf):
			t.Errorf("ContentPatch.%s has json tag %q, want %q", cf.Name, pf.Tag.Get("json"), jsonName(cf))
		}
	}
}

func TestContentPatchApply(t *testing.T) {
	a, b := filledContent(t, 0, centre.TypeStatement), otherContent(t, centre.TypeNews)

	all := b.AsPatch()
	pv := reflect.ValueOf(all)
	for i := range pv.NumField() {
		f := pv.Field(i)
		if f.IsNil() {
			t.Errorf("AsPatch leaves %s nil", pv.Type().Field(i).Name)
		} else if !reflect.DeepEqual(f.Elem().Interface(), reflect.ValueOf(b).Field(i).Interface()) {
			t.Errorf("AsPatch sets %s to %v, want %v", pv.Type().Field(i).Name, f.Elem(), reflect.ValueOf(b).Field(i))
		}
	}
	got := a
	all.Apply(&got)
	sameContent(t, "Apply(AsPatch) of other content", got, b)

	got = a
	(&centre.ContentPatch{}).Apply(&got)
	sameContent(t, "Apply of an empty patch", got, a)

	// One field at a time: each patch field changes its own field only.
	for i := range pv.NumField() {
		one := centre.ContentPatch{}
		reflect.ValueOf(&one).Elem().Field(i).Set(pv.Field(i))
		got, want := a, a
		reflect.ValueOf(&want).Elem().Field(i).Set(reflect.ValueOf(b).Field(i))
		one.Apply(&got)
		sameContent(t, "Apply of a patch of "+pv.Type().Field(i).Name, got, want)
	}
}

func TestDiffEntriesCoversContent(t *testing.T) {
	a := &centre.Entry{Content: filledContent(t, 0, centre.TypeStatement)}
	b := &centre.Entry{Content: otherContent(t, centre.TypeNews)}
	var got []string
	for _, d := range centre.DiffEntries(a, b) {
		got = append(got, d.Field)
	}
	if want := contentNames(); !slices.Equal(got, want) {
		t.Errorf("DiffEntries of entries that differ in every content field: %v, want %v", got, want)
	}
}

// TestContentPaths runs every path that writes an entry's content against
// a real store: create, update, restore, launch from a template, the
// revision summaries, and export → import.
func TestContentPaths(t *testing.T) {
	ctx := t.Context()
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "content.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	clock := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	svc := &centre.Service{Store: store, Now: func() time.Time { clock = clock.Add(time.Second); return clock }}
	owner := centre.Principal{KeyID: "k-owner", Site: centre.AllSites, Role: centre.RoleOwner}
	site := centre.SiteInput{Slug: "paths", Title: "Paths", Publisher: "P", Languages: []string{"en"},
		Contact: centre.Contact{Email: "press@example.org"}}
	if _, err := svc.CreateSite(ctx, owner, site); err != nil {
		t.Fatal(err)
	}
	a, b := filledContent(t, 0, centre.TypePage), otherContent(t, centre.TypeStatement)
	// The files the content references, record and bytes (a launched
	// site gets copies).
	files, err := filestore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	svc.Files = files
	for _, seed := range []int{0, 1000} {
		for i := -1; i < len(a.Attachments); i++ {
			f := contentFile(seed, i)
			f.Site = "paths"
			if err := store.CreateFile(ctx, f, 0); err != nil {
				t.Fatal(err)
			}
			body := contentBytes(seed*100 + i + 2)
			if err := files.Put(ctx, centre.FileKey("paths", f.SHA256, 0), bytes.NewReader(body), int64(len(body)), f.MediaType); err != nil {
				t.Fatal(err)
			}
			for _, v := range f.Variants {
				if err := files.Put(ctx, centre.FileKey("paths", f.SHA256, v.Width), strings.NewReader(strings.Repeat("v", int(v.Size))), v.Size, v.MediaType); err != nil {
					t.Fatal(err)
				}
			}
		}
	}

	e, err := svc.CreateEntry(ctx, owner, "paths", centre.EntryInput{Content: a, Slug: "about", Lang: "en"})
	if err != nil {
		t.Fatalf("CreateEntry: %v", err)
	}
	sameContent(t, "CreateEntry", e.Content, a)
	got, err := svc.Entry(ctx, owner, "paths", e.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameContent(t, "Entry after CreateEntry", got.Content, a)

	e, err = svc.UpdateEntry(ctx, owner, "paths", e.ID, centre.EntryPatch{ContentPatch: b.AsPatch()}, e.Version)
	if err != nil {
		t.Fatalf("UpdateEntry: %v", err)
	}
	sameContent(t, "UpdateEntry", e.Content, b)

	revs, err := svc.Revisions(ctx, owner, "paths", e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(revs) != 2 || !slices.Equal(revs[1].Fields, contentNames()) {
		t.Errorf("revisions %+v: want the update to change %v", revs, contentNames())
	}

	e, err = svc.Restore(ctx, owner, "paths", e.ID, 1, e.Version, "", "")
	if err != nil {
		t.Fatalf("Restore: %v", err)
	}
	sameContent(t, "Restore of revision 1", e.Content, a)
	got, err = svc.Entry(ctx, owner, "paths", e.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameContent(t, "Entry after Restore", got.Content, a)

	launched, err := svc.LaunchSite(ctx, owner, centre.SiteInput{Slug: "launched", Title: "Launched", From: "paths",
		Publisher: "Launcher", Contact: centre.Contact{Email: "launch@example.org"}})
	if err != nil {
		t.Fatalf("LaunchSite: %v", err)
	}
	copied := onlyEntry(t, store, launched.Site.Slug)
	sameContent(t, "LaunchSite from a template", copied.Content, a)

	var buf bytes.Buffer
	if _, err := transfer.Export(ctx, store, files, "paths", &buf, nil); err != nil {
		t.Fatalf("export: %v", err)
	}
	if _, err := transfer.Import(ctx, store, &buf, transfer.Options{Render: markdown.Render, As: "imported", Files: files}); err != nil {
		t.Fatalf("import: %v", err)
	}
	sameContent(t, "export → import", onlyEntry(t, store, "imported").Content, a)
}

// onlyEntry returns the one entry of site, body included.
func onlyEntry(t *testing.T, store centre.Store, site string) *centre.Entry {
	t.Helper()
	page, err := store.ListEntries(t.Context(), centre.EntryQuery{Site: site, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 {
		t.Fatalf("site %s has %d entries, want 1", site, len(page.Items))
	}
	e, err := store.GetEntry(t.Context(), site, page.Items[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	return e
}
