//go:build windows

package ipc

import (
	"fmt"
	"io/fs"
	"os"
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

// chmodSocket does nothing: a socket file's access is the folder's ACL.
func chmodSocket(string, fs.FileMode) error { return nil }
