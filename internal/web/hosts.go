package web

import (
	"context"
	"strings"
	"sync"
	"time"

	"infocentre/internal/centre"
)

// HostLookup returns a SiteForHost function that maps host names to sites
// from the sites' Hosts lists. It reads every site at most once per ttl
// (one ListSites call, shared by concurrent requests); if a refresh fails
// it keeps using the last good map and tries again on the next request
// after ttl/10.
func HostLookup(store centre.Store, ttl time.Duration) func(ctx context.Context, host string) (string, bool) {
	var (
		mu      sync.Mutex
		hosts   map[string]string
		expires time.Time
	)
	return func(ctx context.Context, host string) (string, bool) {
		mu.Lock()
		defer mu.Unlock()
		if now := time.Now(); hosts == nil || now.After(expires) {
			sites, err := store.ListSites(ctx)
			if err != nil {
				expires = now.Add(ttl / 10)
				if hosts == nil {
					return "", false
				}
			} else {
				m := make(map[string]string)
				for _, s := range sites {
					for _, h := range s.Hosts {
						m[strings.ToLower(h)] = s.Slug
					}
				}
				hosts, expires = m, now.Add(ttl)
			}
		}
		slug, ok := hosts[strings.ToLower(host)]
		return slug, ok
	}
}
