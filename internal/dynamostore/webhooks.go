package dynamostore

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"infocentre/internal/centre"
)

// Webhook endpoints and their delivery log:
//
//	webhook    PK=WH#<site>             SK=<id>   the endpoint, with its secret (Query: oldest first)
//	delivery   PK=WD#<site>#<webhook>   SK=<id>   one message to one endpoint (Query: newest first);
//	           GSI2PK=WHDUE GSI2SK=<next_attempt>#<site>#<webhook>#<id> while pending (the retry list);
//	           ttl=expires_at

const pkHookDue = "WHDUE"

func hooksPK(site string) string            { return "WH#" + site }
func hookKey(site, id string) item          { return keyOf(hooksPK(site), id) }
func deliveriesPK(site, hook string) string { return "WD#" + site + "#" + hook }
func deliveryKey(site, hook, id string) item {
	return keyOf(deliveriesPK(site, hook), id)
}

func hookToItem(h *centre.Webhook) item {
	it := hookKey(h.Site, h.ID)
	w := writer(it)
	w.s("id", h.ID)
	w.s("site", h.Site)
	w.s("url", h.URL)
	w.list("events", h.Events)
	w.s("description", h.Description)
	w.s("secret", h.Secret)
	w.s("state", h.State)
	w.s("disabled_reason", h.DisabledReason)
	w.t("disabled_at", h.DisabledAt)
	w.t("created_at", h.CreatedAt)
	w.s("created_by", h.CreatedBy)
	w.n("failures", int64(h.Failures))
	w.t("failing_since", h.FailingSince)
	w.t("last_success", h.LastSuccess)
	w.t("last_failure", h.LastFailure)
	w.n("version", h.Version)
	return it
}

func hookFromItem(it item) (*centre.Webhook, error) {
	r := reader{it: it}
	h := &centre.Webhook{
		ID: r.s("id"), Site: r.s("site"), URL: r.s("url"), Events: r.list("events"), Description: r.s("description"),
		Secret: r.s("secret"), State: r.s("state"), DisabledReason: r.s("disabled_reason"), DisabledAt: r.t("disabled_at"),
		CreatedAt: r.t("created_at"), CreatedBy: r.s("created_by"), Failures: int(r.n("failures")),
		FailingSince: r.t("failing_since"), LastSuccess: r.t("last_success"), LastFailure: r.t("last_failure"),
		Version: r.n("version"),
	}
	return h, r.err("webhook")
}

func deliveryToItem(d *centre.WebhookDelivery) item {
	it := deliveryKey(d.Site, d.Webhook, d.ID)
	w := writer(it)
	w.s("id", d.ID)
	w.s("site", d.Site)
	w.s("webhook", d.Webhook)
	w.s("event", d.Event)
	w.s("notification", d.Notification)
	w.s("entry", d.Entry)
	w.s("slug", d.Slug)
	w.s("lang", d.Lang)
	w.n("entry_version", d.EntryVersion)
	w.t("event_at", d.EventAt)
	w.s("status", d.Status)
	w.n("attempts", int64(d.Attempts))
	w.t("last_attempt", d.LastAttempt)
	w.n("response_code", int64(d.ResponseCode))
	w.n("duration_ms", d.DurationMS)
	w.s("error", d.Error)
	w.t("next_attempt", d.NextAttempt)
	w.t("created_at", d.CreatedAt)
	w.t("expires_at", d.ExpiresAt)
	w.n("version", d.Version)
	if d.Status == centre.DeliveryPending {
		w.s(attrGSI2PK, pkHookDue)
		w.s(attrGSI2SK, fmtTime(d.NextAttempt)+"#"+d.Site+"#"+d.Webhook+"#"+d.ID)
	}
	if !d.ExpiresAt.IsZero() {
		// DynamoDB deletes items some time after ttl; round up.
		ttl := d.ExpiresAt.Unix()
		if d.ExpiresAt.Nanosecond() != 0 {
			ttl++
		}
		w.n(TTLAttribute, ttl)
	}
	return it
}

func deliveryFromItem(it item) (*centre.WebhookDelivery, error) {
	r := reader{it: it}
	d := &centre.WebhookDelivery{
		ID: r.s("id"), Site: r.s("site"), Webhook: r.s("webhook"), Event: r.s("event"), Notification: r.s("notification"),
		Entry: r.s("entry"), Slug: r.s("slug"), Lang: r.s("lang"), EntryVersion: r.n("entry_version"), EventAt: r.t("event_at"),
		Status: r.s("status"), Attempts: int(r.n("attempts")), LastAttempt: r.t("last_attempt"),
		ResponseCode: int(r.n("response_code")), DurationMS: r.n("duration_ms"), Error: r.s("error"),
		NextAttempt: r.t("next_attempt"), CreatedAt: r.t("created_at"), ExpiresAt: r.t("expires_at"), Version: r.n("version"),
	}
	return d, r.err("webhook delivery")
}

// CreateWebhook is one conditional put in a transaction.
func (s *Store) CreateWebhook(parent context.Context, h *centre.Webhook) error {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	v := *h
	v.Version = 1
	t := &txn{table: s.table}
	t.put(hookToItem(&v), notExists, func(item) error {
		return centre.Errorf(centre.ECONFLICT, "a webhook with ID %q exists", h.ID)
	})
	if err := s.transact(ctx, parent, "create webhook", t); err != nil {
		return err
	}
	h.Version = 1
	return nil
}

// GetWebhook is one GetItem.
func (s *Store) GetWebhook(parent context.Context, site, id string) (*centre.Webhook, error) {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return nil, err
	}
	defer cancel()
	it, err := s.getItem(ctx, parent, "get webhook", hookKey(site, id))
	if err != nil {
		return nil, err
	}
	if it == nil {
		return nil, centre.Errorf(centre.ENOTFOUND, "site %q has no webhook %q", site, id)
	}
	return hookFromItem(it)
}

// ListWebhooks is one Query of the site's webhook partition (a site has
// at most centre.MaxWebhooksPerSite endpoints: one page).
func (s *Store) ListWebhooks(parent context.Context, site string) ([]*centre.Webhook, error) {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return nil, err
	}
	defer cancel()
	var out []*centre.Webhook
	err = s.queryAll(ctx, parent, "list webhooks", &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(hooksPK(site))},
		ConsistentRead:            aws.Bool(true),
	}, func(it item) error {
		h, err := hookFromItem(it)
		if err == nil {
			out = append(out, h)
		}
		return err
	})
	return out, err
}

// UpdateWebhook is one put conditional on the version read.
func (s *Store) UpdateWebhook(parent context.Context, h *centre.Webhook) error {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	v := *h
	v.Version = h.Version + 1
	t := &txn{table: s.table}
	t.put(hookToItem(&v), versionIs(h.Version), func(cur item) error {
		if cur == nil {
			return centre.Errorf(centre.ENOTFOUND, "site %q has no webhook %q", h.Site, h.ID)
		}
		return centre.Errorf(centre.EPRECONDITION, "the webhook %q was changed by someone else", h.ID)
	})
	if err := s.transact(ctx, parent, "update webhook", t); err != nil {
		return err
	}
	h.Version = v.Version
	return nil
}

// DeleteWebhook is one delete conditional on the item existing.
func (s *Store) DeleteWebhook(parent context.Context, site, id string) error {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	t := &txn{table: s.table}
	t.delete(hookKey(site, id), &cond{expr: "attribute_exists(PK)"}, func(item) error {
		return centre.Errorf(centre.ENOTFOUND, "site %q has no webhook %q", site, id)
	})
	return s.transact(ctx, parent, "delete webhook", t)
}

// CreateWebhookDelivery is one conditional put.
func (s *Store) CreateWebhookDelivery(parent context.Context, d *centre.WebhookDelivery) error {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	v := *d
	v.Version = 1
	t := &txn{table: s.table}
	t.put(deliveryToItem(&v), notExists, func(item) error {
		return centre.Errorf(centre.ECONFLICT, "webhook %q has a delivery %q", d.Webhook, d.ID)
	})
	if err := s.transact(ctx, parent, "create webhook delivery", t); err != nil {
		return err
	}
	d.Version = 1
	return nil
}

// UpdateWebhookDelivery is one put conditional on the version read.
func (s *Store) UpdateWebhookDelivery(parent context.Context, d *centre.WebhookDelivery) error {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	v := *d
	v.Version = d.Version + 1
	t := &txn{table: s.table}
	t.put(deliveryToItem(&v), versionIs(d.Version), func(cur item) error {
		if cur == nil {
			return centre.Errorf(centre.ENOTFOUND, "webhook %q has no delivery %q", d.Webhook, d.ID)
		}
		return centre.Errorf(centre.EPRECONDITION, "the delivery %q was changed by someone else", d.ID)
	})
	if err := s.transact(ctx, parent, "update webhook delivery", t); err != nil {
		return err
	}
	d.Version = v.Version
	return nil
}

// ListWebhookDeliveries is one Query of the endpoint's delivery
// partition, newest ID first.
func (s *Store) ListWebhookDeliveries(parent context.Context, q centre.WebhookDeliveryQuery) (centre.WebhookDeliveryPage, error) {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return centre.WebhookDeliveryPage{}, err
	}
	defer cancel()
	limit, err := pageLimit(q.Limit)
	if err != nil {
		return centre.WebhookDeliveryPage{}, err
	}
	items, next, err := s.idPage(ctx, parent, "list webhook deliveries", deliveriesPK(q.Site, q.Webhook), q.After, limit, nil)
	if err != nil {
		return centre.WebhookDeliveryPage{}, err
	}
	deliveries, err := fromItems(items, deliveryFromItem)
	return centre.WebhookDeliveryPage{Items: deliveries, Next: next}, err
}

// DueWebhookDeliveries is one Query of the sparse retry list in GSI2.
func (s *Store) DueWebhookDeliveries(parent context.Context, now time.Time, limit int) ([]*centre.WebhookDelivery, error) {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return nil, err
	}
	defer cancel()
	if limit <= 0 {
		limit = centre.MaxPageSize
	}
	out, err := s.client.Query(ctx, &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		IndexName:              aws.String(GSI2),
		KeyConditionExpression: aws.String("GSI2PK = :pk AND GSI2SK < :upto"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(pkHookDue),
			// Every sort key is <next_attempt>#…, and '#' sorts before '$'.
			":upto": str(fmtTime(now) + "$"),
		},
		Limit:                  aws.Int32(int32(min(limit, 1000))),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	if err != nil {
		return nil, s.fail(parent, "due webhook deliveries", err)
	}
	list := make([]*centre.WebhookDelivery, 0, len(out.Items))
	for _, it := range out.Items {
		d, err := deliveryFromItem(it)
		if err != nil {
			return nil, err
		}
		list = append(list, d)
	}
	return list, nil
}
