package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/install"
)

// TestPackagedUnitIsInstallsUnit: the package ships the unit `supervisor
// install --target systemd` writes for the packaged paths, changed only in
// its comment header (so `supervisor uninstall` never claims it).
func TestPackagedUnitIsInstallsUnit(t *testing.T) {
	unit, err := packagedUnit()
	if err != nil {
		t.Fatal(err)
	}
	files, err := install.Generate(install.Options{Target: install.Systemd, Binary: "/usr/libexec/ddnsd/supervisor", Config: "/etc/ddns/config.toml"})
	if err != nil {
		t.Fatal(err)
	}
	_, generated, _ := bytes.Cut(files[0].Content, []byte("\n"))
	_, shipped, _ := bytes.Cut(unit, []byte("\n"))
	_, shipped, _ = bytes.Cut(shipped, []byte("\n"))
	if !bytes.Equal(shipped, generated) {
		t.Errorf("the packaged unit differs from the generated one beyond its header:\n%s\n--- generated\n%s", unit, files[0].Content)
	}
	text := string(unit)
	for _, want := range []string{
		"\nExecStart=/usr/libexec/ddnsd/supervisor run --config /etc/ddns/config.toml\n",
		"\nStateDirectory=ddns\n", // /var/lib/ddns, through $STATE_DIRECTORY (configs.StateDir)
		"\nType=notify\n",
		"\nWantedBy=multi-user.target\n",
		"Installed by the ddnsd package",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the packaged unit lacks %q", strings.TrimSpace(want))
		}
	}
	if strings.Contains(text, "ReadWritePaths") || strings.Contains(text, `Written by "supervisor install"`) {
		t.Errorf("the packaged unit names another state folder or carries install's marker:\n%s", text)
	}
}

// TestPackagedConfigIsADryRun: a fresh install must change nothing anywhere.
func TestPackagedConfigIsADryRun(t *testing.T) {
	cfg, err := configs.Parse("/etc/ddns/config.toml", packagedConfig(), configs.Options{})
	if err != nil {
		t.Fatalf("the packaged config does not load: %v", err)
	}
	if len(cfg.Providers) == 0 {
		t.Fatal("the packaged config has no provider")
	}
	for name, p := range cfg.Providers {
		if p.Type != "dryrun" {
			t.Errorf("provider %s is %q; the packaged config may only use the dry run", name, p.Type)
		}
	}
	if !bytes.HasSuffix(packagedConfig(), configs.EmbeddedDefault()) {
		t.Error("the packaged config is not the embedded default under a header")
	}
}

// TestNfpmConfigNamesThePackagedPaths keeps packaging/nfpm.yaml and the
// paths the unit and the staged files use in step.
func TestNfpmConfigNamesThePackagedPaths(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "nfpm.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	y := string(b)
	for _, want := range []string{
		"dst: " + pkgLibexec + "/supervisor\n",
		"dst: " + pkgLibexec + "/updater\n",
		"src: " + pkgLibexec + "/supervisor\n    dst: /usr/bin/ddnsd-supervisor\n    type: symlink",
		"src: " + pkgLibexec + "/updater\n    dst: /usr/bin/ddnsd-updater\n    type: symlink",
		"dst: /lib/systemd/system/" + pkgUnitName + ".service\n",
		"dst: /usr/lib/systemd/system/" + pkgUnitName + ".service\n",
		"src: ./config.toml\n    dst: " + pkgConfig + "\n    type: config|noreplace\n",
		"dst: /usr/share/man/man1/ddnsd-supervisor.1.gz",
		"dst: /usr/share/man/man1/ddnsd-updater.1.gz",
	} {
		if !strings.Contains(y, want) {
			t.Errorf("packaging/nfpm.yaml lacks %q", want)
		}
	}
	for _, s := range []string{"postinstall", "preremove", "postremove"} {
		if !strings.Contains(y, s+": ./scripts/"+s+".sh") {
			t.Errorf("packaging/nfpm.yaml does not run scripts/%s.sh", s)
		}
	}
	for _, prog := range []string{"ddnsd-supervisor", "ddnsd-updater"} {
		for _, c := range completionShells {
			if !strings.Contains(y, "src: ./"+strings.Replace(c.file, "%s", prog, 1)+"\n") {
				t.Errorf("packaging/nfpm.yaml does not ship the %s completion of %s", c.shell, prog)
			}
		}
	}
}

// runScript runs a maintainer script with a fake systemctl that logs its
// arguments (and answers is-enabled as told), systemd "running" or not, and
// the state and log folders moved into the test's folder.
func runScript(t *testing.T, script string, systemd, enabled bool, args ...string) (calls []string, dir string) {
	t.Helper()
	dir = t.TempDir()
	b, err := os.ReadFile(filepath.Join("..", "scripts", script))
	if err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(dir, "run-systemd-system")
	if systemd {
		os.Mkdir(run, 0o755)
	}
	text := string(b)
	for old, repl := range map[string]string{
		"systemd_run=/run/systemd/system": "systemd_run=" + run,
		"state=/var/lib/ddns":             "state=" + filepath.Join(dir, "state"),
		"logs=/var/log/ddns":              "logs=" + filepath.Join(dir, "logs"),
	} {
		text = strings.Replace(text, old, repl, 1)
	}
	if strings.Contains(text, "/run/systemd/system") || strings.Contains(text, "/var/lib/ddns\n") {
		t.Fatalf("%s names a system path the test cannot move", script)
	}
	s := filepath.Join(dir, script)
	os.WriteFile(s, []byte(text), 0o755)
	bin := filepath.Join(dir, "bin")
	os.Mkdir(bin, 0o755)
	enabledExit := "1"
	if enabled {
		enabledExit = "0"
	}
	fake := "#!/bin/sh\necho \"$*\" >> " + filepath.Join(dir, "calls") + "\n[ \"$1\" = is-enabled ] && exit " + enabledExit + "\nexit 0\n"
	os.WriteFile(filepath.Join(bin, "systemctl"), []byte(fake), 0o755)
	for _, d := range []string{"state", "logs"} {
		os.MkdirAll(filepath.Join(dir, d, "x"), 0o700)
	}
	cmd := exec.Command("sh", append([]string{s}, args...)...)
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", script, args, err, out)
	}
	c, _ := os.ReadFile(filepath.Join(dir, "calls"))
	if s := strings.TrimSpace(string(c)); s != "" {
		calls = strings.Split(s, "\n")
	}
	return calls, dir
}

// TestMaintainerScripts: what each script asks of systemd for every way
// dpkg and rpm call it.
func TestMaintainerScripts(t *testing.T) {
	const u = "ddns-supervisor.service"
	for _, tc := range []struct {
		name    string
		script  string
		args    []string
		systemd bool
		enabled bool
		want    []string
	}{
		{"deb install", "postinstall.sh", []string{"configure", ""}, true, false, []string{"daemon-reload", "enable --now " + u}},
		{"deb upgrade of an enabled unit", "postinstall.sh", []string{"configure", "0.0.0+1.gabcd"}, true, true, []string{"daemon-reload", "is-enabled --quiet " + u, "try-restart " + u}},
		{"deb upgrade of a disabled unit", "postinstall.sh", []string{"configure", "0.0.0+1.gabcd"}, true, false, []string{"daemon-reload", "is-enabled --quiet " + u}},
		{"deb abort-upgrade", "postinstall.sh", []string{"abort-upgrade", "1.0"}, true, true, nil},
		{"rpm install", "postinstall.sh", []string{"1"}, true, false, []string{"daemon-reload", "enable --now " + u}},
		{"rpm upgrade", "postinstall.sh", []string{"2"}, true, true, []string{"daemon-reload", "is-enabled --quiet " + u, "try-restart " + u}},
		{"install without systemd", "postinstall.sh", []string{"configure", ""}, false, false, nil},
		{"deb remove", "preremove.sh", []string{"remove"}, true, true, []string{"disable --now " + u}},
		{"deb upgrade, old prerm", "preremove.sh", []string{"upgrade", "2.0"}, true, true, nil},
		{"rpm erase", "preremove.sh", []string{"0"}, true, true, []string{"disable --now " + u}},
		{"rpm upgrade, old preun", "preremove.sh", []string{"1"}, true, true, nil},
		{"remove without systemd", "preremove.sh", []string{"remove"}, false, true, nil},
		{"deb postrm remove", "postremove.sh", []string{"remove"}, true, false, []string{"daemon-reload"}},
		{"deb postrm upgrade", "postremove.sh", []string{"upgrade", "2.0"}, true, false, nil},
		{"rpm postun erase", "postremove.sh", []string{"0"}, true, false, []string{"daemon-reload"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls, _ := runScript(t, tc.script, tc.systemd, tc.enabled, tc.args...)
			if !reflect.DeepEqual(calls, tc.want) {
				t.Errorf("systemctl calls %q, want %q", calls, tc.want)
			}
		})
	}
}

// TestPurgeDeletesStateAndRemovalKeepsIt: only dpkg --purge deletes the
// state and log folders.
func TestPurgeDeletesStateAndRemovalKeepsIt(t *testing.T) {
	for _, tc := range []struct {
		args []string
		kept bool
	}{
		{[]string{"remove"}, true},
		{[]string{"0"}, true},
		{[]string{"upgrade", "2.0"}, true},
		{[]string{"purge"}, false},
	} {
		_, dir := runScript(t, "postremove.sh", false, false, tc.args...)
		for _, d := range []string{"state", "logs"} {
			_, err := os.Stat(filepath.Join(dir, d, "x"))
			if kept := err == nil; kept != tc.kept {
				t.Errorf("postremove %v: %s kept = %v, want %v", tc.args, d, kept, tc.kept)
			}
		}
	}
}
