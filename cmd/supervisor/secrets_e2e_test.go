//go:build linux

package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/providers/providertest"
	"github.com/ddnsd/ddns/testsupport/e2e"
)

// The secrets of the secrets test, one of each kind. Each is long and mixed
// enough to be recognisable in any output, and none is a substring of
// another.
const (
	secretInline  = "cfInlineApiToken7Q2xv" // [providers.cf] api_token, inline
	secretFile    = "dynFilePassw0rdX9kq"   // [providers.dyn] password_file
	secretEnv     = "whEnvTokenZ3mpw8"      // [providers.hook] token_env
	secretSlack   = "slackPathSecretK8rtYu" // [[notify]] webhook URL path (Slack style)
	secretPing    = "hcPingUuid5d2eAb91"    // [[notify]] ping URL path, url_env (healthchecks.io style)
	secretHTTP    = "httpBearerTokenW4nm"   // [http] token_file
	secretNotifyQ = "notifyQueryKeyP2ab77"  // [[notify]] webhook URL query (?key=...)
	secretNotifyH = "notifyHeaderKeyV5cd31" // [[notify]] webhook header value, literal
	secretHookH   = "hookStaticHeaderQ9ef4" // [providers.hook] header value, literal
)

var allSecrets = []string{secretInline, secretFile, secretEnv, secretSlack, secretPing, secretHTTP, secretNotifyQ, secretNotifyH, secretHookH}

// hostileReceiver is one local HTTP server playing the dyndns2 server, the
// webhook provider, the notification receivers and a Cloudflare edge: every
// answer is an error that echoes what the request carried (its URL,
// Authorization header and body), as a misbehaving proxy might, so any
// secret that reaches an output through a provider's error is found.
type hostileReceiver struct {
	*httptest.Server
	mu       sync.Mutex
	requests []string // "METHOD PATH?QUERY\nheaders\nbody" of every request
	notified chan string
}

func newHostileReceiver(t *testing.T) *hostileReceiver {
	h := &hostileReceiver{notified: make(chan string, 100)}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		echo := fmt.Sprintf("%s %s auth=%s key=%s%s body=%s", r.Method, r.URL.RequestURI(), r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"), r.Header.Get("X-Static-Key"), body)
		h.mu.Lock()
		h.requests = append(h.requests, echo)
		h.mu.Unlock()
		switch {
		case strings.HasPrefix(r.URL.Path, "/nic/update"): // dyndns2
			fmt.Fprintf(w, "911 %s", echo)
		case strings.HasPrefix(r.URL.Path, "/services/"), strings.HasPrefix(r.URL.Path, "/ping/"):
			select {
			case h.notified <- r.URL.Path + " " + string(body):
			default:
			}
			http.Error(w, "receiver down: "+echo, http.StatusBadGateway) // delivery fails: retried and logged
		default: // the webhook provider
			http.Error(w, "hook failed: "+echo, http.StatusInternalServerError)
		}
	}))
	t.Cleanup(h.Close)
	return h
}

// Secrets, everywhere: a config with one secret of each kind (inline,
// _file, _env, a secret in a notification URL's path and query, a dyndns2
// password, the [http] token) runs under the real supervisor against
// providers that fail and echo what they were sent; every path that prints
// (check, status, status --json, logs, the supervisor's own log, the
// notifications, /status and /metrics) is searched for every secret.
func TestSecretsNeverPrinted(t *testing.T) {
	rcv := newHostileReceiver(t)
	cf := providertest.NewCloudflare(secretInline, "example.com")
	defer cf.Close()
	cf.SetFault(func(n int, w http.ResponseWriter, r *http.Request) bool {
		http.Error(w, "edge error, you sent: "+r.Header.Get("Authorization"), http.StatusBadGateway)
		return true
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	httpAddr := l.Addr().String()
	l.Close()

	cfg := fmt.Sprintf(`
[supervisor]
restart_delay = "0s"
[probe]
enabled = false
[updater]
interval = "1h"
state_file = "@STATE@"
timeout = "5s"
[ip]
v4 = [{ type = "command", command = ["/bin/echo", "192.0.2.10"] }]
allow_private = true
[http]
listen = %[1]q
token_file = "@DIR@/http-token"
[[notify]]
type = "webhook"
url = "%[2]s/services/T0001/B0002/%[3]s?key=%[4]s"
retries = 1
headers = { "X-Api-Key" = %[7]q }
events = ["update-failed", "address-changed", "update-recovered"]
[[notify]]
type = "ping"
url_env = "DDNS_TEST_PING_URL"
retries = 1
[providers.cf]
type = "cloudflare"
api_token = %[5]q
endpoint = %[6]q
[providers.dyn]
type = "dyndns2"
server = %[2]q
username = "user"
password_file = "@DIR@/dyn-password"
[providers.hook]
type = "webhook"
url = "%[2]s/hook?t={{.Token}}"
token_env = "DDNS_TEST_HOOK_TOKEN"
headers = { Authorization = "Bearer {{.Token}}", "X-Static-Key" = %[8]q }
[[records]]
provider = "cf"
zone = "example.com"
name = "a"
[[records]]
provider = "dyn"
zone = "example.com"
name = "b"
[[records]]
provider = "hook"
zone = "example.com"
name = "c"
[log]
level = "trace"
`, httpAddr, rcv.URL, secretSlack, secretNotifyQ, secretInline, cf.URL, secretNotifyH, secretHookH)
	e := newEnv(t, cfg)
	e.WriteTo(filepath.Join(e.Dir, "http-token"), secretHTTP+"\n", 0o600)
	e.WriteTo(filepath.Join(e.Dir, "dyn-password"), secretFile+"\n", 0o600)
	env := []string{"DDNS_TEST_HOOK_TOKEN=" + secretEnv, "DDNS_TEST_PING_URL=" + rcv.URL + "/ping/" + secretPing}

	outputs := map[string]string{}
	check := func(name, text string) {
		t.Helper()
		outputs[name] = text
		for _, s := range allSecrets {
			if strings.Contains(text, s) {
				i := strings.Index(text, s)
				t.Errorf("%s shows the secret %q: ...%s...", name, s, text[max(0, i-200):min(len(text), i+len(s)+50)])
			}
		}
	}

	c := exec.Command(bins.Path("supervisor"), "check", "--config", e.Config)
	c.Env = e2e.Env(e.Dir, env...)
	b, err := c.CombinedOutput()
	out, code := string(b), c.ProcessState.ExitCode()
	if code != 0 {
		t.Fatalf("check: exit %d (%v)\n%s", code, err, out)
	}
	check("supervisor check", out)

	// The updater alone (cron, a person trying it): its log and errors,
	// and the dry run's plan.
	for _, args := range [][]string{{"--once"}, {"--dry-run"}} {
		u := exec.Command(bins.Path("updater"), append(args, "--config", e.Config)...)
		u.Env = e2e.Env(e.Dir, env...)
		b, _ := u.CombinedOutput()
		check("updater "+strings.Join(args, " "), string(b))
	}

	e.Start(env...)
	e.WaitStatus("the three records failing", 60*time.Second, func(st ipc.Status) bool {
		if len(st.Records) != 3 {
			return false
		}
		for _, r := range st.Records {
			if r.Error == "" {
				return false
			}
		}
		return true
	})
	// The notifications reach the receiver (and fail there, so delivery
	// errors are logged too).
	for range 2 {
		select {
		case n := <-rcv.notified:
			check("a notification's path and body (the URL itself carries its own secret)", strings.Replace(strings.Replace(n, secretSlack, "", 1), secretPing, "", 1))
		case <-time.After(30 * time.Second):
			t.Fatal("no notification reached the receiver within 30s")
		}
	}
	out, _ = e.CLI("status", "--socket", e.Socket)
	check("status", out)
	out, _ = e.CLI("status", "--json", "--socket", e.Socket)
	check("status --json", out)
	out, _ = e.CLI("logs", "-n", "1000", "--socket", e.Socket)
	check("logs", out)
	// The journal: the failed writes' errors, as `supervisor history` shows them.
	hc := exec.Command(bins.Path("supervisor"), "history", "--json", "--config", e.Config)
	hc.Env = e2e.Env(e.Dir, env...)
	hb, _ := hc.CombinedOutput()
	check("history --json", string(hb))

	for _, path := range []string{"/status", "/metrics", "/healthz"} {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "http://"+httpAddr+path, nil)
		req.Header.Set("Authorization", "Bearer "+secretHTTP)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 != 2 && path != "/healthz" {
			t.Errorf("%s: HTTP %d\n%s", path, resp.StatusCode, b)
		}
		check("[http] "+path, string(b))
	}

	// Wait for a notification delivery failure to be logged, then look at
	// the supervisor's whole log.
	e.Out.Cursor().WaitLine(t, "notif", 30*time.Second)
	if err := e.Stop(); err != nil {
		t.Logf("stop: %v", err)
	}
	<-e.Out.Done()
	check("the supervisor's log (its own and the updater's lines)", e.Out.String())
	if os.Getenv("SECRETS_TEST_DUMP") != "" {
		for k, v := range outputs {
			t.Logf("=== %s\n%s", k, v)
		}
	}
	if t.Failed() {
		return
	}
	// The test saw what it searched: the failures it provoked are there.
	for name, want := range map[string]string{"status": "cloudflare", "logs": "911", "history --json": `"kind":"failed"`} {
		if !strings.Contains(outputs[name], want) {
			t.Errorf("%s lacks %q, so the provider failure it should show was not searched:\n%s", name, want, outputs[name])
		}
	}
}
