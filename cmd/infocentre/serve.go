package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"infocentre/internal/alerts/sesmail"
	"infocentre/internal/app"
	"infocentre/internal/centre"
	"infocentre/internal/demo"
)

// storeFlags are the flags that choose a local store.
type storeFlags struct {
	data  string
	store string
	stack string
}

func (s *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.data, "data", envOr("INFOCENTRE_DATA", ".data"), "keep the embedded store's data in `dir` (env INFOCENTRE_DATA)")
	fs.StringVar(&s.store, "store", envOr("INFOCENTRE_STORE", "bolt"), "`store` to use: bolt (embedded) or dynamodb (env INFOCENTRE_STORE)")
	fs.StringVar(&s.stack, "stack", os.Getenv("INFOCENTRE_STACK"), "act on the DynamoDB table of the deployed `stack` (sam deploy), named by its outputs (env INFOCENTRE_STACK)")
}

func (s *storeFlags) config() app.Config {
	cfg := app.ConfigFromEnv()
	cfg.DataDir, cfg.Store = s.data, s.store
	return cfg
}

// oneShot is the configuration of a command that acts on the store and
// exits. Such a command hands out no cursors or preview links that outlive
// it, so on DynamoDB it needs no CURSOR_SECRET or PREVIEW_SECRET: random
// ones do.
//
// With --stack, the store is the DynamoDB table of that deployed stack.
func (s *storeFlags) oneShot(ctx context.Context) (app.Config, error) {
	cfg := s.config()
	if s.stack != "" {
		table, err := stackTable(ctx, s.stack)
		if err != nil {
			return cfg, err
		}
		cfg.Store, cfg.Table = "dynamodb", table
	}
	if cfg.Store == "dynamodb" {
		for _, secret := range []*string{&cfg.CursorSecret, &cfg.PreviewSecret} {
			if *secret == "" {
				b := make([]byte, 32)
				_, _ = rand.Read(b)
				*secret = hex.EncodeToString(b)
			}
		}
	}
	return cfg, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// localOrigin returns the origin of a listening address: http://host:port,
// with localhost for an unspecified address (0.0.0.0, ::).
func localOrigin(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// serverFile records the address of the server holding a data directory,
// so that other commands can point the operator at it.
const serverFile = "server.json"

// notifyInterval is how often `serve` delivers due notifications.
const notifyInterval = 2 * time.Second

func serveCmd(fs *flag.FlagSet) runFunc {
	var sf storeFlags
	sf.register(fs)
	addr := fs.String("addr", envOr("INFOCENTRE_ADDR", "127.0.0.1:8080"), "listen on `address` (env INFOCENTRE_ADDR)")
	noDemo := fs.Bool("no-demo", false, "do not seed the demo site into an empty store")
	every := fs.Duration("publish-interval", 10*time.Second, "release scheduled entries every `interval`")
	return func(ctx context.Context, _ []string, stdout, stderr io.Writer) error {
		return serve(ctx, sf, *addr, !*noDemo, *every, stdout, stderr)
	}
}

func serve(ctx context.Context, sf storeFlags, addr string, seed bool, every time.Duration, stdout, stderr io.Writer) error {
	app.TuneServeGC()
	cfg := sf.config()
	if sf.stack != "" {
		// Serve a deployed stack's table (it still needs CURSOR_SECRET).
		table, err := stackTable(ctx, sf.stack)
		if err != nil {
			return err
		}
		cfg.Store, cfg.Table = "dynamodb", table
	}
	log := app.NewLogger(stderr, cfg.LogLevel)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	defer ln.Close()
	url := "http://" + ln.Addr().String()
	if cfg.PublicOrigin == "" {
		// Absolute links name the address served, never a request's Host.
		cfg.PublicOrigin = localOrigin(ln.Addr())
	}
	store, err := openLocal(ctx, cfg, false)
	if err != nil {
		return err
	}
	app.WithMailer(sesmail.New)(&cfg) // SES_ENDPOINT: the notifier loop sends through SES
	a, err := app.New(cfg, store, log)
	if err != nil {
		store.Close()
		return err
	}
	defer a.Close()
	if err := firstStart(ctx, a, seed, stdout); err != nil {
		return err
	}
	if cfg.Store == "" || cfg.Store == "bolt" {
		info, _ := json.Marshal(map[string]string{"url": url})
		path := filepath.Join(cfg.DataDir, serverFile)
		if err := os.WriteFile(path, info, 0o600); err == nil {
			defer os.Remove(path)
		}
	}
	srv := app.NewServer(a.Handler, log)
	pubCtx, stopPub := context.WithCancel(ctx)
	defer stopPub()
	go a.RunPublisher(pubCtx, every)
	// The notifier delivers the outbox (alerts, webhooks, WebSub pings);
	// on shutdown it finishes the delivery under way before the store
	// closes.
	notified := make(chan struct{})
	go func() { defer close(notified); a.RunNotifier(pubCtx, notifyInterval) }()
	defer func() { stopPub(); <-notified }()
	fmt.Fprintf(stdout, "infocentre serving on %s (demo site: %s/sites/%s/)\n", url, url, demo.Slug)
	log.Info("serving", slog.String("url", url), slog.String("store", cfg.Store))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	log.Info("shutting down")
	return srv.Shutdown(shutdown)
}

// firstStart prepares an empty store: it issues the first owner key,
// printed once, invites the first owner to the console (the link printed
// once too; the email is INFOCENTRE_OWNER_EMAIL, default owner@localhost)
// and seeds the demo site.
func firstStart(ctx context.Context, a *app.App, seed bool, stdout io.Writer) error {
	sites, err := a.Store.ListSites(ctx)
	if err != nil {
		return err
	}
	owners, err := a.Store.ListKeys(ctx, centre.AllSites)
	if err != nil {
		return err
	}
	if len(sites) > 0 || len(owners) > 0 {
		return nil
	}
	_, secret, err := a.Service.Bootstrap(ctx, "first owner key")
	if err != nil {
		return fmt.Errorf("issue the first owner key: %w", err)
	}
	if seed {
		if err := demo.Seed(ctx, a.Service, time.Now()); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "owner key: %s\n", secret)
	fmt.Fprintln(stdout, "(shown once: keep it safe; `infocentre key create --role owner` issues another)")
	if a.Console != nil {
		_, token, err := a.Service.BootstrapPerson(ctx, ownerEmail(), "First owner")
		if err != nil {
			return fmt.Errorf("invite the first owner to the console: %w", err)
		}
		fmt.Fprintf(stdout, "console: %s\n", a.Console.InvitationURL(token))
		fmt.Fprintln(stdout, "(a one-time link, valid 72 h, to create the first owner's passkey; `infocentre person invite --role owner` makes another)")
	}
	return nil
}

// openLocal opens the store of cfg. When a running server holds the
// embedded store, the error names the server, and — for a command that
// can act through one (viaURL) — says to pass --url and --key; other
// commands act on the store only, and are told to stop the server first.
func openLocal(ctx context.Context, cfg app.Config, viaURL bool) (centre.Store, error) {
	store, err := app.OpenStore(ctx, cfg)
	if err == nil {
		return store, nil
	}
	if cfg.Store == "" || cfg.Store == "bolt" {
		if b, rerr := os.ReadFile(filepath.Join(cfg.DataDir, serverFile)); rerr == nil {
			var info struct{ URL string }
			if json.Unmarshal(b, &info) == nil && info.URL != "" {
				if viaURL {
					return nil, errors.Join(err, fmt.Errorf("a server at %s holds %s: pass --url %s and --key with a staff key (or set INFOCENTRE_URL and INFOCENTRE_KEY)", info.URL, cfg.DataDir, info.URL))
				}
				return nil, errors.Join(err, fmt.Errorf("a server at %s holds %s, and this command acts on the store itself: stop the server first", info.URL, cfg.DataDir))
			}
		}
	}
	return nil, err
}
