package install

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// recorder is the Run hook: it records every command and fails the ones
// listed in fail, the way a real systemctl or launchctl would refuse.
type recorder struct {
	calls [][]string
	fail  map[string]error // keyed by the command joined with spaces
}

func (r *recorder) run(name string, args ...string) error {
	c := append([]string{name}, args...)
	r.calls = append(r.calls, c)
	return r.fail[strings.Join(c, " ")]
}

func (r *recorder) take() [][]string {
	c := r.calls
	r.calls = nil
	return c
}

// placeBinary creates the supervisor binary below root where Options.Binary says.
func placeBinary(t *testing.T, root, binary string) {
	t.Helper()
	p := onDisk(root, binary)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("binary"), 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestInstallTwiceThenUninstall(t *testing.T) {
	gui := "gui/" + strconv.Itoa(os.Getuid())
	taskXML := `C:\Users\Ann Lee\AppData\Local\ddns\ddns-supervisor.task.xml`
	vbs := `C:\Users\Ann Lee\AppData\Roaming\Microsoft\Windows\Start Menu\Programs\Startup\ddns-supervisor.vbs`
	unixBin, winBin := "/opt/ddns tools/supervisor", `C:\Program Files\ddns\supervisor.exe`
	cases := []struct {
		name                     string
		o                        Options
		file                     string // the installed file, as the target system names it
		first, second, uninstall [][]string
	}{
		{
			name: "systemd",
			o:    Options{Target: Systemd, Binary: unixBin, Config: "/etc/ddns/config.toml", StateDir: "/srv/ddns state"},
			file: "/etc/systemd/system/ddns-supervisor.service",
			first: [][]string{
				{"systemctl", "daemon-reload"},
				{"systemctl", "enable", "--now", "ddns-supervisor.service"},
			},
			second:    [][]string{{"systemctl", "enable", "--now", "ddns-supervisor.service"}},
			uninstall: [][]string{{"systemctl", "disable", "--now", "ddns-supervisor.service"}, {"systemctl", "daemon-reload"}},
		},
		{
			name: "systemd-user",
			o:    Options{Target: SystemdUser, Binary: unixBin, Getenv: unixEnv},
			file: "/home/ann lee/.config/systemd/user/ddns-supervisor.service",
			first: [][]string{
				{"systemctl", "--user", "daemon-reload"},
				{"systemctl", "--user", "enable", "--now", "ddns-supervisor.service"},
			},
			second:    [][]string{{"systemctl", "--user", "enable", "--now", "ddns-supervisor.service"}},
			uninstall: [][]string{{"systemctl", "--user", "disable", "--now", "ddns-supervisor.service"}, {"systemctl", "--user", "daemon-reload"}},
		},
		{
			name: "launchd-user",
			o:    Options{Target: Launchd, User: true, Binary: unixBin, Getenv: unixEnv},
			file: "/home/ann lee/Library/LaunchAgents/ddns-supervisor.plist",
			first: [][]string{
				{"launchctl", "enable", gui + "/ddns-supervisor"},
				{"launchctl", "bootstrap", gui, "/home/ann lee/Library/LaunchAgents/ddns-supervisor.plist"},
				{"launchctl", "kickstart", gui + "/ddns-supervisor"},
			},
			second: [][]string{
				{"launchctl", "enable", gui + "/ddns-supervisor"},
				{"launchctl", "bootstrap", gui, "/home/ann lee/Library/LaunchAgents/ddns-supervisor.plist"},
				{"launchctl", "kickstart", gui + "/ddns-supervisor"},
			},
			uninstall: [][]string{{"launchctl", "bootout", gui + "/ddns-supervisor"}},
		},
		{
			name: "launchd-system",
			o:    Options{Target: Launchd, Binary: unixBin},
			file: "/Library/LaunchDaemons/ddns-supervisor.plist",
			first: [][]string{
				{"launchctl", "enable", "system/ddns-supervisor"},
				{"launchctl", "bootstrap", "system", "/Library/LaunchDaemons/ddns-supervisor.plist"},
				{"launchctl", "kickstart", "system/ddns-supervisor"},
			},
			second: [][]string{
				{"launchctl", "enable", "system/ddns-supervisor"},
				{"launchctl", "bootstrap", "system", "/Library/LaunchDaemons/ddns-supervisor.plist"},
				{"launchctl", "kickstart", "system/ddns-supervisor"},
			},
			uninstall: [][]string{{"launchctl", "bootout", "system/ddns-supervisor"}},
		},
		{
			name: "windows-task",
			o:    Options{Target: WindowsTask, User: true, Binary: winBin, Getenv: winEnv},
			file: taskXML,
			first: [][]string{
				{"schtasks", "/Create", "/TN", "ddns-supervisor", "/XML", taskXML, "/F"},
				{"schtasks", "/Run", "/TN", "ddns-supervisor"},
			},
			second: [][]string{
				{"schtasks", "/Create", "/TN", "ddns-supervisor", "/XML", taskXML, "/F"},
				{"schtasks", "/Run", "/TN", "ddns-supervisor"},
			},
			uninstall: [][]string{
				{"schtasks", "/End", "/TN", "ddns-supervisor"},
				{"schtasks", "/Delete", "/TN", "ddns-supervisor", "/F"},
			},
		},
		{
			name:      "windows-startup",
			o:         Options{Target: WindowsStartup, Binary: winBin, Getenv: winEnv},
			file:      vbs,
			first:     [][]string{{"wscript.exe", "//B", "//Nologo", vbs}},
			second:    nil,
			uninstall: nil,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			rec := &recorder{}
			o := tc.o
			o.Root, o.Run, o.Enable = root, rec.run, true
			placeBinary(t, root, o.Binary)
			disk := onDisk(root, tc.file)

			res, err := Install(o)
			if err != nil {
				t.Fatalf("first Install: %v", err)
			}
			if want := []string{disk}; !reflect.DeepEqual(res.Written, want) || len(res.Unchanged) != 0 {
				t.Errorf("first Install: Written %q Unchanged %q, want Written %q", res.Written, res.Unchanged, want)
			}
			if got := rec.take(); !reflect.DeepEqual(got, tc.first) {
				t.Errorf("first Install ran %q, want %q", got, tc.first)
			}
			if !reflect.DeepEqual(res.Commands, tc.first) {
				t.Errorf("first Install reported Commands %q, want %q", res.Commands, tc.first)
			}
			files, err := generate(o)
			if err != nil {
				t.Fatal(err)
			}
			content, err := os.ReadFile(disk)
			if err != nil {
				t.Fatalf("installed file missing: %v", err)
			}
			if string(content) != string(files[0].Content) {
				t.Errorf("installed content differs from Generate's")
			}
			before, err := os.Stat(disk)
			if err != nil {
				t.Fatal(err)
			}

			res, err = Install(o)
			if err != nil {
				t.Fatalf("second Install: %v", err)
			}
			if len(res.Written) != 0 || !reflect.DeepEqual(res.Unchanged, []string{disk}) {
				t.Errorf("second Install: Written %q Unchanged %q, want nothing written and %s unchanged", res.Written, res.Unchanged, disk)
			}
			if !strings.Contains(strings.Join(res.Notes, "\n"), "Already installed") {
				t.Errorf("second Install does not say it changed nothing: %q", res.Notes)
			}
			after, err := os.Stat(disk)
			if err != nil {
				t.Fatal(err)
			}
			// A rewrite renames a new file into place, which is a new inode.
			if !os.SameFile(before, after) || !after.ModTime().Equal(before.ModTime()) {
				t.Errorf("second Install rewrote %s", disk)
			}
			if got := rec.take(); !reflect.DeepEqual(got, tc.second) {
				t.Errorf("second Install ran %q, want %q", got, tc.second)
			}

			// An unrelated file beside ours must survive Uninstall.
			other := filepath.Join(filepath.Dir(disk), "unrelated.service")
			if err := os.WriteFile(other, []byte("keep me\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			res, err = Uninstall(o)
			if err != nil {
				t.Fatalf("Uninstall: %v", err)
			}
			if !reflect.DeepEqual(res.Removed, []string{disk}) {
				t.Errorf("Uninstall removed %q, want %q", res.Removed, disk)
			}
			if got := rec.take(); !reflect.DeepEqual(got, tc.uninstall) {
				t.Errorf("Uninstall ran %q, want %q", got, tc.uninstall)
			}
			if _, err := os.Stat(disk); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s still there after Uninstall (%v)", disk, err)
			}
			if b, err := os.ReadFile(other); err != nil || string(b) != "keep me\n" {
				t.Errorf("unrelated file touched by Uninstall: %q, %v", b, err)
			}
			if _, err := os.Stat(onDisk(root, o.Binary)); err != nil {
				t.Errorf("Uninstall touched the binary: %v", err)
			}

			// Nothing left to do: no commands, no error.
			res, err = Uninstall(o)
			if err != nil || len(res.Removed) != 0 {
				t.Errorf("second Uninstall: removed %q, err %v", res.Removed, err)
			}
			if got := rec.take(); len(got) != 0 {
				t.Errorf("second Uninstall ran %q, want nothing", got)
			}
		})
	}
}

func TestInstallReplacedRestarts(t *testing.T) {
	root := t.TempDir()
	rec := &recorder{}
	o := Options{Target: Systemd, Binary: "/usr/bin/supervisor", Config: "/etc/ddns/a.toml", Root: root, Run: rec.run, Enable: true}
	placeBinary(t, root, o.Binary)
	if _, err := Install(o); err != nil {
		t.Fatal(err)
	}
	rec.take()
	o.Config = "/etc/ddns/b.toml"
	res, err := Install(o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Written) != 1 {
		t.Errorf("changed config path: Written %q, want the unit", res.Written)
	}
	want := [][]string{
		{"systemctl", "daemon-reload"},
		{"systemctl", "try-restart", "ddns-supervisor.service"},
		{"systemctl", "enable", "--now", "ddns-supervisor.service"},
	}
	if got := rec.take(); !reflect.DeepEqual(got, want) {
		t.Errorf("replacing the unit ran %q, want %q", got, want)
	}
	b, _ := os.ReadFile(res.Written[0])
	if !strings.Contains(string(b), "--config /etc/ddns/b.toml") {
		t.Errorf("replaced unit does not name the new config:\n%s", b)
	}
}

func TestInstallWithoutEnableOnlyLists(t *testing.T) {
	root := t.TempDir()
	rec := &recorder{}
	o := Options{Target: WindowsTask, Binary: `C:\ddns\supervisor.exe`, Root: root, Run: rec.run, Getenv: winEnv}
	placeBinary(t, root, o.Binary)
	res, err := Install(o)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.calls) != 0 {
		t.Errorf("Install without Enable ran %q", rec.calls)
	}
	want := [][]string{
		{"schtasks", "/Create", "/TN", "ddns-supervisor", "/XML", `C:\ProgramData\ddns\ddns-supervisor.task.xml`, "/F"},
		{"schtasks", "/Run", "/TN", "ddns-supervisor"},
	}
	if !reflect.DeepEqual(res.Commands, want) {
		t.Errorf("Commands = %q, want %q", res.Commands, want)
	}
	if _, err := os.Stat(filepath.Join(root, "C", "ProgramData", "ddns", "ddns-supervisor.task.xml")); err != nil {
		t.Errorf("task definition not written: %v", err)
	}
}

func TestCommandFailures(t *testing.T) {
	root := t.TempDir()
	o := Options{Target: Launchd, Binary: "/usr/local/bin/supervisor", Root: root, Enable: true}
	placeBinary(t, root, o.Binary)

	// bootstrap of an already loaded job fails; that is tolerated, and the
	// kickstart after it still runs.
	rec := &recorder{fail: map[string]error{"launchctl bootstrap system /Library/LaunchDaemons/ddns-supervisor.plist": errors.New("exit status 37: service already loaded")}}
	o.Run = rec.run
	res, err := Install(o)
	if err != nil {
		t.Fatalf("tolerated failure stopped Install: %v", err)
	}
	if len(rec.calls) != 3 || !strings.Contains(strings.Join(res.Notes, "\n"), "already loaded") {
		t.Errorf("calls %q notes %q", rec.calls, res.Notes)
	}

	// kickstart failing is real: the job is not there.
	rec = &recorder{fail: map[string]error{"launchctl kickstart system/ddns-supervisor": errors.New("exit status 113: Could not find service")}}
	o.Run = rec.run
	_, err = Install(o)
	if err == nil || !strings.Contains(err.Error(), "launchctl kickstart system/ddns-supervisor") || !strings.Contains(err.Error(), "Could not find service") {
		t.Errorf("Install error = %v, want one naming the failed command and its output", err)
	}
}

func TestForeignFilesAreLeftAlone(t *testing.T) {
	root := t.TempDir()
	rec := &recorder{}
	o := Options{Target: Systemd, Binary: "/usr/bin/supervisor", Root: root, Run: rec.run, Enable: true}
	placeBinary(t, root, o.Binary)
	unit := onDisk(root, "/etc/systemd/system/ddns-supervisor.service")
	if err := os.MkdirAll(filepath.Dir(unit), 0o755); err != nil {
		t.Fatal(err)
	}
	const handWritten = "[Service]\nExecStart=/usr/bin/true\n"
	if err := os.WriteFile(unit, []byte(handWritten), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Install(o); err == nil || !strings.Contains(err.Error(), "not written by supervisor install") {
		t.Errorf("Install over a hand-written unit: err = %v, want a refusal", err)
	}
	if _, err := Uninstall(o); err == nil || !strings.Contains(err.Error(), "leaves it alone") {
		t.Errorf("Uninstall of a hand-written unit: err = %v, want a refusal", err)
	}
	if b, _ := os.ReadFile(unit); string(b) != handWritten {
		t.Errorf("hand-written unit changed to:\n%s", b)
	}
	if len(rec.calls) != 0 {
		t.Errorf("commands ran although nothing was ours: %q", rec.calls)
	}
}

func TestInstallChecksBinary(t *testing.T) {
	root := t.TempDir()
	rec := &recorder{}
	o := Options{Target: Systemd, Binary: "/usr/bin/supervisor", Root: root, Run: rec.run, Enable: true}
	_, err := Install(o)
	if err == nil || !strings.Contains(err.Error(), "supervisor binary") {
		t.Fatalf("Install with a missing binary: err = %v", err)
	}
	if _, err := os.Stat(onDisk(root, "/etc/systemd/system/ddns-supervisor.service")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("unit written although the binary is missing")
	}
	// Generate (--print) does not need the binary.
	if _, err := generate(o); err != nil {
		t.Errorf("Generate with a missing binary: %v", err)
	}
}

func TestInstallCreatesStateDir(t *testing.T) {
	root := t.TempDir()
	o := Options{Target: Systemd, Binary: "/usr/bin/supervisor", StateDir: "/srv/ddns", Root: root, Run: (&recorder{}).run}
	placeBinary(t, root, o.Binary)
	if _, err := Install(o); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(onDisk(root, "/srv/ddns"))
	if err != nil || !fi.IsDir() || runtime.GOOS != "windows" && fi.Mode().Perm() != 0o700 {
		t.Fatalf("state folder: %v %v", fi, err)
	}
	if _, err := Uninstall(o); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(onDisk(root, "/srv/ddns")); err != nil {
		t.Errorf("Uninstall removed the state folder: %v", err)
	}
}

func TestOptionsValidation(t *testing.T) {
	if runtime.GOOS != "windows" { // a relative path is resolved in the host's syntax
		wd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		files, err := generate(Options{Target: Systemd, Binary: "bin/supervisor"})
		if err != nil {
			t.Fatal(err)
		}
		if want := "ExecStart=" + filepath.Join(wd, "bin/supervisor") + " run\n"; !strings.Contains(string(files[0].Content), want) {
			t.Errorf("relative binary not made absolute; want %q in\n%s", want, files[0].Content)
		}
	}
	for _, tc := range []struct {
		name string
		o    Options
		want string
	}{
		{"unknown target", Options{Target: "upstart", Binary: "/x"}, "unknown install target"},
		{"no binary", Options{Target: Systemd}, "binary"},
		{"bad name", Options{Target: Systemd, Binary: "/x", Name: "../evil"}, "not usable"},
		{"line break", Options{Target: Systemd, Binary: "/x\nExecStartPre=/bin/rm"}, "control character"},
		{"relative windows path", Options{Target: WindowsTask, Binary: `supervisor.exe`, Getenv: winEnv}, "absolute Windows path"},
		{"no APPDATA", Options{Target: WindowsStartup, Binary: `C:\x.exe`, Getenv: func(string) string { return "" }}, "APPDATA"},
		{"no HOME", Options{Target: SystemdUser, Binary: "/x", Getenv: func(string) string { return "" }}, "HOME"},
	} {
		_, err := generate(tc.o)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
}

func TestDefaultTarget(t *testing.T) {
	for _, tc := range []struct {
		goos     string
		elevated bool
		want     Target
	}{
		{"linux", true, Systemd},
		{"linux", false, SystemdUser},
		{"darwin", true, Launchd},
		{"darwin", false, Launchd},
		{"windows", true, WindowsService},
		{"windows", false, WindowsTask},
		{"freebsd", true, ""},
		{"plan9", false, ""},
	} {
		if got := DefaultTarget(tc.goos, tc.elevated); got != tc.want {
			t.Errorf("DefaultTarget(%q, %v) = %q, want %q", tc.goos, tc.elevated, got, tc.want)
		}
	}
	for _, tgt := range Targets() {
		if got, err := ParseTarget(string(tgt)); err != nil || got != tgt {
			t.Errorf("ParseTarget(%q) = %q, %v", tgt, got, err)
		}
	}
	if _, err := ParseTarget("windows-daemon"); err == nil || !strings.Contains(err.Error(), "systemd-user") {
		t.Errorf("ParseTarget of an unknown name: %v, want the list of names", err)
	}
}

func TestWinQuote(t *testing.T) {
	for in, want := range map[string]string{
		`C:\x\config.toml`: `"C:\x\config.toml"`,
		`C:\a b\`:          `"C:\a b\\"`,
		`a"b`:              `"a\"b"`,
		`a\"b`:             `"a\\\"b"`,
		``:                 `""`,
	} {
		if got := winQuote(in); got != want {
			t.Errorf("winQuote(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestOnDisk(t *testing.T) {
	for in, want := range map[string]string{
		"/etc/systemd/system/x.service": filepath.Join("/r", "etc", "systemd", "system", "x.service"),
		`C:\Users\Ann Lee\x.vbs`:        filepath.Join("/r", "C", "Users", "Ann Lee", "x.vbs"),
	} {
		if got := onDisk("/r", in); got != want {
			t.Errorf("onDisk(/r, %s) = %s, want %s", in, got, want)
		}
	}
	if got := onDisk("", "/etc/x"); got != "/etc/x" {
		t.Errorf("onDisk without root changed the path: %s", got)
	}
}

// TestPrint: --print puts only the file on stdout (UTF-8 text for a
// terminal, the exact bytes otherwise), and where it goes and the commands
// on stderr; uninstall's stdout is its commands.
func TestPrint(t *testing.T) {
	var out, info strings.Builder
	o := Options{Target: WindowsTask, User: true, Binary: `C:\Program Files\ddns\supervisor.exe`, Getenv: winEnv}
	if err := PrintInstall(&out, &info, o, true); err != nil {
		t.Fatal(err)
	}
	files, err := generate(o)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.ReplaceAll(files[0].Text(), "\r\n", "\n"); out.String() != want {
		t.Errorf("PrintInstall for a terminal: stdout is not the task XML as text:\n%s", out.String())
	}
	for _, want := range []string{
		`# stdout is the file C:\Users\Ann Lee\AppData\Local\ddns\ddns-supervisor.task.xml (mode 0644; shown as UTF-8`,
		`#   schtasks /Create /TN ddns-supervisor /XML "C:\Users\Ann Lee\AppData\Local\ddns\ddns-supervisor.task.xml" /F`,
	} {
		if !strings.Contains(info.String(), want) {
			t.Errorf("PrintInstall's stderr lacks %q:\n%s", want, info.String())
		}
	}
	out.Reset()
	info.Reset()
	if err := PrintInstall(&out, &info, o, false); err != nil {
		t.Fatal(err)
	}
	if out.String() != string(files[0].Content) {
		t.Errorf("PrintInstall into a file: stdout is not the exact UTF-16 bytes Install writes")
	}

	out.Reset()
	info.Reset()
	if err := PrintUninstall(&out, &info, Options{Target: SystemdUser, Binary: "/x", Getenv: unixEnv}); err != nil {
		t.Fatal(err)
	}
	if want := "systemctl --user disable --now ddns-supervisor.service\n"; out.String() != want {
		t.Errorf("PrintUninstall stdout:\n%s\nwant:\n%s", out.String(), want)
	}
	want := "# then remove /home/ann lee/.config/systemd/user/ddns-supervisor.service (only if it carries the line \"Written by \\\"supervisor install\\\"\")\n" +
		"# then remove the copies listed in /home/ann lee/.local/bin/.ddns-supervisor.installed that are unchanged since, and that list\n" +
		"# then run: systemctl --user daemon-reload\n"
	if info.String() != want {
		t.Errorf("PrintUninstall stderr:\n%s\nwant:\n%s", info.String(), want)
	}
}
