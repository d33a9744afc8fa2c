//go:build lambda

package awsconfig

import (
	"context"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Load returns the configuration a Lambda function runs with (see
// FromRuntime), read from the process environment.
func Load(_ context.Context, o Options) (aws.Config, error) { return FromRuntime(os.Getenv, o) }
