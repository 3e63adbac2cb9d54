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
