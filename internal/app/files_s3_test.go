package app_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"infocentre/internal/centre"
	"infocentre/internal/demo"
	"infocentre/internal/dynamostore/dynamotest"
	"infocentre/internal/s3http"
)

// TestPublicFilesOnS3: the public function's file store (s3http, signed
// HTTP requests instead of the S3 client) on moto_server's S3 serves a
// public file below 4 MiB inline and redirects a larger one to a
// presigned GET that downloads it.
func TestPublicFilesOnS3(t *testing.T) {
	a, _, _ := dynamoApp(t)
	ep := dynamotest.Endpoint(t)
	creds := credentials.NewStaticCredentialsProvider("testing", "testing", "")
	bucket := fmt.Sprintf("public-files-%d", time.Now().UnixNano())
	client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(ep), UsePathStyle: true, Credentials: creds})
	if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	a.Service.Files = &s3http.Store{Bucket: bucket, Endpoint: ep, Region: "us-east-1", Credentials: creds}
	a.Service.FileLimits.MaxFileSize = 16 << 20
	ctx := context.Background()
	owner := centre.Principal{KeyID: "k", Site: centre.AllSites, Role: centre.RoleOwner}
	small := []byte("Opening hours of the crisis line.\n")
	large := bytes.Repeat([]byte("A line of the full situation report, repeated.\n"), 6<<20/47)
	var files []*centre.File
	for name, body := range map[string][]byte{"hours.txt": small, "report.txt": large} {
		f, _, err := a.Service.UploadFile(ctx, owner, demo.Slug, centre.FileInput{Name: name}, bytes.NewReader(body))
		if err != nil {
			t.Fatalf("upload %s: %v", name, err)
		}
		files = append(files, f)
	}
	var atts []centre.Attachment
	for _, f := range files {
		atts = append(atts, centre.Attachment{Title: f.Name, FileID: f.ID})
	}
	if _, err := a.Service.CreateEntry(ctx, owner, demo.Slug, centre.EntryInput{Slug: "files-on-s3", Lang: "en", Status: centre.StatusPublished,
		Content: centre.Content{Type: centre.TypePublication, Title: "Files on S3", Attachments: atts}}); err != nil {
		t.Fatal(err)
	}
	h := a.Handler.Public()
	for _, f := range files {
		want := small
		if f.Name == "report.txt" {
			want = large
		}
		w := get(h, "/sites/"+demo.Slug+f.Path(0))
		if len(want) < 4<<20 {
			if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), want) {
				t.Fatalf("%s: %d, %d bytes", f.Name, w.Code, w.Body.Len())
			}
			continue
		}
		if w.Code != http.StatusFound {
			t.Fatalf("%s (%d bytes): %d, not a redirect", f.Name, len(want), w.Code)
		}
		res, err := http.Get(w.Header().Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !bytes.Equal(got, want) {
			t.Fatalf("%s: the presigned GET answered %d, %d bytes", f.Name, res.StatusCode, len(got))
		}
	}
}
