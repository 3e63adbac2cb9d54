//go:build chaos && linux

package chaos

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/testsupport/e2e"
)

// testChildSigkill kills the child with SIGKILL 100 times in a row.
//
// Policy under test: restart_delay 0s, crash_loop_restarts K = 9 in a one-hour
// window with a one-hour cooldown. Every kill is a failure counted in the
// window, so kills 1..K of a cycle are restarted at once and kill K+1 is the
// (K+1)th restart within the window, "more than K": the supervisor enters
// crash-loop and stays there (the cooldown outlasts the test) until
// `supervisor restart` ends it, which also clears the window. So 100 kills
// are 10 cycles of 10, with exactly 10 crash-loops, and each kill ends in a
// new child: 90 automatic restarts and 10 by `supervisor restart`.
//
// Afterwards: no zombie child of the supervisor, and the supervisor holds no
// more file descriptors than before the first kill (a small constant allowed
// for a child report connection and a status connection being closed).
func testChildSigkill(t *testing.T) {
	const (
		kills = 100
		k     = 9 // crash_loop_restarts
		slack = 4 // descriptors allowed to differ (report and status connections in flight)
	)
	s := newSup(t)
	s.Write(e2e.DryrunConfig(fmt.Sprintf(`restart_delay = "0s"
crash_loop_restarts = %d
crash_loop_window = "1h"
crash_loop_cooldown = "1h"
stable_after = "1h"`, k)))
	s.Start()
	st := s.WaitStatus("the first child to report", 20*time.Second, func(st ipc.Status) bool {
		return e2e.Running(st) && len(st.Records) == 1
	})
	supPID := s.PID()
	fdBefore := e2e.FDCount(t, supPID)

	inCycle, crashLoops, manual := 0, 0, 0
	for i := 1; i <= kills; i++ {
		pid := st.Child.PID
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatalf("kill %d: cannot kill child %d: %v", i, pid, err)
		}
		inCycle++
		st = s.WaitStatus(fmt.Sprintf("kill %d of child %d to be handled", i, pid), 15*time.Second, func(st ipc.Status) bool {
			return st.Child.State == "crash-loop" || (e2e.Running(st) && st.Child.PID != pid)
		})
		if !e2e.Eventually(5*time.Second, func() bool { return e2e.Gone(pid) }) {
			t.Fatalf("kill %d: child %d was not reaped (state %q)", i, pid, e2e.ProcState(pid))
		}
		if inCycle <= k {
			if st.Child.State != "running" {
				t.Fatalf("kill %d (%d of the window): state %q, want a restart; crash_loop_restarts is %d", i, inCycle, st.Child.State, k)
			}
			if st.Child.LastExit == nil || st.Child.LastExit.Signal == "" {
				t.Errorf("kill %d: last exit %+v does not name the signal", i, st.Child.LastExit)
			}
			continue
		}
		// The (k+1)th restart within the window.
		if st.Child.State != "crash-loop" {
			t.Fatalf("kill %d (%d of the window): state %q, want crash-loop after more than %d restarts", i, inCycle, st.Child.State, k)
		}
		if st.Child.PID != 0 {
			t.Fatalf("kill %d: crash-loop with a child pid %d", i, st.Child.PID)
		}
		crashLoops++
		if out, code := s.CLI("restart", "--socket", s.Socket); code != 0 {
			t.Fatalf("kill %d: supervisor restart in crash-loop: exit %d\n%s", i, code, out)
		}
		manual++
		st = s.WaitStatus(fmt.Sprintf("`supervisor restart` to end crash-loop %d", crashLoops), 15*time.Second, e2e.Running)
		inCycle = 0
	}
	if want := kills / (k + 1); crashLoops != want {
		t.Errorf("%d crash-loops, want %d", crashLoops, want)
	}
	if st.Child.Restarts != kills {
		t.Errorf("status counts %d restarts after %d kills, want %d (each kill ends in a new child)", st.Child.Restarts, kills, kills)
	}
	if s.Exited() {
		t.Fatalf("the supervisor exited: %v", s.Cmd.ProcessState)
	}
	if !e2e.Eventually(5*time.Second, func() bool { return len(e2e.ZombiesOf(supPID)) == 0 }) {
		t.Errorf("zombie children of the supervisor: %v", e2e.ZombiesOf(supPID))
	}
	var fdAfter int
	if !e2e.Eventually(5*time.Second, func() bool { fdAfter = e2e.FDCount(t, supPID); return fdAfter <= fdBefore+slack }) {
		t.Errorf("file descriptors of the supervisor: %d before the kills, %d after %d kills (leak)", fdBefore, fdAfter, kills)
	}
	t.Logf("%d kills: %d automatic restarts, %d crash-loops each ended by `supervisor restart`; descriptors %d -> %d",
		kills, kills-manual, crashLoops, fdBefore, fdAfter)
	if strings.Contains(s.Out.String(), "panic:") {
		t.Errorf("the supervisor or a child panicked")
	}
}
