package lambdaadapter

import (
	"context"
	"errors"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
)

// ScheduleResult is what a scheduled function returns to its invoker.
type ScheduleResult struct {
	Done int `json:"done"`
}

// ScheduleHandler handles an EventBridge schedule event.
type ScheduleHandler func(context.Context, events.EventBridgeEvent) (ScheduleResult, error)

// Schedule returns a Lambda handler for an EventBridge schedule that runs
// run once per event and reports how many items it handled. A failure is
// logged with its detail and returned without it, so the invocation counts
// as failed (and shows in the function's error metrics).
func Schedule(name string, run func(context.Context) (int, error), log *slog.Logger) ScheduleHandler {
	if log == nil {
		log = slog.Default()
	}
	return func(ctx context.Context, ev events.EventBridgeEvent) (ScheduleResult, error) {
		n, err := run(ctx)
		if err != nil {
			log.ErrorContext(ctx, name+" failed", "event_id", ev.ID, "scheduled_at", ev.Time, "done", n, "err", err)
			return ScheduleResult{Done: n}, errors.New(name + " failed")
		}
		log.InfoContext(ctx, name+" done", "event_id", ev.ID, "scheduled_at", ev.Time, "done", n)
		return ScheduleResult{Done: n}, nil
	}
}
