package dynamostore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	mrand "math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"infocentre/internal/centre"
)

// DynamoDB's limits on one transaction: 100 actions, 4 MB in all.
const (
	maxTxActions = 100
	maxTxSize    = 4 << 20
)

// txn collects the actions of one TransactWriteItems call and, for each,
// the error to return when its condition fails.
type txn struct {
	table   string
	actions []types.TransactWriteItem
	onFail  []func(old item) error
	tooBig  bool
	size    int
}

// cond is a condition expression with its placeholders.
type cond struct {
	expr   string
	names  map[string]string
	values map[string]types.AttributeValue
}

func (c *cond) apply() (*string, map[string]string, map[string]types.AttributeValue) {
	if c == nil {
		return nil, nil, nil
	}
	if c.expr == "" { // placeholders of the update expression only
		return nil, c.names, c.values
	}
	return aws.String(c.expr), c.names, c.values
}

var notExists = &cond{expr: "attribute_not_exists(PK)"}

func (t *txn) put(it item, c *cond, onFail func(old item) error) {
	n := itemSize(it)
	if n > maxItemSize {
		t.tooBig = true
	}
	t.size += n
	expr, names, values := c.apply()
	t.actions = append(t.actions, types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(t.table), Item: it,
		ConditionExpression: expr, ExpressionAttributeNames: names, ExpressionAttributeValues: values,
		ReturnValuesOnConditionCheckFailure: returnOld(c),
	}})
	t.onFail = append(t.onFail, onFail)
}

func (t *txn) delete(key item, c *cond, onFail func(old item) error) {
	expr, names, values := c.apply()
	t.actions = append(t.actions, types.TransactWriteItem{Delete: &types.Delete{
		TableName: aws.String(t.table), Key: key,
		ConditionExpression: expr, ExpressionAttributeNames: names, ExpressionAttributeValues: values,
		ReturnValuesOnConditionCheckFailure: returnOld(c),
	}})
	t.onFail = append(t.onFail, onFail)
}

func (t *txn) update(key item, update string, c *cond, onFail func(old item) error) {
	expr, names, values := c.apply()
	t.actions = append(t.actions, types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(t.table), Key: key, UpdateExpression: aws.String(update),
		ConditionExpression: expr, ExpressionAttributeNames: names, ExpressionAttributeValues: values,
		ReturnValuesOnConditionCheckFailure: returnOld(c),
	}})
	t.onFail = append(t.onFail, onFail)
}

// check adds a condition on an item that the transaction does not write.
func (t *txn) check(key item, c *cond, onFail func(old item) error) {
	expr, names, values := c.apply()
	t.actions = append(t.actions, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName: aws.String(t.table), Key: key,
		ConditionExpression: expr, ExpressionAttributeNames: names, ExpressionAttributeValues: values,
	}})
	t.onFail = append(t.onFail, onFail)
}

func returnOld(c *cond) types.ReturnValuesOnConditionCheckFailure {
	if c == nil || c.expr == "" {
		return ""
	}
	return types.ReturnValuesOnConditionCheckFailureAllOld
}

// transact runs t as one TransactWriteItems call. A cancelled transaction
// writes nothing; its reasons map to the error of the first action whose
// condition failed, or to EUNAVAILABLE for conflicts and throttling.
func (s *Store) transact(ctx, parent context.Context, what string, t *txn) error {
	if len(t.actions) > maxTxActions {
		return centre.Errorf(centre.EINVALID, "too many changes to store in one write (%d items; at most %d): change fewer tags and organisations, or make fewer new files public, at once", len(t.actions), maxTxActions)
	}
	if t.tooBig || t.size > maxTxSize {
		return centre.Errorf(centre.EINVALID, "too large to store (an item would exceed 400 KB or the write 4 MB)")
	}
	for attempt := 1; ; attempt++ {
		conflict, err := s.transactOnce(ctx, parent, what, t)
		if !conflict || attempt == maxConflictRetries {
			return err
		}
		// Another transaction holds one of the items: wait a little and
		// try again; the conditions then decide.
		delay := time.Duration(10<<attempt)*time.Millisecond + time.Duration(mrand.Int64N(int64(10*time.Millisecond)))
		select {
		case <-ctx.Done():
			return s.fail(parent, what, ctx.Err())
		case <-time.After(delay):
		}
	}
}

// maxConflictRetries bounds the tries of a transaction that keeps meeting
// concurrent transactions on its items.
const maxConflictRetries = 5

// transactOnce runs t once. conflict reports a cancellation caused only by
// concurrent transactions, which is worth retrying.
func (s *Store) transactOnce(ctx, parent context.Context, what string, t *txn) (conflict bool, err error) {
	_, err = s.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems:          t.actions,
		ClientRequestToken:     aws.String(requestToken()),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	if err == nil {
		return false, nil
	}
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) && parent.Err() == nil {
		for i, r := range tce.CancellationReasons {
			if aws.ToString(r.Code) == "ConditionalCheckFailed" && i < len(t.onFail) && t.onFail[i] != nil {
				return false, t.onFail[i](r.Item)
			}
		}
		for _, r := range tce.CancellationReasons {
			switch aws.ToString(r.Code) {
			case "TransactionConflict":
				return true, errUnavailable(err)
			case "ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded":
				return false, errUnavailable(err)
			}
		}
	}
	return false, s.fail(parent, what, err)
}

// requestToken returns a fresh client request token, which makes SDK
// retries of a transaction idempotent.
func requestToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
