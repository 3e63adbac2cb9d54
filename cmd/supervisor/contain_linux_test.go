package main

import (
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ddnsd/ddns/testsupport/e2e"
)

// escapingChild is a [supervisor] command whose grandchild leaves the
// child's process group and session (setsid) and ignores SIGHUP and
// SIGTERM: neither the group kill, the terminal's hangup nor the
// parent-death signal reaches it.
const escapingChild = "[supervisor]\ncommand = [\"/bin/sh\", \"-c\", \"setsid sh -c 'trap \\\"\\\" HUP TERM; echo gc:$$; exec sleep 1000' & exec sleep 1000\"]\n[probe]\nenabled = false\n"

var gcLine = regexp.MustCompile(`gc:(\d+)`)

// escapee waits for the grandchild's pid in the supervisor's log.
func escapee(t *testing.T, e *env) int {
	t.Helper()
	l, err := e.Out.Wait("gc:", 20*time.Second)
	if err != nil {
		t.Fatalf("the child did not report its grandchild: %v", err)
	}
	m := gcLine.FindStringSubmatch(l)
	if m == nil {
		t.Fatalf("no pid in %q", l)
	}
	pid, _ := strconv.Atoi(m[1])
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	if e2e.Ended(pid) {
		t.Fatalf("grandchild %d is not running before the test", pid)
	}
	return pid
}

func TestEscapedGrandchildDiesWithStop(t *testing.T) {
	e := newEnv(t, escapingChild)
	e.Start()
	e.WaitStatus("running", 20*time.Second, e2e.Running)
	gc := escapee(t, e)
	if out, code := e.CLI("stop", "--socket", e.Socket); code != 0 {
		t.Fatalf("stop: exit %d\n%s", code, out)
	}
	if !e2e.Eventually(10*time.Second, func() bool { return e2e.Ended(gc) }) {
		t.Fatalf("grandchild %d survived supervisor stop", gc)
	}
}

func TestEscapedGrandchildDiesWithKill9OfSupervisor(t *testing.T) {
	e := newEnv(t, escapingChild)
	e.Start()
	st := e.WaitStatus("running", 20*time.Second, e2e.Running)
	gc := escapee(t, e)
	e.Kill9()
	if !e2e.Eventually(10*time.Second, func() bool { return e2e.Ended(gc) && e2e.Ended(st.Child.PID) }) {
		t.Fatalf("after kill -9 of the supervisor: grandchild %d ended %v, child %d ended %v", gc, e2e.Ended(gc), st.Child.PID, e2e.Ended(st.Child.PID))
	}
}

func TestEscapedGrandchildDiesWithSIGTERMOfSupervisor(t *testing.T) {
	e := newEnv(t, escapingChild)
	e.Start()
	e.WaitStatus("running", 20*time.Second, e2e.Running)
	gc := escapee(t, e)
	if err := e.Stop(); err != nil {
		t.Fatalf("supervisor exit after SIGTERM: %v", err)
	}
	if !e2e.Eventually(10*time.Second, func() bool { return e2e.Ended(gc) }) {
		t.Fatalf("grandchild %d survived SIGTERM of the supervisor", gc)
	}
}

func TestChildWritingToTTYShowsInLogs(t *testing.T) {
	// 1 MB to the controlling terminal, far more than its buffer: with
	// nobody reading it the child would block forever.
	e := newEnv(t, "[supervisor]\ncommand = [\"/bin/sh\", \"-c\", \"(head -c 1000000 /dev/zero | tr '\\\\0' x; echo; echo tty-done) > /dev/tty; exec sleep 1000\"]\n[probe]\nenabled = false\n")
	e.Start()
	e.WaitStatus("running", 20*time.Second, e2e.Running)
	if !e2e.Eventually(10*time.Second, func() bool {
		out, code := e.CLI("logs", "-n", "20", "--socket", e.Socket)
		return code == 0 && strings.Contains(out, "tty-done")
	}) {
		out, _ := e.CLI("logs", "-n", "5", "--socket", e.Socket)
		t.Fatalf("the child's terminal output is not in supervisor logs:\n%.2000s", out)
	}
}
