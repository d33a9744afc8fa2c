// Package s3http is the centre.FileStore of the functions that serve
// files but never take uploads (the public function): the objects of an S3
// bucket read, written and deleted with plain HTTP requests signed by the
// SDK's SigV4 signer (aws/signer/v4), and presigned GETs, without the S3
// client. The S3 service package with its endpoint rules and the
// serialisers of its ~100 operations is the largest part of an SDK binary
// (4.8 MB of the public function); s3files, which also presigns POST
// uploads, keeps it for the staff side. It passes storetest.RunFiles
// against moto_server's S3.
package s3http

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"infocentre/internal/awsconfig"
	"infocentre/internal/centre"
)

// unsignedPayload is the payload hash of a request whose body is not
// part of the signature (S3 accepts it; presigned GETs must use it).
const unsignedPayload = "UNSIGNED-PAYLOAD"

// emptyPayload is the SHA-256 of no bytes, the payload hash of a GET.
const emptyPayload = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// Store keeps the bytes of files in one bucket.
type Store struct {
	Bucket string
	// Endpoint is the base URL of the S3 API with path-style addressing
	// (a local stand-in); empty means AWS's regional endpoint with
	// virtual-hosted addressing.
	Endpoint    string
	Region      string
	Credentials aws.CredentialsProvider
	// HTTP sends the requests (default http.DefaultClient).
	HTTP *http.Client
	// Now is the signing clock (default time.Now).
	Now    func() time.Time
	signer *v4.Signer
}

var _ centre.FileStore = (*Store)(nil)

// New returns a Store for bucket with the AWS configuration of
// awsconfig.Load. S3_ENDPOINT points it at a local stand-in (path-style
// addressing), as it does s3files.
func New(ctx context.Context, bucket string) (*Store, error) {
	cfg, err := awsconfig.Load(ctx, awsconfig.Options{})
	if err != nil {
		return nil, fmt.Errorf("s3http: AWS configuration: %w", err)
	}
	return &Store{Bucket: bucket, Endpoint: os.Getenv("S3_ENDPOINT"), Region: cfg.Region, Credentials: cfg.Credentials,
		HTTP: &http.Client{Timeout: 30 * time.Second}}, nil
}

// objectURL returns the URL of key: path-style on Endpoint, or
// virtual-hosted on AWS (path-style when the bucket's name has a dot,
// which a virtual host's certificate does not cover).
func (s *Store) objectURL(key string) (*url.URL, error) {
	var base string
	switch {
	case s.Endpoint != "":
		base = strings.TrimRight(s.Endpoint, "/") + "/" + s.Bucket
	case strings.Contains(s.Bucket, "."):
		base = "https://s3." + s.Region + ".amazonaws.com/" + s.Bucket
	default:
		base = "https://" + s.Bucket + ".s3." + s.Region + ".amazonaws.com"
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("s3http: endpoint: %w", err)
	}
	// S3 signs the path as sent (the signer leaves it as is): each
	// segment of the key escaped once.
	segs := strings.Split(key, "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg)
	}
	u.RawPath = u.EscapedPath() + "/" + strings.Join(segs, "/")
	u.Path += "/" + key
	return u, nil
}

// newRequest returns a request for key signed with payloadHash.
func (s *Store) newRequest(ctx context.Context, method, key string, body io.Reader, payloadHash string) (*http.Request, error) {
	u, err := s.objectURL(key)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("s3http: %w", err)
	}
	req.URL = u
	req.Header.Set("X-Amz-Content-Sha256", payloadHash)
	return req, nil
}

// sign signs req with the store's credentials.
func (s *Store) sign(ctx context.Context, req *http.Request, payloadHash string) error {
	creds, err := s.Credentials.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("s3http: credentials: %w", err)
	}
	return s.signerOf().SignHTTP(ctx, creds, req, payloadHash, "s3", s.Region, s.now(), noPathEscaping)
}

func noPathEscaping(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }

func (s *Store) signerOf() *v4.Signer {
	if s.signer == nil {
		s.signer = v4.NewSigner()
	}
	return s.signer
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Store) client() *http.Client {
	if s.HTTP != nil {
		return s.HTTP
	}
	return http.DefaultClient
}

// maxAttempts bounds the tries of an idempotent request (GET, DELETE) that
// S3 answered with a 5xx or throttling status or that did not reach it.
const maxAttempts = 3

// do sends an idempotent, bodiless request for key, retrying as the SDK's
// standard retryer would (maxAttempts, short backoff).
func (s *Store) do(ctx context.Context, method, key string) (*http.Response, error) {
	var lastErr error
	for attempt := range maxAttempts {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Duration(attempt) * 100 * time.Millisecond):
			}
		}
		req, err := s.newRequest(ctx, method, key, nil, emptyPayload)
		if err != nil {
			return nil, err
		}
		if err := s.sign(ctx, req, emptyPayload); err != nil {
			return nil, err
		}
		res, err := s.client().Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			lastErr = err
			continue
		}
		if res.StatusCode >= 500 || res.StatusCode == http.StatusTooManyRequests {
			lastErr = responseError(res)
			continue
		}
		return res, nil
	}
	return nil, lastErr
}

// Put uploads size bytes of r under key with one PutObject. A body shorter
// than size fails the request before S3 has it all (nothing is stored); a
// longer one is cut at size.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, mediaType string) error {
	req, err := s.newRequest(ctx, http.MethodPut, key, io.LimitReader(r, size), unsignedPayload)
	if err != nil {
		return err
	}
	req.ContentLength = size
	if size == 0 {
		req.Body = http.NoBody
	}
	req.Header.Set("Content-Type", mediaType)
	if err := s.sign(ctx, req, unsignedPayload); err != nil {
		return err
	}
	res, err := s.client().Do(req)
	if err != nil {
		return fmt.Errorf("s3http: put %s: %w", key, err)
	}
	defer drain(res)
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("s3http: put %s: %w", key, responseError(res))
	}
	return nil
}

// Open returns the object under key (one GetObject), or ENOTFOUND.
func (s *Store) Open(ctx context.Context, key string) (*centre.Object, error) {
	res, err := s.do(ctx, http.MethodGet, key)
	if err != nil {
		return nil, fmt.Errorf("s3http: get %s: %w", key, err)
	}
	if res.StatusCode == http.StatusNotFound {
		drain(res)
		return nil, centre.Errorf(centre.ENOTFOUND, "no file %q", key)
	}
	if res.StatusCode != http.StatusOK {
		defer drain(res)
		return nil, fmt.Errorf("s3http: get %s: %w", key, responseError(res))
	}
	size := res.ContentLength
	if size < 0 {
		size, err = strconv.ParseInt(res.Header.Get("Content-Length"), 10, 64)
		if err != nil {
			drain(res)
			return nil, fmt.Errorf("s3http: get %s: no Content-Length", key)
		}
	}
	return &centre.Object{Body: res.Body, Size: size}, nil
}

// Delete removes the object under key (a missing key is no error).
func (s *Store) Delete(ctx context.Context, key string) error {
	res, err := s.do(ctx, http.MethodDelete, key)
	if err != nil {
		return fmt.Errorf("s3http: delete %s: %w", key, err)
	}
	defer drain(res)
	if res.StatusCode/100 != 2 && res.StatusCode != http.StatusNotFound {
		return fmt.Errorf("s3http: delete %s: %w", key, responseError(res))
	}
	return nil
}

// PresignGet returns a GET URL for key, valid for ttl (at most 7 days, as
// SigV4 allows), that downloads it as name with its media type
// (centre.PresignedGets).
func (s *Store) PresignGet(ctx context.Context, key, name, mediaType string, ttl time.Duration) (string, error) {
	u, err := s.objectURL(key)
	if err != nil {
		return "", err
	}
	secs := int64(ttl / time.Second)
	if secs < 1 || secs > 7*24*3600 {
		return "", fmt.Errorf("s3http: presign get %s: a lifetime of %s is outside 1 s..7 days", key, ttl)
	}
	q := u.Query()
	q.Set("X-Amz-Expires", strconv.FormatInt(secs, 10))
	q.Set("response-content-disposition", mime.FormatMediaType("inline", map[string]string{"filename": name}))
	q.Set("response-content-type", mediaType)
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", fmt.Errorf("s3http: presign get %s: %w", key, err)
	}
	req.URL = u
	creds, err := s.Credentials.Retrieve(ctx)
	if err != nil {
		return "", fmt.Errorf("s3http: credentials: %w", err)
	}
	signed, _, err := s.signerOf().PresignHTTP(ctx, creds, req, unsignedPayload, "s3", s.Region, s.now(), noPathEscaping)
	if err != nil {
		return "", fmt.Errorf("s3http: presign get %s: %w", key, err)
	}
	return signed, nil
}

// Error is a response of S3 other than success or not found.
type Error struct {
	Status int
	// Code is S3's error code ("AccessDenied", "SlowDown"), when the body
	// names one.
	Code string
}

func (e *Error) Error() string {
	if e.Code == "" {
		return "S3 answered " + strconv.Itoa(e.Status)
	}
	return "S3 answered " + strconv.Itoa(e.Status) + " " + e.Code
}

// responseError reads S3's error document (at most 64 KiB) from res.
func responseError(res *http.Response) error {
	defer drain(res)
	doc, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	return &Error{Status: res.StatusCode, Code: errorCode(doc)}
}

// errorCode returns the Code of S3's error document
// (<Error><Code>NoSuchKey</Code>…</Error>): an identifier of letters and
// digits, looked up without an XML decoder (the public function links
// none); "" when there is none, or it is not such an identifier.
func errorCode(doc []byte) string {
	_, rest, ok := bytes.Cut(doc, []byte("<Code>"))
	if !ok {
		return ""
	}
	code, _, ok := bytes.Cut(rest, []byte("</Code>"))
	if !ok || len(code) == 0 || len(code) > 100 {
		return ""
	}
	for _, c := range code {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_') {
			return ""
		}
	}
	return string(code)
}

// drain reads what is left of a response body (at most 64 KiB, so that
// the connection can be reused) and closes it.
func drain(res *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
}
