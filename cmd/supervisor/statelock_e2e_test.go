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

// Two supervisors on one config, reached through two socket paths, do not
// run two updaters on one state: the second one's updater finds the state
// file locked and exits 1 saying so, while the first keeps running. Before,
// both updaters ran and saved the state over each other.
func TestTwoSupervisorsOnOneConfigRunOneUpdater(t *testing.T) {
	e := newEnv(t, dryrunConfig)
	e.Start()
	first := e.WaitStatus("the first supervisor's updater to report", 20*time.Second, func(st ipc.Status) bool {
		return e2e.Running(st) && len(st.Records) == 1
	})

	second := *e.Supervisor
	second.Socket = filepath.Join(e.Dir, "run2", "s.sock")
	second.Args = []string{"--socket", second.Socket}
	second.Start()
	st := second.WaitStatus("the second supervisor's updater to exit 1", 20*time.Second, func(st ipc.Status) bool {
		return st.Child.LastExit != nil && st.Child.LastExit.Code == int(ipc.ExitFailure)
	})
	if len(st.Records) != 0 {
		t.Errorf("the second supervisor's updater reported records: %+v", st.Records)
	}
	second.Out.Cursor().WaitLine(t, "another updater uses this state file", 10*time.Second)

	now, ok := e.Status()
	if !ok || !e2e.Running(now) || now.Child.PID != first.Child.PID || now.Child.Restarts != 0 {
		t.Fatalf("the first supervisor's updater: %+v; want pid %d still running, never restarted", now.Child, first.Child.PID)
	}
	if strings.Contains(e.Out.String(), "another updater uses this state file") {
		t.Error("the first supervisor's updater was refused the lock")
	}
}
