// Package s3files is the centre.FileStore of AWS deployments: the bytes of
// files in an S3 bucket (template.yaml's FilesBucket). It also lets
// clients upload large files straight to the bucket through a presigned
// POST policy (centre.DirectUploads), and hands out short-lived presigned
// GETs. It passes storetest.RunFiles against moto_server's S3.
package s3files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"infocentre/internal/awsconfig"
	"infocentre/internal/centre"
)

// Store keeps the bytes of files in one bucket.
type Store struct {
	Client *s3.Client
	Bucket string
}

var (
	_ centre.FileStore     = (*Store)(nil)
	_ centre.DirectUploads = (*Store)(nil)
)

// New returns a Store for bucket with the AWS configuration of awsconfig.Load.
// S3_ENDPOINT points it at a local stand-in (path-style addressing).
func New(ctx context.Context, bucket string) (*Store, error) {
	cfg, err := awsconfig.Load(ctx, awsconfig.Options{})
	if err != nil {
		return nil, fmt.Errorf("s3files: AWS configuration: %w", err)
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if ep := os.Getenv("S3_ENDPOINT"); ep != "" {
			o.BaseEndpoint = aws.String(ep)
			o.UsePathStyle = true
		}
	})
	return &Store{Client: client, Bucket: bucket}, nil
}

// Put uploads size bytes of r under key with one PutObject. A seekable r
// (what the service passes) is checked to hold exactly size bytes first.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, mediaType string) error {
	if sk, ok := r.(io.Seeker); ok {
		cur, err := sk.Seek(0, io.SeekCurrent)
		if err != nil {
			return fmt.Errorf("s3files: put %s: %w", key, err)
		}
		end, err := sk.Seek(0, io.SeekEnd)
		if err != nil {
			return fmt.Errorf("s3files: put %s: %w", key, err)
		}
		if _, err := sk.Seek(cur, io.SeekStart); err != nil {
			return fmt.Errorf("s3files: put %s: %w", key, err)
		}
		if end-cur < size {
			return fmt.Errorf("s3files: put %s: the body holds %d of %d bytes", key, end-cur, size)
		}
		if end-cur > size {
			r = io.NewSectionReader(readerAt{r, sk}, cur, size)
		}
	}
	_, err := s.Client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(s.Bucket), Key: aws.String(key), Body: r, ContentLength: aws.Int64(size),
		ContentType: aws.String(mediaType),
	})
	if err != nil {
		return fmt.Errorf("s3files: put %s: %w", key, err)
	}
	return nil
}

// readerAt reads a seekable reader at an offset (not concurrently).
type readerAt struct {
	r  io.Reader
	sk io.Seeker
}

func (ra readerAt) ReadAt(b []byte, off int64) (int, error) {
	if _, err := ra.sk.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	return io.ReadFull(ra.r, b)
}

// Open returns the object under key (one GetObject), or ENOTFOUND.
func (s *Store) Open(ctx context.Context, key string) (*centre.Object, error) {
	out, err := s.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(key)})
	if err != nil {
		if notFound(err) {
			return nil, centre.Errorf(centre.ENOTFOUND, "no file %q", key)
		}
		return nil, fmt.Errorf("s3files: get %s: %w", key, err)
	}
	return &centre.Object{Body: out.Body, Size: aws.ToInt64(out.ContentLength)}, nil
}

// Delete removes the object under key (a missing key is no error). On a
// versioned bucket the bytes stay as a noncurrent version until the
// bucket's lifecycle rule expires them.
func (s *Store) Delete(ctx context.Context, key string) error {
	if _, err := s.Client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(key)}); err != nil && !notFound(err) {
		return fmt.Errorf("s3files: delete %s: %w", key, err)
	}
	return nil
}

// PresignUpload returns a POST policy for key that S3 enforces: the key
// is fixed and the size must be 1..maxSize bytes.
func (s *Store) PresignUpload(ctx context.Context, key string, maxSize int64, ttl time.Duration, redirect string) (*centre.PresignedUpload, error) {
	conditions := []any{[]any{"content-length-range", 1, maxSize}}
	if redirect != "" {
		// S3 answers 303 to the field's value; the form may add a query
		// (the console's script adds the file's name).
		conditions = append(conditions, []any{"starts-with", "$success_action_redirect", redirect})
	}
	req, err := s3.NewPresignClient(s.Client).PresignPostObject(ctx, &s3.PutObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(key)},
		func(o *s3.PresignPostOptions) {
			o.Expires = ttl
			o.Conditions = conditions
		})
	if err != nil {
		return nil, fmt.Errorf("s3files: presign upload %s: %w", key, err)
	}
	if redirect != "" {
		req.Values["success_action_redirect"] = redirect
	}
	return &centre.PresignedUpload{URL: req.URL, Fields: req.Values, ExpiresAt: time.Now().Add(ttl).UTC().Truncate(time.Second)}, nil
}

// PresignGet returns a GET URL for key, valid for ttl, that downloads it
// as name with its media type.
func (s *Store) PresignGet(ctx context.Context, key, name, mediaType string, ttl time.Duration) (string, error) {
	req, err := s3.NewPresignClient(s.Client).PresignGetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(s.Bucket), Key: aws.String(key),
		ResponseContentDisposition: aws.String(mime.FormatMediaType("inline", map[string]string{"filename": name})),
		ResponseContentType:        aws.String(mediaType),
	}, s3.WithPresignExpires(ttl))
	if err != nil {
		return "", fmt.Errorf("s3files: presign get %s: %w", key, err)
	}
	return req.URL, nil
}

func notFound(err error) bool {
	var api smithy.APIError
	if errors.As(err, &api) && (api.ErrorCode() == "NoSuchKey" || api.ErrorCode() == "NotFound") {
		return true
	}
	var re interface{ HTTPStatusCode() int }
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound
}
