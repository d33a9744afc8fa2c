package app

import (
	"context"
	"io"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/notify"
	"infocentre/internal/webhook"
	"infocentre/internal/websub"
)

// Webhooks returns the webhook channel of the notifier: the sender the
// service registers endpoints with (New), or for a wiring without the
// staff side (NewPublic: the notifier function) one of its own.
func (a *App) Webhooks() *webhook.Sender {
	a.hooksOnce.Do(func() {
		var ok bool
		if a.hooks, ok = a.Service.WebhookSender.(*webhook.Sender); !ok {
			a.hooks = &webhook.Sender{Store: a.Service.Store, Log: a.Log, AllowLoopback: a.Config.WebhookAllowLoopback}
		}
	})
	return a.hooks
}

// Channels returns the notification channels this deployment delivers
// to: the site's webhook endpoints, WebSub when Config.WebSubHub is set,
// email alerts when they are on and this process can send them
// (App.Alerts with a Mailer, see newAlerts).
func (a *App) Channels() []notify.Channel {
	var out []notify.Channel
	if w := a.Webhooks(); w != nil {
		out = append(out, w)
	}
	if a.Config.WebSubHub != "" {
		out = append(out, &websub.Channel{Hub: a.Config.WebSubHub, PublicOrigin: a.Config.PublicOrigin, Store: a.Store, Log: a.Log})
	}
	if a.Alerts != nil && a.Alerts.Mailer != nil {
		out = append(out, a.Alerts)
	}
	return out
}

// expirer is the Sweeper that deletes what was sent past its retention
// (Store.ExpireRecords: claims, who was told, settled outbox records,
// quota windows), a bounded slice per tick; on DynamoDB its TTL does it
// and the call does nothing.
type expirer struct{ store centre.Store }

// expireBatch bounds the records one tick looks at, per kind.
const expireBatch = 500

func (e expirer) Sweep(ctx context.Context, now time.Time) error {
	_, err := e.store.ExpireRecords(ctx, now, expireBatch)
	return err
}

// Sweepers returns the timed work of the notifier: the expiry of what was
// sent, the webhook retries, email alerts' daily digests and the expiry of
// unconfirmed subscriptions (when this process can send email).
func (a *App) Sweepers() []notify.Sweeper {
	out := []notify.Sweeper{expirer{a.Store}}
	if w := a.Webhooks(); w != nil {
		out = append(out, w)
	}
	if a.Alerts != nil && a.Alerts.Mailer != nil {
		out = append(out, a.Alerts)
	}
	return out
}

// NewNotifier returns the notifier of the outbox with Channels and
// Sweepers; metrics receives its CloudWatch metric lines (nil: none).
func (a *App) NewNotifier(metrics io.Writer) *notify.Notifier {
	return notify.New(notify.Config{Store: a.Store, Channels: a.Channels(), Sweepers: a.Sweepers(), Log: a.Log,
		Metrics: metrics, Stage: a.Config.Stage})
}

// RunNotifier delivers the outbox every interval until ctx ends, and
// returns once the delivery under way has settled: the local stand-in for
// the notifier function.
func (a *App) RunNotifier(ctx context.Context, interval time.Duration) {
	a.NewNotifier(nil).Loop(ctx, interval)
}
