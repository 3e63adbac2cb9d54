package netprobe

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		addr    string
		fam     Family
		why     string // "" = public; else a word the message must contain
		neverOK bool   // still rejected with allowPrivate
	}{
		{"9.9.9.9", IPv4, "", false},
		{"1.1.1.1", IPv4, "", false},
		{"2606:4700:4700::1111", IPv6, "", false},
		{"2a00:1450:4001::1", IPv6, "", false},
		{"0.0.0.0", IPv4, "unspecified", true},
		{"0.1.2.3", IPv4, "this network", true},
		{"10.1.2.3", IPv4, "private (RFC 1918) range 10.0.0.0/8", false},
		{"172.16.0.1", IPv4, "private (RFC 1918) range 172.16.0.0/12", false},
		{"172.31.255.255", IPv4, "RFC 1918", false},
		{"172.32.0.1", IPv4, "", false},
		{"192.168.1.1", IPv4, "private (RFC 1918) range 192.168.0.0/16", false},
		{"100.64.1.2", IPv4, "carrier-grade NAT range 100.64.0.0/10", false},
		{"100.127.255.254", IPv4, "carrier-grade NAT", false},
		{"100.128.0.1", IPv4, "", false},
		{"127.0.0.1", IPv4, "loopback", false},
		{"169.254.10.20", IPv4, "link-local", false},
		{"192.0.0.9", IPv4, "IETF protocol", false},
		{"192.0.2.55", IPv4, "documentation (TEST-NET-1)", false},
		{"198.51.100.7", IPv4, "documentation (TEST-NET-2)", false},
		{"203.0.113.9", IPv4, "documentation (TEST-NET-3)", false},
		{"192.88.99.1", IPv4, "6to4 relay", false},
		{"198.18.0.1", IPv4, "benchmarking", false},
		{"198.19.255.1", IPv4, "benchmarking", false},
		{"224.0.0.1", IPv4, "multicast", true},
		{"239.255.255.250", IPv4, "multicast", true},
		{"240.0.0.1", IPv4, "class E", true},
		{"255.255.255.255", IPv4, "broadcast", true},
		{"::", IPv6, "unspecified", true},
		{"::1", IPv6, "loopback", false},
		{"::ffff:9.9.9.9", IPv6, "IPv4-mapped", true},
		{"100::1", IPv6, "discard-only", false},
		{"2001:2::5", IPv6, "benchmarking", false},
		{"2001:db8::1", IPv6, "documentation range 2001:db8::/32", false},
		{"3fff::1", IPv6, "documentation", false},
		{"fd12:3456::1", IPv6, "unique local (ULA) range fc00::/7", false},
		{"fc00::1", IPv6, "ULA", false},
		{"fe80::1", IPv6, "link-local", false},
		{"fec0::1", IPv6, "site-local", false},
		{"ff02::1", IPv6, "multicast", true},
		{"4000::1", IPv6, "global unicast range 2000::/3", false},
		{"9.9.9.9", IPv6, "not an IPv6 address", true},
		{"2606:4700::1", IPv4, "not an IPv4 address", true},
		{"fe80::1%eth0", IPv6, "zone", true},
	}
	for _, tt := range tests {
		t.Run(tt.addr+"/"+tt.fam.String(), func(t *testing.T) {
			a := netip.MustParseAddr(tt.addr)
			err := Validate(a, tt.fam, false)
			if tt.why == "" {
				if err != nil {
					t.Fatalf("Validate(%s) = %v, want nil", a, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.why) || !errors.Is(err, ErrBadAddress) {
				t.Fatalf("Validate(%s) = %v, want an ErrBadAddress naming %q", a, err, tt.why)
			}
			if !strings.HasPrefix(err.Error(), a.String()) && !strings.Contains(err.Error(), a.String()) {
				t.Fatalf("the message %q does not name the address", err)
			}
			errPriv := Validate(a, tt.fam, true)
			if tt.neverOK && errPriv == nil {
				t.Fatalf("Validate(%s, allowPrivate) passed; it must never", a)
			}
			if !tt.neverOK {
				if errPriv != nil {
					t.Fatalf("Validate(%s, allowPrivate) = %v, want nil", a, errPriv)
				}
				if !strings.Contains(err.Error(), "allow_private = true") {
					t.Fatalf("the message %q does not say how to allow it", err)
				}
			}
		})
	}
	if err := Validate(netip.Addr{}, IPv4, true); err == nil {
		t.Fatal("the zero address passed")
	}
}
