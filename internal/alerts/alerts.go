// Package alerts is email alerts for visitors: subscriptions with double
// opt-in (a confirmation email; nothing else is sent before it is
// followed), signed links to confirm, manage and unsubscribe in one click
// (RFC 8058), and the delivery of the outbox's notifications to the
// confirmed subscribers whose scope an entry matches — immediately or in a
// daily digest — with withdrawals sent to everyone who was told of the
// entry.
//
// Alerts implements the notifier's Channel (Name, Deliver) and Sweeper
// (Sweep: daily digests, lapsed subscriptions). Delivery is at least once
// and idempotent per recipient: each (notification, address) is claimed in
// the store before its message is sent, so a retried notification never
// mails an address twice. Fan-out reads subscribers a page at a time.
package alerts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"infocentre/internal/centre"
)

// Defaults of Alerts.
const (
	// PendingFor is how long a confirmation link works; an unconfirmed
	// subscription lapses then (and is deleted: swept from the embedded
	// store, by TTL on DynamoDB).
	PendingFor = 48 * time.Hour
	// DigestHour is the hour (UTC) at which daily digests go out.
	DigestHour = 7
	// pageSize is how many subscribers fan-out handles at a time.
	pageSize = centre.MaxClaimBatch
	// maxDigestItems bounds the entries of one digest email.
	maxDigestItems = 50
)

// Alerts sends email alerts. Set Store, Links, Mailer, From and Base; the
// rest has defaults. Without a Mailer it serves the visitors' routes only
// (the public function): every email is sent by the notifier's Alerts.
type Alerts struct {
	Store  centre.Store
	Links  *Links
	Mailer Mailer
	// From is the sender of every email ("Name <address>"), an address of
	// the SES identity on AWS (ALERTS_FROM).
	From string
	// Base returns the absolute URL of a site's pages without the final
	// slash, such as https://info.example.org/sites/demo; links in emails
	// are built from it.
	Base func(site *centre.Site) string
	Log  *slog.Logger
	Now  func() time.Time
	// Workers bounds the messages in flight during a fan-out (default
	// DefaultWorkers).
	Workers int
}

// Limits of subscribe requests, counted in the store (Store.TakeQuota) so
// that every process — each Lambda container — shares them: per client
// address and per email address (both across sites), in each QuotaWindow.
var (
	ClientLimit  = 10
	AddressLimit = 3
)

// QuotaWindow is the window of the subscribe limits.
const QuotaWindow = time.Hour

// Init fills the defaults; call it once before use.
func (a *Alerts) Init() {
	if a.Log == nil {
		a.Log = slog.Default()
	}
	if a.Now == nil {
		a.Now = time.Now
	}
}

// allowed counts a subscribe request against the limits of its client
// and of the address (kept as a hash), and reports whether both let it
// through.
func (a *Alerts) allowed(ctx context.Context, client, email string, now time.Time) (bool, error) {
	if len(client) > centre.MaxQuotaKey-16 {
		client = client[:centre.MaxQuotaKey-16]
	}
	ok, err := a.Store.TakeQuota(ctx, "subscribe-client:"+client, QuotaWindow, ClientLimit, now)
	if err != nil || !ok {
		return false, err
	}
	return a.Store.TakeQuota(ctx, "subscribe-email:"+centre.HashToken(email)[:32], QuotaWindow, AddressLimit, now)
}

// DefaultWorkers is how many messages a fan-out sends at once.
const DefaultWorkers = 8

func (a *Alerts) workers() int {
	if a.Workers > 0 {
		return a.Workers
	}
	return DefaultWorkers
}

// Name is the channel's name in the notifier's records.
func (a *Alerts) Name() string { return "email" }

// Takes reports whether the email channel delivers notifications of kind
// (notify.Taker): the changes of entries and confirmation emails.
func (a *Alerts) Takes(kind string) bool {
	return centre.AboutEntry(kind) || kind == centre.NotifyConfirm
}

// errLimited is the error of a subscribe request over a rate limit.
var errLimited = errors.New("too many subscription requests; try again later")

// SubscribeRequest is what the subscribe form sends.
type SubscribeRequest struct {
	Site, Email, Scope, Frequency, Lang string
	Client                              string // the requesting address, for the rate limit
}

// Subscribe asks for a subscription: it validates the request (EINVALID
// naming each bad field; ENOTFOUND for an unknown or archived site),
// applies the rate limits (errLimited), and stores the pending
// subscription with its confirmation email as an outbox record
// (centre.NotifyConfirm) in one write; the notifier sends the email
// (Deliver). It sends nothing when the address already holds this scope or
// is suppressed; when the address waits for another confirmation on the
// site, it re-sends that one if the last was asked for ResendAfter ago or
// more. Every case answers the same, so that the answer tells nobody who
// subscribed to what.
func (a *Alerts) Subscribe(ctx context.Context, req SubscribeRequest) error {
	site, err := a.Store.GetSite(ctx, req.Site)
	if err != nil {
		return err
	}
	if site.Status != centre.SiteActive {
		return centre.Errorf(centre.ENOTFOUND, "no site %q takes subscriptions", req.Site)
	}
	var p centre.Problems
	email, err := centre.ParseSubscriberEmail(req.Email)
	if err != nil {
		p.Add("email", "%s", strings.TrimPrefix(centre.ErrorMessage(err), "email: "))
	}
	scope, err := centre.ParseScope(req.Scope)
	if err != nil {
		p.Add("scope", "%s", strings.TrimPrefix(centre.ErrorMessage(err), "scope: "))
	} else if slug, ok := strings.CutPrefix(scope, centre.ScopeEntry+":"); ok {
		if !a.entryIsPublic(ctx, site.Slug, slug) {
			p.Add("scope", "there is no public entry %q", slug)
		}
	}
	freq := req.Frequency
	if freq == "" {
		freq = centre.FreqImmediate
	}
	if freq != centre.FreqImmediate && freq != centre.FreqDaily {
		p.Add("frequency", "must be %q or %q", centre.FreqImmediate, centre.FreqDaily)
	}
	if err := p.Err(); err != nil {
		return err
	}
	now := a.Now()
	if ok, err := a.allowed(ctx, req.Client, email, now); err != nil {
		return err
	} else if !ok {
		return errLimited
	}
	lang := req.Lang
	if !containsLang(site.Languages, lang) {
		lang = site.DefaultLanguage()
	}
	if sup, err := a.Store.Suppressed(ctx, []string{email}); err != nil {
		return err
	} else if sup[email] {
		a.Log.Info("subscribe: the address is suppressed; nothing sent", "site", site.Slug)
		return nil
	}
	sub := &centre.Subscription{Site: site.Slug, Email: email, Scope: scope, Frequency: freq, Lang: lang,
		State: centre.SubPending, Created: now, ExpiresAt: now.Add(PendingFor), SentAt: now}
	sub.TokenHash = centre.HashToken(a.Links.confirmSecret(sub))
	sub.Announce(confirmation(sub, now))
	if err := a.Store.CreateSubscription(ctx, sub); err != nil {
		if centre.IsCode(err, centre.ECONFLICT) {
			return a.resend(ctx, site.Slug, email, now)
		}
		return err
	}
	return nil
}

// ResendAfter is how long after a confirmation email another request for
// the address on the site may send it again: a lost email does not block
// the address until the request lapses, and nobody can mail-bomb it.
const ResendAfter = 15 * time.Minute

// confirmation returns the outbox record of a confirmation email of sub,
// due at now.
func confirmation(sub *centre.Subscription, now time.Time) *centre.Notification {
	return &centre.Notification{ID: centre.NewID(now), Site: sub.Site, Kind: centre.NotifyConfirm, Version: sub.Version + 1,
		Lang: sub.Lang, Due: now, Created: now, Email: sub.Email, Scope: sub.Scope}
}

// resend records the confirmation email of the address's pending
// subscription on site again, with the same link, if its last one was
// asked for ResendAfter ago or more; otherwise, or if the address holds
// no pending subscription (the scope asked for is confirmed already), it
// does nothing.
func (a *Alerts) resend(ctx context.Context, site, email string, now time.Time) error {
	subs, err := a.Store.Subscriptions(ctx, site, email)
	if err != nil {
		return err
	}
	for _, sub := range subs {
		if sub.State != centre.SubPending || sub.Lapsed(now) {
			continue
		}
		if now.Sub(sub.SentAt) < ResendAfter {
			a.Log.Info("subscribe: a confirmation was sent a moment ago; nothing sent", "site", site)
			return nil
		}
		sub.SentAt = now
		sub.Announce(confirmation(sub, now))
		err := a.Store.UpdateSubscription(ctx, sub)
		if centre.IsCode(err, centre.EPRECONDITION) || centre.IsCode(err, centre.ENOTFOUND) {
			// Another request re-sent, confirmed or removed it meanwhile.
			return nil
		}
		if err == nil {
			a.Log.Info("subscribe: the pending confirmation is sent again", "site", site)
		}
		return err
	}
	a.Log.Info("subscribe: already subscribed; nothing sent", "site", site)
	return nil
}

func containsLang(langs []string, l string) bool {
	for _, x := range langs {
		if x == l {
			return true
		}
	}
	return false
}

// entryIsPublic reports whether the site has a public entry with that
// slug in some language.
func (a *Alerts) entryIsPublic(ctx context.Context, site, slug string) bool {
	list, err := a.Store.EntriesBySlug(ctx, site, slug)
	if err != nil {
		return false
	}
	for _, e := range list {
		if e.Status == centre.StatusPublished {
			return true
		}
	}
	return false
}

// Confirm follows a confirmation link: the pending subscription it names
// becomes confirmed. It returns the subscription, and ENOTFOUND if the
// link is not valid, has expired, or was replaced by a newer one.
func (a *Alerts) Confirm(ctx context.Context, site, tok string) (*centre.Subscription, error) {
	now := a.Now()
	t, err := a.Links.open(purposeConfirm, site, tok, now)
	if err != nil {
		return nil, centre.Errorf(centre.ENOTFOUND, "this confirmation link is not valid or has expired")
	}
	sub, err := a.find(ctx, site, t.Email, t.Scope)
	if err != nil {
		return nil, err
	}
	if sub.State == centre.SubConfirmed && sub.TokenHash == "" {
		return sub, nil // followed twice
	}
	if sub.State != centre.SubPending || sub.Lapsed(now) || sub.TokenHash != centre.HashToken(t.Secret) {
		return nil, centre.Errorf(centre.ENOTFOUND, "this confirmation link is not valid or has expired")
	}
	sub.State, sub.ConfirmedAt, sub.ExpiresAt, sub.TokenHash = centre.SubConfirmed, now, time.Time{}, ""
	if err := a.Store.UpdateSubscription(ctx, sub); err != nil {
		return nil, err
	}
	return sub, nil
}

// find returns the address's subscription to scope on site, or ENOTFOUND.
func (a *Alerts) find(ctx context.Context, site, email, scope string) (*centre.Subscription, error) {
	subs, err := a.Store.Subscriptions(ctx, site, email)
	if err != nil {
		return nil, err
	}
	for _, s := range subs {
		if s.Scope == scope {
			return s, nil
		}
	}
	return nil, centre.Errorf(centre.ENOTFOUND, "no such subscription")
}

// Owner is the address a management or unsubscribe link was made for.
type Owner struct {
	Site, Email string
	Scope       string // unsubscribe links: the scope, or "" for all
}

// OpenManage returns the owner of a management link, or ENOTFOUND.
func (a *Alerts) OpenManage(site, tok string) (Owner, error) {
	t, err := a.Links.open(purposeManage, site, tok, a.Now())
	if err != nil {
		return Owner{}, centre.Errorf(centre.ENOTFOUND, "this link is not valid or has expired")
	}
	return Owner{Site: t.Site, Email: t.Email}, nil
}

// OpenUnsubscribe returns the owner of an unsubscribe link, or ENOTFOUND.
func (a *Alerts) OpenUnsubscribe(site, tok string) (Owner, error) {
	t, err := a.Links.open(purposeUnsubscribe, site, tok, a.Now())
	if err != nil {
		return Owner{}, centre.Errorf(centre.ENOTFOUND, "this link is not valid")
	}
	return Owner{Site: t.Site, Email: t.Email, Scope: t.Scope}, nil
}

// ManageURL returns a management link for the address, valid for
// ManageFor.
func (a *Alerts) ManageURL(site *centre.Site, email string) string {
	return a.Base(site) + "/subscriptions/?t=" + a.Links.seal(token{Purpose: purposeManage, Site: site.Slug, Email: email,
		Expires: a.Now().Add(ManageFor).Unix()})
}

// UnsubscribeURL returns the one-click unsubscribe link of a scope of the
// address ("" for every subscription on the site).
func (a *Alerts) UnsubscribeURL(site *centre.Site, email, scope string) string {
	return a.Base(site) + "/unsubscribe?t=" + a.Links.seal(token{Purpose: purposeUnsubscribe, Site: site.Slug,
		Email: email, Scope: scope})
}

// Subscriptions returns what the owner holds on the site (lapsed pending
// ones left out).
func (a *Alerts) Subscriptions(ctx context.Context, o Owner) ([]*centre.Subscription, error) {
	subs, err := a.Store.Subscriptions(ctx, o.Site, o.Email)
	if err != nil {
		return nil, err
	}
	now := a.Now()
	out := subs[:0]
	for _, s := range subs {
		if !s.Lapsed(now) {
			out = append(out, s)
		}
	}
	return out, nil
}

// Unsubscribe removes the owner's subscription to scope, or every one of
// the site's when scope is "". Removing what is gone is no error.
func (a *Alerts) Unsubscribe(ctx context.Context, o Owner, scope string) error {
	subs, err := a.Store.Subscriptions(ctx, o.Site, o.Email)
	if err != nil {
		return err
	}
	for _, s := range subs {
		if scope != "" && s.Scope != scope {
			continue
		}
		if err := a.Store.DeleteSubscription(ctx, o.Site, o.Email, s.Scope); err != nil && !centre.IsCode(err, centre.ENOTFOUND) {
			return err
		}
	}
	return nil
}

// SetFrequency changes the frequency of the owner's subscription to
// scope. Returns ENOTFOUND or EINVALID.
func (a *Alerts) SetFrequency(ctx context.Context, o Owner, scope, freq string) error {
	if freq != centre.FreqImmediate && freq != centre.FreqDaily {
		var p centre.Problems
		p.Add("frequency", "must be %q or %q", centre.FreqImmediate, centre.FreqDaily)
		return p.Err()
	}
	sub, err := a.find(ctx, o.Site, o.Email, scope)
	if err != nil {
		return err
	}
	if sub.Frequency == freq {
		return nil
	}
	sub.Frequency = freq
	return a.Store.UpdateSubscription(ctx, sub)
}

// siteAndEntry reads what a notification is about.
func (a *Alerts) siteAndEntry(ctx context.Context, n centre.Notification) (*centre.Site, *centre.Entry, error) {
	site, err := a.Store.GetSite(ctx, n.Site)
	if err != nil {
		return nil, nil, err
	}
	e, err := a.Store.GetEntry(ctx, n.Site, n.Entry)
	if err != nil {
		return nil, nil, err
	}
	return site, e, nil
}

// errSend gathers the addresses whose message failed.
type errSend struct {
	failed int
	first  error
}

func (e *errSend) Error() string {
	return fmt.Sprintf("alerts: %d messages not sent (first: %v)", e.failed, e.first)
}

func (e *errSend) add(err error) {
	if e.failed == 0 {
		e.first = err
	}
	e.failed++
}

func (e *errSend) err() error {
	if e.failed == 0 {
		return nil
	}
	return e
}
