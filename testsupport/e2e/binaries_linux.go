//go:build linux

package e2e

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Binaries is a folder that holds the supervisor and updater binaries.
type Binaries struct {
	Dir string
}

// Setup is for TestMain: it returns the binaries in the folder that the
// environment variable dirEnv names when that is set (chaos/run passes the
// bin/ of `make build`), and otherwise builds them, once for the whole test
// binary, into a temporary folder that done removes.
func Setup(dirEnv string) (b Binaries, done func(), err error) {
	if dir := os.Getenv(dirEnv); dirEnv != "" && dir != "" {
		return Binaries{Dir: dir}, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "ddns-e2e-")
	if err != nil {
		return Binaries{}, nil, fmt.Errorf("cannot make a folder for the binaries: %w", err)
	}
	build := exec.Command("go", "build", "-o", dir+"/", "github.com/ddnsd/ddns/cmd/supervisor", "github.com/ddnsd/ddns/cmd/updater")
	build.Env = append(os.Environ(), "CGO_ENABLED=0") // as releases are built
	if out, err := build.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return Binaries{}, nil, fmt.Errorf("building the binaries failed: %w\n%s", err, out)
	}
	return Binaries{Dir: dir}, func() { os.RemoveAll(dir) }, nil
}

// Path is the path of the binary name ("supervisor" or "updater").
func (b Binaries) Path(name string) string { return filepath.Join(b.Dir, name) }

// Run runs the binary name with args to its end in Env(dir) and returns its
// combined output and exit code.
func (b Binaries) Run(t testing.TB, dir, name string, args ...string) (string, int) {
	t.Helper()
	c := exec.Command(b.Path(name), args...)
	c.Env = Env(dir)
	out, err := c.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	case err != nil:
		t.Fatalf("cannot run %s: %v", name, err)
	}
	return string(out), 0
}

// Env is the environment of every process a test starts, with extra
// appended: PATH, and every folder a program falls back to (home, XDG
// folders, systemd's state directory) inside dir, so no config, state or
// socket of the machine running the tests is read or changed.
func Env(dir string, extra ...string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + filepath.Join(dir, "home"),
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "xdg-config"),
		"XDG_STATE_HOME=" + filepath.Join(dir, "xdg-state"),
		"XDG_RUNTIME_DIR=" + filepath.Join(dir, "xdg-run"),
		"STATE_DIRECTORY=" + filepath.Join(dir, "state-directory"),
	}
	return append(env, extra...)
}
