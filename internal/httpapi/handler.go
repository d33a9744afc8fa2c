// Package httpapi is infocentre's one http.Handler: the public read API,
// the staff API, and (through Config.Web) the HTML site and feeds. Lambda
// serves it through the API Gateway adapter; `infocentre serve` serves it
// directly. Nothing here knows which host runs it.
package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/cursor"
)

// Config configures the handler.
type Config struct {
	Service *centre.Service
	Cursors *cursor.Sealer
	Log     *slog.Logger
	// Search answers GET /api/v1/sites/{site}/search; nil leaves the route out.
	Search Searcher
	// Web registers the public HTML routes (site pages, feeds) on mux.
	Web func(mux *http.ServeMux)
	// MaxBody limits staff request bodies (default 256 KiB).
	MaxBody int64
	// StaticArchive writes a site's public pages, feeds and API snapshots
	// as a gzipped tar (internal/static); nil disables the route.
	StaticArchive func(ctx context.Context, site string, w io.Writer) error
	// MaxImport limits the size of an export file posted or uploaded for
	// import (default 64 MiB).
	MaxImport int64
	// Transfers, if set, keeps exports in object storage (answered with a
	// 303 to a presigned URL) and takes imports uploaded there.
	Transfers Transfers
	// MaxResponse, if set, is the largest export answered in the response
	// body (on Lambda, whose responses carry at most 6 MB); a larger one
	// gets 413. 0 streams exports of any size.
	MaxResponse int64
	// ExportTimeout bounds one export (default 5 minutes).
	ExportTimeout time.Duration
	// IdempotencyTTL is how long Idempotency-Key records live (default 24h).
	IdempotencyTTL time.Duration
	// PublicMaxAge is the browser cache lifetime of public API responses
	// (default 60 s); shared caches keep them 5 times as long.
	PublicMaxAge time.Duration
	// StaffOrigins are the browser origins ("https://console.example.org")
	// allowed to call the staff API cross-origin. Empty (the default): no
	// staff response carries Access-Control-Allow-Origin, and preflights
	// are refused. The public read API stays open to every origin.
	StaffOrigins []string
}

// Handler serves the whole application.
type Handler struct {
	cfg    Config
	public *http.ServeMux
	admin  *http.ServeMux
	all    http.Handler
}

// New returns the handler for cfg.
func New(cfg Config) *Handler {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = 256 << 10
	}
	if cfg.MaxImport == 0 {
		cfg.MaxImport = 64 << 20
	}
	if cfg.ExportTimeout == 0 {
		cfg.ExportTimeout = 5 * time.Minute
	}
	if cfg.IdempotencyTTL == 0 {
		cfg.IdempotencyTTL = 24 * time.Hour
	}
	if cfg.PublicMaxAge == 0 {
		cfg.PublicMaxAge = time.Minute
	}
	h := &Handler{cfg: cfg, public: http.NewServeMux(), admin: http.NewServeMux()}
	h.routePublic(h.public)
	h.routeSearch(h.public)
	h.routeAdmin(h.admin)
	if cfg.Web != nil {
		cfg.Web(h.public)
	}
	all := http.NewServeMux()
	all.Handle("/api/v1/admin/", h.staffCORS(h.admin))
	all.Handle("/", h.public)
	h.all = h.wrap(all)
	return h
}

// ServeHTTP serves every route.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.all.ServeHTTP(w, r) }

// Public serves only the public routes (the "public" function).
func (h *Handler) Public() http.Handler { return h.wrap(h.public) }

// Admin serves only the staff routes (the "admin" function).
func (h *Handler) Admin() http.Handler { return h.wrap(h.staffCORS(h.admin)) }

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyLogger
	keyPrincipal
	keyWithheld
)

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(keyRequestID).(string)
	return id
}

func logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(keyLogger).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

// caller holds the authenticated principal of a request once known, so
// that the access log can name the key.
type caller struct{ p centre.Principal }

func principal(ctx context.Context) centre.Principal {
	if c, ok := ctx.Value(keyPrincipal).(*caller); ok {
		return c.p
	}
	return centre.Principal{}
}

// RequestIDHeader carries the request id in and out. Lambda hosts set it
// from the API Gateway request id.
const RequestIDHeader = "X-Request-Id"

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// wrap adds request ids, structured access logs, panic recovery and the
// baseline security headers.
func (h *Handler) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(RequestIDHeader)
		if id == "" || len(id) > 128 {
			id = newRequestID()
		}
		log := h.cfg.Log.With(slog.String("request_id", id))
		ctx := context.WithValue(context.WithValue(r.Context(), keyRequestID, id), keyLogger, log)
		ctx = context.WithValue(ctx, keyPrincipal, &caller{})
		r = r.WithContext(ctx)
		w.Header().Set(RequestIDHeader, id)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				log.ErrorContext(ctx, "panic", slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
				if rec.status == 0 {
					writeProblem(rec, r, http.StatusInternalServerError, centre.EINTERNAL, "internal error", nil)
				}
			}
			if rec.status == 0 {
				// A handler that wrote nothing answers 204, never an adapter's 504.
				rec.WriteHeader(http.StatusNoContent)
			}
			log.LogAttrs(ctx, slog.LevelInfo, "request",
				slog.String("method", r.Method), slog.String("path", centre.LogPath(r.URL.Path)),
				slog.Int("status", rec.status), slog.Int("bytes", rec.bytes),
				slog.Duration("duration", time.Since(start)),
				slog.String("key_id", principal(ctx).KeyID))
		}()
		next.ServeHTTP(rec, r)
	})
}
