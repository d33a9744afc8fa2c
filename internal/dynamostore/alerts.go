package dynamostore

import (
	"context"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"infocentre/internal/centre"
)

// Email alerts (centre.AlertStore). Item layout:
//
//	subscription   PK=AS#<site>#<email>     SK=<scope>      GSI1 (confirmed only): ASC#<site>#<scope>#<frequency> / <email>
//	                                                        GSI2: ASL#<site> / <email>#<scope>; ttl while pending
//	pending claim  PK=AS#<site>#<email>     SK=#PENDING     scope, expires_ms, ttl: one pending confirmation
//	                                                        per address and site
//	delivery claim PK=AD#<notification>     SK=<email>      ttl = 90 days
//	told           PK=AT#<site>#<entry>     SK=<email>      ttl = 400 days: who heard of an entry
//	digest item    PK=AG#<site>             SK=<due>#<email>#<notification>
//	suppression    PK=AX#<email>            SK=SUPPRESSED   reason, at
//	quota window   PK=AQ#<key>              SK=<window start, unix s>  n; ttl = the window's end
//
// Addresses never hold '#' (centre.ParseSubscriberEmail), so the keys
// cannot collide.

const (
	skPending    = "#PENDING"
	skSuppressed = "SUPPRESSED"
	// claimTTL and toldTTL bound how long delivery claims and Told
	// records are kept.
	claimTTL = centre.ClaimRetention
	toldTTL  = centre.ToldRetention
)

func subPK(site, email string) string            { return "AS#" + site + "#" + email }
func subKeyOf(site, email, scope string) item    { return keyOf(subPK(site, email), scope) }
func subScopePK(site, scope, freq string) string { return "ASC#" + site + "#" + scope + "#" + freq }
func subListPK(site string) string               { return "ASL#" + site }
func claimKey(notification, email string) item   { return keyOf("AD#"+notification, email) }
func toldPK(site, entry string) string           { return "AT#" + site + "#" + entry }
func digestPK(site string) string                { return "AG#" + site }
func suppressKey(email string) item              { return keyOf("AX#"+email, skSuppressed) }
func quotaKey(key string, start time.Time) item {
	return keyOf("AQ#"+key, strconv.FormatInt(start.Unix(), 10))
}

func digestSK(d *centre.DigestItem) string {
	return fmtTime(d.Due) + "#" + d.Email + "#" + d.Notification
}

func subToItem(s *centre.Subscription) item {
	it := subKeyOf(s.Site, s.Email, s.Scope)
	if s.State == centre.SubConfirmed {
		it[attrGSI1PK] = str(subScopePK(s.Site, s.Scope, s.Frequency))
		it[attrGSI1SK] = str(s.Email)
	}
	it[attrGSI2PK] = str(subListPK(s.Site))
	it[attrGSI2SK] = str(s.Email + "#" + s.Scope)
	w := writer(it)
	w.s("site", s.Site)
	w.s("email", s.Email)
	w.s("scope", s.Scope)
	w.s("frequency", s.Frequency)
	w.s("lang", s.Lang)
	w.s("state", s.State)
	w.s("token_hash", s.TokenHash)
	w.t("created", s.Created)
	w.t("confirmed_at", s.ConfirmedAt)
	w.t("expires_at", s.ExpiresAt)
	w.t("sent_at", s.SentAt)
	w.n("version", s.Version)
	if s.State == centre.SubPending && !s.ExpiresAt.IsZero() {
		w.n("expires_ms", s.ExpiresAt.UnixMilli())
		w.n(TTLAttribute, s.ExpiresAt.Unix()+1)
	}
	return it
}

func subFromItem(it item) (*centre.Subscription, error) {
	r := reader{it: it}
	s := &centre.Subscription{
		Site: r.s("site"), Email: r.s("email"), Scope: r.s("scope"), Frequency: r.s("frequency"), Lang: r.s("lang"),
		State: r.s("state"), TokenHash: r.s("token_hash"), Created: r.t("created"), ConfirmedAt: r.t("confirmed_at"),
		ExpiresAt: r.t("expires_at"), SentAt: r.t("sent_at"), Version: r.n("version"),
	}
	return s, r.err("subscription")
}

func pendingSubscriptionItem(s *centre.Subscription) item {
	it := keyOf(subPK(s.Site, s.Email), skPending)
	w := writer(it)
	w.s("scope", s.Scope)
	w.n("expires_ms", s.ExpiresAt.UnixMilli())
	w.n(TTLAttribute, s.ExpiresAt.Unix()+1)
	return it
}

// CreateSubscription is one transaction: the subscription (absent, or a
// lapsed pending one) and the address's pending claim (absent, lapsed, or
// for the same scope).
func (s *Store) CreateSubscription(parent context.Context, sub *centre.Subscription) error {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	v := *sub
	v.Version = 1
	now := num(sub.Created.UnixMilli())
	t := &txn{table: s.table}
	t.put(subToItem(&v), &cond{
		expr:   "attribute_not_exists(PK) OR (#st = :pending AND #exp <= :now)",
		names:  map[string]string{"#st": "state", "#exp": "expires_ms"},
		values: map[string]types.AttributeValue{":pending": str(centre.SubPending), ":now": now},
	}, func(item) error {
		return centre.Errorf(centre.ECONFLICT, "the address is already subscribed to %s", sub.Scope)
	})
	t.put(pendingSubscriptionItem(&v), &cond{
		expr:   "attribute_not_exists(PK) OR #exp <= :now OR #scope = :scope",
		names:  map[string]string{"#exp": "expires_ms", "#scope": "scope"},
		values: map[string]types.AttributeValue{":now": now, ":scope": str(sub.Scope)},
	}, func(item) error {
		return centre.Errorf(centre.ECONFLICT, "the address has a subscription waiting for confirmation")
	})
	putAnnouncement(t, sub.Announcement())
	if err := s.transact(ctx, parent, "create subscription", t); err != nil {
		return err
	}
	sub.Version = 1
	sub.Announce(nil)
	return nil
}

// addressItems reads the partition of an address on a site (one Query):
// its subscriptions by scope and its pending claim's scope.
func (s *Store) addressItems(ctx, parent context.Context, site, email string) ([]*centre.Subscription, string, error) {
	out, err := s.client.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(subPK(site, email))},
		ConsistentRead:            aws.Bool(true),
		Limit:                     aws.Int32(centre.MaxSubscriptions + 1),
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	if err != nil {
		return nil, "", s.fail(parent, "read subscriptions", err)
	}
	var subs []*centre.Subscription
	pending := ""
	for _, it := range out.Items {
		if sk, _ := it[attrSK].(*types.AttributeValueMemberS); sk != nil && sk.Value == skPending {
			r := reader{it: it}
			pending = r.s("scope")
			continue
		}
		sub, err := subFromItem(it)
		if err != nil {
			return nil, "", err
		}
		if len(subs) < centre.MaxSubscriptions {
			subs = append(subs, sub)
		}
	}
	return subs, pending, nil
}

// Subscriptions is one Query of the address's partition.
func (s *Store) Subscriptions(parent context.Context, site, email string) ([]*centre.Subscription, error) {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return nil, err
	}
	defer cancel()
	subs, _, err := s.addressItems(ctx, parent, site, email)
	return subs, err
}

// UpdateSubscription reads the address's partition, then writes the
// subscription on its version in one transaction, which drops the pending
// claim when the subscription held it and is no longer pending.
func (s *Store) UpdateSubscription(parent context.Context, sub *centre.Subscription) error {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	_, pending, err := s.addressItems(ctx, parent, sub.Site, sub.Email)
	if err != nil {
		return err
	}
	v := *sub
	v.Version++
	t := &txn{table: s.table}
	t.put(subToItem(&v), &cond{
		expr:   "attribute_exists(PK) AND version = :v",
		values: map[string]types.AttributeValue{":v": num(sub.Version)},
	}, func(old item) error {
		if old == nil {
			return centre.Errorf(centre.ENOTFOUND, "no subscription to %s", sub.Scope)
		}
		return centre.Errorf(centre.EPRECONDITION, "the subscription changed since it was read")
	})
	if pending == sub.Scope && sub.State != centre.SubPending {
		t.delete(keyOf(subPK(sub.Site, sub.Email), skPending), &cond{
			expr: "attribute_not_exists(PK) OR #scope = :scope", names: map[string]string{"#scope": "scope"},
			values: map[string]types.AttributeValue{":scope": str(sub.Scope)},
		}, func(item) error {
			return centre.Errorf(centre.EPRECONDITION, "the subscription changed since it was read")
		})
	}
	putAnnouncement(t, sub.Announcement())
	if err := s.transact(ctx, parent, "update subscription", t); err != nil {
		return err
	}
	sub.Version = v.Version
	sub.Announce(nil)
	return nil
}

// DeleteSubscription reads the address's partition, then deletes the
// subscription (and its pending claim) in one transaction.
func (s *Store) DeleteSubscription(parent context.Context, site, email, scope string) error {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	_, pending, err := s.addressItems(ctx, parent, site, email)
	if err != nil {
		return err
	}
	t := &txn{table: s.table}
	t.delete(subKeyOf(site, email, scope), &cond{expr: "attribute_exists(PK)"}, func(item) error {
		return centre.Errorf(centre.ENOTFOUND, "no subscription to %s", scope)
	})
	if pending == scope {
		t.delete(keyOf(subPK(site, email), skPending), nil, nil)
	}
	return s.transact(ctx, parent, "delete subscription", t)
}

// queryAfter runs one Query of partition pk (of index, or the table) for
// the items whose sort key skAttr is greater than after (and at most upTo,
// if set), in order, and returns up to limit of them with the sort key of
// the last one if more may follow.
func (s *Store) queryAfter(parent context.Context, what, index, pkAttr, skAttr, pk, after, upTo string, limit int) ([]item, string, error) {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return nil, "", err
	}
	defer cancel()
	if limit <= 0 || limit > centre.MaxSubscriberPage {
		limit = centre.MaxSubscriberPage
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("#pk = :pk AND #sk > :after"),
		ExpressionAttributeNames:  map[string]string{"#pk": pkAttr, "#sk": skAttr},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk), ":after": str(after)},
		Limit:                     aws.Int32(int32(limit + 1)),
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
	}
	if upTo != "" {
		in.KeyConditionExpression = aws.String("#pk = :pk AND #sk BETWEEN :after AND :upto")
		in.ExpressionAttributeValues[":upto"] = str(upTo)
	}
	if index != "" {
		in.IndexName = aws.String(index)
	} else {
		in.ConsistentRead = aws.Bool(true)
	}
	if after == "" && upTo == "" {
		in.KeyConditionExpression = aws.String("#pk = :pk")
		delete(in.ExpressionAttributeValues, ":after")
		delete(in.ExpressionAttributeNames, "#sk")
	}
	var items []item
	var last string
	for {
		out, err := s.client.Query(ctx, in, s.optFns...)
		if err != nil {
			return nil, "", s.fail(parent, what, err)
		}
		for _, it := range out.Items {
			sk, _ := it[skAttr].(*types.AttributeValueMemberS)
			if sk == nil || sk.Value == after {
				continue
			}
			if len(items) == limit {
				return items, last, nil
			}
			items, last = append(items, it), sk.Value
		}
		if len(out.LastEvaluatedKey) == 0 {
			return items, "", nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// Subscribers is one Query of GSI1 (sparse: confirmed subscriptions only).
func (s *Store) Subscribers(parent context.Context, q centre.SubscriberQuery) (centre.SubscriptionPage, error) {
	items, next, err := s.queryAfter(parent, "list subscribers", GSI1, attrGSI1PK, attrGSI1SK,
		subScopePK(q.Site, q.Scope, q.Frequency), q.After, "", q.Limit)
	return subPage(items, next, err)
}

// ListSubscriptions is one Query of GSI2.
func (s *Store) ListSubscriptions(parent context.Context, site, after string, limit int) (centre.SubscriptionPage, error) {
	items, next, err := s.queryAfter(parent, "list subscriptions", GSI2, attrGSI2PK, attrGSI2SK, subListPK(site), after, "", limit)
	return subPage(items, next, err)
}

func subPage(items []item, next string, err error) (centre.SubscriptionPage, error) {
	if err != nil {
		return centre.SubscriptionPage{}, err
	}
	page := centre.SubscriptionPage{Next: next}
	for _, it := range items {
		sub, err := subFromItem(it)
		if err != nil {
			return centre.SubscriptionPage{}, err
		}
		page.Items = append(page.Items, sub)
	}
	return page, nil
}

// ExpireSubscriptions deletes nothing: DynamoDB's TTL removes lapsed
// pending subscriptions and their claims (ttl = ExpiresAt), and every
// reader treats a lapsed one as absent meanwhile.
func (s *Store) ExpireSubscriptions(ctx context.Context, _ time.Time, _ int) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return 0, nil
}

// ClaimDeliveries writes one transaction per delivery: the claim, on the
// condition that it is new, and the Told record.
func (s *Store) ClaimDeliveries(parent context.Context, ds []centre.Delivery) ([]string, error) {
	if len(ds) > centre.MaxClaimBatch {
		return nil, centre.Errorf(centre.EINVALID, "at most %d deliveries at once", centre.MaxClaimBatch)
	}
	var out []string
	for _, d := range ds {
		ctx, cancel, err := s.op(parent)
		if err != nil {
			return nil, err
		}
		claim := claimKey(d.Notification, d.Email)
		w := writer(claim)
		w.t("at", d.At)
		w.n(TTLAttribute, d.At.Add(claimTTL).Unix())
		t := &txn{table: s.table}
		taken := false
		t.put(claim, notExists, func(item) error { taken = true; return nil })
		if d.Entry != "" {
			told := keyOf(toldPK(d.Site, d.Entry), d.Email)
			tw := writer(told)
			tw.t("at", d.At)
			tw.n(TTLAttribute, d.At.Add(toldTTL).Unix())
			t.put(told, nil, nil)
		}
		err = s.transact(ctx, parent, "claim delivery", t)
		cancel()
		if err != nil {
			return nil, err
		}
		if !taken {
			out = append(out, d.Email)
		}
	}
	return out, nil
}

// ReleaseDelivery is one DeleteItem.
func (s *Store) ReleaseDelivery(parent context.Context, notification, email string) error {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	_, err = s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table), Key: claimKey(notification, email),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	return s.fail(parent, "release delivery", err)
}

// Told is one Query of the entry's Told partition.
func (s *Store) Told(parent context.Context, site, entry, after string, limit int) ([]string, string, error) {
	items, next, err := s.queryAfter(parent, "list told", "", attrPK, attrSK, toldPK(site, entry), after, "", limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, it[attrSK].(*types.AttributeValueMemberS).Value)
	}
	return out, next, nil
}

func digestToItem(d *centre.DigestItem) item {
	it := keyOf(digestPK(d.Site), digestSK(d))
	w := writer(it)
	w.s("site", d.Site)
	w.s("email", d.Email)
	w.t("due", d.Due)
	w.s("notification", d.Notification)
	w.s("entry", d.Entry)
	w.s("slug", d.Slug)
	w.s("lang", d.Lang)
	w.s("kind", d.Kind)
	w.t("created", d.Created)
	return it
}

func digestFromItem(it item) (*centre.DigestItem, error) {
	r := reader{it: it}
	d := &centre.DigestItem{
		Site: r.s("site"), Email: r.s("email"), Due: r.t("due"), Notification: r.s("notification"),
		Entry: r.s("entry"), Slug: r.s("slug"), Lang: r.s("lang"), Kind: r.s("kind"), Created: r.t("created"),
	}
	return d, r.err("digest item")
}

// AddDigest writes each item on the condition that it is new (a repeated
// item keeps its first Created), one PutItem each.
func (s *Store) AddDigest(parent context.Context, items []*centre.DigestItem) error {
	if len(items) > centre.MaxClaimBatch {
		return centre.Errorf(centre.EINVALID, "at most %d digest items at once", centre.MaxClaimBatch)
	}
	for _, d := range items {
		ctx, cancel, err := s.op(parent)
		if err != nil {
			return err
		}
		_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String(s.table), Item: digestToItem(d), ConditionExpression: aws.String("attribute_not_exists(PK)"),
			ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
		}, s.optFns...)
		cancel()
		if ok, _ := condFailed(err); ok {
			continue
		}
		if err != nil {
			return s.fail(parent, "add digest item", err)
		}
	}
	return nil
}

// DueDigests is one Query of the site's digest partition, up to now.
func (s *Store) DueDigests(parent context.Context, site string, now time.Time, after string, limit int) ([]*centre.DigestItem, string, error) {
	// "$" follows "#": the bound takes every item due at now itself; " "
	// precedes every time.
	if after == "" {
		after = " "
	}
	items, next, err := s.queryAfter(parent, "list digest items", "", attrPK, attrSK, digestPK(site), after, fmtTime(now)+"$", limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]*centre.DigestItem, 0, len(items))
	for _, it := range items {
		d, err := digestFromItem(it)
		if err != nil {
			return nil, "", err
		}
		out = append(out, d)
	}
	return out, next, nil
}

// DeleteDigests is one DeleteItem per item.
func (s *Store) DeleteDigests(parent context.Context, items []*centre.DigestItem) error {
	for _, d := range items {
		ctx, cancel, err := s.op(parent)
		if err != nil {
			return err
		}
		_, err = s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName: aws.String(s.table), Key: keyOf(digestPK(d.Site), digestSK(d)),
			ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
		}, s.optFns...)
		cancel()
		if err != nil {
			return s.fail(parent, "delete digest item", err)
		}
	}
	return nil
}

// SuppressEmail is one PutItem.
func (s *Store) SuppressEmail(parent context.Context, email, reason string, at time.Time) error {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	it := suppressKey(email)
	w := writer(it)
	w.s("reason", reason)
	w.t("at", at)
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: it, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	return s.fail(parent, "suppress email", err)
}

// Suppressed is one TransactGetItems (at most 100 keys; IAM sees GetItem,
// and no function is allowed the Batch actions).
func (s *Store) Suppressed(parent context.Context, emails []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(emails) == 0 {
		return out, nil
	}
	if len(emails) > centre.MaxClaimBatch {
		return nil, centre.Errorf(centre.EINVALID, "at most %d addresses at once", centre.MaxClaimBatch)
	}
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return nil, err
	}
	defer cancel()
	seen := map[string]bool{}
	var gets []types.TransactGetItem
	var order []string
	for _, e := range emails {
		if !seen[e] {
			seen[e] = true
			order = append(order, e)
			gets = append(gets, types.TransactGetItem{Get: &types.Get{TableName: aws.String(s.table), Key: suppressKey(e)}})
		}
	}
	res, err := s.client.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{
		TransactItems: gets, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	if err != nil {
		return nil, s.fail(parent, "read suppressions", err)
	}
	for i, r := range res.Responses {
		if len(r.Item) > 0 && i < len(order) {
			out[order[i]] = true
		}
	}
	return out, nil
}

// TakeQuota is one conditional UpdateItem of the window's counter: it adds
// one while fewer than max were counted (the condition fails otherwise).
func (s *Store) TakeQuota(parent context.Context, key string, window time.Duration, max int, now time.Time) (bool, error) {
	if err := centre.CheckQuota(key, window, max); err != nil {
		return false, err
	}
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return false, err
	}
	defer cancel()
	start := now.UTC().Truncate(window)
	_, err = s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(s.table),
		Key:                 quotaKey(key, start),
		UpdateExpression:    aws.String("SET #n = if_not_exists(#n, :zero) + :one, #ttl = :ttl"),
		ConditionExpression: aws.String("attribute_not_exists(#n) OR #n < :max"),
		ExpressionAttributeNames: map[string]string{
			"#n": "n", "#ttl": TTLAttribute,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":zero": num(0), ":one": num(1), ":max": num(int64(max)), ":ttl": num(start.Add(window).Unix() + 1),
		},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	if isConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, s.fail(parent, "take quota", err)
	}
	return true, nil
}

// UnsuppressEmail is one conditional DeleteItem.
func (s *Store) UnsuppressEmail(parent context.Context, email string) error {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	_, err = s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table), Key: suppressKey(email), ConditionExpression: aws.String("attribute_exists(PK)"),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	if isConditionFailed(err) {
		return centre.Errorf(centre.ENOTFOUND, "the address is not suppressed")
	}
	return s.fail(parent, "unsuppress email", err)
}
