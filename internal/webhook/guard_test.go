package webhook

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"strings"
	"testing"

	"infocentre/internal/centre"
)

// TestCheckAddr: every kind of non-public address is refused, in its
// plain form and in the IPv6 forms that carry an IPv4 address; public
// addresses pass; the test-only switch lets loopback (only) through.
func TestCheckAddr(t *testing.T) {
	cases := []struct {
		addr     string
		ok       bool
		loopback bool // the result with AllowLoopback, if it differs
	}{
		{"93.184.216.34", true, true},
		{"8.8.8.8", true, true},
		{"2606:4700:4700::1111", true, true},
		{"2a00:1450:4001:80b::200e", true, true},

		{"127.0.0.1", false, true},
		{"127.9.9.9", false, true},
		{"::1", false, true},
		{"::ffff:127.0.0.1", false, true},
		{"0.0.0.0", false, false},
		{"::", false, false},
		{"10.1.2.3", false, false},
		{"172.16.0.1", false, false},
		{"172.31.255.255", false, false},
		{"192.168.1.1", false, false},
		{"100.64.0.1", false, false}, // CGNAT
		{"100.127.255.254", false, false},
		{"169.254.169.254", false, false}, // cloud metadata (IPv4)
		{"169.254.0.1", false, false},
		{"fd00:ec2::254", false, false}, // cloud metadata (IPv6)
		{"fc00::1", false, false},       // ULA
		{"fe80::1", false, false},       // link-local
		{"fe80::1%eth0", false, false},
		{"224.0.0.1", false, false}, // multicast
		{"239.255.255.250", false, false},
		{"ff02::1", false, false},
		{"255.255.255.255", false, false},
		{"240.0.0.1", false, false},
		{"192.0.2.1", false, false},
		{"198.18.0.1", false, false},
		{"::ffff:10.0.0.1", false, false},                      // IPv4-mapped private
		{"::ffff:169.254.169.254", false, false},               // IPv4-mapped metadata
		{"::ffff:8.8.8.8", true, true},                         // IPv4-mapped public
		{"::10.0.0.1", false, false},                           // IPv4-compatible private
		{"2002:a00:1::1", false, false},                        // 6to4 of 10.0.0.1
		{"2002:a9fe:a9fe::1", false, false},                    // 6to4 of 169.254.169.254
		{"2002:7f00:1::1", false, false},                       // 6to4 of 127.0.0.1
		{"2002:808:808::1", true, true},                        // 6to4 of 8.8.8.8
		{"64:ff9b::a9fe:a9fe", false, false},                   // NAT64 of 169.254.169.254
		{"64:ff9b::7f00:1", false, false},                      // NAT64 of 127.0.0.1
		{"64:ff9b::808:808", true, true},                       // NAT64 of 8.8.8.8
		{"64:ff9c::a9fe:a9fe", true, true},                     // not NAT64: nothing embedded
		{"2003:a9fe:a9fe::1", true, true},                      // not 6to4: nothing embedded
		{"::1:a9fe:a9fe", true, true},                          // not IPv4-compatible: nothing embedded
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", false, false}, // Teredo
		{"2001:db8::1", false, false},
	}
	for _, c := range cases {
		a, err := netip.ParseAddr(c.addr)
		if err != nil {
			t.Fatalf("%s: %v", c.addr, err)
		}
		for _, loop := range []bool{false, true} {
			want := c.ok
			if loop {
				want = c.loopback
			}
			err := CheckAddr(a, loop)
			if (err == nil) != want {
				t.Errorf("CheckAddr(%s, allowLoopback=%v) = %v; want allowed=%v", c.addr, loop, err, want)
			}
			if err != nil && !errors.Is(err, errRefused) {
				t.Errorf("CheckAddr(%s): %v does not wrap errRefused", c.addr, err)
			}
		}
	}
}

// TestCheckURL: registration refuses what is not https, and a host any of
// whose addresses is not public (the resolver is a table here).
func TestCheckURL(t *testing.T) {
	dns := map[string][]string{
		"hooks.example.org":    {"93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"},
		"internal.example.org": {"10.0.0.7"},
		"mixed.example.org":    {"93.184.216.34", "192.168.0.10"},
		"meta.example.org":     {"169.254.169.254"},
		"mapped.example.org":   {"::ffff:127.0.0.1"},
	}
	s := &Sender{LookupHost: func(_ context.Context, host string) ([]netip.Addr, error) {
		var out []netip.Addr
		for _, a := range dns[host] {
			out = append(out, netip.MustParseAddr(a))
		}
		if len(out) == 0 {
			return nil, errors.New("no such host")
		}
		return out, nil
	}}
	ctx := t.Context()
	for _, ok := range []string{"https://hooks.example.org/infocentre", "https://hooks.example.org:8443/x?token=1", "https://93.184.216.34/hook"} {
		if err := s.CheckURL(ctx, ok); err != nil {
			t.Errorf("CheckURL(%s): %v", ok, err)
		}
	}
	for u, reason := range map[string]string{
		"http://hooks.example.org/x":                "https",
		"ftp://hooks.example.org/x":                 "https",
		"https://internal.example.org/x":            "private",
		"https://mixed.example.org/x":               "private",
		"https://meta.example.org/latest/meta-data": "link-local",
		"https://mapped.example.org/x":              "loopback",
		"https://nowhere.example.org/x":             "does not resolve",
		"https://127.0.0.1/x":                       "loopback",
		"https://[::1]/x":                           "loopback",
		"https://169.254.169.254/latest/meta-data":  "link-local",
		"https://[fd00:ec2::254]/latest/meta-data":  "unique local",
		"https://[::ffff:169.254.169.254]/x":        "link-local",
		"https://[2002:a9fe:a9fe::1]/x":             "link-local",
		"https://100.100.100.200/latest/meta-data":  "carrier-grade NAT",
		"https://0.0.0.0/x":                         "this network",
	} {
		err := s.CheckURL(ctx, u)
		if !centre.IsCode(err, centre.EINVALID) || !strings.Contains(err.Error(), reason) || !strings.Contains(err.Error(), "url: ") {
			t.Errorf("CheckURL(%s) = %v; want EINVALID on url mentioning %q", u, err, reason)
		}
	}
	// The test-only switch allows http and loopback, nothing else.
	loop := &Sender{AllowLoopback: true, LookupHost: s.LookupHost}
	if err := loop.CheckURL(ctx, "http://127.0.0.1:8080/hook"); err != nil {
		t.Errorf("with AllowLoopback, a loopback receiver: %v", err)
	}
	for _, u := range []string{"http://10.0.0.1/x", "https://internal.example.org/x", "https://169.254.169.254/x"} {
		if err := loop.CheckURL(ctx, u); !centre.IsCode(err, centre.EINVALID) {
			t.Errorf("with AllowLoopback, CheckURL(%s) = %v; want EINVALID", u, err)
		}
	}
}

// TestTemplateNeverAllowsLoopback: the test-only switch is not in the
// deployment template.
func TestTemplateNeverAllowsLoopback(t *testing.T) {
	b, err := os.ReadFile("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "WEBHOOK_ALLOW_LOOPBACK") {
		t.Fatal("template.yaml names WEBHOOK_ALLOW_LOOPBACK, the test-only switch of webhook deliveries")
	}
}
