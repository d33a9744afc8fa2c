package dynamostore

import (
	"context"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"infocentre/internal/centre"
	"infocentre/internal/search"
)

// Search documents (see search.DocSource). Every write that changes the
// search document of an entry — an entry becoming public, changing while
// public, or ceasing to be public — changes, in the same transaction as
// the entry items:
//
//	marker    PK=X#<site>   SK=#SEQ                seq: the site's change sequence, raised by one;
//	                                               front: the site's centre.SiteFront (JSON),
//	                                               changed by centre.SiteFront.Apply
//	document  PK=X#<site>   SK=D#<id>              doc: search.Doc binary encoding (put, or deleted
//	                                               when the entry stops being public)
//	change    PK=XL#<site>  SK=<seq, 20 digits>    id, doc (absent for a removal), ttl
//
// The marker is written on the condition that it still holds the sequence
// the writer read, so changes of one site are numbered without gaps. A
// reader loads a site's documents with one Query of X#<site> (the marker
// sorts first, so the sequence it reads comes before the documents), then
// on each search reads the marker (one GetItem) and, only when it moved,
// the change items after its sequence (one Query). Change items expire
// after changeTTL; a reader that finds a gap loads the documents again.
//
// CreateSite writes the marker with a sequence starting at the creation
// time in microseconds, so that a recreated site never repeats the numbers
// of its predecessor; DeleteSite deletes it.

const (
	skSearchSeq = "#SEQ" // sorts before every document key
	docPrefix   = "D#"
	// changeTTL is how long change items are kept.
	changeTTL = 7 * 24 * time.Hour
	// maxDelta is the largest number of changes a reader fetches instead
	// of loading the documents again.
	maxDelta = 500
	// maxSearchRetries bounds the tries of an entry write whose site's
	// search sequence keeps moving under it.
	maxSearchRetries = 10
)

func searchPK(site string) string       { return "X#" + site }
func searchSeqKey(site string) item     { return keyOf(searchPK(site), skSearchSeq) }
func searchDocKey(site, id string) item { return keyOf(searchPK(site), docPrefix+id) }
func changePK(site string) string       { return "XL#" + site }
func changeSK(seq int64) string         { return fmt.Sprintf("%020d", seq) }

var _ search.DocSource = (*Store)(nil)

// errSearchMoved is the failure of the marker's condition: another write
// changed the site's search documents since the marker was read.
var errSearchMoved = errors.New("dynamostore: search sequence moved")

// seen reports whether the public can see e, or could once: a write of it
// changes a public page.
func seen(e *centre.Entry) bool { return e != nil && (e.Public() || e.EverPublic()) }

// searchDoc returns the encoded search document of e, or nil if e is not
// indexed (nil, or not public).
func searchDoc(e *centre.Entry) []byte {
	if e == nil {
		return nil
	}
	d, err := search.DocFromEntry(e)
	if err != nil {
		return nil
	}
	b, _ := d.MarshalBinary()
	return b
}

// searchSeqItem returns the marker item of site at seq, with the site's
// front (nil: none kept).
func searchSeqItem(site string, seq int64, at time.Time, front *centre.SiteFront) (item, error) {
	it := searchSeqKey(site)
	it["seq"] = num(seq)
	writer(it).t("changed_at", at)
	if front != nil {
		b, err := centre.EncodeSiteFront(front)
		if err != nil {
			return nil, err
		}
		it[attrFront] = &types.AttributeValueMemberB{Value: b}
	}
	return it, nil
}

// attrFront is the marker's attribute holding the site's front.
const attrFront = "front"

// frontOf returns the front the marker item it holds, or nil.
func frontOf(it item) (*centre.SiteFront, error) {
	b, ok := it[attrFront].(*types.AttributeValueMemberB)
	if !ok {
		return nil, nil
	}
	return centre.DecodeSiteFront(b.Value)
}

// readSearchSeq returns the site's search sequence (the marker's projection
// without the front); ok is false when the site has no marker.
func (s *Store) readSearchSeq(ctx, parent context.Context, site string) (seq int64, ok bool, err error) {
	seq, ok, _, err = s.readMarker(ctx, parent, site, false)
	return seq, ok, err
}

// readMarker returns the site's search sequence and, withFront, its front
// (nil when none is kept); ok is false when the site has no marker.
func (s *Store) readMarker(ctx, parent context.Context, site string, withFront bool) (seq int64, ok bool, front *centre.SiteFront, err error) {
	in := &dynamodb.GetItemInput{
		TableName:              aws.String(s.table),
		Key:                    searchSeqKey(site),
		ConsistentRead:         aws.Bool(true),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}
	if !withFront {
		in.ProjectionExpression = aws.String("#seq")
		in.ExpressionAttributeNames = map[string]string{"#seq": "seq"}
	}
	out, err := s.client.GetItem(ctx, in, s.optFns...)
	if err != nil {
		return 0, false, nil, s.fail(parent, "get search sequence", err)
	}
	if out.Item == nil {
		return 0, false, nil, nil
	}
	r := reader{it: out.Item}
	seq = r.n("seq")
	if err := r.err("search sequence"); err != nil {
		return 0, false, nil, err
	}
	if withFront {
		if front, err = frontOf(out.Item); err != nil {
			return 0, false, nil, err
		}
	}
	return seq, true, front, nil
}

// addSearchChange adds to t the search changes of an entry write from old
// to cur (nil for none): when either is or ever was public, it reads the
// site's marker and adds the marker's update (its sequence is also the
// site's change stamp, see SiteStamp: a public page can change even when
// the search document does not), the document's put or delete and the
// change item. The marker's condition fails with errSearchMoved.
func (s *Store) addSearchChange(ctx, parent context.Context, t *txn, old, cur *centre.Entry) error {
	if !seen(old) && !seen(cur) {
		return nil
	}
	curDoc := searchDoc(cur)
	e := cur
	if e == nil {
		e = old
	}
	seq, ok, front, err := s.readMarker(ctx, parent, e.Site, true)
	if err != nil {
		return err
	}
	moved := func(item) error { return errSearchMoved }
	c := notExists
	if ok {
		c = &cond{expr: "#seq = :seq", names: map[string]string{"#seq": "seq"}, values: map[string]types.AttributeValue{":seq": num(seq)}}
	}
	next := seq + 1
	if front != nil {
		front.Apply(old, cur)
	}
	marker, err := searchSeqItem(e.Site, next, s.now(), front)
	if err != nil {
		return err
	}
	t.put(marker, c, moved)
	change := keyOf(changePK(e.Site), changeSK(next))
	w := writer(change)
	w.s("id", e.ID)
	w.n(TTLAttribute, s.now().Add(changeTTL).Unix())
	if curDoc != nil {
		change["doc"] = &types.AttributeValueMemberB{Value: curDoc}
		doc := searchDocKey(e.Site, e.ID)
		doc["doc"] = &types.AttributeValueMemberB{Value: curDoc}
		writer(doc).n("seq", next)
		t.put(doc, nil, nil)
	} else {
		t.delete(searchDocKey(e.Site, e.ID), nil, nil)
	}
	t.put(change, nil, nil)
	return nil
}

// transactEntry builds an entry write with build, adds its search changes
// (from old to cur) and runs it, building it again when the site's search
// sequence moved in between.
func (s *Store) transactEntry(ctx, parent context.Context, what string, old, cur *centre.Entry, build func(*txn)) error {
	for attempt := 1; ; attempt++ {
		t := &txn{table: s.table}
		build(t)
		if err := s.addSearchChange(ctx, parent, t, old, cur); err != nil {
			return err
		}
		err := s.transact(ctx, parent, what, t)
		if !errors.Is(err, errSearchMoved) {
			return err
		}
		if attempt == maxSearchRetries {
			return errUnavailable(err)
		}
		// Another write of the site's entries came in between: wait a
		// random while, so that writers in step fall out of it.
		delay := time.Duration(mrand.Int64N(int64(5*time.Millisecond) << min(attempt, 6)))
		select {
		case <-ctx.Done():
			return s.fail(parent, what, ctx.Err())
		case <-time.After(delay):
		}
	}
}

// SearchDocs returns the search documents of site's public entries and
// the sequence they are current at: one Query per megabyte of documents.
// Returns ENOTFOUND for an unknown site.
func (s *Store) SearchDocs(parent context.Context, site string) ([]search.Doc, int64, error) {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return nil, 0, err
	}
	defer cancel()
	var docs []search.Doc
	var seq int64
	marker := false
	err = s.queryAll(ctx, parent, "search documents", &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(searchPK(site))},
		ConsistentRead:            aws.Bool(true),
	}, func(it item) error {
		r := reader{it: it}
		if r.s(attrSK) == skSearchSeq {
			marker = true
			seq = r.n("seq")
			return r.err("search sequence")
		}
		d, err := decodeDoc(it)
		if err == nil {
			docs = append(docs, d)
		}
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	if !marker {
		// A site created before search documents were kept, or none.
		if _, err := s.getSite(parent, "get site", siteKey(site), "site %q not found", site); err != nil {
			return nil, 0, err
		}
	}
	return docs, seq, nil
}

func decodeDoc(it item) (search.Doc, error) {
	var d search.Doc
	b, ok := it["doc"].(*types.AttributeValueMemberB)
	if !ok {
		return d, errors.New("dynamostore: malformed search document item")
	}
	if err := d.UnmarshalBinary(b.Value); err != nil {
		return d, fmt.Errorf("dynamostore: %w", err)
	}
	return d, nil
}

// SearchChanges returns the changes of site's search documents after
// sequence after: one GetItem of the marker when nothing changed, and one
// Query of the change items (one per megabyte) when something did. It
// asks the reader to load again (Reset) when the changes are too many or
// no longer all kept, or the site was recreated. Returns ENOTFOUND for an
// unknown site.
func (s *Store) SearchChanges(parent context.Context, site string, after int64) (search.Delta, error) {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return search.Delta{}, err
	}
	defer cancel()
	seq, ok, err := s.readSearchSeq(ctx, parent, site)
	switch {
	case err != nil:
		return search.Delta{}, err
	case !ok:
		if _, err := s.getSite(parent, "get site", siteKey(site), "site %q not found", site); err != nil {
			return search.Delta{}, err
		}
		return search.Delta{Seq: 0, Reset: after != 0}, nil
	case seq == after:
		return search.Delta{Seq: seq}, nil
	case seq < after || seq-after > maxDelta:
		return search.Delta{Reset: true}, nil
	}
	d := search.Delta{Seq: after}
	reset := false
	err = s.queryAll(ctx, parent, "search changes", &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("PK = :pk AND SK > :after"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(changePK(site)), ":after": str(changeSK(after))},
		ConsistentRead:            aws.Bool(true),
	}, func(it item) error {
		if reset {
			return nil
		}
		r := reader{it: it}
		n, err := strconv.ParseInt(r.s(attrSK), 10, 64)
		if err != nil {
			return errors.New("dynamostore: malformed search change item")
		}
		if n != d.Seq+1 {
			reset = true // expired changes
			return nil
		}
		c := search.DocChange{ID: r.s("id")}
		if _, ok := it["doc"]; ok {
			doc, err := decodeDoc(it)
			if err != nil {
				return err
			}
			c.Doc = &doc
		}
		d.Seq = n
		d.Changes = append(d.Changes, c)
		return r.err("search change")
	})
	if err != nil {
		return search.Delta{}, err
	}
	if reset || d.Seq < seq {
		return search.Delta{Reset: true}, nil
	}
	return d, nil
}
