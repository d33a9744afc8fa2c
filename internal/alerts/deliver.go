package alerts

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"infocentre/internal/centre"
)

// Deliver sends one notification of the outbox (the notifier's Channel):
//   - subscription.confirm is the confirmation email of a pending
//     subscription (deliverConfirmation);
//   - entry.published and entry.updated go to the confirmed subscribers
//     of every scope the entry matches (the site, its type, tags,
//     organisations, the entry itself) in the language they chose (or the
//     site's default language when the entry has no version in theirs);
//     immediate ones get an email now, daily ones an item in their next
//     digest;
//   - entry.withdrawn goes now to everyone who was told of the entry and
//     still holds a confirmed subscription on the site.
//
// Nothing is sent for an entry that is not public at the time of delivery
// (embargo: a scheduled entry is sent only once it is public), nor to a
// suppressed address. Each recipient is claimed before the message is
// sent; a failed message releases its claim and makes Deliver return an
// error, so that the notifier retries it and only it.
func (a *Alerts) Deliver(ctx context.Context, n centre.Notification) error {
	if a.Mailer == nil {
		return errors.New("alerts: no mail transport")
	}
	if n.Kind == centre.NotifyConfirm {
		return a.deliverConfirmation(ctx, n)
	}
	site, e, err := a.siteAndEntry(ctx, n)
	if centre.IsCode(err, centre.ENOTFOUND) {
		a.Log.Info("alerts: nothing to send, the entry or site is gone", "notification", n.ID, "site", n.Site)
		return nil
	}
	if err != nil {
		return err
	}
	now := a.Now()
	switch n.Kind {
	case centre.NotifyPublished, centre.NotifyUpdated:
		if e.Status != centre.StatusPublished || now.Before(n.Due) {
			a.Log.Info("alerts: the entry is not public; nothing sent", "notification", n.ID, "site", n.Site, "status", e.Status)
			return nil
		}
	case centre.NotifyWithdrawn:
		if e.Status != centre.StatusWithdrawn {
			a.Log.Info("alerts: the entry is not withdrawn; nothing sent", "notification", n.ID, "site", n.Site)
			return nil
		}
		return a.deliverWithdrawal(ctx, n, site, e)
	default:
		return nil
	}
	langs, err := a.versionLangs(ctx, e)
	if err != nil {
		return err
	}
	wants := func(sub *centre.Subscription) bool {
		return sub.Lang == e.Lang || (!langs[sub.Lang] && e.Lang == site.DefaultLanguage())
	}
	var failed errSend
	for _, scope := range centre.Scopes(e) {
		for _, freq := range []string{centre.FreqImmediate, centre.FreqDaily} {
			q := centre.SubscriberQuery{Site: site.Slug, Scope: scope, Frequency: freq, Limit: pageSize}
			for {
				page, err := a.Store.Subscribers(ctx, q)
				if err != nil {
					return err
				}
				var emails []string
				for _, sub := range page.Items {
					if wants(sub) {
						emails = append(emails, sub.Email)
					}
				}
				if freq == centre.FreqDaily {
					err = a.queueDigest(ctx, n, e, emails, now)
				} else {
					err = a.sendTo(ctx, n.ID, site, e.ID, emails, func(email string) *Message {
						return a.entryMessage(site, e, n.Kind, email, scope)
					}, &failed)
				}
				if err != nil {
					return err
				}
				if page.Next == "" {
					break
				}
				q.After = page.Next
			}
		}
	}
	return failed.err()
}

// deliverConfirmation sends the confirmation email of the pending
// subscription n names, if it still waits for this confirmation (not
// confirmed, removed, lapsed or replaced by a newer request since) and
// the address is not suppressed; once per record and address (a claim, as
// for every email).
func (a *Alerts) deliverConfirmation(ctx context.Context, n centre.Notification) error {
	site, err := a.Store.GetSite(ctx, n.Site)
	if centre.IsCode(err, centre.ENOTFOUND) {
		return nil
	}
	if err != nil {
		return err
	}
	sub, err := a.find(ctx, n.Site, n.Email, n.Scope)
	if centre.IsCode(err, centre.ENOTFOUND) {
		a.Log.Info("alerts: the subscription to confirm is gone; nothing sent", "notification", n.ID, "site", n.Site)
		return nil
	}
	if err != nil {
		return err
	}
	now := a.Now()
	secret := a.Links.confirmSecret(sub)
	if site.Status != centre.SiteActive || sub.State != centre.SubPending || sub.Lapsed(now) || centre.HashToken(secret) != sub.TokenHash {
		a.Log.Info("alerts: the subscription no longer waits for this confirmation; nothing sent", "notification", n.ID, "site", n.Site)
		return nil
	}
	if sup, err := a.Store.Suppressed(ctx, []string{sub.Email}); err != nil {
		return err
	} else if sup[sub.Email] {
		return nil
	}
	claimed, err := a.Store.ClaimDeliveries(ctx, []centre.Delivery{{Notification: n.ID, Site: n.Site, Email: sub.Email, At: now}})
	if err != nil || len(claimed) == 0 {
		return err
	}
	link := a.Base(site) + "/subscribe/confirm?t=" + a.Links.seal(token{Purpose: purposeConfirm, Site: site.Slug,
		Email: sub.Email, Scope: sub.Scope, Secret: secret, Expires: sub.ExpiresAt.Unix()})
	m := a.confirmMessage(site, sub, link)
	m.ID = "confirm-" + n.ID
	if err := a.Mailer.Send(ctx, m); err != nil {
		if rerr := a.Store.ReleaseDelivery(context.WithoutCancel(ctx), n.ID, sub.Email); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	return nil
}

// versionLangs returns the languages the entry's slug has a public
// version in.
func (a *Alerts) versionLangs(ctx context.Context, e *centre.Entry) (map[string]bool, error) {
	list, err := a.Store.EntriesBySlug(ctx, e.Site, e.Slug)
	if err != nil && !centre.IsCode(err, centre.ENOTFOUND) {
		return nil, err
	}
	out := map[string]bool{}
	for _, v := range list {
		if v.Public() {
			out[v.Lang] = true
		}
	}
	return out, nil
}

// sendTo sends the message msg makes to each of emails (at most pageSize)
// that is not suppressed and not claimed for notification before.
func (a *Alerts) sendTo(ctx context.Context, notification string, site *centre.Site, entry string, emails []string,
	msg func(email string) *Message, failed *errSend) error {
	if len(emails) == 0 {
		return nil
	}
	sup, err := a.Store.Suppressed(ctx, emails)
	if err != nil {
		return err
	}
	now := a.Now()
	ds := make([]centre.Delivery, 0, len(emails))
	for _, email := range emails {
		if !sup[email] {
			ds = append(ds, centre.Delivery{Notification: notification, Site: site.Slug, Entry: entry, Email: email, At: now})
		}
	}
	claimed, err := a.Store.ClaimDeliveries(ctx, ds)
	if err != nil {
		return err
	}
	// Send with up to Workers messages in flight (SES and SMTP answer in
	// tens of milliseconds each; one at a time would take hours for a
	// large list).
	var mu sync.Mutex
	var releaseErr error
	sem := make(chan struct{}, a.workers())
	var wg sync.WaitGroup
	for _, email := range claimed {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := a.Mailer.Send(ctx, msg(email)); err != nil {
				rerr := a.Store.ReleaseDelivery(context.WithoutCancel(ctx), notification, email)
				mu.Lock()
				failed.add(err)
				if rerr != nil && releaseErr == nil {
					releaseErr = rerr
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if releaseErr != nil {
		return releaseErr
	}
	return ctx.Err()
}

// queueDigest adds the notification to the next digest of each address.
func (a *Alerts) queueDigest(ctx context.Context, n centre.Notification, e *centre.Entry, emails []string, now time.Time) error {
	if len(emails) == 0 {
		return nil
	}
	due := NextDigest(now)
	items := make([]*centre.DigestItem, len(emails))
	for i, email := range emails {
		items[i] = &centre.DigestItem{Site: e.Site, Email: email, Due: due, Notification: n.ID, Entry: e.ID,
			Slug: e.Slug, Lang: e.Lang, Kind: n.Kind, Created: now}
	}
	return a.Store.AddDigest(ctx, items)
}

// NextDigest returns when the digest after now goes out: the next
// DigestHour:00 UTC.
func NextDigest(now time.Time) time.Time {
	now = now.UTC()
	d := time.Date(now.Year(), now.Month(), now.Day(), DigestHour, 0, 0, 0, time.UTC)
	if !d.After(now) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// deliverWithdrawal sends the withdrawal to everyone told of the entry
// who still holds a confirmed subscription on the site.
func (a *Alerts) deliverWithdrawal(ctx context.Context, n centre.Notification, site *centre.Site, e *centre.Entry) error {
	var failed errSend
	after := ""
	for {
		told, next, err := a.Store.Told(ctx, site.Slug, e.ID, after, pageSize)
		if err != nil {
			return err
		}
		var emails []string
		for _, email := range told {
			subs, err := a.Subscriptions(ctx, Owner{Site: site.Slug, Email: email})
			if err != nil {
				return err
			}
			for _, s := range subs {
				if s.State == centre.SubConfirmed {
					emails = append(emails, email)
					break
				}
			}
		}
		err = a.sendTo(ctx, n.ID, site, e.ID, emails, func(email string) *Message {
			return a.entryMessage(site, e, n.Kind, email, "")
		}, &failed)
		if err != nil {
			return err
		}
		if next == "" {
			return failed.err()
		}
		after = next
	}
}

// Sweep does the timed work (the notifier's Sweeper): it deletes lapsed
// pending subscriptions and sends the daily digests that are due.
func (a *Alerts) Sweep(ctx context.Context, now time.Time) error {
	if _, err := a.Store.ExpireSubscriptions(ctx, now, 1000); err != nil {
		return err
	}
	sites, err := a.Store.ListSites(ctx)
	if err != nil {
		return err
	}
	var failed errSend
	for _, site := range sites {
		if err := a.sweepDigests(ctx, site, now, &failed); err != nil {
			return err
		}
	}
	return failed.err()
}

// sweepDigests sends a site's due digests, one email per (due time,
// address), reading a page of items at a time.
func (a *Alerts) sweepDigests(ctx context.Context, site *centre.Site, now time.Time, failed *errSend) error {
	var group []*centre.DigestItem
	flush := func() error {
		if len(group) == 0 {
			return nil
		}
		g := group
		group = nil
		return a.sendDigest(ctx, site, g, failed)
	}
	after := ""
	for {
		items, next, err := a.Store.DueDigests(ctx, site.Slug, now, after, pageSize)
		if err != nil {
			return err
		}
		for _, d := range items {
			if len(group) > 0 && (group[0].Email != d.Email || !group[0].Due.Equal(d.Due) || len(group) == maxDigestItems) {
				if err := flush(); err != nil {
					return err
				}
			}
			group = append(group, d)
		}
		if next == "" {
			return flush()
		}
		after = next
	}
}

// sendDigest sends one digest: the items whose entry is still public and
// that the address was not told of by another email, if it still holds a
// confirmed subscription; then it deletes the items.
func (a *Alerts) sendDigest(ctx context.Context, site *centre.Site, items []*centre.DigestItem, failed *errSend) error {
	email := items[0].Email
	done := func() error { return a.Store.DeleteDigests(ctx, items) }
	sup, err := a.Store.Suppressed(ctx, []string{email})
	if err != nil {
		return err
	}
	subs, err := a.Subscriptions(ctx, Owner{Site: site.Slug, Email: email})
	if err != nil {
		return err
	}
	confirmed := false
	for _, s := range subs {
		confirmed = confirmed || s.State == centre.SubConfirmed
	}
	if sup[email] || !confirmed {
		return done()
	}
	now := a.Now()
	var entries []digestEntry
	var claims []centre.Delivery
	for _, d := range items {
		e, err := a.Store.GetEntry(ctx, d.Site, d.Entry)
		if centre.IsCode(err, centre.ENOTFOUND) {
			continue
		}
		if err != nil {
			return err
		}
		if e.Status != centre.StatusPublished {
			continue
		}
		claimed, err := a.Store.ClaimDeliveries(ctx, []centre.Delivery{{Notification: d.Notification, Site: d.Site,
			Entry: d.Entry, Email: email, At: now}})
		if err != nil {
			return err
		}
		if len(claimed) == 1 {
			entries = append(entries, digestEntry{e: e, kind: d.Kind})
			claims = append(claims, centre.Delivery{Notification: d.Notification, Email: email})
		}
	}
	if len(entries) == 0 {
		return done()
	}
	m := a.digestMessage(site, email, entries, items[0].Due)
	m.ID = "digest-" + site.Slug + "-" + strconv.FormatInt(items[0].Due.Unix(), 10) + "-" + centre.HashToken(email)[:16]
	if err := a.Mailer.Send(ctx, m); err != nil {
		failed.add(err)
		for _, c := range claims {
			if rerr := a.Store.ReleaseDelivery(context.WithoutCancel(ctx), c.Notification, c.Email); rerr != nil {
				return rerr
			}
		}
		return nil
	}
	return done()
}

// digestEntry is one entry of a digest.
type digestEntry struct {
	e    *centre.Entry
	kind string
}
