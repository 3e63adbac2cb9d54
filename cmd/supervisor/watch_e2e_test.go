//go:build linux

package main

import (
	"os"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/testsupport/e2e"
)

// TestStatusWatchFollowsARealSupervisor runs `supervisor status --watch`
// without a terminal (a pipe) beside a real supervisor: it prints a block
// with the running child, a new block when `supervisor restart` gives it a
// new child, with the journal's line of the restart under it, and exits 0
// on Ctrl-C (SIGINT).
func TestStatusWatchFollowsARealSupervisor(t *testing.T) {
	e := newEnv(t, dryrunConfig)
	e.Start()
	first := e.WaitStatus("the updater to report its record", 20*time.Second, func(st ipc.Status) bool {
		return e2e.Running(st) && len(st.Records) == 1 && st.Records[0].Address == "192.0.2.10"
	}).Child.PID
	w := e2e.Start(t, []string{bins.Path("supervisor"), "status", "--watch", "--socket", e.Socket}, e2e.Env(e.Dir))
	cur := w.Out.Cursor()
	cur.WaitLine(t, "--- ", 10*time.Second)
	cur.WaitLine(t, "child       running (pid "+strconv.Itoa(first)+",", 10*time.Second)
	cur.WaitLine(t, "192.0.2.10", 10*time.Second)

	if out, code := e.CLI("restart", "--socket", e.Socket); code != 0 {
		t.Fatalf("restart: exit %d %s", code, out)
	}
	second := e.WaitStatus("a new child", 15*time.Second, func(st ipc.Status) bool { return e2e.Running(st) && st.Child.PID != first }).Child.PID
	cur.WaitLine(t, "child       running (pid "+strconv.Itoa(second)+",", 15*time.Second)
	// The supervisor's journal, read from its files, under the table.
	cur.WaitLine(t, "journal (the last entries)", 10*time.Second)
	if _, err := cur.Wait("restarted        pid "+strconv.Itoa(second), 10*time.Second); err != nil {
		t.Errorf("no journal line of the restart (pid %d): %v", second, err)
	}

	w.Signal(os.Interrupt)
	code, ok := w.WaitExit(10 * time.Second)
	if !ok || code != 0 {
		t.Fatalf("status --watch after Ctrl-C: exit %d (ended %v), want 0:\n%s", code, ok, w.Out)
	}
	if m := regexp.MustCompile("\x1b\\[").FindString(w.Out.String()); m != "" {
		t.Errorf("terminal control sequences written to a pipe:\n%q", w.Out.String())
	}
}
