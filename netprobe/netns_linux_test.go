package netprobe

import (
	"context"
	"net/netip"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ddnsd/ddns/testsupport/netns"
)

func TestInterfaceSourceNetns(t *testing.T) {
	ns := netns.InFresh(t)
	if ns == nil {
		return
	}
	// A veth pair whose peer stays down: v0 has no carrier, so an address
	// added without nodad stays tentative for as long as the test runs.
	ns.AddVeth("v0", "v1")
	ns.LinkUp("v0")
	ns.AddAddr("v0", "2001:4860:1::5/64", "nodad")                       // stable global: the answer
	ns.AddAddr("v0", "2001:4860:1::3/64", "nodad", "preferred_lft", "0") // deprecated
	ns.AddAddr("v0", "2001:4860:1::2/64")                                // tentative
	ns.AddAddr("v0", "fe80::1/64", "nodad")                              // link-local
	ns.AddAddr("v0", "fd00::1/64", "nodad")                              // ULA
	ns.AddAddr("v0", "10.1.1.1/24")
	ns.AddAddr("v0", "11.22.33.44/24")

	src := NewInterfaceSource("v0")
	a, err := src.Detect(context.Background(), IPv6)
	if err != nil || a != netip.MustParseAddr("2001:4860:1::5") {
		out, _ := exec.Command("ip", "addr", "show", "v0").CombinedOutput()
		t.Fatalf("IPv6: %v, %v; want the stable global 2001:4860:1::5\n%s", a, err, out)
	}
	// Same answer every time.
	for range 3 {
		if b, _ := src.Detect(context.Background(), IPv6); b != a {
			t.Fatalf("the choice changed: %v then %v", a, b)
		}
	}
	if a, err := src.Detect(context.Background(), IPv4); err != nil || a != netip.MustParseAddr("11.22.33.44") {
		t.Fatalf("IPv4: %v, %v; want the public 11.22.33.44", a, err)
	}
	// Without the stable global, only the skipped ones and the ULA remain.
	ns.DelAddr("v0", "2001:4860:1::5/64")
	if a, err := src.Detect(context.Background(), IPv6); err != nil || a != netip.MustParseAddr("fd00::1") {
		t.Fatalf("without the global: %v, %v; want the ULA", a, err)
	}
	ns.DelAddr("v0", "fd00::1/64")
	_, err = src.Detect(context.Background(), IPv6)
	for _, want := range []string{"2001:4860:1::3 deprecated", "2001:4860:1::2 tentative", "fe80::1 not global"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("err = %v; want it to mention %q", err, want)
		}
	}
	if _, err := NewInterfaceSource("nosuch0").Detect(context.Background(), IPv4); err == nil || !strings.Contains(err.Error(), "v0") {
		t.Fatalf("unknown interface: %v; want a list of the real ones", err)
	}
}

func TestWatchAddressesNetns(t *testing.T) {
	ns := netns.InFresh(t)
	if ns == nil {
		return
	}
	ns.AddVeth("v0", "v1")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := WatchAddresses(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
		t.Fatal("an event before any change")
	default:
	}
	start := time.Now()
	ns.AddAddr("v0", "11.22.33.44/24")
	select {
	case _, ok := <-ch:
		if !ok {
			t.Fatal("the channel closed instead of reporting the change")
		}
		t.Logf("event %v after starting `ip addr add`", time.Since(start))
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s of adding an address")
	}
	ns.LinkUp("v0")
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s of a link change")
	}
	cancel()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("the channel was not closed after ctx was cancelled")
		}
	}
}

// TestInterfaceSelectorsNetns: each selector on a real interface with
// several IPv6 addresses, read from the kernel over netlink.
func TestInterfaceSelectorsNetns(t *testing.T) {
	ns := netns.InFresh(t)
	if ns == nil {
		return
	}
	ns.AddVeth("v0", "v1")
	ns.LinkUp("v0")
	// Added out of order: the index counts in order of preference, not in
	// the order the kernel lists them.
	ns.AddAddr("v0", "2001:4860:2::9/64", "nodad")
	ns.AddAddr("v0", "2001:4860:1::5/64", "nodad")
	ns.AddAddr("v0", "2001:4860:1::1/64", "nodad")
	ns.AddAddr("v0", "2001:4860:3::7/64", "nodad", "preferred_lft", "0") // deprecated: never counted
	ns.AddAddr("v0", "fd00::7/64", "nodad")
	ns.AddAddr("v0", "203.0.113.9/24")
	ns.AddAddr("v0", "9.9.9.9/24")
	re := regexp.MustCompile
	for _, tc := range []struct {
		name string
		fam  Family
		sel  InterfaceSelector
		want string
	}{
		{"no selector", IPv6, InterfaceSelector{}, "2001:4860:1::1"},
		{"index 1", IPv6, InterfaceSelector{Index: 1}, "2001:4860:1::5"},
		{"index 2", IPv6, InterfaceSelector{Index: 2}, "2001:4860:2::9"},
		{"index 3, the ULA", IPv6, InterfaceSelector{Index: 3}, "fd00::7"},
		{"match", IPv6, InterfaceSelector{Match: re(`::9$`)}, "2001:4860:2::9"},
		{"prefix", IPv6, InterfaceSelector{Prefix: netip.MustParsePrefix("2001:4860:2::/48")}, "2001:4860:2::9"},
		{"prefix then index", IPv6, InterfaceSelector{Prefix: netip.MustParsePrefix("2001:4860:1::/48"), Index: 1}, "2001:4860:1::5"},
		{"suffix on the current /64", IPv6, InterfaceSelector{Suffix: netip.MustParseAddr("::1234")}, "2001:4860:1::1234"},
		{"suffix on the /64 a prefix picks", IPv6, InterfaceSelector{Prefix: netip.MustParsePrefix("2001:4860:2::/48"), Suffix: netip.MustParseAddr("::a:b:c:d")}, "2001:4860:2:0:a:b:c:d"},
		{"v4 index", IPv4, InterfaceSelector{Index: 1}, "203.0.113.9"},
		{"v4 match", IPv4, InterfaceSelector{Match: re(`^203\.`)}, "203.0.113.9"},
		{"v4 prefix", IPv4, InterfaceSelector{Prefix: netip.MustParsePrefix("9.9.9.0/24")}, "9.9.9.9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := NewInterfaceSourceWith("v0", tc.sel).Detect(context.Background(), tc.fam)
			if err != nil || a != netip.MustParseAddr(tc.want) {
				out, _ := exec.Command("ip", "addr", "show", "v0").CombinedOutput()
				t.Fatalf("%v, %v; want %s\n%s", a, err, tc.want, out)
			}
		})
	}
	// The prefix changes (the router was given a new one): the suffix
	// follows it.
	for _, p := range []string{"2001:4860:2::9/64", "2001:4860:1::5/64", "2001:4860:1::1/64"} {
		ns.DelAddr("v0", p)
	}
	ns.AddAddr("v0", "2001:4860:8::5/64", "nodad")
	a, err := NewInterfaceSourceWith("v0", InterfaceSelector{Suffix: netip.MustParseAddr("::1234")}).Detect(context.Background(), IPv6)
	if err != nil || a != netip.MustParseAddr("2001:4860:8::1234") {
		t.Fatalf("after the prefix changed: %v, %v; want 2001:4860:8::1234", a, err)
	}
	_, err = NewInterfaceSourceWith("v0", InterfaceSelector{Index: 5}).Detect(context.Background(), IPv6)
	if err == nil || !strings.Contains(err.Error(), "interface v0 (index 5)") || !strings.Contains(err.Error(), "0 2001:4860:8::5, 1 fd00::7") {
		t.Fatalf("index past the end: %v; want the source and the addresses in index order", err)
	}
}
