package dynamostore

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"infocentre/internal/centre"
)

// AppendAudit stores an audit event: one conditional PutItem. Returns
// ECONFLICT if the site has an event with its ID.
func (s *Store) AppendAudit(parent context.Context, ev *centre.AuditEvent) error {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:              aws.String(s.table),
		Item:                   auditToItem(ev),
		ConditionExpression:    aws.String("attribute_not_exists(PK)"),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	if ok, _ := condFailed(err); ok {
		return centre.Errorf(centre.ECONFLICT, "audit event %q exists", ev.ID)
	}
	return s.fail(parent, "append audit event", err)
}

// ListAudit returns one page of a site's audit events, newest first: one
// Query of the site's events in GSI2 (sorted by time), bounded by From and
// To in the key condition, other criteria filtered.
func (s *Store) ListAudit(parent context.Context, q centre.AuditQuery) (centre.AuditPage, error) {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return centre.AuditPage{}, err
	}
	defer cancel()
	limit, err := pageLimit(q.Limit)
	if err != nil {
		return centre.AuditPage{}, err
	}
	pk := auditPK(q.Site)
	from, to := "", ""
	if !q.From.IsZero() {
		from = fmtTime(q.From)
	}
	if !q.To.IsZero() {
		to = fmtTime(q.To)
	}
	var start item
	if q.After != "" {
		m, err := decodeKey(q.After, attrPK, attrSK, attrGSI2PK, attrGSI2SK)
		if err != nil {
			return centre.AuditPage{}, err
		}
		sk, id := m[attrGSI2SK], m[attrSK]
		// The cursor must be an event of this site within [From, To).
		if m[attrPK] != pk || m[attrGSI2PK] != pk || id == "" || strings.Contains(id, "#") ||
			len(sk) != len(timeLayout)+1+len(id) || !strings.HasSuffix(sk, "#"+id) ||
			(from != "" && sk < from) || (to != "" && sk >= to) {
			return centre.AuditPage{}, badCursor()
		}
		start = toKey(m)
	}
	if from != "" && to != "" && from >= to {
		return centre.AuditPage{}, nil
	}
	values := map[string]types.AttributeValue{":pk": str(pk)}
	names := map[string]string{}
	keyCond := "GSI2PK = :pk"
	switch {
	case from != "" && to != "":
		// Sort keys are <at>#<id>: "<to>#…" sorts after "<to>", so BETWEEN
		// leaves events at To out.
		keyCond += " AND GSI2SK BETWEEN :from AND :to"
		values[":from"], values[":to"] = str(from), str(to)
	case from != "":
		keyCond += " AND GSI2SK >= :from"
		values[":from"] = str(from)
	case to != "":
		keyCond += " AND GSI2SK < :to"
		values[":to"] = str(to)
	}
	var filter []string
	for _, f := range []struct{ attr, value string }{{"action", q.Action}, {"key_id", q.KeyID}, {"person_id", q.PersonID}, {"target", q.Target}} {
		if f.value != "" {
			names["#"+f.attr] = f.attr
			values[":"+f.attr] = str(f.value)
			filter = append(filter, "#"+f.attr+" = :"+f.attr)
		}
	}
	in := &dynamodb.QueryInput{
		IndexName:                 aws.String(GSI2),
		KeyConditionExpression:    aws.String(keyCond),
		ExpressionAttributeValues: values,
		ExclusiveStartKey:         start,
	}
	if len(filter) > 0 {
		in.FilterExpression = aws.String(strings.Join(filter, " AND "))
		in.ExpressionAttributeNames = names
	}
	items, next, err := s.page(ctx, parent, "list audit events", in, limit, func(it item) item {
		return item{attrPK: it[attrPK], attrSK: it[attrSK], attrGSI2PK: it[attrGSI2PK], attrGSI2SK: it[attrGSI2SK]}
	})
	if err != nil {
		return centre.AuditPage{}, err
	}
	page := centre.AuditPage{Items: make([]*centre.AuditEvent, 0, len(items)), Next: next}
	for _, it := range items {
		ev, err := auditFromItem(it)
		if err != nil {
			return centre.AuditPage{}, err
		}
		page.Items = append(page.Items, ev)
	}
	return page, nil
}
