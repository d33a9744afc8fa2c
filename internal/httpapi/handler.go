// Package httpapi is infocentre's one http.Handler: the public read API,
// the staff API, and (through Config.Web) the HTML site and feeds. Lambda
// serves it through the API Gateway adapter; `infocentre serve` serves it
// directly. Nothing here knows which host runs it.
package httpapi

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/cursor"
	"infocentre/internal/ratelimit"
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
	// PublicCache, if set, wraps the public routes (read API, pages,
	// feeds): a cache of rendered responses (internal/rendercache). The
	// request id, access log and panic recovery stay outside it.
	PublicCache func(http.Handler) http.Handler
	// Console serves the staff console under /admin/ (internal/console);
	// nil leaves /admin/ to the public routes (a 404).
	Console http.Handler
	// MaxBody limits staff request bodies (default DefaultMaxBody, 256 KiB).
	MaxBody int64
	// StaticArchive writes a site's public pages, feeds and API snapshots
	// as a gzipped tar (internal/static); nil disables the route.
	// baseURL ("" or an http(s) URL of a host root) is where the copy will
	// be served (static.Options.BaseURL).
	StaticArchive func(ctx context.Context, site, baseURL string, w io.Writer) error
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
	// Limits bound staff traffic in this process (zero fields: defaults).
	Limits Limits
	// TrustedProxyHops is how many proxies in front of this handler append
	// to X-Forwarded-For and are trusted to: the client address is then
	// the one that many entries from the right. 0 (the default) ignores
	// X-Forwarded-For: the client address is the connection's (on Lambda,
	// API Gateway's requestContext.http.sourceIp).
	TrustedProxyHops int
	// PublicOrigin is where the deployment is served (scheme://host[:port],
	// canonical as web.ParseOrigin returns it): the origin of the absolute
	// links staff responses hand out (preview links). Empty: the origin the
	// request came to (with TrustForwarded, as a trusted proxy says).
	PublicOrigin   string
	TrustForwarded bool
	// StaffOrigins are the browser origins ("https://console.example.org")
	// allowed to call the staff API cross-origin. Empty (the default): no
	// staff response carries Access-Control-Allow-Origin, and preflights
	// are refused. The public read API stays open to every origin.
	StaffOrigins []string
	// InvitationURL returns the absolute console link of an invitation
	// token (console.Console.InvitationURL); nil, when the console is off,
	// refuses invitations over the API (409), since nobody could open them.
	InvitationURL func(token string) string
	// OriginSecret, when set, is the value of OriginSecretHeader that every
	// request to a public route must carry (the CDN adds it; see
	// originGuard); empty: public routes answer every request.
	OriginSecret string
}

// Limits bound staff requests per process (on Lambda: per container).
// Each is a token bucket; a refused request gets 429 with Retry-After.
type Limits struct {
	// AuthFailures failed authentications a client address may make at
	// once (default 10); it regains one every AuthFailureEvery (default
	// 6 s). Once it has none left, every staff request from that address
	// is refused until it regains one.
	AuthFailures     int
	AuthFailureEvery time.Duration
	// StaffPerSecond caps all staff requests together (default 50 a
	// second, StaffBurst 100 at once).
	StaffPerSecond float64
	StaffBurst     int
	// MaxClients bounds how many client addresses are tracked (default
	// 10,000; the least recently seen are forgotten first).
	MaxClients int
	// AuditFailures failed authentications are audited one by one at once
	// (default 100), then one a second (AuditFailureEvery); beyond that
	// they are counted, and the count is recorded with the next one.
	AuditFailures     int
	AuditFailureEvery time.Duration
}

func (l *Limits) defaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.AuthFailures, 10)
	def(&l.StaffBurst, 100)
	def(&l.MaxClients, 10_000)
	def(&l.AuditFailures, 100)
	if l.AuthFailureEvery <= 0 {
		l.AuthFailureEvery = 6 * time.Second
	}
	if l.StaffPerSecond <= 0 {
		l.StaffPerSecond = 50
	}
	if l.AuditFailureEvery <= 0 {
		l.AuditFailureEvery = time.Second
	}
}

// DefaultMaxBody is the default limit of a staff request body
// (Config.MaxBody).
const DefaultMaxBody = 256 << 10

// Handler serves the whole application.
type Handler struct {
	cfg    Config
	public *http.ServeMux
	pub    http.Handler // public, behind PublicCache if set, then the origin-secret check
	admin  *http.ServeMux
	all    func() http.Handler // every route (ServeHTTP)

	failures   *ratelimit.Limiter // failed authentications per client
	staff      *ratelimit.Limiter // all staff requests, one key
	auditFails *ratelimit.Limiter // audit events of failed authentications, one key
	unaudited  atomic.Int64       // failed authentications not audited one by one
}

// NewPublic returns the handler of the public routes alone (the "public"
// function, which serves Public): no staff route is registered, so that a
// binary that calls only NewPublic links none of their code. ServeHTTP and
// Admin answer 404 to every staff path.
func NewPublic(cfg Config) *Handler { return newHandler(cfg, nil) }

// New returns the handler for cfg: every route, the staff routes
// included.
func New(cfg Config) *Handler { return newHandler(cfg, (*Handler).routeAdmin) }

// newHandler returns the handler for cfg; routeAdmin, when not nil,
// registers the staff routes.
func newHandler(cfg Config, routeAdmin func(*Handler, *http.ServeMux)) *Handler {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = DefaultMaxBody
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
	cfg.Limits.defaults()
	l := cfg.Limits
	h := &Handler{cfg: cfg, public: http.NewServeMux(), admin: http.NewServeMux(),
		failures:   ratelimit.New(1/l.AuthFailureEvery.Seconds(), l.AuthFailures, l.MaxClients),
		staff:      ratelimit.New(l.StaffPerSecond, l.StaffBurst, 1),
		auditFails: ratelimit.New(1/l.AuditFailureEvery.Seconds(), l.AuditFailures, 1),
	}
	h.routePublic(h.public)
	if routeAdmin != nil {
		routeAdmin(h, h.admin)
	}
	if cfg.Web != nil {
		cfg.Web(h.public)
	}
	// The origin-secret check comes first: a cached response is no
	// answer to a request that did not come through the CDN.
	h.pub = h.public
	if cfg.PublicCache != nil {
		h.pub = cfg.PublicCache(h.public)
	}
	h.pub = originGuard(cfg.OriginSecret, h.pub)
	// Every route together is made on first use: the Lambda functions
	// serve Public or Admin and never build it.
	h.all = sync.OnceValue(func() http.Handler {
		all := http.NewServeMux()
		all.Handle("/api/v1/admin/", h.staffCORS(h.admin))
		if cfg.Console != nil {
			all.Handle("/admin/", cfg.Console)
		}
		all.Handle("/", h.pub)
		return h.wrap(all)
	})
	return h
}

// ServeHTTP serves every route.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.all().ServeHTTP(w, r) }

// Public serves only the public routes (the "public" function), behind
// the origin-secret check when Config.OriginSecret is set.
func (h *Handler) Public() http.Handler { return h.wrap(h.pub) }

// Admin serves only the staff routes and the console (the "admin"
// function).
func (h *Handler) Admin() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", h.staffCORS(h.admin))
	if h.cfg.Console != nil {
		mux.Handle("/admin/", h.cfg.Console)
	}
	return h.wrap(mux)
}

type ctxKey int

const (
	keyInfo ctxKey = iota
	keyWithheld
)

// reqInfo is what wrap knows of a request, in its context as one value:
// the server's request id, the client's address and request id, the
// principal once authenticated, and the request's logger, made on first
// use (a response from the render cache logs nothing below the access
// log's level, and so never makes one).
type reqInfo struct {
	id, client, clientID string
	caller               caller
	base                 *slog.Logger
	once                 sync.Once
	log                  *slog.Logger
}

func (ri *reqInfo) logger() *slog.Logger {
	ri.once.Do(func() {
		attrs := []any{slog.String("request_id", ri.id), slog.String("client", ri.client)}
		if ri.clientID != "" {
			attrs = append(attrs, slog.String("client_request_id", ri.clientID))
		}
		ri.log = ri.base.With(attrs...)
	})
	return ri.log
}

func info(ctx context.Context) *reqInfo {
	ri, _ := ctx.Value(keyInfo).(*reqInfo)
	return ri
}

// ClientAddress returns the address a request served through a Handler
// came from (the connection's, or with Config.TrustedProxyHops the
// X-Forwarded-For entry it names), or "" for a request that did not pass
// through one. The console uses it for its audit events and sign-in
// limits.
func ClientAddress(r *http.Request) string { return client(r.Context()) }

// client returns the address a request came from (see clientAddr).
func client(ctx context.Context) string {
	if ri := info(ctx); ri != nil {
		return ri.client
	}
	return ""
}

func clientRequestID(ctx context.Context) string {
	if ri := info(ctx); ri != nil {
		return ri.clientID
	}
	return ""
}

func requestID(ctx context.Context) string {
	if ri := info(ctx); ri != nil {
		return ri.id
	}
	return ""
}

func logger(ctx context.Context) *slog.Logger {
	if ri := info(ctx); ri != nil {
		return ri.logger()
	}
	return slog.Default()
}

// caller holds the authenticated principal of a request once known, so
// that the access log can name the key.
type caller struct{ p centre.Principal }

func principal(ctx context.Context) centre.Principal {
	if ri := info(ctx); ri != nil {
		return ri.caller.p
	}
	return centre.Principal{}
}

// RequestIDHeader carries the request id out. The server makes every
// request id; one a client sends is kept apart, sanitised (see
// sanitiseRequestID), as client_request_id in logs and audit events.
const RequestIDHeader = "X-Request-Id"

// sanitiseRequestID keeps the letters, digits and . _ : - of a client's
// request id, at most centre.MaxClientRequestID of them.
func sanitiseRequestID(s string) string {
	var b strings.Builder
	for i := 0; i < len(s) && b.Len() < centre.MaxClientRequestID; i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-' {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// clientAddr returns the address a request came from: the connection's
// (r.RemoteAddr without its port; on Lambda the adapter sets it to API
// Gateway's requestContext.http.sourceIp), or with hops trusted proxies
// the X-Forwarded-For entry that many from the right, when it is an IP
// address.
func clientAddr(r *http.Request, hops int) string {
	addr := r.RemoteAddr
	if host, _, err := net.SplitHostPort(addr); err == nil {
		addr = host
	}
	if hops > 0 {
		var xs []string
		for _, v := range r.Header.Values("X-Forwarded-For") {
			for _, x := range strings.Split(v, ",") {
				if len(xs) >= 64 { // bounded: a header of many commas
					break
				}
				xs = append(xs, strings.TrimSpace(x))
			}
		}
		if len(xs) >= hops {
			if ip, err := netip.ParseAddr(xs[len(xs)-hops]); err == nil {
				return ip.String()
			}
		}
	}
	return addr
}

// limitKey is the rate-limit key of a client address: an IPv6 address
// counts by its /64 (one host usually has a whole /64).
func limitKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil || ip.Is4() || ip.Is4In6() {
		return addr
	}
	p, _ := ip.Prefix(64)
	return p.String()
}

// newRequestID returns 96 random bits in hex. They tell requests apart in
// logs, problems, audit records and the export slot's owner, and are no
// secret: they come from math/rand/v2's generator (ChaCha8, seeded by the
// runtime), a few nanoseconds, not from crypto/rand, whose read costs
// 0.25 µs a request and 46 µs for the first in a process (the cold start
// of a function).
func newRequestID() string {
	var b [12]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
	binary.LittleEndian.PutUint32(b[8:], rand.Uint32())
	return hex.EncodeToString(b[:])
}

// nosniff is the one value of X-Content-Type-Options, shared by every
// response (net/http only reads it).
var nosniff = []string{"nosniff"}

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
// baseline security headers. What it keeps of a request is allocated in
// one piece (request): a hit of the render cache costs it one object, the
// request id's string and the request's copy with the new context.
func (h *Handler) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		access := h.cfg.Log.Enabled(r.Context(), slog.LevelInfo)
		var start time.Time
		if access {
			start = time.Now() // only the access log reads it: a clock read costs tens of ns
		}
		q := &request{Context: r.Context()}
		ri, rec := &q.info, &q.rec
		ri.id, ri.client, ri.base = newRequestID(), clientAddr(r, h.cfg.TrustedProxyHops), h.cfg.Log
		if v := r.Header[RequestIDHeader]; len(v) > 0 {
			ri.clientID = sanitiseRequestID(v[0])
		}
		var ctx context.Context = q
		r = r.WithContext(ctx)
		// Canonical names, set directly: no canonicalisation per request.
		hd := w.Header()
		q.idHeader[0] = ri.id
		hd[RequestIDHeader] = q.idHeader[:]
		hd["X-Content-Type-Options"] = nosniff
		rec.ResponseWriter = w
		defer func() {
			if v := recover(); v != nil {
				ri.logger().ErrorContext(ctx, "panic", slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
				if rec.status == 0 {
					writeProblem(rec, r, http.StatusInternalServerError, centre.EINTERNAL, "internal error", nil)
				}
			}
			if rec.status == 0 {
				// A handler that wrote nothing answers 204, never an adapter's 504.
				rec.WriteHeader(http.StatusNoContent)
			}
			if !access {
				return
			}
			ri.logger().LogAttrs(ctx, slog.LevelInfo, "request",
				slog.String("method", r.Method), slog.String("path", centre.LogPath(r.URL.Path)),
				slog.Int("status", rec.status), slog.Int("bytes", rec.bytes),
				slog.Duration("duration", time.Since(start)),
				slog.String("key_id", ri.caller.p.KeyID))
		}()
		next.ServeHTTP(rec, r)
	})
}

// request is what wrap keeps of one request, allocated at once: the
// request's context (the client's, with the reqInfo under keyInfo), the
// reqInfo, the writer that records the status, and the X-Request-Id
// header value.
type request struct {
	context.Context
	info     reqInfo
	rec      statusRecorder
	idHeader [1]string
}

// Value returns the request's reqInfo for keyInfo, else the value of the
// context the request came with. Done, Err and Deadline are that
// context's: cancellation propagates as through context.WithValue.
func (q *request) Value(key any) any {
	if k, ok := key.(ctxKey); ok && k == keyInfo {
		return &q.info
	}
	return q.Context.Value(key)
}
