//go:build linux

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ddnsd/ddns/ipc"
)

// The end-to-end tests run the real binaries: TestMain builds supervisor and
// updater into a temporary folder. A test that needs a child with a given
// behaviour points [supervisor] command at this test binary, which then acts
// as that child (see helperChild).

var binDir string

func TestMain(m *testing.M) {
	if mode := os.Getenv("DDNS_TEST_CHILD"); mode != "" {
		os.Exit(helperChild(mode))
	}
	dir, err := os.MkdirTemp("", "ddns-e2e-")
	if err != nil {
		panic(err)
	}
	binDir = dir
	out, err := exec.Command("go", "build", "-o", dir+"/", "github.com/ddnsd/ddns/cmd/supervisor", "github.com/ddnsd/ddns/cmd/updater").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building the binaries failed: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// helperChild is the test binary acting as the supervised child.
func helperChild(mode string) int {
	switch mode {
	case "exit":
		code, _ := strconv.Atoi(os.Getenv("DDNS_TEST_CODE"))
		return code
	case "hang": // runs until stopped, never reports
		fmt.Println("child hanging, pid", os.Getpid())
		select {}
	case "report": // reports like the updater, every 100ms
		sock := os.Getenv(ipc.EnvSocket)
		r := ipc.NewReporter(sock, nil)
		tick := time.NewTicker(100 * time.Millisecond) // the child's own heartbeat pace
		for range tick.C {
			r.Send(context.Background(), ipc.Report{PID: os.Getpid(), At: time.Now(), Records: []ipc.RecordStatus{{Name: "home.example.test", Type: "A", Address: "192.0.2.1", SyncedAt: ipc.TimeOf(time.Now())}}})
		}
	case "orphans": // leaves zombie-to-be grandchildren behind, then idles
		for i := 0; i < 3; i++ {
			c := exec.Command("/bin/sh", "-c", "sleep 0.05 &")
			c.Start()
			c.Wait()
		}
		fmt.Println("orphans made")
		select {}
	}
	return 99
}

type env struct {
	t      *testing.T
	dir    string
	config string
	socket string
	cmd    *exec.Cmd
	out    *lineBuffer
}

// lineBuffer collects a process's output and lets a test wait for a line.
type lineBuffer struct {
	mu    sync.Mutex
	lines []string
	cond  *sync.Cond
}

func newLineBuffer() *lineBuffer {
	b := &lineBuffer{}
	b.cond = sync.NewCond(&b.mu)
	return b
}

func (b *lineBuffer) feed(r *os.File) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		b.mu.Lock()
		b.lines = append(b.lines, sc.Text())
		b.cond.Broadcast()
		b.mu.Unlock()
	}
}

func (b *lineBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.lines, "\n")
}

func newEnv(t *testing.T, config string) *env {
	t.Helper()
	dir := t.TempDir()
	e := &env{t: t, dir: dir, config: filepath.Join(dir, "config.toml"), socket: filepath.Join(dir, "run", "s.sock")}
	e.write(config)
	return e
}

// write saves the config in place, with the socket and state file inside the test folder.
func (e *env) write(config string) {
	e.t.Helper()
	full := strings.Replace(config, "[supervisor]", fmt.Sprintf("[supervisor]\nsocket = %q", e.socket), 1)
	if !strings.Contains(config, "[supervisor]") {
		full = fmt.Sprintf("[supervisor]\nsocket = %q\n", e.socket) + config
	}
	full = strings.ReplaceAll(full, "@SELF@", os.Args[0])
	full = strings.ReplaceAll(full, "@STATE@", filepath.Join(e.dir, "state.json"))
	if err := os.WriteFile(e.config, []byte(full), 0o600); err != nil {
		e.t.Fatal(err)
	}
}

// saveByRename saves the config the way vim and sed -i do.
func (e *env) saveByRename(config string) {
	e.t.Helper()
	orig := e.config
	e.config = orig + ".tmp"
	e.write(config)
	e.config = orig
	if err := os.Rename(orig+".tmp", orig); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) start(extraEnv ...string) {
	e.t.Helper()
	e.cmd = exec.Command(filepath.Join(binDir, "supervisor"), "run", "--config", e.config)
	e.cmd.Env = append(os.Environ(), extraEnv...)
	pr, pw, _ := os.Pipe()
	e.cmd.Stdout, e.cmd.Stderr = pw, pw
	e.out = newLineBuffer()
	if err := e.cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	pw.Close()
	go e.out.feed(pr)
	e.t.Cleanup(func() {
		if e.cmd.ProcessState == nil {
			e.cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { e.cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				e.cmd.Process.Kill()
			}
		}
		if e.t.Failed() {
			e.t.Logf("supervisor output:\n%s", e.out)
		}
	})
}

// status asks the running supervisor; ok is false when nobody answers.
func (e *env) status() (ipc.Status, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c, err := ipc.Dial(ctx, e.socket)
	if err != nil {
		return ipc.Status{}, false
	}
	defer c.Close()
	rep, err := c.Do(ctx, ipc.Request{Cmd: ipc.CmdStatus})
	if err != nil || rep.Status == nil {
		return ipc.Status{}, false
	}
	return *rep.Status, true
}

// waitFor asks for the status until cond holds; each try is a socket round trip.
func (e *env) waitFor(what string, timeout time.Duration, cond func(ipc.Status) bool) ipc.Status {
	e.t.Helper()
	deadline := time.Now().Add(timeout)
	var last ipc.Status
	tick := time.NewTicker(10 * time.Millisecond) // paces the socket round trips
	defer tick.Stop()
	for time.Now().Before(deadline) {
		if st, ok := e.status(); ok {
			last = st
			if cond(st) {
				return st
			}
		}
		<-tick.C
	}
	b, _ := json.MarshalIndent(last, "", "  ")
	e.t.Fatalf("timed out after %s waiting for %s; last status:\n%s", timeout, what, b)
	return last
}

func (e *env) cli(args ...string) (string, int) {
	e.t.Helper()
	c := exec.Command(filepath.Join(binDir, "supervisor"), args...)
	out, err := c.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatal(err)
	}
	return string(out), code
}

// eventually polls cond (the kernel's process table, a socket) until it
// holds or the deadline passes.
func eventually(timeout time.Duration, cond func() bool) bool {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		<-tick.C
	}
	return true
}

func running(st ipc.Status) bool { return st.Child.State == "running" && st.Child.PID != 0 }

func processGone(pid int) bool {
	if err := syscall.Kill(pid, 0); err == syscall.ESRCH {
		return true
	}
	// A zombie is gone for our purposes only once reaped; read its state.
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	return err != nil || strings.Contains(string(b), ") Z ")
}

const dryrunConfig = `
[supervisor]
restart_delay = "0s"
[probe]
enabled = false
[updater]
interval = "1h"
state_file = "@STATE@"
[ip]
v4 = [{ type = "command", command = ["/bin/echo", "192.0.2.10"] }]
allow_private = true
[providers.local]
type = "dryrun"
[[records]]
provider = "local"
zone = "example.test"
name = "home"
`

func TestRunStatusAndControl(t *testing.T) {
	e := newEnv(t, dryrunConfig)
	if out, code := e.cli("status", "--socket", e.socket); code != ipc.StatusNoSupervisor {
		t.Fatalf("status with no supervisor: exit %d, want 4\n%s", code, out)
	}
	e.start()
	st := e.waitFor("the updater to report its record", 20*time.Second, func(st ipc.Status) bool {
		return running(st) && len(st.Records) == 1 && st.Records[0].Address == "192.0.2.10"
	})
	if st.Supervisor.ConfigPath != e.config || st.Supervisor.ConfigGeneration != 1 || st.Supervisor.ConfigHash == "" {
		t.Errorf("supervisor section: %+v", st.Supervisor)
	}
	out, code := e.cli("status", "--socket", e.socket)
	if code != 0 || !strings.Contains(out, "running") || !strings.Contains(out, "home.example.test") {
		t.Errorf("status: exit %d\n%s", code, out)
	}
	out, code = e.cli("status", "--json", "--config", e.config)
	var doc map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil || doc["child"] == nil || doc["network"] == nil || doc["events"] == nil {
		t.Errorf("status --json: exit %d\n%s", code, out)
	}
	if out, code = e.cli("stop", "--socket", e.socket); code != 0 {
		t.Fatalf("stop: %d %s", code, out)
	}
	e.waitFor("stopped", 15*time.Second, func(st ipc.Status) bool { return st.Child.State == "stopped" })
	if out, code = e.cli("status", "--socket", e.socket); code != ipc.StatusChildNotRunning {
		t.Errorf("status of a stopped child: exit %d, want 3\n%s", code, out)
	}
	if out, code = e.cli("start", "--socket", e.socket); code != 0 {
		t.Fatalf("start: %d %s", code, out)
	}
	st = e.waitFor("running again", 15*time.Second, running)
	pid := st.Child.PID
	if out, code = e.cli("restart", "--socket", e.socket); code != 0 {
		t.Fatalf("restart: %d %s", code, out)
	}
	st = e.waitFor("a new child", 15*time.Second, func(st ipc.Status) bool { return running(st) && st.Child.PID != pid })
	if st.Child.ConsecutiveFailures != 0 {
		t.Errorf("a requested restart counted as a failure: %+v", st.Child)
	}
	if out, code = e.cli("logs", "-n", "100", "--socket", e.socket); code != 0 || !strings.Contains(out, "would set") {
		t.Errorf("logs: exit %d\n%s", code, out)
	}
	if out, code = e.cli("update-now", "--socket", e.socket); code != 0 {
		t.Errorf("update-now: exit %d %s", code, out)
	}
	// SIGTERM: the child stops first, then the supervisor exits 0.
	child := st.Child.PID
	e.cmd.Process.Signal(syscall.SIGTERM)
	if err := e.cmd.Wait(); err != nil {
		t.Fatalf("supervisor exit after SIGTERM: %v", err)
	}
	if !processGone(child) {
		t.Errorf("child %d outlived the supervisor", child)
	}
}

func TestSecondSupervisorRefused(t *testing.T) {
	e := newEnv(t, dryrunConfig)
	e.start()
	e.waitFor("running", 20*time.Second, running)
	out, code := e.cli("run", "--config", e.config)
	if code == 0 || !strings.Contains(out, "already") {
		t.Fatalf("second supervisor: exit %d\n%s", code, out)
	}
	if _, ok := e.status(); !ok {
		t.Fatal("the first supervisor stopped answering")
	}
}

func TestKill9LeavesNoOrphan(t *testing.T) {
	e := newEnv(t, "[supervisor]\ncommand = [\"@SELF@\"]\n[probe]\nenabled = false\n")
	e.start("DDNS_TEST_CHILD=hang")
	st := e.waitFor("running", 20*time.Second, running)
	e.cmd.Process.Kill()
	e.cmd.Wait()
	if !eventually(10*time.Second, func() bool { return processGone(st.Child.PID) }) {
		t.Fatalf("child %d survived kill -9 of its supervisor", st.Child.PID)
	}
	// The next supervisor takes over: the lock and the stale socket are free.
	e.start("DDNS_TEST_CHILD=hang")
	e.waitFor("the next supervisor's child", 20*time.Second, running)
}

func TestExitCodePolicy(t *testing.T) {
	cases := []struct {
		code  int
		state string
	}{
		{2, "waiting-config"},
		{5, "waiting-config"},
		{4, "backoff"},
		{0, "stopped"},
	}
	for _, tc := range cases {
		t.Run(strconv.Itoa(tc.code), func(t *testing.T) {
			e := newEnv(t, "[supervisor]\ncommand = [\"@SELF@\"]\nrestart_delay = \"0s\"\n[probe]\nenabled = false\n")
			e.start("DDNS_TEST_CHILD=exit", "DDNS_TEST_CODE="+strconv.Itoa(tc.code))
			st := e.waitFor(tc.state, 20*time.Second, func(st ipc.Status) bool { return st.Child.State == tc.state })
			if st.Child.LastExit == nil || st.Child.LastExit.Code != tc.code {
				t.Errorf("last exit %+v, want code %d", st.Child.LastExit, tc.code)
			}
		})
	}
}

func TestWatchdogRestartsSilentChild(t *testing.T) {
	e := newEnv(t, "[supervisor]\ncommand = [\"@SELF@\"]\nwatchdog = \"500ms\"\nrestart_delay = \"0s\"\n[probe]\nenabled = false\n")
	e.start("DDNS_TEST_CHILD=hang")
	e.waitFor("a watchdog restart", 20*time.Second, func(st ipc.Status) bool {
		for _, ev := range st.Events {
			if ev.Kind == "watchdog" {
				return st.Child.Restarts >= 1
			}
		}
		return false
	})
}

func TestReportsFeedStatusAndWatchdog(t *testing.T) {
	e := newEnv(t, "[supervisor]\ncommand = [\"@SELF@\"]\nwatchdog = \"2s\"\n[probe]\nenabled = false\n")
	e.start("DDNS_TEST_CHILD=report")
	st := e.waitFor("a report", 20*time.Second, func(st ipc.Status) bool { return len(st.Records) == 1 })
	pid := st.Child.PID
	// Three watchdog periods later the same child still runs: reports keep it alive.
	// A negative check needs an observation window: three watchdog periods.
	if eventually(6*time.Second, func() bool { st, _ = e.status(); return st.Child.PID != pid }) {
		t.Fatalf("a reporting child was restarted: %+v", st.Events)
	}
}

func TestNetworkWaitThenStart(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // the probe target is down at boot
	e := newEnv(t, fmt.Sprintf("[supervisor]\ncommand = [\"@SELF@\"]\n[probe]\ninterval = \"200ms\"\ninterval_max = \"200ms\"\ntimeout = \"200ms\"\ndns = []\ntcp = [%q]\n", addr))
	e.start("DDNS_TEST_CHILD=hang")
	st := e.waitFor("waiting-network", 20*time.Second, func(st ipc.Status) bool { return st.Child.State == "waiting-network" })
	if st.Network.Ready || len(st.Network.Checks) != 1 || st.Network.Checks[0].OK {
		t.Errorf("network section while down: %+v", st.Network)
	}
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot reopen %s: %v", addr, err)
	}
	defer ln.Close()
	back := time.Now()
	st = e.waitFor("the child to start once the network is back", 10*time.Second, running)
	// A figure for the record, not a pass/fail timing: the probe interval is 200ms.
	t.Logf("probe target back → child running seen after %v (probe interval 200ms)", time.Since(back).Round(time.Millisecond))
	if !st.Network.Ready {
		t.Errorf("network not ready in status after start: %+v", st.Network)
	}
}

func TestHotReload(t *testing.T) {
	base := "[supervisor]\ncommand = [\"@SELF@\"]\nrestart_delay = \"0s\"\n%s\n[probe]\nenabled = false\n[updater]\ninterval = \"%s\"\n"
	e := newEnv(t, fmt.Sprintf(base, "", "1h"))
	e.start("DDNS_TEST_CHILD=hang")
	st := e.waitFor("running", 20*time.Second, running)
	pid := st.Child.PID

	// A supervisor-only change applies live: same child.
	e.saveByRename(fmt.Sprintf(base, "stop_timeout = \"3s\"", "1h"))
	st = e.waitFor("generation 2", 10*time.Second, func(st ipc.Status) bool { return st.Supervisor.ConfigGeneration == 2 })
	if st.Child.PID != pid {
		t.Errorf("a supervisor-only change restarted the child (%d -> %d)", pid, st.Child.PID)
	}
	// Invalid: the running config stays, the error shows with its position.
	e.saveByRename(fmt.Sprintf(base, "stop_timeout = \"3 seconds\"", "1h"))
	st = e.waitFor("the config error", 10*time.Second, func(st ipc.Status) bool { return st.Supervisor.ConfigError != "" })
	if !strings.Contains(st.Supervisor.ConfigError, e.config+":") || !strings.Contains(st.Supervisor.ConfigError, "stop_timeout") || st.Child.PID != pid {
		t.Errorf("invalid save: error %q, pid %d (was %d)", st.Supervisor.ConfigError, st.Child.PID, pid)
	}
	// An updater change, saved in place: the child restarts gracefully.
	e.write(fmt.Sprintf(base, "", "2h"))
	st = e.waitFor("a new child for the updater change", 10*time.Second, func(st ipc.Status) bool {
		return st.Supervisor.ConfigError == "" && st.Supervisor.ConfigGeneration == 3 && running(st) && st.Child.PID != pid
	})
	if st.Child.ConsecutiveFailures != 0 {
		t.Errorf("a config restart counted as a failure: %+v", st.Child)
	}
}

func TestWaitingConfigStartsOnValidSave(t *testing.T) {
	e := newEnv(t, "[supervisor]\ncommand = [\"@SELF@\", \"code2\"]\n[probe]\nenabled = false\n")
	e.start("DDNS_TEST_CHILD=exit", "DDNS_TEST_CODE=2")
	e.waitFor("waiting-config", 20*time.Second, func(st ipc.Status) bool { return st.Child.State == "waiting-config" })
	e.saveByRename("[supervisor]\ncommand = [\"/bin/sleep\", \"600\"]\n[probe]\nenabled = false\n")
	e.waitFor("the fixed child to run", 10*time.Second, func(st ipc.Status) bool {
		return running(st) && strings.HasSuffix(st.Child.Command[0], "sleep")
	})
}

func TestCheck(t *testing.T) {
	e := newEnv(t, "[providers.cf]\ntype = \"cloudflare\"\napi_token = \"very-secret-token\"\n[[records]]\nprovider = \"cf\"\nzone = \"example.com\"\n")
	out, code := e.cli("check", "--config", e.config)
	if code != 0 || strings.Contains(out, "very-secret-token") || !strings.Contains(out, "********") {
		t.Errorf("check: exit %d\n%s", code, out)
	}
	e.write("[providers.cf]\ntype = \"cloudflare\"\napi_tokn = \"x\"\n")
	out, code = e.cli("check", "--config", e.config)
	if code != 2 || !strings.Contains(out, e.config+":5:1: providers.cf.api_tokn: unknown key") {
		t.Errorf("check of a bad key: exit %d\n%s", code, out)
	}
}

func TestPID1ReapsOrphans(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for a PID namespace (unshare -fp)")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("unshare not installed")
	}
	e := newEnv(t, "[supervisor]\ncommand = [\"@SELF@\"]\n[probe]\nenabled = false\n")
	e.cmd = exec.Command("unshare", "-fp", "--mount-proc", "--kill-child=SIGTERM", filepath.Join(binDir, "supervisor"), "run", "--config", e.config)
	e.cmd.Env = append(os.Environ(), "DDNS_TEST_CHILD=orphans")
	pr, pw, _ := os.Pipe()
	e.cmd.Stdout, e.cmd.Stderr = pw, pw
	e.out = newLineBuffer()
	if err := e.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	go e.out.feed(pr)
	// unshare blocks SIGTERM while it waits, so stop the supervisor itself.
	defer func() {
		kids, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", e.cmd.Process.Pid, e.cmd.Process.Pid))
		for _, k := range strings.Fields(string(kids)) {
			if pid, err := strconv.Atoi(k); err == nil {
				syscall.Kill(pid, syscall.SIGTERM)
			}
		}
		e.cmd.Wait()
	}()
	e.waitFor("running", 20*time.Second, running)
	// The orphans (sleep 0.05) exit, become zombies of PID 1, and must be reaped.
	if !eventually(10*time.Second, func() bool {
		return strings.Contains(e.out.String(), "orphans made") && zombiesUnder(e.cmd.Process.Pid) == 0
	}) {
		t.Fatalf("%d zombies left under the supervisor in its PID namespace\n%s", zombiesUnder(e.cmd.Process.Pid), e.out)
	}
}

// zombiesUnder counts zombie processes whose parent is the namespace's PID 1
// (the supervisor, a child of the unshare process).
func zombiesUnder(unsharePID int) int {
	kids, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", unsharePID, unsharePID))
	n := 0
	for _, k := range strings.Fields(string(kids)) {
		grand, _ := os.ReadFile("/proc/" + k + "/task/" + k + "/children")
		for _, g := range strings.Fields(string(grand)) {
			b, _ := os.ReadFile("/proc/" + g + "/stat")
			if strings.Contains(string(b), ") Z ") {
				n++
			}
		}
	}
	return n
}

func TestMissingConfigAndBinaryAreReported(t *testing.T) {
	e := newEnv(t, "")
	os.Remove(e.config)
	// No config file yet: the supervisor comes up, says so, and waits for it.
	e.cmd = exec.Command(filepath.Join(binDir, "supervisor"), "run", "--config", e.config, "--socket", e.socket)
	pr, pw, _ := os.Pipe()
	e.cmd.Stdout, e.cmd.Stderr = pw, pw
	e.out = newLineBuffer()
	if err := e.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	go e.out.feed(pr)
	defer func() { e.cmd.Process.Signal(syscall.SIGTERM); e.cmd.Wait() }()
	// The updater, given the same missing file, exits 2: the child waits for the config.
	e.waitFor("waiting for the config", 10*time.Second, func(st ipc.Status) bool {
		return strings.Contains(st.Supervisor.ConfigError, "does not exist") && st.Child.State == "waiting-config"
	})
	if !eventually(10*time.Second, func() bool { return strings.Contains(e.out.String(), "does not exist; the supervisor waits") }) {
		t.Fatalf("no plain message about the missing config:\n%s", e.out)
	}
	// The file appears, naming a command that does not exist: the log says so plainly.
	e.write("[supervisor]\ncommand = [\"/nonexistent/updater\"]\n[probe]\nenabled = false\n")
	st := e.waitFor("the created config", 10*time.Second, func(st ipc.Status) bool { return st.Supervisor.ConfigGeneration == 1 })
	if st.Supervisor.ConfigError != "" {
		t.Errorf("config error not cleared: %q", st.Supervisor.ConfigError)
	}
	if !eventually(10*time.Second, func() bool { return strings.Contains(e.out.String(), "cannot start /nonexistent/updater") }) {
		t.Fatalf("no plain message about the missing binary:\n%s", e.out)
	}
}

// TestSaveStyles saves the config of a running supervisor in each way editors
// and deployment tools do, and checks through the socket that every save was
// applied (the generation moves on) without touching the child.
func TestSaveStyles(t *testing.T) {
	cfgText := func(n int) string {
		return fmt.Sprintf("[supervisor]\ncommand = [\"@SELF@\"]\nstop_timeout = \"%ds\"\n[probe]\nenabled = false\n", n)
	}
	e := newEnv(t, cfgText(1))
	// Kubernetes-style layout: config.toml -> ..data/config.toml, ..data -> a timestamped folder.
	link := filepath.Join(e.dir, "k8s", "config.toml")
	os.MkdirAll(filepath.Join(e.dir, "k8s", "v0"), 0o700)
	os.Rename(e.config, filepath.Join(e.dir, "k8s", "v0", "config.toml"))
	os.Symlink("v0", filepath.Join(e.dir, "k8s", "..data"))
	os.Symlink(filepath.Join("..data", "config.toml"), link)
	e.config = link
	e.start("DDNS_TEST_CHILD=hang")
	st := e.waitFor("running", 20*time.Second, running)
	pid, gen := st.Child.PID, st.Supervisor.ConfigGeneration

	target := func() string { p, _ := filepath.EvalSymlinks(link); return p }
	styles := []struct {
		name string
		save func(n int)
	}{
		{"in place", func(n int) { e.writeTo(target(), cfgText(n)) }},
		{"temp then rename", func(n int) {
			e.writeTo(target()+".swp", cfgText(n))
			os.Rename(target()+".swp", target())
		}},
		{"delete and recreate", func(n int) {
			p := target()
			os.Remove(p)
			e.writeTo(p, cfgText(n))
		}},
		{"symlink swap", func(n int) {
			v := filepath.Join(e.dir, "k8s", fmt.Sprintf("v%d", n))
			os.MkdirAll(v, 0o700)
			e.writeTo(filepath.Join(v, "config.toml"), cfgText(n))
			tmp := filepath.Join(e.dir, "k8s", "..data_tmp")
			os.Symlink(filepath.Base(v), tmp)
			os.Rename(tmp, filepath.Join(e.dir, "k8s", "..data"))
		}},
	}
	for i, s := range styles {
		s.save(i + 2)
		gen++
		want := gen
		st = e.waitFor(s.name+" to apply", 10*time.Second, func(st ipc.Status) bool { return st.Supervisor.ConfigGeneration == want })
		if st.Child.PID != pid || st.Supervisor.ConfigError != "" {
			t.Errorf("%s: child %d (was %d), config error %q", s.name, st.Child.PID, pid, st.Supervisor.ConfigError)
		}
	}
}

// writeTo writes a config (with the test's socket) to path.
func (e *env) writeTo(path, config string) {
	e.t.Helper()
	orig := e.config
	e.config = path
	e.write(config)
	e.config = orig
}

// TestReloadKeepsNetworkVerdict: a reload that leaves [probe] alone must not
// forget the last probe, or status (and /healthz) would say "network not
// ready: not probed yet" until the next start of the child.
func TestReloadKeepsNetworkVerdict(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	base := "[supervisor]\ncommand = [\"@SELF@\"]\nstop_timeout = \"%s\"\n[probe]\ndns = []\ntcp = [%q]\n"
	e := newEnv(t, fmt.Sprintf(base, "5s", ln.Addr().String()))
	e.start("DDNS_TEST_CHILD=hang")
	st := e.waitFor("running with the network ready", 20*time.Second, func(st ipc.Status) bool { return running(st) && st.Network.Ready })
	pid := st.Child.PID
	e.saveByRename(fmt.Sprintf(base, "3s", ln.Addr().String()))
	st = e.waitFor("generation 2", 10*time.Second, func(st ipc.Status) bool { return st.Supervisor.ConfigGeneration == 2 })
	if st.Child.PID != pid || !st.Network.Ready || len(st.Network.Checks) != 1 {
		t.Errorf("after a supervisor-only reload: child %d (was %d), network %+v", st.Child.PID, pid, st.Network)
	}
	// A new probe target is probed at once, not at the next start.
	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln2.Close()
	e.saveByRename(fmt.Sprintf(base, "3s", ln2.Addr().String()))
	st = e.waitFor("the new target probed", 10*time.Second, func(st ipc.Status) bool {
		return st.Supervisor.ConfigGeneration == 3 && st.Network.Ready && len(st.Network.Checks) == 1 && st.Network.Checks[0].Target == ln2.Addr().String()
	})
	if st.Child.PID != pid {
		t.Errorf("a [probe] change restarted the child (%d -> %d)", pid, st.Child.PID)
	}
}

// TestStrayReportRefused: a report from a process that is not the child (this
// test, same user) gets an error and does not reach the status or the watchdog.
func TestStrayReportRefused(t *testing.T) {
	e := newEnv(t, "[supervisor]\ncommand = [\"@SELF@\"]\n[probe]\nenabled = false\n")
	e.start("DDNS_TEST_CHILD=hang")
	e.waitFor("running", 20*time.Second, running)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := ipc.Dial(ctx, e.socket)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rep, err := c.Do(ctx, ipc.Request{Cmd: ipc.CmdReport, Report: &ipc.Report{PID: os.Getpid(), At: time.Now(),
		Records: []ipc.RecordStatus{{Name: "stray.example.test", Type: "A", Address: "192.0.2.99"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK || !strings.Contains(rep.Error, "not the supervised updater") {
		t.Fatalf("stray report answered %+v", rep)
	}
	if st, _ := e.status(); len(st.Records) != 0 || st.Child.LastReportAgeSeconds != 0 {
		t.Errorf("a stray report reached the status: %+v %+v", st.Records, st.Child)
	}
}

// TestStatusEventsFlag: `status` sends the last 20 events unless --events
// asks for N or all, with --json as in the table, and says how many older
// ones it left out.
func TestStatusEventsFlag(t *testing.T) {
	e := newEnv(t, "[supervisor]\ncommand = [\"@SELF@\"]\nrestart_delay = \"0s\"\n[probe]\nenabled = false\n")
	e.start("DDNS_TEST_CHILD=hang")
	pid := e.waitFor("running", 20*time.Second, running).Child.PID
	for range 7 { // each restart adds restart-requested, stopping, exited and started
		if out, code := e.cli("restart", "--socket", e.socket); code != 0 {
			t.Fatalf("restart: exit %d %s", code, out)
		}
		pid = e.waitFor("a new child", 15*time.Second, func(st ipc.Status) bool { return running(st) && st.Child.PID != pid }).Child.PID
	}
	asJSON := func(args ...string) ipc.Status {
		t.Helper()
		out, code := e.cli(append([]string{"status", "--json", "--socket", e.socket}, args...)...)
		var st ipc.Status
		if code != 0 || json.Unmarshal([]byte(out), &st) != nil {
			t.Fatalf("status --json %v: exit %d\n%s", args, code, out)
		}
		return st
	}
	all := asJSON("--events", "all")
	total := len(all.Events)
	if total <= ipc.DefaultStatusEvents || all.EventsOmitted != 0 {
		t.Fatalf("--events all: %d events, %d omitted; want more than %d, none omitted", total, all.EventsOmitted, ipc.DefaultStatusEvents)
	}
	for _, tc := range []struct {
		args []string
		want int
	}{{nil, ipc.DefaultStatusEvents}, {[]string{"--events", "3"}, 3}} {
		st := asJSON(tc.args...)
		// Events may have been added since: the omitted count grows with them.
		if len(st.Events) != tc.want || st.EventsOmitted < total-tc.want {
			t.Errorf("status --json %v: %d events, %d omitted; want %d and at least %d", tc.args, len(st.Events), st.EventsOmitted, tc.want, total-tc.want)
		}
	}
	out, code := e.cli("status", "--socket", e.socket)
	if code != 0 || !strings.Contains(out, "events (the last 8;") {
		t.Errorf("status table: exit %d, want the last 8 events and the count of older ones\n%s", code, out)
	}
	out, code = e.cli("status", "--events", "all", "--socket", e.socket)
	if code != 0 || strings.Contains(out, "older") || strings.Count(out, "restart-requested") != 7 {
		t.Errorf("status --events all: exit %d, want every event (7 restart-requested)\n%s", code, out)
	}
	for _, bad := range []string{"0", "-1", "some"} {
		if out, code := e.cli("status", "--events", bad, "--socket", e.socket); code != 2 || !strings.Contains(out, "not a number of events") {
			t.Errorf("status --events %s: exit %d, want 2 and a usage message\n%s", bad, code, out)
		}
	}
}
