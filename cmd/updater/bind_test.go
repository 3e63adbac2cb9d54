package main

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/ddnsd/ddns/testsupport/linebuf"
)

// named is one BIND 9 process serving the zone example.test. on a loopback
// port; update-key may change any name in the zone, signed with TSIG.
type named struct {
	addr   string // 127.0.0.1:port, UDP and TCP
	secret string // update-key's base64 secret (hmac-sha256)
	out    *linebuf.Buffer
}

// startNamed starts named in the foreground in a temporary folder and waits
// until it answers a SOA query. It skips the test when BIND is not installed.
func startNamed(t *testing.T) *named {
	t.Helper()
	bin, err := exec.LookPath("named")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/named"); serr != nil {
			t.Skip("BIND 9 `named` is not installed (not on PATH nor /usr/sbin/named); install bind9 (CI does) to run the updater against a real RFC 2136 server")
		}
		bin = "/usr/sbin/named"
	}
	dir := t.TempDir()
	// named may drop privileges and writes its journal beside the zone.
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	rand.Read(key)
	n := &named{secret: base64.StdEncoding.EncodeToString(key), out: &linebuf.Buffer{}}
	port := freeUDPTCPPort(t)
	n.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))

	zone := filepath.Join(dir, "example.test.zone")
	if err := os.WriteFile(zone, []byte("$TTL 300\n"+
		"@  IN SOA ns.example.test. hostmaster.example.test. ( 1 3600 600 86400 300 )\n"+
		"@  IN NS  ns.example.test.\n"+
		"ns IN A   127.0.0.1\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "named.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`options {
	directory %[1]q;
	pid-file %[2]q;
	session-keyfile %[3]q;
	listen-on port %[4]d { 127.0.0.1; };
	listen-on-v6 { none; };
	recursion no;
	notify no;
};
controls { };
key "update-key" { algorithm hmac-sha256; secret %[5]q; };
zone "example.test." {
	type primary;
	file %[6]q;
	update-policy { grant update-key zonesub ANY; };
};
`, dir, filepath.Join(dir, "named.pid"), filepath.Join(dir, "session.key"), port, n.secret, zone)), 0o644); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(bin, "-g", "-4", "-n", "1", "-c", conf)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = n.out, n.out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})

	// Poll with a SOA query; named dying or the deadline fails the test.
	deadline := time.After(20 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if _, err := n.serial(); err == nil {
			return n
		}
		select {
		case err := <-exited:
			exited <- err // for the cleanup
			t.Fatalf("named exited before answering (%v):\n%s", err, n.out)
		case <-deadline:
			t.Fatalf("named did not answer a SOA query on %s within 20s:\n%s", n.addr, n.out)
		case <-tick.C:
		}
	}
}

// freeUDPTCPPort returns a loopback port that is free for both TCP and UDP.
func freeUDPTCPPort(t *testing.T) int {
	t.Helper()
	for range 50 {
		tl, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := tl.Addr().(*net.TCPAddr).Port
		ul, err := net.ListenPacket("udp4", tl.Addr().String())
		tl.Close()
		if err == nil {
			ul.Close()
			return port
		}
	}
	t.Fatal("no loopback port free for both TCP and UDP")
	return 0
}

// query asks named, unsigned and over TCP, for one name and type.
func (n *named) query(name string, qtype uint16) (*dns.Msg, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	r, _, err := (&dns.Client{Net: "tcp", Timeout: 2 * time.Second}).Exchange(m, n.addr)
	if err != nil {
		return nil, err
	}
	if r.Rcode != dns.RcodeSuccess && r.Rcode != dns.RcodeNameError {
		return nil, fmt.Errorf("%s %s: %s", name, dns.TypeToString[qtype], dns.RcodeToString[r.Rcode])
	}
	return r, nil
}

// serial is the zone's SOA serial: it moves with every applied update.
func (n *named) serial() (uint32, error) {
	r, err := n.query("example.test", dns.TypeSOA)
	if err != nil {
		return 0, err
	}
	for _, rr := range r.Answer {
		if soa, ok := rr.(*dns.SOA); ok {
			return soa.Serial, nil
		}
	}
	return 0, fmt.Errorf("no SOA in the answer")
}

// values lists what named serves for home.example.test of one type, sorted.
func (n *named) values(t *testing.T, qtype uint16) []string {
	t.Helper()
	r, err := n.query("home.example.test", qtype)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, rr := range r.Answer {
		switch v := rr.(type) {
		case *dns.A:
			out = append(out, v.A.String())
		case *dns.AAAA:
			out = append(out, v.AAAA.String())
		}
	}
	slices.Sort(out)
	return out
}

func (n *named) mustSerial(t *testing.T) uint32 {
	t.Helper()
	s, err := n.serial()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// writeBindConfig writes a config whose command sources print v4 and v6 and
// whose provider "lab" updates named. secretKey is either `key_secret = "…"`
// or `key_secret_file = "…"`.
func writeBindConfig(t *testing.T, dir, stateFile, server, secretKey, v4, v6 string) string {
	t.Helper()
	path := filepath.Join(dir, "config.toml")
	cfg := fmt.Sprintf(`[updater]
state_file = %q
timeout = "5s"
[ip]
allow_private = true # documentation ranges
v4 = [{ type = "command", command = ["/bin/echo", %q] }]
v6 = [{ type = "command", command = ["/bin/echo", %q] }]
[providers.lab]
type = "rfc2136"
server = %q
key_name = "update-key"
key_algorithm = "hmac-sha256"
%s
[[records]]
provider = "lab"
zone = "example.test"
name = "home"
type = "A"
[[records]]
provider = "lab"
zone = "example.test"
name = "home"
type = "AAAA"
`, stateFile, v4, v6, server, secretKey)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestOnceAgainstBIND runs `updater --once` against a real named: it creates
// and then changes an A and an AAAA record, sends nothing when nothing
// changed, and exits 5 on a wrong TSIG key without printing it.
func TestOnceAgainstBIND(t *testing.T) {
	if _, err := os.Stat("/bin/echo"); err != nil {
		t.Skip("the command sources run /bin/echo, which this system lacks")
	}
	ns := startNamed(t)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "tsig.key")
	if err := os.WriteFile(keyFile, []byte(ns.secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state.json")
	good := fmt.Sprintf("key_secret_file = %q", keyFile)

	steps := []struct {
		name   string
		v4, v6 string
		serial string // "moves" or "same"
	}{
		{"create", "203.0.113.10", "2001:db8::10", "moves"},
		{"change", "203.0.113.20", "2001:db8::20", "moves"},
		{"unchanged", "203.0.113.20", "2001:db8::20", "same"},
	}
	for _, s := range steps {
		before := ns.mustSerial(t)
		cfg := writeBindConfig(t, dir, state, ns.addr, good, s.v4, s.v6)
		r := runUpdater(t, dir, "--config", cfg, "--once")
		if r.code != 0 {
			t.Fatalf("%s: exit %d, want 0\n%s\nnamed:\n%s", s.name, r.code, r.stderr, ns.out)
		}
		if got := ns.values(t, dns.TypeA); !slices.Equal(got, []string{s.v4}) {
			t.Errorf("%s: named serves A %v, want exactly [%s]\n%s", s.name, got, s.v4, r.stderr)
		}
		if got := ns.values(t, dns.TypeAAAA); !slices.Equal(got, []string{s.v6}) {
			t.Errorf("%s: named serves AAAA %v, want exactly [%s]\n%s", s.name, got, s.v6, r.stderr)
		}
		after := ns.mustSerial(t)
		if moved := after != before; moved != (s.serial == "moves") {
			t.Errorf("%s: SOA serial %d → %d, want it to be %s\n%s", s.name, before, after, s.serial, r.stderr)
		}
		if strings.Contains(r.stderr, ns.secret) {
			t.Fatalf("%s: the TSIG secret reached the log:\n%s", s.name, r.stderr)
		}
	}

	// A wrong key of the right shape: valid base64, other bytes. A fresh
	// state file and a new address make the updater talk to named.
	wrong := make([]byte, 32)
	rand.Read(wrong)
	wrongSecret := base64.StdEncoding.EncodeToString(wrong)
	before := ns.mustSerial(t)
	cfg := writeBindConfig(t, dir, filepath.Join(dir, "state-wrong.json"), ns.addr,
		fmt.Sprintf("key_secret = %q", wrongSecret), "203.0.113.30", "2001:db8::30")
	r := runUpdater(t, dir, "--config", cfg, "--once")
	if r.code != 5 {
		t.Fatalf("wrong key: exit %d, want 5\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "provider=lab") {
		t.Errorf("wrong key: stderr does not name the provider \"lab\":\n%s", r.stderr)
	}
	for _, secret := range []string{wrongSecret, ns.secret} {
		if strings.Contains(r.stderr, secret) {
			t.Errorf("wrong key: a secret reached the log:\n%s", r.stderr)
		}
	}
	if got := ns.values(t, dns.TypeA); !slices.Equal(got, []string{"203.0.113.20"}) {
		t.Errorf("wrong key: named serves A %v, want it untouched", got)
	}
	if after := ns.mustSerial(t); after != before {
		t.Errorf("wrong key: SOA serial moved %d → %d", before, after)
	}
}
