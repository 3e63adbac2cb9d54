//go:build unix

package configs

import (
	"os"
	"syscall"
)

// openNoWait opens path for reading without waiting: O_NONBLOCK makes the
// open of a named pipe return at once instead of waiting for a writer.
func openNoWait(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}

// readable puts a file known to be regular back into blocking mode, so
// that no read of it can fail with EAGAIN on a file system that honours
// O_NONBLOCK for regular files.
func readable(f *os.File) error {
	return syscall.SetNonblock(int(f.Fd()), false)
}
