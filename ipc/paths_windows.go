//go:build windows

package ipc

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/sys/windows"
)

func currentEnv() pathEnv {
	home, _ := os.UserHomeDir()
	return pathEnv{
		goos:    runtime.GOOS,
		uid:     -1,
		admin:   isAdmin(),
		sid:     selfSIDString(),
		getenv:  os.Getenv,
		tempDir: os.TempDir(),
		homeDir: home,
	}
}

// isAdmin reports whether the process runs as LocalSystem or with an elevated
// token: such a supervisor is a service, listening on the service's pipe.
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

// selfSID is the account this process runs as; nil if the token cannot be
// read (then the service pipe's name is used, and its access list still
// names only SYSTEM and Administrators).
func selfSID() *windows.SID {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return nil
	}
	sid, err := u.User.Sid.Copy()
	if err != nil {
		return nil
	}
	return sid
}

func selfSIDString() string {
	if sid := selfSID(); sid != nil {
		return sid.String()
	}
	return ""
}

const pipePrefix = `\\.\pipe\`

// maxPipeName keeps mapped names well inside the 256 characters a pipe name
// may have.
const maxPipeName = 200

// PipeName is the named pipe a socket setting means on Windows. A pipe name
// (\\.\pipe\...) is used as it is. Anything else is a file path (a
// `socket = ...` written for Unix, a test's temporary folder) and maps to
// \\.\pipe\ddns-<the absolute path with its separators as dashes>, so the
// same setting gives the supervisor and its CLI the same pipe; a path too
// long for that maps to a hash of itself.
func PipeName(path string) string {
	if isPipeName(path) {
		return path
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	r := strings.NewReplacer(`\`, "-", "/", "-", ":", "")
	name := pipePrefix + "ddns-" + strings.ToLower(r.Replace(path))
	if len(name) > maxPipeName {
		sum := sha256.Sum256([]byte(strings.ToLower(path)))
		name = pipePrefix + "ddns-" + hex.EncodeToString(sum[:16])
	}
	return name
}

func isPipeName(s string) bool {
	return len(s) > len(pipePrefix) && strings.EqualFold(s[:len(pipePrefix)], pipePrefix)
}

// LockPath is the file whose lock keeps a second supervisor off the same
// control channel. A pipe has no folder of its own, so its lock lives in the
// per-user data folder (%LOCALAPPDATA%\ddns), or for the service's pipe in
// %ProgramData%\ddns; a file-path setting keeps its lock beside the path.
func LockPath(socket string) string {
	if !isPipeName(socket) {
		return socket + ".lock"
	}
	base := os.Getenv("LOCALAPPDATA")
	if strings.EqualFold(socket, WindowsServicePipe) || base == "" {
		base = os.Getenv("ProgramData")
	}
	if base == "" {
		base = os.TempDir()
	}
	return filepath.Join(base, "ddns", socket[len(pipePrefix):]+".lock")
}
