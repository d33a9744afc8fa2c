package centre

import "context"

// The staff side of email alerts: a site's admins may export and delete
// the site's subscribers (the privacy rights the subscribers themselves
// exercise through their management link; see internal/alerts).

// Subscribers returns one page of the site's subscriptions (every state),
// ordered by address, for an admin of the site. limit is 1..MaxPageSize
// (0: 20). Returns EFORBIDDEN or EINVALID.
func (s *Service) Subscribers(ctx context.Context, p Principal, site, after string, limit int) (SubscriptionPage, error) {
	if err := require(p, site, RoleAdmin); err != nil {
		return SubscriptionPage{}, err
	}
	switch {
	case limit < 0 || limit > MaxPageSize:
		return SubscriptionPage{}, Errorf(EINVALID, "limit must be between 1 and %d", MaxPageSize)
	case limit == 0:
		limit = 20
	}
	page, err := s.Store.ListSubscriptions(ctx, site, after, limit)
	if err != nil {
		return SubscriptionPage{}, err
	}
	now := s.now()
	out := page.Items[:0]
	for _, sub := range page.Items {
		if !sub.Lapsed(now) {
			out = append(out, sub)
		}
	}
	page.Items = out
	return page, nil
}

// DeleteSubscriber removes every subscription of an address on the site
// (and with them the address: nothing else of it is kept but the records
// of what was sent, which expire), for an admin of the site, archived
// sites included (erasure is a privacy right). It returns how many it
// removed; ENOTFOUND if there was none, EFORBIDDEN, EINVALID.
func (s *Service) DeleteSubscriber(ctx context.Context, p Principal, site, email string) (int, error) {
	if err := require(p, site, RoleAdmin); err != nil {
		return 0, err
	}
	email, err := ParseSubscriberEmail(email)
	if err != nil {
		return 0, err
	}
	subs, err := s.Store.Subscriptions(ctx, site, email)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, sub := range subs {
		if err := s.Store.DeleteSubscription(ctx, site, email, sub.Scope); err != nil && !IsCode(err, ENOTFOUND) {
			return n, err
		}
		n++
	}
	if n == 0 {
		return 0, Errorf(ENOTFOUND, "site %q has no subscriber with that address", site)
	}
	return n, nil
}

// UnsuppressSubscriber takes an address that holds a subscription on the
// site off the suppression list (where a permanent bounce or a complaint
// put it), for an admin of the site that is not archived: alerts reach it
// again, on every site it subscribed to. Returns ENOTFOUND if the address
// has no subscription on the site or is not suppressed, EINVALID,
// EFORBIDDEN, ECONFLICT (archived).
func (s *Service) UnsuppressSubscriber(ctx context.Context, p Principal, site, email string) error {
	if _, err := s.writableSite(ctx, p, site, RoleAdmin); err != nil {
		return err
	}
	email, err := ParseSubscriberEmail(email)
	if err != nil {
		return err
	}
	subs, err := s.Store.Subscriptions(ctx, site, email)
	if err != nil {
		return err
	}
	if len(subs) == 0 {
		return Errorf(ENOTFOUND, "site %q has no subscriber with that address", site)
	}
	if err := s.Store.UnsuppressEmail(ctx, email); err != nil {
		if IsCode(err, ENOTFOUND) {
			return Errorf(ENOTFOUND, "the address is not suppressed")
		}
		return err
	}
	return nil
}
