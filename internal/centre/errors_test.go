package centre

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// causeErr is an error type of a lower layer, found through *Error by
// errors.As.
type causeErr struct{ op string }

func (c *causeErr) Error() string { return "throttled: " + c.op }

func TestErrorWrapsItsCause(t *testing.T) {
	cause := &causeErr{op: "GetItem"}
	err := fmt.Errorf("store: %w", Wrap(fmt.Errorf("after 3 attempts: %w", cause), EUNAVAILABLE, "storage is busy; retry later"))

	var ce *causeErr
	if !errors.As(err, &ce) || ce != cause {
		t.Fatalf("errors.As did not find the cause through *Error: %v", err)
	}
	if !errors.Is(err, cause) {
		t.Fatalf("errors.Is did not find the cause through *Error: %v", err)
	}
	if ErrorCode(err) != EUNAVAILABLE {
		t.Fatalf("code %q, want %q", ErrorCode(err), EUNAVAILABLE)
	}
	// The cause is for logs, never for the caller.
	if msg := ErrorMessage(err); msg != "storage is busy; retry later" {
		t.Fatalf("message %q shows more than the caller-safe message", msg)
	}
	if s := err.Error(); !strings.Contains(s, "throttled: GetItem") {
		t.Fatalf("Error() %q does not name the cause", s)
	}
	// An *Error without a cause unwraps to nil and reads as before.
	plain := Errorf(ENOTFOUND, "no site %q", "x")
	if errors.Unwrap(plain) != nil || plain.Error() != `not_found: no site "x"` {
		t.Fatalf("plain error: %q unwraps to %v", plain.Error(), errors.Unwrap(plain))
	}
	if errors.Is(plain, context.Canceled) {
		t.Fatal("an *Error without a cause matched context.Canceled")
	}
	ctxErr := Wrap(context.DeadlineExceeded, EUNAVAILABLE, "timed out")
	if !errors.Is(ctxErr, context.DeadlineExceeded) {
		t.Fatal("errors.Is(Wrap(context.DeadlineExceeded), context.DeadlineExceeded) is false")
	}
}
