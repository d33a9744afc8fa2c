package functions_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLeanFunctions: built as functions/Makefile builds them, no function
// carries the embedded store, the files directory or the SDK's default
// credential chain, and the public, authorizer, bounces and notifier functions carry
// no staff side (console and its passkeys, upload
// inspection with its PDF and image codecs, transfers, static archives)
// and no Markdown renderer or sanitiser;
// only the notifier links the SES client (the public function stores
// confirmation emails in the outbox, the notifier sends them); the public
// function reads hosted files without the SDK's S3 client
// (internal/s3http) and names languages and sorts index pages without
// golang.org/x/text/language/display and golang.org/x/text/collate
// (internal/web's generated tables); no function links the SDK's Secrets
// Manager client (internal/secrets signs its one request itself), nor
// go-runewidth (20 ms of package initialisation), nor the DynamoDB
// client's schemas (0.4 ms).
func TestLeanFunctions(t *testing.T) {
	if testing.Short() {
		t.Skip("lists the dependencies of every function (go list)")
	}
	// The embedded store, and the SDK's credential chain with the STS,
	// SSO, sign-in and instance-metadata clients a function never uses
	// (internal/awsconfig).
	local := []string{"go.etcd.io/bbolt", "infocentre/internal/boltstore", "infocentre/internal/filestore",
		"github.com/aws/aws-sdk-go-v2/config", "github.com/aws/aws-sdk-go-v2/service/sts", "github.com/aws/aws-sdk-go-v2/service/sso",
		"github.com/aws/aws-sdk-go-v2/service/ssooidc", "github.com/aws/aws-sdk-go-v2/feature/ec2/imds",
		"github.com/aws/aws-sdk-go-v2/service/secretsmanager"}
	staff := []string{"infocentre/internal/console", "infocentre/internal/media", "infocentre/internal/s3transfer",
		"infocentre/internal/static", "github.com/go-webauthn/webauthn/webauthn", "github.com/pdfcpu/pdfcpu/pkg/pdfcpu"}
	// go-runewidth builds its width tables when a process starts: 20 ms of
	// every cold start of a function that links it (pdfcpu's form filling,
	// through pdfcpu's package api; internal/media reads PDFs without it).
	//
	// The SDK's DynamoDB client from v1.69.0 on builds a schema of every
	// structure of the service's model when a process starts (schema-based
	// serialisation, aws/aws-sdk-go-v2#3432): 0.42 ms and 587 KB of
	// package initialisation, and with its page faults 0.37 ms of every
	// cold start of the public function, more than all of infocentre's own
	// start. go.mod keeps service/dynamodb at v1.68.0, the last release
	// without it; this fails when an upgrade brings the schemas back. Take
	// the upgrade when the SDK builds them on first use, or when a fix the
	// project needs is only in a later release, and measure with
	// .ci/bench-coldstart.sh.
	slowInit := []string{"github.com/mattn/go-runewidth", "github.com/pdfcpu/pdfcpu/pkg/api",
		"github.com/aws/aws-sdk-go-v2/service/dynamodb/schemas"}
	// The Markdown renderer and sanitiser, whose package initialisation
	// alone took 8 ms of a cold start: bodies are rendered when written
	// (the admin and publisher functions), and shown as stored.
	markdown := []string{"infocentre/internal/markdown", "github.com/yuin/goldmark", "github.com/microcosm-cc/bluemonday"}
	// The Brotli encoder (0.85 MB): the public function leaves Brotli to
	// CloudFront (rendercache.Options.Brotli).
	brotli := []string{"infocentre/internal/brcompress", "github.com/andybalholm/brotli"}
	for fn, tags := range map[string]string{"public": "lambda.norpc,lambda,nethttpomithttp2,publicfn", "admin": "lambda.norpc,lambda,nethttpomithttp2",
		"authorizer": "lambda.norpc,lambda,nethttpomithttp2,publicfn", "publisher": "lambda.norpc,lambda,nethttpomithttp2", "edge": "lambda.norpc,lambda,nethttpomithttp2",
		"bounces": "lambda.norpc,lambda,nethttpomithttp2,publicfn", "notifier": "lambda.norpc,lambda,nethttpomithttp2,publicfn"} {
		cmd := exec.Command("go", "list", "-deps", "-tags", tags, "./"+fn)
		cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0", "GOOS=linux")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list %s: %v", fn, err)
		}
		deps := map[string]bool{}
		for _, p := range strings.Fields(string(out)) {
			deps[p] = true
		}
		if !deps["infocentre/internal/app"] {
			t.Fatalf("%s: the dependency list misses internal/app: %s", fn, out)
		}
		banned := append(append([]string{}, local...), slowInit...)
		if fn == "public" || fn == "bounces" || fn == "notifier" || fn == "authorizer" {
			banned = append(append(append([]string{}, banned...), staff...), markdown...)
		}
		if fn != "notifier" {
			banned = append(append([]string{}, banned...), "github.com/aws/aws-sdk-go-v2/service/sesv2")
		}
		if fn == "public" {
			banned = append(banned, "github.com/aws/aws-sdk-go-v2/service/s3", "infocentre/internal/s3files",
				"golang.org/x/text/language/display", "golang.org/x/text/collate")
			banned = append(banned, brotli...)
		}
		for _, p := range banned {
			if deps[p] {
				t.Errorf("%s (tags %s) carries %s", fn, tags, p)
			}
		}
	}
}
