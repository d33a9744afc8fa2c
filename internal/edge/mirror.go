package edge

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"infocentre/internal/static"
)

// Bucket is the static mirror in an S3 bucket (static.Mirror). A page's
// object is keyed by its URL path without the leading "/" (sites/demo/news/
// for /sites/demo/news/), so that CloudFront, failing over to the bucket,
// finds it by the path it was asked; other files by their own
// (sites/demo/feed.atom, assets/…).
type Bucket struct {
	Client *s3.Client
	Name   string
}

// key returns the object key of the mirror file name (static.MirrorName).
func key(name string) string {
	if strings.HasSuffix(name, "/index.html") {
		return strings.TrimSuffix(name, "index.html")
	}
	return name
}

// name returns the mirror file name of the object key k.
func name(k string) string {
	if strings.HasSuffix(k, "/") {
		return k + "index.html"
	}
	return k
}

// List returns every object whose mirror name starts with prefix, with
// the MD5 digest of its bytes (the ETag of an object written by one
// PutObject). It pages through the listing, at most 1,000 pages.
func (b *Bucket) List(ctx context.Context, prefix string) (map[string]string, error) {
	out := map[string]string{}
	in := &s3.ListObjectsV2Input{Bucket: aws.String(b.Name), Prefix: aws.String(prefix)}
	for range 1000 {
		page, err := b.Client.ListObjectsV2(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("edge: list mirror %s/%s: %w", b.Name, prefix, err)
		}
		for _, o := range page.Contents {
			if n := name(aws.ToString(o.Key)); strings.HasPrefix(n, prefix) {
				out[n] = strings.Trim(aws.ToString(o.ETag), `"`)
			}
		}
		if !aws.ToBool(page.IsTruncated) {
			return out, nil
		}
		in.ContinuationToken = page.NextContinuationToken
	}
	return nil, fmt.Errorf("edge: list mirror %s/%s: more than 1,000 pages of objects", b.Name, prefix)
}

// Put writes one mirror file with its Content-Type and Cache-Control.
func (b *Bucket) Put(ctx context.Context, n string, body []byte, contentType, cacheControl string) error {
	in := &s3.PutObjectInput{Bucket: aws.String(b.Name), Key: aws.String(key(n)), Body: bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body)))}
	if contentType != "" {
		in.ContentType = aws.String(contentType)
	}
	if cacheControl != "" {
		in.CacheControl = aws.String(cacheControl)
	}
	if _, err := b.Client.PutObject(ctx, in); err != nil {
		return fmt.Errorf("edge: put mirror %s: %w", n, err)
	}
	return nil
}

// Delete removes mirror files, at most 1,000 a call.
func (b *Bucket) Delete(ctx context.Context, names []string) error {
	for len(names) > 0 {
		n := min(len(names), 1000)
		objs := make([]types.ObjectIdentifier, 0, n)
		for _, m := range names[:n] {
			objs = append(objs, types.ObjectIdentifier{Key: aws.String(key(m))})
		}
		out, err := b.Client.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(b.Name),
			Delete: &types.Delete{Objects: objs, Quiet: aws.Bool(true)}})
		if err != nil {
			return fmt.Errorf("edge: delete from mirror: %w", err)
		}
		if len(out.Errors) > 0 {
			e := out.Errors[0]
			return fmt.Errorf("edge: delete %s from mirror: %s %s", aws.ToString(e.Key), aws.ToString(e.Code), aws.ToString(e.Message))
		}
		names = names[n:]
	}
	return nil
}

var _ static.Mirror = (*Bucket)(nil)
