package dynamostore

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"infocentre/internal/centre"
)

// The outbox (see the item layout in item.go):
//
//	outbox record  PK=OUTBOX#<site>            SK=<id>        the record (Query: newest ID first)
//	               GSI2 (pending only): OUTBOXQ / <next_at>#<site>#<id>
//
// The entry's transaction puts a new record; the table's stream carries
// its INSERT to the notifier function (template.yaml filters the stream on
// the PK prefix OutboxPKPrefix).

// OutboxPKPrefix starts the partition key of every outbox record.
const OutboxPKPrefix = "OUTBOX#"

const pkOutboxDue = "OUTBOXQ"

// OutboxRetention is how long a delivered (done) record stays in the table
// before DynamoDB's TTL removes it.
const OutboxRetention = centre.OutboxRetention

func outboxPK(site string) string    { return OutboxPKPrefix + site }
func outboxKey(site, id string) item { return keyOf(outboxPK(site), id) }
func outboxDueSK(r *centre.OutboxRecord) string {
	return fmtTime(r.NextAt) + "#" + r.Site + "#" + r.ID
}

// putAnnouncement adds the put of the announcement n of an entry's or a
// subscription's write to t, as a new pending record (nil: nothing).
func putAnnouncement(t *txn, n *centre.Notification) {
	if n == nil {
		return
	}
	it := outboxToItem(&centre.OutboxRecord{Notification: *n, State: centre.OutboxPending, NextAt: n.Due, Updated: n.Created})
	t.put(it, notExists, func(item) error {
		return centre.Errorf(centre.ECONFLICT, "the notification %q exists", n.ID)
	})
}

func outboxToItem(r *centre.OutboxRecord) item {
	it := outboxKey(r.Site, r.ID)
	w := writer(it)
	w.s("id", r.ID)
	w.s("site", r.Site)
	w.s("entry", r.Entry)
	w.s("slug", r.Slug)
	w.s("lang", r.Lang)
	w.s("kind", r.Kind)
	w.n("version", r.Version)
	w.t("due", r.Due)
	w.t("created", r.Created)
	w.s("email", r.Email)
	w.s("scope", r.Scope)
	w.s("state", r.State)
	w.n("attempts", int64(r.Attempts))
	w.t("next_at", r.NextAt)
	if len(r.Channels) > 0 {
		it["channels"] = &types.AttributeValueMemberSS{Value: slices.Clone(r.Channels)}
	}
	w.s("last_error", r.LastError)
	w.s("claim", r.Claim)
	w.t("updated", r.Updated)
	if r.State == centre.OutboxPending {
		it[attrGSI2PK] = str(pkOutboxDue)
		it[attrGSI2SK] = str(outboxDueSK(r))
	}
	return it
}

func outboxFromItem(it item) (*centre.OutboxRecord, error) {
	r := reader{it: it}
	o := &centre.OutboxRecord{
		Notification: centre.Notification{
			ID: r.s("id"), Site: r.s("site"), Entry: r.s("entry"), Slug: r.s("slug"), Lang: r.s("lang"),
			Kind: r.s("kind"), Version: r.n("version"), Due: r.t("due"), Created: r.t("created"),
			Email: r.s("email"), Scope: r.s("scope"),
		},
		State:     r.s("state"),
		Attempts:  int(r.n("attempts")),
		NextAt:    r.t("next_at"),
		LastError: r.s("last_error"),
		Claim:     r.s("claim"),
		Updated:   r.t("updated"),
	}
	switch v := it["channels"].(type) {
	case nil:
	case *types.AttributeValueMemberSS:
		o.Channels = slices.Clone(v.Value)
		slices.Sort(o.Channels)
	default:
		r.fail("channels")
	}
	return o, r.err("outbox record")
}

func notificationNotFound(site, id string) error {
	return centre.Errorf(centre.ENOTFOUND, "site %q has no notification %q", site, id)
}

// GetNotification returns a record: one GetItem.
func (s *Store) GetNotification(parent context.Context, site, id string) (*centre.OutboxRecord, error) {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return nil, err
	}
	defer cancel()
	return s.getNotification(ctx, parent, site, id)
}

func (s *Store) getNotification(ctx, parent context.Context, site, id string) (*centre.OutboxRecord, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: outboxKey(site, id), ConsistentRead: aws.Bool(true),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	if err != nil {
		return nil, s.fail(parent, "get notification", err)
	}
	if len(out.Item) == 0 {
		return nil, notificationNotFound(site, id)
	}
	return outboxFromItem(out.Item)
}

// lease claims r (as read, with its NextAt) at now: one conditional
// UpdateItem that holds only while the record is pending with the NextAt
// read. Returns false if another caller changed it first.
func (s *Store) lease(ctx, parent context.Context, r *centre.OutboxRecord, now time.Time, lease time.Duration) (bool, error) {
	next := *r
	next.NextAt = now.Add(lease).UTC().Truncate(time.Millisecond)
	next.Claim = requestToken()
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(s.table),
		Key:                 outboxKey(r.Site, r.ID),
		UpdateExpression:    aws.String("SET #n = :n, #c = :c, #g = :g"),
		ConditionExpression: aws.String("#st = :pending AND #n = :old"),
		ExpressionAttributeNames: map[string]string{
			"#n": "next_at", "#c": "claim", "#g": attrGSI2SK, "#st": "state",
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":n": str(fmtTime(next.NextAt)), ":c": str(next.Claim), ":g": str(outboxDueSK(&next)),
			":pending": str(centre.OutboxPending), ":old": str(fmtTime(r.NextAt)),
		},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	if err != nil {
		if isConditionFailed(err) {
			return false, nil
		}
		return false, s.fail(parent, "claim notification", err)
	}
	*r = next
	return true, nil
}

// ClaimNotifications reads the due list (one Query of GSI2, eventually
// consistent) and leases each record with a conditional UpdateItem; a
// record whose condition fails was claimed or settled by someone else.
func (s *Store) ClaimNotifications(parent context.Context, now time.Time, lease time.Duration, limit int) ([]*centre.OutboxRecord, error) {
	if limit <= 0 || limit > centre.MaxPageSize {
		return nil, centre.Errorf(centre.EINVALID, "limit must be between 1 and %d", centre.MaxPageSize)
	}
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return nil, err
	}
	defer cancel()
	out, err := s.client.Query(ctx, &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		IndexName:              aws.String(GSI2),
		KeyConditionExpression: aws.String("GSI2PK = :pk AND GSI2SK < :upto"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(pkOutboxDue),
			// Every sort key is <next_at>#…, and '#' sorts before '$'.
			":upto": str(fmtTime(now) + "$"),
		},
		Limit:                  aws.Int32(int32(limit)),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	if err != nil {
		return nil, s.fail(parent, "due notifications", err)
	}
	var list []*centre.OutboxRecord
	for _, it := range out.Items {
		r, err := outboxFromItem(it)
		if err != nil {
			return nil, err
		}
		ok, err := s.lease(ctx, parent, r, now, lease)
		if err != nil {
			return list, err
		}
		if ok {
			list = append(list, r)
		}
	}
	return list, nil
}

// ClaimNotification reads the record (one GetItem) and leases it (one
// conditional UpdateItem).
func (s *Store) ClaimNotification(parent context.Context, site, id string, now time.Time, lease time.Duration) (*centre.OutboxRecord, error) {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return nil, err
	}
	defer cancel()
	r, err := s.getNotification(ctx, parent, site, id)
	if err != nil {
		return nil, err
	}
	if r.State != centre.OutboxPending || r.NextAt.After(now) {
		return nil, centre.Errorf(centre.ECONFLICT, "notification %q is %s and not due (next at %s)", id, r.State, r.NextAt.Format(time.RFC3339))
	}
	ok, err := s.lease(ctx, parent, r, now, lease)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, centre.Errorf(centre.ECONFLICT, "notification %q was claimed by another worker", id)
	}
	return r, nil
}

// NotificationDelivered adds channel to the record's string set: one
// UpdateItem.
func (s *Store) NotificationDelivered(parent context.Context, site, id, channel string) error {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	_, err = s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       outboxKey(site, id),
		UpdateExpression:          aws.String("ADD channels :c"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":c": &types.AttributeValueMemberSS{Value: []string{channel}}},
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	if isConditionFailed(err) {
		return notificationNotFound(site, id)
	}
	return s.fail(parent, "mark notification delivered", err)
}

// SettleNotification writes the outcome: one conditional UpdateItem (and,
// when the condition fails, one GetItem to tell ENOTFOUND from
// EPRECONDITION).
func (s *Store) SettleNotification(parent context.Context, r *centre.OutboxRecord) error {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	names := map[string]string{"#st": "state", "#a": "attempts", "#n": "next_at", "#u": "updated", "#c": "claim", "#e": "last_error",
		"#gp": attrGSI2PK, "#gs": attrGSI2SK}
	values := map[string]types.AttributeValue{
		":st": str(r.State), ":a": num(int64(r.Attempts)), ":n": str(fmtTime(r.NextAt)), ":u": str(fmtTime(r.Updated)),
		":claim": str(r.Claim),
	}
	set := []string{"#st = :st", "#a = :a", "#n = :n", "#u = :u"}
	var remove []string
	if r.LastError != "" {
		set = append(set, "#e = :e")
		values[":e"] = str(r.LastError)
	} else {
		remove = append(remove, "#e")
	}
	if r.State == centre.OutboxPending {
		set = append(set, "#gp = :gp", "#gs = :gs")
		values[":gp"], values[":gs"] = str(pkOutboxDue), str(outboxDueSK(r))
	} else {
		remove = append(remove, "#gp", "#gs")
	}
	if r.State == centre.OutboxDone {
		// Delivered records go after OutboxRetention (DynamoDB's TTL),
		// confirmations after ConfirmRetention; dead ones stay until
		// someone deals with them.
		keep := r.Retention()
		set = append(set, "#ttl = :ttl")
		names["#ttl"] = TTLAttribute
		values[":ttl"] = num(r.Updated.Add(keep).Unix())
	}
	update := "SET " + strings.Join(set, ", ")
	if len(remove) > 0 {
		update += " REMOVE " + strings.Join(remove, ", ")
	}
	_, err = s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       outboxKey(r.Site, r.ID),
		UpdateExpression:          aws.String(update),
		ConditionExpression:       aws.String("#c = :claim"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	if isConditionFailed(err) {
		if _, gerr := s.getNotification(ctx, parent, r.Site, r.ID); gerr != nil {
			return gerr
		}
		return centre.Errorf(centre.EPRECONDITION, "notification %q was claimed by another worker", r.ID)
	}
	return s.fail(parent, "settle notification", err)
}

// ListNotifications returns one page of the site's records: one Query,
// newest ID first, filtered by state.
func (s *Store) ListNotifications(parent context.Context, q centre.NotificationQuery) (centre.NotificationPage, error) {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return centre.NotificationPage{}, err
	}
	defer cancel()
	limit, err := pageLimit(q.Limit)
	if err != nil {
		return centre.NotificationPage{}, err
	}
	in := &dynamodb.QueryInput{}
	if q.State != "" {
		in.FilterExpression = aws.String("#st = :st")
		in.ExpressionAttributeNames = map[string]string{"#st": "state"}
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":st": str(q.State)}
	}
	items, next, err := s.idPage(ctx, parent, "list notifications", outboxPK(q.Site), q.After, limit, in)
	if err != nil {
		return centre.NotificationPage{}, err
	}
	records, err := fromItems(items, outboxFromItem)
	return centre.NotificationPage{Items: records, Next: next}, err
}

// isConditionFailed reports whether err is a failed condition of a
// single-item write.
func isConditionFailed(err error) bool {
	ok, _ := condFailed(err)
	return ok
}

// ExpireRecords deletes nothing: DynamoDB's TTL removes settled outbox
// records, claims, who-was-told records and quota windows (each written
// with its ttl).
func (s *Store) ExpireRecords(ctx context.Context, _ time.Time, limit int) (int, error) {
	if limit < 1 || limit > 10000 {
		return 0, centre.Errorf(centre.EINVALID, "limit must be between 1 and 10000")
	}
	return 0, ctx.Err()
}
