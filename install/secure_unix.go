//go:build unix

package install

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// safeFolder refuses (describing the problem; the caller adds the remedy) a
// folder (on this host's disk) that a user other than
// root and the one installing could change, and every folder above it: a
// user who can write the folder of the copies, or rename a folder above
// it, could swap the program that root's service runs at the next start
// for their own. It walks up from the deepest part that exists (the rest
// is created by Install, owner-only writable) with symbolic links
// resolved, as a secure-path check does. A folder with the sticky bit
// (/tmp) may be writable by all: nobody else can rename or delete what is
// ours in it.
func safeFolder(disk string) error {
	p := filepath.Clean(disk)
	for {
		if _, err := os.Lstat(p); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("checking the program folder %s: %w%s", p, err, permissionHint(err))
		}
		parent := filepath.Dir(p)
		if parent == p {
			return nil
		}
		p = parent
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return fmt.Errorf("checking the program folder %s: %w", p, err)
	}
	uid := os.Geteuid()
	for q := real; ; q = filepath.Dir(q) {
		fi, err := os.Lstat(q)
		if err != nil {
			return fmt.Errorf("checking the program folder %s: %w", q, err)
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return nil
		}
		what := "the program folder " + disk
		if q != filepath.Clean(disk) {
			what = q + ", a folder above the program folder " + disk + ","
		}
		switch {
		case !fi.IsDir():
			return fmt.Errorf("%s is not a folder", what)
		case int(st.Uid) != 0 && int(st.Uid) != uid:
			return fmt.Errorf("%s belongs to uid %d, who could replace the programs in it with their own", what, st.Uid)
		case fi.Mode()&fs.ModeSticky == 0 && (fi.Mode().Perm()&0o002 != 0 || fi.Mode().Perm()&0o020 != 0 && st.Gid != 0):
			return fmt.Errorf("%s is writable by other users (mode %04o), who could replace the programs in it with their own", what, fi.Mode().Perm())
		}
		if parent := filepath.Dir(q); parent == q {
			return nil
		}
	}
}
