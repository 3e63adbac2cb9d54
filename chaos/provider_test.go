//go:build chaos && linux

package chaos

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ddnsd/ddns/ddns"
	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/providers/providertest"
	"github.com/ddnsd/ddns/testsupport/e2e"
)

// faultAPI is the fake Cloudflare API with a fault that answers every call
// with one failure, chosen by mode.
type faultAPI struct {
	URL  string
	mode atomic.Value // string
	hits atomic.Int64
}

func newFaultAPI(t *testing.T, token string) *faultAPI {
	t.Helper()
	f := &faultAPI{}
	f.mode.Store("500")
	release := make(chan struct{})
	api := providertest.NewCloudflare(token, "example.com")
	api.SetFault(func(_ int, w http.ResponseWriter, r *http.Request) bool {
		f.hits.Add(1)
		switch f.mode.Load().(string) {
		case "500":
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, "<html><body>upstream exploded</body></html>")
		case "429":
			w.Header().Set("Retry-After", "1")
			providertest.WriteError(w, http.StatusTooManyRequests, 971, "Please wait and consider throttling your request speed")
		case "hang":
			select {
			case <-r.Context().Done():
			case <-release:
			}
		case "cut":
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return true
			}
			buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n{\"success\":true,\"errors\":[],\"result\":[{\"id\":\"")
			buf.Flush()
			conn.Close()
		case "badjson":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"success": tru, "result": [`)
		case "wrongshape":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"success":true,"errors":[],"messages":[],"result":{"id":42},"result_info":{"page":1,"per_page":20,"count":1,"total_count":1,"total_pages":1}}`)
		case "400":
			providertest.WriteError(w, http.StatusBadRequest, 9005, "Content for A record must be a valid IPv4 address.")
		}
		return true
	})
	// Cleanups run last-in first-out: hanging calls are let go, then the
	// fake closes.
	t.Cleanup(api.Close)
	t.Cleanup(func() { close(release) })
	f.URL = api.URL
	return f
}

// providerConfig is one Cloudflare record at endpoint with the address read
// from dir/addr; supervisor is the [supervisor] section (may be empty).
func providerConfig(supervisor, state, dir, endpoint, token string) string {
	return fmt.Sprintf(`%s
[updater]
interval = "1h"
state_file = %q
timeout = "3s"
network_grace = "0s"
[ip]
v4 = [{ type = "command", command = ["/bin/cat", %q] }]
allow_private = true
`, supervisor, state, filepath.Join(dir, "addr")) + cloudflareRecord(token, endpoint)
}

// seedState writes a state file saying home.example.com holds 192.0.2.1,
// and the address file 192.0.2.2, so the next pass must call the provider.
func seedState(t *testing.T, dir, state string) []byte {
	t.Helper()
	now := time.Now()
	st := &ddns.State{Version: ddns.StateVersion, Records: map[string]ddns.RecordState{
		ddns.RecordKey("home.example.com", "A"): {Address: "192.0.2.1", Provider: "cf", TTL: 300, SyncedAt: now, ChangedAt: now, ResyncedAt: now},
	}}
	if err := st.Save(state); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "addr"), []byte("192.0.2.2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// panicked reports whether a Go program's output shows a panic or a fatal error.
func panicked(out string) bool {
	return strings.Contains(out, "panic:") || strings.Contains(out, "fatal error:") || strings.Contains(out, "goroutine ")
}

// testProviderFaults runs `updater --once` against an API that answers 500,
// 429 with Retry-After, hangs, cuts the connection mid-body, sends malformed
// JSON or JSON of the wrong shape, or refuses the record (400). Each run must
// exit with the code ddns.ExitCodeFor gives the error class the provider
// layer assigns (every fault of the transport or of the answer's form is
// "network", class 3; a refused record is "rejected", 4), within its
// [updater] timeout plus start-up, without a panic, and leave the state file
// as it was. Then, under the supervisor, a child that keeps failing is
// restarted (code 3: at once, once the probe passes; code 4: with a growing
// backoff) and the supervisor itself survives.
func testProviderFaults(t *testing.T) {
	const token = "chaos-token-faults"
	api := newFaultAPI(t, token)
	t.Run("once", func(t *testing.T) {
		cases := []struct {
			mode string
			want ipc.ExitCode
		}{
			{"500", ipc.ExitNetwork},
			{"429", ipc.ExitNetwork},
			{"hang", ipc.ExitNetwork},
			{"cut", ipc.ExitNetwork},
			{"badjson", ipc.ExitNetwork},
			{"wrongshape", ipc.ExitNetwork},
			{"400", ipc.ExitRejected},
		}
		for _, tc := range cases {
			t.Run(tc.mode, func(t *testing.T) {
				dir := t.TempDir()
				state := filepath.Join(dir, "state.json")
				before := seedState(t, dir, state)
				cfg := filepath.Join(dir, "config.toml")
				if err := os.WriteFile(cfg, []byte(providerConfig("", state, dir, api.URL, token)), 0o600); err != nil {
					t.Fatal(err)
				}
				api.mode.Store(tc.mode)
				hits := api.hits.Load()
				// The guard: a run still going after 20s has hung.
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				cmd := exec.CommandContext(ctx, bins.Path("updater"), "--once", "--config", cfg)
				cmd.Env = e2e.Env(dir)
				start := time.Now()
				out, err := cmd.CombinedOutput()
				took := time.Since(start)
				code := 0
				if ee, ok := err.(*exec.ExitError); ok {
					code = ee.ExitCode()
				} else if err != nil {
					t.Fatal(err)
				}
				if ctx.Err() != nil {
					t.Fatalf("updater --once hung on a %s API: killed after %s\n%s", tc.mode, took, out)
				}
				if code != int(tc.want) {
					t.Errorf("updater --once against a %s API: exit %d, want %d (%s)\n%s", tc.mode, code, tc.want, tc.want.Meaning(), out)
				}
				if limit := 3*time.Second + 4*time.Second; took > limit {
					t.Errorf("updater --once against a %s API took %s, more than the 3s timeout plus start-up (%s)", tc.mode, took, limit)
				}
				if panicked(string(out)) {
					t.Errorf("updater --once panicked on a %s API:\n%s", tc.mode, out)
				}
				if api.hits.Load() == hits {
					t.Errorf("the %s API was never called: the scenario tested nothing", tc.mode)
				}
				if !strings.Contains(string(out), "home.example.com") {
					t.Errorf("the error does not name the record:\n%s", out)
				}
				after, err := os.ReadFile(state)
				if err != nil || !bytes.Equal(before, after) {
					t.Errorf("the state file changed after a failed pass (%v):\nbefore %s\nafter  %s", err, before, after)
				}
				if strings.Contains(string(out), token) {
					t.Errorf("the output shows the API token:\n%s", out)
				}
				t.Logf("%s: exit %d in %s", tc.mode, code, took.Round(10*time.Millisecond))
			})
		}
	})

	t.Run("supervised", func(t *testing.T) {
		cases := []struct {
			mode string
			code ipc.ExitCode
		}{
			{"500", ipc.ExitNetwork},
			{"400", ipc.ExitRejected},
		}
		for _, tc := range cases {
			t.Run(tc.mode, func(t *testing.T) {
				api.mode.Store(tc.mode)
				s := newSup(t)
				before := seedState(t, s.Dir, s.State)
				s.Write(providerConfig(fmt.Sprintf(`[supervisor]
socket = "@SOCKET@"
restart_delay = "100ms"
long_restart_delay = "200ms"
crash_loop_restarts = 100
[probe]
enabled = true
interval = "100ms"
timeout = "500ms"
dns = []
tcp = [%q]`, strings.TrimPrefix(api.URL, "http://")), s.State, s.Dir, api.URL, token))
				s.Start()
				pids := map[int]bool{}
				st := s.WaitStatus("three restarts of the failing child", 40*time.Second, func(st ipc.Status) bool {
					if st.Child.PID != 0 {
						pids[st.Child.PID] = true
					}
					return st.Child.Restarts >= 3
				})
				if st.Child.LastExit == nil || st.Child.LastExit.Code != int(tc.code) {
					t.Errorf("last exit %+v, want code %d", st.Child.LastExit, tc.code)
				}
				if st.Supervisor.PID != s.PID() || s.Exited() {
					t.Fatalf("the supervisor did not survive: status from pid %d, process %d (exited: %v)", st.Supervisor.PID, s.PID(), s.Exited())
				}
				var delays []time.Duration
				for _, e := range st.Events {
					if e.Kind != "backoff" {
						continue
					}
					_, after, ok := strings.Cut(e.Detail, "restarting in ")
					if !ok {
						continue
					}
					d, err := time.ParseDuration(strings.Fields(after)[0])
					if err == nil {
						delays = append(delays, d)
					}
				}
				switch tc.code {
				case ipc.ExitNetwork:
					// Code 3: no backoff, a start as soon as the probe passes.
					if len(delays) > 0 {
						t.Errorf("exit 3 was answered with backoff %v; the contract says wait for the probes, then restart at once", delays)
					}
				default:
					if len(delays) < 2 {
						t.Fatalf("exit %d: backoff delays %v, want at least two", tc.code, delays)
					}
					for i := 1; i < len(delays); i++ {
						if delays[i] <= delays[i-1] {
							t.Errorf("exit %d: backoff did not grow: %v", tc.code, delays)
						}
					}
				}
				if after, err := os.ReadFile(s.State); err != nil || !bytes.Equal(before, after) {
					t.Errorf("the state file changed while every pass failed (%v)", err)
				}
				if panicked(s.Out.String()) {
					t.Errorf("a panic under the supervisor")
				}
				if _, code := s.CLI("status", "--socket", s.Socket); code != ipc.StatusChildRunning && code != ipc.StatusChildNotRunning {
					t.Errorf("supervisor status: exit %d, want 0 or 3 from a live supervisor", code)
				}
				t.Logf("%s: %d restarts, last exit %+v, backoff delays %v", tc.mode, st.Child.Restarts, st.Child.LastExit, delays)
			})
		}
	})
}
