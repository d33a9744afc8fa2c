package dynamostore

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"infocentre/internal/centre"
)

// CreateSite stores a new site with Version 1. Returns ECONFLICT if the
// slug is taken. One PutItem.
func (s *Store) CreateSite(parent context.Context, site *centre.Site) error {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	v := *site
	v.Version = 1
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:              aws.String(s.table),
		Item:                   siteToItem(&v),
		ConditionExpression:    aws.String("attribute_not_exists(PK)"),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	if ok, _ := condFailed(err); ok {
		return centre.Errorf(centre.ECONFLICT, "site %q already exists", site.Slug)
	}
	if err != nil {
		return s.fail(parent, "create site", err)
	}
	site.Version = 1
	return nil
}

// GetSite returns the site with that slug, or ENOTFOUND. One GetItem.
func (s *Store) GetSite(parent context.Context, slug string) (*centre.Site, error) {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return nil, err
	}
	defer cancel()
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:              aws.String(s.table),
		Key:                    siteKey(slug),
		ConsistentRead:         aws.Bool(true),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	if err != nil {
		return nil, s.fail(parent, "get site", err)
	}
	if out.Item == nil {
		return nil, centre.Errorf(centre.ENOTFOUND, "site %q not found", slug)
	}
	return siteFromItem(out.Item)
}

// UpdateSite replaces a site if its stored version equals site.Version.
// One PutItem (plus a GetItem only when the condition fails and the server
// did not return the old item).
func (s *Store) UpdateSite(parent context.Context, site *centre.Site) error {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	v := *site
	v.Version = site.Version + 1
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           aws.String(s.table),
		Item:                                siteToItem(&v),
		ConditionExpression:                 aws.String("#v = :v"),
		ExpressionAttributeNames:            map[string]string{"#v": "version"},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":v": num(site.Version)},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		ReturnConsumedCapacity:              types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	if ok, old := condFailed(err); ok {
		return s.versionError(ctx, parent, siteKey(site.Slug), old, "site %q", site.Slug)
	}
	if err != nil {
		return s.fail(parent, "update site", err)
	}
	site.Version = v.Version
	return nil
}

// versionError tells a failed version condition on key apart: ENOTFOUND if
// the item is gone, EPRECONDITION if it holds another version. old is the
// item the server returned with the failure, if any.
func (s *Store) versionError(ctx, parent context.Context, key item, old item, format string, args ...any) error {
	if old == nil {
		out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String(s.table), Key: key, ConsistentRead: aws.Bool(true),
			ProjectionExpression: aws.String("PK"),
		}, s.optFns...)
		if err != nil {
			return s.fail(parent, "check version", err)
		}
		old = out.Item
	}
	if old == nil {
		return centre.Errorf(centre.ENOTFOUND, format+" not found", args...)
	}
	return centre.Errorf(centre.EPRECONDITION, format+" was changed by someone else", args...)
}

// ListSites returns every site ordered by slug: a Query of GSI1, one page
// per megabyte of sites.
func (s *Store) ListSites(parent context.Context) ([]*centre.Site, error) {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return nil, err
	}
	defer cancel()
	var sites []*centre.Site
	err = s.queryAll(ctx, parent, "list sites", &dynamodb.QueryInput{
		IndexName:                 aws.String(GSI1),
		KeyConditionExpression:    aws.String("GSI1PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pkSites)},
	}, func(it item) error {
		site, err := siteFromItem(it)
		if err == nil {
			sites = append(sites, site)
		}
		return err
	})
	return sites, err
}

// queryAll runs q on the table and calls fn for every item of every page.
func (s *Store) queryAll(ctx, parent context.Context, what string, q *dynamodb.QueryInput, fn func(item) error) error {
	q.TableName = aws.String(s.table)
	q.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	p := dynamodb.NewQueryPaginator(s.client, q)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx, s.optFns...)
		if err != nil {
			return s.fail(parent, what, err)
		}
		for _, it := range out.Items {
			if err := fn(it); err != nil {
				return err
			}
		}
	}
	return nil
}
