package ddns

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

// Saving the state leaves no file or folder open: the updater saves on
// every change for as long as it runs. (The folder is opened to flush the
// rename to disk; a mutant that skipped that flush also skipped the close,
// which is how this test kills it.)
func TestStateSaveLeavesNoFileOpen(t *testing.T) {
	// No garbage collection during the test: a finalizer could close a
	// leaked file before it is counted.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	st := &State{Version: StateVersion, Records: map[string]RecordState{"home.example.com/A": {Address: "192.0.2.1", Provider: "acct"}}}
	for range 3 {
		if err := st.Save(path); err != nil {
			t.Fatal(err)
		}
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err == nil && strings.HasPrefix(target, dir) {
			t.Errorf("descriptor %s is still open on %s after Save", fd.Name(), target)
		}
	}
}
