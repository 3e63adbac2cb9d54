//go:build linux

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/testsupport/e2e"
)

// The end-to-end tests run the real binaries: TestMain builds supervisor and
// updater into a temporary folder. A test that needs a child with a given
// behaviour points [supervisor] command at this test binary, which then acts
// as that child (see helperChild).

// bins holds the binaries TestMain built.
var bins e2e.Binaries

func TestMain(m *testing.M) {
	if mode := os.Getenv("DDNS_TEST_CHILD"); mode != "" {
		os.Exit(helperChild(mode))
	}
	b, done, err := e2e.Setup("")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bins = b
	code := m.Run()
	done()
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
	case "report": // reports like the updater, every 100ms or $DDNS_TEST_PACE
		sock := os.Getenv(ipc.EnvSocket)
		r := ipc.NewReporter(sock, nil)
		pace := 100 * time.Millisecond // the child's own heartbeat pace
		if d, err := time.ParseDuration(os.Getenv("DDNS_TEST_PACE")); err == nil {
			pace = d
		}
		tick := time.NewTicker(pace)
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

// env is one supervisor under test. Its configs name no socket: write
// puts the test's own in [supervisor].
type env struct {
	*e2e.Supervisor
	t *testing.T
}

func newEnv(t *testing.T, config string) *env {
	t.Helper()
	e := &env{Supervisor: e2e.NewSupervisor(t, bins), t: t}
	e.write(config)
	return e
}

// withSocket puts the test's socket in config's [supervisor] section
// unless config names it already.
func withSocket(config string) string {
	if strings.Contains(config, "@SOCKET@") {
		return config
	}
	if !strings.Contains(config, "[supervisor]") {
		return "[supervisor]\nsocket = \"@SOCKET@\"\n" + config
	}
	return strings.Replace(config, "[supervisor]", "[supervisor]\nsocket = \"@SOCKET@\"", 1)
}

// write saves the config in place, with the socket and state file inside the test folder.
func (e *env) write(config string) { e.Write(withSocket(config)) }

// saveByRename saves the config the way vim and sed -i do.
func (e *env) saveByRename(config string) { e.SaveByRename(withSocket(config)) }

// writeTo writes a config (with the test's socket) to path.
func (e *env) writeTo(path, config string) { e.WriteTo(path, withSocket(config), 0o600) }

var dryrunConfig = e2e.DryrunConfig(`restart_delay = "0s"`)

func TestRunStatusAndControl(t *testing.T) {
	e := newEnv(t, dryrunConfig)
	if out, code := e.CLI("status", "--socket", e.Socket); code != ipc.StatusNoSupervisor {
		t.Fatalf("status with no supervisor: exit %d, want 4\n%s", code, out)
	}
	e.Start()
	st := e.WaitStatus("the updater to report its record", 20*time.Second, func(st ipc.Status) bool {
		return e2e.Running(st) && len(st.Records) == 1 && st.Records[0].Address == "192.0.2.10"
	})
	if st.Supervisor.ConfigPath != e.Config || st.Supervisor.ConfigGeneration != 1 || st.Supervisor.ConfigHash == "" {
		t.Errorf("supervisor section: %+v", st.Supervisor)
	}
	out, code := e.CLI("status", "--socket", e.Socket)
	if code != 0 || !strings.Contains(out, "running") || !strings.Contains(out, "home.example.test") {
		t.Errorf("status: exit %d\n%s", code, out)
	}
	out, code = e.CLI("status", "--json", "--config", e.Config)
	var doc map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil || doc["child"] == nil || doc["network"] == nil || doc["events"] == nil {
		t.Errorf("status --json: exit %d\n%s", code, out)
	}
	if out, code = e.CLI("stop", "--socket", e.Socket); code != 0 {
		t.Fatalf("stop: %d %s", code, out)
	}
	e.WaitStatus("stopped", 15*time.Second, func(st ipc.Status) bool { return st.Child.State == "stopped" })
	if out, code = e.CLI("status", "--socket", e.Socket); code != ipc.StatusChildNotRunning {
		t.Errorf("status of a stopped child: exit %d, want 3\n%s", code, out)
	}
	if out, code = e.CLI("start", "--socket", e.Socket); code != 0 {
		t.Fatalf("start: %d %s", code, out)
	}
	st = e.WaitStatus("running again", 15*time.Second, e2e.Running)
	pid := st.Child.PID
	if out, code = e.CLI("restart", "--socket", e.Socket); code != 0 {
		t.Fatalf("restart: %d %s", code, out)
	}
	st = e.WaitStatus("a new child", 15*time.Second, func(st ipc.Status) bool { return e2e.Running(st) && st.Child.PID != pid })
	if st.Child.ConsecutiveFailures != 0 {
		t.Errorf("a requested restart counted as a failure: %+v", st.Child)
	}
	if out, code = e.CLI("logs", "-n", "100", "--socket", e.Socket); code != 0 || !strings.Contains(out, "would set") {
		t.Errorf("logs: exit %d\n%s", code, out)
	}
	if out, code = e.CLI("update-now", "--socket", e.Socket); code != 0 {
		t.Errorf("update-now: exit %d %s", code, out)
	}
	// SIGTERM: the child stops first, then the supervisor exits 0.
	child := st.Child.PID
	if err := e.Stop(); err != nil {
		t.Fatalf("supervisor exit after SIGTERM: %v", err)
	}
	if !e2e.Ended(child) {
		t.Errorf("child %d outlived the supervisor", child)
	}
}

func TestSecondSupervisorRefused(t *testing.T) {
	e := newEnv(t, dryrunConfig)
	e.Start()
	e.WaitStatus("running", 20*time.Second, e2e.Running)
	out, code := e.CLI("run", "--config", e.Config)
	if code == 0 || !strings.Contains(out, "already") {
		t.Fatalf("second supervisor: exit %d\n%s", code, out)
	}
	if _, ok := e.Status(); !ok {
		t.Fatal("the first supervisor stopped answering")
	}
}

func TestKill9LeavesNoOrphan(t *testing.T) {
	e := newEnv(t, "[supervisor]\ncommand = [\"@SELF@\"]\n[probe]\nenabled = false\n")
	e.Start("DDNS_TEST_CHILD=hang")
	st := e.WaitStatus("running", 20*time.Second, e2e.Running)
	e.Kill9()
	if !e2e.Eventually(10*time.Second, func() bool { return e2e.Ended(st.Child.PID) }) {
		t.Fatalf("child %d survived kill -9 of its supervisor", st.Child.PID)
	}
	// The next supervisor takes over: the lock and the stale socket are free.
	e.Start("DDNS_TEST_CHILD=hang")
	e.WaitStatus("the next supervisor's child", 20*time.Second, e2e.Running)
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
			e.Start("DDNS_TEST_CHILD=exit", "DDNS_TEST_CODE="+strconv.Itoa(tc.code))
			st := e.WaitStatus(tc.state, 20*time.Second, func(st ipc.Status) bool { return st.Child.State == tc.state })
			if st.Child.LastExit == nil || st.Child.LastExit.Code != tc.code {
				t.Errorf("last exit %+v, want code %d", st.Child.LastExit, tc.code)
			}
		})
	}
}

func TestWatchdogRestartsSilentChild(t *testing.T) {
	e := newEnv(t, "[supervisor]\ncommand = [\"@SELF@\"]\nwatchdog = \"3s\"\nrestart_delay = \"0s\"\n[probe]\nenabled = false\n")
	e.Start("DDNS_TEST_CHILD=hang")
	e.WaitStatus("a watchdog restart", 20*time.Second, func(st ipc.Status) bool {
		for _, ev := range st.Events {
			if ev.Kind == "watchdog" {
				return st.Child.Restarts >= 1
			}
		}
		return false
	})
}

func TestReportsFeedStatusAndWatchdog(t *testing.T) {
	// 3s: the shortest watchdog a config may set (configs.MinWatchdog).
	e := newEnv(t, "[supervisor]\ncommand = [\"@SELF@\"]\nwatchdog = \"3s\"\n[probe]\nenabled = false\n")
	e.Start("DDNS_TEST_CHILD=report")
	st := e.WaitStatus("a report", 20*time.Second, func(st ipc.Status) bool { return len(st.Records) == 1 })
	pid := st.Child.PID
	// Three watchdog periods later the same child still runs: reports keep it alive.
	// A negative check needs an observation window: three watchdog periods.
	if e2e.Eventually(9*time.Second, func() bool { st, _ = e.Status(); return st.Child.PID != pid }) {
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
	e.Start("DDNS_TEST_CHILD=hang")
	st := e.WaitStatus("waiting-network", 20*time.Second, func(st ipc.Status) bool { return st.Child.State == "waiting-network" })
	if st.Network.Ready || len(st.Network.Checks) != 1 || st.Network.Checks[0].OK {
		t.Errorf("network section while down: %+v", st.Network)
	}
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot reopen %s: %v", addr, err)
	}
	defer ln.Close()
	back := time.Now()
	st = e.WaitStatus("the child to start once the network is back", 10*time.Second, e2e.Running)
	// A figure for the record, not a pass/fail timing: the probe interval is 200ms.
	t.Logf("probe target back → child running seen after %v (probe interval 200ms)", time.Since(back).Round(time.Millisecond))
	if !st.Network.Ready {
		t.Errorf("network not ready in status after start: %+v", st.Network)
	}
}

func TestHotReload(t *testing.T) {
	base := "[supervisor]\ncommand = [\"@SELF@\"]\nrestart_delay = \"0s\"\n%s\n[probe]\nenabled = false\n[updater]\ninterval = \"%s\"\n"
	e := newEnv(t, fmt.Sprintf(base, "", "1h"))
	e.Start("DDNS_TEST_CHILD=hang")
	st := e.WaitStatus("running", 20*time.Second, e2e.Running)
	pid := st.Child.PID

	// A supervisor-only change applies live: same child.
	e.saveByRename(fmt.Sprintf(base, "stop_timeout = \"3s\"", "1h"))
	st = e.WaitStatus("generation 2", 10*time.Second, func(st ipc.Status) bool { return st.Supervisor.ConfigGeneration == 2 })
	if st.Child.PID != pid {
		t.Errorf("a supervisor-only change restarted the child (%d -> %d)", pid, st.Child.PID)
	}
	// Invalid: the running config stays, the error shows with its position.
	e.saveByRename(fmt.Sprintf(base, "stop_timeout = \"3 seconds\"", "1h"))
	st = e.WaitStatus("the config error", 10*time.Second, func(st ipc.Status) bool { return st.Supervisor.ConfigError != "" })
	if !strings.Contains(st.Supervisor.ConfigError, e.Config+":") || !strings.Contains(st.Supervisor.ConfigError, "stop_timeout") || st.Child.PID != pid {
		t.Errorf("invalid save: error %q, pid %d (was %d)", st.Supervisor.ConfigError, st.Child.PID, pid)
	}
	// An updater change, saved in place: the child restarts gracefully.
	e.write(fmt.Sprintf(base, "", "2h"))
	st = e.WaitStatus("a new child for the updater change", 10*time.Second, func(st ipc.Status) bool {
		return st.Supervisor.ConfigError == "" && st.Supervisor.ConfigGeneration == 3 && e2e.Running(st) && st.Child.PID != pid
	})
	if st.Child.ConsecutiveFailures != 0 {
		t.Errorf("a config restart counted as a failure: %+v", st.Child)
	}
}

func TestWaitingConfigStartsOnValidSave(t *testing.T) {
	e := newEnv(t, "[supervisor]\ncommand = [\"@SELF@\", \"code2\"]\n[probe]\nenabled = false\n")
	e.Start("DDNS_TEST_CHILD=exit", "DDNS_TEST_CODE=2")
	e.WaitStatus("waiting-config", 20*time.Second, func(st ipc.Status) bool { return st.Child.State == "waiting-config" })
	e.saveByRename("[supervisor]\ncommand = [\"/bin/sleep\", \"600\"]\n[probe]\nenabled = false\n")
	e.WaitStatus("the fixed child to run", 10*time.Second, func(st ipc.Status) bool {
		return e2e.Running(st) && strings.HasSuffix(st.Child.Command[0], "sleep")
	})
}

func TestCheck(t *testing.T) {
	e := newEnv(t, "[providers.cf]\ntype = \"cloudflare\"\napi_token = \"very-secret-token\"\n[[records]]\nprovider = \"cf\"\nzone = \"example.com\"\n")
	out, code := e.CLI("check", "--config", e.Config)
	if code != 0 || strings.Contains(out, "very-secret-token") || !strings.Contains(out, "********") {
		t.Errorf("check: exit %d\n%s", code, out)
	}
	e.write("[providers.cf]\ntype = \"cloudflare\"\napi_tokn = \"x\"\n")
	out, code = e.CLI("check", "--config", e.Config)
	if code != 2 || !strings.Contains(out, e.Config+":5:1: providers.cf.api_tokn: unknown key") {
		t.Errorf("check of a bad key: exit %d\n%s", code, out)
	}
	// A [[notify]] body that cannot render is refused at its line, not
	// found at the first event.
	e.write("[[notify]]\ntype = \"webhook\"\nurl = \"http://127.0.0.1:9/\"\nbody = '{{.NoSuchField}}'\n")
	out, code = e.CLI("check", "--config", e.Config)
	if code != 2 || !strings.Contains(out, e.Config+":6:1: notify.0.body:") || !strings.Contains(out, "NoSuchField") {
		t.Errorf("check of a bad notify template: exit %d\n%s", code, out)
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
	e.Wrap = []string{"unshare", "-fp", "--mount-proc", "--kill-child=SIGTERM"}
	e.Start("DDNS_TEST_CHILD=orphans")
	// unshare blocks SIGTERM while it waits, so stop the supervisor itself.
	defer func() {
		for _, pid := range e2e.Children(e.PID()) {
			syscall.Kill(pid, syscall.SIGTERM)
		}
		e.WaitExit(20 * time.Second)
	}()
	e.WaitStatus("running", 20*time.Second, e2e.Running)
	// The orphans (sleep 0.05) exit, become zombies of PID 1, and must be reaped.
	if !e2e.Eventually(10*time.Second, func() bool {
		return e.Out.Contains("orphans made") && zombiesUnder(e.PID()) == 0
	}) {
		t.Fatalf("%d zombies left under the supervisor in its PID namespace\n%s", zombiesUnder(e.PID()), e.Out)
	}
}

// zombiesUnder counts zombie processes whose parent is the namespace's PID 1
// (the supervisor, a child of the unshare process).
func zombiesUnder(unsharePID int) int {
	n := 0
	for _, pid1 := range e2e.Children(unsharePID) {
		n += len(e2e.ZombiesOf(pid1))
	}
	return n
}

func TestMissingConfigAndBinaryAreReported(t *testing.T) {
	e := newEnv(t, "")
	os.Remove(e.Config)
	// No config file yet: the supervisor comes up, says so, and waits for it.
	e.Args = []string{"--socket", e.Socket}
	e.Start()
	// The updater, given the same missing file, exits 2: the child waits for the config.
	e.WaitStatus("waiting for the config", 10*time.Second, func(st ipc.Status) bool {
		return strings.Contains(st.Supervisor.ConfigError, "does not exist") && st.Child.State == "waiting-config"
	})
	if _, err := e.Out.Wait("does not exist; the supervisor waits", 10*time.Second); err != nil {
		t.Fatalf("no plain message about the missing config: %v", err)
	}
	// The file appears, naming a command that does not exist: the log says so plainly.
	e.write("[supervisor]\ncommand = [\"/nonexistent/updater\"]\n[probe]\nenabled = false\n")
	st := e.WaitStatus("the created config", 10*time.Second, func(st ipc.Status) bool { return st.Supervisor.ConfigGeneration == 1 })
	if st.Supervisor.ConfigError != "" {
		t.Errorf("config error not cleared: %q", st.Supervisor.ConfigError)
	}
	if _, err := e.Out.Wait("cannot start /nonexistent/updater", 10*time.Second); err != nil {
		t.Fatalf("no plain message about the missing binary: %v", err)
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
	link := filepath.Join(e.Dir, "k8s", "config.toml")
	os.MkdirAll(filepath.Join(e.Dir, "k8s", "v0"), 0o700)
	os.Rename(e.Config, filepath.Join(e.Dir, "k8s", "v0", "config.toml"))
	os.Symlink("v0", filepath.Join(e.Dir, "k8s", "..data"))
	os.Symlink(filepath.Join("..data", "config.toml"), link)
	e.Config = link
	e.Start("DDNS_TEST_CHILD=hang")
	st := e.WaitStatus("running", 20*time.Second, e2e.Running)
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
			v := filepath.Join(e.Dir, "k8s", fmt.Sprintf("v%d", n))
			os.MkdirAll(v, 0o700)
			e.writeTo(filepath.Join(v, "config.toml"), cfgText(n))
			tmp := filepath.Join(e.Dir, "k8s", "..data_tmp")
			os.Symlink(filepath.Base(v), tmp)
			os.Rename(tmp, filepath.Join(e.Dir, "k8s", "..data"))
		}},
	}
	for i, s := range styles {
		s.save(i + 2)
		gen++
		want := gen
		st = e.WaitStatus(s.name+" to apply", 10*time.Second, func(st ipc.Status) bool { return st.Supervisor.ConfigGeneration == want })
		if st.Child.PID != pid || st.Supervisor.ConfigError != "" {
			t.Errorf("%s: child %d (was %d), config error %q", s.name, st.Child.PID, pid, st.Supervisor.ConfigError)
		}
	}
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
	e.Start("DDNS_TEST_CHILD=hang")
	st := e.WaitStatus("running with the network ready", 20*time.Second, func(st ipc.Status) bool { return e2e.Running(st) && st.Network.Ready })
	pid := st.Child.PID
	e.saveByRename(fmt.Sprintf(base, "3s", ln.Addr().String()))
	st = e.WaitStatus("generation 2", 10*time.Second, func(st ipc.Status) bool { return st.Supervisor.ConfigGeneration == 2 })
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
	st = e.WaitStatus("the new target probed", 10*time.Second, func(st ipc.Status) bool {
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
	e.Start("DDNS_TEST_CHILD=hang")
	e.WaitStatus("running", 20*time.Second, e2e.Running)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := ipc.Dial(ctx, e.Socket)
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
	if st, _ := e.Status(); len(st.Records) != 0 || st.Child.LastReportAgeSeconds != 0 {
		t.Errorf("a stray report reached the status: %+v %+v", st.Records, st.Child)
	}
}

// TestStatusEventsFlag: `status` sends the last 20 events unless --events
// asks for N or all, with --json as in the table, and says how many older
// ones it left out.
func TestStatusEventsFlag(t *testing.T) {
	e := newEnv(t, "[supervisor]\ncommand = [\"@SELF@\"]\nrestart_delay = \"0s\"\n[probe]\nenabled = false\n")
	e.Start("DDNS_TEST_CHILD=hang")
	pid := e.WaitStatus("running", 20*time.Second, e2e.Running).Child.PID
	for range 7 { // each restart adds restart-requested, stopping, exited and started
		if out, code := e.CLI("restart", "--socket", e.Socket); code != 0 {
			t.Fatalf("restart: exit %d %s", code, out)
		}
		pid = e.WaitStatus("a new child", 15*time.Second, func(st ipc.Status) bool { return e2e.Running(st) && st.Child.PID != pid }).Child.PID
	}
	asJSON := func(args ...string) ipc.Status {
		t.Helper()
		out, code := e.CLI(append([]string{"status", "--json", "--socket", e.Socket}, args...)...)
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
	out, code := e.CLI("status", "--socket", e.Socket)
	if code != 0 || !strings.Contains(out, "events (the last 8;") {
		t.Errorf("status table: exit %d, want the last 8 events and the count of older ones\n%s", code, out)
	}
	out, code = e.CLI("status", "--events", "all", "--socket", e.Socket)
	if code != 0 || strings.Contains(out, "older") || strings.Count(out, "restart-requested") != 7 {
		t.Errorf("status --events all: exit %d, want every event (7 restart-requested)\n%s", code, out)
	}
	for _, bad := range []string{"0", "-1", "some"} {
		if out, code := e.CLI("status", "--events", bad, "--socket", e.Socket); code != 2 || !strings.Contains(out, "not a number of events") {
			t.Errorf("status --events %s: exit %d, want 2 and a usage message\n%s", bad, code, out)
		}
	}
}
