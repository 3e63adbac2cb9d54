//go:build windows

package ipc

import (
	"os"
	"runtime"

	"golang.org/x/sys/windows"
)

func currentEnv() pathEnv {
	home, _ := os.UserHomeDir()
	return pathEnv{
		goos:    runtime.GOOS,
		uid:     -1,
		admin:   isAdmin(),
		getenv:  os.Getenv,
		tempDir: os.TempDir(),
		homeDir: home,
	}
}

// isAdmin reports whether the process runs as LocalSystem or with an elevated
// token: such a supervisor is a service whose socket belongs in ProgramData.
func isAdmin() bool {
	tok := windows.GetCurrentProcessToken()
	if tok.IsElevated() {
		return true
	}
	u, err := tok.GetTokenUser()
	if err != nil {
		return false
	}
	return u.User.Sid.IsWellKnown(windows.WinLocalSystemSid)
}
