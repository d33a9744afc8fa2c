package transfer_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"infocentre/internal/centre"
	"infocentre/internal/demo"
	"infocentre/internal/dynamostore/dynamotest"
	"infocentre/internal/filestore"
	"infocentre/internal/markdown"
	"infocentre/internal/media"
	"infocentre/internal/media/mediatest"
	"infocentre/internal/s3files"
	"infocentre/internal/transfer"
)

// backend is a store with the file store beside it.
type backend struct {
	store centre.Store
	files centre.FileStore
}

func (b backend) export(t *testing.T, site string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := transfer.Export(context.Background(), b.store, b.files, site, &buf, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// newEmbedded is bbolt with a directory of files.
func newEmbedded(t *testing.T) backend {
	t.Helper()
	fs, err := filestore.Open(filepath.Join(t.TempDir(), "files"))
	if err != nil {
		t.Fatal(err)
	}
	return backend{store: newBolt(t), files: fs}
}

var buckets atomic.Int64

// newAWS is DynamoDB and an S3 bucket, both on moto_server.
func newAWS(t *testing.T) backend {
	t.Helper()
	ep := dynamotest.Endpoint(t)
	client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(ep), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")})
	bucket := fmt.Sprintf("transfer-%d-%d", time.Now().UnixNano(), buckets.Add(1))
	if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	return backend{store: dynamotest.NewStore(t), files: &s3files.Store{Client: client, Bucket: bucket}}
}

// seededFiles is seeded plus three files: a PDF and a photo that a
// published entry uses (public), larger than one blob record, and a text
// file no entry uses. It returns the files.
func seededFiles(t *testing.T, b backend) []*centre.File {
	t.Helper()
	seeded(t, b.store)
	ctx := context.Background()
	svc := &centre.Service{Store: b.store, Files: b.files, Inspect: media.Inspector{}, Render: markdown.Render}
	op := centre.Principal{KeyID: "k1", Site: centre.AllSites, Role: centre.RoleOwner}
	var out []*centre.File
	for _, up := range []struct {
		name string
		body []byte
	}{
		{"plan.pdf", mediatest.PDFSized(3, "Plan", 700<<10)},
		{"flood.jpg", mediatest.JPEGWithGPS(1800, 1200, 1)},
		{"notes.txt", []byte("notes\n")},
	} {
		f, _, err := svc.UploadFile(ctx, op, demo.Slug, centre.FileInput{Name: up.name, Alt: "Alt " + up.name}, bytes.NewReader(up.body))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
	e, err := svc.CreateEntry(ctx, op, demo.Slug, centre.EntryInput{Slug: "flood-plan", Status: centre.StatusPublished,
		Content: centre.Content{Type: centre.TypePublication, Title: "Flood plan",
			Attachments: []centre.Attachment{{Title: "Plan", FileID: out[0].ID}},
			Image:       centre.Image{FileID: out[1].ID, Alt: "The river"}}})
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range out[:2] {
		if out[i], err = b.store.GetFile(ctx, demo.Slug, f.ID); err != nil || out[i].PublicEntry != e.ID {
			t.Fatalf("file %s: %+v %v", f.Name, out[i], err)
		}
	}
	return out
}

// checkFiles fails unless site of b holds want with the same records
// (but for the site) and bytes, variants included.
func checkFiles(t *testing.T, b backend, site string, want []*centre.File) {
	t.Helper()
	ctx := context.Background()
	for _, w := range want {
		got, err := b.store.GetFile(ctx, site, w.ID)
		if err != nil {
			t.Fatalf("file %s after import: %v", w.Name, err)
		}
		if got.SHA256 != w.SHA256 || !got.PublicSince.Equal(w.PublicSince) || got.PublicEntry != w.PublicEntry || len(got.Variants) != len(w.Variants) {
			t.Errorf("file %s after import: %+v, want %+v", w.Name, got, w)
		}
		for _, width := range append([]int{0}, widths(w)...) {
			obj, err := b.files.Open(ctx, centre.FileKey(site, w.SHA256, width))
			if err != nil {
				t.Fatalf("bytes of %s (%d): %v", w.Name, width, err)
			}
			data, _ := io.ReadAll(obj.Body)
			obj.Body.Close()
			if width == 0 && sha(data) != w.SHA256 {
				t.Errorf("bytes of %s differ after import", w.Name)
			}
		}
	}
}

func widths(f *centre.File) []int {
	var out []int
	for _, v := range f.Variants {
		out = append(out, v.Width)
	}
	return out
}

// TestImportRefusesBadFiles: bytes that do not have the record's SHA-256,
// a file cut short, bytes out of order, an entry using a file the export
// does not hold, and an export with files into a server without a file
// store are refused, and nothing is written.
func TestImportRefusesBadFiles(t *testing.T) {
	src := newEmbedded(t)
	seededFiles(t, src)
	good := string(src.export(t, demo.Slug))
	lines := strings.Split(good, "\n")
	firstBlob := -1
	for i, l := range lines {
		if strings.HasPrefix(l, `{"type":"blob"`) && firstBlob < 0 {
			firstBlob = i
		}
	}
	flip := []byte(lines[firstBlob])
	at := bytes.Index(flip, []byte(`"data":"`)) + len(`"data":"`) + 10
	if flip[at] == 'A' {
		flip[at] = 'B'
	} else {
		flip[at] = 'A'
	}
	without := func(i int) string {
		return strings.Join(append(append([]string(nil), lines[:i]...), lines[i+1:]...), "\n")
	}
	swapped := append([]string(nil), lines...)
	swapped[firstBlob], swapped[firstBlob+1] = swapped[firstBlob+1], swapped[firstBlob]
	for name, c := range map[string]struct {
		file, want string
	}{
		"changed byte":     {strings.Replace(good, lines[firstBlob], string(flip), 1), "SHA-256"},
		"missing chunk":    {without(firstBlob + 1), "chunk"},
		"chunks swapped":   {strings.Join(swapped, "\n"), "chunk"},
		"unknown file ref": {regexp.MustCompile(`"file_id":"[0-9a-z]{26}"`).ReplaceAllString(good, `"file_id":"01kzzzzzzzzzzzzzzzzzzzzzzz"`), "does not hold"},
	} {
		b := newEmbedded(t)
		_, err := transfer.Import(context.Background(), b.store, strings.NewReader(c.file), transfer.Options{Render: markdown.Render, Files: b.files})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error about %q", name, err, c.want)
		}
		if _, err := b.store.GetSite(context.Background(), demo.Slug); !centre.IsCode(err, centre.ENOTFOUND) {
			t.Errorf("%s: the site was written", name)
		}
	}
	// With the server's Inspector, a record cannot give its content
	// another type.
	lying := strings.Replace(good, `"media_type":"application/pdf","kind":"document"`, `"media_type":"text/csv","kind":"document"`, 1)
	if lying == good {
		t.Fatal("fixture: no PDF record to change")
	}
	b := newEmbedded(t)
	if _, err := transfer.Import(context.Background(), b.store, strings.NewReader(lying), transfer.Options{Render: markdown.Render, Files: b.files, Inspect: media.Inspector{}}); err == nil || !strings.Contains(err.Error(), "the content is application/pdf") {
		t.Errorf("a record that lies about its type: %v", err)
	}
	if _, err := b.store.GetSite(context.Background(), demo.Slug); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Error("a record that lies about its type: the site was written")
	}
	b = newEmbedded(t)
	if _, err := transfer.Import(context.Background(), b.store, strings.NewReader(good), transfer.Options{Render: markdown.Render}); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Errorf("files without a file store: %v", err)
	}
	if _, err := b.store.GetSite(context.Background(), demo.Slug); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Error("files without a file store: the site was written")
	}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
