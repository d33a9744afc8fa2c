package web

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Pages, feeds and sitemaps are cached by shared caches for every client
// (they vary only by Accept-Encoding), so the absolute URLs in them never
// come from what a client sent. They come from, in this order:
//
//  1. on a host that a site claims (Options.SiteForHost), that host, with
//     the scheme and port of Options.PublicOrigin;
//  2. Options.PublicOrigin;
//  3. with Options.TrustForwarded, X-Forwarded-Proto and X-Forwarded-Host,
//     which a trusted proxy in front sets itself;
//  4. otherwise none: absolute URLs become root-relative paths, and
//     robots.txt names no sitemap.
//
// The Host header only ever selects a site among the claimed hosts.

// ParseOrigin checks an origin such as https://info.example.org or
// http://127.0.0.1:8080 and returns it in canonical form (lowercase
// scheme and host, no trailing slash). "" is returned as is.
func ParseOrigin(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	u, err := url.Parse(strings.TrimSuffix(s, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" ||
		u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", errors.New("the public origin must be an http(s) URL of a host root, like https://info.example.org, not " + strconv.Quote(s))
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), nil
}

// origin is a parsed Options.PublicOrigin.
type origin struct {
	full   string // scheme://host[:port], or ""
	scheme string // "http", "https" or ""
	port   string // ":8080", or ""
}

func newOrigin(s string) origin {
	full, err := ParseOrigin(s)
	if err != nil || full == "" {
		return origin{}
	}
	u, _ := url.Parse(full)
	o := origin{full: full, scheme: u.Scheme}
	if p := u.Port(); p != "" {
		o.port = ":" + p
	}
	return o
}

// forwarded returns the first value of a forwarded header, if trusted.
func (s *Site) forwarded(r *http.Request, name string) string {
	if !s.opts.TrustForwarded {
		return ""
	}
	v, _, _ := strings.Cut(r.Header.Get(name), ",")
	return strings.TrimSpace(v)
}

// scheme returns the scheme the client used: https over TLS, or as a
// trusted proxy says.
func (s *Site) scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	if p := strings.ToLower(s.forwarded(r, "X-Forwarded-Proto")); p == "https" || p == "http" {
		return p
	}
	return "http"
}

// host returns the lowercase host name the client asked for, without its
// port: X-Forwarded-Host from a trusted proxy, else the Host header. It
// only selects a site by the hosts sites claim; it is never written into a
// response.
func (s *Site) host(r *http.Request) string {
	h := s.forwarded(r, "X-Forwarded-Host")
	if h == "" {
		h = r.Host
	}
	if name, _, err := net.SplitHostPort(h); err == nil {
		h = name
	}
	return strings.ToLower(strings.TrimSuffix(h, "."))
}

// originFor returns the origin of the absolute URLs of a response to r:
// claimed is the host name of the site served at "/" of this host ("" for
// the directory and /sites/{slug}/ pages). See the rules above.
func (s *Site) originFor(r *http.Request, claimed string) string {
	if claimed != "" {
		if s.origin.scheme != "" {
			return s.origin.scheme + "://" + claimed + s.origin.port
		}
		return s.scheme(r) + "://" + claimed
	}
	if s.origin.full != "" {
		return s.origin.full
	}
	if h := s.forwarded(r, "X-Forwarded-Host"); h != "" && validHost(h) {
		return s.scheme(r) + "://" + strings.ToLower(h)
	}
	return ""
}

// validHost reports whether h is a host name or address with an optional
// port, and nothing else (a trusted proxy's value still goes into links).
func validHost(h string) bool {
	u, err := url.Parse("http://" + h)
	return err == nil && u.Host == h && u.Hostname() != "" && u.Path == "" && u.User == nil && !strings.ContainsAny(h, "\"'<> ")
}
