package netprobe

import (
	"net/netip"
	"regexp"
	"strings"
	"testing"
)

func TestWithInterfaceID(t *testing.T) {
	for _, tc := range []struct {
		prefix string
		bits   int
		id     string
		want   string // "" = refused
	}{
		{"2001:db8:1:2::5", 64, "::1234", "2001:db8:1:2::1234"},
		{"2001:db8:1:2:aaaa:bbbb:cccc:dddd", 64, "::a:b:c:d", "2001:db8:1:2:a:b:c:d"},
		{"2001:db8:1:2ff::5", 56, "::ff:0:0:0:1", "2001:db8:1:2ff::1"}, // the /56's last byte is the id's
		{"2001:db8:1:2ff::5", 60, "::f:0:0:0:1", "2001:db8:1:2ff::1"},  // a nibble boundary
		{"2001:db8:1:2ff::5", 60, "::1f:0:0:0:1", ""},                  // 0x10 is inside the /60
		{"2001:db8:1:2::5", 64, "::1:0:0:0:1", ""},                     // bit 63 belongs to the prefix
		{"2001:db8:1:2::5", 127, "::1", "2001:db8:1:2::5"},             // the last bit
		{"2001:db8:1:2::5", 128, "::", ""},                             // nothing left for an id
		{"2001:db8:1:2::5", 0, "::1", ""},
		{"203.0.113.5", 24, "::1", ""},
		{"::ffff:203.0.113.5", 96, "::1", ""},
	} {
		got, ok := WithInterfaceID(netip.MustParseAddr(tc.prefix), tc.bits, netip.MustParseAddr(tc.id))
		switch {
		case tc.want == "" && ok:
			t.Errorf("WithInterfaceID(%s/%d, %s) = %s, want it refused", tc.prefix, tc.bits, tc.id, got)
		case tc.want != "" && (!ok || got != netip.MustParseAddr(tc.want)):
			t.Errorf("WithInterfaceID(%s/%d, %s) = %s, %v; want %s", tc.prefix, tc.bits, tc.id, got, ok, tc.want)
		}
	}
}

func TestSelectInterfaceAddr(t *testing.T) {
	ia := func(s string, flags uint32) ifaceAddr { return ifaceAddr{addr: netip.MustParseAddr(s), flags: flags} }
	// Listed in no particular order: the index counts in order of
	// preference, which the listing order must not change.
	v6 := []ifaceAddr{
		ia("2001:4860:2::9", 0),
		ia("fd00::7", flagPermanent),
		ia("2001:4860:1::5", 0),
		ia("2001:4860:1::1", flagPermanent),
		ia("2001:4860:3::1", flagTemporary),
		ia("fe80::1", flagPermanent),
	}
	v4 := []ifaceAddr{ia("10.0.0.1", 0), ia("9.9.9.8", flagSecondary), ia("9.9.9.9", 0), ia("8.8.4.4", 0)}
	re := regexp.MustCompile
	for _, tc := range []struct {
		name   string
		addrs  []ifaceAddr
		fam    Family
		sel    InterfaceSelector
		want   string
		errHas string
	}{
		{"index 0 is the default choice", v6, IPv6, InterfaceSelector{}, "2001:4860:1::1", ""},
		{"index 1", v6, IPv6, InterfaceSelector{Index: 1}, "2001:4860:1::5", ""},
		{"index 2", v6, IPv6, InterfaceSelector{Index: 2}, "2001:4860:2::9", ""},
		{"index 3 is the ULA, after every public one", v6, IPv6, InterfaceSelector{Index: 3}, "fd00::7", ""},
		{"index past the end lists the order", v6, IPv6, InterfaceSelector{Index: 4}, "", "but 4 fit, in this order: 0 2001:4860:1::1, 1 2001:4860:1::5, 2 2001:4860:2::9, 3 fd00::7"},
		{"prefix", v6, IPv6, InterfaceSelector{Prefix: netip.MustParsePrefix("2001:4860:2::/48")}, "2001:4860:2::9", ""},
		{"prefix and index", v6, IPv6, InterfaceSelector{Prefix: netip.MustParsePrefix("2001:4860::/32"), Index: 1}, "2001:4860:1::5", ""},
		{"prefix fitting none", v6, IPv6, InterfaceSelector{Prefix: netip.MustParsePrefix("2001:db8::/32")}, "", "none of the interface's usable IPv6 addresses (2001:4860:1::1, 2001:4860:1::5, 2001:4860:2::9, fd00::7) fits prefix 2001:db8::/32"},
		{"prefix cannot bring back a temporary address", v6, IPv6, InterfaceSelector{Prefix: netip.MustParsePrefix("2001:4860:3::/48")}, "", "fits prefix"},
		{"match on the text", v6, IPv6, InterfaceSelector{Match: re(`::5$`)}, "2001:4860:1::5", ""},
		{"match then index", v6, IPv6, InterfaceSelector{Match: re(`^2001:4860:[12]:`), Index: 2}, "2001:4860:2::9", ""},
		{"match the ULA", v6, IPv6, InterfaceSelector{Match: re(`^fd`)}, "fd00::7", ""},
		{"suffix on the preferred /64", v6, IPv6, InterfaceSelector{Suffix: netip.MustParseAddr("::1234")}, "2001:4860:1::1234", ""},
		{"suffix on the prefix chosen", v6, IPv6, InterfaceSelector{Prefix: netip.MustParsePrefix("2001:4860:2::/48"), Suffix: netip.MustParseAddr("::1234")}, "2001:4860:2::1234", ""},
		{"suffix takes a temporary address's prefix", v6, IPv6, InterfaceSelector{Prefix: netip.MustParsePrefix("2001:4860:3::/48"), Suffix: netip.MustParseAddr("::1234")}, "2001:4860:3::1234", ""},
		{"suffix on a /56", []ifaceAddr{ia("2001:4860:1:2ff::5", 0)}, IPv6, InterfaceSelector{Suffix: netip.MustParseAddr("::ab:0:0:0:1"), PrefixLength: 56}, "2001:4860:1:2ab::1", ""},
		{"suffix with bits in the prefix", v6, IPv6, InterfaceSelector{Suffix: netip.MustParseAddr("1::1")}, "", "suffix 1::1 cannot go on 2001:4860:1::1/64"},
		{"v4 index in order of preference", v4, IPv4, InterfaceSelector{Index: 1}, "9.9.9.9", ""},
		{"v4 secondary after primary", v4, IPv4, InterfaceSelector{Index: 2}, "9.9.9.8", ""},
		{"v4 private last", v4, IPv4, InterfaceSelector{Index: 3}, "10.0.0.1", ""},
		{"v4 prefix", v4, IPv4, InterfaceSelector{Prefix: netip.MustParsePrefix("9.9.9.0/24")}, "9.9.9.9", ""},
		{"v4 match", v4, IPv4, InterfaceSelector{Match: re(`^10\.`)}, "10.0.0.1", ""},
		{"nothing usable at all", []ifaceAddr{ia("fe80::1", 0)}, IPv6, InterfaceSelector{Index: 1}, "", "no usable IPv6 address (skipped: fe80::1 not global)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := selectInterfaceAddr(tc.addrs, tc.fam, tc.sel)
			if tc.want != "" {
				if err != nil || got != netip.MustParseAddr(tc.want) {
					t.Fatalf("select = %v, %v; want %s", got, err, tc.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Fatalf("select = %v, %v; want an error with %q", got, err, tc.errHas)
			}
		})
	}
}

func TestInterfaceSourceNameShowsSelector(t *testing.T) {
	s := NewInterfaceSourceWith("eth0", InterfaceSelector{Prefix: netip.MustParsePrefix("2001:db8::/32"), Index: 1, Suffix: netip.MustParseAddr("::1")})
	if got, want := s.Name(), "interface eth0 (prefix 2001:db8::/32, index 1, suffix ::1 on the /64)"; got != want {
		t.Errorf("Name() = %q, want %q", got, want)
	}
	if got := NewInterfaceSource("eth0").Name(); got != "interface eth0" {
		t.Errorf("Name() without a selector = %q", got)
	}
}
