//go:build !windows

package ipc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLockRefusesPlantedFiles: another user who creates our socket folder
// first, or plants a symlink or hard link where our lock file goes, never
// gets us to truncate or write the file it points to; we refuse with a
// message naming the problem, and the victim file keeps its content.
func TestLockRefusesPlantedFiles(t *testing.T) {
	const content = "precious data\n"
	tests := []struct {
		name     string
		rootOnly bool
		// plant sets up the folder dir and returns the lock path.
		plant func(t *testing.T, dir, victim string) string
		want  string
	}{
		{
			name: "folder of another user with a symlinked lock", rootOnly: true,
			plant: func(t *testing.T, dir, victim string) string {
				d := filepath.Join(dir, "ddns-1000")
				must(t, os.Mkdir(d, 0o777))
				must(t, os.Chmod(d, 0o777))
				lock := filepath.Join(d, SocketFileName+".lock")
				must(t, os.Symlink(victim, lock))
				must(t, os.Lchown(lock, 65534, 65534))
				must(t, os.Chown(d, 65534, 65534))
				return lock
			},
			want: "belongs to uid 65534",
		},
		{
			name: "symlinked lock in a shared sticky folder",
			plant: func(t *testing.T, dir, victim string) string {
				d := filepath.Join(dir, "shared")
				must(t, os.Mkdir(d, 0o777))
				must(t, os.Chmod(d, 0o777|os.ModeSticky))
				lock := filepath.Join(d, "sup.sock.lock")
				must(t, os.Symlink(victim, lock))
				return lock
			},
			want: "is a symlink: refusing to follow it",
		},
		{
			name: "hard-linked lock in a shared sticky folder",
			plant: func(t *testing.T, dir, victim string) string {
				d := filepath.Join(dir, "shared")
				must(t, os.Mkdir(d, 0o777))
				must(t, os.Chmod(d, 0o777|os.ModeSticky))
				lock := filepath.Join(d, "sup.sock.lock")
				must(t, os.Link(victim, lock))
				return lock
			},
			want: "has 2 hard links",
		},
		{
			name: "lock of another user in a shared sticky folder", rootOnly: true,
			plant: func(t *testing.T, dir, victim string) string {
				d := filepath.Join(dir, "shared")
				must(t, os.Mkdir(d, 0o777))
				must(t, os.Chmod(d, 0o777|os.ModeSticky))
				lock := filepath.Join(d, "sup.sock.lock")
				must(t, os.WriteFile(lock, []byte(content), 0o666))
				must(t, os.Chown(lock, 65534, 65534))
				return lock
			},
			want: "belongs to uid 65534",
		},
		{
			name: "folder writable by others without a sticky bit", rootOnly: true,
			plant: func(t *testing.T, dir, victim string) string {
				d := filepath.Join(dir, "loose")
				must(t, os.Mkdir(d, 0o777))
				must(t, os.Chmod(d, 0o777))
				must(t, os.Chown(d, 65534, 65534))
				return filepath.Join(d, "sup.sock.lock")
			},
			want: "may be written by other users and has no sticky bit",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.rootOnly && os.Geteuid() != 0 {
				t.Skip("needs root to give files to another user (chown)")
			}
			dir := t.TempDir()
			victim := filepath.Join(dir, "victim")
			must(t, os.WriteFile(victim, []byte(content), 0o600))
			lock := tt.plant(t, dir, victim)
			release, err := AcquireLock(lock)
			if err == nil {
				release()
				t.Fatalf("AcquireLock(%s) succeeded; want it refused", lock)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), lock[:len(lock)-len(filepath.Base(lock))-1]) {
				t.Errorf("error %q; want it to say %q and name the path", err, tt.want)
			}
			got, rerr := os.ReadFile(victim)
			must(t, rerr)
			if string(got) != content {
				t.Errorf("the victim file now holds %q; want it untouched", got)
			}
		})
	}
}

// TestPrepareSocketDirForAnyUser: with status for any user, a custom socket
// folder that does not exist yet is created 0711, so other users can reach
// the socket inside; creating it 0700 first (for the lock) used to keep
// status_for_any_user from having any effect.
func TestPrepareSocketDirForAnyUser(t *testing.T) {
	if !peerCredSupported {
		t.Skip("no peer credentials here: the socket stays private")
	}
	dir := filepath.Join(t.TempDir(), "custom")
	sock := filepath.Join(dir, "control.sock")
	if _, err := PrepareSocketDir(sock, true); err != nil {
		t.Fatal(err)
	}
	release, err := AcquireLock(sock + ".lock")
	must(t, err)
	defer release()
	s := startServer(t, ServerOptions{Path: sock, AllowStatusFromAnyUser: true})
	fi, err := os.Stat(dir)
	must(t, err)
	if fi.Mode().Perm() != 0o711 {
		t.Errorf("custom socket folder mode %o; want 711", fi.Mode().Perm())
	}
	sfi, err := os.Stat(s.Path())
	must(t, err)
	if sfi.Mode().Perm() != 0o666 {
		t.Errorf("socket mode %o; want 666", sfi.Mode().Perm())
	}
}
