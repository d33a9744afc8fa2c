package dynamostore

import (
	"context"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"infocentre/internal/centre"
)

// CreateKey stores a new key as two items in one transaction: by ID
// (listed per site in GSI1) and by hash. Returns ECONFLICT if its ID or
// hash exists.
func (s *Store) CreateKey(parent context.Context, k *centre.Key) error {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	t := &txn{table: s.table}
	t.put(keyToItem(k, false), notExists, func(item) error {
		return centre.Errorf(centre.ECONFLICT, "a key with ID %q exists", k.ID)
	})
	t.put(keyToItem(k, true), notExists, func(item) error {
		return centre.Errorf(centre.ECONFLICT, "a key with that secret exists")
	})
	return s.transact(ctx, parent, "create key", t)
}

// KeyByHash returns the key with that hash, or ENOTFOUND. One GetItem.
func (s *Store) KeyByHash(parent context.Context, hash string) (*centre.Key, error) {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return nil, err
	}
	defer cancel()
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:              aws.String(s.table),
		Key:                    keyHashKey(hash),
		ConsistentRead:         aws.Bool(true),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	if err != nil {
		return nil, s.fail(parent, "get key", err)
	}
	if out.Item == nil {
		return nil, centre.Errorf(centre.ENOTFOUND, "key not found")
	}
	return keyFromItem(out.Item)
}

// KeyByID returns the key with that ID, or ENOTFOUND. One GetItem.
func (s *Store) KeyByID(parent context.Context, id string) (*centre.Key, error) {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return nil, err
	}
	defer cancel()
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:              aws.String(s.table),
		Key:                    keyIDKey(id),
		ConsistentRead:         aws.Bool(true),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	if err != nil {
		return nil, s.fail(parent, "get key by id", err)
	}
	if out.Item == nil {
		return nil, centre.Errorf(centre.ENOTFOUND, "no key %q", id)
	}
	return keyFromItem(out.Item)
}

// ListKeys returns the keys of site, oldest first: a Query of GSI1.
func (s *Store) ListKeys(parent context.Context, site string) ([]*centre.Key, error) {
	return listOldestFirst(s, parent, "list keys", keysPK(site), keyFromItem,
		func(k *centre.Key) (time.Time, string) { return k.CreatedAt, k.ID })
}

// listOldestFirst reads every item of one GSI1 partition (paged by
// queryAll), decodes each, and orders them by creation time, then id.
func listOldestFirst[T any](s *Store, parent context.Context, op, pk string, decode func(item) (T, error),
	created func(T) (time.Time, string)) ([]T, error) {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return nil, err
	}
	defer cancel()
	var out []T
	err = s.queryAll(ctx, parent, op, &dynamodb.QueryInput{
		IndexName:                 aws.String(GSI1),
		KeyConditionExpression:    aws.String("GSI1PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
	}, func(it item) error {
		v, err := decode(it)
		if err == nil {
			out = append(out, v)
		}
		return err
	})
	sort.SliceStable(out, func(i, j int) bool {
		ti, idi := created(out[i])
		tj, idj := created(out[j])
		if !ti.Equal(tj) {
			return ti.Before(tj)
		}
		return idi < idj
	})
	return out, err
}

// RevokeKey marks the key revoked at the given time (keeping an earlier
// revocation) and returns it. A GetItem, then one transaction updating
// both key items.
func (s *Store) RevokeKey(parent context.Context, site, id string, at time.Time) (*centre.Key, error) {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return nil, err
	}
	defer cancel()
	for attempt := 0; ; attempt++ {
		out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String(s.table), Key: keyIDKey(id), ConsistentRead: aws.Bool(true),
			ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
		}, s.optFns...)
		if err != nil {
			return nil, s.fail(parent, "get key", err)
		}
		notFound := centre.Errorf(centre.ENOTFOUND, "site %q has no key %q", site, id)
		if out.Item == nil {
			return nil, notFound
		}
		k, err := keyFromItem(out.Item)
		if err != nil {
			return nil, err
		}
		if k.Site != site {
			return nil, notFound
		}
		if !k.RevokedAt.IsZero() {
			return k, nil
		}
		k.RevokedAt = at.UTC()
		c := &cond{
			expr:   "attribute_exists(PK) AND attribute_not_exists(#r)",
			names:  map[string]string{"#r": "revoked_at"},
			values: map[string]types.AttributeValue{":at": str(fmtTime(at))},
		}
		// A failed condition means a concurrent revocation: read again.
		raced := func(item) error { return errRaced }
		t := &txn{table: s.table}
		t.update(keyIDKey(id), "SET #r = :at", c, raced)
		t.update(keyHashKey(k.Hash), "SET #r = :at", c, raced)
		err = s.transact(ctx, parent, "revoke key", t)
		if err == errRaced && attempt < 3 {
			continue
		}
		if err != nil {
			return nil, err
		}
		return k, nil
	}
}

var errRaced = &centre.Error{Code: centre.EUNAVAILABLE, Message: "concurrent change; retry later"}
