package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// fakeRepo lays out the files an archive takes from the repository and a
// folder of fake binaries for t.
func fakeRepo(t *testing.T, tg target) (repo, bin string) {
	t.Helper()
	repo, bin = t.TempDir(), t.TempDir()
	files := map[string]string{
		"README.md":                   "# readme\n",
		"LICENSE":                     "license text\n",
		"configs/examples/b.toml":     "b = 1\n",
		"configs/examples/a.toml":     "a = 1\n",
		"configs/examples/notes.orig": "not a toml, still an example file\n",
	}
	for name, text := range files {
		p := filepath.Join(repo, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	os.Mkdir(filepath.Join(repo, "configs", "examples", "sub"), 0o755)
	for _, b := range []string{"supervisor", "updater"} {
		if err := os.WriteFile(filepath.Join(bin, b+tg.exe()), []byte("binary "+b), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	return repo, bin
}

type entryInfo struct {
	Name  string
	Mode  os.FileMode
	MTime time.Time
	Owner string
	Data  string
}

func readTarGz(t *testing.T, b []byte) []entryInfo {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if zr.Name != "" || !zr.ModTime.IsZero() {
		t.Errorf("gzip header carries name %q and time %v; want neither", zr.Name, zr.ModTime)
	}
	var out []entryInfo
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		out = append(out, entryInfo{h.Name, os.FileMode(h.Mode).Perm(), h.ModTime.UTC(), fmt.Sprintf("%s:%s:%d:%d", h.Uname, h.Gname, h.Uid, h.Gid), string(data)})
	}
}

var wantEntries = []struct {
	name string
	mode os.FileMode
}{
	{"", 0o755},
	{"LICENSE", 0o644},
	{"README.md", 0o644},
	{"configs/", 0o755},
	{"configs/examples/", 0o755},
	{"configs/examples/a.toml", 0o644},
	{"configs/examples/b.toml", 0o644},
	{"configs/examples/notes.orig", 0o644},
	{"supervisor", 0o755},
	{"updater", 0o755},
}

// TestTarArchiveIsSortedAndReproducible: the entries are sorted, owned by
// root, dated by the source time, modes fixed (whatever the files' own),
// and a second run writes the same bytes.
func TestTarArchiveIsSortedAndReproducible(t *testing.T) {
	tg := target{"linux", "arm"}
	repo, bin := fakeRepo(t, tg)
	mtime := time.Date(2026, 12, 1, 10, 30, 0, 0, time.UTC)
	var runs [][]byte
	for i := 0; i < 2; i++ {
		out := t.TempDir()
		name, err := writeArchive(repo, out, bin, "v1.0.0", tg, mtime.In(time.FixedZone("X", 3600*(i+1))))
		if err != nil {
			t.Fatal(err)
		}
		if name != "ddnsd-v1.0.0-linux-armv7.tar.gz" {
			t.Fatalf("archive name %q", name)
		}
		b, _ := os.ReadFile(filepath.Join(out, name))
		runs = append(runs, b)
	}
	if !bytes.Equal(runs[0], runs[1]) {
		t.Error("two runs wrote different archives")
	}
	got := readTarGz(t, runs[0])
	if len(got) != len(wantEntries) {
		t.Fatalf("%d entries, want %d: %+v", len(got), len(wantEntries), got)
	}
	for i, w := range wantEntries {
		e := got[i]
		if e.Name != "ddnsd-v1.0.0-linux-armv7/"+w.name || e.Mode != w.mode || !e.MTime.Equal(mtime) || e.Owner != "root:root:0:0" {
			t.Errorf("entry %d = %+v; want %s mode %v at %v owned by root", i, e, w.name, w.mode, mtime)
		}
	}
	if got[8].Data != "binary supervisor" {
		t.Errorf("supervisor entry holds %q", got[8].Data)
	}
}

// TestZipArchiveForWindows: .exe names, Unix modes kept, times in UTC,
// reproducible.
func TestZipArchiveForWindows(t *testing.T) {
	tg := target{"windows", "amd64"}
	repo, bin := fakeRepo(t, tg)
	mtime := time.Date(2026, 12, 1, 10, 30, 0, 0, time.UTC)
	var runs [][]byte
	for i := 0; i < 2; i++ {
		out := t.TempDir()
		name, err := writeArchive(repo, out, bin, "v1.0.0", tg, mtime.In(time.FixedZone("X", -3600*(i+2))))
		if err != nil {
			t.Fatal(err)
		}
		if name != "ddnsd-v1.0.0-windows-amd64.zip" {
			t.Fatalf("archive name %q", name)
		}
		b, _ := os.ReadFile(filepath.Join(out, name))
		runs = append(runs, b)
	}
	if !bytes.Equal(runs[0], runs[1]) {
		t.Error("two runs wrote different archives")
	}
	zr, err := zip.NewReader(bytes.NewReader(runs[0]), int64(len(runs[0])))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if !f.Modified.UTC().Equal(mtime) {
			t.Errorf("%s dated %v, want %v", f.Name, f.Modified, mtime)
		}
		if filepath.Ext(f.Name) == ".exe" && f.Mode().Perm() != 0o755 {
			t.Errorf("%s has mode %v, want 0755", f.Name, f.Mode())
		}
	}
	want := []string{"ddnsd-v1.0.0-windows-amd64/", "ddnsd-v1.0.0-windows-amd64/LICENSE", "ddnsd-v1.0.0-windows-amd64/README.md",
		"ddnsd-v1.0.0-windows-amd64/configs/", "ddnsd-v1.0.0-windows-amd64/configs/examples/",
		"ddnsd-v1.0.0-windows-amd64/configs/examples/a.toml", "ddnsd-v1.0.0-windows-amd64/configs/examples/b.toml",
		"ddnsd-v1.0.0-windows-amd64/configs/examples/notes.orig",
		"ddnsd-v1.0.0-windows-amd64/supervisor.exe", "ddnsd-v1.0.0-windows-amd64/updater.exe"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("entries\n%q\nwant\n%q", names, want)
	}
}

func TestArchiveNeedsTheBinaries(t *testing.T) {
	tg := target{"linux", "amd64"}
	repo, bin := fakeRepo(t, tg)
	os.Remove(filepath.Join(bin, "updater"))
	if _, err := writeArchive(repo, t.TempDir(), bin, "v1", tg, time.Unix(0, 0)); err == nil {
		t.Error("an archive without the updater was written")
	}
}

// TestSumsPassSha256sumCheck: SHA256SUMS is what `sha256sum -c` reads.
func TestSumsPassSha256sumCheck(t *testing.T) {
	sum, err := exec.LookPath("sha256sum")
	if err != nil {
		t.Skip("sha256sum (coreutils) is not installed")
	}
	out := t.TempDir()
	for name, text := range map[string]string{"b.tar.gz": "bbb", "a.zip": "aaa", "c.deb": ""} {
		os.WriteFile(filepath.Join(out, name), []byte(text), 0o644)
	}
	if err := writeSums(out, []string{"c.deb", "b.tar.gz", "a.zip"}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(sum, "-c", "--strict", "SHA256SUMS")
	cmd.Dir = out
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sha256sum -c: %v\n%s", err, b)
	}
	os.WriteFile(filepath.Join(out, "a.zip"), []byte("changed"), 0o644)
	cmd = exec.Command(sum, "-c", "--strict", "SHA256SUMS")
	cmd.Dir = out
	if err := cmd.Run(); err == nil {
		t.Error("sha256sum -c passed after a file changed")
	}
	b, _ := os.ReadFile(filepath.Join(out, "SHA256SUMS"))
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	if len(lines) != 3 || !bytes.HasSuffix(lines[0], []byte("  a.zip")) || !bytes.HasSuffix(lines[2], []byte("  c.deb")) {
		t.Errorf("SHA256SUMS is not sorted by name:\n%s", b)
	}
}
