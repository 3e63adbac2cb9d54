//go:build unix

package netprobe

import (
	"crypto/rand"
	"encoding/hex"
	"os/exec"
	"syscall"
)

// runMarkEnv is set, to a value unique to one run, in the environment of
// every address program: its descendants inherit it, so those that left
// its process group (setsid, nohup, a double fork) can still be found
// (Linux) and killed with it.
const runMarkEnv = "DDNS_SOURCE_RUN"

// commandRun is one run of an address program.
type commandRun struct {
	cmd  *exec.Cmd
	mark string // runMarkEnv=value
}

// contain starts cmd in a process group of its own, makes the context's
// cancellation kill that whole group, and marks its environment.
func contain(cmd *exec.Cmd) *commandRun {
	b := make([]byte, 12)
	rand.Read(b)
	r := &commandRun{cmd: cmd, mark: runMarkEnv + "=" + hex.EncodeToString(b)}
	cmd.Env = append(cmd.Env, r.mark)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		r.killGroup()
		return nil
	}
	return r
}

// killGroup kills the program's process group, if it started one.
func (r *commandRun) killGroup() {
	if r.cmd.Process != nil && r.cmd.Process.Pid > 0 {
		_ = syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL)
	}
}

// killLeftovers kills what the program left running after its end: its
// group, and the processes that carry its mark.
func (r *commandRun) killLeftovers() {
	r.killGroup()
	killMarked(r.mark)
}
