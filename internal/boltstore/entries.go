package boltstore

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"infocentre/internal/centre"
)

// Listing indexes. Every entry has one key per (view, dimension, value) in
// bLists: view "s" (staff) for every entry, ordered by ID; view "p"
// (public) for published and withdrawn entries, ordered by PublishedAt then
// ID. Dimensions: all, status, type, lang, tag (one key per tag) and org
// (one key per OrgKey). A query reads the index of its most selective
// filter, newest first, and checks the other filters on each entry.
const (
	viewStaff  = "s"
	viewPublic = "p"
)

// maxScan bounds the index keys one ListEntries call examines, like
// DynamoDB's 1 MB page: past it, a page may hold fewer items than asked,
// with a Next to go on from.
var maxScan = 1000

func sortKey(view string, r *entryRec) []byte {
	if view == viewPublic {
		return append(timeKey(r.PublishedAt), r.ID...)
	}
	return []byte(r.ID)
}

// indexKeys returns every bLists key of r.
func indexKeys(r *entryRec) [][]byte {
	dims := [][2]string{{"all", ""}, {"status", r.Status}, {"type", r.Type}, {"lang", r.Lang}}
	for _, t := range r.Tags {
		dims = append(dims, [2]string{"tag", t})
	}
	for _, o := range r.Organisations {
		dims = append(dims, [2]string{"org", centre.OrgKey(o)})
	}
	views := []string{viewStaff}
	if r.public() {
		views = append(views, viewPublic)
	}
	var out [][]byte
	for _, view := range views {
		sk := sortKey(view, r)
		for _, d := range dims {
			out = append(out, append(parts(nil, view, r.Site, d[0], d[1]), sk...))
		}
	}
	return out
}

// dueKey returns the bDue key of r, or nil if r is not scheduled.
func dueKey(r *entryRec) []byte {
	if r.Status != centre.StatusScheduled || r.PublishAt.IsZero() {
		return nil
	}
	return append(timeKey(r.PublishAt), key(r.ID, r.Site)...)
}

// putIndexes adds (or with del, removes) every secondary key of r.
func putIndexes(tx *bolt.Tx, r *entryRec, del bool) error {
	lists, slugs, due := tx.Bucket(bLists), tx.Bucket(bSlugs), tx.Bucket(bDue)
	op := func(b *bolt.Bucket, k, v []byte) error {
		if del {
			return b.Delete(k)
		}
		return b.Put(k, v)
	}
	if err := op(slugs, key(r.Lang, r.Site, r.Slug), []byte(r.ID)); err != nil {
		return err
	}
	for _, k := range indexKeys(r) {
		if err := op(lists, k, []byte(r.ID)); err != nil {
			return err
		}
	}
	if k := dueKey(r); k != nil {
		return op(due, k, nil)
	}
	return nil
}

// putEntry stores r and its body, and keeps them as revision r.Version.
func putEntry(tx *bolt.Tx, r *entryRec, body *bodyRec) error {
	k := key(r.ID, r.Site)
	if err := put(tx.Bucket(bBodies), k, body); err != nil {
		return err
	}
	if err := put(tx.Bucket(bRevs), revKey(r.Site, r.ID, r.Version), &revRec{Entry: r, Body: body}); err != nil {
		return err
	}
	return put(tx.Bucket(bEntries), k, r)
}

// revKey returns the bRevs key of a revision: versions sort numerically.
func revKey(site, id string, version int64) []byte {
	return binary.BigEndian.AppendUint64(parts(nil, site, id), uint64(version))
}

// getEntry reads the entry record of (site, id), or nil; with withBody it
// also reads its body.
func getEntry(tx *bolt.Tx, site, id string, withBody bool) (*entryRec, *bodyRec, error) {
	k := key(id, site)
	v := tx.Bucket(bEntries).Get(k)
	if v == nil {
		return nil, nil, nil
	}
	var r entryRec
	if err := decode(v, &r); err != nil {
		return nil, nil, err
	}
	if !withBody {
		return &r, nil, nil
	}
	var b bodyRec
	if v := tx.Bucket(bBodies).Get(k); v != nil {
		if err := decode(v, &b); err != nil {
			return nil, nil, err
		}
	}
	return &r, &b, nil
}

func notFound(site, id string) error {
	return centre.Errorf(centre.ENOTFOUND, "no entry %q in site %q", id, site)
}

func slugTaken(r *entryRec) error {
	return centre.Errorf(centre.ECONFLICT, "the slug %q is taken in language %q", r.Slug, r.Lang)
}

func (s *Store) CreateEntry(ctx context.Context, e *centre.Entry) error {
	r, body := toEntryRec(e)
	r.Version = 1
	err := s.update(ctx, func(tx *bolt.Tx) error {
		if tx.Bucket(bEntries).Get(key(r.ID, r.Site)) != nil {
			return centre.Errorf(centre.ECONFLICT, "the entry %q already exists", r.ID)
		}
		if tx.Bucket(bSlugs).Get(key(r.Lang, r.Site, r.Slug)) != nil {
			return slugTaken(r)
		}
		if err := putIndexes(tx, r, false); err != nil {
			return err
		}
		if err := putAnnouncement(tx, e.Announcement()); err != nil {
			return err
		}
		if err := putFileMarks(tx, e); err != nil {
			return err
		}
		if err := applyFront(tx, r.Site, nil, r); err != nil {
			return err
		}
		return putEntry(tx, r, body)
	})
	if err == nil {
		e.Version = 1
		e.Announce(nil)
		e.MarkFiles(nil)
	}
	return err
}

func (s *Store) GetEntry(ctx context.Context, site, id string) (*centre.Entry, error) {
	var e *centre.Entry
	err := s.view(ctx, func(tx *bolt.Tx) error {
		r, b, err := getEntry(tx, site, id, true)
		if err != nil {
			return err
		}
		if r == nil {
			return notFound(site, id)
		}
		e = r.entry(b)
		return nil
	})
	return e, err
}

func (s *Store) EntriesBySlug(ctx context.Context, site, slug string) ([]*centre.Entry, error) {
	return s.entriesBySlug(ctx, site, slug, false)
}

// PublicEntriesBySlug is EntriesBySlug without the versions never public.
func (s *Store) PublicEntriesBySlug(ctx context.Context, site, slug string) ([]*centre.Entry, error) {
	return s.entriesBySlug(ctx, site, slug, true)
}

func (s *Store) entriesBySlug(ctx context.Context, site, slug string, public bool) ([]*centre.Entry, error) {
	var out []*centre.Entry
	err := s.view(ctx, func(tx *bolt.Tx) error {
		prefix := parts(nil, site, slug)
		c := tx.Bucket(bSlugs).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			r, b, err := getEntry(tx, site, string(v), true)
			if err != nil {
				return err
			}
			if r == nil {
				return errDangling
			}
			if public && !r.public() && r.PublishedAt.IsZero() {
				continue
			}
			out = append(out, r.entry(b))
		}
		if len(out) == 0 {
			return centre.Errorf(centre.ENOTFOUND, "no entry %q in site %q", slug, site)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) UpdateEntry(ctx context.Context, e *centre.Entry) error {
	r, body := toEntryRec(e)
	r.Version = e.Version + 1
	err := s.update(ctx, func(tx *bolt.Tx) error {
		old, _, err := getEntry(tx, r.Site, r.ID, false)
		if err != nil {
			return err
		}
		if old == nil {
			return notFound(r.Site, r.ID)
		}
		if old.Version != e.Version {
			return centre.Errorf(centre.EPRECONDITION, "the entry %q has changed (version %d, not %d)", r.ID, old.Version, e.Version)
		}
		if old.Slug != r.Slug || old.Lang != r.Lang {
			if tx.Bucket(bSlugs).Get(key(r.Lang, r.Site, r.Slug)) != nil {
				return slugTaken(r)
			}
		}
		if err := putIndexes(tx, old, true); err != nil {
			return err
		}
		if err := putIndexes(tx, r, false); err != nil {
			return err
		}
		if err := putAnnouncement(tx, e.Announcement()); err != nil {
			return err
		}
		if err := putFileMarks(tx, e); err != nil {
			return err
		}
		if err := applyFront(tx, r.Site, old, r); err != nil {
			return err
		}
		return putEntry(tx, r, body)
	})
	if err == nil {
		e.Version = r.Version
		e.Announce(nil)
		e.MarkFiles(nil)
	}
	return err
}

func (s *Store) DeleteEntry(ctx context.Context, site, id string, version int64) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		old, _, err := getEntry(tx, site, id, false)
		if err != nil {
			return err
		}
		if old == nil {
			return notFound(site, id)
		}
		if old.Version != version {
			return centre.Errorf(centre.EPRECONDITION, "the entry %q has changed (version %d, not %d)", id, old.Version, version)
		}
		if err := putIndexes(tx, old, true); err != nil {
			return err
		}
		if err := applyFront(tx, site, old, nil); err != nil {
			return err
		}
		k := key(id, site)
		if err := tx.Bucket(bBodies).Delete(k); err != nil {
			return err
		}
		return tx.Bucket(bEntries).Delete(k)
	})
}

// ListEntries reads the index of the query's most selective filter (see
// indexKeys). The cursor is base64url of the view and the sort key of the
// last item returned.
func (s *Store) ListEntries(ctx context.Context, q centre.EntryQuery) (centre.EntryPage, error) {
	limit := q.Limit
	switch {
	case limit < 0:
		return centre.EntryPage{}, centre.Errorf(centre.EINVALID, "limit must be between 1 and %d", centre.MaxPageSize)
	case limit == 0:
		limit = 20
	case limit > centre.MaxPageSize:
		limit = centre.MaxPageSize
	}
	view := viewStaff
	if q.Public {
		view = viewPublic
	}
	var after []byte
	if q.After != "" {
		var err error
		after, err = decodeCursor(view, q.After)
		if err != nil {
			return centre.EntryPage{}, err
		}
	}
	dim, val := "all", ""
	switch {
	case q.Tag != "":
		dim, val = "tag", q.Tag
	case q.Organisation != "":
		dim, val = "org", centre.OrgKey(q.Organisation)
	case q.Type != "":
		dim, val = "type", q.Type
	case q.Lang != "":
		dim, val = "lang", q.Lang
	case q.Status != "":
		dim, val = "status", q.Status
	}
	orgKey := centre.OrgKey(q.Organisation)
	prefix := parts(nil, view, q.Site, dim, val)

	var page centre.EntryPage
	err := s.view(ctx, func(tx *bolt.Tx) error {
		c := tx.Bucket(bLists).Cursor()
		var k, v []byte
		if after == nil {
			k, v = seekBefore(c, upper(prefix))
		} else {
			k, v = seekBefore(c, append(prefix, after...))
		}
		var lastItem, lastSeen []byte
		for scanned := 0; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
			if scanned >= maxScan {
				if len(page.Items) < limit {
					lastItem = lastSeen
				}
				page.Next = encodeCursor(view, lastItem)
				return nil
			}
			scanned++
			if scanned%64 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			r, _, err := getEntry(tx, q.Site, string(v), false)
			if err != nil {
				return err
			}
			if r == nil {
				return errDangling
			}
			lastSeen = k[len(prefix):]
			if !matches(r, q, orgKey) {
				continue
			}
			if len(page.Items) == limit {
				// One more match exists: the next page starts after the
				// last item.
				page.Next = encodeCursor(view, lastItem)
				return nil
			}
			page.Items = append(page.Items, r.entry(nil))
			lastItem = lastSeen
		}
		return nil
	})
	if err != nil {
		return centre.EntryPage{}, err
	}
	return page, nil
}

// seekBefore moves c to the last key before target (the last key of the
// bucket if target is nil).
func seekBefore(c *bolt.Cursor, target []byte) ([]byte, []byte) {
	if target == nil {
		return c.Last()
	}
	if k, _ := c.Seek(target); k == nil {
		return c.Last()
	}
	return c.Prev()
}

func matches(r *entryRec, q centre.EntryQuery, orgKey string) bool {
	if q.Public && !q.Now.IsZero() && !r.ExpiresAt.IsZero() && !q.Now.Before(r.ExpiresAt) {
		return false // expired (see centre.Entry.Expired)
	}
	if (q.Public && !r.public()) || (q.Status != "" && r.Status != q.Status) ||
		(q.Type != "" && r.Type != q.Type) || (q.Lang != "" && r.Lang != q.Lang) {
		return false
	}
	if q.Tag != "" && !slices.Contains(r.Tags, q.Tag) {
		return false
	}
	if q.Organisation != "" && !slices.ContainsFunc(r.Organisations, func(o string) bool { return centre.OrgKey(o) == orgKey }) {
		return false
	}
	return true
}

func encodeCursor(view string, sortKey []byte) string {
	return base64.RawURLEncoding.EncodeToString(append([]byte(view), sortKey...))
}

func decodeCursor(view, cursor string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	min := 2 // the view and a non-empty ID
	if view == viewPublic {
		min += 8 // the time
	}
	if err != nil || len(b) < min || string(b[:1]) != view {
		return nil, centre.Errorf(centre.EINVALID, "the cursor is not valid for this listing")
	}
	return b[1:], nil
}

func (s *Store) DueEntries(ctx context.Context, now time.Time, limit int) ([]*centre.Entry, error) {
	var out []*centre.Entry
	end := timeKey(now)
	err := s.view(ctx, func(tx *bolt.Tx) error {
		c := tx.Bucket(bDue).Cursor()
		for k, _ := c.First(); k != nil && len(out) < limit; k, _ = c.Next() {
			if len(k) < 8 || bytes.Compare(k[:8], end) > 0 {
				break
			}
			site, id, err := splitPart(k[8:])
			if err != nil {
				return err
			}
			r, b, err := getEntry(tx, site, string(id), true)
			if err != nil {
				return err
			}
			if r == nil {
				return errDangling
			}
			out = append(out, r.entry(b))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
