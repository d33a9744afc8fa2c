// Package websub is the notifier's WebSub channel: on every public change
// it tells the deployment's hub (WEBSUB_HUB) which feeds changed, with
// one publish ping (hub.mode=publish, hub.url=<feed>) per feed URL that
// lists the entry before or after the change (web.FeedURLs). The hub then
// fetches those feeds and pushes them to its subscribers. Pings are
// idempotent for the hub (a repeated ping makes it fetch again), so a
// retried notification may ping again safely.
package websub

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/web"
)

// Reader is what the channel reads: the site (its hosts) and the entry's
// revisions (the feeds it left and joined).
type Reader interface {
	GetSite(ctx context.Context, slug string) (*centre.Site, error)
	Revision(ctx context.Context, site, id string, version int64) (*centre.Entry, error)
}

// Limits of one delivery.
const (
	// MaxURLs bounds the feed URLs one notification pings: 3 formats of
	// the site's, type's, 12 tags' and 12 organisations' feeds on a few
	// bases.
	MaxURLs = 500
	// Parallel is how many pings are in flight at once.
	Parallel = 4
	// maxBody bounds what is read of a hub's answer.
	maxBody = 8 << 10
)

// Channel pings a WebSub hub. Its zero value is not usable: Hub and Store
// are required.
type Channel struct {
	Hub          string // absolute URL of the hub
	PublicOrigin string // the deployment's PUBLIC_ORIGIN (see web.SiteBases)
	Store        Reader
	Client       *http.Client // nil: a client with a 10 s timeout that follows no redirect
	Log          *slog.Logger
}

// Name returns "websub".
func (c *Channel) Name() string { return "websub" }

// Deliver pings the hub for every feed that lists n's entry at n.Version
// or at the version before it. Returns an error naming the first failed
// ping (a transport error or a status other than 2xx); the notifier
// retries the whole notification, and pings again the feeds that were
// pinged already.
func (c *Channel) Deliver(ctx context.Context, n centre.Notification) error {
	site, err := c.Store.GetSite(ctx, n.Site)
	if err != nil {
		return fmt.Errorf("read site %s: %w", n.Site, err)
	}
	var versions []*centre.Entry
	for _, v := range []int64{n.Version - 1, n.Version} {
		if v < 1 {
			continue
		}
		e, err := c.Store.Revision(ctx, n.Site, n.Entry, v)
		if centre.IsCode(err, centre.ENOTFOUND) {
			continue
		}
		if err != nil {
			return fmt.Errorf("read entry %s v%d: %w", n.Entry, v, err)
		}
		versions = append(versions, e)
	}
	urls := web.FeedURLs(c.PublicOrigin, site, versions...)
	if len(urls) > MaxURLs {
		c.log().WarnContext(ctx, "websub: too many feeds to ping; the first are pinged", "site", n.Site, "feeds", len(urls), "max", MaxURLs)
		urls = urls[:MaxURLs]
	}
	if len(urls) == 0 {
		return nil // no absolute address: nothing a hub could fetch
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		errs  []error
		sem   = make(chan struct{}, Parallel)
		start = time.Now()
	)
	for _, u := range urls {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := c.ping(ctx, u); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	c.log().InfoContext(ctx, "websub: pinged", "site", n.Site, "notification", n.ID, "feeds", len(urls), "failed", len(errs),
		"ms", time.Since(start).Milliseconds())
	if len(errs) > 0 {
		return fmt.Errorf("%d of %d pings failed; first: %w", len(errs), len(urls), errs[0])
	}
	return nil
}

// ping sends one publish ping for topic.
func (c *Channel) ping(ctx context.Context, topic string) error {
	form := url.Values{"hub.mode": {"publish"}, "hub.url": {topic}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Hub, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "infocentre-websub")
	res, err := c.client().Do(req)
	if err != nil {
		return fmt.Errorf("ping %s: %w", topic, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("ping %s: the hub answered %d %s", topic, res.StatusCode, strings.TrimSpace(string(body[:min(len(body), 200)])))
	}
	return nil
}

var defaultClient = &http.Client{
	Timeout: 10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return errors.New("the hub redirected: configure its final address")
	},
}

func (c *Channel) client() *http.Client {
	if c.Client != nil {
		return c.Client
	}
	return defaultClient
}

func (c *Channel) log() *slog.Logger {
	if c.Log != nil {
		return c.Log
	}
	return slog.New(slog.DiscardHandler)
}
