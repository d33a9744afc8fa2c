package secrets_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"infocentre/internal/dynamostore/dynamotest"
	"infocentre/internal/secrets"
)

// moto_server, which the DynamoDB tests start, serves Secrets Manager too.
func TestMain(m *testing.M) { dynamotest.Main(m) }

func client(t *testing.T) *secretsmanager.Client {
	return secretsmanager.New(secretsmanager.Options{
		Region:       "eu-west-1",
		BaseEndpoint: aws.String(dynamotest.Endpoint(t)),
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
	})
}

// TestGetReadsOncePerProcess: the value comes from Secrets Manager, and a
// second read is served from the cache (the stand-in's value changed in
// between, the reader still returns the first).
func TestGetReadsOncePerProcess(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	name := fmt.Sprintf("cursor-%d", time.Now().UnixNano())
	out, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String("first-value-0123456789")})
	if err != nil {
		t.Fatal(err)
	}
	r := secrets.New(c)
	for _, id := range []string{aws.ToString(out.ARN), name} {
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
	if v, err := secrets.New(c).Get(ctx, name); err != nil || v != "second-value" {
		t.Fatalf("a new reader (container) reads %q, %v; want the current value", v, err)
	}
}

func TestGetFailures(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	r := secrets.New(c)
	if _, err := r.Get(ctx, "no-such-secret-"+fmt.Sprint(time.Now().UnixNano())); err == nil || !strings.Contains(err.Error(), "no-such-secret") {
		t.Errorf("missing secret: %v", err)
	}
	name := fmt.Sprintf("binary-%d", time.Now().UnixNano())
	if _, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretBinary: []byte{1, 2, 3}}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Get(ctx, name); err == nil || !strings.Contains(err.Error(), "no string value") {
		t.Errorf("binary secret: %v", err)
	}
	if _, err := r.Get(ctx, ""); err == nil {
		t.Error("empty id accepted")
	}
}
