package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
)

// fileAt makes a file record of site whose content hash derives from seed.
func fileAt(site string, at time.Time, seed string) *centre.File {
	sum := sha256.Sum256([]byte(seed))
	return &centre.File{
		ID: centre.NewID(at), Site: site, Name: seed + ".png", MediaType: "image/png", Kind: centre.KindImage,
		Size: 1000, SHA256: hex.EncodeToString(sum[:]), CreatedAt: at.UTC().Truncate(time.Millisecond), CreatedBy: "k1",
		Width: 2000, Height: 1000, Alt: "A chart", Lang: "en",
		Variants: []centre.Variant{{Width: 480, Height: 240, MediaType: "image/png", Size: 100}, {Width: 960, Height: 480, MediaType: "image/png", Size: 200}},
	}
}

func testFiles(t *testing.T, s centre.Store) {
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	f := fileAt("alpha", at, "one")
	f.Pages, f.Title = 12, "Report"
	if err := s.CreateFile(ctx, f, 0); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetFile(ctx, "alpha", f.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, f) {
		t.Fatalf("GetFile:\n got %+v\nwant %+v", got, f)
	}
	byHash, err := s.FileByHash(ctx, "alpha", f.SHA256)
	if err != nil || !reflect.DeepEqual(byHash, f) {
		t.Fatalf("FileByHash: %+v, %v", byHash, err)
	}
	got.Variants[0].Width, got.Name = 1, "changed"
	if again, _ := s.GetFile(ctx, "alpha", f.ID); again.Name != f.Name || again.Variants[0].Width != 480 {
		t.Fatal("a returned file shares memory with the stored one")
	}
	for name, err := range map[string]error{
		"other site":      errOf(s.GetFile(ctx, "beta", f.ID)),
		"other site hash": errOf(s.FileByHash(ctx, "beta", f.SHA256)),
		"unknown id":      errOf(s.GetFile(ctx, "alpha", centre.NewID(at))),
	} {
		if !centre.IsCode(err, centre.ENOTFOUND) {
			t.Errorf("%s: %v, want ENOTFOUND", name, err)
		}
	}
	sameID := fileAt("alpha", at, "two")
	sameID.ID = f.ID
	sameHash := fileAt("alpha", at.Add(time.Second), "one")
	for name, g := range map[string]*centre.File{"same id": sameID, "same content": sameHash} {
		if err := s.CreateFile(ctx, g, 0); !centre.IsCode(err, centre.ECONFLICT) {
			t.Errorf("%s: %v, want ECONFLICT", name, err)
		}
	}
	// The same content in another site is another file.
	if err := s.CreateFile(ctx, fileAt("beta", at, "one"), 0); err != nil {
		t.Fatalf("same content, other site: %v", err)
	}
	use, err := s.FileUsage(ctx, "alpha")
	if err != nil || use != (centre.FileUsage{Files: 1, Bytes: 1300}) {
		t.Fatalf("usage %+v, %v; want 1 file, 1300 bytes", use, err)
	}
	if use, err := s.FileUsage(ctx, "gamma"); err != nil || use != (centre.FileUsage{}) {
		t.Fatalf("usage of a site without files: %+v, %v", use, err)
	}

	if err := s.DeleteFile(ctx, "beta", f.ID); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("delete from another site: %v", err)
	}
	if err := s.DeleteFile(ctx, "alpha", f.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetFile(ctx, "alpha", f.ID); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("deleted file: %v", err)
	}
	if _, err := s.FileByHash(ctx, "alpha", f.SHA256); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("deleted file by hash: %v", err)
	}
	if err := s.DeleteFile(ctx, "alpha", f.ID); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("second delete: %v", err)
	}
	if use, _ := s.FileUsage(ctx, "alpha"); use != (centre.FileUsage{}) {
		t.Fatalf("usage after delete: %+v", use)
	}
	// The content is free again.
	if err := s.CreateFile(ctx, sameHash, 0); err != nil {
		t.Fatalf("same content after delete: %v", err)
	}
}

func errOf(_ *centre.File, err error) error { return err }

// testFileQuota: CreateFile keeps a site's files within the quota, and a
// refused file writes nothing.
func testFileQuota(t *testing.T, s centre.Store) {
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	const quota = 3000 // each file takes 1300
	a, b, c := fileAt("q", at, "a"), fileAt("q", at.Add(time.Second), "b"), fileAt("q", at.Add(2*time.Second), "c")
	for _, f := range []*centre.File{a, b} {
		if err := s.CreateFile(ctx, f, quota); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateFile(ctx, c, quota); !centre.IsCode(err, centre.ETOOLARGE) {
		t.Fatalf("past the quota: %v, want ETOOLARGE", err)
	}
	if _, err := s.GetFile(ctx, "q", c.ID); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("a refused file was stored: %v", err)
	}
	if _, err := s.FileByHash(ctx, "q", c.SHA256); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("a refused file's hash was stored: %v", err)
	}
	if use, _ := s.FileUsage(ctx, "q"); use != (centre.FileUsage{Files: 2, Bytes: 2600}) {
		t.Fatalf("usage after a refused file: %+v", use)
	}
	big := fileAt("q2", at, "big")
	big.Size = 5000
	if err := s.CreateFile(ctx, big, quota); !centre.IsCode(err, centre.ETOOLARGE) {
		t.Fatalf("a file larger than the quota: %v", err)
	}
	if err := s.DeleteFile(ctx, "q", a.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateFile(ctx, c, quota); err != nil {
		t.Fatalf("within the quota after a delete: %v", err)
	}
	// Another site's files do not count.
	if err := s.CreateFile(ctx, fileAt("q3", at, "x"), quota); err != nil {
		t.Fatal(err)
	}
}

// testFileList: ListFiles pages a site's files newest first, without
// skipping or repeating, and refuses a forged cursor.
func testFileList(t *testing.T, s centre.Store) {
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	var want []string
	for i := 0; i < 7; i++ {
		f := fileAt("l", at.Add(time.Duration(i)*time.Second), fmt.Sprint("f", i))
		if err := s.CreateFile(ctx, f, 0); err != nil {
			t.Fatal(err)
		}
		want = append([]string{f.ID}, want...)
	}
	if err := s.CreateFile(ctx, fileAt("other", at, "o"), 0); err != nil {
		t.Fatal(err)
	}
	var got []string
	after := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		page, err := s.ListFiles(ctx, centre.FileQuery{Site: "l", Limit: 3, After: after})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) > 3 {
			t.Fatalf("page of %d items, limit 3", len(page.Items))
		}
		for _, f := range page.Items {
			got = append(got, f.ID)
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("listed\n%v\nwant\n%v", got, want)
	}
	if _, err := s.ListFiles(ctx, centre.FileQuery{Site: "l", After: "not-a-cursor"}); !centre.IsCode(err, centre.EINVALID) {
		t.Fatalf("bad cursor: %v", err)
	}
	if _, err := s.ListFiles(ctx, centre.FileQuery{Site: "l", Limit: -1}); !centre.IsCode(err, centre.EINVALID) {
		t.Fatalf("negative limit: %v", err)
	}
	if page, err := s.ListFiles(ctx, centre.FileQuery{Site: "none"}); err != nil || len(page.Items) != 0 || page.Next != "" {
		t.Fatalf("site without files: %+v, %v", page, err)
	}
}

// RunFiles is the conformance suite of centre.FileStore: every byte
// store (a directory, an S3 bucket) runs it unchanged.
func RunFiles(t *testing.T, newStore func(t *testing.T) centre.FileStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s centre.FileStore)
	}{
		{"PutOpen", testBytesPutOpen},
		{"ShortBody", testBytesShort},
		{"Delete", testBytesDelete},
		{"Context", testBytesContext},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
}

func readObject(t *testing.T, s centre.FileStore, key string) []byte {
	t.Helper()
	obj, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("open %s: %v", key, err)
	}
	defer obj.Body.Close()
	b, err := io.ReadAll(obj.Body)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(b)) != obj.Size {
		t.Fatalf("open %s: size %d, read %d bytes", key, obj.Size, len(b))
	}
	return b
}

func testBytesPutOpen(t *testing.T, s centre.FileStore) {
	ctx := context.Background()
	data := bytes.Repeat([]byte("infocentre\x00\xff"), 10000)
	key := centre.FileKey("alpha", strings.Repeat("ab", 32), 0)
	if err := s.Put(ctx, key, bytes.NewReader(data), int64(len(data)), "application/pdf"); err != nil {
		t.Fatal(err)
	}
	if got := readObject(t, s, key); !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes, not the %d put", len(got), len(data))
	}
	variant := centre.FileKey("alpha", strings.Repeat("ab", 32), 480)
	if _, err := s.Open(ctx, variant); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("open a key never put: %v", err)
	}
	// Put replaces.
	if err := s.Put(ctx, key, strings.NewReader("short"), 5, "text/plain"); err != nil {
		t.Fatal(err)
	}
	if got := readObject(t, s, key); string(got) != "short" {
		t.Fatalf("after replace: %q", got)
	}
	// Keys of another site are apart.
	if _, err := s.Open(ctx, centre.FileKey("beta", strings.Repeat("ab", 32), 0)); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("other site: %v", err)
	}
}

// testBytesShort: a body that ends before its size leaves nothing.
func testBytesShort(t *testing.T, s centre.FileStore) {
	ctx := context.Background()
	key := centre.UploadKey("alpha", centre.NewID(time.Now()))
	if err := s.Put(ctx, key, strings.NewReader("only ten b"), 100, "text/plain"); err == nil {
		t.Fatal("a body shorter than its size was stored")
	}
	if _, err := s.Open(ctx, key); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("after a failed put: %v", err)
	}
	if err := s.Put(ctx, key, strings.NewReader("longer than five"), 5, "text/plain"); err == nil {
		if got := readObject(t, s, key); len(got) != 5 {
			t.Fatalf("a body longer than its size was stored as %d bytes", len(got))
		}
	}
}

func testBytesDelete(t *testing.T, s centre.FileStore) {
	ctx := context.Background()
	key := centre.FileKey("alpha", strings.Repeat("cd", 32), 960)
	if err := s.Put(ctx, key, strings.NewReader("x"), 1, "image/png"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(ctx, key); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("after delete: %v", err)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Fatalf("deleting a missing key: %v", err)
	}
}

func testBytesContext(t *testing.T, s centre.FileStore) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	key := centre.FileKey("alpha", strings.Repeat("ef", 32), 0)
	if err := s.Put(ctx, key, strings.NewReader("x"), 1, "text/plain"); err == nil {
		t.Fatal("put with a cancelled context succeeded")
	}
	if _, err := s.Open(context.Background(), key); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("a cancelled put left %v", err)
	}
	if _, err := s.Open(ctx, key); err == nil {
		t.Fatal("open with a cancelled context succeeded")
	}
}

// testFilePublic: a file record with every field set (by reflection)
// comes back whole from both reads; MarkFilePublic sets PublicSince and
// PublicEntry once (a second call keeps the first); a public file cannot
// be deleted (ECONFLICT, nothing changed).
func testFilePublic(t *testing.T, s centre.Store) {
	ctx := context.Background()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var full centre.File
	Fill(t, &full, 7)
	sum := sha256.Sum256([]byte("full"))
	full.ID, full.Site, full.SHA256, full.Kind = centre.NewID(at), "pub", hex.EncodeToString(sum[:]), centre.KindImage
	if z := ZeroFields(&full); len(z) > 0 {
		t.Fatalf("fixture: file fields %v left zero", z)
	}
	must(t, s.CreateFile(ctx, &full, 0), "CreateFile with every field")
	for name, got := range map[string]func() (*centre.File, error){
		"GetFile":    func() (*centre.File, error) { return s.GetFile(ctx, "pub", full.ID) },
		"FileByHash": func() (*centre.File, error) { return s.FileByHash(ctx, "pub", full.SHA256) },
	} {
		f, err := got()
		if err != nil {
			t.Fatal(err)
		}
		checkUTC(t, name, f)
		if d := differs(f, &full); len(d) > 0 {
			t.Errorf("%s of a file with every field: fields %v differ", name, d)
		}
	}

	f := fileAt("pub", at, "public")
	must(t, s.CreateFile(ctx, f, 0), "CreateFile")
	mustCode(t, s.DeleteFile(ctx, "pub", full.ID), centre.ECONFLICT, "DeleteFile of a file created public (as an import does)")
	mustCode(t, s.MarkFilePublic(ctx, "pub", centre.NewID(at), "e1", at), centre.ENOTFOUND, "MarkFilePublic of an unknown file")
	mustCode(t, s.MarkFilePublic(ctx, "other", f.ID, "e1", at), centre.ENOTFOUND, "MarkFilePublic in another site")
	must(t, s.MarkFilePublic(ctx, "pub", f.ID, "e1", at), "MarkFilePublic")
	must(t, s.MarkFilePublic(ctx, "pub", f.ID, "e2", at.Add(time.Hour)), "MarkFilePublic again")
	want := *f
	want.PublicSince, want.PublicEntry = at, "e1"
	for name, read := range map[string]func() (*centre.File, error){
		"GetFile":    func() (*centre.File, error) { return s.GetFile(ctx, "pub", f.ID) },
		"FileByHash": func() (*centre.File, error) { return s.FileByHash(ctx, "pub", f.SHA256) },
	} {
		got, err := read()
		if err != nil || !reflect.DeepEqual(got, &want) {
			t.Errorf("%s after MarkFilePublic:\n got %+v, %v\nwant %+v", name, got, err, &want)
		}
	}
	use, _ := s.FileUsage(ctx, "pub")
	mustCode(t, s.DeleteFile(ctx, "pub", f.ID), centre.ECONFLICT, "DeleteFile of a public file")
	if got, err := s.FileByHash(ctx, "pub", f.SHA256); err != nil || got.ID != f.ID {
		t.Fatalf("a refused delete removed the file: %v", err)
	}
	if again, _ := s.FileUsage(ctx, "pub"); again != use {
		t.Fatalf("a refused delete changed the usage: %+v, was %+v", again, use)
	}
}

// testFileMarks: CreateEntry and UpdateEntry make the files of the entry's
// FileMarks public in the same write (both reads see PublicSince = At and
// PublicEntry = the entry), keep a file already public as it was, and
// clear the marks; a write naming a deleted file fails as a whole
// (ECONFLICT: no entry, no file made public), and so does a write that
// fails for its own reason (a stale version).
func testFileMarks(t *testing.T, s centre.Store) {
	ctx := context.Background()
	at := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	a, b, c := fileAt("marks", at, "mark-a"), fileAt("marks", at.Add(time.Millisecond), "mark-b"), fileAt("marks", at.Add(2*time.Millisecond), "mark-c")
	for _, f := range []*centre.File{a, b, c} {
		must(t, s.CreateFile(ctx, f, 0), "CreateFile")
	}
	must(t, s.MarkFilePublic(ctx, "marks", b.ID, "earlier", at), "MarkFilePublic")
	mark := func(e *centre.Entry, when time.Time, files ...*centre.File) {
		m := &centre.FileMarks{At: when}
		for _, f := range files {
			m.Files = append(m.Files, centre.FileMark{ID: f.ID, SHA256: f.SHA256})
		}
		e.MarkFiles(m)
	}
	public := func(what string, f *centre.File, since time.Time, entry string) {
		t.Helper()
		for name, read := range map[string]func() (*centre.File, error){
			"GetFile":    func() (*centre.File, error) { return s.GetFile(ctx, "marks", f.ID) },
			"FileByHash": func() (*centre.File, error) { return s.FileByHash(ctx, "marks", f.SHA256) },
		} {
			got, err := read()
			if err != nil || !got.PublicSince.Equal(since) || got.PublicEntry != entry {
				t.Errorf("%s: %s of %s: public since %v by %q (%v), want %v by %q", what, name, f.Name, got.PublicSince, got.PublicEntry, err, since, entry)
			}
		}
	}

	// A write naming a file deleted meanwhile stores nothing.
	gone := fileAt("marks", at.Add(3*time.Millisecond), "mark-gone")
	must(t, s.CreateFile(ctx, gone, 0), "CreateFile")
	must(t, s.DeleteFile(ctx, "marks", gone.ID), "DeleteFile")
	broken := Publish(NewEntry("marks", "broken", "en"), at)
	mark(broken, at.Add(time.Minute), a, gone)
	mustCode(t, s.CreateEntry(ctx, broken), centre.ECONFLICT, "CreateEntry marking a deleted file")
	_, err := s.GetEntry(ctx, "marks", broken.ID)
	mustCode(t, err, centre.ENOTFOUND, "the entry of a failed CreateEntry")
	public("a failed CreateEntry", a, time.Time{}, "")
	if broken.FileMarks() == nil {
		t.Fatal("a failed CreateEntry dropped the marks")
	}

	e := Publish(NewEntry("marks", "with-files", "en"), at)
	mark(e, at.Add(time.Minute), a, b)
	mustCreateEntry(t, s, e)
	if e.FileMarks() != nil {
		t.Fatal("CreateEntry kept the marks on the entry it stored")
	}
	public("CreateEntry", a, at.Add(time.Minute), e.ID)
	public("CreateEntry, a file public before", b, at, "earlier")
	mustCode(t, s.DeleteFile(ctx, "marks", a.ID), centre.ECONFLICT, "DeleteFile of a file made public by an entry")

	// A stale write marks nothing; the write that succeeds does.
	stale := *e
	stale.Version--
	mark(&stale, at.Add(2*time.Minute), c)
	mustCode(t, s.UpdateEntry(ctx, &stale), centre.EPRECONDITION, "UpdateEntry at a stale version")
	public("a failed UpdateEntry", c, time.Time{}, "")
	mark(e, at.Add(3*time.Minute), c)
	must(t, s.UpdateEntry(ctx, e), "UpdateEntry with marks")
	if e.FileMarks() != nil {
		t.Fatal("UpdateEntry kept the marks on the entry it stored")
	}
	public("UpdateEntry", c, at.Add(3*time.Minute), e.ID)
}
