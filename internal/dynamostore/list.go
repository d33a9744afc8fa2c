package dynamostore

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"infocentre/internal/centre"
)

// listPlan is the one Query that serves an EntryQuery.
type listPlan struct {
	site   string
	dim    string // the list partition queried
	index  string // "", GSI1 (public) or GSI2 (staff by status)
	pkAttr string
	pk     string
	skAttr string
	filter []string
	values map[string]types.AttributeValue
	names  map[string]string
}

// plan picks the most selective list partition for q (tag, organisation,
// type, language, then all) and filters the other criteria.
func plan(q centre.EntryQuery) *listPlan {
	p := &listPlan{site: q.Site, values: map[string]types.AttributeValue{}, names: map[string]string{}}
	org := ""
	if q.Organisation != "" {
		org = centre.OrgKey(q.Organisation)
	}
	switch {
	case q.Tag != "":
		p.dim = "tag#" + q.Tag
	case q.Organisation != "":
		p.dim = "org#" + org
	case q.Type != "":
		p.dim = "type#" + q.Type
	case q.Lang != "":
		p.dim = "lang#" + q.Lang
	default:
		p.dim = dimAll
	}
	if q.Tag != "" && !strings.HasPrefix(p.dim, "tag#") {
		p.names["#tags"] = "tags"
		p.add("contains(#tags, :tag)", ":tag", q.Tag)
	}
	if q.Organisation != "" && !strings.HasPrefix(p.dim, "org#") {
		p.names["#orgs"] = "org_keys"
		p.add("contains(#orgs, :org)", ":org", org)
	}
	if q.Type != "" && !strings.HasPrefix(p.dim, "type#") {
		p.names["#type"] = "type"
		p.add("#type = :type", ":type", q.Type)
	}
	if q.Lang != "" && !strings.HasPrefix(p.dim, "lang#") {
		p.names["#lang"] = "lang"
		p.add("#lang = :lang", ":lang", q.Lang)
	}
	if q.Public && !q.Now.IsZero() {
		p.names["#exp"] = "expires_at"
		p.add("(attribute_not_exists(#exp) OR #exp > :now)", ":now", fmtTime(q.Now))
	}
	switch {
	case q.Public:
		p.index, p.pkAttr, p.pk, p.skAttr = GSI1, attrGSI1PK, publicPK(q.Site, p.dim), attrGSI1SK
	case q.Status != "" && p.dim == dimAll:
		p.index, p.pkAttr, p.pk, p.skAttr = GSI2, attrGSI2PK, statusPK(q.Site, q.Status), attrGSI2SK
	default:
		p.pkAttr, p.pk, p.skAttr = attrPK, listPK(q.Site, p.dim), attrSK
		if q.Status != "" {
			p.names["#status"] = "status"
			p.add("#status = :status", ":status", q.Status)
		}
	}
	return p
}

func (p *listPlan) add(expr, name, value string) {
	p.filter = append(p.filter, expr)
	p.values[name] = str(value)
}

// ListEntries returns one page of q: one Query of a list partition (GSI1
// for public listings, the table or GSI2 for staff ones), newest first.
func (s *Store) ListEntries(parent context.Context, q centre.EntryQuery) (centre.EntryPage, error) {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return centre.EntryPage{}, err
	}
	defer cancel()
	limit, err := pageLimit(q.Limit)
	if err != nil {
		return centre.EntryPage{}, err
	}
	p := plan(q)
	in := &dynamodb.QueryInput{
		KeyConditionExpression: aws.String(p.pkAttr + " = :pk"),
	}
	p.values[":pk"] = str(p.pk)
	in.ExpressionAttributeValues = p.values
	if len(p.names) > 0 {
		in.ExpressionAttributeNames = p.names
	}
	if p.index != "" {
		in.IndexName = aws.String(p.index)
	} else {
		in.ConsistentRead = aws.Bool(true)
	}
	if len(p.filter) > 0 {
		in.FilterExpression = aws.String(strings.Join(p.filter, " AND "))
	}
	if q.After != "" {
		if in.ExclusiveStartKey, err = p.decodeCursor(q.After); err != nil {
			return centre.EntryPage{}, err
		}
	}
	items, next, err := s.page(ctx, parent, "list entries", in, limit, p.keyOf)
	if err != nil {
		return centre.EntryPage{}, err
	}
	page := centre.EntryPage{Items: make([]*centre.Entry, 0, len(items)), Next: next}
	for _, it := range items {
		e, err := entryFromItem(it)
		if err != nil {
			return centre.EntryPage{}, err
		}
		page.Items = append(page.Items, e)
	}
	return page, nil
}

// pageLimit returns the page size for a requested limit: 0 means 20, more
// than MaxPageSize means MaxPageSize.
func pageLimit(limit int) (int, error) {
	switch {
	case limit < 0:
		return 0, centre.Errorf(centre.EINVALID, "limit must be between 1 and %d", centre.MaxPageSize)
	case limit == 0:
		return 20, nil
	default:
		return min(limit, centre.MaxPageSize), nil
	}
}

// page runs one Query of in, newest first, for a page of limit items. It
// asks for one item more than the limit: if that comes back, the page ends
// at the limit and the next one starts after its last item (keyOf gives
// the item's key in the queried index); otherwise the next page starts at
// DynamoDB's LastEvaluatedKey, if any.
func (s *Store) page(ctx, parent context.Context, what string, in *dynamodb.QueryInput, limit int, keyOf func(item) item) ([]item, string, error) {
	in.TableName = aws.String(s.table)
	in.ScanIndexForward = aws.Bool(false)
	in.Limit = aws.Int32(int32(limit + 1))
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := s.client.Query(ctx, in, s.optFns...)
	if err != nil {
		return nil, "", s.fail(parent, what, err)
	}
	items := out.Items
	var next item
	if len(items) > limit {
		items = items[:limit]
		next = keyOf(items[limit-1])
	} else if len(out.LastEvaluatedKey) > 0 {
		next = out.LastEvaluatedKey
	}
	if next == nil {
		return items, "", nil
	}
	c, err := encodeCursor(next)
	return items, c, err
}

// keyOf returns the key of it in the queried index: the start key of the
// next page when the page ends with it.
func (p *listPlan) keyOf(it item) item {
	k := item{attrPK: it[attrPK], attrSK: it[attrSK]}
	if p.index != "" {
		k[p.pkAttr], k[p.skAttr] = it[p.pkAttr], it[p.skAttr]
	}
	return k
}

// A raw cursor is the base64url JSON of the last evaluated key, every
// attribute a string. The HTTP layer seals it; the store still checks that
// it is well formed and addresses the queried partition, so that no cursor
// reads another site's or another listing's items.
const maxCursorLen = 2048

func encodeCursor(k item) (string, error) {
	m := make(map[string]string, len(k))
	for name, v := range k {
		s, ok := v.(*types.AttributeValueMemberS)
		if !ok {
			return "", centre.Errorf(centre.EINTERNAL, "unexpected key attribute %q", name)
		}
		m[name] = s.Value
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func badCursor() error { return centre.Errorf(centre.EINVALID, "invalid cursor") }

// decodeKey decodes a raw cursor holding exactly the attributes want.
func decodeKey(c string, want ...string) (map[string]string, error) {
	if len(c) > maxCursorLen {
		return nil, badCursor()
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, badCursor()
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, badCursor()
	}
	got := slices.Sorted(maps.Keys(m))
	slices.Sort(want)
	if !slices.Equal(got, want) {
		return nil, badCursor()
	}
	return m, nil
}

func toKey(m map[string]string) item {
	k := make(item, len(m))
	for name, v := range m {
		k[name] = str(v)
	}
	return k
}

func (p *listPlan) decodeCursor(c string) (item, error) {
	want := []string{attrPK, attrSK}
	if p.index != "" {
		want = append(want, p.pkAttr, p.skAttr)
	}
	m, err := decodeKey(c, want...)
	if err != nil {
		return nil, err
	}
	id := m[attrSK]
	if id == "" || strings.Contains(id, "#") || len(id) > 256 {
		return nil, badCursor()
	}
	// The item must be a list item of the queried partition.
	wantPK := listPK(p.site, p.dim)
	if p.index == GSI2 {
		wantPK = listPK(p.site, dimAll)
	}
	if m[attrPK] != wantPK {
		return nil, badCursor()
	}
	switch p.index {
	case GSI1:
		if m[attrGSI1PK] != p.pk || !strings.HasSuffix(m[attrGSI1SK], "#"+id) || len(m[attrGSI1SK]) != len(timeLayout)+1+len(id) {
			return nil, badCursor()
		}
	case GSI2:
		if m[attrGSI2PK] != p.pk || m[attrGSI2SK] != id {
			return nil, badCursor()
		}
	}
	return toKey(m), nil
}

// idPage returns one page of partition pk, whose sort keys are IDs, newest
// first, continuing after the cursor after: one Query (in, when given,
// adds a filter with its names and values). A cursor of another
// partition is EINVALID.
func (s *Store) idPage(ctx, parent context.Context, what, pk, after string, limit int, in *dynamodb.QueryInput) ([]item, string, error) {
	if in == nil {
		in = &dynamodb.QueryInput{}
	}
	if after != "" {
		m, err := decodeKey(after, attrPK, attrSK)
		if err != nil {
			return nil, "", err
		}
		if m[attrPK] != pk || !centre.ValidID(m[attrSK]) || strings.Contains(m[attrSK], "#") {
			return nil, "", badCursor()
		}
		in.ExclusiveStartKey = toKey(m)
	}
	in.KeyConditionExpression = aws.String("PK = :pk")
	if in.ExpressionAttributeValues == nil {
		in.ExpressionAttributeValues = map[string]types.AttributeValue{}
	}
	in.ExpressionAttributeValues[":pk"] = str(pk)
	return s.page(ctx, parent, what, in, limit, func(it item) item { return item{attrPK: it[attrPK], attrSK: it[attrSK]} })
}

// fromItems decodes items with from, in order.
func fromItems[T any](items []item, from func(item) (T, error)) ([]T, error) {
	out := make([]T, 0, len(items))
	for _, it := range items {
		v, err := from(it)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
