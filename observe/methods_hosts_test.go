package observe

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestEveryMethodAndHostKeepsTheChecks: with a token set, no method (GET,
// HEAD, OPTIONS, POST, PUT, TRACE) on any path reads a data path (/status,
// /history, /metrics, /healthz's details) without the token, whatever
// loopback Host it names; the dashboard's shell (/, /dash.js, /dash.css)
// goes to GET and HEAD only; and a Host that only resolved to loopback
// (localhost.attacker.example, a name under an attacker's domain, an
// address elsewhere) is refused on every path, shell included.
func TestEveryMethodAndHostKeepsTheChecks(t *testing.T) {
	const token = "tok-4f3e2d1c"
	h := &fakeHistory{}
	f := &fakeSupervisor{st: healthyStatus(t0), now: t0}
	_, base := startServer(t, Options{Token: token, History: h.History}, f)
	c := &http.Client{Timeout: 5 * time.Second}
	shell := map[string]bool{"/": true, "/dash.js": true, "/dash.css": true}
	for _, host := range []string{"127.0.0.1", "[::1]", "localhost.", "LOCALHOST", "localhost.attacker.example", "127.0.0.1.nip.io", "[2001:db8::1]", "192.0.2.1"} {
		loopbackHost := !strings.Contains(host, "attacker") && !strings.Contains(host, "nip.io") && !strings.Contains(host, "db8") && !strings.HasPrefix(host, "192.")
		for _, path := range []string{"/", "/dash.js", "/dash.css", "/history", "/history?since=1d", "/status", "/metrics", "/healthz"} {
			for _, method := range []string{"GET", "HEAD", "OPTIONS", "POST", "PUT", "TRACE"} {
				req, err := http.NewRequest(method, base+path, nil)
				if err != nil {
					t.Fatal(err)
				}
				req.Host = host
				resp, err := c.Do(req)
				if err != nil {
					t.Fatalf("%s %s (Host %s): %v", method, path, host, err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				want := http.StatusUnauthorized
				switch {
				case !loopbackHost:
					want = http.StatusMisdirectedRequest
				case method != "GET" && method != "HEAD":
					want = http.StatusUnauthorized // the token first, then 405
				case shell[path]:
					want = http.StatusOK
				}
				if resp.StatusCode != want {
					t.Errorf("%s %s (Host %s): %d, want %d", method, path, host, resp.StatusCode, want)
				}
				if strings.Contains(string(body), "203.0.113.7") || len(h.got) > 0 {
					t.Fatalf("%s %s (Host %s) read data without the token: %s", method, path, host, body)
				}
			}
		}
	}
}
