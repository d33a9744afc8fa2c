package s3files_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"infocentre/internal/centre"
	"infocentre/internal/dynamostore/dynamotest"
	"infocentre/internal/s3files"
	"infocentre/internal/storetest"
)

func TestMain(m *testing.M) { dynamotest.Main(m) }

var buckets atomic.Int64

// NewBucket returns a Store on a new bucket of moto_server's S3.
func newStore(t *testing.T) *s3files.Store {
	t.Helper()
	ep := dynamotest.Endpoint(t)
	client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(ep), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")})
	bucket := fmt.Sprintf("files-%d-%d", time.Now().UnixNano(), buckets.Add(1))
	if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	return &s3files.Store{Client: client, Bucket: bucket}
}

func TestConformance(t *testing.T) {
	storetest.RunFiles(t, func(t *testing.T) centre.FileStore { return newStore(t) })
}

// PostForm uploads body through a presigned POST policy, as a browser or
// the CLI does, and returns the status.
func PostForm(t *testing.T, up *centre.PresignedUpload, body []byte) int {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range up.Fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile("file", "upload")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(body)
	mw.Close()
	res, err := http.Post(up.URL, mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	io.Copy(io.Discard, res.Body)
	return res.StatusCode
}

// TestPresignedPostAndGet: a presigned POST policy uploads to its key, and
// a presigned GET downloads it with its name, without other credentials.
func TestPresignedPostAndGet(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	key := centre.UploadKey("alpha", centre.NewID(time.Now()))
	up, err := s.PresignUpload(ctx, key, 1<<20, time.Minute, "")
	if err != nil {
		t.Fatal(err)
	}
	if up.Fields["key"] != key || up.Fields["policy"] == "" {
		t.Fatalf("fields %v", up.Fields)
	}
	if code := PostForm(t, up, []byte("hello, bucket")); code/100 != 2 {
		t.Fatalf("POST policy upload: %d", code)
	}
	obj, err := s.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(obj.Body)
	obj.Body.Close()
	if string(got) != "hello, bucket" {
		t.Fatalf("uploaded %q", got)
	}
	u, err := s.PresignGet(ctx, key, "report final.pdf", "application/pdf", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(b) != "hello, bucket" {
		t.Fatalf("presigned GET: %d %q", res.StatusCode, b)
	}
	// S3 answers with the disposition the URL asks for (moto_server
	// ignores it, so the URL is what can be checked here).
	if q, _ := url.Parse(u); q.Query().Get("response-content-disposition") != `inline; filename="report final.pdf"` {
		t.Fatalf("presigned GET asks for disposition %q", q.Query().Get("response-content-disposition"))
	}
}

// TestPresignedPostRedirect: with a redirect, the policy lets the form
// send the browser on to that URL (a query added by the form included),
// and the bucket answers the upload with 303 to it.
func TestPresignedPostRedirect(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	key := centre.UploadKey("alpha", centre.NewID(time.Now()))
	back := "https://centre.example.org/admin/sites/alpha/files/uploads/x"
	up, err := s.PresignUpload(ctx, key, 1<<20, time.Minute, back)
	if err != nil {
		t.Fatal(err)
	}
	if up.Fields["success_action_redirect"] != back {
		t.Fatalf("fields %v", up.Fields)
	}
	raw, err := base64.StdEncoding.DecodeString(up.Fields["policy"])
	if err != nil {
		t.Fatal(err)
	}
	var policy struct{ Conditions []any }
	if err := json.Unmarshal(raw, &policy); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(fmt.Sprint(policy.Conditions), "[starts-with $success_action_redirect "+back+"]") {
		t.Fatalf("policy conditions %v", policy.Conditions)
	}
	up.Fields["success_action_redirect"] = back + "?name=plan.pdf"
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range up.Fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", "plan.pdf")
	fw.Write([]byte("%PDF-1.4 tiny"))
	mw.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Post(up.URL, mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, _ := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || loc == nil || loc.Path != "/admin/sites/alpha/files/uploads/x" || loc.Query().Get("name") != "plan.pdf" {
		t.Fatalf("upload answered %d, Location %q", res.StatusCode, res.Header.Get("Location"))
	}
	if obj, err := s.Open(ctx, key); err != nil || obj.Size != 13 {
		t.Fatalf("uploaded object: %v", err)
	}
}
