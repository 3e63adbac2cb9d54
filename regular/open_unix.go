//go:build unix

package regular

import (
	"os"
	"syscall"
)

// OpenNoWait opens path with flag and perm, plus O_NONBLOCK: the open of a
// named pipe returns at once instead of waiting for the other end. Add
// syscall.O_NOFOLLOW to flag to refuse a symlink at the last component.
func OpenNoWait(path string, flag int, perm os.FileMode) (*os.File, error) {
	return os.OpenFile(path, flag|syscall.O_NONBLOCK, perm)
}

// Blocking puts a file OpenNoWait opened, once it is known to be regular,
// back into blocking mode, so that no read or write of it can fail with
// EAGAIN on a file system that honours O_NONBLOCK for regular files.
func Blocking(f *os.File) error {
	return syscall.SetNonblock(int(f.Fd()), false)
}
