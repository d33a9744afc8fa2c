package lambdaadapter

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
)

// loadEvent reads an API Gateway HTTP API (payload 2.0) event from
// testdata/apigw at the repository root.
func loadEvent(t *testing.T, name string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "apigw", name))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return ev
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// serve runs ev through an Adapter for h and returns the response as API
// Gateway would receive it (marshalled to JSON and back).
func serve(t *testing.T, h http.Handler, ev events.APIGatewayV2HTTPRequest, opts ...Option) events.APIGatewayV2HTTPResponse {
	t.Helper()
	opts = append([]Option{WithLogger(quietLogger())}, opts...)
	resp, err := New(h, opts...).Handle(context.Background(), ev)
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	b, err := json.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	var out events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// capture returns a handler that records the request it gets (with its
// body read) and then calls respond, if not nil.
func capture(got **http.Request, body *[]byte, respond http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			panic(err)
		}
		*got, *body = r, b
		if respond != nil {
			respond(w, r)
		}
	})
}

func responseBody(t *testing.T, resp events.APIGatewayV2HTTPResponse) []byte {
	t.Helper()
	if !resp.IsBase64Encoded {
		return []byte(resp.Body)
	}
	b, err := base64.StdEncoding.DecodeString(resp.Body)
	if err != nil {
		t.Fatalf("response body is not base64: %v", err)
	}
	return b
}

func TestCookiesQueryAndHeaders(t *testing.T) {
	var r *http.Request
	var body []byte
	h := capture(&r, &body, func(w http.ResponseWriter, _ *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "lang", Value: "fr", Path: "/", HttpOnly: true})
		http.SetCookie(w, &http.Cookie{Name: "seen", Value: "1", Path: "/sites/"})
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Add("Vary", "Accept-Language")
		w.Header().Add("Vary", "Cookie")
		_, _ = io.WriteString(w, "<!doctype html><p>Écoles fermées</p>")
	})
	resp := serve(t, h, loadEvent(t, "get-cookies-query.json"))

	if r.Method != http.MethodGet || r.URL.Path != "/sites/flood-2026/entries" {
		t.Errorf("request = %s %s", r.Method, r.URL.Path)
	}
	if got, want := r.URL.Query()["tag"], []string{"health", "schools"}; !reflect.DeepEqual(got, want) {
		t.Errorf("tag = %q, want %q", got, want)
	}
	if r.Host != "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com" || r.Header.Get("Host") != "" {
		t.Errorf("Host = %q, header %q", r.Host, r.Header.Get("Host"))
	}
	if r.RemoteAddr != "198.51.100.23" {
		t.Errorf("RemoteAddr = %q", r.RemoteAddr)
	}
	cookies := map[string]string{}
	for _, c := range r.Cookies() {
		cookies[c.Name] = c.Value
	}
	want := map[string]string{"lang": "fr", "consent": "analytics=no,ads=no", "theme": "dark"}
	if !reflect.DeepEqual(cookies, want) {
		t.Errorf("cookies = %v, want %v", cookies, want)
	}
	for name, v := range map[string]string{
		"Accept-Language": "fr-BE,fr;q=0.9,en;q=0.8",
		"Accept-Encoding": "gzip, deflate, br",
	} {
		if got := r.Header.Values(name); len(got) != 1 || got[0] != v {
			t.Errorf("%s = %q, want [%q]", name, got, v)
		}
	}
	if len(body) != 0 {
		t.Errorf("body = %q", body)
	}

	if resp.StatusCode != 200 || resp.IsBase64Encoded {
		t.Errorf("status %d base64 %v", resp.StatusCode, resp.IsBase64Encoded)
	}
	if resp.Body != "<!doctype html><p>Écoles fermées</p>" {
		t.Errorf("body = %q", resp.Body)
	}
	wantCookies := []string{"lang=fr; Path=/; HttpOnly", "seen=1; Path=/sites/"}
	if !reflect.DeepEqual(resp.Cookies, wantCookies) {
		t.Errorf("cookies = %q, want %q", resp.Cookies, wantCookies)
	}
	if _, ok := resp.Headers["Set-Cookie"]; ok {
		t.Error("Set-Cookie must travel in cookies, not headers")
	}
	if resp.Headers["Vary"] != "Accept-Language,Cookie" {
		t.Errorf("Vary = %q", resp.Headers["Vary"])
	}
}

func TestCommaHeadersKeptWhole(t *testing.T) {
	ev := loadEvent(t, "get-comma-headers.json")
	want := map[string]string{
		"If-None-Match":   `"v3-9f86d081", W/"v2-2c26b46b"`,
		"X-Signature":     "t=1795716267,v1,5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd",
		"Accept-Language": "nl-BE,nl;q=0.9,fr;q=0.7,en;q=0.5",
	}

	// The proxy alone splits these values into several header lines.
	var bare *http.Request
	var body []byte
	_, _ = httpadapter.NewV2(capture(&bare, &body, nil)).ProxyWithContext(context.Background(), ev)
	if n := len(bare.Header.Values("X-Signature")); n != 3 {
		t.Fatalf("bare proxy gave %d X-Signature values; pitfall gone? then drop the fix", n)
	}

	var r *http.Request
	serve(t, capture(&r, &body, nil), ev)
	for name, v := range want {
		if got := r.Header.Values(name); len(got) != 1 || got[0] != v {
			t.Errorf("%s = %q, want [%q]", name, got, v)
		}
	}
}

func TestBase64RequestBody(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	var r *http.Request
	var body []byte
	resp := serve(t, capture(&r, &body, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(png)
	}), loadEvent(t, "post-base64-body.json"))

	if !bytes.Equal(body, png) {
		t.Errorf("request body = %q, want %q", body, png)
	}
	if r.ContentLength != int64(len(png)) || r.Header.Get("Content-Type") != "image/png" {
		t.Errorf("ContentLength %d, Content-Type %q", r.ContentLength, r.Header.Get("Content-Type"))
	}
	if r.Header.Get("Idempotency-Key") != "5d0a2c1e-7f0b-4c5e-9a63-1f2e3d4c5b6a" {
		t.Errorf("Idempotency-Key = %q", r.Header.Get("Idempotency-Key"))
	}
	if resp.StatusCode != http.StatusCreated || !resp.IsBase64Encoded {
		t.Fatalf("status %d base64 %v", resp.StatusCode, resp.IsBase64Encoded)
	}
	if got := responseBody(t, resp); !bytes.Equal(got, png) {
		t.Errorf("response body = %q", got)
	}
}

func TestBase64JSONRequestBody(t *testing.T) {
	var r *http.Request
	var body []byte
	resp := serve(t, capture(&r, &body, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(body)
	}), loadEvent(t, "post-json-base64.json"))
	want := `{"type":"statement","title":"Water supply restored — été"}`
	if string(body) != want {
		t.Errorf("request body = %q", body)
	}
	if resp.IsBase64Encoded || resp.Body != want {
		t.Errorf("response base64 %v body %q", resp.IsBase64Encoded, resp.Body)
	}
}

func TestResponseEncodingByMediaType(t *testing.T) {
	// Valid UTF-8 bytes that are not text: the proxy alone sends them as
	// text; they must travel base64-encoded like any binary body.
	zip := []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00")
	cases := []struct {
		name, ctype, cenc string
		body              []byte
		base64            bool
	}{
		{"zip", "application/zip", "", zip, true},
		{"gzip json", "application/json", "gzip", []byte("\x1f\x8b\x08\x00"), true},
		{"pdf ascii", "application/pdf", "", []byte("%PDF-1.7\n"), true},
		{"json", "application/json; charset=utf-8", "", []byte(`{"ok":true}`), false},
		{"problem json", "application/problem+json", "", []byte(`{"title":"x"}`), false},
		{"atom", "application/atom+xml", "", []byte(`<feed/>`), false},
		{"rss", "application/rss+xml; charset=utf-8", "", []byte(`<rss/>`), false},
		{"css", "text/css", "", []byte(`p{}`), false},
		{"svg", "image/svg+xml", "", []byte(`<svg/>`), false},
		{"sniffed text", "", "", []byte("plain words"), false},
		{"identity", "text/plain", "identity", []byte("plain words"), false},
		{"invalid utf-8 text", "text/plain", "", []byte{0xff, 0xfe, 'a'}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				if c.ctype != "" {
					w.Header().Set("Content-Type", c.ctype)
				}
				if c.cenc != "" {
					w.Header().Set("Content-Encoding", c.cenc)
				}
				_, _ = w.Write(c.body)
			})
			resp := serve(t, h, loadEvent(t, "get-healthz.json"))
			if resp.IsBase64Encoded != c.base64 {
				t.Errorf("base64 = %v, want %v", resp.IsBase64Encoded, c.base64)
			}
			if got := responseBody(t, resp); !bytes.Equal(got, c.body) {
				t.Errorf("body = %q, want %q", got, c.body)
			}
		})
	}
}

func TestDecodedPathEscaped(t *testing.T) {
	ev := loadEvent(t, "get-encoded-path.json")

	// The proxy alone cannot build a request from this path.
	bareResp, err := httpadapter.NewV2(http.NotFoundHandler()).ProxyWithContext(context.Background(), ev)
	if err == nil || bareResp.StatusCode != http.StatusGatewayTimeout {
		t.Fatalf("bare proxy: %d, %v; pitfall gone? then drop the fix", bareResp.StatusCode, err)
	}

	mux := http.NewServeMux()
	var tag, rest, rawQuery string
	mux.HandleFunc("GET /{site}/tags/{tag}/{rest}", func(w http.ResponseWriter, r *http.Request) {
		tag, rest, rawQuery = r.PathValue("tag"), r.PathValue("rest"), r.URL.RawQuery
		_, _ = io.WriteString(w, r.URL.Path)
	})
	resp := serve(t, mux, ev)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d body %q", resp.StatusCode, resp.Body)
	}
	if tag != "eau potable" || rest != "100% sûr?" || rawQuery != "lang=fr" {
		t.Errorf("tag %q rest %q query %q", tag, rest, rawQuery)
	}
	if resp.Body != "/flood-2026/tags/eau potable/100% sûr?" {
		t.Errorf("path = %q", resp.Body)
	}
}

func TestStageAndBasePathStripped(t *testing.T) {
	var r *http.Request
	var body []byte
	h := capture(&r, &body, nil)

	serve(t, h, loadEvent(t, "get-named-stage.json"))
	if r.URL.Path != "/api/v1/sites/flood-2026" {
		t.Errorf("named stage: path = %q", r.URL.Path)
	}

	ev := loadEvent(t, "get-named-stage.json")
	ev.RawPath, ev.RequestContext.HTTP.Path = "/prod", "/prod"
	serve(t, h, ev)
	if r.URL.Path != "/" {
		t.Errorf("stage root: path = %q", r.URL.Path)
	}

	// Only whole segments are stripped.
	ev = loadEvent(t, "get-named-stage.json")
	ev.RawPath = "/production/api/v1/sites"
	serve(t, h, ev)
	if r.URL.Path != "/production/api/v1/sites" {
		t.Errorf("segment prefix: path = %q", r.URL.Path)
	}

	// $default stage: nothing to strip, even when a segment looks alike.
	ev = loadEvent(t, "get-healthz.json")
	ev.RawPath = "/$default/healthz"
	serve(t, h, ev)
	if r.URL.Path != "/$default/healthz" {
		t.Errorf("$default: path = %q", r.URL.Path)
	}

	// A custom domain with an API mapping key.
	ev = loadEvent(t, "get-healthz.json")
	ev.RawPath, ev.RequestContext.DomainName = "/v1/healthz", "info.example.org"
	serve(t, h, ev, WithBasePath("v1/"))
	if r.URL.Path != "/healthz" || r.Host != "info.example.org" {
		t.Errorf("base path: %s %s", r.Host, r.URL.Path)
	}
}

func TestStatusRules(t *testing.T) {
	ev := loadEvent(t, "get-healthz.json")

	nothing := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	bare, err := httpadapter.NewV2(nothing).ProxyWithContext(context.Background(), ev)
	if err == nil || bare.StatusCode != http.StatusGatewayTimeout {
		t.Fatalf("bare proxy: %d, %v; pitfall gone? then drop the fix", bare.StatusCode, err)
	}

	cases := []struct {
		name   string
		h      http.HandlerFunc
		status int
		body   string
	}{
		{"writes nothing", func(http.ResponseWriter, *http.Request) {}, 200, ""},
		{"header only", func(w http.ResponseWriter, _ *http.Request) { w.Header().Set("Cache-Control", "no-store") }, 200, ""},
		{"204", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }, 204, ""},
		{"first status wins", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusAccepted)
			w.WriteHeader(http.StatusInternalServerError)
		}, 202, ""},
		{"write then status", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, "ok")
			w.WriteHeader(http.StatusTeapot)
		}, 200, "ok"},
		{"1xx is not final", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusEarlyHints)
			w.WriteHeader(http.StatusNotModified)
		}, 304, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := serve(t, c.h, ev)
			if resp.StatusCode != c.status || resp.Body != c.body {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, resp.Body, c.status, c.body)
			}
		})
	}
}

func TestHeadHasNoBody(t *testing.T) {
	ev := loadEvent(t, "get-healthz.json")
	ev.RequestContext.HTTP.Method = "HEAD"
	var r *http.Request
	var body []byte
	resp := serve(t, capture(&r, &body, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("ETag", `"abc"`)
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	}), ev)
	if r.Method != http.MethodHead {
		t.Errorf("method %s", r.Method)
	}
	if resp.StatusCode != 200 || resp.Body != "" || resp.Headers["Etag"] != `"abc"` {
		t.Errorf("got %d %q %v", resp.StatusCode, resp.Body, resp.Headers)
	}
}

func TestMalformedBodyIs400(t *testing.T) {
	ev := loadEvent(t, "post-json-base64.json")
	ev.Body = "not base64!"
	called := false
	resp := serve(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }), ev)
	if resp.StatusCode != http.StatusBadRequest || called {
		t.Errorf("status %d, handler called %v", resp.StatusCode, called)
	}
}

func TestRequestContextReachesHandler(t *testing.T) {
	type ctxKey struct{}
	ctx := context.WithValue(context.Background(), ctxKey{}, "lambda")
	var got any
	h := http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got = r.Context().Value(ctxKey{}) })
	if _, err := New(h).Handle(ctx, loadEvent(t, "get-healthz.json")); err != nil {
		t.Fatal(err)
	}
	if got != "lambda" {
		t.Errorf("context value = %v", got)
	}
}

// TestSourceIPIsRemoteAddr: the handler sees the client address API
// Gateway reports (requestContext.http.sourceIp) as r.RemoteAddr, with no
// port, which internal/httpapi logs, audits and rate-limits by.
func TestSourceIPIsRemoteAddr(t *testing.T) {
	var got *http.Request
	var body []byte
	ev := loadEvent(t, "get-healthz.json")
	serve(t, capture(&got, &body, nil), ev)
	if got == nil || got.RemoteAddr != ev.RequestContext.HTTP.SourceIP || got.RemoteAddr != "54.228.16.1" {
		t.Fatalf("RemoteAddr %q, want the event's sourceIp %q", got.RemoteAddr, ev.RequestContext.HTTP.SourceIP)
	}
}

// TestForwardedHostIsAPIGatewaysDomain: a client's X-Forwarded-Host never
// reaches the handler; the domain API Gateway served the request on does.
func TestForwardedHostIsAPIGatewaysDomain(t *testing.T) {
	ev := loadEvent(t, "get-healthz.json")
	ev.Headers["x-forwarded-host"] = "evil.example"
	ev.Headers["host"] = "evil.example"
	var r *http.Request
	var body []byte
	serve(t, capture(&r, &body, nil), ev)
	if got := r.Header.Values("X-Forwarded-Host"); len(got) != 1 || got[0] != ev.RequestContext.DomainName {
		t.Errorf("X-Forwarded-Host = %q, want [%q]", got, ev.RequestContext.DomainName)
	}
	if r.Host != ev.RequestContext.DomainName {
		t.Errorf("Host = %q, want %q", r.Host, ev.RequestContext.DomainName)
	}
}
