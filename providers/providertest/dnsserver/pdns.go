package dnsserver

import (
	"bufio"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
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
	zone := s.writeZone(t, opts)
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

// LockDatabase takes an exclusive lock on a PowerDNS server's database
// with a sqlite3 process of its own, as another writer would, and returns
// once the lock is held; PowerDNS answers SERVFAIL to an update meanwhile.
// The returned function releases the lock (the test's cleanup does too).
func (s *Server) LockDatabase(t testing.TB) (unlock func()) {
	t.Helper()
	if s.Kind != PowerDNS {
		t.Fatalf("dnsserver: LockDatabase is for PowerDNS, not %s", s.Kind)
	}
	cmd := exec.Command(program("sqlite3"), s.Dir+"/pdns.sqlite3")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sqlite3: %v", err)
	}
	var once sync.Once
	unlock = func() {
		once.Do(func() {
			io.WriteString(in, "COMMIT;\n.quit\n")
			in.Close()
			cmd.Wait()
		})
	}
	t.Cleanup(unlock)
	// The SELECT answers only once BEGIN EXCLUSIVE holds the lock.
	if _, err := io.WriteString(in, "BEGIN EXCLUSIVE;\nSELECT 'locked';\n"); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "locked" {
		t.Fatalf("sqlite3 did not take the lock: %q %v", line, err)
	}
	return unlock
}
