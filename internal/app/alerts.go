package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"infocentre/internal/alerts"
	"infocentre/internal/awsconfig"
	"infocentre/internal/centre"
)

// newAlerts wires email alerts (internal/alerts) for cfg: links sealed
// with AlertsSecret (the embedded store keeps a generated one in its data
// directory, alerts.key), sent from AlertsFrom through SMTP_URL when set,
// else Amazon SES on Lambda (or with SES_ENDPOINT), else — the embedded
// store, locally — as .eml files in <data>/outbox. It returns nil (alerts
// off, logged) on DynamoDB without a secret, a sender or a way to send.
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
		awsCfg, err := awsconfig.Load(ctx, awsconfig.Options{})
		if err != nil {
			return nil, fmt.Errorf("alerts: AWS configuration: %w", err)
		}
		client := sesv2.NewFromConfig(awsCfg, func(o *sesv2.Options) {
			if ep := os.Getenv("SES_ENDPOINT"); ep != "" {
				o.BaseEndpoint = aws.String(ep)
			}
		})
		mailer = &alerts.SES{Client: client, ConfigurationSet: cfg.SESConfigurationSet}
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
