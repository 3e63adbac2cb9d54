package supervise

// Tests with real processes written to kill the mutants `mutate/run
// ./supervise` found alive (see mutate/equivalent.txt for the ones no test
// can tell apart).

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestRealOutputDrainedAfterExit: a child that prints a burst and exits at
// once still has all of its output read: what is left in the pipes when it
// is reaped reaches the log ring before Done closes (within DrainGrace,
// 2s by default), up to the very last line.
func TestRealOutputDrainedAfterExit(t *testing.T) {
	seq, err := exec.LookPath("seq")
	if err != nil {
		t.Fatalf("this test needs seq (coreutils): %v", err)
	}
	const n = 50000
	r := startReal(t, realPolicy(), Command{Path: seq, Args: []string{"1", strconv.Itoa(n)}})
	r.waitEvent(EventExited)
	if last := r.ring.Last(1); len(last) != 1 || last[0] != strconv.Itoa(n) {
		t.Fatalf("last line kept %q, want %q: the output was not drained", last, strconv.Itoa(n))
	}
}

// terminalFDs lists this process's open descriptors on a pseudo-terminal
// (either end), as "fd -> target".
func terminalFDs(t *testing.T) map[string]bool {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, e := range ents {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err != nil {
			continue // the descriptor ReadDir itself used, closed by now
		}
		if target == "/dev/ptmx" || strings.HasPrefix(target, "/dev/pts/") {
			out[e.Name()+" -> "+target] = true
		}
	}
	return out
}

// TestRealChildLeavesNoTerminalOpen: the pseudo-terminal each child gets as
// its controlling terminal is closed in the supervisor once the child has
// exited (both ends), so restarts do not pile up descriptors.
func TestRealChildLeavesNoTerminalOpen(t *testing.T) {
	before := terminalFDs(t)
	r := startReal(t, realPolicy(), helperCommand("exit:0"))
	r.waitEvent(EventExited) // sent once Done closed, after the cleanup
	for fd := range terminalFDs(t) {
		if !before[fd] {
			t.Errorf("descriptor %s still open after the child exited", fd)
		}
	}
}

// TestRealTerminateAndKillReportSuccess: Terminate and Kill on a running
// child deliver their signal to it and return no error (the supervisor
// logs a failed stop, so a success must not look like one); after the
// child was reaped both are harmless no-ops.
func TestRealTerminateAndKillReportSuccess(t *testing.T) {
	cases := []struct {
		name   string
		signal func(Process) error
		want   string
	}{
		{"terminate", Process.Terminate, "SIGTERM"},
		{"kill", Process.Kill, "SIGKILL"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := NewExecStarter(ExecOptions{}).Start(helperCommand("sleep"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = p.Kill() })
			if err := tc.signal(p); err != nil {
				t.Errorf("%s of a running child: %v, want no error", tc.name, err)
			}
			select {
			case <-p.Done():
			case <-time.After(10 * time.Second):
				t.Fatalf("the child did not exit within 10s of %s", tc.name)
			}
			if st := p.Exit(); st.Signal != tc.want || st.Code != -1 || st.Err != nil {
				t.Errorf("exit %+v, want killed by %s", st, tc.want)
			}
			if err := tc.signal(p); err != nil {
				t.Errorf("%s after the exit: %v, want no error", tc.name, err)
			}
		})
	}
}

// TestParseProcStatUpToRSS: a stat line that ends with the resident set
// size (field 24), as on kernels that write fewer fields, is read.
func TestParseProcStatUpToRSS(t *testing.T) {
	line := "42 (updater) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 9\n"
	info, err := parseProcStat(42, []byte(line))
	if err != nil || info.Status != "sleep" || info.RSSBytes != 9*pageSize {
		t.Fatalf("got %+v, %v; want sleep with 9 pages", info, err)
	}
}
