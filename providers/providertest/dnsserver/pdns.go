package dnsserver

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// pdnsSchema is the gsqlite3 backend's schema as Debian installs it.
const pdnsSchema = "/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql"

// pdnsAllowed is the zone's ALLOW-DNSUPDATE-FROM while it is not frozen.
const pdnsAllowed = "127.0.0.0/8"

// startPowerDNS runs pdns_server on a fresh sqlite3 database holding the
// zone, with updates on (dnsupdate; loopback allowed by the zone's
// ALLOW-DNSUPDATE-FROM) and the zone's
// TSIG-ALLOW-DNSUPDATE naming UpdateKey and SHA512Key; OutsideKey is
// imported and not named. Caches are off, so a read sees the last update.
func startPowerDNS(t testing.TB, opts Options) *Server {
	t.Helper()
	require(t, PowerDNS)
	s := newServer(t, PowerDNS)
	db := s.Dir + "/pdns.sqlite3"
	zone := s.write(t, "example.test.zone", zoneFile(opts.Records))
	s.write(t, "pdns.conf", fmt.Sprintf(`launch=gsqlite3
gsqlite3-database=%[1]s
local-address=127.0.0.1
local-port=%[2]d
socket-dir=%[3]s
dnsupdate=yes
allow-dnsupdate-from=
daemon=no
guardian=no
disable-syslog=yes
write-pid=no
cache-ttl=0
query-cache-ttl=0
negquery-cache-ttl=0
zone-metadata-cache-ttl=0
consistent-backends=yes
webserver=no
api=no
loglevel=6
`, db, s.port(), s.Dir))

	schema := exec.Command(program("sqlite3"), db)
	schema.Stdin = strings.NewReader(read(t, pdnsSchema))
	if out, err := schema.CombinedOutput(); err != nil {
		t.Fatalf("create the PowerDNS database: %v\n%s", err, out)
	}
	s.ctlArgs = []string{program("pdnsutil"), "--config-dir=" + s.Dir}
	s.ctl(t, "load-zone", s.Zone, zone)
	var allowed []string
	for _, k := range []Key{s.UpdateKey, s.SHA512Key, s.OutsideKey} {
		s.ctl(t, "import-tsig-key", k.Name, k.Algorithm, k.Secret)
	}
	allowed = append(allowed, s.UpdateKey.Name, s.SHA512Key.Name)
	s.ctl(t, append([]string{"set-meta", s.Zone, "TSIG-ALLOW-DNSUPDATE"}, allowed...)...)
	s.ctl(t, "set-meta", s.Zone, "SOA-EDIT-DNSUPDATE", "INCREASE")
	// Loopback may update through the zone's metadata, not the global
	// setting (the two add up), so that Freeze can take it away.
	s.ctl(t, "set-meta", s.Zone, "ALLOW-DNSUPDATE-FROM", pdnsAllowed)

	s.run(t, opts, "ready to distribute questions", program("pdns_server"), "--config-dir="+s.Dir)
	return s
}
