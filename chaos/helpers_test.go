//go:build chaos && linux

package chaos

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
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

// binDir holds the supervisor and updater built once for the whole suite.
var binDir string

// outcomes collects each scenario's result for the summary chaos/run prints.
var outcomes = &summary{}

// TestMain builds the binaries, unless CHAOS_BIN_DIR names a folder that
// holds them already (chaos/run passes bin/ from `make build`).
func TestMain(m *testing.M) {
	if dir := os.Getenv("CHAOS_BIN_DIR"); dir != "" {
		binDir = dir
		code := m.Run()
		outcomes.write(os.Stdout, os.Getenv("CHAOS_SUMMARY"))
		os.Exit(code)
	}
	dir, err := os.MkdirTemp("", "ddns-chaos-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	build := exec.Command("go", "build", "-o", dir+"/", "github.com/ddnsd/ddns/cmd/supervisor", "github.com/ddnsd/ddns/cmd/updater")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the binaries failed: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	outcomes.write(os.Stdout, os.Getenv("CHAOS_SUMMARY"))
	os.RemoveAll(dir)
	os.Exit(code)
}

// summary is the list of scenario outcomes, in the order they ran.
type summary struct {
	mu    sync.Mutex
	lines []string
	skip  map[string]string // scenario test name -> skip reason
}

func (s *summary) add(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines = append(s.lines, line)
}

func (s *summary) skipReason(name, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.skip == nil {
		s.skip = map[string]string{}
	}
	s.skip[name] = reason
}

func (s *summary) reason(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.skip[name]
}

// write prints one line per scenario ("scenario NAME PASS|FAIL|SKIP ...")
// to w and, when path is set, to that file for chaos/run.
func (s *summary) write(w *os.File, path string) {
	s.mu.Lock()
	text := strings.Join(s.lines, "\n")
	s.mu.Unlock()
	if text == "" {
		return
	}
	fmt.Fprintln(w, text)
	if path != "" {
		if err := os.WriteFile(path, []byte(text+"\n"), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "cannot write the chaos summary:", err)
		}
	}
}

// scenario runs one scenario as a subtest and records its outcome.
func scenario(t *testing.T, name string, fn func(t *testing.T)) {
	start := time.Now()
	var ran, failed, skipped bool
	var full string
	t.Run(name, func(t *testing.T) {
		ran, full = true, t.Name()
		t.Cleanup(func() { failed, skipped = t.Failed(), t.Skipped() })
		fn(t)
	})
	took := time.Since(start).Round(100 * time.Millisecond)
	switch {
	case !ran: // filtered out by -run
	case failed:
		outcomes.add(fmt.Sprintf("scenario %-34s FAIL (%s)", name, took))
	case skipped:
		outcomes.add(fmt.Sprintf("scenario %-34s SKIP (%s)", name, outcomes.reason(full)))
	default:
		outcomes.add(fmt.Sprintf("scenario %-34s PASS (%s)", name, took))
	}
}

// skipf skips the running scenario and keeps the reason for the summary.
func skipf(t *testing.T, format string, args ...any) {
	t.Helper()
	reason := fmt.Sprintf(format, args...)
	name := t.Name()
	if i := strings.Index(name, "/"); i >= 0 {
		if j := strings.Index(name[i+1:], "/"); j >= 0 {
			name = name[:i+1+j] // the scenario's own name, not a nested subtest's
		}
	}
	outcomes.skipReason(name, reason)
	t.Skip(reason)
}

// needRoot skips a scenario that changes mounts or network namespaces.
func needRoot(t *testing.T, what string) {
	t.Helper()
	if os.Geteuid() != 0 {
		skipf(t, "needs root to %s (running as uid %d)", what, os.Geteuid())
	}
}

// lineBuffer collects a process's output; tests wait for a line in it.
type lineBuffer struct {
	mu    sync.Mutex
	lines []string
	done  chan struct{}
}

func newLineBuffer() *lineBuffer { return &lineBuffer{done: make(chan struct{})} }

func (b *lineBuffer) feed(r *os.File) {
	defer close(b.done)
	defer r.Close()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		b.mu.Lock()
		b.lines = append(b.lines, sc.Text())
		b.mu.Unlock()
	}
}

func (b *lineBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.lines, "\n")
}

// isolatedEnv is the environment of every process the suite starts: no
// config, state or socket of the machine running the suite can be read or
// changed, whatever the process falls back to.
func isolatedEnv(dir string, extra ...string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + filepath.Join(dir, "home"),
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "xdg-config"),
		"XDG_STATE_HOME=" + filepath.Join(dir, "xdg-state"),
		"XDG_RUNTIME_DIR=" + filepath.Join(dir, "xdg-run"),
		"STATE_DIRECTORY=" + filepath.Join(dir, "state-directory"),
	}
	return append(env, extra...)
}

// sup is one supervisor process under test and its files.
type sup struct {
	t      *testing.T
	dir    string
	config string
	socket string
	state  string
	cmd    *exec.Cmd
	out    *lineBuffer
	// wrap, when set, is put before the supervisor's argv (ip netns exec).
	wrap []string
}

func newSup(t *testing.T) *sup {
	t.Helper()
	dir := t.TempDir()
	return &sup{t: t, dir: dir, config: filepath.Join(dir, "config.toml"),
		socket: filepath.Join(dir, "run", "s.sock"), state: filepath.Join(dir, "state", "state.json")}
}

// write saves the config in place with mode 0600. The text may use
// @SOCKET@, @STATE@ and @DIR@.
func (s *sup) write(text string) { s.writeMode(text, 0o600) }

func (s *sup) writeMode(text string, mode os.FileMode) {
	s.t.Helper()
	text = strings.NewReplacer("@SOCKET@", s.socket, "@STATE@", s.state, "@DIR@", s.dir).Replace(text)
	if err := os.WriteFile(s.config, []byte(text), mode); err != nil {
		s.t.Fatal(err)
	}
	if err := os.Chmod(s.config, mode); err != nil {
		s.t.Fatal(err)
	}
}

// start runs `supervisor run --config FILE` with its output collected.
func (s *sup) start() {
	s.t.Helper()
	argv := append(append([]string{}, s.wrap...), filepath.Join(binDir, "supervisor"), "run", "--config", s.config)
	s.cmd = exec.Command(argv[0], argv[1:]...)
	s.cmd.Env = isolatedEnv(s.dir)
	pr, pw, err := os.Pipe()
	if err != nil {
		s.t.Fatal(err)
	}
	s.cmd.Stdout, s.cmd.Stderr = pw, pw
	s.out = newLineBuffer()
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	pw.Close()
	go s.out.feed(pr)
	cmd, out, t := s.cmd, s.out, s.t
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				<-done
			}
		}
		if t.Failed() {
			t.Logf("supervisor output:\n%s", out)
		}
	})
}

// kill9 kills the supervisor with SIGKILL and reaps it.
func (s *sup) kill9() {
	s.cmd.Process.Kill()
	s.cmd.Wait()
}

// status asks the supervisor once; ok is false when nobody answers.
func (s *sup) status() (ipc.Status, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	c, err := ipc.Dial(ctx, s.socket)
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

// waitFor asks for the status until cond holds; the timeout only guards
// against a hang.
func (s *sup) waitFor(what string, timeout time.Duration, cond func(ipc.Status) bool) ipc.Status {
	s.t.Helper()
	var last ipc.Status
	if !eventually(timeout, func() bool {
		st, ok := s.status()
		if ok {
			last = st
		}
		return ok && cond(st)
	}) {
		b, _ := json.MarshalIndent(last, "", "  ")
		s.t.Fatalf("timed out after %s waiting for %s; last status:\n%s", timeout, what, b)
	}
	return last
}

// cli runs the supervisor binary with args and returns its output and exit code.
func (s *sup) cli(args ...string) (string, int) {
	s.t.Helper()
	return runBin(s.t, s.dir, "supervisor", args...)
}

// runBin runs one of the built binaries in the isolated environment.
func runBin(t *testing.T, dir, name string, args ...string) (string, int) {
	t.Helper()
	c := exec.Command(filepath.Join(binDir, name), args...)
	c.Env = isolatedEnv(dir)
	out, err := c.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}

// eventually polls cond (a socket reply, the process table) until it holds
// or the deadline passes.
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

// procState is the state letter of pid from /proc ("" when gone).
func procState(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return ""
	}
	f := strings.Fields(s[i+1:])
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// gone reports whether pid no longer exists, not even as a zombie.
func gone(pid int) bool { return procState(pid) == "" }

// children lists the pids whose parent is pid.
func children(pid int) []int {
	var out []int
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	for _, task := range tasks {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, task.Name()))
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}

// zombiesOf lists pid's children in state Z.
func zombiesOf(pid int) []int {
	var z []int
	for _, c := range children(pid) {
		if procState(c) == "Z" {
			z = append(z, c)
		}
	}
	return z
}

// fdCount is the number of open file descriptors of pid.
func fdCount(t *testing.T, pid int) int {
	t.Helper()
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatalf("cannot count the descriptors of pid %d: %v", pid, err)
	}
	return len(ents)
}

// processesWith lists live processes whose command line contains needle
// (a test's own temporary path), to find orphans of any generation.
func processesWith(needle string) []int {
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil || !strings.Contains(string(b), needle) {
			continue
		}
		if st := procState(pid); st != "" && st != "Z" {
			out = append(out, pid)
		}
	}
	return out
}

// dryrunConfig is a supervisor running the real updater against the dryrun
// provider, with the address from a command: no network needed.
const dryrunConfig = `
[supervisor]
socket = "@SOCKET@"
%s
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
