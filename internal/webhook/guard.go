package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"infocentre/internal/centre"
)

// The SSRF guard: deliveries go only to public addresses. An endpoint's
// host is resolved when it is registered (every address it resolves to
// must be public), and the address actually dialled is checked again on
// every connection (the dialer's Control hook), so that a name that
// resolves to a public address at registration and to an internal one
// later (DNS rebinding) is refused at delivery time. Redirects are not
// followed and no proxy from the environment is used.

// refused lists the address ranges no delivery may reach, with the reason
// given. IPv4-mapped, IPv4-compatible, 6to4 and NAT64 addresses are
// checked by the IPv4 address they carry (embedded). Parsed on first use:
// most processes (the public function) never check an address.
var refused = sync.OnceValue(func() []struct {
	prefix netip.Prefix
	why    string
} {
	list := []struct{ cidr, why string }{
		{"0.0.0.0/8", "a \"this network\" address"},
		{"10.0.0.0/8", "a private address"},
		{"100.64.0.0/10", "a carrier-grade NAT address"},
		{"127.0.0.0/8", "a loopback address"},
		{"169.254.0.0/16", "a link-local address (cloud metadata lives there)"},
		{"172.16.0.0/12", "a private address"},
		{"192.0.0.0/24", "an IETF protocol assignment"},
		{"192.0.2.0/24", "a documentation address"},
		{"192.88.99.0/24", "a 6to4 relay address"},
		{"192.168.0.0/16", "a private address"},
		{"198.18.0.0/15", "a benchmarking address"},
		{"198.51.100.0/24", "a documentation address"},
		{"203.0.113.0/24", "a documentation address"},
		{"224.0.0.0/4", "a multicast address"},
		{"240.0.0.0/4", "a reserved address"},
		{"::/128", "the unspecified address"},
		{"::1/128", "a loopback address"},
		{"64:ff9b:1::/48", "a local NAT64 address"},
		{"100::/64", "a discard-only address"},
		{"2001::/32", "a Teredo address"},
		{"2001:db8::/32", "a documentation address"},
		{"fc00::/7", "a unique local address (cloud metadata lives there)"},
		{"fe80::/10", "a link-local address"},
		{"fec0::/10", "a site-local address"},
		{"ff00::/8", "a multicast address"},
	}
	out := make([]struct {
		prefix netip.Prefix
		why    string
	}, len(list))
	for i, l := range list {
		out[i].prefix, out[i].why = netip.MustParsePrefix(l.cidr), l.why
	}
	return out
})

// errRefused marks an address the guard refuses.
var errRefused = errors.New("refused address")

// CheckAddr returns an error wrapping errRefused if a delivery may not go
// to a: anything but a public unicast address, including the IPv4 address
// carried in an IPv4-mapped, IPv4-compatible, 6to4 or NAT64 address.
// allowLoopback (the test-only switch) lets loopback addresses through.
func CheckAddr(a netip.Addr, allowLoopback bool) error {
	a = a.WithZone("")
	if !a.IsValid() {
		return fmt.Errorf("%w: not an IP address", errRefused)
	}
	if allowLoopback && a.Unmap().IsLoopback() {
		return nil
	}
	if a.Is4In6() {
		if err := CheckAddr(a.Unmap(), false); err != nil {
			return fmt.Errorf("%w (IPv4-mapped %s)", err, a)
		}
		return nil
	}
	if a.Is6() {
		b := a.As16()
		var inner netip.Addr
		switch head := [12]byte(b[:12]); {
		case head == [12]byte{} && a != netip.IPv6Unspecified() && a != netip.IPv6Loopback():
			// ::/96, IPv4-compatible (deprecated)
			inner = netip.AddrFrom4([4]byte(b[12:16]))
		case head == [12]byte{0x00, 0x64, 0xff, 0x9b}: // 64:ff9b::/96, NAT64
			inner = netip.AddrFrom4([4]byte(b[12:16]))
		case b[0] == 0x20 && b[1] == 0x02: // 2002::/16, 6to4
			inner = netip.AddrFrom4([4]byte(b[2:6]))
		}
		if inner.IsValid() {
			if err := CheckAddr(inner, false); err != nil {
				return fmt.Errorf("%w (embedded in %s)", err, a)
			}
		}
	}
	for _, r := range refused() {
		if r.prefix.Contains(a) {
			return fmt.Errorf("%w: %s is %s", errRefused, a, r.why)
		}
	}
	if !a.IsGlobalUnicast() {
		return fmt.Errorf("%w: %s is not a public unicast address", errRefused, a)
	}
	return nil
}

// control is the dialer's Control hook: it checks the address actually
// dialled, after name resolution.
func (s *Sender) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot parse dialled address %q", errRefused, address)
	}
	return CheckAddr(ap.Addr(), s.AllowLoopback)
}

// CheckURL implements centre.WebhookSender: rawURL must be https (http
// only with AllowLoopback, for a loopback receiver) and its host must
// resolve, within 5 seconds, only to addresses CheckAddr accepts. Returns
// EINVALID naming "url".
func (s *Sender) CheckURL(ctx context.Context, rawURL string) error {
	bad := func(format string, args ...any) error {
		var p centre.Problems
		p.Add("url", format, args...)
		return p.Err()
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return bad("must be an absolute https URL")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && s.AllowLoopback:
	default:
		return bad("must use https")
	}
	host := u.Hostname()
	if a, err := netip.ParseAddr(host); err == nil {
		if err := CheckAddr(a, s.AllowLoopback); err != nil {
			return bad("leads to a refused address: %s", strings.TrimPrefix(err.Error(), errRefused.Error()+": "))
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := s.lookup(ctx, host)
	if err != nil || len(addrs) == 0 {
		return bad("the host %q does not resolve", host)
	}
	for _, a := range addrs {
		if err := CheckAddr(a, s.AllowLoopback); err != nil {
			return bad("the host %q resolves to a refused address: %s", host, strings.TrimPrefix(err.Error(), errRefused.Error()+": "))
		}
	}
	return nil
}

func (s *Sender) lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	if s.LookupHost != nil {
		return s.LookupHost(ctx, host)
	}
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}
