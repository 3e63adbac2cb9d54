package install

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// winEnv and unixEnv are the environments of the golden cases: user names
// and folders with a space, as they occur in practice ("C:\Users\Ann Lee").
func winEnv(key string) string {
	return map[string]string{
		"APPDATA":      `C:\Users\Ann Lee\AppData\Roaming`,
		"LOCALAPPDATA": `C:\Users\Ann Lee\AppData\Local`,
		"ProgramData":  `C:\ProgramData`,
		"USERNAME":     "Ann Lee",
		"USERDOMAIN":   "DESKTOP-7Q2",
	}[key]
}

func unixEnv(key string) string {
	return map[string]string{"HOME": "/home/ann lee"}[key]
}

// goldenCases covers every target, user and system, with spaces in the
// binary, config and state paths.
func goldenCases() []struct {
	name string
	o    Options
} {
	unix := func(t Target, user bool) Options {
		return Options{Target: t, User: user, Binary: "/opt/ddns tools/supervisor", Config: "/etc/ddns/home config.toml", StateDir: "/srv/ddns state", Getenv: unixEnv}
	}
	win := func(t Target, user bool) Options {
		return Options{Target: t, User: user, Binary: `C:\Program Files\ddns\supervisor.exe`, Config: `C:\Users\Ann Lee\AppData\Roaming\ddns\config.toml`, Getenv: winEnv}
	}
	return []struct {
		name string
		o    Options
	}{
		{"systemd", unix(Systemd, false)},
		{"systemd-user", unix(SystemdUser, true)},
		{"launchd-system", unix(Launchd, false)},
		{"launchd-user", unix(Launchd, true)},
		{"windows-task-system", win(WindowsTask, false)},
		{"windows-task-user", win(WindowsTask, true)},
		{"windows-startup", win(WindowsStartup, true)},
	}
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases() {
		t.Run(tc.name, func(t *testing.T) {
			files, err := generate(tc.o)
			if err != nil {
				t.Fatalf("Generate: %v", err)
			}
			if len(files) != 1 {
				t.Fatalf("Generate returned %d files, want 1", len(files))
			}
			f := files[0]
			got := []byte(fmt.Sprintf("path: %s\nmode: %#o\n\n%s", f.Path, f.Mode, f.Text()))
			golden := filepath.Join("testdata", tc.name+".golden")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("reading %s (run go test -update to create it): %v", golden, err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the generated file (go test -update rewrites it after review)\n--- got\n%s\n--- want\n%s", golden, got, want)
			}
			// Deterministic: a second generation gives the same bytes.
			again, err := generate(tc.o)
			if err != nil || !bytes.Equal(again[0].Content, f.Content) {
				t.Errorf("a second Generate gave different content (err %v)", err)
			}
			if !strings.Contains(f.Text(), marker) {
				t.Errorf("generated file lacks the marker %q that Uninstall relies on", marker)
			}
		})
	}
}

// TestWindowsFilesAreUTF16 pins the on-disk encoding: schtasks and Windows
// Script Host read UTF-16 LE with a BOM; the golden files hold the decoded text.
func TestWindowsFilesAreUTF16(t *testing.T) {
	for _, tc := range goldenCases() {
		if !tc.o.Target.windowsTarget() {
			continue
		}
		files, err := generate(tc.o)
		if err != nil {
			t.Fatal(err)
		}
		c := files[0].Content
		if len(c) < 4 || c[0] != 0xFF || c[1] != 0xFE {
			t.Fatalf("%s: content does not start with the UTF-16 LE byte-order mark: % x", tc.name, c[:min(len(c), 4)])
		}
		// Every ASCII character is followed by a zero byte in UTF-16 LE.
		if c[2] == 0 || c[3] != 0 {
			t.Errorf("%s: second code unit % x is not little-endian ASCII", tc.name, c[2:4])
		}
		text := files[0].Text()
		if !bytes.Equal(encodeUTF16(text), c) {
			t.Errorf("%s: decoding and re-encoding changed the content", tc.name)
		}
		if strings.Contains(strings.ReplaceAll(text, "\r\n", ""), "\n") {
			t.Errorf("%s: a line ends in a bare LF; Windows files use CRLF", tc.name)
		}
	}
	// Non-ASCII survives, which is why UTF-16 is used at all.
	o := Options{Target: WindowsStartup, Binary: `C:\Users\José\ddns\supervisor.exe`, Getenv: winEnv}
	files, err := generate(o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(files[0].Text(), `C:\Users\José\ddns\supervisor.exe`) {
		t.Errorf("non-ASCII path lost:\n%s", files[0].Text())
	}
}
