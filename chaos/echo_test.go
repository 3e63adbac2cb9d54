//go:build chaos && linux

package chaos

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/providers/providertest"
)

// testEchoGarbage points the updater's only address source at an echo
// service that answers an HTML page, two addresses, or a private address.
// The updater must publish nothing (no write reaches the fake API), name the
// source in its log, and exit with the code ddns.ExitCodeFor gives: an
// answer that holds no single address is an unexpected failure (1); an
// address that may not be published is data rejected (4).
func testEchoGarbage(t *testing.T) {
	const token = "chaos-token-echo"
	cf := providertest.NewCloudflare(token, "example.com")
	t.Cleanup(cf.Close)
	cases := []struct {
		name, body, why string
		want            ipc.ExitCode
	}{
		{"html", "<!DOCTYPE html><html><body><h1>Welcome</h1>Your IP is 203.0.113.9</body></html>", "is not an address", ipc.ExitFailure},
		{"two_addresses", "203.0.113.9\n203.0.113.10\n", "two addresses", ipc.ExitFailure},
		{"private", "192.168.1.20\n", "a private address", ipc.ExitRejected},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.name == "html" {
					w.Header().Set("Content-Type", "text/html")
				}
				fmt.Fprint(w, tc.body)
			}))
			defer echo.Close()
			url := echo.URL + "/ip"
			dir := t.TempDir()
			cfg := filepath.Join(dir, "config.toml")
			if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`[updater]
state_file = %q
timeout = "3s"
[ip]
v4 = [{ type = "http", url = %q }]
allow_private = false
`, filepath.Join(dir, "state.json"), url)+cloudflareRecord(token, cf.URL)), 0o600); err != nil {
				t.Fatal(err)
			}
			cf.Calls() // start counting from here
			out, code := bins.Run(t, dir, "updater", "--once", "--config", cfg)
			calls := cf.Calls()
			if w := providertest.Writes(calls); w != 0 {
				t.Errorf("an echo answer that %s reached the provider: %d writes (%v)", tc.why, w, calls)
			}
			if got := cf.Lookup("home.example.com", "A"); len(got) != 0 {
				t.Errorf("the provider holds %v after an echo answer that %s", got, tc.why)
			}
			if code != int(tc.want) {
				t.Errorf("exit %d, want %d (%s)\n%s", code, tc.want, tc.want.Meaning(), out)
			}
			if !strings.Contains(out, url) {
				t.Errorf("the log does not name the source %s:\n%s", url, out)
			}
			if panicked(out) {
				t.Errorf("panic:\n%s", out)
			}
			if _, err := os.Stat(filepath.Join(dir, "state.json")); err == nil {
				b, _ := os.ReadFile(filepath.Join(dir, "state.json"))
				if strings.Contains(string(b), "203.0.113") || strings.Contains(string(b), "192.168.1.20") {
					t.Errorf("the refused address reached the state file:\n%s", b)
				}
			}
			t.Logf("%s: exit %d", tc.name, code)
		})
	}
}
