//go:build unix

package install

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// TestInstallRefusesAFolderOthersCanChange: the copies root's service runs
// are not put in a folder (or under a folder) that another user owns or
// may write, where they could be swapped; the sticky /tmp above the test's
// folder is fine. Nothing is written, and uninstall trusts no list of
// copies found there.
func TestInstallRefusesAFolderOthersCanChange(t *testing.T) {
	for _, tc := range []struct {
		name   string
		folder string // made unsafe, below the root
		mode   os.FileMode
		uid    int
		want   string
	}{
		{"world-writable program folder", "/usr/local/bin", 0o777, 0, "writable by other users (mode 0777)"},
		{"group-writable program folder", "/usr/local/bin", 0o775, 0, ""},
		{"world-writable folder above", "/usr/local", 0o777, 0, "a folder above the program folder"},
		{"program folder of another user", "/usr/local/bin", 0o755, 4321, "belongs to uid 4321"},
		{"folder above of another user", "/usr", 0o755, 4321, "belongs to uid 4321"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.uid != 0 && os.Geteuid() != 0 {
				t.Skip("giving a folder to another user needs root") // CI runs as root
			}
			root := t.TempDir()
			o := copyOptions(root, &recorder{})
			placeFile(t, root, o.CopyFrom, "supervisor v1", 0o755)
			placeFile(t, root, o.UpdaterFrom, "updater v1", 0o755)
			if err := os.MkdirAll(onDisk(root, "/usr/local/bin"), 0o755); err != nil {
				t.Fatal(err)
			}
			dir := onDisk(root, tc.folder)
			if err := os.Chmod(dir, tc.mode); err != nil {
				t.Fatal(err)
			}
			if tc.uid != 0 {
				if err := os.Chown(dir, tc.uid, tc.uid); err != nil {
					t.Fatal(err)
				}
			}
			if tc.want == "" {
				// Group-writable by a group other than root's: only where the
				// folder's group is not 0, which root's own folders are.
				if err := os.Chown(dir, -1, 4321); err != nil {
					if os.Geteuid() != 0 {
						t.Skip("giving a folder to another group needs root")
					}
					t.Fatal(err)
				}
				tc.want = "writable by other users (mode 0775)"
			}
			_, err := Install(o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Install into %s: %v, want a refusal saying %q", tc.folder, err, tc.want)
			}
			for _, p := range []string{"/usr/local/bin/supervisor", "/usr/local/bin/updater", "/usr/local/bin/.ddns-supervisor.installed", "/etc/systemd/system/ddns-supervisor.service"} {
				if _, err := os.Lstat(onDisk(root, p)); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s was written (%v)", p, err)
				}
			}
			// A list of copies planted there names the programs' paths, with
			// whatever checksums: uninstall removes nothing.
			planted := placeFile(t, root, "/usr/local/bin/supervisor", "their program", 0o755)
			sum, _ := fileSum(planted)
			placeFile(t, root, "/usr/local/bin/.ddns-supervisor.installed", manifestHeader+sum+" /usr/local/bin/supervisor\n", 0o644)
			if _, err := Uninstall(o); err == nil || !strings.Contains(err.Error(), "nothing was removed") {
				t.Errorf("Uninstall with a list in an unsafe folder: %v, want a refusal", err)
			}
			if _, err := os.Stat(planted); err != nil {
				t.Errorf("Uninstall removed %s: %v", planted, err)
			}
		})
	}
}

// TestInstallWarnsOfABinaryOthersCanSwap: --binary in a folder others may
// write is the installer's explicit choice, so it is installed, with a note
// saying who could swap it and how to copy it to a safe folder instead.
func TestInstallWarnsOfABinaryOthersCanSwap(t *testing.T) {
	root := t.TempDir()
	o := Options{Target: Systemd, Binary: "/srv/shared/supervisor", Config: "/etc/ddns/config.toml", Root: root, Run: (&recorder{}).run}
	placeFile(t, root, o.Binary, "supervisor v1", 0o755)
	if err := os.Chmod(onDisk(root, "/srv/shared"), 0o777); err != nil {
		t.Fatal(err)
	}
	res, err := Install(o)
	if err != nil {
		t.Fatalf("Install: %v", err)
	}
	notes := strings.Join(res.Notes, "\n")
	if !strings.Contains(notes, "Careful:") || !strings.Contains(notes, "writable by other users (mode 0777)") || !strings.Contains(notes, "Install without --binary") {
		t.Errorf("no note of the unsafe folder: %q", res.Notes)
	}
}
