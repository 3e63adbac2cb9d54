//go:build linux

package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/testsupport/e2e"
)

// TestUpdaterRunsOnLastGoodConfig runs the real updater: after a broken
// save, `supervisor restart` starts the updater again on the supervisor's
// last good copy, so it reports instead of exiting 2; and a supervisor
// started afresh on the broken file runs on that copy and says so.
func TestUpdaterRunsOnLastGoodConfig(t *testing.T) {
	e := newEnv(t, dryrunConfig)
	e.Start()
	st := e.WaitStatus("the updater to report", 20*time.Second, func(st ipc.Status) bool {
		return e2e.Running(st) && len(st.Records) == 1 && st.Child.LastReportAgeSeconds > 0
	})
	old := st.Child.PID

	e.Write("[supervisor\nsocket = \"@SOCKET@\"\n") // not even TOML
	e.WaitStatus("the config error", 10*time.Second, func(st ipc.Status) bool { return st.Supervisor.ConfigError != "" })
	t0 := time.Now()
	if out, code := e.CLI("restart", "--socket", e.Socket); code != 0 {
		t.Fatalf("restart: exit %d\n%s", code, out)
	}
	st = e.WaitStatus("the restarted updater to report on the last good config", 20*time.Second, func(st ipc.Status) bool {
		return e2e.Running(st) && st.Child.PID != old && st.Child.LastReportAgeSeconds < time.Since(t0).Seconds()
	})
	if !st.Supervisor.RunningOnLastGood || st.Supervisor.LastGoodPath == "" {
		t.Errorf("status %+v, want running on the last good copy", st.Supervisor)
	}

	if err := e.Process.Stop(); err != nil {
		t.Fatalf("supervisor stop: %v", err)
	}
	e.Start()
	t1 := time.Now()
	st = e.WaitStatus("a new supervisor on the broken file to run the updater on the copy", 20*time.Second, func(st ipc.Status) bool {
		return e2e.Running(st) && st.Child.LastReportAgeSeconds > 0 && st.Child.LastReportAgeSeconds < time.Since(t1).Seconds()
	})
	if s := st.Supervisor; !s.RunningOnLastGood || s.ConfigError == "" || s.LastGoodSince == nil {
		t.Errorf("status %+v, want the config error and running on the last good copy", s)
	}
	e.Out.WaitLine(t, "last good copy", 10*time.Second)
	if out, code := e.CLI("status", "--socket", e.Socket); code != ipc.StatusChildRunning || !strings.Contains(out, "running on the last good config") {
		t.Errorf("status table: exit %d, want it to say it runs on the last good config\n%s", code, out)
	}
}

// TestTokenFileFixEndsWaitingConfig: a child whose credentials were refused
// (exit 5) waits for its config; saving the token file the config names
// (relative to it) starts the child again, though the config is unchanged.
func TestTokenFileFixEndsWaitingConfig(t *testing.T) {
	e := newEnv(t, "[supervisor]\ncommand = [\"@SELF@\"]\n[probe]\nenabled = false\n"+
		"[providers.cf]\ntype = \"cloudflare\"\napi_token_file = \"token\"\n"+
		"[[records]]\nprovider = \"cf\"\nzone = \"example.com\"\nname = \"home\"\n")
	e.WriteTo(filepath.Join(e.Dir, "token"), "old-token\n", 0o600)
	e.Start("DDNS_TEST_CHILD=exit", "DDNS_TEST_CODE=5")
	st := e.WaitStatus("waiting-config after exit 5", 20*time.Second, func(st ipc.Status) bool { return st.Child.State == "waiting-config" })
	if st.Child.NextStartInSeconds < 14*60 {
		t.Errorf("next start in %vs, want the 15 minute retry", st.Child.NextStartInSeconds)
	}
	restarts := st.Child.Restarts
	e.WriteTo(filepath.Join(e.Dir, "token"), "new-token\n", 0o600)
	e.WaitStatus("a start after the token file changed", 20*time.Second, func(st ipc.Status) bool {
		if st.Child.Restarts <= restarts {
			return false
		}
		for _, ev := range st.Events {
			if ev.Kind == "files-changed" && strings.Contains(ev.Detail, "api_token_file") {
				return true
			}
		}
		return false
	})
}
