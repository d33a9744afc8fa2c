package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"infocentre/internal/dynamostore"
	"infocentre/internal/notify"
)

// NotifierResult is what the notifier function answers a schedule event.
type NotifierResult struct {
	Delivered int `json:"delivered"`
	Skipped   int `json:"skipped"`
	Retried   int `json:"retried"`
	Dead      int `json:"dead"`
}

// NotifierHandler returns the handler of the notifier function. It takes
// two kinds of event:
//   - a batch of the table's stream records (the event source mapping
//     passes only INSERTs of outbox items): each new record is delivered
//     at once (notify.Notifier.DeliverOne); a record whose delivery could
//     not even be settled (the store failed) is answered as a batch item
//     failure, so that Lambda retries from it and, after its retries,
//     sends it to the on-failure destination (the dead-letter queue). A
//     channel's failure is not one: the record holds it and its retry.
//   - an EventBridge schedule event: a Tick (sweepers, then every due
//     record: retries, and any record the stream path missed). A failed
//     tick fails the invocation (the function's Errors alarm).
func NotifierHandler(n *notify.Notifier) func(context.Context, json.RawMessage) (any, error) {
	return func(ctx context.Context, raw json.RawMessage) (any, error) {
		var probe struct {
			Records []json.RawMessage `json:"Records"`
		}
		if err := json.Unmarshal(raw, &probe); err != nil {
			return nil, fmt.Errorf("notifier: not a JSON object: %w", err)
		}
		if len(probe.Records) > 0 {
			var ev events.DynamoDBEvent
			if err := json.Unmarshal(raw, &ev); err != nil {
				return nil, fmt.Errorf("notifier: not a DynamoDB stream event: %w", err)
			}
			return stream(ctx, n, ev), nil
		}
		st, err := n.Tick(ctx)
		res := NotifierResult{Delivered: st.Delivered, Skipped: st.Skipped, Retried: st.Retried, Dead: st.Dead}
		if err != nil {
			return res, errors.New("notifier: tick failed (see the log)")
		}
		return res, nil
	}
}

// stream delivers the outbox records a stream batch inserted.
func stream(ctx context.Context, n *notify.Notifier, ev events.DynamoDBEvent) events.DynamoDBEventResponse {
	start := time.Now()
	var res events.DynamoDBEventResponse
	var all notify.Stats
	for _, r := range ev.Records {
		pk, sk := r.Change.Keys["PK"], r.Change.Keys["SK"]
		if r.EventName != "INSERT" || pk.DataType() != events.DataTypeString || sk.DataType() != events.DataTypeString ||
			!strings.HasPrefix(pk.String(), dynamostore.OutboxPKPrefix) {
			continue // not a new outbox record (the filter lets none through)
		}
		if !n.TimeLeft(ctx) {
			// The rest stay pending and due: the next scheduled run
			// delivers them (a batch item failure would only replay
			// the batch into the same deadline).
			n.Log().WarnContext(ctx, "notifier: out of time; the scheduled run delivers the rest", "sequence", r.Change.SequenceNumber)
			break
		}
		site := strings.TrimPrefix(pk.String(), dynamostore.OutboxPKPrefix)
		st, err := n.DeliverOne(ctx, site, sk.String())
		all.Delivered += st.Delivered
		all.Skipped += st.Skipped
		all.Retried += st.Retried
		all.Dead += st.Dead
		all.Failures += st.Failures
		if err != nil {
			n.Log().ErrorContext(ctx, "notifier: stream record not delivered", "site", site, "notification", sk.String(),
				"sequence", r.Change.SequenceNumber, "error", err.Error())
			res.BatchItemFailures = append(res.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: r.Change.SequenceNumber})
		}
	}
	n.Report(ctx, all, time.Since(start))
	return res
}
