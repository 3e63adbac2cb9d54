//go:build linux

package main

import (
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
}
