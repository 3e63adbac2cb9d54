//go:build unix

package ddnsgo

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestDevicesAndPipesAreRefusedWithoutReading: /dev/zero would never end
// and a FIFO without a writer would block; both are refused at once.
func TestDevicesAndPipesAreRefusedWithoutReading(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "pipe.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{"/dev/zero", "is a character device, not a regular file"},
		{fifo, "is a named pipe (FIFO), not a regular file"},
	} {
		_, errOut, code := runMain(tc.path)
		if code != 2 || !strings.Contains(errOut, tc.path) || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, stderr:\n%s", tc.path, code, errOut)
		}
	}
}
