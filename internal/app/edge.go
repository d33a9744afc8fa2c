//go:build !publicfn

package app

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"infocentre/internal/awsconfig"
	"infocentre/internal/edge"
	"infocentre/internal/static"
)

// Edge returns the handler of the edge function (internal/edge): fed by
// the table's stream, it keeps the static mirror in MirrorBucket current
// and purges DistributionID's caches. Pages are rendered with absolute
// links on PublicOrigin. The AWS clients take CLOUDFRONT_ENDPOINT and
// S3_ENDPOINT (local stand-ins) when set. It fails when neither a bucket
// nor a distribution is configured: the function would do nothing.
func (a *App) Edge(ctx context.Context) (*edge.Handler, error) {
	if a.Config.MirrorBucket == "" && a.Config.DistributionID == "" {
		return nil, fmt.Errorf("edge: set MIRROR_BUCKET, DISTRIBUTION_ID or both")
	}
	awsCfg, err := awsconfig.Load(ctx, awsconfig.Options{})
	if err != nil {
		return nil, fmt.Errorf("edge: AWS configuration: %w", err)
	}
	cfg := edge.Config{Service: a.Service, Log: a.Log, Metrics: os.Stdout, Stage: a.Config.Stage,
		Static: static.Options{BaseURL: a.Config.PublicOrigin, Logger: a.Log, MaxPages: edgeMaxPages, Timeout: edgeTimeout}}
	if a.Config.DistributionID != "" {
		client := cloudfront.NewFromConfig(awsCfg, func(o *cloudfront.Options) {
			if ep := os.Getenv("CLOUDFRONT_ENDPOINT"); ep != "" {
				o.BaseEndpoint = aws.String(ep)
			}
		})
		cfg.Purger = &edge.Purger{Client: client, DistributionID: a.Config.DistributionID}
	}
	if a.Config.MirrorBucket != "" {
		client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
			if ep := os.Getenv("S3_ENDPOINT"); ep != "" {
				o.BaseEndpoint = aws.String(ep)
				o.UsePathStyle = true
			}
		})
		cfg.Mirror = &edge.Bucket{Client: client, Name: a.Config.MirrorBucket}
	}
	return edge.New(cfg), nil
}

// Bounds of one batch of the edge function: the paths one mirror update
// renders, and its time (inside the function's timeout).
const (
	edgeMaxPages = 20_000
	edgeTimeout  = 4 * time.Minute
)
