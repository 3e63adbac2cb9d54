package main

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/ddnsd/ddns/providers/providertest/dnsserver"
)

// startNamed starts a real BIND 9 through the shared harness; its
// UpdateKey (ddns-key, hmac-sha256) may change any name in example.test.
func startNamed(t *testing.T) *dnsserver.Server {
	t.Helper()
	return dnsserver.Start(t, dnsserver.BIND, dnsserver.Options{})
}

// values lists what the server holds for home.example.test of one type, sorted.
func values(t *testing.T, ns *dnsserver.Server, qtype uint16) []string {
	t.Helper()
	v, _ := ns.Addresses(t, "home", qtype)
	return v
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
key_name = "ddns-key"
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
	if err := os.WriteFile(keyFile, []byte(ns.UpdateKey.Secret+"\n"), 0o600); err != nil {
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
		before := ns.Serial(t)
		cfg := writeBindConfig(t, dir, state, ns.Addr, good, s.v4, s.v6)
		r := runUpdater(t, dir, "--config", cfg, "--once")
		if r.code != 0 {
			t.Fatalf("%s: exit %d, want 0\n%s\nnamed:\n%s", s.name, r.code, r.stderr, ns.Log())
		}
		if got := values(t, ns, dns.TypeA); !slices.Equal(got, []string{s.v4}) {
			t.Errorf("%s: named serves A %v, want exactly [%s]\n%s", s.name, got, s.v4, r.stderr)
		}
		if got := values(t, ns, dns.TypeAAAA); !slices.Equal(got, []string{s.v6}) {
			t.Errorf("%s: named serves AAAA %v, want exactly [%s]\n%s", s.name, got, s.v6, r.stderr)
		}
		after := ns.Serial(t)
		if moved := after != before; moved != (s.serial == "moves") {
			t.Errorf("%s: SOA serial %d → %d, want it to be %s\n%s", s.name, before, after, s.serial, r.stderr)
		}
		if strings.Contains(r.stderr, ns.UpdateKey.Secret) {
			t.Fatalf("%s: the TSIG secret reached the log:\n%s", s.name, r.stderr)
		}
	}

	// A wrong key of the right shape: valid base64, other bytes. A fresh
	// state file and a new address make the updater talk to named.
	wrong := make([]byte, 32)
	rand.Read(wrong)
	wrongSecret := base64.StdEncoding.EncodeToString(wrong)
	before := ns.Serial(t)
	cfg := writeBindConfig(t, dir, filepath.Join(dir, "state-wrong.json"), ns.Addr,
		fmt.Sprintf("key_secret = %q", wrongSecret), "203.0.113.30", "2001:db8::30")
	r := runUpdater(t, dir, "--config", cfg, "--once")
	if r.code != 5 {
		t.Fatalf("wrong key: exit %d, want 5\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "provider=lab") {
		t.Errorf("wrong key: stderr does not name the provider \"lab\":\n%s", r.stderr)
	}
	for _, secret := range []string{wrongSecret, ns.UpdateKey.Secret} {
		if strings.Contains(r.stderr, secret) {
			t.Errorf("wrong key: a secret reached the log:\n%s", r.stderr)
		}
	}
	if got := values(t, ns, dns.TypeA); !slices.Equal(got, []string{"203.0.113.20"}) {
		t.Errorf("wrong key: named serves A %v, want it untouched", got)
	}
	if after := ns.Serial(t); after != before {
		t.Errorf("wrong key: SOA serial moved %d → %d", before, after)
	}
}

// TestOnceCNAMEAtTheNameExits4: with a CNAME at the record's name, BIND and
// Knot answer NOERROR to the update and drop it, PowerDNS refuses it.
// `updater --once` must exit 4 (data rejected) naming the CNAME, leave the
// state without the address, and try again on the next run.
func TestOnceCNAMEAtTheNameExits4(t *testing.T) {
	if _, err := os.Stat("/bin/echo"); err != nil {
		t.Skip("the command sources run /bin/echo, which this system lacks")
	}
	for _, kind := range dnsserver.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			ns := dnsserver.Start(t, kind, dnsserver.Options{})
			ns.SetCNAME(t, "home", "ns.example.test")
			dir := t.TempDir()
			state := filepath.Join(dir, "state.json")
			cfg := writeBindConfig(t, dir, state, ns.Addr, fmt.Sprintf("key_secret = %q", ns.UpdateKey.Secret), "203.0.113.10", "2001:db8::10")
			for run := 1; run <= 2; run++ {
				r := runUpdater(t, dir, "--config", cfg, "--once")
				if r.code != 4 {
					t.Fatalf("run %d: exit %d, want 4\n%s\n%s:\n%s", run, r.code, r.stderr, kind, ns.Log())
				}
				if !strings.Contains(r.stderr, "CNAME") || !strings.Contains(r.stderr, "home.example.test") {
					t.Errorf("run %d: the log does not name the CNAME at home.example.test:\n%s", run, r.stderr)
				}
				if b, err := os.ReadFile(state); err == nil && (strings.Contains(string(b), "203.0.113.10") || strings.Contains(string(b), "2001:db8::10")) {
					t.Fatalf("run %d: the state claims an address the server does not serve:\n%s", run, b)
				}
				if got := values(t, ns, dns.TypeA); len(got) != 0 {
					t.Fatalf("run %d: home A = %v beside its CNAME", run, got)
				}
			}
		})
	}
}
