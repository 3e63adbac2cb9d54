//go:build windows

package ipc

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// lockOffset is where the locked byte sits. Windows locks are mandatory, so
// the lock covers a byte far past the pid text, which stays readable.
const lockOffset = 1 << 30

func lockOverlapped() *windows.Overlapped {
	return &windows.Overlapped{Offset: lockOffset}
}

// tryLock takes LockFileEx(exclusive, fail immediately). held is true when
// another handle has it.
func tryLock(f *os.File) (held bool, err error) {
	err = windows.LockFileEx(windows.Handle(f.Fd()),
		windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, lockOverlapped())
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
		return true, nil
	}
	return false, err
}

func unlock(f *os.File) error {
	return windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, lockOverlapped())
}
