package ipc

import (
	"net"
	"os"
	"runtime"
	"testing"

	"github.com/hashicorp/go-hclog"
)

// tempDir is t.TempDir, except on Windows, where wine 8's os.RemoveAll fails
// ("Invalid function") and would fail every test at cleanup: there the
// folder is made by hand and a failed removal is only logged.
func tempDir(t testing.TB) string {
	t.Helper()
	if runtime.GOOS != "windows" {
		return t.TempDir()
	}
	dir, err := os.MkdirTemp("", "ipc-test-")
	if err != nil {
		t.Fatalf("cannot create a temporary folder: %v", err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Logf("temporary folder %s left behind: %v", dir, err)
		}
	})
	return dir
}

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
