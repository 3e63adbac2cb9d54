package configs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/ddnsd/ddns/regular"
)

// ErrNotRegular is returned, wrapped, by ReadRegularFile for a path that
// leads to something other than a regular file: a folder, a named pipe, a
// device or a socket.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is returned, wrapped, by ReadRegularFile for a file over its
// size limit.
var ErrTooLarge = errors.New("file too large")

// ReadRegularFile reads the file at path, which must be, after following
// symlinks, a regular file of at most limit bytes. A symlink to a regular
// file (a Kubernetes ConfigMap, a file kept in a dotfiles folder) reads like
// the file; a symlink to /dev/zero, a named pipe or a folder is refused
// without reading it, and a file over the limit is refused without reading
// more than the limit. So a hostile or broken path can neither grow memory
// without end nor block the caller: the open does not wait for a pipe's
// writer. Errors name the path, and the limit where it applies; one from
// opening keeps its cause (errors.Is(err, fs.ErrNotExist) holds for a
// missing file).
func ReadRegularFile(path string, limit int64) ([]byte, error) {
	// Refuse what is not a regular file before opening it: opening some
	// devices acts (a watchdog device arms itself, a tape rewinds).
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, notRegular(path, fi.Mode())
	}
	f, err := openNoWait(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Check again what was opened: the path may have changed since.
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, notRegular(path, fi.Mode())
	}
	if fi.Size() > limit {
		return nil, tooLarge(path, fi.Size(), limit)
	}
	if err := readable(f); err != nil {
		return nil, err
	}
	// Read one byte more than the limit, to notice a file that grew since
	// the stat (or one whose size the stat does not know).
	var buf bytes.Buffer
	buf.Grow(int(fi.Size()) + 1)
	if _, err := buf.ReadFrom(io.LimitReader(f, limit+1)); err != nil {
		return nil, &fs.PathError{Op: "read", Path: path, Err: err}
	}
	if int64(buf.Len()) > limit {
		return nil, tooLarge(path, -1, limit)
	}
	return buf.Bytes(), nil
}

func notRegular(path string, m fs.FileMode) error {
	return &readError{msg: fmt.Sprintf("%s is %s, not a regular file", path, regular.KindOf(m)), kind: ErrNotRegular}
}

func tooLarge(path string, size, limit int64) error {
	if size < 0 {
		return &readError{msg: fmt.Sprintf("%s is larger than the limit of %s", path, sizeLimit(limit)), kind: ErrTooLarge}
	}
	return &readError{msg: fmt.Sprintf("%s is %d bytes, more than the limit of %s", path, size, sizeLimit(limit)), kind: ErrTooLarge}
}

// readError is a refusal by ReadRegularFile: its message is a sentence
// naming the path, its kind the sentinel it matches.
type readError struct {
	msg  string
	kind error
}

func (e *readError) Error() string { return e.msg }
func (e *readError) Unwrap() error { return e.kind }

// sizeLimit writes a byte limit for a message: "2 MiB (2097152 bytes)".
func sizeLimit(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB (%d bytes)", n>>20, n)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB (%d bytes)", n>>10, n)
	}
	return fmt.Sprintf("%d bytes", n)
}

// openNoWait opens path for reading without waiting: the open of a named
// pipe returns at once instead of waiting for a writer.
func openNoWait(path string) (*os.File, error) { return regular.OpenNoWait(path, os.O_RDONLY, 0) }

// readable puts a file known to be regular back into blocking mode, so
// that no read of it can fail with EAGAIN on a file system that honours
// O_NONBLOCK for regular files.
func readable(f *os.File) error { return regular.Blocking(f) }
