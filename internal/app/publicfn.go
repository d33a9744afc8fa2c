//go:build publicfn

package app

import (
	"context"

	"infocentre/internal/centre"
	"infocentre/internal/s3http"
)

// The public function's side of the wiring (build tag publicfn): it serves
// hosted files but takes no uploads, so it reads the bucket with signed
// HTTP requests (s3http) instead of the SDK's S3 client, which is the
// largest part of an SDK binary.

// openBucket opens the S3 bucket of hosted files for reading and
// presigned GETs (s3http).
func openBucket(ctx context.Context, bucket string) (centre.FileStore, error) {
	return s3http.New(ctx, bucket)
}
