// Package app wires infocentre together: configuration → store → service →
// handler. The Lambda functions and the CLI both start here, so they run
// the same code.
package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"infocentre/internal/alerts"
	"infocentre/internal/centre"
	"infocentre/internal/cursor"
	"infocentre/internal/dynamostore"
	"infocentre/internal/httpapi"
	"infocentre/internal/previewlink"
	"infocentre/internal/rendercache"
	"infocentre/internal/search"
	"infocentre/internal/secrets"
	"infocentre/internal/web"
	"infocentre/internal/webhook"
)

// Config is everything infocentre reads from its environment.
type Config struct {
	Store        string // "bolt" (default) or "dynamodb"
	DataDir      string // bolt: directory of the data file
	Table        string // dynamodb: table name (DYNAMODB_TABLE when empty)
	CursorSecret string // HMAC secret for pagination cursors (≥ 16 bytes)
	// PreviewSecret is the HMAC secret of preview links (≥ 16 bytes), apart
	// from CursorSecret. The embedded store generates one in its data
	// directory; on DynamoDB without one, preview links are off.
	PreviewSecret string
	// CursorSecretARN and PreviewSecretARN name Secrets Manager secrets
	// that ResolveSecrets reads into CursorSecret and PreviewSecret when
	// those are empty (on AWS the environment carries only the ARNs).
	CursorSecretARN  string
	PreviewSecretARN string
	LogLevel         string // debug, info, warn, error
	Stage            string // API Gateway stage name, for logs
	// PublicOrigin is where the public site is served, such as
	// https://info.example.org: absolute URLs in pages, feeds and sitemaps
	// are built from it (see web.Options.PublicOrigin). Its host is
	// reserved (see ReservedHosts).
	PublicOrigin string
	// TrustForwarded trusts X-Forwarded-Proto and X-Forwarded-Host, for a
	// deployment behind a proxy that sets them itself (on Lambda, API
	// Gateway and the adapter do).
	TrustForwarded bool
	// StaffOrigins are the browser origins allowed to call the staff API
	// cross-origin (none by default).
	StaffOrigins []string
	// ReservedHosts are the deployment's own host names (the API host, a
	// CloudFront domain …), which no site may claim; "*.example.org"
	// reserves every subdomain.
	ReservedHosts []string
	// TrustedProxyHops is how many proxies in front of the handler append
	// to X-Forwarded-For and are trusted to (see httpapi.Config); 0 uses
	// the connection's address (on Lambda, API Gateway's sourceIp).
	TrustedProxyHops int
	// FilesBucket is the S3 bucket of hosted files (FILES_BUCKET); empty
	// keeps them in FilesDir with the embedded store, and refuses uploads
	// with DynamoDB.
	FilesBucket string
	// FilesDir holds the files of the embedded store (FILES_DIR; default
	// "files" in DataDir).
	FilesDir string
	// MaxFileSize (FILE_MAX_BYTES) and SiteQuota (FILE_QUOTA_BYTES, -1:
	// none) bound uploads; 0 takes centre's defaults (50 MiB, 2 GiB).
	MaxFileSize int64
	SiteQuota   int64
	// TransferBucket is the S3 bucket for large exports and imports
	// (presigned URLs); empty streams them through the API.
	TransferBucket string
	// Lambda is set when running as a Lambda function, whose responses
	// and requests carry at most 6 MB and whose /tmp is small.
	Lambda bool
	// OIDC configures single sign-on to the console (off when Issuer is
	// empty): OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_NAME.
	OIDC OIDC
	// OIDCClientSecretARN (OIDC_CLIENT_SECRET_ARN) names the Secrets
	// Manager secret holding OIDC.ClientSecret; FromEnv reads it when the
	// process serves the console (WithConsole) and the value is unset.
	OIDCClientSecretARN string
	// OriginSecret (ORIGIN_SECRET) is the value of the header the CDN in
	// front of the deployment adds (httpapi.OriginSecretHeader); when set,
	// public routes refuse requests without it. OriginSecretARN
	// (ORIGIN_SECRET_ARN) names the Secrets Manager secret holding it;
	// FromEnv reads it only with WithOriginCheck.
	OriginSecret    string
	OriginSecretARN string
	// serveConsole is set by WithConsole, checkOrigin by WithOriginCheck,
	// newMailer by WithMailer.
	serveConsole bool
	checkOrigin  bool
	newMailer    MailerFunc
	// MirrorBucket (MIRROR_BUCKET) is the S3 bucket of the static mirror
	// and DistributionID (DISTRIBUTION_ID) the CloudFront distribution
	// whose caches are purged: the edge function's (App.Edge).
	MirrorBucket   string
	DistributionID string
	// Email alerts (internal/alerts, newAlerts): AlertsSecret
	// (ALERTS_SECRET, ≥ 16 bytes; AlertsSecretARN, ALERTS_SECRET_ARN, names
	// it in Secrets Manager) seals the links in the emails; AlertsFrom
	// (ALERTS_FROM) is the sender, an address of the SES identity; SMTPURL
	// (SMTP_URL) sends through an SMTP server instead of SES;
	// SESConfigurationSet (SES_CONFIGURATION_SET) is the SES configuration
	// set whose bounces and complaints suppress addresses.
	AlertsSecret        string
	AlertsSecretARN     string
	AlertsFrom          string
	SMTPURL             string
	SESConfigurationSet string
	// RenderCacheBytes bounds the cache of rendered public responses
	// (RENDER_CACHE_BYTES; 0: rendercache.DefaultMaxBytes, 64 MiB; -1: no
	// cache).
	RenderCacheBytes int64
	// WebhookAllowLoopback (WEBHOOK_ALLOW_LOOPBACK "true" or "1") is the
	// test-only switch of webhook deliveries: http:// and loopback
	// receivers are allowed (webhook.Sender.AllowLoopback). Never set in a
	// deployment; template.yaml does not name it.
	WebhookAllowLoopback bool
	// WebSubHub (WEBSUB_HUB) is the absolute URL of the WebSub hub that
	// every feed names and the notifier pings on every public change
	// (internal/websub); empty: off.
	WebSubHub string
}

// Limits on exports where the host is AWS Lambda: a response body the
// payload limit can carry once base64-encoded, and the files a static
// export may write to the default 512 MB of /tmp.
const (
	LambdaMaxResponse     = 4 << 20
	LambdaMaxStaticOutput = 192 << 20
)

// ConfigFromEnv reads INFOCENTRE_STORE, INFOCENTRE_DATA, DYNAMODB_TABLE,
// OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_CLIENT_SECRET_ARN,
// OIDC_NAME,
// CURSOR_SECRET, CURSOR_SECRET_ARN, PREVIEW_SECRET, PREVIEW_SECRET_ARN,
// ORIGIN_SECRET, ORIGIN_SECRET_ARN, LOG_LEVEL, STAGE, PUBLIC_ORIGIN, TRUST_FORWARDED ("true" or "1"),
// STAFF_CORS_ORIGINS and RESERVED_HOSTS (comma separated),
// TRUSTED_PROXY_HOPS, TRANSFER_BUCKET, AWS_LAMBDA_FUNCTION_NAME,
// FILES_BUCKET, FILES_DIR, FILE_MAX_BYTES, FILE_QUOTA_BYTES,
// RENDER_CACHE_BYTES, MIRROR_BUCKET, DISTRIBUTION_ID, WEBSUB_HUB and
// WEBHOOK_ALLOW_LOOPBACK (tests only). The
// DynamoDB store reads DYNAMODB_ENDPOINT, the S3 stores S3_ENDPOINT, and
// the usual AWS variables themselves.
func ConfigFromEnv() Config {
	c := Config{
		Store:               os.Getenv("INFOCENTRE_STORE"),
		DataDir:             os.Getenv("INFOCENTRE_DATA"),
		Table:               os.Getenv("DYNAMODB_TABLE"),
		CursorSecret:        os.Getenv("CURSOR_SECRET"),
		PreviewSecret:       os.Getenv("PREVIEW_SECRET"),
		CursorSecretARN:     os.Getenv("CURSOR_SECRET_ARN"),
		PreviewSecretARN:    os.Getenv("PREVIEW_SECRET_ARN"),
		LogLevel:            os.Getenv("LOG_LEVEL"),
		Stage:               os.Getenv("STAGE"),
		PublicOrigin:        os.Getenv("PUBLIC_ORIGIN"),
		TransferBucket:      os.Getenv("TRANSFER_BUCKET"),
		AlertsSecret:        os.Getenv("ALERTS_SECRET"),
		AlertsSecretARN:     os.Getenv("ALERTS_SECRET_ARN"),
		AlertsFrom:          os.Getenv("ALERTS_FROM"),
		SMTPURL:             os.Getenv("SMTP_URL"),
		SESConfigurationSet: os.Getenv("SES_CONFIGURATION_SET"),
		Lambda:              os.Getenv("AWS_LAMBDA_FUNCTION_NAME") != "",
	}
	switch strings.ToLower(os.Getenv("WEBHOOK_ALLOW_LOOPBACK")) {
	case "true", "1":
		c.WebhookAllowLoopback = true
	}
	switch strings.ToLower(os.Getenv("TRUST_FORWARDED")) {
	case "true", "1", "yes":
		c.TrustForwarded = true
	}
	for _, o := range strings.Split(os.Getenv("STAFF_CORS_ORIGINS"), ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.StaffOrigins = append(c.StaffOrigins, o)
		}
	}
	c.TrustedProxyHops, _ = strconv.Atoi(os.Getenv("TRUSTED_PROXY_HOPS"))
	c.FilesBucket, c.FilesDir = os.Getenv("FILES_BUCKET"), os.Getenv("FILES_DIR")
	c.MaxFileSize, _ = strconv.ParseInt(os.Getenv("FILE_MAX_BYTES"), 10, 64)
	c.SiteQuota, _ = strconv.ParseInt(os.Getenv("FILE_QUOTA_BYTES"), 10, 64)
	c.RenderCacheBytes, _ = strconv.ParseInt(os.Getenv("RENDER_CACHE_BYTES"), 10, 64)
	c.WebSubHub = os.Getenv("WEBSUB_HUB")
	for _, h := range strings.Split(os.Getenv("RESERVED_HOSTS"), ",") {
		if h = strings.TrimSpace(h); h != "" {
			c.ReservedHosts = append(c.ReservedHosts, h)
		}
	}
	c.OIDC = OIDC{Issuer: os.Getenv("OIDC_ISSUER"), ClientID: os.Getenv("OIDC_CLIENT_ID"),
		ClientSecret: os.Getenv("OIDC_CLIENT_SECRET"), Name: os.Getenv("OIDC_NAME")}
	c.OIDCClientSecretARN = os.Getenv("OIDC_CLIENT_SECRET_ARN")
	c.OriginSecret, c.OriginSecretARN = os.Getenv("ORIGIN_SECRET"), os.Getenv("ORIGIN_SECRET_ARN")
	c.MirrorBucket, c.DistributionID = os.Getenv("MIRROR_BUCKET"), os.Getenv("DISTRIBUTION_ID")
	if c.Store == "" && c.Table != "" {
		c.Store = "dynamodb"
	}
	return c
}

// SecretGetter reads a secret's string value by ARN or name
// (secrets.Reader.Get).
type SecretGetter func(ctx context.Context, id string) (string, error)

// ResolveSecrets fills CursorSecret, PreviewSecret, OIDC.ClientSecret and
// OriginSecret from the secrets their ARNs name, leaving a value that is already set (a
// plain environment variable wins: local runs and sam local). get is
// called only when an ARN is needed; nil means none may be. The error
// names the variable whose secret could not be read.
func ResolveSecrets(ctx context.Context, cfg *Config, get SecretGetter) error {
	for _, s := range []struct {
		value *string
		arn   string
		name  string
	}{{&cfg.CursorSecret, cfg.CursorSecretARN, "CURSOR_SECRET_ARN"}, {&cfg.PreviewSecret, cfg.PreviewSecretARN, "PREVIEW_SECRET_ARN"},
		{&cfg.OIDC.ClientSecret, cfg.OIDCClientSecretARN, "OIDC_CLIENT_SECRET_ARN"},
		{&cfg.OriginSecret, cfg.OriginSecretARN, "ORIGIN_SECRET_ARN"},
		{&cfg.AlertsSecret, cfg.AlertsSecretARN, "ALERTS_SECRET_ARN"}} {
		if *s.value != "" || s.arn == "" {
			continue
		}
		if get == nil {
			return fmt.Errorf("%s is set but no Secrets Manager reader is configured", s.name)
		}
		v, err := get(ctx, s.arn)
		if err != nil {
			return fmt.Errorf("read %s: %w", s.name, err)
		}
		*s.value = v
	}
	return nil
}

// needsSecretsManager reports whether ResolveSecrets will read a secret.
func (c Config) needsSecretsManager() bool {
	return (c.CursorSecret == "" && c.CursorSecretARN != "") || (c.PreviewSecret == "" && c.PreviewSecretARN != "") ||
		(c.OIDC.ClientSecret == "" && c.OIDCClientSecretARN != "") || (c.OriginSecret == "" && c.OriginSecretARN != "") ||
		(c.AlertsSecret == "" && c.AlertsSecretARN != "")
}

// App is a wired infocentre.
type App struct {
	Config  Config
	Log     *slog.Logger
	Store   centre.Store
	Service *centre.Service
	Handler *httpapi.Handler
	// Console is the staff console, or nil when the public origin cannot
	// serve it (see console.ConsoleOrigin) or the App is NewPublic's.
	Console Console
	// Cache is the cache of rendered public responses, or nil when off.
	Cache *rendercache.Cache
	// Alerts sends email alerts (the notifier's email channel), or nil
	// when they are off (see newAlerts).
	Alerts *alerts.Alerts

	hooksOnce sync.Once
	hooks     *webhook.Sender // Webhooks
}

// NewLogger returns the JSON logger for level, writing to w.
func NewLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// OpenStore opens the store cfg names.
func OpenStore(ctx context.Context, cfg Config) (centre.Store, error) {
	switch cfg.Store {
	case "", "bolt":
		return openBolt(cfg)
	case "dynamodb":
		if cfg.Table == "" {
			return dynamostore.NewFromEnv(ctx)
		}
		client, err := dynamostore.NewClientFromEnv(ctx)
		if err != nil {
			return nil, err
		}
		return dynamostore.New(client, cfg.Table), nil
	}
	return nil, fmt.Errorf("unknown store %q: use bolt or dynamodb", cfg.Store)
}

// OpenFiles opens the file store cfg names: the S3 bucket FilesBucket
// (openBucket: with presigned uploads, or in the public function's build
// only read and presigned GETs), or with the embedded store the directory
// FilesDir (default DataDir/files); nil (uploads refused) with DynamoDB
// and no bucket.
func OpenFiles(ctx context.Context, cfg Config) (centre.FileStore, error) {
	switch {
	case cfg.FilesBucket != "":
		return openBucket(ctx, cfg.FilesBucket)
	case cfg.Store == "" || cfg.Store == "bolt":
		return openFilesDir(cfg)
	}
	return nil, nil
}

// NewPublic wires an App that serves only what the public function
// serves (Handler.Public: the site, feeds and the read API). It leaves out
// the staff console, upload inspection, transfers and static archives
// (New in staff.go adds them), so that the public function, built with the
// tag publicfn, carries none of them.
func NewPublic(cfg Config, store centre.Store, log *slog.Logger) (*App, error) {
	return build(cfg, store, log, wiring{handler: httpapi.NewPublic})
}

// OIDC configures single sign-on to the console (console.OIDC).
type OIDC struct {
	Issuer, ClientID, ClientSecret string
	// Name is shown on the sign-in button ("Sign in with …").
	Name string
}

// Console is the staff console as the CLI uses it (*console.Console).
type Console interface {
	http.Handler
	// InvitationURL returns the console's link to accept an invitation.
	InvitationURL(token string) string
}

// staff adds to the service and the handler's configuration what only the
// staff side uses; it returns the console (nil when off).
type staff func(cfg Config, svc *centre.Service, hc *httpapi.Config, log *slog.Logger) (Console, error)

// wiring is what tells New from NewPublic: the parts that only a binary
// with staff routes links, so that the public function (which calls only
// NewPublic) carries none of their code.
type wiring struct {
	// handler makes the HTTP handler: httpapi.New, or httpapi.NewPublic
	// (no staff routes).
	handler func(httpapi.Config) *httpapi.Handler
	// render renders an entry's Markdown body to sanitised HTML
	// (markdown.Render): the service renders bodies when entries are
	// written, and the site renders a body stored without its HTML. Nil
	// (the public function): the service writes no entries, and the site
	// shows the HTML stored with each entry (see web.Options.Render).
	render func(string) (string, error)
	// sanitize sanitises stored body HTML again as the site shows it
	// (markdown.Sanitize; nil: shown as stored).
	sanitize func(string) string
	// brotli compresses cached responses with Brotli (brcompress.Bytes;
	// nil: the CDN does, see rendercache.Options.Brotli).
	brotli func([]byte) []byte
	// staff adds the staff side to the service and the handler's
	// configuration (nil: none).
	staff staff
}

func build(cfg Config, store centre.Store, log *slog.Logger, wire wiring) (*App, error) {
	secret, err := cursorSecret(cfg)
	if err != nil {
		return nil, err
	}
	files, err := OpenFiles(context.Background(), cfg)
	if err != nil {
		return nil, err
	}
	origin, err := web.ParseOrigin(cfg.PublicOrigin)
	if err != nil {
		return nil, fmt.Errorf("PUBLIC_ORIGIN: %w", err)
	}
	if err := checkHub(cfg.WebSubHub); err != nil {
		return nil, err
	}
	sealer, err := cursor.New(secret)
	if err != nil {
		return nil, err
	}
	previews, err := previewSigner(cfg, log)
	if err != nil {
		return nil, err
	}
	// Search builds a site's index on first use and keeps it current. A
	// store that keeps search documents itself (DynamoDB, written by other
	// processes: the admin and publisher functions) is asked on each search
	// what changed since; otherwise (the embedded store, written only by
	// this process) the index follows the entry writes made through the
	// service.
	finder := &search.Service{Store: store, Log: log}
	entries := store
	if src, ok := store.(search.DocSource); ok {
		finder.Source = src
	} else {
		entries = finder.Watch(store)
	}
	// The cache of rendered public responses is keyed by each site's
	// change stamp; writes made through this service invalidate it at once.
	var cache *rendercache.Cache
	var svc *centre.Service
	var siteOf func(r *http.Request) string // set once the site is wired, before any request
	if cfg.RenderCacheBytes >= 0 {
		cache = rendercache.New(rendercache.Options{MaxBytes: cfg.RenderCacheBytes, Log: log, Brotli: wire.brotli,
			Stamp:  func(ctx context.Context, site string) (centre.SiteStamp, error) { return svc.SiteStamp(ctx, site) },
			SiteOf: func(r *http.Request) string { return siteOf(r) }})
		entries = cache.Watch(entries)
	}
	svc = &centre.Service{Store: entries, Render: wire.render, CheckAccent: web.CheckAccent, Log: log,
		ReservedHosts: cfg.reservedHosts(),
		FileLimits:    centre.FileLimits{MaxFileSize: cfg.MaxFileSize, SiteQuota: cfg.SiteQuota}}
	if previews != nil {
		svc.Signer = previews
	}
	if files != nil {
		svc.Files = files
	}
	al, err := newAlerts(context.Background(), cfg, store, origin, log)
	if err != nil {
		return nil, err
	}
	read := newSiteReader(svc)
	site := web.New(read, web.Options{Render: wire.render, Sanitize: wire.sanitize, Cursors: sealer, Logger: log,
		SiteForHost: web.HostLookup(read, time.Minute), Searcher: finder,
		PublicOrigin: origin, TrustForwarded: cfg.TrustForwarded, Subscribe: al != nil, WebSubHub: cfg.WebSubHub})
	siteOf = func(r *http.Request) string {
		if slug := httpapi.PublicSiteOf(r); slug != "" {
			return slug
		}
		return site.SiteOf(r)
	}
	register := site.Register
	if al != nil {
		register = func(m *http.ServeMux) {
			al.Register(m, httpapi.ClientAddress)
			site.Register(m)
		}
	}
	hc := httpapi.Config{Service: svc, Cursors: sealer, Log: log, Web: register, Search: finder, StaffOrigins: cfg.StaffOrigins,
		PublicOrigin: origin, TrustForwarded: cfg.TrustForwarded, TrustedProxyHops: cfg.TrustedProxyHops, OriginSecret: cfg.OriginSecret}
	if cfg.Lambda {
		hc.MaxResponse = LambdaMaxResponse
	}
	var con Console
	if wire.staff != nil {
		if con, err = wire.staff(cfg, svc, &hc, log); err != nil {
			return nil, err
		}
	}
	if cache != nil {
		hc.PublicCache = cache.Wrap
	}
	h := wire.handler(hc)
	return &App{Config: cfg, Log: log, Store: store, Service: svc, Handler: h, Console: con, Cache: cache, Alerts: al}, nil
}

// reservedHosts returns ReservedHosts and the host of PublicOrigin.
func (c Config) reservedHosts() []string {
	out := append([]string(nil), c.ReservedHosts...)
	if u, err := url.Parse(c.PublicOrigin); err == nil && u.Hostname() != "" {
		out = append(out, u.Hostname())
	}
	return out
}

// checkHub refuses a WEBSUB_HUB that is not an absolute http(s) URL.
func checkHub(hub string) error {
	if hub == "" {
		return nil
	}
	u, err := url.Parse(hub)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.Fragment != "" {
		return fmt.Errorf("WEBSUB_HUB must be the absolute http(s) URL of a WebSub hub, not %q", hub)
	}
	return nil
}

// Option adjusts FromEnv.
type Option func(*Config)

// WithConsole is the Option of a process that serves the staff console
// (the admin function): FromEnv keeps the OIDC configuration and reads the
// client secret OIDC_CLIENT_SECRET_ARN names. Without it, FromEnv drops
// the OIDC configuration, so that a function that serves no console never
// asks for the client secret (its IAM policy does not allow it).
func WithConsole(c *Config) { c.serveConsole = true }

// WithOriginCheck is the Option of the process that serves the public
// routes behind the CDN (the public function): FromEnv keeps ORIGIN_SECRET
// and reads the secret ORIGIN_SECRET_ARN names. Without it, FromEnv drops
// both, so that no other function asks for a secret its IAM policy does
// not let it read.
func WithOriginCheck(c *Config) { c.checkOrigin = true }

// MailerFunc returns the Amazon SES mailer of email alerts, sending in
// the configuration set configSet (sesmail.New).
type MailerFunc func(ctx context.Context, configSet string) (alerts.Mailer, error)

// WithMailer returns the Option of a process that sends email alerts
// through Amazon SES (the notifier function; `serve` with SES_ENDPOINT):
// newAlerts calls fn on Lambda or with SES_ENDPOINT set. Without it, such
// a process keeps the visitors' routes and stores their confirmation
// emails in the outbox, but sends nothing itself — so that the public
// function does not link the SES client.
func WithMailer(fn MailerFunc) Option { return func(c *Config) { c.newMailer = fn } }

// PublicFromEnv is FromEnv for the public function (NewPublic, with
// WithOriginCheck): it serves no console, so it never reads the OIDC
// configuration.
func PublicFromEnv(ctx context.Context, opts ...Option) (*App, error) {
	return fromEnv(ctx, NewPublic, opts...)
}

// AuthorizerFromEnv wires, from the environment, an App whose Service
// authenticates staff keys and nothing else (the authorizer function): the
// store and the service, without the site, the handler or the staff side,
// so that the function, built with the tag publicfn, links no staff code
// and starts as fast as the public function.
func AuthorizerFromEnv(ctx context.Context, opts ...Option) (*App, error) {
	return fromEnv(ctx, NewAuthorizer, opts...)
}

// NewAuthorizer wires the App of the authorizer function: a Service on
// store, for Service.Authenticate; no handler.
func NewAuthorizer(cfg Config, store centre.Store, log *slog.Logger) (*App, error) {
	return &App{Config: cfg, Log: log, Store: store, Service: &centre.Service{Store: store, Log: log}}, nil
}

// fromEnv opens the store and wires an App with wire from the environment,
// logging JSON to stderr. It fails when a secret the environment names
// cannot be read (the error names the variable).
func fromEnv(ctx context.Context, wire func(Config, centre.Store, *slog.Logger) (*App, error), opts ...Option) (*App, error) {
	cfg := ConfigFromEnv()
	for _, o := range opts {
		o(&cfg)
	}
	if !cfg.serveConsole {
		cfg.OIDC, cfg.OIDCClientSecretARN = OIDC{}, ""
	}
	if mb, err := strconv.Atoi(os.Getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")); err == nil && os.Getenv("GOMEMLIMIT") == "" {
		LimitMemory(int64(mb) << 20)
	}
	if !cfg.checkOrigin {
		cfg.OriginSecret, cfg.OriginSecretARN = "", ""
	}
	log := NewLogger(os.Stderr, cfg.LogLevel)
	if cfg.Stage != "" {
		log = log.With(slog.String("stage", cfg.Stage))
	}
	if cfg.needsSecretsManager() {
		// Once per process: a Lambda container reads each secret once.
		r, err := secrets.NewFromEnv(ctx)
		if err != nil {
			return nil, err
		}
		if err := ResolveSecrets(ctx, &cfg, r.Get); err != nil {
			return nil, err
		}
	}
	store, err := OpenStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a, err := wire(cfg, store, log)
	if err != nil {
		store.Close()
		return nil, err
	}
	if cfg.PublicOrigin == "" && !cfg.TrustForwarded {
		log.Warn("neither PUBLIC_ORIGIN nor TRUST_FORWARDED is set: pages, feeds and sitemaps under /sites/{site}/ carry root-relative links")
	}
	return a, nil
}

// cursorSecret returns the configured secret, or for the embedded store a
// random one kept in the data directory (created on first use).
func cursorSecret(cfg Config) ([]byte, error) {
	if cfg.CursorSecret != "" {
		return []byte(cfg.CursorSecret), nil
	}
	if cfg.Store != "" && cfg.Store != "bolt" {
		return nil, errors.New("CURSOR_SECRET is not set: it must hold at least 16 random bytes")
	}
	return localSecret(cfg, "cursor.key")
}

// previewSigner returns the signer of preview links: with the configured
// secret, or for the embedded store a random one kept in the data
// directory (preview.key). On another store without a secret it returns
// nil, and the service refuses preview links.
func previewSigner(cfg Config, log *slog.Logger) (*previewlink.Signer, error) {
	secret := []byte(cfg.PreviewSecret)
	if len(secret) == 0 {
		if cfg.Store != "" && cfg.Store != "bolt" {
			log.Warn("PREVIEW_SECRET is not set: preview links are off")
			return nil, nil
		}
		var err error
		if secret, err = localSecret(cfg, "preview.key"); err != nil {
			return nil, err
		}
	}
	s, err := previewlink.New(secret)
	if err != nil {
		return nil, fmt.Errorf("PREVIEW_SECRET: %w", err)
	}
	return s, nil
}

// localSecret returns the random secret kept in the data directory under
// name, made on first use.
func localSecret(cfg Config, name string) ([]byte, error) {
	dir := cfg.DataDir
	if dir == "" {
		dir = ".data"
	}
	path := filepath.Join(dir, name)
	if b, err := os.ReadFile(path); err == nil && len(b) >= 32 {
		return b, nil
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	secret := []byte(hex.EncodeToString(b[:]))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, secret, 0o600); err != nil {
		return nil, fmt.Errorf("save %s: %w", name, err)
	}
	return secret, nil
}

// Authorize resolves a bearer Authorization header value to its principal.
func (a *App) Authorize(ctx context.Context, authorization string) (centre.Principal, error) {
	scheme, secret, ok := strings.Cut(authorization, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return centre.Principal{}, centre.Errorf(centre.EUNAUTHORIZED, "send a staff key as 'Authorization: Bearer <key>'")
	}
	return a.Service.Authenticate(ctx, strings.TrimSpace(secret))
}

// PublishDue publishes the scheduled entries whose time has come.
func (a *App) PublishDue(ctx context.Context) (int, error) { return a.Service.PublishDue(ctx) }

// RunPublisher calls PublishDue every interval until ctx ends: the local
// stand-in for the scheduled publisher function. First it gives every site
// created before fronts were kept its front (centre.Service.RebuildFronts;
// on AWS the publisher function's FrontKeeper does).
func (a *App) RunPublisher(ctx context.Context, interval time.Duration) {
	if n, err := a.Service.RebuildFronts(ctx); err != nil && ctx.Err() == nil {
		a.Log.ErrorContext(ctx, "rebuild site fronts", slog.String("error", err.Error()))
	} else if n > 0 {
		a.Log.InfoContext(ctx, "rebuilt site fronts", slog.Int("count", n))
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := a.PublishDue(ctx); err != nil && ctx.Err() == nil {
			a.Log.ErrorContext(ctx, "publish due entries", slog.String("error", err.Error()))
		} else if n > 0 {
			a.Log.InfoContext(ctx, "published due entries", slog.Int("count", n))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Close releases the store.
func (a *App) Close() error { return a.Store.Close() }

// LimitMemory sets the Go runtime's soft memory limit to three quarters of
// a function's memory size (AWS_LAMBDA_FUNCTION_MEMORY_SIZE; GOMEMLIMIT,
// if set, wins), so that the collector works harder before the function
// reaches its size instead of letting the heap grow to twice what is live.
func LimitMemory(size int64) { debug.SetMemoryLimit(size / 4 * 3) }
