package netprobe

import (
	"context"
	"net/netip"
	"strings"
	"testing"
)

// TestInterfaceSourceAnyNetns checks the name-less interface source the
// embedded default config uses: any interface that is up and not a loopback.
func TestInterfaceSourceAnyNetns(t *testing.T) {
	if !inFreshNetns(t) {
		return
	}
	src := NewInterfaceSource("")
	if !strings.Contains(src.Name(), "any") {
		t.Errorf("Name() = %q; want it to say any interface", src.Name())
	}
	ip(t, "link", "set", "lo", "up")
	if a, err := src.Detect(context.Background(), IPv4); err == nil {
		t.Fatalf("only loopback is up, yet it found %v", a)
	} else if !strings.Contains(err.Error(), "no interface is up") {
		t.Fatalf("err = %v; want it to say no interface is up", err)
	}

	ip(t, "link", "add", "v0", "type", "veth", "peer", "name", "v1")
	ip(t, "link", "add", "w0", "type", "veth", "peer", "name", "w1")
	ip(t, "addr", "add", "10.9.9.9/24", "dev", "v0")
	ip(t, "addr", "add", "11.22.33.44/24", "dev", "w0") // w0 stays down: not a candidate
	ip(t, "link", "set", "v0", "up")
	a, err := src.Detect(context.Background(), IPv4)
	if err != nil || a != netip.MustParseAddr("10.9.9.9") {
		t.Fatalf("IPv4 = %v, %v; want 10.9.9.9 from the only up interface", a, err)
	}
	// Once w0 is up, its public address wins over v0's private one.
	ip(t, "link", "set", "w0", "up")
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
