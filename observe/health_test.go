package observe

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ddnsd/ddns/ipc"
)

const iv = 5 * time.Minute

var t0 = time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)

// TestHealthRules checks single verdicts of a fresh checker.
func TestHealthRules(t *testing.T) {
	tests := []struct {
		name   string
		now    time.Time
		edit   func(st *ipc.Status)
		ok     bool
		reason string // substring of one reason when !ok
	}{
		{"all good", t0, nil, true, ""},
		{"synced one interval ago", t0.Add(iv + 30*time.Second), nil, true, ""},
		{"synced just under two intervals ago", t0.Add(2*iv - time.Second), nil, true, ""},
		{"stale past two intervals", t0.Add(2*iv + time.Second), nil, false, "home.example.com A: last synced 10m1s ago"},
		{"child in backoff", t0, func(st *ipc.Status) {
			st.Child.State = "backoff"
			st.Child.LastExit = &ipc.ExitInfo{Code: 1, Reason: "unexpected failure"}
		}, false, "child is backoff after exit code 1, unexpected failure"},
		{"child killed", t0, func(st *ipc.Status) {
			st.Child.State = "crash-loop"
			st.Child.LastExit = &ipc.ExitInfo{Signal: "killed"}
		}, false, "child is crash-loop after signal killed"},
		{"network down with reason", t0, func(st *ipc.Status) {
			st.Network = ipc.NetworkStatus{Ready: false, Reason: "dns api.cloudflare.com: no such host"}
		}, false, "network not ready: dns api.cloudflare.com"},
		{"network down from checks", t0, func(st *ipc.Status) {
			st.Network = ipc.NetworkStatus{Checks: []ipc.CheckStatus{{Kind: "tcp", Target: "1.1.1.1:443", Error: "refused"}}}
		}, false, "network not ready: failing tcp 1.1.1.1:443"},
		{"fresh error alone is tolerated", t0.Add(time.Minute), func(st *ipc.Status) { st.Records[0].Error = "echo service timed out" }, true, ""},
		{"never synced on a young child", t0, func(st *ipc.Status) {
			st.Child.UptimeSeconds = 30
			st.Records[0].SyncedAt = ipc.Time{}
		}, true, ""},
		{"never synced on an old child", t0, func(st *ipc.Status) { st.Records[0].SyncedAt = ipc.Time{} }, false, "never synced"},
		{"config error is only a warning", t0, func(st *ipc.Status) { st.Supervisor.ConfigError = "config.toml:3:1: bad" }, true, ""},
		{"synced in the future (clock step) is fresh", t0.Add(-time.Hour), nil, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := healthyStatus(t0)
			if tc.edit != nil {
				tc.edit(&st)
			}
			h := NewHealthChecker(iv).Check(st, tc.now)
			if h.OK != tc.ok {
				t.Fatalf("OK = %v, want %v; reasons %q", h.OK, tc.ok, h.Reasons)
			}
			if !tc.ok && !strings.Contains(strings.Join(h.Reasons, "\n"), tc.reason) {
				t.Errorf("reasons %q do not mention %q", h.Reasons, tc.reason)
			}
		})
	}
}

// TestHealthErrorMustPersist: an error counts once it has been seen for
// more than one interval, even while synced_at stays fresh, and its memory
// clears on recovery.
func TestHealthErrorMustPersist(t *testing.T) {
	h := NewHealthChecker(iv)
	failing := func(now time.Time) ipc.Status {
		st := healthyStatus(now) // synced_at keeps up: only the error rule can fire
		st.Records[0].Error = "provider said 500"
		return st
	}
	steps := []struct {
		at time.Time
		st ipc.Status
		ok bool
	}{
		{t0, failing(t0), true},
		{t0.Add(iv), failing(t0.Add(iv)), true},
		{t0.Add(iv + time.Second), failing(t0.Add(iv + time.Second)), false},
		{t0.Add(iv + 2*time.Second), healthyStatus(t0.Add(iv + 2*time.Second)), true},
		// A new error starts a new count.
		{t0.Add(iv + 3*time.Second), failing(t0.Add(iv + 3*time.Second)), true},
	}
	for i, s := range steps {
		got := h.Check(s.st, s.at)
		if got.OK != s.ok {
			t.Fatalf("step %d: OK = %v, want %v (%q)", i, got.OK, s.ok, got.Reasons)
		}
	}
}

// TestHealthzTransitions drives /healthz through a crash, a failing record,
// a network outage and recovery, with an injected clock.
func TestHealthzTransitions(t *testing.T) {
	f := &fakeSupervisor{st: healthyStatus(t0), now: t0}
	_, base := startServer(t, Options{Interval: iv}, f)
	check := func(step string, wantCode int, wantReason string) {
		t.Helper()
		code, body := get(t, "GET", base+"/healthz", "")
		if code != wantCode {
			t.Fatalf("%s: code %d, want %d; body %s", step, code, wantCode, body)
		}
		var h Health
		if err := json.Unmarshal([]byte(body), &h); err != nil {
			t.Fatalf("%s: body is not JSON: %v: %s", step, err, body)
		}
		if h.OK != (wantCode == 200) {
			t.Errorf("%s: ok = %v with code %d", step, h.OK, code)
		}
		if wantReason != "" && !strings.Contains(strings.Join(h.Reasons, "\n"), wantReason) {
			t.Errorf("%s: reasons %q do not mention %q", step, h.Reasons, wantReason)
		}
		if wantCode == 200 && body != `{"ok":true}` {
			t.Errorf("%s: healthy body = %s", step, body)
		}
	}
	check("start", 200, "")

	f.set(func(st *ipc.Status, now *time.Time) {
		*now = now.Add(10 * time.Second)
		st.Child.State, st.Child.PID = "backoff", 0
		st.Child.LastExit = &ipc.ExitInfo{Code: 1, Reason: "unexpected failure"}
	})
	check("child crashed", 503, "child is backoff")

	f.set(func(st *ipc.Status, now *time.Time) {
		*now = now.Add(2 * time.Second)
		st.Child.State, st.Child.PID, st.Child.UptimeSeconds = "running", 12, 1
	})
	check("child restarted", 200, "")

	// One failed pass: the echo service was slow. Still healthy.
	f.set(func(st *ipc.Status, now *time.Time) {
		*now = t0.Add(iv + time.Minute)
		st.Records[0].Error = "https://api.ipify.org: timed out after 10s"
	})
	check("one failed pass", 200, "")

	// The second pass fails too: past two intervals since the last sync and
	// the error has persisted past one interval.
	f.set(func(st *ipc.Status, now *time.Time) { *now = t0.Add(2*iv + 2*time.Minute) })
	check("record failing", 503, "home.example.com A: last synced 12m0s ago")
	check("record failing (error rule)", 503, "failing for 6m0s: https://api.ipify.org: timed out")

	f.set(func(st *ipc.Status, now *time.Time) {
		st.Network = ipc.NetworkStatus{Ready: false, Reason: "tcp 1.1.1.1:443: connection refused"}
	})
	check("network not ready", 503, "network not ready: tcp 1.1.1.1:443")

	f.set(func(st *ipc.Status, now *time.Time) {
		*now = now.Add(time.Minute)
		st.Network = ipc.NetworkStatus{Ready: true}
		st.Records[0].Error = ""
		st.Records[0].SyncedAt = ipc.TimeOf(*now)
	})
	check("recovered", 200, "")
}
