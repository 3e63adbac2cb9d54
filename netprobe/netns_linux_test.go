package netprobe

import (
	"context"
	"net/netip"
	"os/exec"
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
