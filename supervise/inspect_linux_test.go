package supervise

import (
	"bufio"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestParseProcStat(t *testing.T) {
	// Fields 4 to 24 after the state; field 24 (rss, in pages) is the last here.
	tail := func(state string, rss string) string {
		return state + " 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 " + rss + " 25 26"
	}
	cases := []struct {
		name    string
		line    string
		status  string
		rss     uint64
		wantErr string
	}{
		{"sleeping", "42 (updater) " + tail("S", "100"), "sleep", 100 * pageSize, ""},
		{"stopped", "42 (updater) " + tail("T", "1"), ProcStopped, pageSize, ""},
		{"traced", "42 (updater) " + tail("t", "1"), ProcStopped, pageSize, ""},
		{"zombie", "42 (updater) " + tail("Z", "0"), ProcZombie, 0, ""},
		{"name with spaces and parentheses", "42 (a) b (c) " + tail("R", "7"), "running", 7 * pageSize, ""},
		{"no name", "42 updater S", "", 0, "no command name"},
		{"cut short", "42 (updater) S 1 2 3", "", 0, "fields after the command name"},
		{"rss not a number", "42 (updater) " + tail("S", "x"), "", 0, "not a number"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			info, err := parseProcStat(42, []byte(tc.line+"\n"))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if info.Status != tc.status || info.RSSBytes != tc.rss {
				t.Fatalf("got %+v, want status %q rss %d", info, tc.status, tc.rss)
			}
		})
	}
}

// startHelper starts this test binary in a helper mode, not through the
// supervisor, so the test can stop it or leave it unreaped. It returns the
// helper's output too.
func startHelper(t *testing.T, mode string) (*exec.Cmd, *bufio.Reader) {
	t.Helper()
	c := helperCommand(mode)
	cmd := exec.Command(c.Path, c.Args...)
	cmd.Env = c.Env
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd, bufio.NewReader(out)
}

// readyLine waits for the helper's "ready" line.
func readyLine(t *testing.T, out *bufio.Reader) {
	t.Helper()
	line, err := out.ReadString('\n')
	if err != nil || line != "ready\n" {
		t.Fatalf("helper printed %q, %v; want ready", line, err)
	}
}

// waitNoReap blocks until the child reaches the state the options name
// (unix.WEXITED, unix.WSTOPPED) and leaves it in that state, unreaped.
func waitNoReap(t *testing.T, pid int, options int) {
	t.Helper()
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, pid, &info, options|unix.WNOWAIT, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			t.Fatalf("waitid(%d): %v", pid, err)
		}
		return
	}
}

// The real inspector tells a stopped child and a zombie from a live one,
// and reads the resident memory of a live one.
func TestProcInspectorReadsStates(t *testing.T) {
	insp := NewProcInspector()
	t.Run("sleeping", func(t *testing.T) {
		cmd, out := startHelper(t, "ignore-term")
		readyLine(t, out) // past its start: the runtime is up and its memory in use
		info, err := insp.Inspect(cmd.Process.Pid, Need{Memory: true})
		if err != nil {
			t.Fatal(err)
		}
		if info.Status == ProcStopped || info.Status == ProcZombie || info.Status == "" {
			t.Fatalf("a live child reads as %q", info.Status)
		}
		if info.RSSBytes < 1<<20 || info.RSSBytes > 1<<30 {
			t.Fatalf("a Go test binary's resident memory reads as %d bytes", info.RSSBytes)
		}
	})
	t.Run("stopped", func(t *testing.T) {
		cmd, _ := startHelper(t, "sleep")
		if err := cmd.Process.Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		waitNoReap(t, cmd.Process.Pid, unix.WSTOPPED)
		info, err := insp.Inspect(cmd.Process.Pid, Need{})
		if err != nil || info.Status != ProcStopped {
			t.Fatalf("a SIGSTOPped child reads as %+v, %v; want %q", info, err, ProcStopped)
		}
	})
	t.Run("zombie", func(t *testing.T) {
		cmd, _ := startHelper(t, "exit:0")
		waitNoReap(t, cmd.Process.Pid, unix.WEXITED)
		info, err := insp.Inspect(cmd.Process.Pid, Need{})
		if err != nil || info.Status != ProcZombie {
			t.Fatalf("an exited, unreaped child reads as %+v, %v; want %q", info, err, ProcZombie)
		}
	})
	t.Run("gone", func(t *testing.T) {
		cmd, _ := startHelper(t, "exit:0")
		_ = cmd.Wait()
		if info, err := insp.Inspect(cmd.Process.Pid, Need{}); err == nil {
			t.Fatalf("a reaped child reads as %+v, want an error", info)
		}
	})
}

// A real child stopped with SIGSTOP is found by the real inspector and
// restarted, with the reason recorded.
func TestRealStoppedChildIsRestarted(t *testing.T) {
	p := realPolicy()
	p.InspectInterval = 20 * time.Millisecond
	p.StableAfter = 0
	r := startRealWith(t, p, helperCommand("sleep"), func(o *Options) { o.Inspector = NewProcInspector() })
	started := r.waitEvent(EventStarted)
	if err := syscall.Kill(started.PID, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	e := r.waitEvent(EventStoppedState)
	if e.PID != started.PID {
		t.Fatalf("stopped-state event for pid %d, want %d", e.PID, started.PID)
	}
	r.waitEvent(EventBackoff)
	if le := r.sup.Snapshot().LastExit; le == nil || !strings.HasPrefix(le.Reason, "stopped-state") {
		t.Fatalf("last exit %+v, want a stopped-state reason", le)
	}
}
