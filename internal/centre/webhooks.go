package centre

import (
	"context"
)

// webhookSender returns the configured sender, or EUNAVAILABLE.
func (s *Service) webhookSender() (WebhookSender, error) {
	if s.WebhookSender == nil {
		return nil, Errorf(EUNAVAILABLE, "webhooks are not configured on this server")
	}
	return s.WebhookSender, nil
}

// CreateWebhook registers an endpoint of site for the events of in and
// returns it with its signing secret, which is never retrievable again.
// The URL must be a public https URL (see WebhookSender.CheckURL). A site
// has at most MaxWebhooksPerSite endpoints. Needs the admin role on a
// writable site. Returns EINVALID (naming url, events, description),
// ENOTFOUND (site), EFORBIDDEN, ECONFLICT (archived site, too many
// endpoints), EUNAVAILABLE (no sender configured).
func (s *Service) CreateWebhook(ctx context.Context, p Principal, site string, in WebhookInput) (*Webhook, string, error) {
	if _, err := s.writableSite(ctx, p, site, RoleAdmin); err != nil {
		return nil, "", err
	}
	var pr Problems
	checkWebhookInput(&in, &pr)
	if err := pr.Err(); err != nil {
		return nil, "", err
	}
	sender, err := s.webhookSender()
	if err != nil {
		return nil, "", err
	}
	if err := sender.CheckURL(ctx, in.URL); err != nil {
		return nil, "", err
	}
	list, err := s.Store.ListWebhooks(ctx, site)
	if err != nil {
		return nil, "", err
	}
	if len(list) >= MaxWebhooksPerSite {
		return nil, "", Errorf(ECONFLICT, "site %q has %d webhook endpoints, the most it may have; delete one first", site, len(list))
	}
	now := s.now()
	secret := NewWebhookSecret()
	w := &Webhook{ID: NewID(now), Site: site, URL: in.URL, Events: in.Events, Description: in.Description,
		Secret: secret, State: WebhookEnabled, CreatedAt: now, CreatedBy: p.Actor()}
	if err := s.Store.CreateWebhook(ctx, w); err != nil {
		return nil, "", err
	}
	return w, secret, nil
}

// Webhooks lists the endpoints of a site, oldest first, without their
// secrets, to an admin of it. Returns ENOTFOUND (site), EFORBIDDEN.
func (s *Service) Webhooks(ctx context.Context, p Principal, site string) ([]*Webhook, error) {
	if err := require(p, site, RoleAdmin); err != nil {
		return nil, err
	}
	if _, err := s.Site(ctx, site); err != nil {
		return nil, err
	}
	return s.Store.ListWebhooks(ctx, site)
}

// Webhook returns one endpoint of a site to an admin of it. Returns
// ENOTFOUND, EFORBIDDEN.
func (s *Service) Webhook(ctx context.Context, p Principal, site, id string) (*Webhook, error) {
	if err := require(p, site, RoleAdmin); err != nil {
		return nil, err
	}
	w, err := s.Store.GetWebhook(ctx, site, id)
	if IsCode(err, ENOTFOUND) {
		return nil, Errorf(ENOTFOUND, "site %q has no webhook endpoint %q", site, id)
	}
	return w, err
}

// DeleteWebhook removes an endpoint of site: nothing more is sent to it
// (pending retries give up). Its delivery log stays until it expires.
// Allowed on an archived site, since it stops outgoing traffic. Returns
// ENOTFOUND, EFORBIDDEN.
func (s *Service) DeleteWebhook(ctx context.Context, p Principal, site, id string) error {
	if _, err := s.Webhook(ctx, p, site, id); err != nil {
		return err
	}
	err := s.Store.DeleteWebhook(ctx, site, id)
	if IsCode(err, ENOTFOUND) {
		return Errorf(ENOTFOUND, "site %q has no webhook endpoint %q", site, id)
	}
	return err
}

// WebhookDeliveries returns one page of an endpoint's delivery log,
// newest first, to an admin of the site. Returns ENOTFOUND (endpoint),
// EFORBIDDEN, EINVALID (cursor).
func (s *Service) WebhookDeliveries(ctx context.Context, p Principal, q WebhookDeliveryQuery) (WebhookDeliveryPage, error) {
	if _, err := s.Webhook(ctx, p, q.Site, q.Webhook); err != nil {
		return WebhookDeliveryPage{}, err
	}
	return s.Store.ListWebhookDeliveries(ctx, q)
}

// TestWebhook sends a test event to an endpoint now (enabled or not, so an
// admin can check a disabled one) and returns the delivery: its Status
// tells whether the endpoint took it. Needs the admin role on a writable
// site. Returns ENOTFOUND, EFORBIDDEN, ECONFLICT (archived site),
// EUNAVAILABLE (no sender configured).
func (s *Service) TestWebhook(ctx context.Context, p Principal, site, id string) (*WebhookDelivery, error) {
	if _, err := s.writableSite(ctx, p, site, RoleAdmin); err != nil {
		return nil, err
	}
	w, err := s.Webhook(ctx, p, site, id)
	if err != nil {
		return nil, err
	}
	sender, err := s.webhookSender()
	if err != nil {
		return nil, err
	}
	return sender.SendTest(ctx, w)
}
