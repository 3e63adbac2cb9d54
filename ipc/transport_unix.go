//go:build !windows

package ipc

import (
	"context"
	"io/fs"
	"net"
)

// listenTransport is the Unix socket everywhere but Windows.
func listenTransport(o *ServerOptions) (net.Listener, fs.FileInfo, error) { return listenUnix(o) }

// dialTransport connects to the Unix socket at path.
func dialTransport(ctx context.Context, path string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "unix", path)
}
