package dynamostore

import (
	"context"
	"maps"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
)

// CallCounter is SDK middleware that counts DynamoDB operations (one per
// API call, however many attempts it took), attempts, and the capacity
// the service reports as consumed. Register it in dynamodb.Options
// APIOptions, or pass it to the store with WithCallCounter.
type CallCounter struct {
	mu       sync.Mutex
	calls    map[string]int
	attempts map[string]int
	read     map[string]float64
	write    map[string]float64
	reported map[string]bool
	estRead  float64
	estWrite float64
}

// NewCallCounter returns an empty counter.
func NewCallCounter() *CallCounter {
	c := &CallCounter{}
	c.Reset()
	return c
}

// Reset forgets everything counted so far.
func (c *CallCounter) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = map[string]int{}
	c.attempts = map[string]int{}
	c.read = map[string]float64{}
	c.write = map[string]float64{}
	c.reported = map[string]bool{}
	c.estRead, c.estWrite = 0, 0
}

// Register adds the counter to a middleware stack.
func (c *CallCounter) Register(stack *middleware.Stack) error {
	err := stack.Initialize.Add(middleware.InitializeMiddlewareFunc("infocentre.CallCounter",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleInitialize(ctx, in)
			c.record(middleware.GetOperationName(ctx), out.Result)
			if err == nil {
				c.estimate(in.Parameters, out.Result)
			}
			return out, md, err
		}), middleware.Before)
	if err != nil {
		return err
	}
	return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("infocentre.AttemptCounter",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			c.mu.Lock()
			c.attempts[middleware.GetOperationName(ctx)]++
			c.mu.Unlock()
			return next.HandleFinalize(ctx, in)
		}), middleware.After)
}

func (c *CallCounter) record(op string, result any) {
	var caps []types.ConsumedCapacity
	switch r := result.(type) {
	case *dynamodb.GetItemOutput:
		caps = one(r.ConsumedCapacity)
	case *dynamodb.QueryOutput:
		caps = one(r.ConsumedCapacity)
	case *dynamodb.PutItemOutput:
		caps = one(r.ConsumedCapacity)
	case *dynamodb.UpdateItemOutput:
		caps = one(r.ConsumedCapacity)
	case *dynamodb.DeleteItemOutput:
		caps = one(r.ConsumedCapacity)
	case *dynamodb.TransactWriteItemsOutput:
		caps = r.ConsumedCapacity
	case *dynamodb.TransactGetItemsOutput:
		caps = r.ConsumedCapacity
	case *dynamodb.BatchGetItemOutput:
		caps = r.ConsumedCapacity
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[op]++
	for _, cc := range caps {
		c.reported[op] = true
		if cc.ReadCapacityUnits != nil || cc.WriteCapacityUnits != nil {
			if cc.ReadCapacityUnits != nil {
				c.read[op] += *cc.ReadCapacityUnits
			}
			if cc.WriteCapacityUnits != nil {
				c.write[op] += *cc.WriteCapacityUnits
			}
			continue
		}
		// Some servers report only the total; count it by operation kind.
		if cc.CapacityUnits != nil {
			if isWrite(op) {
				c.write[op] += *cc.CapacityUnits
			} else {
				c.read[op] += *cc.CapacityUnits
			}
		}
	}
}

func one(c *types.ConsumedCapacity) []types.ConsumedCapacity {
	if c == nil {
		return nil
	}
	return []types.ConsumedCapacity{*c}
}

func isWrite(op string) bool {
	return strings.HasPrefix(op, "Put") || strings.HasPrefix(op, "Update") ||
		strings.HasPrefix(op, "Delete") || strings.HasPrefix(op, "TransactWrite") || strings.HasPrefix(op, "BatchWrite")
}

// estimate adds the capacity a request costs on DynamoDB by its documented
// rules, from the sizes of the items read and written: a strongly
// consistent read costs 1 RCU per 4 KB (half that when eventually
// consistent; a Query rounds the sum of its items), a write 1 WCU per KB, a
// transactional write twice that. Deletes and updates are counted at their
// minimum, since the size of the item they replace is not known here.
func (c *CallCounter) estimate(params, result any) {
	ceil := func(n, unit int) float64 { return float64(max(1, (n+unit-1)/unit)) }
	half := func(consistent *bool) float64 {
		if consistent != nil && *consistent {
			return 1
		}
		return 0.5
	}
	var r, w float64
	switch in := params.(type) {
	case *dynamodb.GetItemInput:
		if out, ok := result.(*dynamodb.GetItemOutput); ok {
			r = ceil(itemSize(out.Item), 4096) * half(in.ConsistentRead)
		}
	case *dynamodb.QueryInput:
		if out, ok := result.(*dynamodb.QueryOutput); ok {
			n := 0
			for _, it := range out.Items {
				n += itemSize(it)
			}
			r = ceil(n, 4096) * half(in.ConsistentRead)
		}
	case *dynamodb.PutItemInput:
		w = ceil(itemSize(in.Item), 1024)
	case *dynamodb.DeleteItemInput, *dynamodb.UpdateItemInput:
		w = 1
	case *dynamodb.TransactWriteItemsInput:
		for _, a := range in.TransactItems {
			if a.Put != nil {
				w += 2 * ceil(itemSize(a.Put.Item), 1024)
			} else {
				w += 2
			}
		}
	}
	c.mu.Lock()
	c.estRead += r
	c.estWrite += w
	c.mu.Unlock()
}

// Estimated returns the capacity units the counted requests would consume
// on DynamoDB (see estimate), whatever the server reported.
func (c *CallCounter) Estimated() (read, write float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.estRead, c.estWrite
}

// Calls returns the number of calls per operation name.
func (c *CallCounter) Calls() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.calls)
}

// Attempts returns the number of attempts (first tries and retries) per
// operation name.
func (c *CallCounter) Attempts() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.attempts)
}

// Total returns the number of calls of every operation.
func (c *CallCounter) Total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.calls {
		n += v
	}
	return n
}

// Capacity returns the read and write capacity units reported as consumed
// since the last Reset, and whether any response reported capacity at all.
func (c *CallCounter) Capacity() (read, write float64, reported bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, v := range c.read {
		read += v
	}
	for _, v := range c.write {
		write += v
	}
	return read, write, len(c.reported) > 0
}

// String lists the calls, e.g. "GetItem×1 TransactWriteItems×1".
func (c *CallCounter) String() string {
	calls := c.Calls()
	ops := make([]string, 0, len(calls))
	for op := range calls {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	var b strings.Builder
	for i, op := range ops {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(op)
		b.WriteString("×")
		b.WriteString(strconv.Itoa(calls[op]))
	}
	return b.String()
}
