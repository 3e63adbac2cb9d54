//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ddnsd/ddns/ipc"
)

// Supervisor is one `supervisor run` under test, its folder and files.
type Supervisor struct {
	// Bins holds the binaries; Dir is the test's own folder.
	Bins Binaries
	Dir  string
	// Config, Socket and State are the config file, the control socket
	// and the updater's state file, inside Dir; a config the test writes
	// names them through @SOCKET@ and @STATE@.
	Config, Socket, State string
	// Wrap is put before the supervisor's argv (ip netns exec NAME,
	// unshare -fp ...).
	Wrap []string
	// Args are appended to `supervisor run --config FILE`.
	Args []string
	// Process is the supervisor started last (nil before Start).
	*Process

	t testing.TB
}

// NewSupervisor gives a test a supervisor's folder; nothing runs yet.
func NewSupervisor(t testing.TB, bins Binaries) *Supervisor {
	t.Helper()
	dir := t.TempDir()
	return &Supervisor{t: t, Bins: bins, Dir: dir, Config: filepath.Join(dir, "config.toml"),
		Socket: filepath.Join(dir, "run", "s.sock"), State: filepath.Join(dir, "state", "state.json")}
}

// Expand replaces in text @SOCKET@, @STATE@ and @DIR@ with the test's
// paths, and @SELF@ with the running test binary (a child that acts as the
// test tells it).
func (s *Supervisor) Expand(text string) string {
	return strings.NewReplacer("@SOCKET@", s.Socket, "@STATE@", s.State, "@DIR@", s.Dir, "@SELF@", os.Args[0]).Replace(text)
}

// Write saves the config in place, expanded, with mode 0600.
func (s *Supervisor) Write(text string) {
	s.t.Helper()
	s.WriteTo(s.Config, text, 0o600)
}

// WriteTo saves text, expanded, at path with mode (set even when the file
// exists), the way an editor that writes in place does.
func (s *Supervisor) WriteTo(path, text string, mode os.FileMode) {
	s.t.Helper()
	if err := os.WriteFile(path, []byte(s.Expand(text)), mode); err != nil {
		s.t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		s.t.Fatal(err)
	}
}

// SaveByRename saves the config the way vim and sed -i do: a new file
// renamed over the old one.
func (s *Supervisor) SaveByRename(text string) {
	s.t.Helper()
	s.WriteTo(s.Config+".tmp", text, 0o600)
	if err := os.Rename(s.Config+".tmp", s.Config); err != nil {
		s.t.Fatal(err)
	}
}

// Start runs `supervisor run --config FILE` in Env(Dir, extraEnv...). It
// may be called again once the last one ended (a new supervisor takes
// over); Process is then the new one.
func (s *Supervisor) Start(extraEnv ...string) {
	s.t.Helper()
	argv := append(append(append([]string{}, s.Wrap...), s.Bins.Path("supervisor"), "run", "--config", s.Config), s.Args...)
	s.Process = Start(s.t, argv, Env(s.Dir, extraEnv...))
}

// CLI runs the supervisor binary with args (status, restart, check, ...)
// to its end and returns its output and exit code.
func (s *Supervisor) CLI(args ...string) (string, int) {
	s.t.Helper()
	return s.Bins.Run(s.t, s.Dir, "supervisor", args...)
}

// Status asks the supervisor once over its socket; ok is false when nobody
// answers.
func (s *Supervisor) Status() (st ipc.Status, ok bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	c, err := ipc.Dial(ctx, s.Socket)
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

// WaitStatus asks for the status until cond holds and returns that status;
// after timeout it fails the test with the last status seen. Each try is a
// socket round trip: the supervisor has no status events to wait on.
func (s *Supervisor) WaitStatus(what string, timeout time.Duration, cond func(ipc.Status) bool) ipc.Status {
	s.t.Helper()
	var last ipc.Status
	if !Eventually(timeout, func() bool {
		st, ok := s.Status()
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

// Running reports whether the status shows a running child.
func Running(st ipc.Status) bool { return st.Child.State == "running" && st.Child.PID != 0 }

// DryrunConfig is a config for `supervisor run` whose child is the real
// updater publishing one record (home.example.test, 192.0.2.10 from a
// command) to the dryrun provider: a whole supervised pass with no network.
// supervisor is put in the [supervisor] section, after the socket.
func DryrunConfig(supervisor string) string {
	return `
[supervisor]
socket = "@SOCKET@"
` + supervisor + `
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
}
