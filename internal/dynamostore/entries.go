package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"infocentre/internal/centre"
)

// CreateEntry stores a new entry with Version 1 in one transaction: the
// entry item (under its slug and language), revision 1, its list items and,
// for a public entry, its search document (see search.go; a GetItem of the
// site's search sequence comes first), and its announcement (outbox.go).
// Returns ECONFLICT if the ID or the site's (Lang, Slug) is taken.
func (s *Store) CreateEntry(parent context.Context, e *centre.Entry) error {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	v := *e
	v.Version = 1
	err = s.transactEntry(ctx, parent, "create entry", nil, &v, func(t *txn) {
		t.put(entryToItem(&v), notExists, func(item) error { return slugTaken(e) })
		// Revisions outlive a deleted entry, so its ID stays taken.
		t.put(revisionItem(&v), notExists, func(item) error {
			return centre.Errorf(centre.ECONFLICT, "an entry with ID %q exists or existed", e.ID)
		})
		for _, d := range dims(&v) {
			t.put(listItem(&v, d), nil, nil)
		}
		putAnnouncement(t, v.Announcement())
		putFileMarks(t, &v)
	})
	if err != nil {
		return err
	}
	e.Version = 1
	e.Announce(nil)
	e.MarkFiles(nil)
	return nil
}

func slugTaken(e *centre.Entry) error {
	return centre.Errorf(centre.ECONFLICT, "slug %q is taken in language %q", e.Slug, e.Lang)
}

// GetEntry returns the entry with that ID in site, or ENOTFOUND: one Query
// for the newest item of the entry's revision partition.
func (s *Store) GetEntry(parent context.Context, site, id string) (*centre.Entry, error) {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return nil, err
	}
	defer cancel()
	e, err := s.getEntry(ctx, parent, site, id)
	if err == nil && e == nil {
		return nil, entryNotFound(site, id)
	}
	return e, err
}

func entryNotFound(site, id string) error {
	return centre.Errorf(centre.ENOTFOUND, "entry %q not found in site %q", id, site)
}

// getEntry returns the stored entry, or nil if there is none: the newest
// revision, unless a deletion mark comes after it.
func (s *Store) getEntry(ctx, parent context.Context, site, id string) (*centre.Entry, error) {
	out, err := s.client.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(revisionPK(site, id))},
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(1),
		ConsistentRead:            aws.Bool(true),
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	if err != nil {
		return nil, s.fail(parent, "get entry", err)
	}
	if len(out.Items) == 0 {
		return nil, nil
	}
	if sk, _ := out.Items[0][attrSK].(*types.AttributeValueMemberS); sk == nil || sk.Value == skDeleted {
		return nil, nil
	}
	return entryFromItem(out.Items[0])
}

// EntriesBySlug returns every language version of the slug, ordered by
// Lang: one Query of the slug's partition, whose sort key is the language.
func (s *Store) EntriesBySlug(parent context.Context, site, slug string) ([]*centre.Entry, error) {
	return s.entriesBySlug(parent, site, slug, false)
}

// PublicEntriesBySlug returns the language versions of the slug that are
// or were public, ordered by Lang: the Query of EntriesBySlug, filtered
// on the server, so that a version never public never reaches the caller.
func (s *Store) PublicEntriesBySlug(parent context.Context, site, slug string) ([]*centre.Entry, error) {
	return s.entriesBySlug(parent, site, slug, true)
}

func (s *Store) entriesBySlug(parent context.Context, site, slug string, public bool) ([]*centre.Entry, error) {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return nil, err
	}
	defer cancel()
	var list []*centre.Entry
	in := &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(slugPK(site, slug))},
		ConsistentRead:            aws.Bool(true),
	}
	if public {
		in.FilterExpression = aws.String("#st IN (:published, :withdrawn) OR attribute_exists(#pa)")
		in.ExpressionAttributeNames = map[string]string{"#st": "status", "#pa": "published_at"}
		in.ExpressionAttributeValues[":published"] = str(centre.StatusPublished)
		in.ExpressionAttributeValues[":withdrawn"] = str(centre.StatusWithdrawn)
	}
	err = s.queryAll(ctx, parent, "entries by slug", in, func(it item) error {
		e, err := entryFromItem(it)
		if err == nil {
			list = append(list, e)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, centre.Errorf(centre.ENOTFOUND, "no entry %q in site %q", slug, site)
	}
	return list, nil
}

// errLockLost is what a failed version condition on the entry item
// returns when the item is gone: the entry was deleted, or renamed since it
// was read. The caller reads again to tell.
var errLockLost = errors.New("dynamostore: entry item gone")

// lockFailed returns the error of a failed version condition on the entry
// item, whose current value is cur.
func lockFailed(e *centre.Entry) func(cur item) error {
	return func(cur item) error {
		if cur == nil {
			return errLockLost
		}
		return centre.Errorf(centre.EPRECONDITION, "entry %q was changed by someone else", e.ID)
	}
}

// lockLost turns errLockLost into ENOTFOUND or EPRECONDITION.
func (s *Store) lockLost(ctx, parent context.Context, site, id string, err error) error {
	if !errors.Is(err, errLockLost) {
		return err
	}
	cur, err := s.getEntry(ctx, parent, site, id)
	switch {
	case err != nil:
		return err
	case cur == nil:
		return entryNotFound(site, id)
	default:
		return centre.Errorf(centre.EPRECONDITION, "entry %q was changed by someone else", id)
	}
}

// UpdateEntry replaces an entry if its stored version equals e.Version: a
// read of the stored entry, then one transaction that rewrites (or moves)
// the entry item on the condition that it still holds the version read,
// adds the new revision, deletes, adds or rewrites the list items, and
// changes the search document if it changed (after a GetItem of the site's
// search sequence), and puts its announcement (outbox.go).
func (s *Store) UpdateEntry(parent context.Context, e *centre.Entry) error {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	old, err := s.getEntry(ctx, parent, e.Site, e.ID)
	if err != nil {
		return err
	}
	if old == nil {
		return entryNotFound(e.Site, e.ID)
	}
	if old.Version != e.Version {
		return centre.Errorf(centre.EPRECONDITION, "entry %q was changed by someone else", e.ID)
	}
	v := *e
	v.Version = e.Version + 1
	err = s.transactEntry(ctx, parent, "update entry", old, &v, func(t *txn) {
		if old.Slug != v.Slug || old.Lang != v.Lang {
			t.delete(slugKey(old.Site, old.Slug, old.Lang), versionIs(e.Version), lockFailed(e))
			t.put(entryToItem(&v), notExists, func(item) error { return slugTaken(e) })
		} else {
			t.put(entryToItem(&v), versionIs(e.Version), lockFailed(e))
		}
		t.put(revisionItem(&v), notExists, func(item) error {
			return centre.Errorf(centre.EPRECONDITION, "entry %q was changed by someone else", e.ID)
		})
		keep := map[string]bool{}
		for _, d := range dims(&v) {
			keep[d] = true
		}
		for _, d := range dims(old) {
			if !keep[d] {
				t.delete(listKey(old.Site, d, old.ID), nil, nil)
			}
		}
		for _, d := range dims(&v) {
			t.put(listItem(&v, d), nil, nil)
		}
		putAnnouncement(t, v.Announcement())
		putFileMarks(t, &v)
	})
	if err != nil {
		return s.lockLost(ctx, parent, e.Site, e.ID, err)
	}
	e.Version = v.Version
	e.Announce(nil)
	e.MarkFiles(nil)
	return nil
}

func versionIs(v int64) *cond {
	return &cond{expr: "#v = :v", names: map[string]string{"#v": "version"}, values: map[string]types.AttributeValue{":v": num(v)}}
}

// DeleteEntry removes an entry, its list items and search document, and
// marks it deleted (its revisions stay), in one transaction, if its stored
// version equals version.
func (s *Store) DeleteEntry(parent context.Context, site, id string, version int64) error {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	old, err := s.getEntry(ctx, parent, site, id)
	if err != nil {
		return err
	}
	if old == nil {
		return entryNotFound(site, id)
	}
	if old.Version != version {
		return centre.Errorf(centre.EPRECONDITION, "entry %q was changed by someone else", id)
	}
	err = s.transactEntry(ctx, parent, "delete entry", old, nil, func(t *txn) {
		t.delete(slugKey(site, old.Slug, old.Lang), versionIs(version), lockFailed(old))
		t.put(deletedKey(site, id), notExists, func(item) error { return entryNotFound(site, id) })
		for _, d := range dims(old) {
			t.delete(listKey(site, d, id), nil, nil)
		}
	})
	if err != nil {
		return s.lockLost(ctx, parent, site, id, err)
	}
	return nil
}

// DueEntries returns up to limit scheduled entries whose PublishAt is at or
// before now, oldest first: one Query of the sparse due list in GSI2.
func (s *Store) DueEntries(parent context.Context, now time.Time, limit int) ([]*centre.Entry, error) {
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
			":pk": str(pkDue),
			// Every sort key is <publish_at>#…, and '#' sorts before '$'.
			":upto": str(fmtTime(now) + "$"),
		},
		Limit:                  aws.Int32(int32(min(limit, 1000))),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	if err != nil {
		return nil, s.fail(parent, "due entries", err)
	}
	list := make([]*centre.Entry, 0, len(out.Items))
	for _, it := range out.Items {
		e, err := entryFromItem(it)
		if err != nil {
			return nil, err
		}
		list = append(list, e)
	}
	return list, nil
}

// Revisions returns up to limit revisions of an entry after version after,
// oldest first: one Query of the entry's revision partition (and a second
// one only to tell "past the last" from "no revision at all").
func (s *Store) Revisions(parent context.Context, site, id string, after int64, limit int) ([]*centre.Entry, error) {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return nil, err
	}
	defer cancel()
	if limit <= 0 {
		limit = 20
	}
	limit = min(limit, centre.MaxPageSize)
	after = max(after, 0)
	var list []*centre.Entry
	if after < math.MaxInt64 { // no version comes after MaxInt64
		out, err := s.client.Query(ctx, &dynamodb.QueryInput{
			TableName:              aws.String(s.table),
			KeyConditionExpression: aws.String("PK = :pk AND SK BETWEEN :from AND :last"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk": str(revisionPK(site, id)), ":from": str(revisionSK(after + 1)), ":last": str(revisionSK(math.MaxInt64)),
			},
			ConsistentRead:         aws.Bool(true),
			Limit:                  aws.Int32(int32(limit)),
			ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
		}, s.optFns...)
		if err != nil {
			return nil, s.fail(parent, "revisions", err)
		}
		for _, it := range out.Items {
			e, err := entryFromItem(it)
			if err != nil {
				return nil, err
			}
			list = append(list, e)
		}
	}
	if len(list) > 0 {
		return list, nil
	}
	probe, err := s.client.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("PK = :pk AND SK < :mark"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(revisionPK(site, id)), ":mark": str(skDeleted)},
		ConsistentRead:            aws.Bool(true),
		Limit:                     aws.Int32(1),
		ProjectionExpression:      aws.String("PK"),
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	if err != nil {
		return nil, s.fail(parent, "revisions", err)
	}
	if len(probe.Items) == 0 {
		return nil, entryNotFound(site, id)
	}
	return []*centre.Entry{}, nil
}

// Revision returns revision version of an entry, or ENOTFOUND. One
// GetItem.
func (s *Store) Revision(parent context.Context, site, id string, version int64) (*centre.Entry, error) {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return nil, err
	}
	defer cancel()
	notFound := centre.Errorf(centre.ENOTFOUND, "entry %q of site %q has no revision %d", id, site, version)
	if version <= 0 {
		return nil, notFound
	}
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:              aws.String(s.table),
		Key:                    revisionKey(site, id, version),
		ConsistentRead:         aws.Bool(true),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	if err != nil {
		return nil, s.fail(parent, "revision", err)
	}
	if out.Item == nil {
		return nil, notFound
	}
	return entryFromItem(out.Item)
}

// maxBatchTries bounds the BatchGetItem calls of one EntriesByID when
// DynamoDB leaves keys unprocessed (throttling).
const maxBatchTries = 4

// EntriesByID returns the site's entries with those IDs, without body, in
// the order of ids: one BatchGetItem of their list items (again for keys
// DynamoDB left unprocessed, at most maxBatchTries calls). Returns EINVALID
// for more than MaxPageSize IDs.
func (s *Store) EntriesByID(parent context.Context, site string, ids []string) ([]*centre.Entry, error) {
	if len(ids) > centre.MaxPageSize {
		return nil, centre.Errorf(centre.EINVALID, "at most %d entries by ID", centre.MaxPageSize)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return nil, err
	}
	defer cancel()
	keys := make([]map[string]types.AttributeValue, 0, len(ids))
	seen := map[string]bool{}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			keys = append(keys, listKey(site, dimAll, id))
		}
	}
	byID := map[string]*centre.Entry{}
	for try := 1; len(keys) > 0; try++ {
		if try > maxBatchTries {
			return nil, errUnavailable(fmt.Errorf("dynamostore: %d keys unprocessed", len(keys)))
		}
		out, err := s.client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{
			RequestItems:           map[string]types.KeysAndAttributes{s.table: {Keys: keys, ConsistentRead: aws.Bool(true)}},
			ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
		}, s.optFns...)
		if err != nil {
			return nil, s.fail(parent, "get entries by id", err)
		}
		for _, it := range out.Responses[s.table] {
			e, err := entryFromItem(it)
			if err != nil {
				return nil, err
			}
			if e.Site == site {
				byID[e.ID] = e
			}
		}
		keys = out.UnprocessedKeys[s.table].Keys
	}
	list := make([]*centre.Entry, 0, len(byID))
	for _, id := range ids {
		if e := byID[id]; e != nil {
			list = append(list, e)
			delete(byID, id)
		}
	}
	return list, nil
}
