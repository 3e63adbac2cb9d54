//go:build !unix

package regular

import "os"

// OpenNoWait opens path with flag and perm. Where this builds (Windows)
// there are no named pipes in the file system, so an ordinary open does
// not wait.
func OpenNoWait(path string, flag int, perm os.FileMode) (*os.File, error) {
	return os.OpenFile(path, flag, perm)
}

// Blocking has nothing to undo here.
func Blocking(*os.File) error { return nil }
