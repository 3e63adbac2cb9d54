//go:build windows

package ipc

import (
	"fmt"
	"io/fs"
	"os"
)

// serverUID is the server's own access class (see peer_windows.go): Windows
// has no uid, so the pipe server sorts every client into "administrator"
// (0, like root), "the server's own account" or "another user", and the
// server itself is 0 when it runs as SYSTEM or elevated, else the own-account
// class. permit then applies the same rules as on Unix.
func serverUID() int {
	if isAdmin() {
		return uidAdmin
	}
	return uidSelf
}

// prepareDir creates a folder for a Unix socket, which on Windows is used
// only when a test or a config asks for listenUnix directly; the control
// channel itself is a named pipe (pipe_windows.go) with its own access list.
func prepareDir(dir string, _ fs.FileMode) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("cannot create the socket folder %s: %w", dir, err)
	}
	return "", nil
}

// chmodSocket does nothing: Windows ignores Unix modes.
func chmodSocket(string, fs.FileMode) error { return nil }
