// Package tempdir is t.TempDir for tests that also run under wine: there,
// wine 8's os.RemoveAll fails ("Invalid function") and t.TempDir's cleanup
// would fail every test, so the folder is made by hand and a failed removal
// is only logged.
package tempdir

import (
	"os"
	"runtime"
	"testing"
)

// New returns a new temporary folder removed when the test ends: t.TempDir
// everywhere but Windows, where a folder named prefix-* whose failed removal
// is logged rather than failing the test.
func New(t testing.TB, prefix string) string {
	t.Helper()
	if runtime.GOOS != "windows" {
		return t.TempDir()
	}
	dir, err := os.MkdirTemp("", prefix+"-")
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
