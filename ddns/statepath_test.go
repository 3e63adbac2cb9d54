package ddns

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/netprobe"
)

func TestDefaultStatePathForIsPerConfig(t *testing.T) {
	t.Setenv("STATE_DIRECTORY", "")
	base := t.TempDir()
	t.Setenv("XDG_STATE_HOME", base)
	t.Setenv("LOCALAPPDATA", base)
	def, err := DefaultStatePath()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"", configs.EmbeddedName} {
		if got, err := DefaultStatePathFor(p); err != nil || got != def {
			t.Errorf("DefaultStatePathFor(%q) = %q, %v; want the shared default %q", p, got, err, def)
		}
	}
	dir := t.TempDir()
	a, _ := DefaultStatePathFor(filepath.Join(dir, "a.toml"))
	b, _ := DefaultStatePathFor(filepath.Join(dir, "b.toml"))
	if a == b || a == def || filepath.Dir(a) != filepath.Dir(def) {
		t.Errorf("a.toml -> %q, b.toml -> %q; want two different files beside %q", a, b, def)
	}
	t.Chdir(dir)
	if rel, _ := DefaultStatePathFor("a.toml"); rel != a {
		t.Errorf("a relative path gives %q, its absolute path %q", rel, a)
	}
}

// TestLockStateRefusesASecondHolder: a second LockState on one state fails
// with ErrStateInUse naming the holder's pid from the lock file, and the
// lock can be taken again once released.
func TestLockStateRefusesASecondHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	release, err := LockState(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LockState(path); err == nil {
		t.Fatal("a second LockState on one state succeeded")
	} else if !errors.Is(err, ErrStateInUse) {
		t.Fatalf("second LockState: %v; want ErrStateInUse", err)
	} else if holder := fmt.Sprintf("locked by pid %d ", os.Getpid()); runtime.GOOS != "windows" && !strings.Contains(err.Error(), holder) {
		// (Windows' lock keeps others from reading the file, so there the
		// holder is "another process".)
		t.Fatalf("second LockState: %v; want the holder named (%q)", err, holder)
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	again, err := LockState(path)
	if err != nil {
		t.Fatalf("LockState after the release: %v", err)
	}
	again()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("LockState created the state file itself (%v); only its .lock is its own", err)
	}
}

// New with LockState: a second engine on one state is refused with
// ErrStateInUse; a state folder that cannot hold the lock (here: below a
// regular file, as a read-only folder would be) does not stop the engine,
// whose passes still publish and report the failed save.
func TestNewLocksTheState(t *testing.T) {
	cfg := testConfig(t, "", "home example.com A acct")
	opts := func(path string) Options {
		return Options{Registry: fakeRegistry(map[string]*fakeProvider{"acct": newFakeProvider()}), StatePath: path, LockState: true,
			Sources: map[netprobe.Family][]netprobe.Source{netprobe.IPv4: {&fakeSource{}}, netprobe.IPv6: {&fakeSource{}}}}
	}
	path := filepath.Join(t.TempDir(), "state.json")
	first, err := New(cfg, opts(path))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(cfg, opts(path)); !errors.Is(err, ErrStateInUse) {
		t.Fatalf("a second engine on one state: %v; want ErrStateInUse", err)
	}
	first.Close()
	again, err := New(cfg, opts(path))
	if err != nil {
		t.Fatalf("after Close: %v", err)
	}
	again.Close()

	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if eng, err := New(cfg, opts(filepath.Join(file, "state.json"))); err != nil {
		t.Fatalf("a state folder that cannot hold the lock stopped the engine: %v", err)
	} else {
		eng.Close()
	}
}

// TestStateKeyedOnTheConfigOrigin: an updater started on the supervisor's
// last good copy, told the file it stands for, uses that file's default
// state (and lock), not one of the copy's own.
func TestStateKeyedOnTheConfigOrigin(t *testing.T) {
	t.Setenv("STATE_DIRECTORY", "")
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	t.Setenv("LOCALAPPDATA", os.Getenv("XDG_STATE_HOME"))
	dir := t.TempDir()
	orig, cp := filepath.Join(dir, "config.toml"), filepath.Join(dir, "last-good", "config-1234.toml")
	want, _ := DefaultStatePathFor(orig)
	cfg := testConfig(t, "", "home example.com A acct")
	cfg.Path = cp
	for _, tc := range []struct {
		origin, want string
	}{{orig, want}, {"", mustStatePath(t, cp)}} {
		e, err := New(cfg, Options{ConfigOrigin: tc.origin, Registry: fakeRegistry(map[string]*fakeProvider{"acct": newFakeProvider()}),
			Sources: map[netprobe.Family][]netprobe.Source{netprobe.IPv4: {&fakeSource{}}}})
		if err != nil {
			t.Fatal(err)
		}
		if got := e.StatePath(); got != tc.want {
			t.Errorf("origin %q: state %q, want %q", tc.origin, got, tc.want)
		}
	}
}

func mustStatePath(t *testing.T, p string) string {
	t.Helper()
	s, err := DefaultStatePathFor(p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
