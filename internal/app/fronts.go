package app

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"infocentre/internal/centre"
)

// Bounds of the front check of the scheduled publisher (FrontKeeper).
const (
	// frontBudget bounds one run's check (the function's timeout is 50 s,
	// its schedule one minute).
	frontBudget = 20 * time.Second
	// frontMargin is the time a run's check leaves before the
	// invocation's deadline.
	frontMargin = 5 * time.Second
	// frontInterval is the time between two complete checks of one
	// process (a Lambda container).
	frontInterval = time.Hour
)

// FrontKeeper gives every site without a front (centre.SiteFront: a site
// created before fronts were kept, or whose front a writer of an older
// version dropped) its front, as `infocentre site rebuild-front` does, a
// bounded part at a time: on AWS the scheduled publisher function runs
// Check after each publish (App.PublisherRun), so that a deployed stack
// needs no operator for it. Sites that have a front cost one read each
// (centre.Service.RebuildFront reads the stamp first); the sites are
// listed once per check (one Query of the site list). Safe for concurrent
// use.
type FrontKeeper struct {
	Service *centre.Service
	Log     *slog.Logger
	// Budget bounds one Check (default frontBudget); Interval is the time
	// between two complete checks (default frontInterval).
	Budget, Interval time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time

	mu      sync.Mutex
	checked map[string]bool // sites of the pass under way that are done
	last    time.Time       // when the last complete pass ended
}

// Check runs the part of a pass over every site that fits its budget (and
// ctx, less a margin before its deadline): it rebuilds the front of each
// site not yet done in this pass that has none, and returns how many it
// stored. A pass left unfinished goes on at the next Check, with the site
// it stopped at first; a site whose rebuild does not fit a whole budget,
// or that fails otherwise, is logged and left (the CLI's site
// rebuild-front has no time limit). Once a pass is complete, the next one
// starts after Interval. Nothing is returned as an error: a site without a
// front is still served (slower), and the publish run must not fail for it.
func (k *FrontKeeper) Check(ctx context.Context) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.last.IsZero() && k.now().Sub(k.last) < k.interval() {
		return 0
	}
	budget, full := k.budget(), true
	if d, ok := ctx.Deadline(); ok {
		if left := time.Until(d) - frontMargin; left < budget {
			budget, full = left, false
		}
	}
	if budget <= 0 {
		return 0
	}
	run, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	sites, err := k.Service.Store.ListSites(run)
	if err != nil {
		if ctx.Err() == nil {
			k.log().ErrorContext(ctx, "check site fronts: list sites", slog.String("error", err.Error()))
		}
		return 0
	}
	if k.checked == nil {
		k.checked = map[string]bool{}
	}
	stored, tried := 0, 0
	for _, site := range sites {
		if k.checked[site.Slug] {
			continue
		}
		if run.Err() != nil {
			break
		}
		tried++
		done, err := k.Service.RebuildFront(run, site.Slug)
		switch {
		case err == nil:
			k.checked[site.Slug] = true
			if done {
				stored++
				k.log().InfoContext(ctx, "rebuilt the front of a site", slog.String("site", site.Slug))
			}
		case ctx.Err() != nil:
			return stored
		case run.Err() != nil && (tried > 1 || !full):
			// Out of time after other sites, or in a run cut short by
			// the invocation's deadline: this one comes first next time.
		case centre.IsCode(err, centre.ENOTFOUND):
			k.checked[site.Slug] = true // deleted since the list was read
		default:
			// It failed, or did not fit a whole budget: retrying it at
			// every run would spend every run on it.
			k.checked[site.Slug] = true
			k.log().ErrorContext(ctx, "rebuild the front of a site (left for `infocentre site rebuild-front`)",
				slog.String("site", site.Slug), slog.String("error", err.Error()))
		}
	}
	for _, site := range sites {
		if !k.checked[site.Slug] {
			return stored
		}
	}
	k.checked, k.last = nil, k.now()
	return stored
}

func (k *FrontKeeper) now() time.Time {
	if k.Now != nil {
		return k.Now()
	}
	return time.Now()
}

func (k *FrontKeeper) budget() time.Duration {
	if k.Budget > 0 {
		return k.Budget
	}
	return frontBudget
}

func (k *FrontKeeper) interval() time.Duration {
	if k.Interval > 0 {
		return k.Interval
	}
	return frontInterval
}

func (k *FrontKeeper) log() *slog.Logger {
	if k.Log != nil {
		return k.Log
	}
	return slog.Default()
}

// PublisherRun returns the run of the scheduled publisher function: it
// publishes the scheduled entries whose time has come (PublishDue, whose
// count and error it returns), then checks the sites' fronts with one
// FrontKeeper kept for the life of the process.
func (a *App) PublisherRun() func(context.Context) (int, error) {
	k := &FrontKeeper{Service: a.Service, Log: a.Log}
	return func(ctx context.Context) (int, error) {
		n, err := a.PublishDue(ctx)
		k.Check(ctx)
		return n, err
	}
}
