package install

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// placeFile writes a file below root at the target path p.
func placeFile(t *testing.T, root, p, content string, mode os.FileMode) string {
	t.Helper()
	disk := onDisk(root, p)
	if err := os.MkdirAll(filepath.Dir(disk), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(disk, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	return disk
}

func readString(t *testing.T, disk string) string {
	t.Helper()
	b, err := os.ReadFile(disk)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// copyOptions is a systemd install from a build folder, as `supervisor
// install` run from a checkout does it.
func copyOptions(root string, rec *recorder) Options {
	return Options{Target: Systemd, CopyFrom: "/home/ann/ddns/bin/supervisor", UpdaterFrom: "/home/ann/ddns/bin/updater",
		Config: "/etc/ddns/config.toml", Root: root, Run: rec.run, Enable: true}
}

func TestInstallCopiesBinariesAndUninstallRemovesThem(t *testing.T) {
	root := t.TempDir()
	rec := &recorder{}
	o := copyOptions(root, rec)
	placeFile(t, root, o.CopyFrom, "supervisor v1", 0o700)
	placeFile(t, root, o.UpdaterFrom, "updater v1", 0o700)
	foreign := placeFile(t, root, "/usr/local/bin/someone-elses-tool", "keep me", 0o755)

	res, err := Install(o)
	if err != nil {
		t.Fatalf("Install: %v", err)
	}
	sup, upd := onDisk(root, "/usr/local/bin/supervisor"), onDisk(root, "/usr/local/bin/updater")
	manifest := onDisk(root, "/usr/local/bin/.ddns-supervisor.installed")
	unit := onDisk(root, "/etc/systemd/system/ddns-supervisor.service")
	if want := []string{sup, upd, manifest, unit}; !reflect.DeepEqual(res.Written, want) {
		t.Errorf("Written = %q, want %q", res.Written, want)
	}
	for disk, want := range map[string]string{sup: "supervisor v1", upd: "updater v1"} {
		if got := readString(t, disk); got != want {
			t.Errorf("%s holds %q, want %q", disk, got, want)
		}
		if fi, err := os.Stat(disk); err != nil || runtime.GOOS != "windows" && fi.Mode().Perm() != 0o755 {
			t.Errorf("%s: %v, %v; want mode 0755", disk, fi, err)
		}
	}
	if u := readString(t, unit); !strings.Contains(u, "\nExecStart=/usr/local/bin/supervisor run --config /etc/ddns/config.toml\n") {
		t.Errorf("the unit does not run the copy:\n%s", u)
	}
	if m := readString(t, manifest); !strings.Contains(m, " /usr/local/bin/supervisor\n") || !strings.Contains(m, " /usr/local/bin/updater\n") {
		t.Errorf("manifest does not list both copies:\n%s", m)
	}
	rec.take()

	// Again with the same binaries: nothing is written, not even a new inode.
	before, _ := os.Stat(sup)
	res, err = Install(o)
	if err != nil {
		t.Fatalf("second Install: %v", err)
	}
	if len(res.Written) != 0 || len(res.Unchanged) != 4 {
		t.Errorf("second Install: Written %q Unchanged %q, want all four unchanged", res.Written, res.Unchanged)
	}
	if after, _ := os.Stat(sup); !os.SameFile(before, after) {
		t.Errorf("second Install rewrote %s", sup)
	}
	if got, want := rec.take(), [][]string{{"systemctl", "enable", "--now", "ddns-supervisor.service"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("second Install ran %q, want %q", got, want)
	}

	res, err = Uninstall(o)
	if err != nil {
		t.Fatalf("Uninstall: %v", err)
	}
	if want := []string{unit, sup, upd, manifest}; !reflect.DeepEqual(res.Removed, want) {
		t.Errorf("Removed = %q, want %q", res.Removed, want)
	}
	for _, disk := range []string{sup, upd, manifest, unit} {
		if _, err := os.Lstat(disk); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is still there after Uninstall (%v)", disk, err)
		}
	}
	if got := readString(t, foreign); got != "keep me" {
		t.Errorf("the foreign file beside the copies was changed to %q", got)
	}
	if got := readString(t, onDisk(root, o.CopyFrom)); got != "supervisor v1" {
		t.Errorf("Uninstall touched the source: %q", got)
	}
}

// TestInstallUpgradesItsCopy: a new build replaces the copy Install made
// before, and the running entry is restarted onto it.
func TestInstallUpgradesItsCopy(t *testing.T) {
	root := t.TempDir()
	rec := &recorder{}
	o := copyOptions(root, rec)
	placeFile(t, root, o.CopyFrom, "supervisor v1", 0o755)
	placeFile(t, root, o.UpdaterFrom, "updater v1", 0o755)
	if _, err := Install(o); err != nil {
		t.Fatal(err)
	}
	rec.take()
	placeFile(t, root, o.UpdaterFrom, "updater v2", 0o755)
	res, err := Install(o)
	if err != nil {
		t.Fatalf("Install of a new build: %v", err)
	}
	upd := onDisk(root, "/usr/local/bin/updater")
	if got := readString(t, upd); got != "updater v2" {
		t.Errorf("the copy holds %q after the upgrade", got)
	}
	if want := []string{upd, onDisk(root, "/usr/local/bin/.ddns-supervisor.installed")}; !reflect.DeepEqual(res.Written, want) {
		t.Errorf("Written = %q, want %q", res.Written, want)
	}
	want := [][]string{
		{"systemctl", "daemon-reload"},
		{"systemctl", "try-restart", "ddns-supervisor.service"},
		{"systemctl", "enable", "--now", "ddns-supervisor.service"},
	}
	if got := rec.take(); !reflect.DeepEqual(got, want) {
		t.Errorf("upgrade ran %q, want %q", got, want)
	}
	// The upgraded copy is still ours to remove.
	if _, err := Uninstall(o); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(upd); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("upgraded copy left by Uninstall: %v", err)
	}
}

func TestInstallRefusesForeignDestination(t *testing.T) {
	root := t.TempDir()
	rec := &recorder{}
	o := copyOptions(root, rec)
	placeFile(t, root, o.CopyFrom, "supervisor v1", 0o755)
	placeFile(t, root, o.UpdaterFrom, "updater v1", 0o755)
	theirs := placeFile(t, root, "/usr/local/bin/updater", "another program called updater", 0o755)
	_, err := Install(o)
	if err == nil || !strings.Contains(err.Error(), "not a copy supervisor install made") {
		t.Fatalf("Install over a foreign file: %v, want a refusal", err)
	}
	if got := readString(t, theirs); got != "another program called updater" {
		t.Errorf("the foreign file was overwritten with %q", got)
	}
	if _, err := os.Stat(onDisk(root, "/etc/systemd/system/ddns-supervisor.service")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("unit written although the copy failed: %v", err)
	}
	if len(rec.calls) != 0 {
		t.Errorf("commands ran: %q", rec.calls)
	}
}

// TestInstallNeverWritesThroughALink: another local user who could plant a
// link at the destination must not get the copy (run as root) written to
// the link's target.
func TestInstallNeverWritesThroughALink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need a privilege on Windows")
	}
	root := t.TempDir()
	o := copyOptions(root, &recorder{})
	placeFile(t, root, o.CopyFrom, "supervisor v1", 0o755)
	placeFile(t, root, o.UpdaterFrom, "updater v1", 0o755)
	victim := placeFile(t, root, "/etc/shadow", "root:x:...", 0o600)
	for _, name := range []string{"supervisor", "updater", ".ddns-supervisor.installed"} {
		t.Run(name, func(t *testing.T) {
			link := onDisk(root, "/usr/local/bin/"+name)
			if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(victim, link); err != nil {
				t.Fatal(err)
			}
			defer os.Remove(link)
			_, err := Install(o)
			if err == nil || !strings.Contains(err.Error(), "symbolic link") {
				t.Errorf("Install with a link at %s: %v, want a refusal naming the link", link, err)
			}
			if got := readString(t, victim); got != "root:x:..." {
				t.Errorf("written through the link: the victim holds %q", got)
			}
			if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
				t.Errorf("the link itself changed: %v %v", fi, err)
			}
		})
	}
}

func TestUninstallLeavesAChangedCopy(t *testing.T) {
	root := t.TempDir()
	o := copyOptions(root, &recorder{})
	placeFile(t, root, o.CopyFrom, "supervisor v1", 0o755)
	placeFile(t, root, o.UpdaterFrom, "updater v1", 0o755)
	if _, err := Install(o); err != nil {
		t.Fatal(err)
	}
	// Someone put another program in its place since.
	replaced := placeFile(t, root, "/usr/local/bin/updater", "installed by a package since", 0o755)
	res, err := Uninstall(o)
	if err != nil {
		t.Fatal(err)
	}
	if got := readString(t, replaced); got != "installed by a package since" {
		t.Errorf("Uninstall touched a file that changed since: %q", got)
	}
	if !strings.Contains(strings.Join(res.Notes, "\n"), "Left "+replaced) {
		t.Errorf("Uninstall does not say it left %s: %q", replaced, res.Notes)
	}
	if _, err := os.Stat(onDisk(root, "/usr/local/bin/supervisor")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the unchanged copy was not removed: %v", err)
	}
}

// TestInstallFromTheCopyItself: `/usr/local/bin/supervisor install` after an
// install changes nothing; run from a binary someone put there by hand it
// does not claim that binary as a copy to remove later.
func TestInstallFromTheCopyItself(t *testing.T) {
	root := t.TempDir()
	o := copyOptions(root, &recorder{})
	o.CopyFrom, o.UpdaterFrom = "/usr/local/bin/supervisor", "/usr/local/bin/updater"
	placeFile(t, root, o.CopyFrom, "supervisor by hand", 0o755)
	placeFile(t, root, o.UpdaterFrom, "updater by hand", 0o755)
	if _, err := Install(o); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(onDisk(root, "/usr/local/bin/.ddns-supervisor.installed")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a manifest claims binaries install did not copy: %v", err)
	}
	if _, err := Uninstall(o); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{o.CopyFrom, o.UpdaterFrom} {
		if _, err := os.Stat(onDisk(root, p)); err != nil {
			t.Errorf("Uninstall removed %s, which it never copied: %v", p, err)
		}
	}
}

func TestInstallNeedsTheUpdaterBeside(t *testing.T) {
	root := t.TempDir()
	o := copyOptions(root, &recorder{})
	placeFile(t, root, o.CopyFrom, "supervisor v1", 0o755)
	_, err := Install(o)
	if err == nil || !strings.Contains(err.Error(), "updater is not beside the supervisor") {
		t.Errorf("Install without an updater: %v", err)
	}
	// A config with its own [supervisor] command needs none.
	o.UpdaterFrom = ""
	if _, err := Install(o); err != nil {
		t.Errorf("Install copying the supervisor alone: %v", err)
	}
}

func TestTemporaryBinaryRefused(t *testing.T) {
	for _, tc := range []struct {
		name   string
		o      Options
		refuse string // "" = accepted
	}{
		{"tmp", Options{Target: Systemd, Binary: "/tmp/supervisor"}, "temporary folder /tmp"},
		{"var tmp", Options{Target: Systemd, Binary: "/var/tmp/x/supervisor"}, "temporary folder /var/tmp"},
		{"go run", Options{Target: SystemdUser, Binary: "/home/ann/.cache/tmp/go-build2841/b001/exe/supervisor", Getenv: unixEnv}, "Go build folder"},
		{"GOCACHE", Options{Target: SystemdUser, Binary: "/srv/cache/ab/supervisor", Getenv: func(k string) string {
			return map[string]string{"HOME": "/home/ann", "GOCACHE": "/srv/cache"}[k]
		}}, "Go build cache"},
		{"TMPDIR", Options{Target: Launchd, Binary: "/Users/ann/scratch/supervisor", Getenv: func(k string) string {
			return map[string]string{"TMPDIR": "/Users/ann/scratch/"}[k]
		}}, "temporary folder /Users/ann/scratch/"},
		{"windows temp", Options{Target: WindowsTask, User: true, Binary: `C:\Users\Ann Lee\AppData\Local\Temp\supervisor.exe`, Getenv: winEnv}, "temporary folder"},
		{"opt", Options{Target: Systemd, Binary: "/opt/ddns/supervisor"}, ""},
		{"tmpfoo is not tmp", Options{Target: Systemd, Binary: "/tmpfoo/supervisor"}, ""},
		{"windows program files", Options{Target: WindowsTask, User: true, Binary: `C:\Program Files\ddns\supervisor.exe`, Getenv: winEnv}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			o := tc.o
			o.Root, o.Run = root, (&recorder{}).run
			placeBinary(t, root, o.Binary)
			_, err := Install(o)
			if tc.refuse == "" {
				if err != nil {
					t.Errorf("Install of %s: %v, want it accepted", o.Binary, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.refuse) || !strings.Contains(err.Error(), "--allow-temporary-binary") {
				t.Errorf("Install of %s: %v, want a refusal saying %q and naming --allow-temporary-binary", o.Binary, err, tc.refuse)
			}
			o.AllowTemporary = true
			if _, err := Install(o); err != nil {
				t.Errorf("Install of %s with AllowTemporary: %v", o.Binary, err)
			}
		})
	}
	// Copying out of a temporary folder is what makes it safe.
	root := t.TempDir()
	o := Options{Target: Systemd, CopyFrom: "/tmp/dl/supervisor", UpdaterFrom: "/tmp/dl/updater", Root: root, Run: (&recorder{}).run}
	placeFile(t, root, o.CopyFrom, "s", 0o755)
	placeFile(t, root, o.UpdaterFrom, "u", 0o755)
	if _, err := Install(o); err != nil {
		t.Errorf("copying from /tmp: %v", err)
	}
}

func TestDefaultBinDir(t *testing.T) {
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{Target: Systemd}, "/usr/local/bin"},
		{Options{Target: SystemdUser, Getenv: unixEnv}, "/home/ann lee/.local/bin"},
		{Options{Target: Launchd}, "/usr/local/bin"},
		{Options{Target: Launchd, User: true, Getenv: unixEnv}, "/home/ann lee/.local/bin"},
		{Options{Target: WindowsService, Getenv: winEnv}, `C:\Program Files\ddns`},
		{Options{Target: WindowsService, Getenv: func(k string) string { return map[string]string{"ProgramFiles": `D:\Apps`}[k] }}, `D:\Apps\ddns`},
		{Options{Target: WindowsTask, Getenv: winEnv}, `C:\Program Files\ddns`},
		{Options{Target: WindowsTask, User: true, Getenv: winEnv}, `C:\Users\Ann Lee\AppData\Local\Programs\ddns`},
		{Options{Target: WindowsStartup, Getenv: winEnv}, `C:\Users\Ann Lee\AppData\Local\Programs\ddns`},
	} {
		got, err := tc.o.DefaultBinDir()
		if err != nil || got != tc.want {
			t.Errorf("DefaultBinDir(%s, user %v) = %q, %v; want %q", tc.o.Target, tc.o.User, got, err, tc.want)
		}
	}
}

// TestWindowsTaskRunsTheCopy: a user's task copies into
// %LOCALAPPDATA%\Programs\ddns, with .exe names, and runs the copy.
func TestWindowsTaskRunsTheCopy(t *testing.T) {
	root := t.TempDir()
	o := Options{Target: WindowsTask, User: true, CopyFrom: `C:\Users\Ann Lee\Downloads\ddns\supervisor.exe`,
		UpdaterFrom: `C:\Users\Ann Lee\Downloads\ddns\updater.exe`, Root: root, Run: (&recorder{}).run, Getenv: winEnv}
	placeFile(t, root, o.CopyFrom, "s", 0o755)
	placeFile(t, root, o.UpdaterFrom, "u", 0o755)
	if _, err := Install(o); err != nil {
		t.Fatal(err)
	}
	dir := `C:\Users\Ann Lee\AppData\Local\Programs\ddns`
	for _, p := range []string{dir + `\supervisor.exe`, dir + `\updater.exe`} {
		if _, err := os.Stat(onDisk(root, p)); err != nil {
			t.Errorf("copy %s missing: %v", p, err)
		}
	}
	xml := File{Content: []byte(readString(t, onDisk(root, `C:\Users\Ann Lee\AppData\Local\ddns\ddns-supervisor.task.xml`)))}.Text()
	if want := `<Command>"` + dir + `\supervisor.exe"</Command>`; !strings.Contains(xml, want) {
		t.Errorf("the task does not run the copy (%s):\n%s", want, xml)
	}
}

// TestUninstallRemovesOnlyTheCopies: a list of copies edited (or planted)
// to name another file with that file's checksum does not make uninstall,
// run as root, delete it.
func TestUninstallRemovesOnlyTheCopies(t *testing.T) {
	root := t.TempDir()
	o := copyOptions(root, &recorder{})
	placeFile(t, root, o.CopyFrom, "supervisor v1", 0o755)
	placeFile(t, root, o.UpdaterFrom, "updater v1", 0o755)
	if _, err := Install(o); err != nil {
		t.Fatal(err)
	}
	victim := placeFile(t, root, "/etc/shadow", "root:x:...", 0o600)
	sum, err := fileSum(victim)
	if err != nil {
		t.Fatal(err)
	}
	manifest := onDisk(root, "/usr/local/bin/.ddns-supervisor.installed")
	b, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, []byte(sum+" /etc/shadow\n"+sum+" /usr/local/bin/../../../etc/shadow\n")...)
	if err := os.WriteFile(manifest, b, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Uninstall(o)
	if err != nil {
		t.Fatal(err)
	}
	if got := readString(t, victim); got != "root:x:..." {
		t.Fatalf("Uninstall removed or changed a file the edited list named: %q", got)
	}
	if !strings.Contains(strings.Join(res.Notes, "\n"), "Left /etc/shadow") {
		t.Errorf("Uninstall does not say it left /etc/shadow: %q", res.Notes)
	}
	if _, err := os.Stat(onDisk(root, "/usr/local/bin/supervisor")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the real copy was not removed: %v", err)
	}
}
