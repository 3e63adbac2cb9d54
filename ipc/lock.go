package ipc

import (
	"errors"
	"fmt"
	"io/fs"
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
//
// The folder is checked before anything is created in it (see checkDir: a
// dedicated folder of another user, or a symlink of one, is refused), and the
// file is opened without following a symlink and refused unless it is a
// regular file of ours with one link: another local user who got to the
// folder first must not make us truncate a file of their choosing.
func AcquireLock(path string) (release func() error, err error) {
	if path == "" {
		return nil, errors.New("no lock file path given")
	}
	if err := checkFolderOf(path); err != nil {
		return nil, fmt.Errorf("refusing the lock file %s: %w", path, err)
	}
	f, err := openOwnFile(path, 0o600)
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

// PrepareSocketDir makes the folder of the socket at socketPath ready before
// anything (the lock file) is created in it, with the mode Listen would give
// it: 0700, or 0711 when anyUser lets other users reach a socket whose peer
// credentials the OS reports. Creating it here first matters for a custom
// folder: Listen leaves an existing shared folder's mode alone, so a folder
// created 0700 by the lock would keep status_for_any_user from working. The
// note, when not empty, says what was done to or noticed about the folder.
func PrepareSocketDir(socketPath string, anyUser bool) (note string, err error) {
	abs, err := filepath.Abs(socketPath)
	if err != nil {
		return "", fmt.Errorf("socket path %q: %w", socketPath, err)
	}
	return prepareDir(filepath.Dir(abs), socketDirMode(anyUser))
}

// socketDirMode is the socket folder's mode; see PrepareSocketDir.
func socketDirMode(anyUser bool) fs.FileMode {
	if anyUser && peerCredSupported {
		return 0o711
	}
	return 0o700
}
