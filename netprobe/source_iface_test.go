package netprobe

import (
	"net/netip"
	"strings"
	"testing"
)

func TestPickInterfaceAddr(t *testing.T) {
	ia := func(s string, flags uint32) ifaceAddr { return ifaceAddr{addr: netip.MustParseAddr(s), flags: flags} }
	tests := []struct {
		name   string
		addrs  []ifaceAddr
		fam    Family
		want   string
		errHas string
	}{
		{"skips temporary, deprecated, tentative, link-local", []ifaceAddr{
			ia("2001:4860:1::1", flagTemporary),
			ia("2001:4860:1::2", flagDeprecated),
			ia("2001:4860:1::3", flagTentative),
			ia("2001:4860:1::4", flagDADFailed),
			ia("fe80::1", flagPermanent),
			ia("2001:4860:1::9", 0),
		}, IPv6, "2001:4860:1::9", ""},
		{"public before ULA", []ifaceAddr{ia("fd00::1", flagPermanent), ia("2001:4860:1::9", 0)}, IPv6, "2001:4860:1::9", ""},
		{"hand-set before autoconfigured", []ifaceAddr{ia("2001:4860:1::2", 0), ia("2001:4860:1::9", flagPermanent)}, IPv6, "2001:4860:1::9", ""},
		{"lowest among equals, whatever the order", []ifaceAddr{ia("2001:4860:1::9", 0), ia("2001:4860:1::5", 0), ia("2001:4860:1::7", 0)}, IPv6, "2001:4860:1::5", ""},
		{"ULA when nothing else", []ifaceAddr{ia("fd00::1", 0), ia("fe80::1", 0)}, IPv6, "fd00::1", ""},
		{"primary v4 before secondary, public before private", []ifaceAddr{ia("10.0.0.1", 0), ia("9.9.9.8", flagSecondary), ia("9.9.9.9", 0)}, IPv4, "9.9.9.9", ""},
		{"v4 flag 0x01 means secondary, not temporary", []ifaceAddr{ia("9.9.9.8", flagSecondary)}, IPv4, "9.9.9.8", ""},
		{"nothing usable", []ifaceAddr{ia("fe80::1", 0), ia("2001:4860:1::1", flagTemporary)}, IPv6, "", "skipped: fe80::1 not global, 2001:4860:1::1 temporary"},
		{"no address of the family", []ifaceAddr{ia("9.9.9.9", 0)}, IPv6, "", "no IPv6 address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pickInterfaceAddr(tt.addrs, tt.fam)
			if tt.want != "" {
				if err != nil || got != netip.MustParseAddr(tt.want) {
					t.Fatalf("pick = %v, %v; want %s", got, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.errHas) {
				t.Fatalf("pick error = %v; want %q", err, tt.errHas)
			}
		})
	}
}
