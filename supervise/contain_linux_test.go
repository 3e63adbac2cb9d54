package supervise

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ddnsd/ddns/testsupport/linebuf"
)

// containHelperEnv runs the test binary as a contained supervisor (see
// containedSupervisor) instead of the tests; init runs before TestMain.
const containHelperEnv = "SUPERVISE_CONTAIN_HELPER"

func init() {
	switch os.Getenv(containHelperEnv) {
	case "supervisor":
		os.Exit(containedSupervisor())
	case "pid1-exits":
		os.Exit(pid1Exits())
	case "alloc":
		// 150 MB, touched so that it is resident.
		b := make([]byte, 150<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		fmt.Println("allocated")
		time.Sleep(time.Hour)
		fmt.Println(b[len(b)-1])
		os.Exit(0)
	}
}

// escapingScript starts two grandchildren that leave the child's process
// group and session: one through setsid that also ignores SIGHUP and
// SIGTERM (nohup and worse), one through a double fork (its parent, a
// subshell, exits at once, so it is an orphan). Then it waits.
const escapingScript = `setsid sh -c 'trap "" HUP TERM; echo gc:$$; exec sleep 1000' &
(setsid sleep 1000 & echo gc:$!)
echo ready
exec sleep 1000`

// containedSupervisor runs a real Supervisor with the starter of
// cmd/supervisor (subreaper, the cgroup named by $CONTAIN_CGROUP) and a
// SIGCHLD reaper; the child runs $CONTAIN_SCRIPT. It prints the child's
// pid and output; "stop" on stdin stops the child and prints "stopped".
func containedSupervisor() int {
	ring := NewLogRing(100)
	lines, _ := ring.Subscribe()
	go func() {
		for l := range lines {
			fmt.Println(l)
		}
	}()
	chld := make(chan os.Signal, 16)
	signal.Notify(chld, syscall.SIGCHLD)
	go func() {
		for range chld {
			ReapOrphans()
		}
	}()
	events := make(chan Event, 100)
	policy := realPolicy()
	var inspector Inspector
	if mb, _ := strconv.Atoi(os.Getenv("CONTAIN_MEMORY_MB")); mb > 0 {
		policy.MemoryLimitMB = mb
		policy.InspectInterval = 50 * time.Millisecond
		inspector = NewProcInspector()
	}
	s := New(Options{
		Policy:    policy,
		Inspector: inspector,
		Command:   Command{Path: "/bin/sh", Args: []string{"-c", os.Getenv("CONTAIN_SCRIPT")}},
		Starter:   NewExecStarter(ExecOptions{Logger: hclog.NewNullLogger(), Output: ring, Subreaper: true, Cgroup: os.Getenv("CONTAIN_CGROUP")}),
		OnEvent: func(e Event) {
			if e.Kind == EventStarted {
				fmt.Printf("child:%d\n", e.PID)
			}
			if e.Kind == EventMemoryLimit {
				fmt.Println("memory-limit:", e.Detail)
			}
			events <- e
		},
	})
	go func() { _ = s.Run(context.Background()) }()
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		if in.Text() == "stop" {
			_ = s.Stop()
			for e := range events {
				if e.Kind == EventStopped {
					break
				}
			}
			fmt.Println("stopped")
		}
	}
	return 0
}

// containedRun is one contained supervisor process.
type containedRun struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *linebuf.Cursor
}

func startContained(t *testing.T, cgroup, script string, env ...string) *containedRun {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), containHelperEnv+"=supervisor", "CONTAIN_CGROUP="+cgroup, "CONTAIN_SCRIPT="+script), env...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var output linebuf.Buffer
	go output.Feed(out)
	c := &containedRun{cmd: cmd, stdin: stdin, out: output.Cursor()}
	t.Cleanup(func() {
		// A stop first, so that the supervisor's own containment cleans up
		// (a test that killed it has nothing left to stop).
		if _, err := io.WriteString(stdin, "stop\n"); err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_, _ = output.Cursor().Await(ctx, func(l string) bool { return l == "stopped" })
			cancel()
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return c
}

// await waits for a line with the prefix and returns the rest of it.
func (c *containedRun) await(t *testing.T, prefix string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l, err := c.out.Await(ctx, func(l string) bool { return strings.HasPrefix(l, prefix) })
	if err != nil {
		t.Fatalf("no line %q from the contained supervisor: %v", prefix, err)
	}
	return strings.TrimPrefix(l, prefix)
}

// escapees returns the pids of escapingScript's two grandchildren, once
// the script said it is ready (the lines come in any order: one of them is
// printed by a background process). alive checks that they run.
func (c *containedRun) escapees(t *testing.T, alive bool) []int {
	t.Helper()
	var pids []int
	ready := false
	for len(pids) < 2 || !ready {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		l, err := c.out.Await(ctx, func(l string) bool { return strings.HasPrefix(l, "gc:") || l == "ready" })
		cancel()
		if err != nil {
			t.Fatalf("the escaping script did not report its grandchildren and readiness (pids so far %v): %v", pids, err)
		}
		if l == "ready" {
			ready = true
			continue
		}
		pid, err := strconv.Atoi(strings.TrimPrefix(l, "gc:"))
		if err != nil {
			t.Fatal(err)
		}
		pids = append(pids, pid)
	}
	for _, pid := range pids {
		if alive && gone(pid) {
			t.Fatalf("grandchild %d is not running before the test", pid)
		}
	}
	return pids
}

// testCgroup returns a fresh cgroup name for a test, or skips where this
// process cannot create cgroups (and so neither can the supervisor).
func testCgroup(t *testing.T) string {
	t.Helper()
	own, err := ownCgroup()
	if err != nil {
		t.Skipf("no cgroup v2 here: %v", err)
	}
	b := make([]byte, 4)
	rand.Read(b)
	name := "ddns-test-" + hex.EncodeToString(b)
	dir := filepath.Join(own, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Skipf("cannot create a cgroup under %s: %v", own, err)
	}
	t.Cleanup(func() {
		killCgroup(dir)
		os.Remove(dir)
	})
	return name
}

func TestStopKillsDescendantsThatEscapedTheGroup(t *testing.T) {
	cases := []struct {
		name   string
		cgroup func(t *testing.T) string
	}{
		{"subreaper", func(*testing.T) string { return "" }},
		{"cgroup", testCgroup},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := startContained(t, tc.cgroup(t), escapingScript)
			child, _ := strconv.Atoi(c.await(t, "child:"))
			gcs := c.escapees(t, true)
			io.WriteString(c.stdin, "stop\n")
			c.await(t, "stopped")
			waitGone(t, append(gcs, child)...)
		})
	}
}

func TestChildExitKillsDescendantsThatEscapedTheGroup(t *testing.T) {
	// The child exits on its own after starting the escapees; its restart
	// must not leave them behind to pile up.
	// Here the script itself prints the setsid'd pid ($!), since it may be
	// killed with the child before it could print its own.
	script := `setsid sh -c 'trap "" HUP TERM; exec sleep 1000' &
echo gc:$!
(setsid sleep 1000 & echo gc:$!)
echo ready
exit 1`
	for _, name := range []string{"subreaper", "cgroup"} {
		t.Run(name, func(t *testing.T) {
			cg := ""
			if name == "cgroup" {
				cg = testCgroup(t)
			}
			c := startContained(t, cg, script)
			gcs := c.escapees(t, false)
			waitGone(t, gcs...)
		})
	}
}

func TestKill9OfSupervisorKillsItsCgroup(t *testing.T) {
	cg := testCgroup(t)
	c := startContained(t, cg, escapingScript)
	child, _ := strconv.Atoi(c.await(t, "child:"))
	gcs := c.escapees(t, true)
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = c.cmd.Wait()
	// The parent-death signal takes the child; the keeper, the setsid'd
	// grandchildren that nothing else reaches.
	waitGone(t, append(gcs, child)...)
}

func TestLeftoverCgroupIsEmptiedAtStart(t *testing.T) {
	cg := testCgroup(t)
	own, _ := ownCgroup()
	dir := filepath.Join(own, cg)
	// A predecessor's escapee: a process left in the cgroup.
	left := exec.Command("sleep", "1000")
	if err := left.Start(); err != nil {
		t.Fatal(err)
	}
	defer left.Process.Kill()
	if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(left.Process.Pid)), 0); err != nil {
		t.Skipf("cannot move a process into the test cgroup: %v", err)
	}
	logs := &linebuf.Buffer{}
	NewExecStarter(ExecOptions{Logger: hclog.New(&hclog.LoggerOptions{Output: logs}), Cgroup: cg})
	err := left.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the leftover process ended with %v, want SIGKILL", err)
	}
	if !strings.Contains(logs.String(), "left in the child's cgroup by an earlier supervisor") {
		t.Errorf("no warning about the leftover:\n%s", logs.String())
	}
}

func TestMemoryLimitCountsGrandchildren(t *testing.T) {
	// The wrapper (sh) stays small; its child, this binary, holds 150 MB.
	p := realPolicy()
	p.MemoryLimitMB = 100
	p.InspectInterval = 50 * time.Millisecond
	cmd := Command{
		Path: "/bin/sh", Args: []string{"-c", `"$0" -test.run='^$'; echo done`, os.Args[0]},
		Env: append(os.Environ(), containHelperEnv+"=alloc"),
	}
	r := startRealWith(t, p, cmd, func(o *Options) {
		o.Inspector = NewProcInspector()
	})
	// The limit may strike before the allocation is even finished.
	e := r.waitEvent(EventMemoryLimit)
	if !strings.Contains(e.Detail, "memory") {
		t.Errorf("memory event %+v", e)
	}
}

func TestTTYOutputIsDrainedIntoTheLog(t *testing.T) {
	// 1 MB to the controlling terminal: far more than its buffer holds.
	script := `(head -c 1000000 /dev/zero | tr '\0' 'x'; echo; echo tty-done) > /dev/tty; echo finished`
	r := startReal(t, realPolicy(), Command{Path: "/bin/sh", Args: []string{"-c", script}})
	r.waitEvent(EventExited) // the output is drained before the exit is reported
	lines := r.ring.Last(0)
	if !slices.Contains(lines, "finished") || !slices.Contains(lines, "tty-done") || !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, "xxxx") }) {
		t.Errorf("the terminal's text is not in the log: %d lines, want the x line, tty-done and finished", len(lines))
	}
}

func TestReapOrphansLeavesOwnChildren(t *testing.T) {
	// Our own child, exited and not yet waited for, is not an orphan.
	s := NewExecStarter(ExecOptions{})
	p, err := s.Start(Command{Path: "/bin/sh", Args: []string{"-c", "exit 7"}})
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		ReapOrphans()
	}
	<-p.Done()
	if st := p.Exit(); st.Code != 7 || st.Err != nil {
		t.Fatalf("exit %+v, want code 7", st)
	}
}

func TestContainedChildRestartsAfterCgroupKill(t *testing.T) {
	// Each round leaves a setsid'd grandchild, so the cgroup is killed
	// after every exit; the next child must still run (Linux keeps killing
	// what is cloned into a cgroup once killed, so it is replaced).
	s := NewExecStarter(ExecOptions{Cgroup: testCgroup(t)})
	for i := range 3 {
		p, err := s.Start(escapeThen(t, "exec sleep 1000"))
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Kill(); err != nil {
			t.Fatal(err)
		}
		<-p.Done()
		if st := p.Exit(); st.Signal != "SIGKILL" {
			t.Fatalf("round %d: exit %+v, want killed by our SIGKILL", i, st)
		}
		// A child that exits on its own shows whether the cgroup killed it.
		p, err = s.Start(escapeThen(t, "exit 3"))
		if err != nil {
			t.Fatal(err)
		}
		<-p.Done()
		if st := p.Exit(); st.Code != 3 {
			t.Fatalf("round %d: a child in the reused cgroup ended with %+v, want exit code 3", i, st)
		}
	}
}

// pid1Exits runs as PID 1 of a fresh PID namespace: an orphan reaper takes
// every SIGCHLD while 1,000 children exit, each leaving an orphan behind
// for the reaper; every child's exit code must reach its own wait.
func pid1Exits() int {
	chld := make(chan os.Signal, 64)
	signal.Notify(chld, syscall.SIGCHLD)
	go func() {
		for range chld {
			ReapOrphans()
		}
	}()
	s := NewExecStarter(ExecOptions{})
	bad := 0
	for i := range 1000 {
		code := i % 200
		p, err := s.Start(Command{Path: "/bin/sh", Args: []string{"-c", fmt.Sprintf("(true &); exit %d", code)}})
		if err != nil {
			fmt.Println("start:", err)
			return 1
		}
		<-p.Done()
		if st := p.Exit(); st.Code != code || st.Err != nil {
			bad++
			fmt.Printf("exit %d: got %+v\n", i, st)
		}
	}
	fmt.Printf("wrong exits: %d\n", bad)
	return 0
}

func TestPID1ReaperLeavesChildExitCodes(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for a PID namespace (unshare -fp)")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("unshare not installed")
	}
	cmd := exec.Command("unshare", "-fp", "--mount-proc", "--kill-child", os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), containHelperEnv+"=pid1-exits")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the PID 1 helper failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "wrong exits: 0\n") {
		t.Fatalf("children's exit codes were lost to the orphan reaper:\n%.4000s", out)
	}
}

func TestKilledEscapeesAreLogged(t *testing.T) {
	logs := &linebuf.Buffer{}
	s := NewExecStarter(ExecOptions{Logger: hclog.New(&hclog.LoggerOptions{Output: logs}), Cgroup: testCgroup(t)})
	// The child "daemonizes": its worker leaves the session, the child exits 0.
	p, err := s.Start(escapeThen(t, "exit 0"))
	if err != nil {
		t.Fatal(err)
	}
	<-p.Done()
	if !strings.Contains(logs.String(), "killed processes the child left behind outside its process group") || !strings.Contains(logs.String(), "processes=1") {
		t.Errorf("no warning about the killed daemon:\n%s", logs.String())
	}
}

// escapeThen is a child that starts a grandchild in a session of its own,
// waits until the grandchild is there (it creates a file once it left the
// child's session), and then runs then.
func escapeThen(t *testing.T, then string) Command {
	mark := filepath.Join(t.TempDir(), "escaped")
	script := `setsid sh -c ': > "$0"; exec sleep 1000' "$0" &
while [ ! -e "$0" ]; do :; done
` + then
	return Command{Path: "/bin/sh", Args: []string{"-c", script, mark}}
}

func TestMemoryLimitCountsDoubleForkedOrphans(t *testing.T) {
	// No cgroup: the 150 MB grandchild double-forks away from the child's
	// tree, so only the subreaper's orphans bring it back into the count.
	script := `(setsid env ` + containHelperEnv + `=alloc "$SELF" -test.run='^$' > /dev/null &)
exec sleep 1000`
	c := startContained(t, "", script, "CONTAIN_MEMORY_MB=100", "SELF="+os.Args[0])
	c.await(t, "child:")
	c.await(t, "memory-limit:")
}
