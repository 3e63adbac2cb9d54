package journal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/ddnsd/ddns/regular"
)

// ErrRefused is returned, wrapped, for a journal path that leads to
// something other than a regular file of this user's: a symlink, a named
// pipe, a device, a folder, or (when writing) a file another user owns.
var ErrRefused = errors.New("not a journal file")

// openAppend opens the journal at path for appending, creating it (0600)
// when missing, and checks what it opened.
func openAppend(path string) (*os.File, error) {
	if err := refuseSpecial(path); err != nil {
		return nil, err
	}
	f, err := openFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE)
	if err != nil {
		return nil, fmt.Errorf("cannot open the journal %s: %w", path, err)
	}
	if err := checkOpened(f, path, true); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// openRead opens the journal at path for reading, after the same checks.
func openRead(path string) (*os.File, fs.FileInfo, error) {
	if err := refuseSpecial(path); err != nil {
		return nil, nil, err
	}
	f, err := openFile(path, os.O_RDONLY)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot open the journal %s: %w", path, err)
	}
	if err := checkOpened(f, path, false); err != nil {
		f.Close()
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("cannot read the journal %s: %w", path, err)
	}
	return f, fi, nil
}

// refuseSpecial refuses, before any open, a path that is a symlink or not
// a regular file: opening some devices acts, and opening a named pipe
// could wait for a writer. A missing path passes (it is created or read as
// empty).
func refuseSpecial(path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil
	}
	if !fi.Mode().IsRegular() {
		return refused(path, fi.Mode())
	}
	return nil
}

// checkOpened checks again what was opened: the path may have changed
// between the Lstat and the open.
func checkOpened(f *os.File, path string, write bool) error {
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("cannot read the journal %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return refused(path, fi.Mode())
	}
	if write {
		if err := ownedByUs(fi, path); err != nil {
			return err
		}
	}
	return blocking(f)
}

func refused(path string, m fs.FileMode) error {
	return &refusal{msg: fmt.Sprintf("the journal %s is %s, not a regular file; remove it", path, regular.KindOf(m))}
}

// refusal is an ErrRefused with its sentence.
type refusal struct{ msg string }

func (e *refusal) Error() string { return e.msg }
func (e *refusal) Unwrap() error { return ErrRefused }
