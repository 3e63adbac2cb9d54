//go:build !windows

package ipc

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// serverUID is the uid whose clients may send every command.
func serverUID() int { return os.Geteuid() }

// prepareDir makes sure the socket's folder exists and keeps other users out.
//
// A missing folder is created with dirMode. An existing folder is tightened to
// dirMode only when it is ours and dedicated to us: its name starts with
// "ddns", as every default path's does. A shared folder a user chose (/tmp,
// /run, a home folder) is left alone, because narrowing it would break other
// programs; the socket's own mode then protects it. A dedicated folder owned
// by another ordinary user is refused: whoever owns it could swap our socket.
func prepareDir(dir string, dirMode fs.FileMode) (note string, err error) {
	fi, err := os.Stat(dir)
	if os.IsNotExist(err) {
		if err := os.MkdirAll(dir, dirMode); err != nil {
			return "", fmt.Errorf("cannot create the socket folder %s: %w", dir, err)
		}
		// MkdirAll's mode is filtered by the umask; set it exactly.
		if err := os.Chmod(dir, dirMode); err != nil {
			return "", fmt.Errorf("cannot set mode %o on the socket folder %s: %w", dirMode, dir, err)
		}
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("cannot inspect the socket folder %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("the socket folder %s is not a folder", dir)
	}
	owner := -1
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		owner = int(st.Uid)
	}
	me := os.Geteuid()
	dedicated := strings.HasPrefix(filepath.Base(dir), "ddns")
	if !dedicated {
		return fmt.Sprintf("socket folder %s is shared (mode %o); leaving its mode alone", dir, fi.Mode().Perm()), nil
	}
	if owner != me && owner != 0 && owner != -1 {
		return "", fmt.Errorf("the socket folder %s belongs to uid %d, not to you (uid %d): remove it or choose another socket path", dir, owner, me)
	}
	if owner == me && fi.Mode().Perm() != dirMode {
		if err := os.Chmod(dir, dirMode); err != nil {
			return "", fmt.Errorf("cannot tighten the socket folder %s to mode %o: %w", dir, dirMode, err)
		}
		return fmt.Sprintf("socket folder %s had mode %o; set it to %o", dir, fi.Mode().Perm(), dirMode), nil
	}
	return "", nil
}

// chmodSocket sets the socket file's mode; connecting needs write permission.
func chmodSocket(path string, mode fs.FileMode) error {
	if err := os.Chmod(path, mode); err != nil {
		return fmt.Errorf("cannot set mode %o on the socket %s: %w", mode, path, err)
	}
	return nil
}
