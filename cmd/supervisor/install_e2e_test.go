//go:build linux

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ddnsd/ddns/testsupport/e2e"
)

// installRun runs the built supervisor with args in e2e.Env(dir) and returns
// stdout, stderr and the exit code apart, since --print keeps them apart.
func installRun(t *testing.T, dir, bin string, args ...string) (string, string, int) {
	t.Helper()
	c := exec.Command(bin, args...)
	c.Env = e2e.Env(dir)
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return out.String(), errb.String(), ee.ExitCode()
	case err != nil:
		t.Fatalf("cannot run %s: %v", bin, err)
	}
	return out.String(), errb.String(), 0
}

// TestInstallCopiesTheBuild: `supervisor install` run from a build folder
// (here a temporary one) copies both binaries to ~/.local/bin for a user
// unit and points the unit at the copy, which keeps working once the build
// is gone; uninstall removes the copies.
func TestInstallCopiesTheBuild(t *testing.T) {
	dir := t.TempDir()
	build := filepath.Join(dir, "build")
	if err := os.MkdirAll(build, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"supervisor", "updater"} {
		b, err := os.ReadFile(bins.Path(name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(build, name), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfg, []byte("[updater]\ninterval = \"5m\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sup := filepath.Join(build, "supervisor")
	// The test's HOME is in a temporary folder, so its ~/.local/bin is too.
	args := []string{"install", "--target", "systemd-user", "--config", cfg, "--allow-temporary-binary"}

	out, errOut, code := installRun(t, dir, sup, args...)
	if code != 0 {
		t.Fatalf("install exited %d:\n%s%s", code, out, errOut)
	}
	bindir := filepath.Join(dir, "home", ".local", "bin")
	unit, err := os.ReadFile(filepath.Join(dir, "xdg-config", "systemd", "user", "ddns-supervisor.service"))
	if err != nil {
		t.Fatalf("no unit written: %v\n%s", err, out)
	}
	if want := "\nExecStart=" + filepath.Join(bindir, "supervisor") + " run --config " + cfg + "\n"; !strings.Contains(string(unit), want) {
		t.Errorf("the unit does not run the copy (%q):\n%s", want, unit)
	}
	for _, name := range []string{"supervisor", "updater"} {
		if !strings.Contains(out, "wrote     "+filepath.Join(bindir, name)+"\n") {
			t.Errorf("install does not report the copy of %s:\n%s", name, out)
		}
	}

	// The build folder goes; the copy still runs.
	if err := os.RemoveAll(build); err != nil {
		t.Fatal(err)
	}
	copied := filepath.Join(bindir, "supervisor")
	if o, _, code := installRun(t, dir, copied, "check", "--config", cfg); code != 0 {
		t.Errorf("the copy does not run once the build is gone: exit %d\n%s", code, o)
	}
	// Installing again from the copy changes nothing.
	out, errOut, code = installRun(t, dir, copied, args...)
	if code != 0 || strings.Contains(out, "wrote ") || !strings.Contains(out, "Already installed") {
		t.Errorf("install again from the copy: exit %d, want nothing written:\n%s%s", code, out, errOut)
	}

	out, errOut, code = installRun(t, dir, copied, "uninstall", "--target", "systemd-user", "--config", cfg)
	if code != 0 {
		t.Fatalf("uninstall exited %d:\n%s%s", code, out, errOut)
	}
	for _, name := range []string{"supervisor", "updater", ".ddns-supervisor.installed"} {
		if _, err := os.Lstat(filepath.Join(bindir, name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left after uninstall (%v):\n%s", name, err, out)
		}
	}
}

// TestInstallRefusesATemporaryBinary: --binary or --no-copy in a temporary
// folder (the test's build is in one) is refused with the way out, unless
// --allow-temporary-binary says it is meant.
func TestInstallRefusesATemporaryBinary(t *testing.T) {
	dir := t.TempDir()
	for _, how := range [][]string{{"--binary", bins.Path("supervisor")}, {"--no-copy"}} {
		args := append([]string{"install", "--target", "systemd-user", "--config", filepath.Join(dir, "none.toml")}, how...)
		out, errOut, code := installRun(t, dir, bins.Path("supervisor"), args...)
		if code != 1 || !strings.Contains(errOut, "temporary folder") || !strings.Contains(errOut, "--allow-temporary-binary") {
			t.Errorf("install %s: exit %d, want 1 and a refusal naming the way out:\n%s%s", how, code, out, errOut)
		}
		if _, err := os.Stat(filepath.Join(dir, "xdg-config", "systemd", "user", "ddns-supervisor.service")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("install %s wrote the unit although it refused: %v", how, err)
		}
		out, errOut, code = installRun(t, dir, bins.Path("supervisor"), append(args, "--allow-temporary-binary")...)
		if code != 0 {
			t.Errorf("install %s --allow-temporary-binary: exit %d:\n%s%s", how, code, out, errOut)
		}
		installRun(t, dir, bins.Path("supervisor"), "uninstall", "--target", "systemd-user")
	}
}

// TestInstallRefusesATemporaryDestination: copies into a temporary folder
// are refused like a binary run from one.
func TestInstallRefusesATemporaryDestination(t *testing.T) {
	dir := t.TempDir()
	out, errOut, code := installRun(t, dir, bins.Path("supervisor"), "install", "--target", "systemd-user", "--config", filepath.Join(dir, "none.toml"), "--bin-dir", filepath.Join(dir, "bin"))
	if code != 1 || !strings.Contains(errOut, "the folder to copy into, "+filepath.Join(dir, "bin")) || !strings.Contains(errOut, "--allow-temporary-binary") {
		t.Errorf("install --bin-dir in /tmp: exit %d, want 1 and a refusal:\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "bin")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the refused folder was created: %v", err)
	}
}

// TestInstallPrintStdoutIsTheUnit: `install --print > FILE` saves the unit
// and nothing else; the notes go to stderr.
func TestInstallPrintStdoutIsTheUnit(t *testing.T) {
	dir := t.TempDir()
	out, errOut, code := installRun(t, dir, bins.Path("supervisor"), "install", "--print", "--target", "systemd", "--binary", "/usr/local/bin/supervisor", "--config", "/etc/ddns/config.toml")
	if code != 0 {
		t.Fatalf("install --print exited %d:\n%s", code, errOut)
	}
	if !strings.HasPrefix(out, "# Written by \"supervisor install\"") || !strings.HasSuffix(out, "WantedBy=multi-user.target\n") {
		t.Errorf("stdout is not the unit alone:\n%s", out)
	}
	if !strings.Contains(errOut, "# stdout is the file /etc/systemd/system/ddns-supervisor.service") || !strings.Contains(errOut, "systemctl enable --now ddns-supervisor.service") {
		t.Errorf("stderr lacks where the unit goes and what to run:\n%s", errOut)
	}
}
