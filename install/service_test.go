package install

import (
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestServicePrint: --print of the service target shows the sc.exe commands
// that are equivalent to what Install does through the service manager's
// API, and uninstall's stop and delete.
func TestServicePrint(t *testing.T) {
	o := Options{Target: WindowsService, Binary: `C:\Program Files\ddns\supervisor.exe`, Config: `C:\ProgramData\ddns\config.toml`, Getenv: winEnv}
	var b strings.Builder
	if err := PrintInstall(&b, io.Discard, o, false); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{
		`sc.exe create ddns-supervisor binPath= "\"C:\Program Files\ddns\supervisor.exe\" service --name ddns-supervisor --config C:\ProgramData\ddns\config.toml" start= delayed-auto DisplayName= "DDNS supervisor"`,
		`sc.exe description ddns-supervisor "Keeps the dynamic-DNS updater running. Written by \"supervisor install\"; \"supervisor uninstall\" removes it."`,
		`sc.exe failure ddns-supervisor reset= 86400 actions= restart/5000/restart/10000/restart/30000`,
		`sc.exe failureflag ddns-supervisor 1`,
		`sc.exe start ddns-supervisor`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("install --print lacks\n  %s\ngot:\n%s", want, got)
		}
	}
	b.Reset()
	if err := PrintUninstall(&b, io.Discard, o); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), "sc.exe stop ddns-supervisor\nsc.exe delete ddns-supervisor\n"; got != want {
		t.Errorf("uninstall --print:\n%s\nwant:\n%s", got, want)
	}
}

// TestServiceNeedsWindows: elsewhere Install and Uninstall of the service
// say that only Windows can, and point at --print.
func TestServiceNeedsWindows(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("on Windows the service manager is real; .ci/cross-check installs the service under wine")
	}
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "C", "ddns"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "C", "ddns", "supervisor.exe"), nil, 0o755); err != nil {
		t.Fatal(err)
	}
	o := Options{Target: WindowsService, Binary: `C:\ddns\supervisor.exe`, Root: root, Getenv: winEnv}
	for name, f := range map[string]func(Options) (Result, error){"Install": Install, "Uninstall": Uninstall} {
		if _, err := f(o); err == nil || !strings.Contains(err.Error(), "--print") {
			t.Errorf("%s of a service on %s: %v, want an error pointing at --print", name, runtime.GOOS, err)
		}
	}
}
