//go:build linux

package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestImportDdnsGoEndToEnd runs the real binaries the way the README tells
// a ddns-go user to: `supervisor import-ddns-go` (which runs the updater
// beside it) writes the config, `supervisor check` accepts it, and one
// `updater --once` pass on it sends the request ddns-go's callback sent,
// to a local hook, with the address a local echo service answered.
func TestImportDdnsGoEndToEnd(t *testing.T) {
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "93.184.216.34")
	}))
	defer echo.Close()
	got := make(chan string, 4)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Method + " " + r.URL.RequestURI()
		w.WriteHeader(http.StatusOK)
	}))
	defer hook.Close()

	dir := t.TempDir()
	in := filepath.Join(dir, ".ddns_go_config.yaml")
	yaml := fmt.Sprintf(`dnsconf:
    - name: hook
      ipv4:
        enable: true
        gettype: url
        url: %s/, https://ddns.oray.com/checkip
        netinterface: ""
        cmd: ""
        domains:
            - home.example.com
      ipv6:
        enable: false
        gettype: netInterface
        url: ""
        netinterface: ""
        cmd: ""
        ipv6reg: ""
        domains:
            - ""
      dns:
        name: callback
        id: %s/update?domains=#{domain}&token=dummy&ip=#{ip}&type=#{recordType}
        secret: ""
      ttl: ""
user:
    username: admin
    password: x
notallowwanaccess: true
lang: zh
`, echo.URL, hook.URL)
	if err := os.WriteFile(in, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "config.toml")
	stderr, code := bins.Run(t, dir, "supervisor", "import-ddns-go", in, "--out", out)
	if code != 0 {
		t.Fatalf("supervisor import-ddns-go: exit %d:\n%s", code, stderr)
	}
	for _, w := range []string{in + ":6: dnsconf[0].ipv4.url: https://ddns.oray.com/checkip skipped", in + ":26: user: not converted", "wrote " + out} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr)
		}
	}
	// The echo service answers a public address from loopback: the config
	// as converted is kept, with only the probes turned off (no network).
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(string(data), "\n[ip]\n", "\n[probe]\ndns = []\ntcp = []\n\n[ip]\n", 1)
	if err := os.WriteFile(out, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if text, code := bins.Run(t, dir, "supervisor", "check", "--config", out); code != 0 {
		t.Fatalf("supervisor check of the converted config: exit %d:\n%s", code, text)
	}
	if text, code := bins.Run(t, dir, "updater", "--config", out, "--once"); code != 0 {
		t.Fatalf("updater --once on the converted config: exit %d:\n%s", code, text)
	}
	select {
	case req := <-got:
		if want := "GET /update?domains=home.example.com&token=dummy&ip=93.184.216.34&type=A"; req != want {
			t.Errorf("the hook got %q, want %q (what ddns-go's callback sends)", req, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the hook got no request from the updater's pass")
	}
}

// TestImportDdnsGoPassesTheUpdatersExitCode: a refusal reaches the user
// as the updater wrote it, with its exit code; --help is the supervisor's.
func TestImportDdnsGoPassesTheUpdatersExitCode(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(in, []byte("dnsconf: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	text, code := bins.Run(t, dir, "supervisor", "import-ddns-go", in)
	if code != 2 || !strings.Contains(text, in+":1: dnsconf: the list is empty") {
		t.Errorf("exit %d, want 2 with the updater's message:\n%s", code, text)
	}
	text, code = bins.Run(t, dir, "supervisor", "import-ddns-go", "--help")
	if code != 0 || !strings.Contains(text, "usage: supervisor import-ddns-go [--force] [--out PATH]") || !strings.Contains(text, "Read a ddns-go config") {
		t.Errorf("--help: exit %d:\n%s", code, text)
	}
}
