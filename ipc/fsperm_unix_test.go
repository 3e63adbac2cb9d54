//go:build !windows

package ipc

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestForeignSocketFolderRefused: a dedicated socket folder ("ddns...")
// owned by another ordinary user is refused, whatever that user's uid (1
// and 65534 here), because its owner could swap the socket; one owned by
// root or by us is used.
func TestForeignSocketFolderRefused(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a folder to another user (chown)")
	}
	for _, owner := range []int{1, 65534, 0} {
		t.Run("uid "+strconv.Itoa(owner), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "ddns")
			must(t, os.Mkdir(dir, 0o700))
			must(t, os.Chown(dir, owner, owner))
			_, err := prepareDir(dir, 0o700)
			if owner == 0 {
				if err != nil {
					t.Fatalf("a folder of root's: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "belongs to uid "+strconv.Itoa(owner)) {
				t.Fatalf("a folder of uid %d: %v; want it refused", owner, err)
			}
		})
	}
}

// TestListenLogsWhatItDidToTheFolder: tightening a loose socket folder is
// logged, so the change to a user's folder is never silent.
func TestListenLogsWhatItDidToTheFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ddns")
	must(t, os.Mkdir(dir, 0o777))
	must(t, os.Chmod(dir, 0o777))
	logger, logs := testLogger(t)
	startServer(t, ServerOptions{Path: filepath.Join(dir, SocketFileName), Logger: logger})
	if n := logs.Count("had mode 777; set it to 700"); n != 1 {
		t.Fatalf("the tightening was logged %d times, want once:\n%s", n, logs)
	}
}
