//go:build !unix && !windows

package supervise

import (
	"os"
	"os/exec"
)

// sysProc is empty on systems without process groups or job objects: only
// the direct child is signalled.
type sysProc struct{}

func (p *execProc) prepare(cmd *exec.Cmd) error { return nil }

func (p *execProc) launch(cmd *exec.Cmd) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() { p.onExit(cmd.Wait()) }()
	return nil
}

func (p *execProc) releaseStartFiles() {}
func (p *execProc) closeSys()          {}
func (p *execProc) cleanupGroup()      {}

func (p *execProc) terminate() error { return p.cmd.Process.Signal(os.Interrupt) }
func (p *execProc) kill() error      { return p.cmd.Process.Kill() }

func signalName(ps *os.ProcessState) string { return "" }
