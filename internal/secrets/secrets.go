// Package secrets reads infocentre's secrets (the cursor key, the preview
// link key) from AWS Secrets Manager at run time, so that no secret value
// sits in a Lambda function's configuration: the environment names the
// secret (its ARN), the function reads the value once per container.
//
// It sends GetSecretValue as a plain HTTP request (the JSON 1.1 protocol)
// signed by the SDK's SigV4 signer (aws/signer/v4), without the SDK's
// Secrets Manager client, whose endpoint rules and operation schemas cost
// every function ~0.26 MB and ~0.3 ms of package initialisation for one call
// per container (internal/s3http does the same for S3).
package secrets

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"infocentre/internal/awsconfig"
)

// attemptTimeout bounds one HTTP attempt to Secrets Manager.
const attemptTimeout = 5 * time.Second

// maxAttempts bounds the tries of one read that Secrets Manager answered
// with a 5xx or throttling error, or that did not reach it (the SDK's
// standard retryer makes 3).
const maxAttempts = 3

// maxResponse bounds the bytes read of an answer: a secret holds at most
// 64 KiB (binary ones base64-encoded in the JSON), with its ARN, name,
// version and stages beside it.
const maxResponse = 256 << 10

// Reader reads secret strings from Secrets Manager and keeps each one for
// the life of the process (a Lambda container), so a secret costs one
// request per container however often it is asked for. Safe for concurrent
// use.
type Reader struct {
	// Endpoint is the base URL of the Secrets Manager API (a local
	// stand-in); empty means AWS's regional endpoint of Region.
	Endpoint    string
	Region      string
	Credentials aws.CredentialsProvider
	// HTTP sends the requests (default: a client without a timeout; each
	// attempt is bounded by attemptTimeout and the caller's context).
	HTTP *http.Client
	// Backoff is the wait before the retry that follows attempt (1, 2, …;
	// default: jittered exponential, 100 ms to 1 s).
	Backoff func(attempt int) time.Duration

	signer *v4.Signer
	mu     sync.Mutex
	cache  map[string]string
}

// NewFromEnv returns a Reader configured from the environment: the AWS
// configuration of awsconfig.Load (region and credentials), and
// SECRETSMANAGER_ENDPOINT (optional base endpoint, e.g. a local stand-in).
// It fails when no region is configured.
func NewFromEnv(ctx context.Context) (*Reader, error) {
	cfg, err := awsconfig.Load(ctx, awsconfig.Options{})
	if err != nil {
		return nil, fmt.Errorf("secrets: load AWS config: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New("secrets: no AWS region is configured (AWS_REGION)")
	}
	return &Reader{Endpoint: os.Getenv("SECRETSMANAGER_ENDPOINT"), Region: cfg.Region, Credentials: cfg.Credentials}, nil
}

// Get returns the current string value of the secret id (an ARN or a
// name): one GetSecretValue the first time, the kept value afterwards.
// It fails when the secret cannot be read (an *Error for Secrets
// Manager's answers, e.g. code ResourceNotFoundException or
// AccessDeniedException; the message names id) or holds no string (a
// binary secret, or an empty one).
func (r *Reader) Get(ctx context.Context, id string) (string, error) {
	if id == "" {
		return "", errors.New("secrets: no secret id")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if v, ok := r.cache[id]; ok {
		return v, nil
	}
	out, err := r.getSecretValue(ctx, id)
	if err != nil {
		return "", fmt.Errorf("secrets: read %s: %w", id, err)
	}
	if out.SecretString == "" {
		return "", fmt.Errorf("secrets: %s holds no string value", id)
	}
	if r.cache == nil {
		r.cache = map[string]string{}
	}
	r.cache[id] = out.SecretString
	return out.SecretString, nil
}

// secretValue is the part of GetSecretValue's answer Get uses.
type secretValue struct {
	SecretString string `json:"SecretString"`
}

// getSecretValue sends GetSecretValue for id, retrying as the SDK's
// standard retryer would (maxAttempts, backoff between them).
func (r *Reader) getSecretValue(ctx context.Context, id string) (*secretValue, error) {
	body, err := json.Marshal(struct {
		SecretID string `json:"SecretId"`
	}{id})
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	var lastErr error
	for attempt := range maxAttempts {
		if attempt > 0 {
			t := time.NewTimer(r.backoff(attempt))
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, fmt.Errorf("%w (after %v)", ctx.Err(), lastErr)
			case <-t.C:
			}
		}
		out, retry, err := r.attempt(ctx, body, payloadHash)
		if err == nil {
			return out, nil
		}
		if !retry || ctx.Err() != nil {
			return nil, err
		}
		lastErr = err
	}
	return nil, lastErr
}

// attempt sends one signed GetSecretValue with body and reports whether a
// failure may be retried (a transport error, a 5xx or throttling answer).
func (r *Reader) attempt(parent context.Context, body []byte, payloadHash string) (*secretValue, bool, error) {
	ctx, cancel := context.WithTimeout(parent, attemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.endpoint(), bytes.NewReader(body))
	if err != nil {
		return nil, false, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "secretsmanager.GetSecretValue")
	if r.Credentials == nil {
		return nil, false, errors.New("no AWS credentials")
	}
	creds, err := r.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("credentials: %w", err)
	}
	if r.signer == nil {
		r.signer = v4.NewSigner()
	}
	if err := r.signer.SignHTTP(ctx, creds, req, payloadHash, "secretsmanager", r.Region, time.Now().UTC()); err != nil {
		return nil, false, fmt.Errorf("sign: %w", err)
	}
	client := r.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	res, err := client.Do(req)
	if err != nil {
		// The caller's context ended: no retry; this attempt's own
		// timeout or a connection failure: retry.
		return nil, parent.Err() == nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, maxResponse+1))
	if err != nil {
		return nil, parent.Err() == nil, fmt.Errorf("read the answer: %w", err)
	}
	if len(b) > maxResponse {
		return nil, false, fmt.Errorf("an answer (status %d) of more than %d bytes", res.StatusCode, maxResponse)
	}
	if res.StatusCode != http.StatusOK {
		e := responseError(res, b)
		return nil, e.retryable(), e
	}
	var out secretValue
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, false, fmt.Errorf("decode the answer: %w", err)
	}
	return &out, false, nil
}

// endpoint returns the URL requests are sent to: Endpoint, or the
// regional endpoint of Region.
func (r *Reader) endpoint() string {
	if r.Endpoint != "" {
		return strings.TrimRight(r.Endpoint, "/") + "/"
	}
	domain := "amazonaws.com"
	if strings.HasPrefix(r.Region, "cn-") {
		domain = "amazonaws.com.cn"
	}
	return "https://secretsmanager." + r.Region + "." + domain + "/"
}

func (r *Reader) backoff(attempt int) time.Duration {
	if r.Backoff != nil {
		return r.Backoff(attempt)
	}
	// Full jitter below 100 ms · 2^(attempt-1), at most 1 s.
	ceiling := min(100*time.Millisecond<<(attempt-1), time.Second)
	return time.Duration(rand.Int64N(int64(ceiling))) + time.Millisecond
}

// Error is an answer of Secrets Manager other than success.
type Error struct {
	Status int
	// Code is the error's type ("ResourceNotFoundException",
	// "AccessDeniedException", "ThrottlingException"), when the answer
	// names one.
	Code    string
	Message string
}

func (e *Error) Error() string {
	s := "Secrets Manager answered " + strconv.Itoa(e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// throttling reports the error codes the SDK's standard retryer retries
// as throttling.
func throttling(code string) bool {
	switch code {
	case "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
		"TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
		"RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
		"SlowDown", "PriorRequestNotComplete", "EC2ThrottledException":
		return true
	}
	return false
}

// retryable reports whether the SDK would retry e: a 5xx, a 429 or a
// throttling code.
func (e *Error) retryable() bool {
	return e.Status >= 500 || e.Status == http.StatusTooManyRequests || throttling(e.Code)
}

// responseError reads Secrets Manager's JSON error document b (the type in
// __type or the X-Amzn-ErrorType header, the message in message or
// Message) of res.
func responseError(res *http.Response, b []byte) *Error {
	var doc struct {
		Type     string `json:"__type"`
		Code     string `json:"code"`
		Message  string `json:"message"`
		MessageU string `json:"Message"`
	}
	_ = json.Unmarshal(b, &doc)
	code := doc.Type
	if h := res.Header.Get("X-Amzn-ErrorType"); h != "" {
		code = h
	}
	if code == "" {
		code = doc.Code
	}
	// "aws.protocoltests#FooError:http://…" → "FooError", as the SDK reads it.
	if i := strings.IndexByte(code, ':'); i >= 0 {
		code = code[:i]
	}
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	msg := doc.Message
	if msg == "" {
		msg = doc.MessageU
	}
	if len(msg) > 512 {
		msg = msg[:512]
	}
	return &Error{Status: res.StatusCode, Code: code, Message: msg}
}
