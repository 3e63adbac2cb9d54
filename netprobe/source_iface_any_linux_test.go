package netprobe

import (
	"context"
	"net/netip"
	"strings"
	"testing"

	"github.com/ddnsd/ddns/testsupport/netns"
)

// TestInterfaceSourceAnyNetns checks the name-less interface source the
// embedded default config uses: any interface that is up and not a loopback.
func TestInterfaceSourceAnyNetns(t *testing.T) {
	ns := netns.InFresh(t)
	if ns == nil {
		return
	}
	src := NewInterfaceSource("")
	if !strings.Contains(src.Name(), "any") {
		t.Errorf("Name() = %q; want it to say any interface", src.Name())
	}
	ns.LinkUp("lo")
	if a, err := src.Detect(context.Background(), IPv4); err == nil {
		t.Fatalf("only loopback is up, yet it found %v", a)
	} else if !strings.Contains(err.Error(), "no interface is up") {
		t.Fatalf("err = %v; want it to say no interface is up", err)
	}

	ns.AddVeth("v0", "v1")
	ns.AddVeth("w0", "w1")
	ns.AddAddr("v0", "10.9.9.9/24")
	ns.AddAddr("w0", "11.22.33.44/24") // w0 stays down: not a candidate
	ns.LinkUp("v0")
	a, err := src.Detect(context.Background(), IPv4)
	if err != nil || a != netip.MustParseAddr("10.9.9.9") {
		t.Fatalf("IPv4 = %v, %v; want 10.9.9.9 from the only up interface", a, err)
	}
	// Once w0 is up, its public address wins over v0's private one.
	ns.LinkUp("w0")
	if a, err := src.Detect(context.Background(), IPv4); err != nil || a != netip.MustParseAddr("11.22.33.44") {
		t.Fatalf("IPv4 = %v, %v; want the public 11.22.33.44 across interfaces", a, err)
	}
	// The portable listing (other systems) agrees.
	as, err := netInterfaceAddrs("")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := pickInterfaceAddr(as, IPv4); err != nil || got != netip.MustParseAddr("11.22.33.44") {
		t.Fatalf("portable listing: %v, %v", got, err)
	}
}
