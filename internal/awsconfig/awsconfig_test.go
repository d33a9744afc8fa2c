package awsconfig_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"infocentre/internal/awsconfig"
)

// TestFromRuntime: a function's configuration is its region and its
// role's credentials from the environment, with the caller's retryer; a
// missing region or key is an error naming it.
func TestFromRuntime(t *testing.T) {
	env := map[string]string{"AWS_DEFAULT_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
		"AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token"}
	getenv := func(k string) string { return env[k] }
	retryer := func() aws.Retryer { return retry.AddWithMaxAttempts(retry.NewStandard(), 7) }
	cfg, err := awsconfig.FromRuntime(getenv, awsconfig.Options{Retryer: retryer})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region != "eu-west-1" {
		t.Errorf("region %q", cfg.Region)
	}
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil || creds.AccessKeyID != "AKIDEXAMPLE" || creds.SecretAccessKey != "secret" || creds.SessionToken != "token" {
		t.Errorf("credentials %+v, %v", creds, err)
	}
	if cfg.Retryer == nil || cfg.Retryer().MaxAttempts() != 7 {
		t.Error("the caller's retryer is not used")
	}
	env["AWS_REGION"] = "eu-central-1"
	if cfg, _ := awsconfig.FromRuntime(getenv, awsconfig.Options{}); cfg.Region != "eu-central-1" {
		t.Errorf("AWS_REGION does not come first: %q", cfg.Region)
	}
	for _, missing := range []string{"AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
		e := map[string]string{"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "s"}
		delete(e, missing)
		if _, err := awsconfig.FromRuntime(func(k string) string { return e[k] }, awsconfig.Options{}); err == nil || !strings.Contains(err.Error(), missing) {
			t.Errorf("without %s: %v", missing, err)
		}
	}
}
