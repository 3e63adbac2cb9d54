//go:build chaos && linux

package chaos

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/testsupport/e2e"
)

// rssLimit is how much a hostile config may grow the supervisor's resident
// memory: reading 40 KB of nesting or a bottomless /dev/zero unbounded
// costs gigabytes.
const rssLimit = 50 << 20

// vmRSS is pid's resident set size in bytes, from /proc/PID/status.
func vmRSS(t *testing.T, pid int) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("cannot read the memory of pid %d: %v", pid, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("cannot parse VmRSS %q: %v", rest, err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}

// checkRSS fails the test when pid's RSS grew by more than rssLimit.
func checkRSS(t *testing.T, pid int, before int64, after string) {
	t.Helper()
	now := vmRSS(t, pid)
	if now-before > rssLimit {
		t.Errorf("after %s the supervisor's RSS is %d MB, %d MB before", after, now>>20, before>>20)
	}
}

// reloadAnswers runs `supervisor reload` and fails the test unless it
// returns within limit; its output is returned.
func reloadAnswers(t *testing.T, s *e2e.Supervisor, limit time.Duration) string {
	t.Helper()
	start := time.Now()
	out, _ := s.CLI("reload", "--socket", s.Socket)
	if took := time.Since(start); took > limit {
		t.Errorf("supervisor reload took %s, more than %s", took.Round(time.Millisecond), limit)
	}
	return out
}

// testConfigFIFOAndDevZero replaces the running supervisor's config by a
// FIFO nobody writes to, then by a symlink to /dev/zero (both renamed over
// the file).
//
// What must hold: `supervisor reload` and `status` answer within a few
// seconds, config_error names the file and why it is refused, the child
// runs on undisturbed, the supervisor's memory stays bounded, and SIGTERM
// still stops it with exit 0.
func testConfigFIFOAndDevZero(t *testing.T) {
	s := newSup(t)
	s.Write(e2e.DryrunConfig(`restart_delay = "0s"`))
	s.Start()
	st := s.WaitStatus("the child to report", 20*time.Second, func(st ipc.Status) bool { return e2e.Running(st) && len(st.Records) == 1 })
	pid := st.Child.PID
	rss := vmRSS(t, s.PID())

	for _, tc := range []struct {
		what, reason string
		plant        func(path string) error
	}{
		{"a FIFO", "not a regular file", func(p string) error { return syscall.Mkfifo(p, 0o600) }},
		{"a symlink to /dev/zero", "not a regular file", func(p string) error { return os.Symlink("/dev/zero", p) }},
	} {
		tmp := s.Config + ".planted"
		os.Remove(tmp)
		if err := tc.plant(tmp); err != nil {
			t.Fatalf("cannot make %s: %v", tc.what, err)
		}
		if err := os.Rename(tmp, s.Config); err != nil {
			t.Fatal(err)
		}
		out := reloadAnswers(t, s, 5*time.Second)
		st := s.WaitStatus("config_error for "+tc.what, 5*time.Second, func(st ipc.Status) bool {
			return strings.Contains(st.Supervisor.ConfigError, s.Config) && strings.Contains(st.Supervisor.ConfigError, tc.reason)
		})
		t.Logf("%s: reload said %q; config_error %q", tc.what, strings.TrimSpace(out), st.Supervisor.ConfigError)
		if st.Child.PID != pid || !e2e.Running(st) {
			t.Errorf("%s: the child was disturbed: %s pid %d (was %d)", tc.what, st.Child.State, st.Child.PID, pid)
		}
		checkRSS(t, s.PID(), rss, tc.what)
	}
	if out, code := s.CLI("status", "--socket", s.Socket); code != ipc.StatusChildRunning {
		t.Errorf("supervisor status with the config a /dev/zero symlink: exit %d\n%s", code, out)
	}
	s.Signal(syscall.SIGTERM)
	if code, ok := s.WaitExit(20 * time.Second); !ok || code != 0 {
		t.Errorf("after SIGTERM the supervisor exited %d (ended %v), want 0", code, ok)
	}
	if !e2e.Eventually(10*time.Second, func() bool { return e2e.Ended(pid) }) {
		t.Errorf("the child %d outlived the supervisor", pid)
	}
}

// testNestedConfigSavedLive saves 40 KB of nested arrays over the running
// supervisor's config (renamed over it, as an editor does).
//
// What must hold: the file is refused with the nesting limit in
// config_error within a few seconds, the supervisor's memory stays bounded,
// and the running config (its generation and child) is kept.
func testNestedConfigSavedLive(t *testing.T) {
	s := newSup(t)
	s.Write(e2e.DryrunConfig(`restart_delay = "0s"`))
	s.Start()
	st := s.WaitStatus("the child to report", 20*time.Second, func(st ipc.Status) bool { return e2e.Running(st) && len(st.Records) == 1 })
	pid, gen := st.Child.PID, st.Supervisor.ConfigGeneration
	rss := vmRSS(t, s.PID())

	const depth = 20000 // 40 KB of "[" and "]"
	s.SaveByRename("a = " + strings.Repeat("[", depth) + strings.Repeat("]", depth) + "\n")
	start := time.Now()
	st = s.WaitStatus("the nesting limit in config_error", 5*time.Second, func(st ipc.Status) bool {
		return strings.Contains(st.Supervisor.ConfigError, "nested deeper than the limit")
	})
	t.Logf("refused in %s: %s", time.Since(start).Round(time.Millisecond), st.Supervisor.ConfigError)
	if !strings.Contains(st.Supervisor.ConfigError, s.Config) {
		t.Errorf("config_error does not name the file: %q", st.Supervisor.ConfigError)
	}
	if st.Child.PID != pid || st.Supervisor.ConfigGeneration != gen || !e2e.Running(st) {
		t.Errorf("the running config was not kept: child %s %d (was %d), generation %d (was %d)", st.Child.State, st.Child.PID, pid, st.Supervisor.ConfigGeneration, gen)
	}
	reloadAnswers(t, s, 5*time.Second)
	checkRSS(t, s.PID(), rss, "40 KB of nesting")
	if panicked(s.Out.String()) {
		t.Errorf("a panic in the supervisor")
	}
}

// escapingScript is a child that starts a grandchild in a session of its
// own (setsid, HUP and TERM ignored) whose argv[0] is marker, then sleeps.
func escapingScript(marker string) string {
	return fmt.Sprintf(`setsid /bin/bash -c 'trap "" HUP TERM; exec -a %q sleep 1000' &
exec sleep 1000
`, marker)
}

// waitMarked waits for one live process carrying marker and returns it.
func waitMarked(t *testing.T, marker string) int {
	t.Helper()
	var pids []int
	if !e2e.Eventually(10*time.Second, func() bool { pids = e2e.ProcessesWith(marker); return len(pids) > 0 }) {
		t.Fatalf("no process carrying %s started", marker)
	}
	for _, p := range pids {
		t.Cleanup(func() { syscall.Kill(p, syscall.SIGKILL) })
	}
	return pids[0]
}

// noneLeft fails the test unless every process carrying marker is gone
// within a few seconds.
func noneLeft(t *testing.T, marker, after string) {
	t.Helper()
	var left []int
	if !e2e.Eventually(5*time.Second, func() bool { left = e2e.ProcessesWith(marker); return len(left) == 0 }) {
		t.Errorf("after %s these processes are left: %v", after, left)
		for _, p := range left {
			syscall.Kill(p, syscall.SIGKILL)
		}
	}
}

// testSetsidGrandchildContained runs a child that leaves a setsid'd
// grandchild ignoring SIGHUP and SIGTERM.
//
// What must hold: after `supervisor stop` no grandchild is left, and after
// kill -9 of the supervisor neither the child nor the grandchild is.
func testSetsidGrandchildContained(t *testing.T) {
	s := newSup(t)
	marker := s.Dir + "/escaped-grandchild"
	s.WriteTo(s.Dir+"/child.sh", escapingScript(marker), 0o700)
	s.Write(fmt.Sprintf("[supervisor]\nsocket = \"@SOCKET@\"\nrestart_delay = \"0s\"\ncommand = [\"/bin/bash\", %q]\n[probe]\nenabled = false\n", s.Dir+"/child.sh"))
	s.Start()
	s.WaitStatus("the child to run", 20*time.Second, e2e.Running)
	gc := waitMarked(t, marker)
	if out, code := s.CLI("stop", "--socket", s.Socket); code != 0 {
		t.Fatalf("supervisor stop: exit %d\n%s", code, out)
	}
	noneLeft(t, marker, fmt.Sprintf("supervisor stop (grandchild %d)", gc))

	if out, code := s.CLI("start", "--socket", s.Socket); code != 0 {
		t.Fatalf("supervisor start: exit %d\n%s", code, out)
	}
	st := s.WaitStatus("the child to run again", 20*time.Second, e2e.Running)
	gc = waitMarked(t, marker)
	s.Kill9()
	noneLeft(t, marker, fmt.Sprintf("kill -9 of the supervisor (grandchild %d)", gc))
	if !e2e.Eventually(5*time.Second, func() bool { return e2e.Ended(st.Child.PID) }) {
		t.Errorf("the child %d outlived the supervisor's kill -9", st.Child.PID)
		syscall.Kill(st.Child.PID, syscall.SIGKILL)
	}
}

// testCommandSourceHang gives the updater a `command` address source that
// forks a sleeping grandchild and then hangs past the source timeout.
//
// What must hold: after the pass that timed the source out, and after a
// child restart in the middle of the next hung pass, no grandchild is left.
func testCommandSourceHang(t *testing.T) {
	s := newSup(t)
	marker := s.Dir + "/source-grandchild"
	s.WriteTo(s.Dir+"/source.sh", fmt.Sprintf("(exec -a %q sleep 1000) &\nexec sleep 1000\n", marker), 0o700)
	s.Write(strings.Replace(e2e.DryrunConfig(`restart_delay = "0s"`),
		`["/bin/echo", "192.0.2.10"]`, fmt.Sprintf(`["/bin/bash", %q]`, s.Dir+"/source.sh"), 1))
	s.Start()
	s.WaitStatus("the child to run", 20*time.Second, e2e.Running)
	waitMarked(t, marker)
	// The source's turn ends at netprobe.DefaultSourceTimeout (10 s).
	st := s.WaitStatus("the hung pass to fail", 20*time.Second, func(st ipc.Status) bool {
		return len(st.Records) == 1 && st.Records[0].Error != ""
	})
	t.Logf("pass 1: %s", st.Records[0].Error)
	noneLeft(t, marker, "the source timed out")

	// Second pass, cut short by a child restart while the source hangs.
	if out, code := s.CLI("update-now", "--socket", s.Socket); code != 0 {
		t.Fatalf("update-now: exit %d\n%s", code, out)
	}
	waitMarked(t, marker)
	if out, code := s.CLI("restart", "--socket", s.Socket); code != 0 {
		t.Fatalf("restart: exit %d\n%s", code, out)
	}
	s.WaitStatus("a new child", 20*time.Second, func(s2 ipc.Status) bool { return e2e.Running(s2) && s2.Child.PID != st.Child.PID })
	// The new child's own first pass starts a new grandchild; stop it to
	// count what the restarted one left behind.
	if out, code := s.CLI("stop", "--socket", s.Socket); code != 0 {
		t.Fatalf("stop: exit %d\n%s", code, out)
	}
	noneLeft(t, marker, "a restart and a stop in the middle of hung passes")
}

// testStderrReaderGone runs the supervisor with its stdout and stderr a pipe
// whose reader closes once the child runs (`supervisor run | head` after
// head exited).
//
// What must hold: the supervisor keeps running through a child restart,
// whose log lines all meet EPIPE, and `status` answers.
func testStderrReaderGone(t *testing.T) {
	s := newSup(t)
	s.Write(e2e.DryrunConfig(`restart_delay = "0s"`))
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(s.Bins.Path("supervisor"), "run", "--config", s.Config)
	cmd.Env = e2e.Env(s.Dir)
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	// Read the log until the child runs, then close the reader.
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		buf := make([]byte, 4096)
		for {
			if _, err := r.Read(buf); err != nil {
				return
			}
		}
	}()
	st := s.WaitStatus("the child to report", 20*time.Second, func(st ipc.Status) bool { return e2e.Running(st) && len(st.Records) == 1 })
	r.Close()
	<-drained
	for range 3 {
		if out, code := s.CLI("restart", "--socket", s.Socket); code != 0 {
			t.Fatalf("restart: exit %d\n%s", code, out)
		}
		st = s.WaitStatus("a new child", 20*time.Second, func(s2 ipc.Status) bool { return e2e.Running(s2) && s2.Child.PID != st.Child.PID })
	}
	select {
	case err := <-exited:
		t.Fatalf("the supervisor died with its stderr reader gone: %v", err)
	default:
	}
	if out, code := s.CLI("status", "--socket", s.Socket); code != ipc.StatusChildRunning {
		t.Errorf("supervisor status with the stderr reader gone: exit %d\n%s", code, out)
	}
}

// testPID1Reaping runs the supervisor as PID 1 of a PID namespace with a
// child (/bin/false) that exits 1 at once, again and again.
//
// What must hold: every exit event in status carries code 1: the
// supervisor's reaping of orphans never takes its own child's status
// ("no child processes").
func testPID1Reaping(t *testing.T) {
	needRoot(t, "make a PID namespace")
	if _, err := exec.LookPath("unshare"); err != nil {
		skipf(t, "unshare is not installed")
	}
	s := newSup(t)
	s.Write("[supervisor]\nsocket = \"@SOCKET@\"\nrestart_delay = \"0s\"\nrestart_delay_max = \"0s\"\ncrash_loop_restarts = 1000000\n" +
		"event_history = 5000\ncommand = [\"/bin/sh\", \"-c\", \"(exit 0 &); exit 1\"]\n[probe]\nenabled = false\n")
	s.Wrap = []string{"unshare", "-fp", "--mount-proc", "--kill-child=SIGTERM"}
	s.Start()
	// unshare blocks SIGTERM while it waits, so stop the supervisor itself.
	t.Cleanup(func() {
		for _, pid := range e2e.Children(s.PID()) {
			syscall.Kill(pid, syscall.SIGTERM)
		}
		s.WaitExit(20 * time.Second)
	})
	// The old reaper took about 1 exit in 1,000 (an orphan's SIGCHLD
	// while the starter had not registered a new child yet): many quick
	// exits, each child leaving an orphan that exits at once.
	const exitsWanted = 1000
	s.WaitStatus(fmt.Sprintf("%d restarts", exitsWanted), 20*time.Second, func(st ipc.Status) bool { return st.Child.Restarts >= exitsWanted })
	st, ok := statusEvents(s)
	if !ok {
		t.Fatal("status with every event got no answer")
	}
	var exits []ipc.EventStatus
	bad := 0
	for _, ev := range st.Events {
		if ev.Kind != "exited" {
			continue
		}
		exits = append(exits, ev)
		if ev.Code == nil || *ev.Code != 1 || strings.Contains(ev.Detail, "no child processes") {
			bad++
			if bad <= 5 {
				code := "none"
				if ev.Code != nil {
					code = strconv.Itoa(*ev.Code)
				}
				t.Errorf("exit event of pid %d: %q code %s, want code 1", ev.PID, ev.Detail, code)
			}
		}
	}
	if len(exits) < exitsWanted {
		t.Fatalf("status lists %d exit events, fewer than the %d restarts", len(exits), exitsWanted)
	}
	if bad > 0 {
		t.Errorf("%d of %d exit events do not carry the child's code 1", bad, len(exits))
	}
	t.Logf("%d exit events, first %s %q", len(exits), exits[0].Kind, exits[0].Detail)
}

// statusEvents asks for the status with every event the ring holds.
func statusEvents(s *e2e.Supervisor) (*ipc.Status, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	c, err := ipc.Dial(ctx, s.Socket)
	if err != nil {
		return nil, false
	}
	defer c.Close()
	st, err := c.Status(ctx, ipc.AllEvents)
	return st, err == nil
}
