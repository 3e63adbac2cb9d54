//go:build unix

package supervise

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// The child leads its own process group (pgid == pid), so signalling -pid
// reaches every process it started that did not leave the group.

func signalName(ps *os.ProcessState) string {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return unix.SignalName(ws.Signal())
	}
	return ""
}

func (p *execProc) signalGroup(sig syscall.Signal) error {
	if p.pid <= 0 {
		// kill(0, sig) would signal the supervisor's own group.
		return fmt.Errorf("no process group to send %s to", unix.SignalName(sig))
	}
	err := syscall.Kill(-p.pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return nil // already gone
	}
	if err != nil {
		return fmt.Errorf("cannot send %s to process group %d: %w", unix.SignalName(sig), p.pid, err)
	}
	return nil
}

func (p *execProc) terminate() error {
	err := p.signalGroup(syscall.SIGTERM)
	// A stopped (state T) process keeps SIGTERM pending until continued.
	_ = p.signalGroup(syscall.SIGCONT)
	// Descendants that left the group are asked too, where we can find them.
	p.signalContained(syscall.SIGTERM)
	p.signalContained(syscall.SIGCONT)
	return err
}

func (p *execProc) kill() error {
	err := p.signalGroup(syscall.SIGKILL)
	p.signalContained(syscall.SIGKILL)
	return err
}

// cleanupGroup runs after the child was reaped: whatever it left in its group
// dies with it, so no orphan outlives a child and the pipes reach EOF.
func (p *execProc) cleanupGroup() {
	_ = p.signalGroup(syscall.SIGKILL)
	p.killContained()
	p.closeSys()
}
