package dynamostore

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"infocentre/internal/centre"
)

// SiteStamp returns the site's change stamp, with the site and its front
// (kept on the marker, see search.go): the version of
// its site item and the sequence of its search marker (see search.go),
// which every write of an entry that is or ever was public raises in the
// entry's own transaction. One TransactGetItems of the two items (read
// together, at one instant; IAM authorises it as GetItem). ChangedAt is the later
// of the site's UpdatedAt and the marker's time: the public lists are read
// from GSI1, which follows a write shortly after. Returns ENOTFOUND for an
// unknown site.
func (s *Store) SiteStamp(parent context.Context, slug string) (centre.SiteStamp, error) {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return centre.SiteStamp{}, err
	}
	defer cancel()
	siteItem, marker := siteKey(slug), searchSeqKey(slug)
	out, err := s.client.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{
		TransactItems: []types.TransactGetItem{
			{Get: &types.Get{TableName: aws.String(s.table), Key: siteItem}},
			{Get: &types.Get{TableName: aws.String(s.table), Key: marker}},
		},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	if err != nil {
		return centre.SiteStamp{}, s.fail(parent, "get site stamp", err)
	}
	var items []item
	for _, r := range out.Responses {
		if r.Item != nil {
			items = append(items, r.Item)
		}
	}
	var seq int64
	var changed time.Time
	var site *centre.Site
	var front *centre.SiteFront
	for _, it := range items {
		r := reader{it: it}
		switch r.s(attrSK) {
		case skSite:
			if site, err = siteFromItem(it); err != nil {
				return centre.SiteStamp{}, err
			}
			changed = later(changed, site.UpdatedAt)
		case skSearchSeq:
			seq = r.n("seq")
			changed = later(changed, r.t("changed_at"))
			if front, err = frontOf(it); err != nil {
				return centre.SiteStamp{}, err
			}
		}
		if err := r.err("site stamp"); err != nil {
			return centre.SiteStamp{}, err
		}
	}
	if site == nil {
		return centre.SiteStamp{}, centre.Errorf(centre.ENOTFOUND, "site %q not found", slug)
	}
	return centre.SiteStamp{Value: "v" + strconv.FormatInt(site.Version, 10) + "s" + strconv.FormatInt(seq, 10),
		ChangedAt: changed, Site: site, Front: front}, nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// PutSiteFront stores front on the site's search marker (see search.go)
// if the marker's sequence is still the one stamp carries (the site's
// version does not matter: a front holds entries only), with a check that
// the site exists: one TransactWriteItems. A site without a marker (no
// public write yet, stamp sequence 0) gets one at sequence 0. The stamp's
// value does not move. Returns ENOTFOUND or EPRECONDITION.
func (s *Store) PutSiteFront(parent context.Context, slug string, front *centre.SiteFront, stamp string) error {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	_, seqText, ok := strings.Cut(stamp, "s")
	seq, perr := strconv.ParseInt(seqText, 10, 64)
	if !ok || perr != nil || !strings.HasPrefix(stamp, "v") {
		return centre.Errorf(centre.EPRECONDITION, "%q is not a change stamp of this store", stamp)
	}
	b, err := centre.EncodeSiteFront(front)
	if err != nil {
		return err
	}
	at := item{}
	writer(at).t("changed_at", s.now())
	c := &cond{names: map[string]string{"#seq": "seq", "#front": attrFront},
		values: map[string]types.AttributeValue{":seq": num(seq), ":front": &types.AttributeValueMemberB{Value: b}}}
	update := "SET #front = :front"
	if seq == 0 {
		c.expr = "attribute_not_exists(#seq)"
		c.names["#at"], c.values[":at"] = "changed_at", at["changed_at"]
		update = "SET #front = :front, #seq = :seq, #at = :at"
	} else {
		c.expr = "#seq = :seq"
	}
	t := &txn{table: s.table}
	t.check(siteKey(slug), &cond{expr: "attribute_exists(PK)"}, func(item) error {
		return centre.Errorf(centre.ENOTFOUND, "site %q not found", slug)
	})
	t.update(searchSeqKey(slug), update, c, func(item) error {
		return centre.Errorf(centre.EPRECONDITION, "site %q changed since its stamp %q was read", slug, stamp)
	})
	return s.transact(ctx, parent, "put site front", t)
}
