package secrets_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"infocentre/internal/dynamostore/dynamotest"
	"infocentre/internal/secrets"
)

// moto_server, which the DynamoDB tests start, serves Secrets Manager too.
func TestMain(m *testing.M) { dynamotest.Main(m) }

var creds = credentials.NewStaticCredentialsProvider("testing", "testing", "")

// client returns the SDK's Secrets Manager client on moto_server, with
// which the tests create the secrets the Reader reads.
func client(t *testing.T) *secretsmanager.Client {
	return secretsmanager.New(secretsmanager.Options{
		Region:       "eu-west-1",
		BaseEndpoint: aws.String(dynamotest.Endpoint(t)),
		Credentials:  creds,
	})
}

// reader returns a Reader on endpoint with no wait between attempts.
func reader(endpoint string) *secrets.Reader {
	return &secrets.Reader{Endpoint: endpoint, Region: "eu-west-1", Credentials: creds,
		Backoff: func(int) time.Duration { return time.Millisecond }}
}

func create(t *testing.T, c *secretsmanager.Client, in *secretsmanager.CreateSecretInput) string {
	t.Helper()
	out, err := c.CreateSecret(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.ARN)
}

func unique(prefix string) string { return fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano()) }

// TestGetReadsOncePerProcess: the value comes from Secrets Manager, by
// ARN or name, and a second read is served from the cache (the stand-in's
// value changed in between, the reader still returns the first).
func TestGetReadsOncePerProcess(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	name := unique("cursor")
	arn := create(t, c, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String("first-value-0123456789")})
	ep := dynamotest.Endpoint(t)
	r := reader(ep)
	for _, id := range []string{arn, name} {
		if v, err := r.Get(ctx, id); err != nil || v != "first-value-0123456789" {
			t.Fatalf("Get(%s) = %q, %v", id, v, err)
		}
	}
	if _, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(name), SecretString: aws.String("second-value")}); err != nil {
		t.Fatal(err)
	}
	if v, err := r.Get(ctx, name); err != nil || v != "first-value-0123456789" {
		t.Fatalf("cached Get = %q, %v; want the value read first", v, err)
	}
	if v, err := reader(ep).Get(ctx, name); err != nil || v != "second-value" {
		t.Fatalf("a new reader (container) reads %q, %v; want the current value", v, err)
	}
}

// TestNewFromEnv: the reader of the functions takes its endpoint from
// SECRETSMANAGER_ENDPOINT and its region and credentials from the AWS
// configuration, and reads a secret with them.
func TestNewFromEnv(t *testing.T) {
	c := client(t)
	name := unique("env")
	create(t, c, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String("value-from-env-reader")})
	for k, v := range map[string]string{"SECRETSMANAGER_ENDPOINT": dynamotest.Endpoint(t), "AWS_REGION": "eu-west-1",
		"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "",
		"AWS_PROFILE": "", "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"} {
		t.Setenv(k, v)
	}
	r, err := secrets.NewFromEnv(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r.Region != "eu-west-1" || r.Endpoint != dynamotest.Endpoint(t) {
		t.Fatalf("reader on %q in %q", r.Endpoint, r.Region)
	}
	if v, err := r.Get(context.Background(), name); err != nil || v != "value-from-env-reader" {
		t.Fatalf("Get = %q, %v", v, err)
	}
}

// TestGetFailures: a missing secret is Secrets Manager's
// ResourceNotFoundException, named with the id asked for; a binary secret
// and an empty id are refused; a failed read is not kept.
func TestGetFailures(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	r := reader(dynamotest.Endpoint(t))
	missing := unique("no-such-secret")
	_, err := r.Get(ctx, missing)
	var e *secrets.Error
	if !errors.As(err, &e) || e.Code != "ResourceNotFoundException" || !strings.Contains(err.Error(), missing) {
		t.Fatalf("missing secret: %v (%#v)", err, e)
	}
	create(t, c, &secretsmanager.CreateSecretInput{Name: aws.String(missing), SecretString: aws.String("created-later")})
	if v, err := r.Get(ctx, missing); err != nil || v != "created-later" {
		t.Fatalf("after the secret was created: %q, %v", v, err)
	}
	name := unique("binary")
	create(t, c, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretBinary: []byte{1, 2, 3}})
	if _, err := r.Get(ctx, name); err == nil || !strings.Contains(err.Error(), "no string value") {
		t.Errorf("binary secret: %v", err)
	}
	if _, err := r.Get(ctx, ""); err == nil {
		t.Error("empty id accepted")
	}
}

// front returns a loopback server that calls before with each request
// (and its body) and, when before returns false, passes it on to
// moto_server.
func front(t *testing.T, before func(w http.ResponseWriter, r *http.Request, body []byte) bool) *httptest.Server {
	t.Helper()
	target, err := url.Parse(dynamotest.Endpoint(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if before(w, r, body) {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestRequestIsSigned: what reaches the server is a GetSecretValue in the
// JSON 1.1 protocol whose SigV4 signature, computed again from the bytes
// received (body, signed headers, time), is the one sent, with the scope
// of Secrets Manager in the reader's region.
func TestRequestIsSigned(t *testing.T) {
	c := client(t)
	name := unique("signed")
	create(t, c, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String("signed-value")})
	var checked atomic.Int32
	srv := front(t, func(w http.ResponseWriter, r *http.Request, body []byte) bool {
		if err := verify(r, body); err != nil {
			t.Errorf("request: %v", err)
			http.Error(w, err.Error(), http.StatusForbidden)
			return true
		}
		checked.Add(1)
		return false
	})
	if v, err := reader(srv.URL).Get(context.Background(), name); err != nil || v != "signed-value" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	if checked.Load() != 1 {
		t.Fatalf("%d requests checked, want 1", checked.Load())
	}
}

// verify checks r as AWS would check a GetSecretValue request's
// signature: it rebuilds the request from the signed headers and body,
// signs it at the time it names and compares the signatures.
func verify(r *http.Request, body []byte) error {
	if r.Method != http.MethodPost || r.URL.Path != "/" || r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" ||
		r.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
		return fmt.Errorf("%s %s target %q type %q", r.Method, r.URL.Path, r.Header.Get("X-Amz-Target"), r.Header.Get("Content-Type"))
	}
	if !bytes.HasPrefix(body, []byte(`{"SecretId":`)) {
		return fmt.Errorf("body %s", body)
	}
	auth := r.Header.Get("Authorization")
	_, rest, ok := strings.Cut(auth, "Credential=testing/")
	if !ok || !strings.Contains(rest, "/eu-west-1/secretsmanager/aws4_request,") {
		return fmt.Errorf("credential scope of %q", auth)
	}
	_, signedText, _ := strings.Cut(auth, "SignedHeaders=")
	signedText, _, _ = strings.Cut(signedText, ",")
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return err
	}
	again, err := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	for _, h := range strings.Split(signedText, ";") {
		if h != "host" {
			again.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	again.Header.Del("Authorization")
	sum := sha256.Sum256(body)
	c, _ := creds.Retrieve(context.Background())
	if err := v4.NewSigner().SignHTTP(context.Background(), c, again, hex.EncodeToString(sum[:]), "secretsmanager", "eu-west-1", at); err != nil {
		return err
	}
	if got := again.Header.Get("Authorization"); got != auth {
		return fmt.Errorf("signature\n sent %s\n want %s", auth, got)
	}
	return nil
}

// TestRetriesServerErrorsAndThrottling: a 500 and a throttling answer are
// tried again and the read succeeds; a server that keeps failing is
// asked maxAttempts (3) times, and the error says what it answered;
// a refusal (access denied) is not tried again.
func TestRetriesServerErrorsAndThrottling(t *testing.T) {
	c := client(t)
	name := unique("retried")
	create(t, c, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String("value-after-retries")})
	var mu sync.Mutex
	var script []func(w http.ResponseWriter) // one answer per request; then moto_server
	calls := 0
	srv := front(t, func(w http.ResponseWriter, r *http.Request, body []byte) bool {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if len(script) == 0 {
			return false
		}
		answer := script[0]
		script = script[1:]
		answer(w)
		return true
	})
	set := func(answers ...func(w http.ResponseWriter)) {
		mu.Lock()
		defer mu.Unlock()
		script, calls = answers, 0
	}
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return calls
	}
	fail500 := func(w http.ResponseWriter) { http.Error(w, "internal", http.StatusInternalServerError) }
	throttled := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"__type":"ThrottlingException","message":"Rate exceeded"}`)
	}
	denied := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"__type":"com.amazonaws.secretsmanager#AccessDeniedException","Message":"not authorized to perform: secretsmanager:GetSecretValue"}`)
	}
	ctx := context.Background()

	set(fail500, throttled)
	if v, err := reader(srv.URL).Get(ctx, name); err != nil || v != "value-after-retries" {
		t.Fatalf("after a 500 and a throttling answer: %q, %v", v, err)
	}
	if n := count(); n != 3 {
		t.Errorf("%d requests, want 3 (500, throttled, moto_server)", n)
	}

	set(fail500, fail500, fail500, fail500)
	_, err := reader(srv.URL).Get(ctx, name)
	var e *secrets.Error
	if !errors.As(err, &e) || e.Status != http.StatusInternalServerError || !strings.Contains(err.Error(), name) {
		t.Errorf("a server that keeps failing: %v", err)
	}
	if n := count(); n != 3 {
		t.Errorf("%d requests to a failing server, want 3", n)
	}

	set(denied)
	_, err = reader(srv.URL).Get(ctx, name)
	if !errors.As(err, &e) || e.Code != "AccessDeniedException" || !strings.Contains(err.Error(), "not authorized") {
		t.Errorf("access denied: %v", err)
	}
	if n := count(); n != 1 {
		t.Errorf("access denied asked %d times, want once", n)
	}
}

// TestBounds: a caller's deadline ends a read that hangs, and an answer
// larger than a secret can be is refused.
func TestBounds(t *testing.T) {
	release := make(chan struct{})
	srv := front(t, func(w http.ResponseWriter, r *http.Request, body []byte) bool {
		if strings.Contains(string(body), "hang") {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return true
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		io.WriteString(w, `{"Name":"big","SecretString":"`)
		chunk := strings.Repeat("x", 64<<10)
		for range 64 { // 4 MiB, far above any secret
			if _, err := io.WriteString(w, chunk); err != nil {
				break
			}
		}
		io.WriteString(w, `"}`)
		return true
	})
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := reader(srv.URL).Get(ctx, "hang"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a hanging read: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("a read with a 300 ms deadline took %s", d)
	}
	if _, err := reader(srv.URL).Get(context.Background(), "big"); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("an oversized answer: %v", err)
	}
}
