// Package dynamostore is the production centre.Store: one DynamoDB table
// (see TableSchema and the item layout in item.go). Every public read is
// one request; no request path scans; multi-item writes are single
// TransactWriteItems calls guarded by condition expressions.
package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"infocentre/internal/awsconfig"
	"infocentre/internal/centre"
)

// Defaults for the deadline of one store operation and for the SDK
// retryer built by NewFromEnv. API Gateway gives up after 29 s; a store
// operation (with all its retries) gives up well before.
const (
	DefaultTimeout     = 8 * time.Second
	DefaultMaxAttempts = 4
	DefaultMaxBackoff  = 2 * time.Second
	// DefaultAttemptTimeout bounds one HTTP attempt, so that a stuck
	// connection leaves time for a retry.
	DefaultAttemptTimeout = 3 * time.Second
)

// Store implements centre.Store on DynamoDB.
type Store struct {
	client  *calls
	table   string
	timeout time.Duration
	now     func() time.Time
	log     *slog.Logger
	optFns  []func(*dynamodb.Options)
}

var _ centre.Store = (*Store)(nil)

// Option configures a Store.
type Option func(*Store)

// WithTimeout sets the deadline of one store operation, SDK retries
// included. When it passes, the operation fails with EUNAVAILABLE.
func WithTimeout(d time.Duration) Option { return func(s *Store) { s.timeout = d } }

// WithClock sets the clock used to decide whether idempotency records have
// expired.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(s *Store) { s.log = l } }

// WithClientOptions applies fns to the client options of every request the
// store makes (for example to add middleware).
func WithClientOptions(fns ...func(*dynamodb.Options)) Option {
	return func(s *Store) { s.optFns = append(s.optFns, fns...) }
}

// WithCallCounter records every request the store makes in c.
func WithCallCounter(c *CallCounter) Option {
	return WithClientOptions(func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, c.Register) })
}

// New returns a store on table through client.
func New(client *dynamodb.Client, table string, opts ...Option) *Store {
	s := &Store{client: callsOf(client), table: table, timeout: DefaultTimeout, now: time.Now, log: slog.Default()}
	for _, o := range opts {
		o(s)
	}
	return s
}

// NewFromEnv returns a store configured from the environment (see
// ClientFromEnv).
func NewFromEnv(ctx context.Context, opts ...Option) (*Store, error) {
	client, table, err := ClientFromEnv(ctx)
	if err != nil {
		return nil, err
	}
	return New(client, table, opts...), nil
}

// ClientFromEnv returns a client and the table name from the environment:
// DYNAMODB_TABLE (required), DYNAMODB_ENDPOINT (optional base endpoint,
// e.g. a local stand-in) and the usual AWS variables for region and
// credentials. The client uses the standard retryer (NewRetryer) and
// bounds each HTTP attempt by DefaultAttemptTimeout. The CLI uses it to
// create the table (CreateTable).
func ClientFromEnv(ctx context.Context) (*dynamodb.Client, string, error) {
	table := os.Getenv("DYNAMODB_TABLE")
	if table == "" {
		return nil, "", errors.New("dynamostore: DYNAMODB_TABLE is not set")
	}
	client, err := NewClientFromEnv(ctx)
	return client, table, err
}

// NewClientFromEnv returns a client configured like ClientFromEnv's, for a
// table named elsewhere (for example by a stack's outputs).
func NewClientFromEnv(ctx context.Context) (*dynamodb.Client, error) {
	cfg, err := awsconfig.Load(ctx, awsconfig.Options{
		HTTPClient: awshttp.NewBuildableClient().WithTimeout(DefaultAttemptTimeout),
		Retryer:    func() aws.Retryer { return NewRetryer() },
	})
	if err != nil {
		return nil, fmt.Errorf("dynamostore: load AWS config: %w", err)
	}
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if ep := os.Getenv("DYNAMODB_ENDPOINT"); ep != "" {
			o.BaseEndpoint = aws.String(ep)
		}
	}), nil
}

// NewRetryer returns the standard SDK retryer with the store's bounds.
func NewRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = DefaultMaxAttempts
		o.MaxBackoff = DefaultMaxBackoff
	})
}

// Close releases nothing: the client has no resources to free.
func (s *Store) Close() error { return nil }

// Table returns the table name.
func (s *Store) Table() string { return s.table }

// op starts one store operation: it refuses a done ctx and bounds the
// operation by the store's timeout.
func (s *Store) op(ctx context.Context) (context.Context, context.CancelFunc, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("dynamostore: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	return ctx, cancel, nil
}

// errUnavailable is the error of a request that failed for reasons the
// caller should retry later; cause stays in its chain for logs and
// errors.Is/As.
func errUnavailable(cause error) error {
	return centre.Wrap(cause, centre.EUNAVAILABLE, "storage is busy; retry later")
}

// fail turns an SDK error into the store's error: the caller's own
// cancellation passes through (wrapped), throttling, service faults,
// timeouts and exhausted retries become EUNAVAILABLE, anything else is an
// internal error. parent is the caller's ctx (not the operation's).
func (s *Store) fail(parent context.Context, what string, err error) error {
	if err == nil {
		return nil
	}
	if perr := parent.Err(); perr != nil {
		return fmt.Errorf("dynamostore: %s: %w", what, perr)
	}
	var ce *centre.Error
	if errors.As(err, &ce) {
		return err
	}
	if Transient(err) {
		s.log.Warn("dynamodb unavailable", "op", what, "err", err)
		return errUnavailable(err)
	}
	s.log.Error("dynamodb request failed", "op", what, "err", err)
	return fmt.Errorf("dynamostore: %s: %w", what, err)
}

// Transient reports whether err is a failure worth retrying later:
// throttling, a service-side fault, a timeout, or exhausted retries.
func Transient(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var maxAttempts *retry.MaxAttemptsError
	var quota *ratelimit.QuotaExceededError
	if errors.As(err, &maxAttempts) || errors.As(err, &quota) {
		return true
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
			"InternalServerError", "ServiceUnavailable", "TransactionInProgressException",
			"TransactionConflictException", "LimitExceededException", "ReplicatedWriteConflictException":
			return true
		}
		if api.ErrorFault() == smithy.FaultServer {
			return true
		}
	}
	var status interface{ HTTPStatusCode() int }
	if errors.As(err, &status) {
		if c := status.HTTPStatusCode(); c >= http.StatusInternalServerError || c == http.StatusTooManyRequests {
			return true
		}
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	var conn interface{ ConnectionError() bool }
	if errors.As(err, &conn) && conn.ConnectionError() {
		return true
	}
	return false
}

// condFailed reports whether err is a failed condition of a single-item
// write, and returns the item it found (ALL_OLD), if any.
func condFailed(err error) (bool, item) {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return true, ccf.Item
	}
	return false, nil
}
