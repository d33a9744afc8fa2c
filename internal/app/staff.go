//go:build !publicfn

package app

import (
	"context"
	"io"
	"log/slog"

	"infocentre/internal/brcompress"
	"infocentre/internal/centre"
	"infocentre/internal/console"
	"infocentre/internal/httpapi"
	"infocentre/internal/markdown"
	"infocentre/internal/media"
	"infocentre/internal/s3files"
	"infocentre/internal/s3transfer"
	"infocentre/internal/static"
	"infocentre/internal/webhook"
)

// The staff side of the wiring: every binary but the public function
// (built with the tag publicfn, which calls only NewPublic) has it.

// FromEnv opens the store and wires an App (New) from the environment,
// logging JSON to stderr. It fails when a secret the environment names
// cannot be read (the error names the variable). Only with WithConsole
// does it keep the OIDC configuration and read its client secret.
func FromEnv(ctx context.Context, opts ...Option) (*App, error) { return fromEnv(ctx, New, opts...) }

// New wires an App on an open store: every route, the staff console, file
// inspection, transfers and static archives included.
func New(cfg Config, store centre.Store, log *slog.Logger) (*App, error) {
	return build(cfg, store, log, wiring{handler: httpapi.New, render: markdown.Render, sanitize: markdown.Sanitize, brotli: brcompress.Bytes,
		staff: staffParts})
}

// openBucket opens the S3 bucket of hosted files with the SDK's S3 client:
// uploads straight to the bucket through presigned POST policies
// (centre.DirectUploads).
func openBucket(ctx context.Context, bucket string) (centre.FileStore, error) {
	return s3files.New(ctx, bucket)
}

// staffParts is the staff side of New.
func staffParts(cfg Config, svc *centre.Service, hc *httpapi.Config, log *slog.Logger) (Console, error) {
	svc.Inspect = media.Inspector{}
	// The webhook sender: the admin function registers endpoints and
	// sends test events with it, the notifier delivers.
	svc.WebhookSender = &webhook.Sender{Store: svc.Store, Log: log, AllowLoopback: cfg.WebhookAllowLoopback}
	var con Console
	if c, err := console.New(console.Config{Service: svc, PublicOrigin: cfg.PublicOrigin, OIDC: console.OIDC(cfg.OIDC), Log: log,
		Cursors: hc.Cursors, ClientAddr: httpapi.ClientAddress}); err != nil {
		log.Warn("the staff console is off", slog.String("reason", err.Error()))
	} else {
		con, hc.Console, hc.InvitationURL = c, c, c.InvitationURL
	}
	var archive static.Options
	if cfg.Lambda {
		archive.MaxBytes = LambdaMaxStaticOutput
	}
	if cfg.TransferBucket != "" {
		t, err := s3transfer.New(context.Background(), cfg.TransferBucket)
		if err != nil {
			return nil, err
		}
		hc.Transfers = t
	}
	hc.StaticArchive = func(ctx context.Context, slug, baseURL string, w io.Writer) error {
		o := archive
		o.BaseURL = baseURL
		return o.Archive(ctx, svc, slug, w)
	}
	return con, nil
}
