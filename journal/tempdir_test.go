package journal

import (
	"os"
	"runtime"
	"testing"
)

// tempDir is t.TempDir, except on Windows, where wine 8's os.RemoveAll fails
// ("Invalid function") and would fail every test at cleanup: there the
// folder is made by hand and a failed removal is only logged.
func tempDir(t testing.TB) string {
	t.Helper()
	if runtime.GOOS != "windows" {
		return t.TempDir()
	}
	dir, err := os.MkdirTemp("", "journal-test-")
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
