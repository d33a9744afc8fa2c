package dynamostore

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"infocentre/internal/centre"
)

// maxIdemKey bounds the Idempotency-Key (a sort key holds at most 1 KB).
const maxIdemKey = 1000

// ClaimIdempotency stores rec unless an unexpired record has the same
// scope and key, which it returns instead. One conditional PutItem: a
// record past its expiry counts as absent even before DynamoDB's TTL
// process deletes it.
func (s *Store) ClaimIdempotency(parent context.Context, rec *centre.IdempotencyRecord) (*centre.IdempotencyRecord, error) {
	if len(rec.Key) == 0 || len(rec.Key) > maxIdemKey || rec.Scope == "" {
		return nil, centre.Errorf(centre.EINVALID, "idempotency key must be 1-%d bytes", maxIdemKey)
	}
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return nil, err
	}
	defer cancel()
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           aws.String(s.table),
		Item:                                idemToItem(rec),
		ConditionExpression:                 aws.String("attribute_not_exists(PK) OR #exp <= :now"),
		ExpressionAttributeNames:            map[string]string{"#exp": "expires_ms"},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":now": num(s.now().UnixMilli())},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		ReturnConsumedCapacity:              types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	if ok, old := condFailed(err); ok {
		if old == nil {
			out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
				TableName: aws.String(s.table), Key: idemKey(rec.Scope, rec.Key), ConsistentRead: aws.Bool(true),
			}, s.optFns...)
			if err != nil {
				return nil, s.fail(parent, "get idempotency record", err)
			}
			if old = out.Item; old == nil {
				return nil, centre.Errorf(centre.EUNAVAILABLE, "idempotency record changed concurrently; retry")
			}
		}
		return idemFromItem(old)
	}
	if err != nil {
		return nil, s.fail(parent, "claim idempotency key", err)
	}
	return nil, nil
}

// CompleteIdempotency saves the response of a claimed record. Returns
// ENOTFOUND if the record is gone or expired.
func (s *Store) CompleteIdempotency(parent context.Context, rec *centre.IdempotencyRecord) error {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 aws.String(s.table),
		Item:                      idemToItem(rec),
		ConditionExpression:       aws.String("attribute_exists(PK) AND #exp > :now"),
		ExpressionAttributeNames:  map[string]string{"#exp": "expires_ms"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": num(s.now().UnixMilli())},
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	if ok, _ := condFailed(err); ok {
		return centre.Errorf(centre.ENOTFOUND, "idempotency record not found")
	}
	return s.fail(parent, "complete idempotency key", err)
}

// ReleaseIdempotency deletes a claimed record. One DeleteItem.
func (s *Store) ReleaseIdempotency(parent context.Context, scope, key string) error {
	if key == "" || scope == "" || len(key) > maxIdemKey {
		return nil
	}
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	_, err = s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:              aws.String(s.table),
		Key:                    idemKey(scope, key),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	return s.fail(parent, "release idempotency key", err)
}
