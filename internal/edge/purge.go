package edge

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/smithy-go"
)

// Invalidator is the CloudFront API the purge uses (*cloudfront.Client).
type Invalidator interface {
	CreateInvalidation(ctx context.Context, in *cloudfront.CreateInvalidationInput, optFns ...func(*cloudfront.Options)) (*cloudfront.CreateInvalidationOutput, error)
}

// Limits of the purge. CloudFront allows 3,000 paths in invalidations in
// progress at once per distribution (15 of them wildcards), so one call
// names at most DefaultMaxPaths, and a site with more than
// DefaultWildcardAbove paths in one batch is purged with its wildcards.
const (
	DefaultMaxPaths      = 1000
	DefaultWildcardAbove = 300
	DefaultAttempts      = 8
)

// Purger invalidates paths of one CloudFront distribution.
type Purger struct {
	Client         Invalidator
	DistributionID string
	// MaxPaths bounds the paths of one invalidation (0: DefaultMaxPaths);
	// WildcardAbove is the number of paths past which a site is purged by
	// its wildcards (0: DefaultWildcardAbove).
	MaxPaths, WildcardAbove int
	// Attempts bounds the calls of one invalidation when CloudFront
	// answers TooManyInvalidationsInProgress or throttles (0:
	// DefaultAttempts); Backoff is the first wait, doubled after each
	// (0: one second).
	Attempts int
	Backoff  time.Duration
}

// SitePurge is what one site needs purged: its paths (PurgePaths) and
// the wildcards that cover them all (Wildcards).
type SitePurge struct {
	Site      string
	Paths     []string
	Wildcards []string
}

// Plan returns the invalidation batches for sites, each of at most
// MaxPaths paths: a site with more than WildcardAbove paths gives its
// wildcards instead, and while the whole is larger than MaxPaths the site
// with the most paths does too. It also returns the sites purged by
// wildcard.
func (p *Purger) Plan(sites []SitePurge) (batches [][]string, wild []string) {
	maxPaths, above := p.MaxPaths, p.WildcardAbove
	if maxPaths <= 0 {
		maxPaths = DefaultMaxPaths
	}
	if above <= 0 {
		above = DefaultWildcardAbove
	}
	use := make([][]string, len(sites))
	total := 0
	for i, s := range sites {
		use[i] = s.Paths
		if len(s.Paths) > above && len(s.Wildcards) > 0 {
			use[i] = s.Wildcards
			wild = append(wild, s.Site)
		}
		total += len(use[i])
	}
	for total > maxPaths {
		big := -1
		for i, s := range sites {
			if len(s.Wildcards) > 0 && len(use[i]) > len(s.Wildcards) && (big < 0 || len(use[i]) > len(use[big])) {
				big = i
			}
		}
		if big < 0 {
			break
		}
		total += len(sites[big].Wildcards) - len(use[big])
		use[big] = sites[big].Wildcards
		wild = append(wild, sites[big].Site)
	}
	set := map[string]bool{}
	for _, u := range use {
		for _, q := range u {
			set[q] = true
		}
	}
	all := sorted(set)
	for len(all) > 0 {
		n := min(len(all), maxPaths)
		batches = append(batches, all[:n])
		all = all[n:]
	}
	sort.Strings(wild)
	return batches, wild
}

// Invalidate creates one invalidation of paths under the caller reference
// ref: a retry with the same ref and paths (a stream batch delivered
// again) is the same invalidation, which CloudFront does not repeat. It
// retries, with backoff, while CloudFront answers that too many
// invalidations are in progress or throttles, at most Attempts calls,
// and returns the invalidation's id.
func (p *Purger) Invalidate(ctx context.Context, ref string, paths []string) (string, error) {
	attempts, wait := p.Attempts, p.Backoff
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	if wait <= 0 {
		wait = time.Second
	}
	in := &cloudfront.CreateInvalidationInput{
		DistributionId: aws.String(p.DistributionID),
		InvalidationBatch: &types.InvalidationBatch{
			CallerReference: aws.String(ref),
			Paths:           &types.Paths{Quantity: aws.Int32(int32(len(paths))), Items: paths},
		},
	}
	for n := 1; ; n++ {
		out, err := p.Client.CreateInvalidation(ctx, in)
		if err == nil {
			return aws.ToString(out.Invalidation.Id), nil
		}
		if !retryable(err) || n >= attempts {
			return "", fmt.Errorf("edge: invalidate %d paths (%s) after %d attempts: %w", len(paths), ref, n, err)
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("edge: invalidate %d paths (%s): %w", len(paths), ref, context.Cause(ctx))
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// retryable reports whether CloudFront refused a call for now: too many
// invalidations in progress, or throttling.
func retryable(err error) bool {
	var busy *types.TooManyInvalidationsInProgress
	if errors.As(err, &busy) {
		return true
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded", "TooManyInvalidationsInProgress":
			return true
		}
	}
	return false
}
