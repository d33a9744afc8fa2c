package boltstore

import (
	"context"
	"strconv"
	"strings"

	bolt "go.etcd.io/bbolt"

	"infocentre/internal/centre"
)

func (s *Store) CreateSite(ctx context.Context, site *centre.Site) error {
	r := toSiteRec(site)
	r.Version = 1
	err := s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bSites)
		if b.Get([]byte(r.Slug)) != nil {
			return centre.Errorf(centre.ECONFLICT, "the site %q already exists", r.Slug)
		}
		if err := claim(tx, r.Slug, r.Hosts, nil); err != nil {
			return err
		}
		if err := put(tx.Bucket(bFronts), []byte(r.Slug), centre.NewSiteFront()); err != nil {
			return err
		}
		return put(b, []byte(r.Slug), r)
	})
	if err == nil {
		site.Version = 1
	}
	return err
}

func (s *Store) GetSite(ctx context.Context, slug string) (*centre.Site, error) {
	var r *siteRec
	err := s.view(ctx, func(tx *bolt.Tx) error {
		var err error
		r, err = getSite(tx, slug)
		if err == nil && r == nil {
			return centre.Errorf(centre.ENOTFOUND, "no site %q", slug)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return r.site(), nil
}

func getSite(tx *bolt.Tx, slug string) (*siteRec, error) {
	v := tx.Bucket(bSites).Get([]byte(slug))
	if v == nil {
		return nil, nil
	}
	var r siteRec
	if err := decode(v, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

func (s *Store) UpdateSite(ctx context.Context, site *centre.Site) error {
	r := toSiteRec(site)
	r.Version = site.Version + 1
	err := s.update(ctx, func(tx *bolt.Tx) error {
		old, err := getSite(tx, r.Slug)
		if err != nil {
			return err
		}
		if old == nil {
			return centre.Errorf(centre.ENOTFOUND, "no site %q", r.Slug)
		}
		if old.Version != site.Version {
			return centre.Errorf(centre.EPRECONDITION, "the site %q has changed (version %d, not %d)", r.Slug, old.Version, site.Version)
		}
		if err := claim(tx, r.Slug, r.Hosts, old.Hosts); err != nil {
			return err
		}
		return put(tx.Bucket(bSites), []byte(r.Slug), r)
	})
	if err == nil {
		site.Version = r.Version
	}
	return err
}

// claim makes site the holder of every host in hosts and releases those of
// old that hosts no longer names. It fails with ECONFLICT, before writing
// anything, if another site holds one of hosts.
func claim(tx *bolt.Tx, site string, hosts, old []string) error {
	b := tx.Bucket(bHosts)
	keep := map[string]bool{}
	for _, h := range hosts {
		h = strings.ToLower(h)
		if v := b.Get([]byte(h)); v != nil && string(v) != site {
			return centre.Errorf(centre.ECONFLICT, "the host %q belongs to another site", h)
		}
		keep[h] = true
	}
	for _, h := range old {
		h = strings.ToLower(h)
		if keep[h] {
			continue
		}
		if v := b.Get([]byte(h)); string(v) == site {
			if err := b.Delete([]byte(h)); err != nil {
				return err
			}
		}
	}
	for h := range keep {
		if err := b.Put([]byte(h), []byte(site)); err != nil {
			return err
		}
	}
	return nil
}

// claimExistingHosts claims the hosts of the sites of a file written
// before host claims were kept; of two sites naming one host, the first
// by slug keeps it.
func claimExistingHosts(tx *bolt.Tx) error {
	hosts := tx.Bucket(bHosts)
	return tx.Bucket(bSites).ForEach(func(k, v []byte) error {
		var r siteRec
		if err := decode(v, &r); err != nil {
			return err
		}
		for _, h := range r.Hosts {
			h = strings.ToLower(h)
			if hosts.Get([]byte(h)) == nil {
				if err := hosts.Put([]byte(h), k); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// indexExistingKeys fills the key ID index of a file written before it
// existed.
func indexExistingKeys(tx *bolt.Tx) error {
	ids := tx.Bucket(bKeyIDs)
	return tx.Bucket(bKeys).ForEach(func(k, v []byte) error {
		var r keyRec
		if err := decode(v, &r); err != nil {
			return err
		}
		return ids.Put([]byte(r.ID), k)
	})
}

func (s *Store) SiteByHost(ctx context.Context, host string) (*centre.Site, error) {
	host = strings.ToLower(host)
	var r *siteRec
	err := s.view(ctx, func(tx *bolt.Tx) error {
		slug := tx.Bucket(bHosts).Get([]byte(host))
		if slug == nil {
			return centre.Errorf(centre.ENOTFOUND, "no site serves the host %q", host)
		}
		var err error
		r, err = getSite(tx, string(slug))
		if err == nil && r == nil {
			return errDangling
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return r.site(), nil
}

func (s *Store) DeleteSite(ctx context.Context, slug string, version int64) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		old, err := getSite(tx, slug)
		if err != nil {
			return err
		}
		if old == nil {
			return centre.Errorf(centre.ENOTFOUND, "no site %q", slug)
		}
		if old.Version != version {
			return centre.Errorf(centre.EPRECONDITION, "the site %q has changed (version %d, not %d)", slug, old.Version, version)
		}
		if err := claim(tx, slug, nil, old.Hosts); err != nil {
			return err
		}
		if err := tx.Bucket(bFronts).Delete([]byte(slug)); err != nil {
			return err
		}
		return tx.Bucket(bSites).Delete([]byte(slug))
	})
}

func (s *Store) ListSites(ctx context.Context) ([]*centre.Site, error) {
	var out []*centre.Site
	err := s.view(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket(bSites).ForEach(func(_, v []byte) error {
			var r siteRec
			if err := decode(v, &r); err != nil {
				return err
			}
			out = append(out, r.site())
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SiteStamp returns the site's change stamp, with the site and its front
// (bFronts, changed with each entry): the number of
// the file's last committed write transaction. Every write moves it (so it
// also moves for writes the public cannot see, which only costs a cache a
// render); one read transaction. Returns ENOTFOUND for an unknown site.
func (s *Store) SiteStamp(ctx context.Context, slug string) (centre.SiteStamp, error) {
	var st centre.SiteStamp
	err := s.view(ctx, func(tx *bolt.Tx) error {
		r, err := getSite(tx, slug)
		if err == nil && r == nil {
			return centre.Errorf(centre.ENOTFOUND, "no site %q", slug)
		}
		if err != nil {
			return err
		}
		st.Value, st.Site = "t"+strconv.Itoa(tx.ID()), r.site()
		st.Front, err = getFront(tx, slug)
		return err
	})
	return st, err
}
