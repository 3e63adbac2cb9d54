//go:build !windows

package daemon

import "syscall"

// processGroup is pid's process group; the supervise starter makes the
// child a group leader, so the child's pid is its group's id.
func processGroup(pid int) (int, error) { return syscall.Getpgid(pid) }

// askUpdate asks the updater for a pass now: it runs one on SIGHUP.
func askUpdate(pid int) error { return syscall.Kill(pid, syscall.SIGHUP) }
