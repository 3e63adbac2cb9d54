//go:build linux

package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/testsupport/e2e"
)

// defaultSocketSupervisor starts a supervisor on the default socket (its
// config names none) and returns a function running the CLI where that
// supervisor's default socket is the CLI's default too. As root the
// default is /run/ddns, the machine's own: the supervisor then runs in a
// mount namespace of its own with a tmpfs over /run, and the CLI joins it.
func defaultSocketSupervisor(t *testing.T, config string) (*e2e.Supervisor, func(args ...string) (string, int)) {
	t.Helper()
	a := e2e.NewSupervisor(t, bins)
	a.Write(config) // as written: no socket
	if os.Geteuid() == 0 {
		if _, err := exec.LookPath("unshare"); err != nil {
			t.Skip("root without unshare: the default socket would be the machine's /run/ddns")
		}
		a.Wrap = []string{"unshare", "-m", "--propagation", "private", "sh", "-c", `mount -t tmpfs tmpfs /run && exec "$0" "$@"`}
	}
	a.Start("DDNS_TEST_CHILD=hang")
	cli := func(args ...string) (string, int) {
		t.Helper()
		argv := append([]string{bins.Path("supervisor")}, args...)
		if os.Geteuid() == 0 {
			argv = append([]string{"nsenter", "-t", strconv.Itoa(a.PID()), "-m", "--"}, argv...)
		}
		c := exec.Command(argv[0], argv[1:]...)
		c.Env = e2e.Env(a.Dir)
		out, err := c.CombinedOutput()
		var ee *exec.ExitError
		switch {
		case errors.As(err, &ee):
			return string(out), ee.ExitCode()
		case err != nil:
			t.Fatalf("cannot run the CLI: %v", err)
		}
		return string(out), 0
	}
	return a, cli
}

// TestCommandsReachTheSupervisorMeant: two supervisors, A on the default
// socket and B on its own. Once B's config file is not even TOML, commands
// given `--config B` fail with exit 4 and say why, and never fall back to
// the default socket, where they would stop A. A file that still parses
// far enough keeps finding B.
func TestCommandsReachTheSupervisorMeant(t *testing.T) {
	child := "[supervisor]\ncommand = [\"@SELF@\"]\n[probe]\nenabled = false\n"
	a, cli := defaultSocketSupervisor(t, child)
	aRunning := func() bool {
		out, code := cli("status", "--json")
		var st ipc.Status
		return code == ipc.StatusChildRunning && json.Unmarshal([]byte(out), &st) == nil && st.Supervisor.PID == a.PID()
	}
	if !e2e.Eventually(20*time.Second, aRunning) {
		out, code := cli("status")
		t.Fatalf("supervisor A on the default socket does not answer: exit %d\n%s", code, out)
	}

	b := e2e.NewSupervisor(t, bins)
	b.Dir, b.Config, b.Socket = a.Dir, filepath.Join(a.Dir, "b.toml"), filepath.Join(a.Dir, "run-b", "s.sock")
	b.Write(withSocket(child))
	b.Start("DDNS_TEST_CHILD=hang")
	b.WaitStatus("B running", 20*time.Second, e2e.Running)

	b.Write("[supervisor\nsocket = \"@SOCKET@\"\n") // not TOML: no socket can be read from it
	b.WaitStatus("B to see the broken file", 10*time.Second, func(st ipc.Status) bool { return st.Supervisor.ConfigError != "" })
	// With B's last good copy, the CLI finds B's socket there (B runs on
	// that copy): status reaches B.
	if out, code := cli("status", "--json", "--config", b.Config); code != ipc.StatusChildRunning || !strings.Contains(out, `"running_on_last_good": true`) {
		t.Errorf("status --config with a broken file and its last good copy: exit %d, want B's status\n%s", code, out)
	}
	// Without it nothing tells B's socket.
	if err := os.RemoveAll(filepath.Join(a.Dir, "state-directory", "last-good")); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"stop", "update-now", "restart", "status", "logs"} {
		out, code := cli(cmd, "--config", b.Config)
		if code != ipc.StatusNoSupervisor || !strings.Contains(out, "b.toml") || !strings.Contains(out, "TOML") {
			t.Errorf("%s --config with an unreadable file: exit %d, want 4 naming the file and why\n%s", cmd, code, out)
		}
	}
	if !aRunning() {
		out, _ := cli("status")
		t.Fatalf("supervisor A's child no longer runs after commands meant for B:\n%s", out)
	}
	if st, ok := b.Status(); !ok || !e2e.Running(st) {
		t.Errorf("B's child: %+v (answered %v)", st.Child, ok)
	}

	// A mistake elsewhere leaves the socket readable: the command reaches B.
	b.Write(withSocket("[supervisor]\ncommand = [\"@SELF@\"]\nstop_timeout = \"3 seconds\"\n[probe]\nenabled = false\n"))
	if out, code := cli("stop", "--config", b.Config); code != 0 {
		t.Errorf("stop --config with a file that names its socket: exit %d\n%s", code, out)
	}
	b.WaitStatus("B stopped", 15*time.Second, func(st ipc.Status) bool { return st.Child.State == "stopped" })
	if !aRunning() {
		t.Errorf("A stopped by a stop meant for B")
	}
}

// TestMissingConfigFileIsNoSupervisor: a --config that does not exist is
// exit 4 naming the file, not a question to the default socket.
func TestMissingConfigFileIsNoSupervisor(t *testing.T) {
	e := newEnv(t, dryrunConfig)
	missing := filepath.Join(e.Dir, "nowhere.toml")
	out, code := e.CLI("status", "--config", missing)
	if code != ipc.StatusNoSupervisor || !strings.Contains(out, "nowhere.toml") {
		t.Errorf("status --config of a missing file: exit %d, want 4 naming it\n%s", code, out)
	}
}
