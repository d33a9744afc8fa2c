package web

import (
	"context"
	"strings"
	"sync"
	"time"

	"infocentre/internal/centre"
)

// maxCachedHosts bounds the host lookup cache: Host headers are chosen by
// clients, so unknown names must not grow it without end.
const maxCachedHosts = 1024

type hostAnswer struct {
	slug    string
	ok      bool
	expires time.Time
}

// HostReader finds the site that claims a host name (ENOTFOUND if none);
// *centre.Service is one.
type HostReader interface {
	SiteByHost(ctx context.Context, host string) (*centre.Site, error)
}

// HostLookup returns a SiteForHost function that maps a host name to the
// site claiming it with one HostReader.SiteByHost call, and caches each
// answer (unknown hosts too) for ttl. Concurrent requests for a host that
// is not cached share one lookup. If a lookup fails, the last answer for
// that host (even expired) is used and the lookup is tried again after
// ttl/10; a host never answered maps to no site.
func HostLookup(sites HostReader, ttl time.Duration) func(ctx context.Context, host string) (string, bool) {
	var (
		mu       sync.Mutex
		cache    = map[string]hostAnswer{}
		inflight = map[string]chan struct{}{}
	)
	return func(ctx context.Context, host string) (string, bool) {
		host = strings.ToLower(host)
		for {
			mu.Lock()
			now := time.Now()
			if a, hit := cache[host]; hit && now.Before(a.expires) {
				mu.Unlock()
				return a.slug, a.ok
			}
			if wait, busy := inflight[host]; busy {
				mu.Unlock()
				select {
				case <-wait:
					continue
				case <-ctx.Done():
					return "", false
				}
			}
			done := make(chan struct{})
			inflight[host] = done
			mu.Unlock()

			site, err := sites.SiteByHost(ctx, host)
			mu.Lock()
			a, had := cache[host]
			switch {
			case err == nil:
				a = hostAnswer{slug: site.Slug, ok: true, expires: now.Add(ttl)}
			case centre.IsCode(err, centre.ENOTFOUND):
				a = hostAnswer{expires: now.Add(ttl)}
			case had:
				a.expires = now.Add(ttl / 10)
			default:
				a = hostAnswer{expires: now.Add(ttl / 10)}
			}
			if !had && len(cache) >= maxCachedHosts {
				for k, v := range cache {
					if !now.Before(v.expires) || len(cache) >= maxCachedHosts {
						delete(cache, k)
					}
				}
			}
			cache[host] = a
			delete(inflight, host)
			close(done)
			mu.Unlock()
			return a.slug, a.ok
		}
	}
}
