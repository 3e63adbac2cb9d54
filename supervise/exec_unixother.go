//go:build unix && !linux

package supervise

import (
	"os/exec"
	"syscall"
)

// sysProc is empty here: the process group is all the isolation these
// systems get (no parent-death signal).
type sysProc struct{}

func (p *execProc) prepare(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return nil
}

func (p *execProc) launch(cmd *exec.Cmd) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() { p.onExit(cmd.Wait()) }()
	return nil
}

func (p *execProc) releaseStartFiles() {}
func (p *execProc) closeSys()          {}
