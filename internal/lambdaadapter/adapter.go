// Package lambdaadapter serves a standard http.Handler on AWS Lambda behind
// an API Gateway HTTP API (payload format 2.0), and turns a key check into a
// Lambda REQUEST authorizer with simple responses.
//
// Translation between events and net/http is done by
// github.com/awslabs/aws-lambda-go-api-proxy (httpadapter.NewV2). This
// package wraps it and corrects where it departs from what an http.Handler
// served by net/http sees:
//
//   - Request header values are passed through as API Gateway sent them. The
//     proxy splits every header outside a short list on commas, which breaks
//     values whose commas are not list separators (X-Signature: v1,abc) and
//     turns one header line into several.
//   - A handler that writes nothing answers 200 with an empty body, as with
//     net/http. The proxy answers 504 and returns an error instead.
//   - Response bodies are base64-encoded by media type (anything but text,
//     JSON, XML, JavaScript and forms, or any Content-Encoding), not only
//     when they happen not to be valid UTF-8.
//   - The path is the path the API was called with: the stage segment
//     (when the stage is not $default) and a configured base path are
//     stripped, and the decoded rawPath that HTTP APIs deliver is escaped
//     again, so a space, '%', '?' or '#' in a path segment reaches the
//     handler as part of the path instead of failing or being re-parsed.
//   - X-Forwarded-Host is the domain name API Gateway served the request
//     on (requestContext.domainName), never a value the client sent, so
//     that a handler trusting forwarded headers builds links from it.
//   - A malformed event (a body that is not valid base64) is answered 400.
//   - HEAD responses carry no body.
package lambdaadapter

import (
	"context"
	"encoding/base64"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
)

// Adapter serves an http.Handler for API Gateway HTTP API events.
type Adapter struct {
	proxy    *httpadapter.HandlerAdapterV2
	basePath string
	log      *slog.Logger
}

// Option configures an Adapter.
type Option func(*Adapter)

// WithBasePath strips p (for example the API mapping key of a custom domain,
// "/v1") from the start of every request path that has it as its first
// segments.
func WithBasePath(p string) Option {
	return func(a *Adapter) { a.basePath = "/" + strings.Trim(p, "/") }
}

// WithLogger sets the logger for malformed events (default slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(a *Adapter) { a.log = l }
}

// New returns an Adapter serving h.
func New(h http.Handler, opts ...Option) *Adapter {
	a := &Adapter{log: slog.Default()}
	for _, o := range opts {
		o(a)
	}
	if a.basePath == "/" {
		a.basePath = ""
	}
	a.proxy = httpadapter.NewV2(fixRequest(h))
	return a
}

type eventKey struct{}

// Handle serves one event. It is the function to pass to lambda.Start.
func (a *Adapter) Handle(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	p := ev.RawPath
	if p == "" {
		p = ev.RequestContext.HTTP.Path
	}
	if st := ev.RequestContext.Stage; st != "" && st != "$default" {
		p = trimSegments(p, "/"+st)
	}
	if a.basePath != "" {
		p = trimSegments(p, a.basePath)
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	ev.RawPath = (&url.URL{Path: p}).EscapedPath()
	ev.RequestContext.HTTP.Path = p

	if ev.IsBase64Encoded {
		if _, err := base64.StdEncoding.DecodeString(ev.Body); err != nil {
			a.log.WarnContext(ctx, "malformed event body", "request_id", ev.RequestContext.RequestID, "err", err)
			return textResponse(http.StatusBadRequest, "bad request: body is not valid base64"), nil
		}
	}

	resp, err := a.proxy.ProxyWithContext(context.WithValue(ctx, eventKey{}, &ev), ev)
	if err != nil {
		// Only a request the proxy cannot build gets here: fixRequest
		// always sets a status.
		a.log.WarnContext(ctx, "malformed event", "request_id", ev.RequestContext.RequestID, "err", err)
		return textResponse(http.StatusBadRequest, "bad request"), nil
	}

	if strings.EqualFold(ev.RequestContext.HTTP.Method, http.MethodHead) {
		resp.Body, resp.IsBase64Encoded = "", false
	}
	if !resp.IsBase64Encoded && resp.Body != "" && isBinary(resp.Headers) {
		resp.Body = base64.StdEncoding.EncodeToString([]byte(resp.Body))
		resp.IsBase64Encoded = true
	}
	return resp, nil
}

// fixRequest restores the request headers of the event and makes sure the
// response has a status, then calls h.
func fixRequest(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ev, ok := r.Context().Value(eventKey{}).(*events.APIGatewayV2HTTPRequest); ok {
			hdr := make(http.Header, len(ev.Headers)+1)
			for k, v := range ev.Headers {
				hdr.Set(k, v)
			}
			hdr.Del("Host") // net/http keeps it in r.Host only
			hdr.Del("X-Forwarded-Host")
			if d := ev.RequestContext.DomainName; d != "" {
				hdr.Set("X-Forwarded-Host", d)
			}
			if len(ev.Cookies) > 0 {
				hdr.Set("Cookie", strings.Join(ev.Cookies, "; "))
			}
			r.Header = hdr
		}
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		if !sw.wroteHeader {
			sw.WriteHeader(http.StatusOK)
		}
	})
}

// statusWriter gives the proxy's response writer net/http's status rules: the
// first status written counts, a Write without one means 200, and
// informational (1xx) statuses are not final.
type statusWriter struct {
	http.ResponseWriter
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(code int) {
	if w.wroteHeader || (code >= 100 && code < 200) {
		return
	}
	w.wroteHeader = true
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// trimSegments removes prefix from p if p is prefix or starts with prefix+"/".
func trimSegments(p, prefix string) string {
	if p == prefix {
		return "/"
	}
	if strings.HasPrefix(p, prefix+"/") {
		return p[len(prefix):]
	}
	return p
}

// isBinary reports whether a response with these headers must travel
// base64-encoded: it is compressed, or its media type is not text.
func isBinary(h map[string]string) bool {
	var ctype, cenc string
	for k, v := range h {
		switch {
		case strings.EqualFold(k, "Content-Type"):
			ctype = v
		case strings.EqualFold(k, "Content-Encoding"):
			cenc = v
		}
	}
	if cenc != "" && !strings.EqualFold(strings.TrimSpace(cenc), "identity") {
		return true
	}
	mt, _, err := mime.ParseMediaType(ctype)
	if err != nil {
		return true
	}
	return !isTextMediaType(mt)
}

func isTextMediaType(mt string) bool {
	if strings.HasPrefix(mt, "text/") || strings.HasSuffix(mt, "+json") || strings.HasSuffix(mt, "+xml") {
		return true
	}
	switch mt {
	case "application/json", "application/xml", "application/javascript",
		"application/ecmascript", "application/x-www-form-urlencoded", "application/x-ndjson":
		return true
	}
	return false
}

func textResponse(status int, body string) events.APIGatewayV2HTTPResponse {
	return events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers: map[string]string{
			"Content-Type":           "text/plain; charset=utf-8",
			"X-Content-Type-Options": "nosniff",
		},
		Body: body + "\n",
	}
}
