//go:build !windows

package ipc

import (
	"errors"
	"io/fs"
	"syscall"
)

// isNoServer reports a dial error that means nobody listens: no socket file,
// or a file left behind by a server that is gone.
func isNoServer(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, fs.ErrNotExist)
}

func syscallEADDRINUSE() error { return syscall.EADDRINUSE }
