// Package regular holds what the packages that read or write a file they
// were given a path to (configs, journal) share so as to touch only
// regular files: an open that does not wait for a named pipe's other end,
// the undoing of that once the file is known to be regular, and the name of
// what a file that is not regular is, for the message refusing it. It
// imports only the standard library, so any binary may link it.
package regular

import (
	"fmt"
	"io/fs"
)

// KindOf names what a file that is not regular is, for a message ("the
// path is a named pipe (FIFO), not a regular file").
func KindOf(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symlink"
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return fmt.Sprintf("of type %v", m.Type())
}
