//go:build linux

package e2e

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestProcessLifecycle: output is collected and waited on, SIGTERM stops a
// process and reports how it ended, an exit on its own gives its code.
func TestProcessLifecycle(t *testing.T) {
	p := Start(t, []string{"/bin/sh", "-c", `trap 'echo stopping; exit 7' TERM; echo ready; while :; do sleep 0.01; done`}, Env(t.TempDir()))
	p.Out.WaitLine(t, "ready", 10*time.Second)
	if p.Exited() || Ended(p.PID()) {
		t.Fatal("the process ended before it was stopped")
	}
	var ee *exec.ExitError
	if err := p.Stop(); err == nil || !errors.As(err, &ee) || ee.ExitCode() != 7 {
		t.Fatalf("Stop: %v, want exit status 7", err)
	}
	if !p.Exited() || !p.Out.Contains("stopping") {
		t.Errorf("after Stop: exited %v, output %q", p.Exited(), p.Out)
	}

	q := Start(t, []string{"/bin/sh", "-c", "echo bye >&2; exit 3"}, nil)
	if code, ok := q.WaitExit(10 * time.Second); !ok || code != 3 || !q.Out.Contains("bye") {
		t.Errorf("WaitExit: code %d, ok %v, output %q; want 3, true and stderr collected", code, ok, q.Out)
	}
}

func TestKill9AndProcessTable(t *testing.T) {
	p := Start(t, []string{"/bin/sleep", "600"}, nil)
	pid := p.PID()
	if st := ProcState(pid); st == "" || Gone(pid) {
		t.Fatalf("a running sleep: state %q", st)
	}
	if kids := Children(os.Getpid()); !containsInt(kids, pid) {
		t.Errorf("Children(self) = %v, want it to hold %d", kids, pid)
	}
	if n := FDCount(t, pid); n < 3 {
		t.Errorf("FDCount = %d, want at least stdin, stdout and stderr", n)
	}
	p.Kill9()
	if !p.Exited() || !Gone(pid) {
		t.Errorf("after Kill9: exited %v, state %q", p.Exited(), ProcState(pid))
	}

	// A child killed but not yet reaped is a zombie: ended, not gone.
	c := exec.Command("/bin/sleep", "600")
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	c.Process.Signal(syscall.SIGKILL)
	if !Eventually(10*time.Second, func() bool { return ProcState(c.Process.Pid) == "Z" }) {
		t.Fatalf("the killed child's state is %q, want Z", ProcState(c.Process.Pid))
	}
	if !Ended(c.Process.Pid) || Gone(c.Process.Pid) || !containsInt(ZombiesOf(os.Getpid()), c.Process.Pid) {
		t.Errorf("zombie %d: ended %v, gone %v, zombies %v", c.Process.Pid, Ended(c.Process.Pid), Gone(c.Process.Pid), ZombiesOf(os.Getpid()))
	}
	c.Wait()
}

func TestProcessesWith(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "marker")
	p := Start(t, []string{"/bin/sh", "-c", "echo up; sleep 600; :", marker}, nil)
	p.Out.WaitLine(t, "up", 10*time.Second)
	if got := ProcessesWith(dir); len(got) != 1 || got[0] != p.PID() {
		t.Errorf("ProcessesWith(%s) = %v, want [%d] (the shell named after the marker, not its sleep)", dir, got, p.PID())
	}
}

// TestEnvAndExpand: the environment keeps every fallback folder inside the
// test's, and a config's placeholders become the test's paths.
func TestEnvAndExpand(t *testing.T) {
	dir := t.TempDir()
	for _, kv := range Env(dir, "EXTRA=1") {
		k, v, _ := strings.Cut(kv, "=")
		if k != "PATH" && k != "EXTRA" && !strings.HasPrefix(v, dir) {
			t.Errorf("%s=%s is outside the test's folder", k, v)
		}
	}
	s := NewSupervisor(t, Binaries{Dir: "/nonexistent"})
	got := s.Expand("socket = @SOCKET@ state = @STATE@ dir = @DIR@ self = @SELF@")
	want := "socket = " + s.Socket + " state = " + s.State + " dir = " + s.Dir + " self = " + os.Args[0]
	if got != want || !strings.HasPrefix(s.Socket, s.Dir) || !strings.HasPrefix(s.State, s.Dir) {
		t.Errorf("Expand = %q\nwant     %q", got, want)
	}
	s.Write("a = 1\n")
	s.SaveByRename("a = 2\n")
	if b, err := os.ReadFile(s.Config); err != nil || string(b) != "a = 2\n" {
		t.Errorf("config after SaveByRename: %q, %v", b, err)
	}
	if fi, err := os.Stat(s.Config); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("config mode: %v, %v; want 0600", fi.Mode(), err)
	}
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
