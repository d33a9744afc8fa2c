package console

import (
	"context"
	"net/http"
	"slices"
	"time"

	"infocentre/internal/centre"
)

// What the dashboard reads: at most dashPages store pages of
// centre.MaxPageSize entries for each of its lists, and it shows at most
// dashShow entries in each.
const (
	dashPages      = 2
	dashShow       = 10
	expiringWithin = 7 * 24 * time.Hour
	correctedSince = 30 * 24 * time.Hour
)

// dashboardView is a site's dashboard.
type dashboardView struct {
	SiteView
	Review      []*centre.Entry // drafts awaiting review, longest waiting first
	Approved    []*centre.Entry // drafts approved, ready to publish, longest waiting first
	Changes     []*centre.Entry // drafts sent back with changes requested, oldest request first
	Held        []*centre.Entry // public entries with a change held for approval, oldest change first
	Scheduled   []*centre.Entry // soonest first
	Published   []*centre.Entry // newest first
	Expiring    []*centre.Entry // soonest first
	Corrections []correction    // newest first
	// Looked is how many entries of each kind the dashboard looked at
	// (Scanned: drafts and scheduled; Public: public entries).
	Scanned, Public int
}

type correction struct {
	Entry *centre.Entry
	Note  centre.ChangeNote
}

// home is /admin/ signed in: the person's site's dashboard, or for an
// owner the list of sites.
func (c *Console) home(w http.ResponseWriter, r *http.Request, who caller) {
	if who.p.Role != centre.RoleOwner {
		r.SetPathValue("site", who.p.Site)
		c.dashboard(w, r, who)
		return
	}
	c.sitesPage(w, r, who)
}

// dashboard shows what needs the press office's attention on a site.
// Every list is read through the Service with the person's principal and
// bounded (see dashPages).
func (c *Console) dashboard(w http.ResponseWriter, r *http.Request, who caller) {
	sv, ok := c.staffSite(w, r, who, "dashboard")
	if !ok {
		return
	}
	ctx := r.Context()
	now := c.cfg.Service.Time()
	v := dashboardView{SiteView: sv}
	drafts, err := c.scan(ctx, who.p, centre.EntryQuery{Site: sv.Site.Slug, Status: centre.StatusDraft})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	for _, e := range drafts {
		switch {
		case e.Approved():
			v.Approved = append(v.Approved, e)
		case !e.ChangesRequestedAt.IsZero():
			v.Changes = append(v.Changes, e)
		case !e.ReviewRequestedAt.IsZero():
			v.Review = append(v.Review, e)
		}
	}
	slices.SortFunc(v.Review, func(a, b *centre.Entry) int { return a.ReviewRequestedAt.Compare(b.ReviewRequestedAt) })
	slices.SortFunc(v.Approved, func(a, b *centre.Entry) int { return a.ApprovedAt.Compare(b.ApprovedAt) })
	slices.SortFunc(v.Changes, func(a, b *centre.Entry) int { return a.ChangesRequestedAt.Compare(b.ChangesRequestedAt) })
	scheduled, err := c.scan(ctx, who.p, centre.EntryQuery{Site: sv.Site.Slug, Status: centre.StatusScheduled})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	v.Scheduled = scheduled
	slices.SortFunc(v.Scheduled, func(a, b *centre.Entry) int { return a.PublishAt.Compare(b.PublishAt) })
	v.Scanned = len(drafts) + len(scheduled)

	// Public entries come newest publication first: the recent ones, and
	// among them those expiring soon and those corrected lately.
	q := centre.EntryQuery{Site: sv.Site.Slug, Limit: centre.MaxPageSize}
	for range dashPages {
		page, err := c.cfg.Service.PublicEntries(ctx, q)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		v.Public += len(page.Items)
		for _, e := range page.Items {
			if e.Status != centre.StatusPublished {
				continue
			}
			if e.Pending != nil {
				v.Held = append(v.Held, e)
			}
			if len(v.Published) < dashShow {
				v.Published = append(v.Published, e)
			}
			if !e.ExpiresAt.IsZero() && e.ExpiresAt.Sub(now) <= expiringWithin {
				v.Expiring = append(v.Expiring, e)
			}
			if n := len(e.ChangeNotes); n > 0 && now.Sub(e.ChangeNotes[n-1].At) <= correctedSince {
				v.Corrections = append(v.Corrections, correction{Entry: e, Note: e.ChangeNotes[n-1]})
			}
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	slices.SortFunc(v.Held, func(a, b *centre.Entry) int { return a.Pending.At.Compare(b.Pending.At) })
	v.Held = v.Held[:min(len(v.Held), dashShow)]
	slices.SortFunc(v.Expiring, func(a, b *centre.Entry) int { return a.ExpiresAt.Compare(b.ExpiresAt) })
	slices.SortFunc(v.Corrections, func(a, b correction) int { return b.Note.At.Compare(a.Note.At) })
	v.Review, v.Scheduled = v.Review[:min(len(v.Review), dashShow)], v.Scheduled[:min(len(v.Scheduled), dashShow)]
	v.Approved, v.Changes = v.Approved[:min(len(v.Approved), dashShow)], v.Changes[:min(len(v.Changes), dashShow)]
	v.Expiring, v.Corrections = v.Expiring[:min(len(v.Expiring), dashShow)], v.Corrections[:min(len(v.Corrections), dashShow)]
	c.page(w, r, http.StatusOK, "dashboard", pageData{Title: sv.Site.Title, Person: who.person, Page: v})
}

// scan returns the entries of q, newest first, reading at most dashPages
// pages.
func (c *Console) scan(ctx context.Context, p centre.Principal, q centre.EntryQuery) ([]*centre.Entry, error) {
	q.Limit = centre.MaxPageSize
	var out []*centre.Entry
	for range dashPages {
		page, err := c.cfg.Service.Entries(ctx, p, q)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	return out, nil
}
