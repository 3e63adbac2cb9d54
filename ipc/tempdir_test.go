package ipc

import (
	"net"
	"runtime"
	"testing"

	"github.com/ddnsd/ddns/testsupport/tempdir"
	"github.com/hashicorp/go-hclog"
)

// tempDir is t.TempDir that also works under wine (see testsupport/tempdir).
func tempDir(t testing.TB) string { return tempdir.New(t, "ipc-test") }

// unixSocketOnly skips a test of the Unix socket file (its folder, modes,
// stale files, path length) on Windows, where the control channel is a named
// pipe with none of those: pipe_windows_test.go tests the pipe's own rules.
func unixSocketOnly(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("tests the Unix socket file; Windows uses a named pipe (see pipe_windows_test.go)")
	}
}

// rawListen listens on the platform's transport without a Server, for tests
// that need a peer which accepts and then misbehaves.
func rawListen(t *testing.T, path string) net.Listener {
	t.Helper()
	o := ServerOptions{Path: path, Logger: hclog.NewNullLogger()}
	ln, _, err := listenTransport(&o)
	if err != nil {
		t.Fatal(err)
	}
	return ln
}
