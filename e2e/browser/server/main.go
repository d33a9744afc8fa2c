// Command server serves the public site on a temporary embedded store seeded
// with the demonstration fixtures, for the browser tests. It listens on a
// free loopback port, prints "URL http://127.0.0.1:PORT" on stdout and runs
// until it is interrupted or its standard input is closed.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"infocentre/internal/boltstore"
	"infocentre/internal/web"
	"infocentre/internal/web/fixture"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback)")
	flag.Parse()
	if err := run(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

func run(addr string) error {
	dir, err := os.MkdirTemp("", "infocentre-e2e-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	store, err := boltstore.Open(filepath.Join(dir, "e2e.db"))
	if err != nil {
		return err
	}
	defer store.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := fixture.Seed(ctx, store); err != nil {
		return err
	}
	site := web.New(store, web.Options{
		SiteForHost: func(_ context.Context, host string) (string, bool) { return fixture.Site, host == fixture.Host },
		Logger:      slog.New(slog.NewTextHandler(os.Stderr, nil)),
	})
	mux := http.NewServeMux()
	site.Register(mux)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	fmt.Printf("URL http://%s\n", ln.Addr())
	go func() {
		// The parent closes stdin (or dies) when it is done with us.
		_, _ = io.Copy(io.Discard, bufio.NewReader(os.Stdin))
		stop()
	}()
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}
