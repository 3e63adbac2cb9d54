package main

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"compress/flate"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// member is one entry of an archive: a folder (data nil and dir set) or a
// file with its bytes.
type member struct {
	name string // slash-separated, relative to the archive's top folder
	mode fs.FileMode
	dir  bool
	data []byte
}

// archiveMembers lists what every archive holds: both binaries, README.md,
// LICENSE and configs/examples/, with every folder on the way, sorted.
func archiveMembers(repo, binDir string, t target) ([]member, error) {
	var ms []member
	for _, b := range []string{"supervisor", "updater"} {
		data, err := os.ReadFile(filepath.Join(binDir, b+t.exe()))
		if err != nil {
			return nil, fmt.Errorf("the %s binary for %s is missing: %w", b, t, err)
		}
		ms = append(ms, member{name: b + t.exe(), mode: 0o755, data: data})
	}
	for _, f := range []string{"README.md", "LICENSE"} {
		data, err := os.ReadFile(filepath.Join(repo, f))
		if err != nil {
			return nil, fmt.Errorf("every archive ships %s: %w", f, err)
		}
		ms = append(ms, member{name: f, mode: 0o644, data: data})
	}
	examples, err := os.ReadDir(filepath.Join(repo, "configs", "examples"))
	if err != nil {
		return nil, fmt.Errorf("every archive ships configs/examples/: %w", err)
	}
	ms = append(ms, member{name: "configs", mode: 0o755, dir: true}, member{name: "configs/examples", mode: 0o755, dir: true})
	for _, e := range examples {
		if !e.Type().IsRegular() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(repo, "configs", "examples", e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, member{name: "configs/examples/" + e.Name(), mode: 0o644, data: data})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].name < ms[j].name })
	return ms, nil
}

// writeArchive writes dist/ddnsd-VERSION-OS-ARCH.tar.gz (.zip for Windows)
// with every member under one top folder of the same name, and returns the
// file's name.
func writeArchive(repo, out, binDir, version string, t target, mtime time.Time) (string, error) {
	ms, err := archiveMembers(repo, binDir, t)
	if err != nil {
		return "", err
	}
	base := "ddnsd-" + version + "-" + t.name()
	name := base + ".tar.gz"
	write := writeTarGz
	if t.goos == "windows" {
		name, write = base+".zip", writeZip
	}
	f, err := os.Create(filepath.Join(out, name))
	if err != nil {
		return "", err
	}
	w := bufio.NewWriter(f)
	err = write(w, base, ms, mtime)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("writing %s: %w", name, err)
	}
	return name, nil
}

// writeTarGz writes a gzip'd ustar archive whose bytes depend only on the
// members and mtime: entries in the given order, owner root (0:0), no
// access or change times, and a gzip header without name or time.
func writeTarGz(w io.Writer, top string, ms []member, mtime time.Time) error {
	gz, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(gz)
	all := append([]member{{name: "", mode: 0o755, dir: true}}, ms...)
	for _, m := range all {
		h := &tar.Header{
			Name:    path.Join(top, m.name),
			Mode:    int64(m.mode.Perm()),
			ModTime: mtime,
			Uname:   "root",
			Gname:   "root",
			Format:  tar.FormatUSTAR,
		}
		if m.dir {
			h.Typeflag, h.Name = tar.TypeDir, h.Name+"/"
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(m.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("entry %s: %w", h.Name, err)
		}
		if _, err := tw.Write(m.data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

// writeZip writes a zip archive that depends only on the members and mtime
// (stored as UTC, so the build machine's time zone does not leak in), with
// Unix modes so the binaries stay executable when unpacked on Unix.
func writeZip(w io.Writer, top string, ms []member, mtime time.Time) error {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	all := append([]member{{name: "", mode: 0o755, dir: true}}, ms...)
	for _, m := range all {
		h := &zip.FileHeader{Name: path.Join(top, m.name), Modified: mtime.UTC(), Method: zip.Deflate}
		mode := m.mode
		if m.dir {
			h.Name += "/"
			h.Method = zip.Store
			mode |= fs.ModeDir
		}
		h.SetMode(mode)
		fw, err := zw.CreateHeader(h)
		if err != nil {
			return fmt.Errorf("entry %s: %w", h.Name, err)
		}
		if _, err := fw.Write(m.data); err != nil {
			return err
		}
	}
	return zw.Close()
}

// writeSums writes out/SHA256SUMS for the named files in the format
// `sha256sum -c` reads: the hex digest, two spaces, the file name.
func writeSums(out string, names []string) error {
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	var b strings.Builder
	for _, n := range sorted {
		f, err := os.Open(filepath.Join(out, n))
		if err != nil {
			return err
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return fmt.Errorf("hashing %s: %w", n, err)
		}
		fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(h.Sum(nil)), n)
	}
	return os.WriteFile(filepath.Join(out, "SHA256SUMS"), []byte(b.String()), 0o644)
}
