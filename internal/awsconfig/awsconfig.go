// Package awsconfig loads the AWS configuration of this module's clients
// (DynamoDB, S3, Secrets Manager). On a workstation or in CI it is the
// SDK's default chain (profiles, SSO, the instance role); in a Lambda
// function (build tag lambda) it is only what the Lambda runtime gives a
// function — its region and its role's credentials in the environment —
// so that the functions do not carry the SDK's STS, SSO, sign-in and
// instance-metadata clients they never use.
package awsconfig

import (
	"cmp"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Options are the client settings the callers choose; nil fields keep the
// SDK's defaults.
type Options struct {
	HTTPClient aws.HTTPClient
	Retryer    func() aws.Retryer
}

// FromRuntime returns the configuration the Lambda runtime gives a
// function, from getenv: the region AWS_REGION (or AWS_DEFAULT_REGION)
// names and the credentials of AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
// and AWS_SESSION_TOKEN, which the runtime sets for the function's role
// (sam local and the tests set them too), with o applied. It fails,
// naming the variable, when either is missing. Load uses it under the
// build tag lambda.
func FromRuntime(getenv func(string) string, o Options) (aws.Config, error) {
	region := cmp.Or(getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION"))
	if region == "" {
		return aws.Config{}, errors.New("awsconfig: AWS_REGION is not set")
	}
	id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" || secret == "" {
		return aws.Config{}, errors.New("awsconfig: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")
	}
	cfg := aws.Config{
		Region:      region,
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(id, secret, getenv("AWS_SESSION_TOKEN"))),
		HTTPClient:  o.HTTPClient,
	}
	if o.Retryer != nil {
		cfg.Retryer = o.Retryer
	}
	return cfg, nil
}
