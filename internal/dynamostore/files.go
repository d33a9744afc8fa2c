package dynamostore

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"infocentre/internal/centre"
)

// Files (see the item layout in item.go):
//
//	file           PK=F#<site>                 SK=<id>        the file record (Query: newest ID first)
//	file by hash   PK=FH#<site>#<sha256>       SK=FILE        full copy of the file record
//	file usage     PK=FU#<site>                SK=USAGE       files, bytes: the site's FileUsage

const (
	skFile  = "FILE"
	skUsage = "USAGE"
)

func filesPK(site string) string        { return "F#" + site }
func fileKey(site, id string) item      { return keyOf(filesPK(site), id) }
func fileHashKey(site, sha string) item { return keyOf("FH#"+site+"#"+sha, skFile) }
func fileUsageKey(site string) item     { return keyOf("FU#"+site, skUsage) }
func fileToItem(f *centre.File, byHash bool) item {
	it := fileKey(f.Site, f.ID)
	if byHash {
		it = fileHashKey(f.Site, f.SHA256)
	}
	w := writer(it)
	w.s("id", f.ID)
	w.s("site", f.Site)
	w.s("name", f.Name)
	w.s("media_type", f.MediaType)
	w.s("kind", f.Kind)
	w.n("size", f.Size)
	w.s("sha256", f.SHA256)
	w.t("created_at", f.CreatedAt)
	w.s("created_by", f.CreatedBy)
	if f.Pages != 0 {
		w.n("pages", int64(f.Pages))
	}
	w.s("title", f.Title)
	w.s("lang", f.Lang)
	if f.Width != 0 || f.Height != 0 {
		w.n("width", int64(f.Width))
		w.n("height", int64(f.Height))
	}
	w.s("alt", f.Alt)
	if len(f.Variants) > 0 {
		l := make([]types.AttributeValue, len(f.Variants))
		for i, v := range f.Variants {
			m := item{}
			mw := writer(m)
			mw.n("width", int64(v.Width))
			mw.n("height", int64(v.Height))
			mw.s("media_type", v.MediaType)
			mw.n("size", v.Size)
			l[i] = &types.AttributeValueMemberM{Value: m}
		}
		w["variants"] = &types.AttributeValueMemberL{Value: l}
	}
	w.t("public_since", f.PublicSince)
	w.s("public_entry", f.PublicEntry)
	return it
}

func fileFromItem(it item) (*centre.File, error) {
	r := reader{it: it}
	f := &centre.File{
		ID:          r.s("id"),
		Site:        r.s("site"),
		Name:        r.s("name"),
		MediaType:   r.s("media_type"),
		Kind:        r.s("kind"),
		Size:        r.n("size"),
		SHA256:      r.s("sha256"),
		CreatedAt:   r.t("created_at"),
		CreatedBy:   r.s("created_by"),
		Pages:       int(r.n("pages")),
		Title:       r.s("title"),
		Lang:        r.s("lang"),
		Width:       int(r.n("width")),
		Height:      int(r.n("height")),
		Alt:         r.s("alt"),
		PublicSince: r.t("public_since"),
		PublicEntry: r.s("public_entry"),
	}
	for _, m := range r.maps("variants") {
		mr := reader{it: m}
		f.Variants = append(f.Variants, centre.Variant{
			Width: int(mr.n("width")), Height: int(mr.n("height")), MediaType: mr.s("media_type"), Size: mr.n("size"),
		})
		if mr.bad != "" {
			r.fail("variants")
		}
	}
	return f, r.err("file")
}

// CreateFile stores the file by ID and by hash and counts it in the
// site's usage, in one transaction; the usage update's condition keeps the
// quota.
func (s *Store) CreateFile(parent context.Context, f *centre.File, quota int64) error {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	overQuota := centre.Errorf(centre.ETOOLARGE, "the files of site %q would take more than %d bytes", f.Site, quota)
	stored := f.StoredBytes()
	if quota > 0 && stored > quota {
		return overQuota
	}
	t := &txn{table: s.table}
	t.put(fileToItem(f, false), notExists, func(item) error {
		return centre.Errorf(centre.ECONFLICT, "a file with ID %q exists", f.ID)
	})
	t.put(fileToItem(f, true), notExists, func(item) error {
		return centre.Errorf(centre.ECONFLICT, "site %q has a file with that content", f.Site)
	})
	var c *cond
	values := map[string]types.AttributeValue{":one": num(1), ":size": num(stored)}
	if quota > 0 {
		values[":max"] = num(quota - stored)
		c = &cond{expr: "attribute_not_exists(#b) OR #b <= :max", names: map[string]string{"#b": "bytes"}}
	}
	update := "ADD #f :one, #b :size"
	names := map[string]string{"#f": "files", "#b": "bytes"}
	if c == nil {
		c = &cond{} // no condition: only the placeholders
	}
	c.names, c.values = names, values
	t.update(fileUsageKey(f.Site), update, c, func(item) error { return overQuota })
	return s.transact(ctx, parent, "create file", t)
}

// GetFile returns a file by ID: one GetItem.
func (s *Store) GetFile(parent context.Context, site, id string) (*centre.File, error) {
	return s.getFile(parent, fileKey(site, id), func() error {
		return centre.Errorf(centre.ENOTFOUND, "site %q has no file %q", site, id)
	})
}

// FileByHash returns a file by its content hash: one GetItem.
func (s *Store) FileByHash(parent context.Context, site, sha string) (*centre.File, error) {
	return s.getFile(parent, fileHashKey(site, sha), func() error {
		return centre.Errorf(centre.ENOTFOUND, "site %q has no file with that content", site)
	})
}

func (s *Store) getFile(parent context.Context, k item, notFound func() error) (*centre.File, error) {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return nil, err
	}
	defer cancel()
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: k, ConsistentRead: aws.Bool(true),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	if err != nil {
		return nil, s.fail(parent, "get file", err)
	}
	if out.Item == nil {
		return nil, notFound()
	}
	return fileFromItem(out.Item)
}

// ListFiles returns one page of a site's files, newest ID first: one
// Query of the site's file partition.
func (s *Store) ListFiles(parent context.Context, q centre.FileQuery) (centre.FilePage, error) {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return centre.FilePage{}, err
	}
	defer cancel()
	limit, err := pageLimit(q.Limit)
	if err != nil {
		return centre.FilePage{}, err
	}
	items, next, err := s.idPage(ctx, parent, "list files", filesPK(q.Site), q.After, limit, nil)
	if err != nil {
		return centre.FilePage{}, err
	}
	files, err := fromItems(items, fileFromItem)
	return centre.FilePage{Items: files, Next: next}, err
}

// DeleteFile reads the file (one GetItem), then removes both its items and
// uncounts it in one transaction.
func (s *Store) DeleteFile(parent context.Context, site, id string) error {
	f, err := s.GetFile(parent, site, id)
	if err != nil {
		return err
	}
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	gone := func(item) error { return centre.Errorf(centre.ENOTFOUND, "site %q has no file %q", site, id) }
	exists := &cond{expr: "attribute_exists(PK)"}
	t := &txn{table: s.table}
	t.delete(fileKey(site, id), &cond{expr: "attribute_exists(PK) AND attribute_not_exists(public_since)"}, func(old item) error {
		if old == nil {
			return gone(old)
		}
		return centre.Errorf(centre.ECONFLICT, "file %q of site %q is public", id, site)
	})
	t.delete(fileHashKey(site, f.SHA256), exists, gone)
	t.update(fileUsageKey(site), "ADD #f :minus, #b :size", &cond{
		expr:   "attribute_exists(PK)",
		names:  map[string]string{"#f": "files", "#b": "bytes"},
		values: map[string]types.AttributeValue{":minus": num(-1), ":size": num(-f.StoredBytes())},
	}, gone)
	return s.transact(ctx, parent, "delete file", t)
}

// MarkFilePublic sets public_since and public_entry on both items of the
// file unless they are set, in one transaction (after one GetItem).
func (s *Store) MarkFilePublic(parent context.Context, site, id, entry string, at time.Time) error {
	f, err := s.GetFile(parent, site, id)
	if err != nil || !f.PublicSince.IsZero() {
		return err
	}
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return err
	}
	defer cancel()
	gone := func(item) error { return centre.Errorf(centre.ENOTFOUND, "site %q has no file %q", site, id) }
	c := func() *cond {
		return &cond{expr: "attribute_exists(PK)",
			names:  map[string]string{"#p": "public_since", "#e": "public_entry"},
			values: map[string]types.AttributeValue{":p": str(fmtTime(at)), ":e": str(entry)}}
	}
	update := "SET #p = if_not_exists(#p, :p), #e = if_not_exists(#e, :e)"
	t := &txn{table: s.table}
	t.update(fileKey(site, id), update, c(), gone)
	t.update(fileHashKey(site, f.SHA256), update, c(), gone)
	return s.transact(ctx, parent, "mark file public", t)
}

// putFileMarks adds to t, the transaction that writes e, the marking
// public of the files e.FileMarks names: two updates each (the file's
// item and its hash item), each keeping a PublicSince and PublicEntry
// already set. A file that no longer exists fails the write (ECONFLICT).
func putFileMarks(t *txn, e *centre.Entry) {
	m := e.FileMarks()
	if m == nil {
		return
	}
	update := "SET #p = if_not_exists(#p, :p), #e = if_not_exists(#e, :e)"
	for _, fm := range m.Files {
		deleted := func(item) error {
			return centre.Errorf(centre.ECONFLICT, "file %q was deleted while the entry was being saved: choose it again or remove it", fm.ID)
		}
		for _, k := range []item{fileKey(e.Site, fm.ID), fileHashKey(e.Site, fm.SHA256)} {
			t.update(k, update, &cond{expr: "attribute_exists(PK)",
				names:  map[string]string{"#p": "public_since", "#e": "public_entry"},
				values: map[string]types.AttributeValue{":p": str(fmtTime(m.At)), ":e": str(e.ID)}}, deleted)
		}
	}
}

// FileUsage returns the site's usage item: one GetItem.
func (s *Store) FileUsage(parent context.Context, site string) (centre.FileUsage, error) {
	ctx, cancel, err := s.op(parent)
	if err != nil {
		return centre.FileUsage{}, err
	}
	defer cancel()
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: fileUsageKey(site), ConsistentRead: aws.Bool(true),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}, s.optFns...)
	if err != nil {
		return centre.FileUsage{}, s.fail(parent, "get file usage", err)
	}
	r := reader{it: out.Item}
	u := centre.FileUsage{Files: r.n("files"), Bytes: r.n("bytes")}
	return u, r.err("file usage")
}
