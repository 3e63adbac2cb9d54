//go:build !unix

package netprobe

import "os/exec"

// ownGroup leaves cmd as it is where there are no process groups: the
// context's cancellation kills the program itself.
func ownGroup(cmd *exec.Cmd) {}

// killGroup has no group to kill here.
func killGroup(cmd *exec.Cmd) {}
