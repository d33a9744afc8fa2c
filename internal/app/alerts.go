package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"infocentre/internal/alerts"
	"infocentre/internal/centre"
)

// newAlerts wires email alerts (internal/alerts) for cfg: links sealed
// with AlertsSecret (the embedded store keeps a generated one in its data
// directory, alerts.key), sent from AlertsFrom through SMTP_URL when set,
// else Amazon SES on Lambda (or with SES_ENDPOINT) — by the mailer of
// WithMailer; a process without one (the public function) sends nothing
// itself, the notifier sends what it stores in the outbox — else, with
// the embedded store locally, as .eml files in <data>/outbox. It returns
// nil (alerts off, logged) on DynamoDB without a secret, a sender or a
// way to send.
func newAlerts(ctx context.Context, cfg Config, store centre.Store, origin string, log *slog.Logger) (*alerts.Alerts, error) {
	local := cfg.Store == "" || cfg.Store == "bolt"
	secret := []byte(cfg.AlertsSecret)
	if len(secret) == 0 {
		if !local {
			log.Info("ALERTS_SECRET is not set: email alerts are off")
			return nil, nil
		}
		var err error
		if secret, err = localSecret(cfg, "alerts.key"); err != nil {
			return nil, err
		}
	}
	links, err := alerts.NewLinks(secret)
	if err != nil {
		return nil, fmt.Errorf("ALERTS_SECRET: %w", err)
	}
	from := cfg.AlertsFrom
	if from == "" {
		if !local {
			log.Info("ALERTS_FROM is not set: email alerts are off")
			return nil, nil
		}
		from = "infocentre <alerts@localhost>"
	}
	var mailer alerts.Mailer
	switch {
	case cfg.SMTPURL != "":
		if mailer, err = alerts.NewSMTP(cfg.SMTPURL); err != nil {
			return nil, fmt.Errorf("SMTP_URL: %w", err)
		}
	case cfg.Lambda || os.Getenv("SES_ENDPOINT") != "":
		if cfg.newMailer != nil {
			if mailer, err = cfg.newMailer(ctx, cfg.SESConfigurationSet); err != nil {
				return nil, err
			}
		}
	case local:
		dir := cfg.DataDir
		if dir == "" {
			dir = ".data"
		}
		mailer = &alerts.Dir{Path: filepath.Join(dir, "outbox"), Log: log}
	default:
		log.Info("no mail transport (SMTP_URL, or SES on Lambda): email alerts are off")
		return nil, nil
	}
	a := &alerts.Alerts{Store: store, Links: links, Mailer: mailer, From: from, Log: log,
		Base: func(s *centre.Site) string {
			if origin == "" && len(s.Hosts) > 0 {
				return "https://" + strings.ToLower(s.Hosts[0])
			}
			return origin + "/sites/" + s.Slug
		}}
	a.Init()
	return a, nil
}
