package boltstore

import (
	"bytes"
	"context"
	"encoding/base64"
	"time"

	bolt "go.etcd.io/bbolt"

	"infocentre/internal/centre"
)

// File records are kept under (site) id, so that a site's files sort by ID
// (time); bFileHash maps (site) sha256 to the ID, and bFileUse holds each
// site's FileUsage. All three change in one transaction.

func (s *Store) CreateFile(ctx context.Context, f *centre.File, quota int64) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		files, hashes, use := tx.Bucket(bFiles), tx.Bucket(bFileHash), tx.Bucket(bFileUse)
		idKey, hashKey := key(f.ID, f.Site), key(f.SHA256, f.Site)
		if files.Get(idKey) != nil {
			return centre.Errorf(centre.ECONFLICT, "a file with ID %q exists", f.ID)
		}
		if hashes.Get(hashKey) != nil {
			return centre.Errorf(centre.ECONFLICT, "site %q has a file with that content", f.Site)
		}
		u, err := usage(use, f.Site)
		if err != nil {
			return err
		}
		if quota > 0 && u.Bytes+f.StoredBytes() > quota {
			return centre.Errorf(centre.ETOOLARGE, "the files of site %q would take more than %d bytes", f.Site, quota)
		}
		u.Files++
		u.Bytes += f.StoredBytes()
		if err := put(use, []byte(f.Site), u); err != nil {
			return err
		}
		if err := hashes.Put(hashKey, []byte(f.ID)); err != nil {
			return err
		}
		return put(files, idKey, f)
	})
}

func usage(b *bolt.Bucket, site string) (centre.FileUsage, error) {
	var u centre.FileUsage
	if v := b.Get([]byte(site)); v != nil {
		if err := decode(v, &u); err != nil {
			return u, err
		}
	}
	return u, nil
}

func getFile(tx *bolt.Tx, site, id string) (*centre.File, error) {
	v := tx.Bucket(bFiles).Get(key(id, site))
	if v == nil {
		return nil, centre.Errorf(centre.ENOTFOUND, "site %q has no file %q", site, id)
	}
	var f centre.File
	if err := decode(v, &f); err != nil {
		return nil, err
	}
	return &f, nil
}

func (s *Store) GetFile(ctx context.Context, site, id string) (*centre.File, error) {
	var f *centre.File
	err := s.view(ctx, func(tx *bolt.Tx) error {
		var err error
		f, err = getFile(tx, site, id)
		return err
	})
	return f, err
}

func (s *Store) FileByHash(ctx context.Context, site, sha string) (*centre.File, error) {
	var f *centre.File
	err := s.view(ctx, func(tx *bolt.Tx) error {
		id := tx.Bucket(bFileHash).Get(key(sha, site))
		if id == nil {
			return centre.Errorf(centre.ENOTFOUND, "site %q has no file with that content", site)
		}
		var err error
		if f, err = getFile(tx, site, string(id)); centre.IsCode(err, centre.ENOTFOUND) {
			return errDangling
		}
		return err
	})
	return f, err
}

// ListFiles walks the site's files newest ID first. The cursor is
// base64url of "f" and the ID of the last file returned.
func (s *Store) ListFiles(ctx context.Context, q centre.FileQuery) (centre.FilePage, error) {
	limit := q.Limit
	switch {
	case limit < 0:
		return centre.FilePage{}, centre.Errorf(centre.EINVALID, "limit must be between 1 and %d", centre.MaxPageSize)
	case limit == 0:
		limit = 20
	case limit > centre.MaxPageSize:
		limit = centre.MaxPageSize
	}
	prefix := parts(nil, q.Site)
	start := upper(prefix)
	if q.After != "" {
		b, err := base64.RawURLEncoding.DecodeString(q.After)
		if err != nil || len(b) < 2 || b[0] != 'f' || !centre.ValidID(string(b[1:])) {
			return centre.FilePage{}, centre.Errorf(centre.EINVALID, "the cursor is not valid for this listing")
		}
		start = append(append([]byte(nil), prefix...), b[1:]...)
	}
	var page centre.FilePage
	err := s.view(ctx, func(tx *bolt.Tx) error {
		c := tx.Bucket(bFiles).Cursor()
		for k, v := seekBefore(c, start); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
			if len(page.Items) == limit {
				last := page.Items[limit-1].ID
				page.Next = base64.RawURLEncoding.EncodeToString([]byte("f" + last))
				return nil
			}
			var f centre.File
			if err := decode(v, &f); err != nil {
				return err
			}
			page.Items = append(page.Items, &f)
		}
		return nil
	})
	if err != nil {
		return centre.FilePage{}, err
	}
	return page, nil
}

func (s *Store) DeleteFile(ctx context.Context, site, id string) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		f, err := getFile(tx, site, id)
		if err != nil {
			return err
		}
		if !f.PublicSince.IsZero() {
			return centre.Errorf(centre.ECONFLICT, "file %q of site %q is public", id, site)
		}
		use := tx.Bucket(bFileUse)
		u, err := usage(use, site)
		if err != nil {
			return err
		}
		u.Files--
		u.Bytes -= f.StoredBytes()
		if err := put(use, []byte(site), u); err != nil {
			return err
		}
		if err := tx.Bucket(bFileHash).Delete(key(f.SHA256, site)); err != nil {
			return err
		}
		return tx.Bucket(bFiles).Delete(key(id, site))
	})
}

func (s *Store) MarkFilePublic(ctx context.Context, site, id, entry string, at time.Time) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		f, err := getFile(tx, site, id)
		if err != nil || !f.PublicSince.IsZero() {
			return err
		}
		f.PublicSince, f.PublicEntry = stamp(at), entry
		return put(tx.Bucket(bFiles), key(id, site), f)
	})
}

// putFileMarks makes public, inside the transaction tx that writes e, the
// files e.FileMarks names; one public already keeps its first PublicSince
// and PublicEntry. A file that no longer exists fails the write
// (ECONFLICT).
func putFileMarks(tx *bolt.Tx, e *centre.Entry) error {
	m := e.FileMarks()
	if m == nil {
		return nil
	}
	for _, fm := range m.Files {
		f, err := getFile(tx, e.Site, fm.ID)
		if centre.IsCode(err, centre.ENOTFOUND) {
			return fileDeleted(fm.ID)
		}
		if err != nil || !f.PublicSince.IsZero() {
			if err != nil {
				return err
			}
			continue
		}
		f.PublicSince, f.PublicEntry = stamp(m.At), e.ID
		if err := put(tx.Bucket(bFiles), key(fm.ID, e.Site), f); err != nil {
			return err
		}
	}
	return nil
}

func fileDeleted(id string) error {
	return centre.Errorf(centre.ECONFLICT, "file %q was deleted while the entry was being saved: choose it again or remove it", id)
}

func (s *Store) FileUsage(ctx context.Context, site string) (centre.FileUsage, error) {
	var u centre.FileUsage
	err := s.view(ctx, func(tx *bolt.Tx) error {
		var err error
		u, err = usage(tx.Bucket(bFileUse), site)
		return err
	})
	return u, err
}
