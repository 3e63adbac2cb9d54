package providers

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ddnsd/ddns/providers/providertest/dnsserver"
)

// testZoneRecords are the zone lines the RFC 2136 tests read: two A
// records at one name, a CNAME, and a name whose 60 A records do not fit
// in a 512-byte UDP reply, so reading them needs the TCP fallback.
func testZoneRecords() string {
	var b strings.Builder
	b.WriteString("multi   IN A   192.0.2.101\nmulti   IN A   192.0.2.102\nalias   IN CNAME ns.example.test.\n")
	for i := range 60 {
		fmt.Fprintf(&b, "many    IN A   198.51.100.%d\n", i+1)
	}
	return b.String()
}

// startServer starts a real server of kind through the shared harness
// with testZoneRecords in its zone.
func startServer(t *testing.T, kind dnsserver.Kind) *dnsserver.Server {
	t.Helper()
	return dnsserver.Start(t, kind, dnsserver.Options{Records: testZoneRecords()})
}

// startBIND is startServer for BIND 9.
func startBIND(t *testing.T) *dnsserver.Server { return startServer(t, dnsserver.BIND) }
