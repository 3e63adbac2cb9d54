//go:build windows

package ipc

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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

// checkFolderOf creates the folder of a file we are about to create; its ACL
// is inherited as for prepareDir.
func checkFolderOf(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("cannot create the folder of %s: %w", path, err)
	}
	return nil
}

// openOwnFile opens (creating when missing) a file of ours. Creating symlinks
// needs a privilege on Windows, and the folder's ACL keeps others out.
func openOwnFile(path string, perm fs.FileMode) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, perm)
}

// chmodSocket does nothing: a socket file's access is the folder's ACL.
func chmodSocket(string, fs.FileMode) error { return nil }

// checkDefaultSocket does nothing: the default folder's ACL is per user.
func checkDefaultSocket(string, string) error { return nil }
