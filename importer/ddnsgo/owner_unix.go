//go:build unix

package ddnsgo

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// folderOnlyOurs refuses a folder that another user owns or that others
// may write.
func folderOnlyOurs(fi fs.FileInfo, dir string) error {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		if uid := os.Geteuid(); int(st.Uid) != uid {
			return fmt.Errorf("the secrets folder %s belongs to uid %d, not to this user (uid %d), who could replace the secret files: give a folder of your own, or a new one", dir, st.Uid, uid)
		}
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("the secrets folder %s is writable by other users (mode %04o), who could replace the secret files: run chmod 700 %s, or give a new folder", dir, fi.Mode().Perm(), dir)
	}
	return nil
}
