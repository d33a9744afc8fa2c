package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"infocentre/internal/app"
	"infocentre/internal/dynamostore/dynamotest"
	"infocentre/internal/httpapi"
	"infocentre/internal/previewlink"
)

// awsEnv points the process at moto_server as a Lambda function's
// environment would at AWS: a table and the secrets' ARNs, no values.
func awsEnv(t *testing.T) (cursorValue, previewValue string, sm *secretsmanager.Client) {
	t.Helper()
	ep := dynamotest.Endpoint(t)
	table := dynamotest.NewTable(t, dynamotest.Client(t))
	sm = secretsmanager.New(secretsmanager.Options{Region: "eu-west-1", BaseEndpoint: aws.String(ep),
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")})
	arn := func(name, value string) string {
		out, err := sm.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{
			Name: aws.String(fmt.Sprintf("%s-%d", name, time.Now().UnixNano())), SecretString: aws.String(value)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.ARN)
	}
	cursorValue, previewValue = "cursor-key-from-secrets-manager-0123", "preview-key-from-secrets-manager-4567"
	for k, v := range map[string]string{
		"INFOCENTRE_STORE": "", "DYNAMODB_TABLE": table, "DYNAMODB_ENDPOINT": ep, "SECRETSMANAGER_ENDPOINT": ep,
		"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
		"CURSOR_SECRET": "", "PREVIEW_SECRET": "",
		"CURSOR_SECRET_ARN": arn("cursor", cursorValue), "PREVIEW_SECRET_ARN": arn("preview", previewValue),
	} {
		t.Setenv(k, v)
	}
	return cursorValue, previewValue, sm
}

// TestFunctionsReadSecretsAtRuntime: with only the secrets' ARNs in the
// environment (as template.yaml sets it), the wiring every function uses
// reads both keys from Secrets Manager, and preview links are signed with
// the preview key, not the cursor key.
func TestFunctionsReadSecretsAtRuntime(t *testing.T) {
	cursorValue, previewValue, _ := awsEnv(t)
	a, err := app.FromEnv(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if a.Config.CursorSecret != cursorValue || a.Config.PreviewSecret != previewValue {
		t.Fatalf("secrets read: cursor %q, preview %q", a.Config.CursorSecret, a.Config.PreviewSecret)
	}
	token := a.Service.Signer.Seal("preview", "entry-1")
	previews, _ := previewlink.New([]byte(previewValue))
	cursors, _ := previewlink.New([]byte(cursorValue))
	if raw, err := previews.Open("preview", token); err != nil || raw != "entry-1" {
		t.Errorf("preview token does not open with the preview key: %q %v", raw, err)
	}
	if _, err := cursors.Open("preview", token); err == nil {
		t.Error("preview token opens with the cursor key")
	}
}

// TestPlainSecretsWinOverARNs: sam local and local runs set the values
// themselves; then Secrets Manager is never asked.
func TestPlainSecretsWinOverARNs(t *testing.T) {
	awsEnv(t)
	t.Setenv("CURSOR_SECRET", "plain-cursor-secret-0123456789")
	t.Setenv("PREVIEW_SECRET", "plain-preview-secret-0123456789")
	t.Setenv("SECRETSMANAGER_ENDPOINT", "http://127.0.0.1:1") // nothing listens: a read would fail
	a, err := app.FromEnv(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if a.Config.CursorSecret != "plain-cursor-secret-0123456789" || a.Config.PreviewSecret != "plain-preview-secret-0123456789" {
		t.Fatalf("config %+v", a.Config)
	}
}

// TestMissingSecretFailsStart: a function whose secret cannot be read
// does not start half-configured; the error names the variable.
func TestMissingSecretFailsStart(t *testing.T) {
	awsEnv(t)
	t.Setenv("PREVIEW_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:no-such-secret-AbCdEf")
	_, err := app.FromEnv(context.Background())
	if err == nil || !strings.Contains(err.Error(), "PREVIEW_SECRET_ARN") {
		t.Fatalf("start with an unreadable secret: %v", err)
	}
}

// TestOIDCClientSecretReadByTheConsoleOnly: the admin function
// (WithConsole) reads the OIDC client secret that OIDC_CLIENT_SECRET_ARN
// names and hands it to the console; the other functions, whose IAM
// policies do not allow that read, never ask for it and run without SSO.
func TestOIDCClientSecretReadByTheConsoleOnly(t *testing.T) {
	_, _, sm := awsEnv(t)
	out, err := sm.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{
		Name: aws.String(fmt.Sprintf("oidc-%d", time.Now().UnixNano())), SecretString: aws.String("oidc-client-secret-from-sm")})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"PUBLIC_ORIGIN": "https://info.example.org", "OIDC_ISSUER": "https://idp.example.org",
		"OIDC_CLIENT_ID": "infocentre", "OIDC_NAME": "Example ID", "OIDC_CLIENT_SECRET": "", "OIDC_CLIENT_SECRET_ARN": aws.ToString(out.ARN)} {
		t.Setenv(k, v)
	}
	a, err := app.FromEnv(context.Background(), app.WithConsole)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if o := a.Config.OIDC; o.ClientSecret != "oidc-client-secret-from-sm" || o.Issuer != "https://idp.example.org" || o.ClientID != "infocentre" {
		t.Errorf("console OIDC config %+v", o)
	}
	if a.Console == nil {
		t.Error("the admin function serves no console")
	}

	// Without WithConsole an unreadable ARN does not matter: it is never read.
	t.Setenv("OIDC_CLIENT_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:no-such-oidc-AbCdEf")
	b, err := app.FromEnv(context.Background())
	if err != nil {
		t.Fatalf("a function without the console asked for the OIDC secret: %v", err)
	}
	b.Close()
	if b.Config.OIDC != (app.OIDC{}) {
		t.Errorf("a function without the console keeps OIDC config %+v", b.Config.OIDC)
	}
	// With it, the unreadable secret stops the start, naming the variable.
	if _, err := app.FromEnv(context.Background(), app.WithConsole); err == nil || !strings.Contains(err.Error(), "OIDC_CLIENT_SECRET_ARN") {
		t.Errorf("start with an unreadable OIDC secret: %v", err)
	}
}

// TestLocalPreviewKeyIsNotTheCursorKey: a local run that sets no preview
// secret signs preview links with its own generated key, never the cursor
// key.
func TestLocalPreviewKeyIsNotTheCursorKey(t *testing.T) {
	cfg := app.Config{Store: "bolt", DataDir: t.TempDir(), CursorSecret: "local-cursor-secret-0123456789"}
	store, err := app.OpenStore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(cfg, store, app.NewLogger(io.Discard, "error"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	token := a.Service.Signer.Seal("preview", "entry-1")
	cursors, _ := previewlink.New([]byte(cfg.CursorSecret))
	if _, err := cursors.Open("preview", token); err == nil {
		t.Error("preview token opens with the cursor key")
	}
	if raw, err := a.Service.Signer.Open("preview", token); err != nil || raw != "entry-1" {
		t.Errorf("preview token round trip: %q %v", raw, err)
	}
}

// TestOriginSecretReadByThePublicFunctionOnly: the public function
// (WithOriginCheck) reads the CDN's origin secret that ORIGIN_SECRET_ARN
// names and refuses public requests without it; the other functions, whose
// IAM policies do not allow that read, never ask for it.
func TestOriginSecretReadByThePublicFunctionOnly(t *testing.T) {
	_, _, sm := awsEnv(t)
	const value = "origin-secret-from-secrets-manager-89ab"
	out, err := sm.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{
		Name: aws.String(fmt.Sprintf("origin-%d", time.Now().UnixNano())), SecretString: aws.String(value)})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("ORIGIN_SECRET", "")
	t.Setenv("ORIGIN_SECRET_ARN", aws.ToString(out.ARN))
	a, err := app.FromEnv(context.Background(), app.WithOriginCheck)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if a.Config.OriginSecret != value {
		t.Fatalf("origin secret read: %q", a.Config.OriginSecret)
	}
	for header, want := range map[string]int{"": http.StatusForbidden, "other": http.StatusForbidden, value: http.StatusOK} {
		r := httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil)
		if header != "" {
			r.Header.Set(httpapi.OriginSecretHeader, header)
		}
		w := httptest.NewRecorder()
		a.Handler.Public().ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("origin header %q: status %d, want %d (%s)", header, w.Code, want, w.Body)
		}
	}

	// Without WithOriginCheck an unreadable ARN does not matter: it is never read.
	t.Setenv("ORIGIN_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:no-such-origin-AbCdEf")
	b, err := app.FromEnv(context.Background())
	if err != nil {
		t.Fatalf("a function that checks no origin asked for the origin secret: %v", err)
	}
	b.Close()
	if b.Config.OriginSecret != "" || b.Config.OriginSecretARN != "" {
		t.Errorf("a function that checks no origin keeps %q %q", b.Config.OriginSecret, b.Config.OriginSecretARN)
	}
	// With it, the unreadable secret stops the start, naming the variable.
	if _, err := app.FromEnv(context.Background(), app.WithOriginCheck); err == nil || !strings.Contains(err.Error(), "ORIGIN_SECRET_ARN") {
		t.Errorf("start with an unreadable origin secret: %v", err)
	}
}

// TestPublicFromEnvWithOriginCheck: the public function's own wiring
// (PublicFromEnv with WithOriginCheck, as functions/public runs it) reads
// the origin secret, refuses public requests without it, and never reads the console's OIDC client secret (an unreadable
// ARN does not stop it, while it stops the admin function's wiring).
func TestPublicFromEnvWithOriginCheck(t *testing.T) {
	_, _, sm := awsEnv(t)
	const value = "origin-secret-of-the-public-function-77"
	out, err := sm.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{
		Name: aws.String(fmt.Sprintf("origin-public-%d", time.Now().UnixNano())), SecretString: aws.String(value)})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("ORIGIN_SECRET", "")
	t.Setenv("ORIGIN_SECRET_ARN", aws.ToString(out.ARN))
	t.Setenv("OIDC_ISSUER", "https://id.example.org")
	t.Setenv("OIDC_CLIENT_ID", "infocentre")
	t.Setenv("OIDC_CLIENT_SECRET", "")
	t.Setenv("OIDC_CLIENT_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:no-such-oidc-AbCdEf")
	a, err := app.PublicFromEnv(context.Background(), app.WithOriginCheck)
	if err != nil {
		t.Fatalf("the public function asked for a secret it does not use, or failed: %v", err)
	}
	defer a.Close()
	if a.Config.OriginSecret != value {
		t.Fatalf("origin secret read: %q", a.Config.OriginSecret)
	}
	if a.Config.OIDC.ClientSecret != "" {
		t.Error("the public function holds the OIDC client secret")
	}
	for _, c := range []struct {
		path, header string
		want         int
	}{
		{"/api/v1/openapi.json", "", http.StatusForbidden},
		{"/api/v1/openapi.json", "other", http.StatusForbidden},
		{"/api/v1/openapi.json", value, http.StatusOK},
	} {
		r := httptest.NewRequest(http.MethodGet, c.path, nil)
		if c.header != "" {
			r.Header.Set(httpapi.OriginSecretHeader, c.header)
		}
		w := httptest.NewRecorder()
		a.Handler.Public().ServeHTTP(w, r)
		if w.Code != c.want {
			t.Errorf("GET %s with origin header %q: status %d, want %d (%s)", c.path, c.header, w.Code, c.want, w.Body)
		}
	}
	// The admin function's wiring (WithConsole) does read that OIDC ARN,
	// and fails on it: the start above passed because it never asked.
	if _, err := app.FromEnv(context.Background(), app.WithConsole); err == nil || !strings.Contains(err.Error(), "OIDC_CLIENT_SECRET_ARN") {
		t.Errorf("the admin wiring with an unreadable OIDC secret: %v", err)
	}
	// Without the origin secret, the start fails and names the variable.
	t.Setenv("ORIGIN_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:no-such-origin-AbCdEf")
	if _, err := app.PublicFromEnv(context.Background(), app.WithOriginCheck); err == nil || !strings.Contains(err.Error(), "ORIGIN_SECRET_ARN") {
		t.Errorf("public start with an unreadable origin secret: %v", err)
	}
}
