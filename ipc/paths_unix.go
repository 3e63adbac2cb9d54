//go:build !windows

package ipc

import (
	"os"
	"runtime"
)

func currentEnv() pathEnv {
	home, _ := os.UserHomeDir()
	return pathEnv{
		goos:    runtime.GOOS,
		uid:     os.Geteuid(),
		getenv:  os.Getenv,
		tempDir: os.TempDir(),
		homeDir: home,
	}
}

// LockPath is the file whose lock keeps a second supervisor off the same
// socket: the socket's path with ".lock" added.
func LockPath(socket string) string { return socket + ".lock" }
