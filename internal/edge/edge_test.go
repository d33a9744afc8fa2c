package edge

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"infocentre/internal/dynamostore/dynamotest"
	"infocentre/internal/static"
)

func TestMain(m *testing.M) { dynamotest.Main(m) }

var creds = credentials.NewStaticCredentialsProvider("testing", "testing", "")

// newDistribution creates a distribution on moto_server's CloudFront and
// returns a client with opts and the distribution's id.
func newDistribution(t *testing.T, opts ...func(*cloudfront.Options)) (*cloudfront.Client, string) {
	t.Helper()
	ep := dynamotest.Endpoint(t)
	client := cloudfront.New(cloudfront.Options{Region: "us-east-1", BaseEndpoint: aws.String(ep), Credentials: creds}, opts...)
	out, err := client.CreateDistribution(context.Background(), &cloudfront.CreateDistributionInput{
		DistributionConfig: &cftypes.DistributionConfig{
			CallerReference: aws.String(fmt.Sprintf("test-%d", time.Now().UnixNano())),
			Comment:         aws.String("infocentre edge test"),
			Enabled:         aws.Bool(true),
			Origins: &cftypes.Origins{Quantity: aws.Int32(1), Items: []cftypes.Origin{{
				Id: aws.String("api"), DomainName: aws.String("api.example.org"),
				CustomOriginConfig: &cftypes.CustomOriginConfig{HTTPPort: aws.Int32(80), HTTPSPort: aws.Int32(443),
					OriginProtocolPolicy: cftypes.OriginProtocolPolicyHttpsOnly},
			}}},
			DefaultCacheBehavior: &cftypes.DefaultCacheBehavior{TargetOriginId: aws.String("api"),
				ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyRedirectToHttps,
				CachePolicyId:        aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6")},
		},
	})
	if err != nil {
		t.Fatalf("create distribution on moto_server: %v", err)
	}
	return client, aws.ToString(out.Distribution.Id)
}

// busy is SDK middleware that answers the first n CreateInvalidation
// attempts as CloudFront does when too many invalidations are in progress
// (HTTP 400, the REST-XML error), before the real server is asked.
func busy(n int32, seen *atomic.Int32) func(*cloudfront.Options) {
	return func(o *cloudfront.Options) {
		o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
			return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("busy",
				func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
					if middleware.GetOperationName(ctx) != "CreateInvalidation" || seen.Add(1) > n {
						return next.HandleDeserialize(ctx, in)
					}
					body := `<?xml version="1.0"?><ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Error><Type>Sender</Type>` +
						`<Code>TooManyInvalidationsInProgress</Code><Message>injected: too many invalidations in progress</Message></Error><RequestId>x</RequestId></ErrorResponse>`
					resp := &http.Response{StatusCode: 400, Status: "400 Bad Request", Header: http.Header{"Content-Type": {"text/xml"}},
						Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body))}
					return middleware.DeserializeOutput{RawResponse: &smithyhttp.Response{Response: resp}}, middleware.Metadata{}, nil
				}), middleware.After)
		})
	}
}

// TestInvalidateOnMoto: an invalidation reaches CloudFront (moto_server)
// with its paths; the same caller reference again is the same
// invalidation; "too many in progress" is retried until it passes, and
// gives up after Attempts.
func TestInvalidateOnMoto(t *testing.T) {
	var seen atomic.Int32
	client, dist := newDistribution(t, busy(2, &seen))
	p := &Purger{Client: client, DistributionID: dist, Backoff: time.Millisecond}
	paths := []string{"/sites/demo/", "/sites/demo/en/masks/", "/sites/demo/tags/sant%C3%A9/"}
	ctx := context.Background()
	id, err := p.Invalidate(ctx, "ref-1", paths)
	if err != nil {
		t.Fatal(err)
	}
	if seen.Load() != 3 {
		t.Errorf("%d attempts, want 3 (two refused as busy)", seen.Load())
	}
	got, err := client.GetInvalidation(ctx, &cloudfront.GetInvalidationInput{DistributionId: aws.String(dist), Id: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if b := got.Invalidation.InvalidationBatch; aws.ToString(b.CallerReference) != "ref-1" || !slices.Equal(b.Paths.Items, paths) {
		t.Errorf("invalidation %s: reference %q, paths %v", id, aws.ToString(b.CallerReference), b.Paths.Items)
	}
	list, err := client.ListInvalidations(ctx, &cloudfront.ListInvalidationsInput{DistributionId: aws.String(dist)})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(list.InvalidationList.Items); n != 1 {
		t.Errorf("%d invalidations, want 1", n)
	}

	var refused atomic.Int32
	client2, dist2 := newDistribution(t, busy(100, &refused))
	p2 := &Purger{Client: client2, DistributionID: dist2, Backoff: time.Millisecond, Attempts: 3}
	if _, err := p2.Invalidate(ctx, "ref-2", paths); err == nil || !strings.Contains(err.Error(), "after 3 attempts") {
		t.Errorf("always busy: %v, want an error after 3 attempts", err)
	}
}

// s3Mirror returns the mirror on a new bucket of moto_server's S3.
func s3Mirror(t *testing.T) *Bucket {
	t.Helper()
	ep := dynamotest.Endpoint(t)
	client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(ep), UsePathStyle: true, Credentials: creds})
	bucket := fmt.Sprintf("mirror-%d", time.Now().UnixNano())
	if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	return &Bucket{Client: client, Name: bucket}
}

// mirrorFiles reads every object of the mirror, by mirror file name.
func mirrorFiles(t *testing.T, b *Bucket) map[string][]byte {
	t.Helper()
	ctx := context.Background()
	names, err := b.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for n := range names {
		o, err := b.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b.Name), Key: aws.String(key(n))})
		if err != nil {
			t.Fatal(err)
		}
		out[n], _ = io.ReadAll(o.Body)
		o.Body.Close()
	}
	return out
}

// dirFiles reads every file below dir, by slash path.
func dirFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameFiles reports every difference between the mirror and an export.
func sameFiles(t *testing.T, mirror, export map[string][]byte) {
	t.Helper()
	for n, b := range export {
		m, ok := mirror[n]
		switch {
		case !ok:
			t.Errorf("mirror lacks %s", n)
		case !bytes.Equal(m, b):
			t.Errorf("mirror's %s differs from the export's (%d vs %d bytes)", n, len(m), len(b))
		}
	}
	for n := range mirror {
		if _, ok := export[n]; !ok {
			t.Errorf("mirror has %s, which the export has not", n)
		}
	}
}

// TestBucketKeepsHeaders: a mirror object answers with the Content-Type,
// Cache-Control and Content-Disposition it was put with (moto_server S3),
// which is what CloudFront passes on when it serves a hosted file from the
// mirror; a Range request gets the part asked for.
func TestBucketKeepsHeaders(t *testing.T) {
	b := s3Mirror(t)
	ctx := context.Background()
	name := "sites/demo/files/" + strings.Repeat("ab", 32) + "/flood plan.pdf"
	meta := static.Meta{ContentType: "application/pdf", CacheControl: "public, max-age=31536000, immutable",
		ContentDisposition: `inline; filename="flood plan.pdf"`}
	if err := b.Put(ctx, name, []byte("%PDF-1.7 bytes"), meta); err != nil {
		t.Fatal(err)
	}
	o, err := b.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b.Name), Key: aws.String(key(name)), Range: aws.String("bytes=0-3")})
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(o.Body)
	o.Body.Close()
	got := static.Meta{ContentType: aws.ToString(o.ContentType), CacheControl: aws.ToString(o.CacheControl), ContentDisposition: aws.ToString(o.ContentDisposition)}
	if got != meta || string(part) != "%PDF" {
		t.Errorf("object answers %+v, %q; want %+v, %q", got, part, meta, "%PDF")
	}
}
