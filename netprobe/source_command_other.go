//go:build !unix

package netprobe

import "os/exec"

// commandRun is one run of an address program; without process groups the
// context's cancellation kills the program itself, and nothing more.
type commandRun struct{}

func contain(cmd *exec.Cmd) *commandRun { return &commandRun{} }

func (r *commandRun) killLeftovers() {}
