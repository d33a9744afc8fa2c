//go:build !lambda

package app

import (
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"time"
)

// ServeGCPercent is the garbage collector's target (GOGC) of a local
// server (`infocentre serve`) unless the environment sets GOGC or
// GOMEMLIMIT (TuneServeGC). A warm page is served from the render cache,
// and what a request allocates (net/http's request and header maps, a few
// hundred bytes of ours) is garbage at once, while the live heap is small
// (a few MB besides the cache): at the runtime's default of 100 the
// collector ran 20 times a second under wrk, took about a sixth of the CPU
// time per request, and each cycle stops every connection for a moment,
// which on a busy machine (the OS scheduling the stopping thread out) was
// seen to last up to 50 ms. At 400 it runs a quarter as often, and the heap
// may grow to five times what is live (with a full 64 MiB render cache,
// about 350 MB) before a cycle.
const ServeGCPercent = 400

// TuneServeGC sets the collector's target to ServeGCPercent unless the
// environment sets GOGC or GOMEMLIMIT (which then win). Lambda functions
// keep the runtime's default and their memory limit (LimitMemory).
func TuneServeGC() {
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetGCPercent(ServeGCPercent)
	}
}

// NewServer returns the HTTP server of a local run serving h, logging its
// errors to log at warn.
//
// The timeouts bound what a slow or idle client holds (a goroutine and its
// buffers), at the price of a deadline set on the connection per request
// (about 2% of a cached page's CPU time, measured under wrk): kept.
// Keep-alive stays on (net/http's default; a new connection per request
// would cost more than the page), and the write buffer stays net/http's
// 4 KiB: a cached page of up to about 3 KB compressed leaves with its
// headers in one write, a larger one in a few.
func NewServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}
