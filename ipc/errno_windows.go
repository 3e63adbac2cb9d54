//go:build windows

package ipc

import (
	"errors"
	"io/fs"

	"golang.org/x/sys/windows"
)

// isNoServer reports a dial error that means nobody listens: no socket file,
// or a file left behind by a server that is gone.
func isNoServer(err error) bool {
	return errors.Is(err, windows.WSAECONNREFUSED) || errors.Is(err, fs.ErrNotExist) ||
		errors.Is(err, windows.ERROR_PATH_NOT_FOUND) || errors.Is(err, windows.WSAENETDOWN)
}

func syscallEADDRINUSE() error { return windows.WSAEADDRINUSE }
