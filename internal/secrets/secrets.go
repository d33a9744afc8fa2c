// Package secrets reads infocentre's secrets (the cursor key, the preview
// link key) from AWS Secrets Manager at run time, so that no secret value
// sits in a Lambda function's configuration: the environment names the
// secret (its ARN), the function reads the value once per container.
package secrets

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"infocentre/internal/awsconfig"
)

// attemptTimeout bounds one HTTP attempt to Secrets Manager.
const attemptTimeout = 5 * time.Second

// Reader reads secret strings from Secrets Manager and keeps each one for
// the life of the process (a Lambda container), so a secret costs one
// request per container however often it is asked for. Safe for concurrent
// use.
type Reader struct {
	client *secretsmanager.Client
	mu     sync.Mutex
	cache  map[string]string
}

// New returns a Reader on client.
func New(client *secretsmanager.Client) *Reader {
	return &Reader{client: client, cache: map[string]string{}}
}

// NewFromEnv returns a Reader configured from the environment: the usual
// AWS variables for region and credentials, and SECRETSMANAGER_ENDPOINT
// (optional base endpoint, e.g. a local stand-in).
func NewFromEnv(ctx context.Context) (*Reader, error) {
	cfg, err := awsconfig.Load(ctx, awsconfig.Options{HTTPClient: awshttp.NewBuildableClient().WithTimeout(attemptTimeout)})
	if err != nil {
		return nil, fmt.Errorf("secrets: load AWS config: %w", err)
	}
	return New(secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) {
		if ep := os.Getenv("SECRETSMANAGER_ENDPOINT"); ep != "" {
			o.BaseEndpoint = aws.String(ep)
		}
	})), nil
}

// Get returns the current string value of the secret id (an ARN or a
// name). It fails when the secret cannot be read or holds no string (a
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
	out, err := r.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
	if err != nil {
		return "", fmt.Errorf("secrets: read %s: %w", id, err)
	}
	v := aws.ToString(out.SecretString)
	if v == "" {
		return "", fmt.Errorf("secrets: %s holds no string value", id)
	}
	r.cache[id] = v
	return v, nil
}
