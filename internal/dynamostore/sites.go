package dynamostore

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"infocentre/internal/centre"
)

// CreateSite stores a new site with Version 1, claims its hosts and
// starts its search sequence (see search.go): one transaction. Returns
// ECONFLICT if the slug or a host is taken.
func (s *Store) CreateSite(parent context.Context, site *centre.Site) error {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	v := *site
	v.Version = 1
	slugTaken := func(item) error { return centre.Errorf(centre.ECONFLICT, "site %q already exists", site.Slug) }
	t := &txn{table: s.table}
	t.put(siteToItem(&v), notExists, slugTaken)
	// A recreated site continues after any sequence number its predecessor
	// could have reached.
	marker, err := searchSeqItem(v.Slug, s.now().UnixMicro(), s.now(), centre.NewSiteFront())
	if err != nil {
		return err
	}
	t.put(marker, nil, nil)
	for _, h := range hostsOf(&v) {
		t.put(hostItem(h, &v), notExists, func(item) error { return hostTaken(h) })
	}
	if err := s.transact(ctx, parent, "create site", t); err != nil {
		return err
	}
	site.Version = 1
	return nil
}

func hostTaken(h string) error {
	return centre.Errorf(centre.ECONFLICT, "host %q is claimed by another site", h)
}

// GetSite returns the site with that slug, or ENOTFOUND. One GetItem.
func (s *Store) GetSite(parent context.Context, slug string) (*centre.Site, error) {
	return s.getSite(parent, "get site", siteKey(slug), "site %q not found", slug)
}

// SiteByHost returns the site that claims host, or ENOTFOUND. One GetItem
// of the host's claim, which holds a copy of the site.
func (s *Store) SiteByHost(parent context.Context, host string) (*centre.Site, error) {
	host = strings.ToLower(host)
	if host == "" {
		return nil, centre.Errorf(centre.ENOTFOUND, "no site for host %q", host)
	}
	return s.getSite(parent, "site by host", hostKey(host), "no site for host %q", host)
}

func (s *Store) getSite(parent context.Context, what string, key item, format string, arg string) (*centre.Site, error) {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return nil, err
	}
	defer cancel()
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:              aws.String(s.table),
		Key:                    key,
		ConsistentRead:         aws.Bool(true),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	if err != nil {
		return nil, s.fail(parent, what, err)
	}
	if out.Item == nil {
		return nil, centre.Errorf(centre.ENOTFOUND, format, arg)
	}
	return siteFromItem(out.Item)
}

// UpdateSite replaces a site if its stored version equals site.Version,
// and moves its host claims: a GetItem of the stored site, then one
// transaction writing the site and its claims and deleting the claims of
// dropped hosts.
func (s *Store) UpdateSite(parent context.Context, site *centre.Site) error {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: siteKey(site.Slug), ConsistentRead: aws.Bool(true),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	if err != nil {
		return s.fail(parent, "get site", err)
	}
	if out.Item == nil {
		return centre.Errorf(centre.ENOTFOUND, "site %q not found", site.Slug)
	}
	old, err := siteFromItem(out.Item)
	if err != nil {
		return err
	}
	if old.Version != site.Version {
		return centre.Errorf(centre.EPRECONDITION, "site %q was changed by someone else", site.Slug)
	}
	v := *site
	v.Version = site.Version + 1
	t := &txn{table: s.table}
	t.put(siteToItem(&v), versionIs(site.Version), func(cur item) error {
		if cur == nil {
			return centre.Errorf(centre.ENOTFOUND, "site %q not found", site.Slug)
		}
		return centre.Errorf(centre.EPRECONDITION, "site %q was changed by someone else", site.Slug)
	})
	hosts := hostsOf(&v)
	ours := &cond{expr: "attribute_not_exists(PK) OR #slug = :slug", names: map[string]string{"#slug": "slug"},
		values: map[string]types.AttributeValue{":slug": str(site.Slug)}}
	for _, h := range hosts {
		t.put(hostItem(h, &v), ours, func(item) error { return hostTaken(h) })
	}
	for _, h := range hostsOf(old) {
		if !slices.Contains(hosts, h) {
			t.delete(hostKey(h), nil, nil)
		}
	}
	if err := s.transact(ctx, parent, "update site", t); err != nil {
		return err
	}
	site.Version = v.Version
	return nil
}

// DeleteSite removes a site, its host claims and its search sequence if
// its stored version equals version: a GetItem, then one transaction.
func (s *Store) DeleteSite(parent context.Context, slug string, version int64) error {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: siteKey(slug), ConsistentRead: aws.Bool(true),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	if err != nil {
		return s.fail(parent, "get site", err)
	}
	if out.Item == nil {
		return centre.Errorf(centre.ENOTFOUND, "site %q not found", slug)
	}
	old, err := siteFromItem(out.Item)
	if err != nil {
		return err
	}
	if old.Version != version {
		return centre.Errorf(centre.EPRECONDITION, "site %q was changed by someone else", slug)
	}
	t := &txn{table: s.table}
	t.delete(siteKey(slug), versionIs(version), func(cur item) error {
		if cur == nil {
			return centre.Errorf(centre.ENOTFOUND, "site %q not found", slug)
		}
		return centre.Errorf(centre.EPRECONDITION, "site %q was changed by someone else", slug)
	})
	for _, h := range hostsOf(old) {
		t.delete(hostKey(h), nil, nil)
	}
	t.delete(searchSeqKey(slug), nil, nil)
	return s.transact(ctx, parent, "delete site", t)
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
	p := dynamodb.NewQueryPaginator(s.client.Query, q)
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
