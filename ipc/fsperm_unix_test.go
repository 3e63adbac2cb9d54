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

// TestDefaultSocketOfAnotherUserRefused: the client does not talk to the
// default socket when another user owns its folder or the socket (an
// impostor that got there first); the same folder given explicitly, or a
// folder of ours or root's, is dialled as asked.
func TestDefaultSocketOfAnotherUserRefused(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a folder to another user (chown)")
	}
	tests := []struct {
		name                   string
		dirOwner, sockOwner    int
		isDefault, wantRefusal bool
	}{
		{"default path, folder of another user", 65534, 0, true, true},
		{"default path, socket of another user", 0, 65534, true, true},
		{"default path, ours", 0, 0, true, false},
		{"explicit path, folder of another user", 65534, 65534, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "ddns-1000")
			must(t, os.Mkdir(dir, 0o755))
			sock := filepath.Join(dir, SocketFileName)
			must(t, os.WriteFile(sock, nil, 0o600))
			must(t, os.Chown(sock, tt.sockOwner, tt.sockOwner))
			must(t, os.Chown(dir, tt.dirOwner, tt.dirOwner))
			def := "/elsewhere/" + SocketFileName
			if tt.isDefault {
				def = sock
			}
			err := checkDefaultSocket(sock, def)
			if refused := err != nil; refused != tt.wantRefusal {
				t.Fatalf("checkDefaultSocket: %v; want refused %v", err, tt.wantRefusal)
			}
			if err != nil && !strings.Contains(err.Error(), "belongs to uid 65534") {
				t.Errorf("the refusal does not name the owner: %v", err)
			}
		})
	}
}
