package install

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const systemdAnalyze = "/usr/bin/systemd-analyze"

// verifyUnit runs systemd-analyze verify on a unit file and fails on a non-zero
// exit or on any line about the unit itself: verify reports most problems
// (an unknown Type=, a bad path) as warnings and still exits 0.
func verifyUnit(t *testing.T, unitPath string, user bool) []string {
	t.Helper()
	args := []string{"verify", "--man=no"}
	if user {
		args = append(args, "--user")
	}
	cmd := exec.Command(systemdAnalyze, append(args, unitPath)...)
	if user {
		// A user manager needs its runtime folder; give it one of ours so
		// the test does not depend on a login session.
		home := t.TempDir()
		cmd.Env = append(os.Environ(), "HOME="+home, "XDG_RUNTIME_DIR="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"))
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var problems []string
	base := filepath.Base(unitPath)
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.Contains(line, base) {
			problems = append(problems, line)
		} else if strings.TrimSpace(line) != "" {
			t.Logf("verify (not about our unit): %s", line)
		}
	}
	if err != nil {
		problems = append(problems, "exit: "+err.Error())
	}
	return problems
}

func requireSystemdAnalyze(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(systemdAnalyze); err != nil {
		t.Skipf("%s is not installed (Debian package systemd): %v", systemdAnalyze, err)
	}
}

// writeExecutable makes a real program for ExecStart: verify rejects a unit
// whose command does not exist or is not executable.
func writeExecutable(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestSystemdAnalyzeVerify(t *testing.T) {
	requireSystemdAnalyze(t)
	dir := t.TempDir()
	// A folder with a space: verify checks that ExecStart's first word is an
	// executable file, so a quoting mistake shows up as "not executable".
	bin := filepath.Join(dir, "ddns tools", "supervisor")
	writeExecutable(t, bin)
	for _, tc := range []struct {
		target Target
		user   bool
	}{{Systemd, false}, {SystemdUser, true}} {
		t.Run(string(tc.target), func(t *testing.T) {
			o := Options{Target: tc.target, Binary: bin, Config: filepath.Join(dir, "my config.toml"), StateDir: filepath.Join(dir, "state dir"), Getenv: unixEnv}
			files, err := generate(o)
			if err != nil {
				t.Fatal(err)
			}
			unit := filepath.Join(t.TempDir(), filepath.Base(files[0].Path))
			if err := os.WriteFile(unit, files[0].Content, 0o644); err != nil {
				t.Fatal(err)
			}
			if p := verifyUnit(t, unit, tc.user); len(p) > 0 {
				t.Errorf("systemd-analyze verify objects to the generated unit:\n%s\n--- unit\n%s", strings.Join(p, "\n"), files[0].Content)
			}
		})
	}
}

// TestSystemdAnalyzeCatchesMistakes proves verifyUnit can fail: each broken
// variant of a generated unit must be reported, or the test above proves nothing.
func TestSystemdAnalyzeCatchesMistakes(t *testing.T) {
	requireSystemdAnalyze(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "ddns tools", "supervisor")
	writeExecutable(t, bin)
	files, err := generate(Options{Target: Systemd, Binary: bin, StateDir: "/srv/state"})
	if err != nil {
		t.Fatal(err)
	}
	good := string(files[0].Content)
	quoted := `"` + bin + `"`
	for name, broken := range map[string]string{
		"unquoted path with a space": strings.Replace(good, quoted, bin, 1),
		"unknown service type":       strings.Replace(good, "Type=notify", "Type=notfy", 1),
		"relative state folder":      strings.Replace(good, "ReadWritePaths=-/srv/state", "ReadWritePaths=srv/state", 1),
		"unterminated quote":         strings.Replace(good, quoted, `"`+bin, 1),
	} {
		if broken == good {
			t.Fatalf("%s: the mutation did not apply; update the test", name)
		}
		unit := filepath.Join(t.TempDir(), "broken.service")
		if err := os.WriteFile(unit, []byte(broken), 0o644); err != nil {
			t.Fatal(err)
		}
		if p := verifyUnit(t, unit, false); len(p) == 0 {
			t.Errorf("%s: verify found nothing wrong with\n%s", name, broken)
		}
	}
}

func TestSystemdQuote(t *testing.T) {
	for _, tc := range []struct {
		in   string
		exec bool
		want string
	}{
		{"/usr/bin/supervisor", true, "/usr/bin/supervisor"},
		{"/opt/my ddns/supervisor", true, `"/opt/my ddns/supervisor"`},
		{`/opt/a"b\c`, true, `"/opt/a\"b\\c"`},
		{"/opt/100%/x", true, "/opt/100%%/x"},
		{"/opt/$HOME/x", true, "/opt/$$HOME/x"},
		{"/opt/$HOME/x", false, "/opt/$HOME/x"},
		{"/opt/it's", true, `"/opt/it's"`},
		{"", true, `""`},
	} {
		if got := systemdQuote(tc.in, tc.exec); got != tc.want {
			t.Errorf("systemdQuote(%q, exec=%v) = %s, want %s", tc.in, tc.exec, got, tc.want)
		}
	}
}

func TestSystemdStateDirInsideStateDirectory(t *testing.T) {
	// /var/lib/ddns is StateDirectory=ddns already: no ReadWritePaths line.
	for sd, want := range map[string]bool{"/var/lib/ddns": false, "/var/lib/ddns/x": false, "/var/lib/ddnsx": true, "": false} {
		files, err := generate(Options{Target: Systemd, Binary: "/usr/bin/supervisor", StateDir: sd})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(string(files[0].Content), "ReadWritePaths="); got != want {
			t.Errorf("StateDir %q: ReadWritePaths present = %v, want %v", sd, got, want)
		}
	}
}
