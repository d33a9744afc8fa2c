package dynamostore

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// calls are the DynamoDB operations the store makes, held as method values
// of the client rather than as the *dynamodb.Client itself.
//
// This keeps the functions small: a binary that links html/template (the
// public site) calls reflect's MethodByName with names known only at run
// time, so the linker keeps every exported method of every type that can
// reach an interface value. A *dynamodb.Client in the Store (which becomes
// a centre.Store) would keep all ~60 operations of the client with their
// serialisers (1.4 MB of the public function); method values keep only the
// operations listed here.
type calls struct {
	BatchGetItem       func(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	DeleteItem         func(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	DescribeTimeToLive func(context.Context, *dynamodb.DescribeTimeToLiveInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTimeToLiveOutput, error)
	GetItem            func(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem            func(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	Query              queryFunc
	TransactGetItems   func(context.Context, *dynamodb.TransactGetItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactGetItemsOutput, error)
	TransactWriteItems func(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	UpdateItem         func(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

// callsOf returns the operations of c the store makes.
func callsOf(c *dynamodb.Client) *calls {
	return &calls{BatchGetItem: c.BatchGetItem, DeleteItem: c.DeleteItem, DescribeTimeToLive: c.DescribeTimeToLive,
		GetItem: c.GetItem, PutItem: c.PutItem, Query: c.Query, TransactGetItems: c.TransactGetItems,
		TransactWriteItems: c.TransactWriteItems, UpdateItem: c.UpdateItem}
}

// queryFunc is the client's Query; it is a dynamodb.QueryAPIClient, so
// that query paginators take it without the whole client.
type queryFunc func(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)

// Query calls f.
func (f queryFunc) Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return f(ctx, in, optFns...)
}
