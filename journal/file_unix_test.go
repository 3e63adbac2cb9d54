//go:build unix

package journal

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestPlantedJournalsAreRefused: what another user (or an accident) may
// put at a journal's path is refused by both the writer and the reader,
// without blocking on a named pipe and without following a link.
func TestPlantedJournalsAreRefused(t *testing.T) {
	for _, tc := range []struct {
		name  string
		plant func(t *testing.T, path string)
	}{
		{"symlink to a file", func(t *testing.T, path string) {
			target := filepath.Join(filepath.Dir(path), "target")
			if err := os.WriteFile(target, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, path); err != nil {
				t.Fatal(err)
			}
		}},
		{"dangling symlink", func(t *testing.T, path string) {
			if err := os.Symlink(filepath.Join(filepath.Dir(path), "nowhere"), path); err != nil {
				t.Fatal(err)
			}
		}},
		{"named pipe", func(t *testing.T, path string) {
			if err := syscall.Mkfifo(path, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"folder", func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
		}},
		{"symlink to /dev/zero", func(t *testing.T, path string) {
			if err := os.Symlink("/dev/zero", path); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "j.jsonl")
			tc.plant(t, path)
			done := make(chan struct{})
			go func() {
				defer close(done)
				if _, err := Open(path, Limits{}); !errors.Is(err, ErrRefused) {
					t.Errorf("Open: %v, want ErrRefused", err)
				}
				if _, err := Read(Filter{}, path); !errors.Is(err, ErrRefused) {
					t.Errorf("Read: %v, want ErrRefused", err)
				}
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("Open or Read blocked on the planted path")
			}
			if tc.name == "dangling symlink" {
				if _, err := os.Stat(filepath.Join(filepath.Dir(path), "nowhere")); !os.IsNotExist(err) {
					t.Errorf("the link's target was created: %v", err)
				}
			}
		})
	}
}

// TestAppendRefusesAnotherUsersFile: a journal file owned by someone else
// is not written to (root only: it takes a chown).
func TestAppendRefusesAnotherUsersFile(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a file away")
	}
	path := filepath.Join(t.TempDir(), "j.jsonl")
	j := open(t, path, Limits{})
	if err := os.Chown(path, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	if err := j.Append(changeAt(0)); !errors.Is(err, ErrRefused) {
		t.Fatalf("Append to another user's file: %v, want ErrRefused", err)
	}
	// Reading it is fine: it is only data, bounded and cleaned.
	if _, err := Read(Filter{}, path); err != nil {
		t.Fatalf("Read of another user's file: %v", err)
	}
}

func TestNewJournalIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "j.jsonl")
	open(t, path, Limits{})
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700 | os.ModeDir} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s has mode %v, want %v", p, fi.Mode(), want)
		}
	}
}
