package dnsserver

import (
	"fmt"
	"testing"
)

// startKnot runs knotd in the foreground with an ACL that lets UpdateKey
// and SHA512Key update the zone; OutsideKey is known and in no ACL. knotc
// reaches it on a control socket in its folder.
func startKnot(t testing.TB, opts Options) *Server {
	t.Helper()
	require(t, Knot)
	s := newServer(t, Knot)
	zone := s.writeZone(t, opts)
	sock := s.Dir + "/knot.sock"
	conf := s.write(t, "knot.conf", fmt.Sprintf(`server:
    rundir: %[1]q
    listen: 127.0.0.1@%[2]d
log:
  - target: stderr
    any: info
database:
    storage: %[1]q
control:
    listen: %[3]q
key:
  - id: %[4]s
    algorithm: %[5]s
    secret: %[6]s
  - id: %[7]s
    algorithm: %[8]s
    secret: %[9]s
  - id: %[10]s
    algorithm: %[11]s
    secret: %[12]s
acl:
  - id: update
    key: [%[4]s, %[7]s]
    action: update
zone:
  - domain: example.test
    storage: %[1]q
    file: %[13]q
    acl: update
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: changes
`, s.Dir, s.port(), sock,
		s.UpdateKey.Name, s.UpdateKey.Algorithm, s.UpdateKey.Secret,
		s.SHA512Key.Name, s.SHA512Key.Algorithm, s.SHA512Key.Secret,
		s.OutsideKey.Name, s.OutsideKey.Algorithm, s.OutsideKey.Secret, zone))
	s.ctlArgs = []string{program("knotc"), "-c", conf, "-s", sock, "-b"}
	loaded := "loaded, serial"
	if opts.Unloaded {
		// No zone loads; knotc can be used once the control socket is up.
		loaded = "control, binding"
	}
	s.run(t, opts, loaded, program("knotd"), "-c", conf)
	return s
}
