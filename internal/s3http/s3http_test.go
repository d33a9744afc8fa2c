package s3http_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"infocentre/internal/centre"
	"infocentre/internal/dynamostore/dynamotest"
	"infocentre/internal/s3files"
	"infocentre/internal/s3http"
	"infocentre/internal/storetest"
)

func TestMain(m *testing.M) { dynamotest.Main(m) }

var buckets atomic.Int64

var creds = credentials.NewStaticCredentialsProvider("testing", "testing", "")

// newBucket returns the SDK's S3 client on moto_server and a new bucket.
func newBucket(t *testing.T) (*s3.Client, string, string) {
	t.Helper()
	ep := dynamotest.Endpoint(t)
	client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(ep), UsePathStyle: true, Credentials: creds})
	bucket := fmt.Sprintf("files-%d-%d", time.Now().UnixNano(), buckets.Add(1))
	if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	return client, bucket, ep
}

func newStore(t *testing.T) *s3http.Store {
	_, bucket, ep := newBucket(t)
	return &s3http.Store{Bucket: bucket, Endpoint: ep, Region: "us-east-1", Credentials: creds}
}

func TestConformance(t *testing.T) {
	storetest.RunFiles(t, func(t *testing.T) centre.FileStore { return newStore(t) })
}

// TestSameBucketAsS3Files: what the staff side (s3files, the SDK's S3
// client) writes, the public side reads, and the other way round.
func TestSameBucketAsS3Files(t *testing.T) {
	client, bucket, ep := newBucket(t)
	staff := &s3files.Store{Client: client, Bucket: bucket}
	public := &s3http.Store{Bucket: bucket, Endpoint: ep, Region: "us-east-1", Credentials: creds}
	ctx := context.Background()
	key := centre.FileKey("alpha", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 480)
	if err := staff.Put(ctx, key, strings.NewReader("from the admin function"), 23, "image/webp"); err != nil {
		t.Fatal(err)
	}
	if got := read(t, public, key); got != "from the admin function" {
		t.Fatalf("s3http read %q", got)
	}
	if err := public.Put(ctx, key, stringsReader("replaced"), 8, "image/webp"); err != nil {
		t.Fatal(err)
	}
	if got := read(t, staff, key); got != "replaced" {
		t.Fatalf("s3files read %q", got)
	}
	out, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil || aws.ToString(out.ContentType) != "image/webp" {
		t.Fatalf("head: %v, content type %q", err, aws.ToString(out.ContentType))
	}
}

// TestPresignGet: a presigned GET downloads the object without other
// credentials, asks for its name and type, and is signed exactly as the
// SDK's S3 presigner signs the same request at the same time.
func TestPresignGet(t *testing.T) {
	client, bucket, ep := newBucket(t)
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	s := &s3http.Store{Bucket: bucket, Endpoint: ep, Region: "us-east-1", Credentials: creds}
	ctx := context.Background()
	key := centre.FileKey("alpha", "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210", 0)
	if err := s.Put(ctx, key, stringsReader("%PDF-1.7 a report"), 17, "application/pdf"); err != nil {
		t.Fatal(err)
	}
	u, err := s.PresignGet(ctx, key, "report final.pdf", "application/pdf", 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(b) != "%PDF-1.7 a report" {
		t.Fatalf("presigned GET: %d %q", res.StatusCode, b)
	}
	q := mustQuery(t, u)
	if q.Get("response-content-disposition") != `inline; filename="report final.pdf"` || q.Get("response-content-type") != "application/pdf" ||
		q.Get("X-Amz-Expires") != "300" {
		t.Fatalf("presigned GET asks for %v", q)
	}

	s.Now = func() time.Time { return at }
	mine, err := s.PresignGet(ctx, key, "report final.pdf", "application/pdf", 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	sdk, err := s3.NewPresignClient(client, func(o *s3.PresignOptions) { o.Presigner = fixedTime{at} }).PresignGetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key),
		ResponseContentDisposition: aws.String(`inline; filename="report final.pdf"`), ResponseContentType: aws.String("application/pdf"),
	}, s3.WithPresignExpires(5*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := mustQuery(t, mine).Get("X-Amz-Signature"), mustQuery(t, sdk.URL).Get("X-Amz-Signature"); got == "" || got != want {
		t.Fatalf("signature %q, the SDK's %q\nmine %s\nSDK  %s", got, want, mine, sdk.URL)
	}

	if _, err := s.PresignGet(ctx, key, "x.pdf", "application/pdf", 8*24*time.Hour); err == nil {
		t.Fatal("a presigned GET for 8 days (SigV4 allows 7)")
	}
}

// fixedTime presigns as the SDK does, at one time, without the query
// parameter x-id the SDK adds to name the operation.
type fixedTime struct{ at time.Time }

func (f fixedTime) PresignHTTP(ctx context.Context, c aws.Credentials, r *http.Request, payloadHash, service, region string, _ time.Time,
	optFns ...func(*v4.SignerOptions)) (string, http.Header, error) {
	q := r.URL.Query()
	q.Del("x-id")
	r.URL.RawQuery = q.Encode()
	return v4.NewSigner().PresignHTTP(ctx, c, r, payloadHash, service, region, f.at, optFns...)
}

// TestErrors: a missing object is ENOTFOUND; a write S3 refuses (here: to
// a bucket that does not exist) is an *Error with S3's status and code.
func TestErrors(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.Open(ctx, "alpha/none"); !centre.IsCode(err, centre.ENOTFOUND) {
		t.Fatalf("missing object: %v", err)
	}
	s.Bucket += "-missing"
	err := s.Put(ctx, "alpha/x", stringsReader("x"), 1, "text/plain")
	var s3err *s3http.Error
	if !errors.As(err, &s3err) || s3err.Status != 404 || s3err.Code != "NoSuchBucket" {
		t.Fatalf("a put into a missing bucket: %v, want S3's 404 NoSuchBucket", err)
	}
}

func read(t *testing.T, s centre.FileStore, key string) string {
	t.Helper()
	obj, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Body.Close()
	b, err := io.ReadAll(obj.Body)
	if err != nil || int64(len(b)) != obj.Size {
		t.Fatalf("read %d of %d bytes: %v", len(b), obj.Size, err)
	}
	return string(b)
}

func mustQuery(t *testing.T, u string) url.Values {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return p.Query()
}

// stringsReader returns a plain reader of s (not a Seeker, as a request
// body is).
func stringsReader(s string) io.Reader { return &onceReader{s: s} }

type onceReader struct{ s string }

func (r *onceReader) Read(p []byte) (int, error) {
	if r.s == "" {
		return 0, io.EOF
	}
	n := copy(p, r.s)
	r.s = r.s[n:]
	return n, nil
}
