//go:build unix

package journal

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"

	"github.com/ddnsd/ddns/regular"
)

// openFile opens without following a symlink at the last component and
// without waiting for a named pipe's other end.
func openFile(path string, flag int) (*os.File, error) {
	return regular.OpenNoWait(path, flag|syscall.O_NOFOLLOW, 0o600)
}

// blocking puts a file known to be regular back into blocking mode.
func blocking(f *os.File) error { return regular.Blocking(f) }

// ownedByUs refuses a journal another user owns: appending to it would
// write our history into a file they read and control.
func ownedByUs(fi fs.FileInfo, path string) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if uid := os.Geteuid(); int(st.Uid) != uid {
		return &refusal{msg: fmt.Sprintf("the journal %s belongs to uid %d, not to this user (uid %d); remove it or give this user its own state folder", path, st.Uid, uid)}
	}
	return nil
}

// syncDir flushes a folder's entries (a rename) to disk, as far as the
// system allows; a failure only weakens durability, so it is not reported.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
