package dnsserver

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// startBIND runs `named -g` with a primary zone whose update-policy grants
// UpdateKey and SHA512Key every name; OutsideKey is known and granted
// nothing. rndc reaches it on a second loopback port with a key of its own.
func startBIND(t testing.TB, opts Options) *Server {
	t.Helper()
	require(t, BIND)
	s := newServer(t, BIND)
	zone := s.writeZone(t, opts)
	rndcPort := FreePort(t)
	rndcKey := Secret(t, 32)

	var keys strings.Builder
	for _, k := range []Key{s.UpdateKey, s.SHA512Key, s.OutsideKey} {
		fmt.Fprintf(&keys, "key %q { algorithm %s; secret %q; };\n", k.Name, k.Algorithm, k.Secret)
	}
	conf := s.write(t, "named.conf", fmt.Sprintf(`options {
	directory %[1]q;
	pid-file %[9]q;
	managed-keys-directory %[1]q;
	session-keyfile %[10]q;
	listen-on port %[2]d { 127.0.0.1; };
	listen-on-v6 { none; };
	recursion no;
	dnssec-validation no;
	notify no;
	allow-query { any; };
};
key "rndc-key" { algorithm hmac-sha256; secret %[3]q; };
controls { inet 127.0.0.1 port %[4]d allow { 127.0.0.1; } keys { "rndc-key"; }; };
%[5]s
zone "example.test." {
	type primary;
	file %[6]q;
	update-policy {
		grant %[7]s zonesub ANY;
		grant %[8]s zonesub ANY;
	};
};
`, s.Dir, s.port(), rndcKey, rndcPort, keys.String(), zone, s.UpdateKey.Name, s.SHA512Key.Name,
		s.Dir+"/named.pid", s.Dir+"/session.key"))
	rndcConf := s.write(t, "rndc.conf", fmt.Sprintf(`key "rndc-key" { algorithm hmac-sha256; secret %q; };
options { default-key "rndc-key"; default-server 127.0.0.1; default-port %d; };
`, rndcKey, rndcPort))
	s.ctlArgs = []string{program("rndc"), "-c", rndcConf}

	// -g: foreground, log to stderr; -4: IPv4 only.
	args := []string{"-g", "-4", "-c", conf}
	if opts.Workers > 0 {
		args = append(args, "-n", strconv.Itoa(opts.Workers))
	}
	s.run(t, opts, "all zones loaded", program("named"), args...)
	return s
}
