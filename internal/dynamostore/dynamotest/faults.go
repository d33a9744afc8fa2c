package dynamotest

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Fault is a failure Faults can inject in place of a server response.
type Fault string

const (
	// Throttling answers HTTP 400 ThrottlingException.
	Throttling Fault = "ThrottlingException"
	// ProvisionedThroughputExceeded answers HTTP 400
	// ProvisionedThroughputExceededException.
	ProvisionedThroughputExceeded Fault = "ProvisionedThroughputExceededException"
	// InternalServerError answers HTTP 500 InternalServerError.
	InternalServerError Fault = "InternalServerError"
	// Timeout fails the attempt with a network read timeout.
	Timeout Fault = "Timeout"
	// Hang blocks the attempt until its context ends.
	Hang Fault = "Hang"
)

// Faults is SDK middleware that replaces server responses with injected
// faults. It sits after the operation's deserializer, so that a fault goes
// through the SDK's real error parsing and retry logic, once per attempt.
type Faults struct {
	mu       sync.Mutex
	plans    map[string][]Fault // by operation name; "" for any
	always   map[string]Fault
	injected map[string]int
}

// NewFaults returns a Faults that injects nothing yet.
func NewFaults() *Faults {
	return &Faults{plans: map[string][]Fault{}, always: map[string]Fault{}, injected: map[string]int{}}
}

// Inject makes the next n attempts of operation op (e.g. "GetItem"; "" for
// any) fail with f.
func (f *Faults) Inject(op string, n int, fault Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.plans[op] = append(f.plans[op], fault)
	}
}

// Always makes every attempt of op ("" for any) fail with f until Clear.
func (f *Faults) Always(op string, fault Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.always[op] = fault
}

// Clear removes every planned fault.
func (f *Faults) Clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.plans = map[string][]Fault{}
	f.always = map[string]Fault{}
}

// Injected returns how many faults were injected into op so far.
func (f *Faults) Injected(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.injected[op]
}

func (f *Faults) take(op string) (Fault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, key := range []string{op, ""} {
		if fault, ok := f.always[key]; ok {
			f.injected[op]++
			return fault, true
		}
		if q := f.plans[key]; len(q) > 0 {
			f.plans[key] = q[1:]
			f.injected[op]++
			return q[0], true
		}
	}
	return "", false
}

// Register adds the middleware to a stack (use in dynamodb.Options
// APIOptions).
func (f *Faults) Register(stack *middleware.Stack) error {
	return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("infocentre.Faults",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			fault, ok := f.take(middleware.GetOperationName(ctx))
			if !ok {
				return next.HandleDeserialize(ctx, in)
			}
			var md middleware.Metadata
			switch fault {
			case Timeout:
				return middleware.DeserializeOutput{}, md, &smithyhttp.RequestSendError{
					Err: &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded},
				}
			case Hang:
				<-ctx.Done()
				return middleware.DeserializeOutput{}, md, &smithyhttp.RequestSendError{Err: ctx.Err()}
			}
			status, typ := http.StatusBadRequest, "com.amazonaws.dynamodb.v20120810#"+string(fault)
			if fault == InternalServerError {
				status = http.StatusInternalServerError
			}
			body := `{"__type":"` + typ + `","message":"injected fault"}`
			resp := &http.Response{
				StatusCode:    status,
				Status:        http.StatusText(status),
				Header:        http.Header{"Content-Type": {"application/x-amz-json-1.0"}, "X-Amzn-Requestid": {"injected"}},
				Body:          io.NopCloser(strings.NewReader(body)),
				ContentLength: int64(len(body)),
			}
			return middleware.DeserializeOutput{RawResponse: &smithyhttp.Response{Response: resp}}, md, nil
		}), middleware.After)
}
