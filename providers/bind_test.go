package providers

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/ddnsd/ddns/testsupport/linebuf"
)

// bindServer is a real BIND 9 named serving the zone example.test. on a
// loopback port, started for one test and killed at its cleanup.
type bindServer struct {
	Addr string // 127.0.0.1:port, UDP and TCP
	Zone string // "example.test"
	Dir  string // named's working folder (zone file and journal)

	// Keys known to named, by name: base64 secret and algorithm.
	UpdateKey    bindKey         // may update anything in the zone
	SHA512Key    bindKey         // same rights, hmac-sha512
	ReadOnlyKey  bindKey         // known to named, not granted any update
	stderr       *linebuf.Buffer // named's output, for a failing test's message
	exited       chan struct{}
	exitErrMutex sync.Mutex
	exitErr      error
}

type bindKey struct {
	Name, Algorithm, Secret string
}

// findNamed returns the named binary, or "" when BIND 9 is not installed.
// CI installs the Debian packages bind9 and bind9-dnsutils.
func findNamed() string {
	if p, err := exec.LookPath("named"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/sbin/named", "/usr/local/sbin/named"} {
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	return ""
}

// bindFreePort finds a port that is free for both TCP and UDP on
// 127.0.0.1. named binds both, so a port free for only one would fail.
func bindFreePort(t *testing.T) int {
	t.Helper()
	for range 50 {
		tl, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("listen on loopback: %v", err)
		}
		port := tl.Addr().(*net.TCPAddr).Port
		ul, err := net.ListenPacket("udp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		tl.Close()
		if err != nil {
			continue
		}
		ul.Close()
		return port
	}
	t.Fatal("found no loopback port free for both TCP and UDP")
	return 0
}

func bindSecret(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// startBIND writes a config and a zone into a temporary folder, starts named
// in the foreground on a free loopback port, and waits until it answers a SOA
// query for the zone. It skips the test when named is not installed.
func startBIND(t *testing.T) *bindServer {
	t.Helper()
	named := findNamed()
	if named == "" {
		t.Skip("BIND 9 `named` is not installed (not on PATH nor in /usr/sbin); install the bind9 package (CI does) to run the RFC 2136 tests against a real server")
	}
	dir := t.TempDir()
	// named writes the journal (.jnl) next to the zone file and may drop
	// privileges; keep the folder writable for whoever it runs as.
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	port := bindFreePort(t)
	s := &bindServer{
		Addr:        net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		Zone:        "example.test",
		Dir:         dir,
		UpdateKey:   bindKey{Name: "ddns-key", Algorithm: "hmac-sha256", Secret: bindSecret(t, 32)},
		SHA512Key:   bindKey{Name: "ddns-key-512", Algorithm: "hmac-sha512", Secret: bindSecret(t, 64)},
		ReadOnlyKey: bindKey{Name: "reader-key", Algorithm: "hmac-sha256", Secret: bindSecret(t, 32)},
		stderr:      &linebuf.Buffer{},
		exited:      make(chan struct{}),
	}

	zoneFile := filepath.Join(dir, "example.test.zone")
	zone := `$TTL 3600
@       IN SOA ns.example.test. hostmaster.example.test. ( 1 3600 600 86400 300 )
@       IN NS  ns.example.test.
ns      IN A   127.0.0.1
multi   IN A   192.0.2.101
multi   IN A   192.0.2.102
alias   IN CNAME ns.example.test.
` + manyRecords()
	if err := os.WriteFile(zoneFile, []byte(zone), 0o666); err != nil {
		t.Fatal(err)
	}
	var keys strings.Builder
	for _, k := range []bindKey{s.UpdateKey, s.SHA512Key, s.ReadOnlyKey} {
		fmt.Fprintf(&keys, "key %q { algorithm %s; secret %q; };\n", k.Name, k.Algorithm, k.Secret)
	}
	conf := fmt.Sprintf(`options {
	directory %[1]q;
	pid-file %[2]q;
	managed-keys-directory %[1]q;
	session-keyfile %[3]q;
	listen-on port %[4]d { 127.0.0.1; };
	listen-on-v6 { none; };
	recursion no;
	dnssec-validation no;
	notify no;
	allow-query { any; };
};
controls { };
%[5]s
zone "example.test." {
	type primary;
	file %[6]q;
	update-policy {
		grant %[7]s zonesub ANY;
		grant %[8]s zonesub ANY;
	};
};
`, dir, filepath.Join(dir, "named.pid"), filepath.Join(dir, "session.key"), port,
		keys.String(), zoneFile, s.UpdateKey.Name, s.SHA512Key.Name)
	confFile := filepath.Join(dir, "named.conf")
	if err := os.WriteFile(confFile, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}

	// -g: foreground, log to stderr; -4: loopback IPv4 only; -n 1: one worker
	// thread is plenty and starts faster.
	cmd := exec.Command(named, "-g", "-4", "-n", "1", "-c", confFile)
	cmd.Dir = dir
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = nil
	started := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", named, err)
	}
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		_ = s.stderr.Feed(stderr)
	}()
	go func() {
		<-drained
		err := cmd.Wait()
		s.exitErrMutex.Lock()
		s.exitErr = err
		s.exitErrMutex.Unlock()
		close(s.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-s.exited
	})

	// Wait for a SOA answer; named exiting early or the deadline fails the test.
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		m := new(dns.Msg)
		m.SetQuestion("example.test.", dns.TypeSOA)
		c := &dns.Client{Timeout: 250 * time.Millisecond}
		if r, _, err := c.Exchange(m, s.Addr); err == nil && r.Rcode == dns.RcodeSuccess && len(r.Answer) > 0 {
			t.Logf("named answered on %s %s after start", s.Addr, time.Since(started).Round(time.Millisecond))
			return s
		}
		select {
		case <-s.exited:
			s.exitErrMutex.Lock()
			defer s.exitErrMutex.Unlock()
			t.Fatalf("named exited before answering (%v); its output:\n%s", s.exitErr, s.stderr)
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			t.Fatalf("named did not answer a SOA query on %s within 20s; its output:\n%s", s.Addr, s.stderr)
		}
	}
}

// lookup asks named directly, unsigned and independently of the provider,
// for the records of one name and type; it returns their values and TTLs.
func (s *bindServer) lookup(t *testing.T, fqdn string, qtype uint16) (values []string, ttls []uint32) {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(fqdn), qtype)
	c := &dns.Client{Net: "tcp", Timeout: 5 * time.Second}
	r, _, err := c.Exchange(m, s.Addr)
	if err != nil {
		t.Fatalf("query %s %s: %v", fqdn, dns.TypeToString[qtype], err)
	}
	if r.Rcode != dns.RcodeSuccess && r.Rcode != dns.RcodeNameError {
		t.Fatalf("query %s %s: %s", fqdn, dns.TypeToString[qtype], dns.RcodeToString[r.Rcode])
	}
	for _, rr := range r.Answer {
		if rr.Header().Rrtype != qtype {
			continue
		}
		switch v := rr.(type) {
		case *dns.A:
			values = append(values, v.A.String())
		case *dns.AAAA:
			values = append(values, v.AAAA.String())
		}
		ttls = append(ttls, rr.Header().Ttl)
	}
	return values, ttls
}

// manyRecords gives the name "many" 60 A records: their answer does not fit
// in a 512-byte UDP reply, so reading them needs the TCP fallback.
func manyRecords() string {
	var b strings.Builder
	for i := range 60 {
		fmt.Fprintf(&b, "many    IN A   198.51.100.%d\n", i+1)
	}
	return b.String()
}
