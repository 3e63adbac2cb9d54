package ipc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// ErrLocked means another process holds the lock: another supervisor already
// runs with the same config.
var ErrLocked = errors.New("another process holds the lock")

// AcquireLock takes an exclusive lock on the file at path without waiting,
// creating the file (and its folder, mode 0700) when missing, and writes this
// process's pid into it so a refused second supervisor can say who holds it.
// The lock belongs to the open file, so it vanishes when the process dies,
// however it dies: no stale lock can block a restart.
//
// When another process holds it, the error wraps ErrLocked and names the path
// and, when readable, the holder's pid. release unlocks and closes; calling it
// more than once is harmless. The file is left in place: removing it would let
// a third process lock a new file while a second still holds the old one.
func AcquireLock(path string) (release func() error, err error) {
	if path == "" {
		return nil, errors.New("no lock file path given")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the folder of the lock file %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot open the lock file %s: %w", path, err)
	}
	held, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot lock %s: %w", path, err)
	}
	if held {
		pid := readPID(f)
		f.Close()
		if pid > 0 {
			return nil, fmt.Errorf("%w: %s is held by pid %d (another supervisor with this config?); stop it first", ErrLocked, path, pid)
		}
		return nil, fmt.Errorf("%w: %s is held by another process (another supervisor with this config?); stop it first", ErrLocked, path)
	}
	// Best effort: the pid only improves the message a second process shows.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	var once sync.Once
	return func() error {
		var rerr error
		once.Do(func() {
			_ = f.Truncate(0)
			if err := unlock(f); err != nil {
				rerr = fmt.Errorf("cannot unlock %s: %w", path, err)
			}
			if err := f.Close(); err != nil && rerr == nil {
				rerr = fmt.Errorf("cannot close the lock file %s: %w", path, err)
			}
		})
		return rerr
	}, nil
}

// readPID reads the holder's pid from the start of the file; 0 if none.
func readPID(f *os.File) int {
	buf := make([]byte, 32)
	n, _ := f.ReadAt(buf, 0)
	pid, err := strconv.Atoi(strings.TrimSpace(string(buf[:n])))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}
