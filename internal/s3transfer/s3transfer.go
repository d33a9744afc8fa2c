// Package s3transfer keeps large exports and imports in an S3 bucket, for
// hosts that cannot carry them in a response or request (AWS Lambda behind
// API Gateway: 6 MB each way). Clients download and upload through
// presigned URLs, so the bytes never pass through the function's payload.
// The bucket should expire objects after a day (template.yaml's
// TransferBucket does).
package s3transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"infocentre/internal/awsconfig"
	"infocentre/internal/centre"
	"infocentre/internal/httpapi"
)

// DefaultTTL is how long a presigned URL works.
const DefaultTTL = 15 * time.Minute

// Store keeps transfer files in one bucket. It implements
// httpapi.Transfers.
type Store struct {
	Client *s3.Client
	Bucket string
	TTL    time.Duration // presigned URL lifetime; 0 means DefaultTTL
	Now    func() time.Time
}

var _ httpapi.Transfers = (*Store)(nil)

// New returns a Store for bucket with the AWS configuration of awsconfig.Load.
// S3_ENDPOINT points it at a local stand-in (path-style addressing).
func New(ctx context.Context, bucket string) (*Store, error) {
	cfg, err := awsconfig.Load(ctx, awsconfig.Options{})
	if err != nil {
		return nil, fmt.Errorf("s3transfer: AWS configuration: %w", err)
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if ep := os.Getenv("S3_ENDPOINT"); ep != "" {
			o.BaseEndpoint = aws.String(ep)
			o.UsePathStyle = true
		}
	})
	return &Store{Client: client, Bucket: bucket}, nil
}

func (s *Store) ttl() time.Duration {
	if s.TTL > 0 {
		return s.TTL
	}
	return DefaultTTL
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Put stores size bytes of body under key and returns a presigned GET URL
// that downloads them as filename.
func (s *Store) Put(ctx context.Context, key string, body io.Reader, size int64, contentType, filename string) (httpapi.Link, error) {
	_, err := s.Client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(s.Bucket), Key: aws.String(key), Body: body, ContentLength: aws.Int64(size),
		ContentType: aws.String(contentType), ContentDisposition: aws.String(`attachment; filename="` + filename + `"`),
	})
	if err != nil {
		return httpapi.Link{}, fmt.Errorf("s3transfer: put %s: %w", key, err)
	}
	expires := s.now().Add(s.ttl())
	req, err := s3.NewPresignClient(s.Client).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(key)},
		s3.WithPresignExpires(s.ttl()))
	if err != nil {
		return httpapi.Link{}, fmt.Errorf("s3transfer: presign get %s: %w", key, err)
	}
	return httpapi.Link{URL: req.URL, ExpiresAt: expires.UTC().Truncate(time.Second)}, nil
}

// UploadURL returns a presigned PUT URL for key; the client must send the
// Content-Type given.
func (s *Store) UploadURL(ctx context.Context, key, contentType string) (httpapi.Link, error) {
	expires := s.now().Add(s.ttl())
	req, err := s3.NewPresignClient(s.Client).PresignPutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(s.Bucket), Key: aws.String(key), ContentType: aws.String(contentType),
	}, s3.WithPresignExpires(s.ttl()))
	if err != nil {
		return httpapi.Link{}, fmt.Errorf("s3transfer: presign put %s: %w", key, err)
	}
	return httpapi.Link{URL: req.URL, ExpiresAt: expires.UTC().Truncate(time.Second)}, nil
}

// Open returns the object under key and its size, or ENOTFOUND.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, int64, error) {
	out, err := s.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(key)})
	if err != nil {
		if notFound(err) {
			return nil, 0, centre.Errorf(centre.ENOTFOUND, "no uploaded file %q (uploads expire after a day)", key)
		}
		return nil, 0, fmt.Errorf("s3transfer: get %s: %w", key, err)
	}
	return out.Body, aws.ToInt64(out.ContentLength), nil
}

// Delete removes the object under key (no error if it is gone).
func (s *Store) Delete(ctx context.Context, key string) error {
	if _, err := s.Client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(key)}); err != nil && !notFound(err) {
		return fmt.Errorf("s3transfer: delete %s: %w", key, err)
	}
	return nil
}

func notFound(err error) bool {
	var api smithy.APIError
	if errors.As(err, &api) && (api.ErrorCode() == "NoSuchKey" || api.ErrorCode() == "NotFound") {
		return true
	}
	var re interface{ HTTPStatusCode() int }
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound
}
