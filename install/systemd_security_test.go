package install

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// maxExposure is the highest `systemd-analyze security` rating the system
// unit may have (0 is best, 10 worst; 9.0 before the sandbox).
const maxExposure = 3.0

// TestSystemUnitSecurityExposure rates the generated system unit with
// `systemd-analyze security --offline=yes`. Without systemd-analyze it
// skips, and so fails a CI run (.ci/skips-allowed.txt does not list it).
func TestSystemUnitSecurityExposure(t *testing.T) {
	requireSystemdAnalyze(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "supervisor")
	writeExecutable(t, bin)
	files, err := generate(Options{Target: Systemd, Binary: bin, Config: "/etc/ddns/config.toml", Getenv: unixEnv})
	if err != nil {
		t.Fatal(err)
	}
	unit := filepath.Join(t.TempDir(), filepath.Base(files[0].Path))
	if err := os.WriteFile(unit, files[0].Content, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(systemdAnalyze, "security", "--offline=yes", "--no-pager", unit).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze security: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no overall exposure in the output:\n%s", out)
	}
	got, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("exposure %.1f", got)
	if got > maxExposure {
		t.Errorf("the system unit's exposure is %.1f, want %.1f or less:\n%s", got, maxExposure, out)
	}
}

func TestInstallWarnsWhenTheSandboxHidesTheBinary(t *testing.T) {
	cases := []struct {
		binary, hidden string
	}{
		{"/tmp/ddns/supervisor", "/tmp"},
		{"/var/tmp/supervisor", "/var/tmp"},
		{"/home/ann/bin/supervisor", "/home"},
		{"/root/go/bin/supervisor", "/root"},
		{"/usr/local/bin/supervisor", ""},
		{"/opt/tmp/supervisor", ""},
	}
	for _, tc := range cases {
		t.Run(tc.binary, func(t *testing.T) {
			r, err := resolve(Options{Target: Systemd, Binary: tc.binary, Getenv: unixEnv})
			if err != nil {
				t.Fatal(err)
			}
			p, err := systemdPlan(r)
			if err != nil {
				t.Fatal(err)
			}
			notes := strings.Join(p.installNotes, "\n")
			warned := strings.Contains(notes, "Warning: "+tc.binary+" is under "+tc.hidden+",")
			if tc.hidden != "" && !warned {
				t.Errorf("no warning that %s hides the binary; notes:\n%s", tc.hidden, notes)
			}
			if tc.hidden == "" && strings.Contains(notes, "Warning:") {
				t.Errorf("a warning for a binary the sandbox shows:\n%s", notes)
			}
		})
	}
}

func TestInstallWarnsWhenTheSandboxHidesTheConfig(t *testing.T) {
	r, err := resolve(Options{Target: Systemd, Binary: "/usr/local/bin/supervisor", Config: "/root/ddns.toml", Getenv: unixEnv})
	if err != nil {
		t.Fatal(err)
	}
	p, err := systemdPlan(r)
	if err != nil {
		t.Fatal(err)
	}
	if notes := strings.Join(p.installNotes, "\n"); !strings.Contains(notes, "Warning: the config /root/ddns.toml is under /root,") {
		t.Errorf("no warning that ProtectHome hides the config; notes:\n%s", notes)
	}
}
