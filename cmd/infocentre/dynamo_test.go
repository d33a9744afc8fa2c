package main

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"infocentre/internal/app"
	"infocentre/internal/centre"
	"infocentre/internal/demo"
	"infocentre/internal/dynamostore/dynamotest"
)

func TestMain(m *testing.M) { dynamotest.Main(m) }

// TestDynamoDBCommands follows the README's first steps on DynamoDB: create
// the table, the first owner key and a site with the CLI, then serve them.
func TestDynamoDBCommands(t *testing.T) {
	endpoint := dynamotest.Endpoint(t)
	t.Setenv("DYNAMODB_ENDPOINT", endpoint)
	t.Setenv("DYNAMODB_TABLE", fmt.Sprintf("cli-%d", time.Now().UnixNano()))
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	t.Setenv("CURSOR_SECRET", "")
	if out, _, err := runCLI(t, "table", "create"); err != nil || !strings.Contains(out, "created table") {
		t.Fatalf("table create: %q %v", out, err)
	}
	owner, _, err := runCLI(t, "key", "create", "--store", "dynamodb", "--role", "owner", "--name", "first owner")
	if err != nil || !centre.LooksLikeKey(strings.TrimSpace(owner)) {
		t.Fatalf("owner key: %q %v", owner, err)
	}
	out, _, err := runCLI(t, "site", "create", "--store", "dynamodb", "--slug", "covid-19", "--title", "COVID-19 Information Centre",
		"--publisher", "Association", "--email", "press@example.org")
	if err != nil || !strings.Contains(out, "admin key: icsk_") {
		t.Fatalf("site create: %q %v", out, err)
	}
	// A server needs a lasting cursor secret on DynamoDB.
	if _, _, err := runCLI(t, "serve", "--store", "dynamodb", "--addr", "127.0.0.1:0"); err == nil || !strings.Contains(err.Error(), "CURSOR_SECRET") {
		t.Fatalf("serve without CURSOR_SECRET: %v", err)
	}
	t.Setenv("CURSOR_SECRET", "a-lasting-cursor-secret-for-tests")
	url, printed := startServerArgs(t, "--store", "dynamodb")
	if printed != "" {
		t.Fatal("serve printed an owner key for a table that has one")
	}
	var site struct{ Slug string }
	if s := get(t, url+"/api/v1/sites/covid-19", &site); s != 200 || site.Slug != "covid-19" {
		t.Fatalf("site on DynamoDB: %d %+v", s, site)
	}
	out, _, err = runCLI(t, "key", "list", "--url", url, "--key", strings.TrimSpace(owner))
	if err != nil || !strings.Contains(out, "first owner") {
		t.Fatalf("owner keys through the server: %q %v", out, err)
	}
}

// TestEntryCommandsDynamoDB runs the entry commands on a DynamoDB table
// (--store dynamodb), as on the embedded store.
func TestEntryCommandsDynamoDB(t *testing.T) {
	endpoint := dynamotest.Endpoint(t)
	t.Setenv("DYNAMODB_ENDPOINT", endpoint)
	t.Setenv("DYNAMODB_TABLE", fmt.Sprintf("cli-entries-%d", time.Now().UnixNano()))
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	if _, _, err := runCLI(t, "table", "create"); err != nil {
		t.Fatal(err)
	}
	newFloodSite(t, "--store", "dynamodb")
	entryScenario(t, "--store", "dynamodb")
}

// TestJobsThroughTransferBucket: against a server with a transfer bucket
// (as on AWS, S3 on moto_server), export and export-static follow the 303
// to the presigned download and import uploads the file to the bucket
// first, so no payload passes through a Lambda request or response.
func TestJobsThroughTransferBucket(t *testing.T) {
	endpoint := dynamotest.Endpoint(t)
	t.Setenv("S3_ENDPOINT", endpoint)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	ctx := context.Background()
	client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")})
	bucket := fmt.Sprintf("cli-transfers-%d", time.Now().UnixNano())
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	cfg := app.Config{Store: "bolt", DataDir: t.TempDir(), TransferBucket: bucket}
	store, err := app.OpenStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(cfg, store, app.NewLogger(io.Discard, "error"))
	if err != nil {
		store.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if err := demo.Seed(ctx, a.Service, time.Now()); err != nil {
		t.Fatal(err)
	}
	_, owner, err := a.Service.Bootstrap(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	remote := []string{"--url", srv.URL, "--key", owner}
	dir := t.TempDir()
	out := filepath.Join(dir, "demo.ndjson")
	_, stderr, err := runCLI(t, append([]string{"export", "--site", "demo", "--out", out}, remote...)...)
	if err != nil || !strings.Contains(stderr, "exported site demo: ") {
		t.Fatalf("export through the bucket: %q %v", stderr, err)
	}
	if b, _ := os.ReadFile(out); !strings.HasPrefix(string(b), `{"format":"infocentre-export"`) {
		t.Fatalf("exported file: %.100s", b)
	}
	uploads := func() int {
		t.Helper()
		list, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("imports/")})
		if err != nil {
			t.Fatal(err)
		}
		return len(list.Contents)
	}
	// A dry run keeps its upload (to import it next); an import deletes its own.
	stdout, _, err := runCLI(t, append(append([]string{"import", "--dry-run", "--as", "demo-copy"}, remote...), out)...)
	if err != nil || !strings.HasPrefix(stdout, "checked (dry run, nothing written) site demo-copy: ") || uploads() != 1 {
		t.Fatalf("dry run through the bucket: %q %v, %d uploads", stdout, err, uploads())
	}
	stdout, _, err = runCLI(t, append(append([]string{"import", "--as", "demo-copy"}, remote...), out)...)
	if err != nil || !strings.HasPrefix(stdout, "imported site demo-copy: ") || uploads() != 1 {
		t.Fatalf("import through the bucket: %q %v, %d uploads", stdout, err, uploads())
	}
	exports, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("exports/demo/")})
	if err != nil || len(exports.Contents) != 1 {
		t.Fatalf("the export did not go through the bucket: %v %v", exports, err)
	}
	www := filepath.Join(dir, "www")
	stdout, _, err = runCLI(t, append([]string{"export-static", "--site", "demo", "--out", www}, remote...)...)
	if err != nil || !strings.Contains(stdout, "exported site demo to ") {
		t.Fatalf("export-static through the bucket: %q %v", stdout, err)
	}
	if _, err := os.Stat(filepath.Join(www, "index.html")); err != nil {
		t.Fatal(err)
	}
}
