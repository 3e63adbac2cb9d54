//go:build windows

package ipc

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// serverUID is -1: Windows has no uid, and peer credentials are not read.
func serverUID() int { return -1 }

// prepareDir creates the socket's folder. Windows ignores Unix modes; the
// default folder inherits the per-user ACL of %LOCALAPPDATA% (or the
// administrators-only ACL of %ProgramData%), which is what keeps others out.
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
