// Package dynamotest runs tests against a real DynamoDB-compatible server:
// moto_server, started once per test binary on a free loopback port, with
// a fresh table per test made from dynamostore.TableSchema.
//
// A test package opts in from TestMain:
//
//	func TestMain(m *testing.M) { dynamotest.Main(m) }
//
// and each test calls NewStore (or Client and NewTable). Under -short
// (make check) the tests are skipped and no server is started. Without
// moto_server on PATH they are skipped too, except when CI=true, where
// they fail. DYNAMOTEST_ENDPOINT points the tests at a server that is
// already running instead.
package dynamotest

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"infocentre/internal/dynamostore"
)

// errShort is the reason moto-backed tests skip under -short.
var errShort = errors.New("moto-backed test skipped under -short")

var (
	mainRan  bool
	endpoint string
	startErr error
	tableSeq atomic.Int64
	runID    = fmt.Sprintf("%x", time.Now().UnixNano()&0xffffff)
)

// Main starts moto_server (unless DYNAMOTEST_ENDPOINT is set or the tests
// run with -short), runs the tests and stops the server. Call it from
// TestMain.
func Main(m *testing.M) { os.Exit(Run(m)) }

// Run is Main for a TestMain that has more to do after the tests: it
// starts moto_server (as Main does), runs the tests, stops the server and
// returns the exit code.
func Run(m *testing.M) int {
	mainRan = true
	flag.Parse() // testing.Short needs the flags before m.Run parses them
	var stop func()
	if testing.Short() {
		startErr = errShort
	} else {
		endpoint, stop, startErr = start()
	}
	code := m.Run()
	if stop != nil {
		if code != 0 {
			fmt.Fprintf(os.Stderr, "dynamotest: end of the moto_server log:\n%s\n", tail(readLog()))
		}
		stop()
	}
	return code
}

// Endpoint returns the base URL of the server, or skips the test if there
// is none: always under -short; otherwise a missing server fails the test
// under CI=true and skips it elsewhere.
func Endpoint(t testing.TB) string {
	t.Helper()
	if !mainRan {
		t.Fatal("dynamotest: call dynamotest.Main(m) from TestMain")
	}
	if startErr != nil {
		if mustFail(startErr, os.Getenv("CI")) {
			t.Fatalf("dynamotest: %v", startErr)
		}
		t.Skipf("dynamotest: %v", startErr)
	}
	return endpoint
}

// mustFail reports whether a test without a server fails rather than
// skips: under CI=true, unless the reason is -short.
func mustFail(reason error, ci string) bool {
	return ci == "true" && !errors.Is(reason, errShort)
}

// Client returns a client of the server with dummy credentials and a
// standard retryer with short backoffs. optFns are applied last.
func Client(t testing.TB, optFns ...func(*dynamodb.Options)) *dynamodb.Client {
	t.Helper()
	return ClientAt(Endpoint(t), optFns...)
}

// ClientAt is Client for the DynamoDB-compatible server at base URL ep.
func ClientAt(ep string, optFns ...func(*dynamodb.Options)) *dynamodb.Client {
	cfg := aws.Config{
		HTTPClient:  serialClient{c: &http.Client{Timeout: StoreTimeout}},
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = dynamostore.DefaultMaxAttempts
				o.Backoff = retry.NewExponentialJitterBackoff(20 * time.Millisecond)
				o.RateLimiter = ratelimit.None
			})
		},
	}
	return dynamodb.NewFromConfig(cfg, append([]func(*dynamodb.Options){func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(ep)
	}}, optFns...)...)
}

var nameRE = regexp.MustCompile(`[^a-zA-Z0-9_.-]+`)

// NewTable creates a fresh table from dynamostore.TableSchema, named after
// the test, and deletes it when the test ends.
func NewTable(t testing.TB, client *dynamodb.Client) string {
	t.Helper()
	name := nameRE.ReplaceAllString(t.Name(), "-")
	if len(name) > 180 {
		name = name[len(name)-180:]
	}
	table := fmt.Sprintf("t%s-%d-%s", runID, tableSeq.Add(1), name)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := dynamostore.CreateTable(ctx, client, table); err != nil {
		t.Fatalf("dynamotest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(table)}); err != nil {
			t.Logf("dynamotest: delete table %s: %v", table, err)
		}
	})
	return table
}

// StoreTimeout is the operation deadline of stores made by NewStore:
// longer than in production, because moto_server on a busy test machine is
// much slower than DynamoDB (one request waits for the others of its test
// binary: requests to moto_server are serialised). A CI run with every
// moto-backed package at once reached 30 s.
const StoreTimeout = 60 * time.Second

// NewStore returns a store on a fresh table of its own, with StoreTimeout
// and then opts applied.
func NewStore(t testing.TB, opts ...dynamostore.Option) *dynamostore.Store {
	t.Helper()
	client := Client(t)
	opts = append([]dynamostore.Option{dynamostore.WithTimeout(StoreTimeout)}, opts...)
	s := dynamostore.New(client, NewTable(t, client), opts...)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

var (
	startMu sync.Mutex
	logName string
)

func readLog() []byte {
	b, _ := os.ReadFile(logName)
	return b
}

// start runs moto_server on a free loopback port and waits until it
// answers. stop kills its process group.
func start() (string, func(), error) {
	startMu.Lock()
	defer startMu.Unlock()
	if ep := os.Getenv("DYNAMOTEST_ENDPOINT"); ep != "" {
		return ep, nil, nil
	}
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return "", nil, errors.New("moto_server is not on PATH (pip install 'moto[server]')")
	}
	var lastErr error
	for range 3 {
		port, err := freePort()
		if err != nil {
			return "", nil, err
		}
		ep, stop, err := launch(bin, port)
		if err == nil {
			return ep, stop, nil
		}
		lastErr = err
	}
	return "", nil, lastErr
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func launch(bin string, port int) (string, func(), error) {
	logf, err := os.CreateTemp("", "moto-*.log")
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.Stdout, cmd.Stderr = logf, logf
	// Pdeathsig kills the server if the test binary dies without stopping
	// it (a panic, a timeout). It fires when the thread that started the
	// child ends, so that thread stays locked and alive until the child
	// exits.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing", "AWS_DEFAULT_REGION=us-east-1")
	started := make(chan error)
	exited := make(chan struct{})
	go func() {
		runtime.LockOSThread() // never unlocked: see Pdeathsig above
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = cmd.Wait()
		close(exited)
	}()
	if err := <-started; err != nil {
		logf.Close()
		os.Remove(logf.Name())
		return "", nil, fmt.Errorf("start moto_server: %w", err)
	}
	logName = logf.Name()
	stop := func() {
		// moto_server ignores SIGTERM; SIGINT stops it.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		logf.Close()
		os.Remove(logf.Name())
	}
	ep := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			out, _ := os.ReadFile(logf.Name())
			stop()
			return "", nil, fmt.Errorf("moto_server exited: %s", tail(out))
		default:
		}
		if resp, err := http.Get(ep + "/moto-api/"); err == nil {
			resp.Body.Close()
			return ep, stop, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	out, _ := os.ReadFile(logf.Name())
	stop()
	return "", nil, fmt.Errorf("moto_server did not answer on %s within 60s: %s", ep, tail(out))
}

func tail(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

// motoMu serialises requests to the server. moto_server handles requests
// on threads without locking its tables (a transaction snapshots a table
// while another thread writes it, and fails or loses writes), whereas
// DynamoDB applies each request atomically. One request at a time restores
// that; the store's own interleavings (read, then conditional write) still
// race as they would in production.
var motoMu sync.Mutex

type serialClient struct{ c *http.Client }

func (s serialClient) Do(r *http.Request) (*http.Response, error) {
	motoMu.Lock()
	defer motoMu.Unlock()
	resp, err := s.c.Do(r)
	if err != nil {
		return nil, err
	}
	// Read the whole response while holding the lock.
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}
