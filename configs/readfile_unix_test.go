//go:build unix

package configs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hostileFiles makes, in dir, the paths a config or state file can be
// replaced by: a FIFO, a symlink to /dev/zero, a folder, a file over the
// limit, and a symlink to a good file (which must still read).
func hostileFiles(t *testing.T, dir string, good []byte, limit int64) map[string]string {
	t.Helper()
	paths := map[string]string{}
	fifo := filepath.Join(dir, "fifo.toml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	paths["fifo"] = fifo
	zero := filepath.Join(dir, "zero.toml")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	paths["dev-zero"] = zero
	folder := filepath.Join(dir, "folder.toml")
	if err := os.Mkdir(folder, 0o700); err != nil {
		t.Fatal(err)
	}
	paths["folder"] = folder
	big := filepath.Join(dir, "big.toml")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(limit + 1); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	f.Close()
	paths["oversized"] = big
	target := filepath.Join(dir, "..data", "real.toml") // as a Kubernetes ConfigMap lays it out
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(target, good, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.toml")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	paths["symlink"] = link
	return paths
}

// within runs f and fails the test if it has not returned after a
// generous deadline: a guard against blocking, not a timing.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s did not return: it blocks", what)
	}
}

func TestLoadFileRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	good := []byte("[updater]\ninterval = \"7m\"\n")
	paths := hostileFiles(t, dir, good, MaxConfigSize)
	tests := []struct {
		kind string
		want string // "" = loads
		is   error
	}{
		{"fifo", paths["fifo"] + " is a named pipe (FIFO), not a regular file", ErrNotRegular},
		{"dev-zero", paths["dev-zero"] + " is a character device, not a regular file", ErrNotRegular},
		{"folder", paths["folder"] + " is a folder, not a regular file", ErrNotRegular},
		{"oversized", paths["oversized"] + " is 1048577 bytes, more than the limit of 1 MiB (1048576 bytes)", ErrTooLarge},
		{"symlink", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.kind, func(t *testing.T) {
			var cfg *Config
			var err error
			within(t, "LoadFile of a "+tc.kind, func() { cfg, err = LoadFile(paths[tc.kind], Options{}) })
			if tc.want == "" {
				if err != nil || cfg.Updater.Interval.Duration != 7*time.Minute {
					t.Fatalf("config %v, error %v; want the linked file's", cfg, err)
				}
				return
			}
			want := "cannot read config file: " + tc.want
			if err == nil || err.Error() != want || !errors.Is(err, tc.is) {
				t.Fatalf("error %v, want %q", err, want)
			}
		})
	}
}

func TestSecretFileMustBeARegularFile(t *testing.T) {
	dir := t.TempDir()
	zero := filepath.Join(dir, "token")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	src := "[http]\nlisten = \"127.0.0.1:9876\"\ntoken_file = \"" + zero + "\"\n"
	var err error
	within(t, "a secret file on /dev/zero", func() { _, err = Parse("test.toml", []byte(src), Options{}) })
	want := "test.toml:3:1: http.token_file: cannot read the secret file: " + zero + " is a character device, not a regular file"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want %q", err, want)
	}
}

// TestWatcherReportsAFIFOWithoutBlocking replaces the watched config by a
// FIFO: the watcher reports it as unreadable (it used to block in open,
// wedging reloads and shutdown), then picks up a good file saved after it,
// and closes.
func TestWatcherReportsAFIFOWithoutBlocking(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(path, []byte("[updater]\ninterval = \"7m\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w, err := Watch(t.Context(), WatchOptions{Path: path, Debounce: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	next := func() Change {
		t.Helper()
		select {
		case c := <-w.Changes():
			return c
		case <-time.After(20 * time.Second):
			t.Fatal("no change reported")
		}
		return Change{}
	}
	fifo := filepath.Join(dir, "fifo.tmp")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(fifo, path); err != nil {
		t.Fatal(err)
	}
	if c := next(); c.Err == nil || !strings.Contains(c.Err.Error(), path+" is a named pipe (FIFO), not a regular file") {
		t.Fatalf("change %+v, want the FIFO reported", c)
	}
	good := filepath.Join(dir, "good.tmp")
	if err := os.WriteFile(good, []byte("[updater]\ninterval = \"9m\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(good, path); err != nil {
		t.Fatal(err)
	}
	if c := next(); c.Err != nil || c.Config.Updater.Interval.Duration != 9*time.Minute {
		t.Fatalf("change %+v, want the good file", c)
	}
	within(t, "Close", func() { _ = w.Close() })
}

// TestOpenDoesNotWaitForAFIFOWriter: the open behind ReadRegularFile
// returns at once on a FIFO, which matters when one is swapped in between
// its stat of the path and its open.
func TestOpenDoesNotWaitForAFIFOWriter(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	within(t, "the open of a FIFO without a writer", func() {
		f, err := openNoWait(fifo)
		if err != nil {
			t.Error(err)
			return
		}
		defer f.Close()
		if fi, err := f.Stat(); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
			t.Errorf("opened %v (%v), want the FIFO", fi, err)
		}
	})
}
