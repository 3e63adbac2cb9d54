package install

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
)

// Copying the binaries. A startup entry that points at a build folder or a
// download in /tmp breaks the day that folder is cleaned, so by default
// Install copies the supervisor and its updater to the conventional place
// for programs of the target (DefaultBinDir) and points the entry at the
// copy. The rules:
//   - A copy is written atomically: a temporary file in the destination
//     folder, synced, mode 0755, renamed over the destination. A running
//     supervisor keeps its old file until it restarts.
//   - A destination that is a symbolic link (or anything but a regular
//     file) is refused, never followed: another local user who could plant
//     a link there would otherwise have root write through it.
//   - A regular file at the destination is replaced only when it is ours:
//     its content is that of the source (then nothing is written), or it is
//     what the manifest says Install copied there before (an upgrade).
//     Anything else is somebody else's program, and Install stops.
//   - The manifest (manifestPath) lists each copy with its SHA-256.
//     Uninstall removes exactly the listed files whose content still
//     matches, then the manifest; a file changed since is left and named.

// Program names of the copies: the supervisor finds its updater beside it
// under this name (daemon's updaterBeside), so the names are fixed.
func programName(t Target, base string) string {
	if t.windowsTarget() {
		return base + ".exe"
	}
	return base
}

// DefaultBinDir is the folder Install copies the binaries into when
// Options.BinDir is empty:
//   - /usr/local/bin for a system entry on Linux and macOS (systemd,
//     LaunchDaemon), the folder for programs installed by hand;
//   - ~/.local/bin for a per-user entry on Linux and macOS (systemd-user,
//     LaunchAgent): a standard user cannot write /usr/local/bin (on macOS it
//     belongs to root or to Homebrew), and ~/.local/bin is where per-user
//     programs go on both (XDG; pipx and others use it on macOS too);
//   - %ProgramFiles%\ddns for the service and the system task;
//   - %LOCALAPPDATA%\Programs\ddns for a user's task or Startup entry,
//     where Windows installers put per-user programs.
func (o Options) DefaultBinDir() (string, error) {
	if _, err := ParseTarget(string(o.Target)); err != nil {
		return "", err
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	return defaultBinDir(resolved{Options: o, user: effectiveUser(o)})
}

func defaultBinDir(r resolved) (string, error) {
	switch {
	case r.Target == Systemd, r.Target == Launchd && !r.user:
		return "/usr/local/bin", nil
	case r.Target == SystemdUser, r.Target == Launchd:
		home, err := r.env("HOME", "user's program folder (~/.local/bin)")
		if err != nil {
			return "", err
		}
		return path.Join(home, ".local", "bin"), nil
	case r.Target == WindowsService, r.Target == WindowsTask && !r.user:
		pf := r.Getenv("ProgramFiles")
		if pf == "" {
			pf = `C:\Program Files`
		}
		return winJoin(pf, "ddns"), nil
	default: // a user's task or Startup entry
		la, err := r.env("LOCALAPPDATA", "user's program folder (%LOCALAPPDATA%\\Programs)")
		if err != nil {
			return "", err
		}
		return winJoin(la, "Programs", "ddns"), nil
	}
}

// joinFor joins a folder and a file name in the target's path syntax.
func joinFor(t Target, dir, name string) string {
	if t.windowsTarget() {
		return winJoin(dir, name)
	}
	return path.Join(dir, name)
}

// copyJob is one binary to copy: from a path on this host (below Root when
// set) to a path on the target.
type copyJob struct {
	from, to string
	updater  bool
}

// copies lists what Install copies for r, empty when r copies nothing.
func (r resolved) copies() []copyJob {
	if r.CopyFrom == "" {
		return nil
	}
	jobs := []copyJob{{from: r.CopyFrom, to: r.Binary}}
	if r.UpdaterFrom != "" {
		jobs = append(jobs, copyJob{from: r.UpdaterFrom, to: joinFor(r.Target, r.BinDir, programName(r.Target, "updater")), updater: true})
	}
	return jobs
}

// manifestPath is where Install records the copies it made: a hidden file
// in the folder of the copies, named after the entry, so two entries with
// different --name keep apart and uninstall finds it from the same options.
func (r resolved) manifestPath() string {
	return joinFor(r.Target, r.BinDir, "."+r.Name+".installed")
}

// manifestHeader starts every manifest; the marker makes it ours.
const manifestHeader = "# " + marker + ": the copies it made, as \"SHA-256 path\". \"supervisor uninstall\" removes them and this file.\n"

// manifestEntry is one line of a manifest.
type manifestEntry struct {
	sum, path string // path on the target, without Root
}

func readManifest(disk string) ([]manifestEntry, error) {
	b, err := os.ReadFile(disk)
	if err != nil {
		return nil, err
	}
	if !carriesMarker(b) {
		return nil, fmt.Errorf("%s was not written by supervisor install", disk)
	}
	var out []manifestEntry
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		sum, p, ok := strings.Cut(line, " ")
		if !ok || len(sum) != 2*sha256.Size {
			return nil, fmt.Errorf("%s: line %q is not \"SHA-256 path\"", disk, line)
		}
		out = append(out, manifestEntry{sum: sum, path: p})
	}
	return out, sc.Err()
}

func formatManifest(entries []manifestEntry) []byte {
	var b strings.Builder
	b.WriteString(manifestHeader)
	for _, e := range entries {
		fmt.Fprintf(&b, "%s %s\n", e.sum, e.path)
	}
	return []byte(b.String())
}

func fileSum(disk string) (string, error) {
	f, err := os.Open(disk)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// regularOrAbsent checks a destination without following a link: it returns
// whether a regular file is there, and an error for anything else.
func regularOrAbsent(disk string) (fs.FileInfo, error) {
	fi, err := os.Lstat(disk)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("checking %s: %w%s", disk, err, permissionHint(err))
	case fi.Mode()&fs.ModeSymlink != 0:
		return nil, fmt.Errorf("%s is a symbolic link; install never writes through one (whoever planted it could make the copy land anywhere): remove it and install again, or pass --binary to use a supervisor where it is", disk)
	case !fi.Mode().IsRegular():
		return nil, fmt.Errorf("%s exists and is not a regular file; move it away and install again", disk)
	}
	return fi, nil
}

// copyBinaries puts every copy in place and then the manifest; it returns
// how the copies were found, so a replaced binary restarts the entry.
func copyBinaries(r resolved, res *Result) (change, error) {
	jobs := r.copies()
	if len(jobs) == 0 {
		return unchanged, nil
	}
	if err := safeFolder(onDisk(r.Root, r.BinDir)); err != nil {
		return 0, fmt.Errorf("%w: copy into a folder only root (and you) can change, such as the default (leave out --bin-dir), or run chmod go-w on it", err)
	}
	mdisk := onDisk(r.Root, r.manifestPath())
	if _, err := regularOrAbsent(mdisk); err != nil {
		return 0, err
	}
	previous := map[string]string{} // target path -> sum Install copied there
	old, err := readManifest(mdisk)
	switch {
	case err == nil:
		for _, e := range old {
			previous[e.path] = e.sum
		}
	case !errors.Is(err, fs.ErrNotExist):
		return 0, fmt.Errorf("reading the list of earlier copies: %w; move it away and install again", err)
	}

	ch := unchanged
	var entries []manifestEntry
	for _, j := range jobs {
		src := onDisk(r.Root, j.from)
		sfi, err := os.Stat(src)
		if err != nil && j.updater {
			return 0, fmt.Errorf("the updater is not beside the supervisor (%w), and the supervisor runs the updater it finds there: build both into one folder (make build) and install from there, or name the updater in the config's [supervisor] command", err)
		}
		if err != nil {
			return 0, fmt.Errorf("cannot copy %s: %w", src, err)
		}
		if !sfi.Mode().IsRegular() {
			return 0, fmt.Errorf("cannot copy %s: it is not a regular file", src)
		}
		sum, err := fileSum(src)
		if err != nil {
			return 0, fmt.Errorf("reading %s to copy it: %w", src, err)
		}
		disk := onDisk(r.Root, j.to)
		dfi, err := regularOrAbsent(disk)
		if err != nil {
			return 0, err
		}
		if dfi != nil && os.SameFile(sfi, dfi) {
			// Installed again from the copy itself (or from a binary someone
			// put there): nothing to copy, and only a file Install copied
			// there before stays on the list uninstall removes.
			if previous[j.to] == sum {
				entries = append(entries, manifestEntry{sum: sum, path: j.to})
			}
			res.Unchanged = append(res.Unchanged, disk)
			continue
		}
		entries = append(entries, manifestEntry{sum: sum, path: j.to})
		fc := created
		if dfi != nil {
			have, err := fileSum(disk)
			if err != nil {
				return 0, fmt.Errorf("reading %s: %w%s", disk, err, permissionHint(err))
			}
			switch {
			case have == sum && (runtime.GOOS == "windows" || dfi.Mode().Perm() == 0o755):
				res.Unchanged = append(res.Unchanged, disk)
				continue
			case have != sum && previous[j.to] != have:
				return 0, fmt.Errorf("%s already exists and is not a copy supervisor install made, so it is left alone: move it away, install with --bin-dir to copy elsewhere, or with --binary %s to run that program as it is", disk, j.to)
			}
			fc = replaced
		}
		if err := writeAtomic(disk, 0o755, func(w io.Writer) error {
			f, err := os.Open(src)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = io.Copy(w, f)
			return err
		}); err != nil {
			hint := ""
			if runtime.GOOS == "windows" && fc == replaced {
				hint = " (Windows cannot replace a running program: stop the entry first, then install again)"
			}
			return 0, fmt.Errorf("copying %s to %s: %w%s", src, disk, err, hint)
		}
		res.Written = append(res.Written, disk)
		ch = stronger(ch, fc)
	}
	content := formatManifest(entries)
	if len(entries) == 0 && len(old) == 0 {
		return ch, nil // nothing copied, nothing to list
	}
	if b, err := os.ReadFile(mdisk); err == nil && bytes.Equal(b, content) {
		res.Unchanged = append(res.Unchanged, mdisk)
	} else {
		if err := writeAtomic(mdisk, 0o644, func(w io.Writer) error { _, err := w.Write(content); return err }); err != nil {
			return 0, fmt.Errorf("writing the list of copies %s: %w%s", mdisk, err, permissionHint(err))
		}
		res.Written = append(res.Written, mdisk)
	}
	return ch, nil
}

// stronger combines two changes: replaced wins over created, which wins
// over unchanged, since a replaced file needs the most commands.
func stronger(a, b change) change {
	rank := map[change]int{unchanged: 0, created: 1, replaced: 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// removeCopies deletes the copies the manifest lists whose content is still
// what Install copied, then the manifest. It returns whether a manifest was
// there.
func removeCopies(r resolved, res *Result) (bool, error) {
	if r.BinDir == "" {
		return false, nil
	}
	mdisk := onDisk(r.Root, r.manifestPath())
	if _, err := regularOrAbsent(mdisk); err != nil {
		return false, err
	}
	entries, err := readManifest(mdisk)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading the list of copies: %w; nothing was removed from %s", err, r.BinDir)
	}
	// A list in a folder others can change may be theirs: nothing on it
	// is removed.
	if err := safeFolder(onDisk(r.Root, r.BinDir)); err != nil {
		return true, fmt.Errorf("%w; nothing was removed, as the list of copies there could have been written by someone else", err)
	}
	ours := map[string]bool{}
	for _, base := range []string{"supervisor", "updater"} {
		ours[joinFor(r.Target, r.BinDir, programName(r.Target, base))] = true
	}
	for _, e := range entries {
		if !ours[e.path] {
			// Install lists only the two programs it copies into the
			// folder; a list naming anything else was edited, and
			// removing that file (as root) is what its editor wants.
			res.Notes = append(res.Notes, fmt.Sprintf("Left %s: the list of copies names it, but supervisor install copies only the supervisor and the updater into %s, so the list was edited.", e.path, r.BinDir))
			continue
		}
		disk := onDisk(r.Root, e.path)
		fi, err := regularOrAbsent(disk)
		if err != nil {
			res.Notes = append(res.Notes, fmt.Sprintf("Left %s: %v", disk, err))
			continue
		}
		if fi == nil {
			res.Notes = append(res.Notes, fmt.Sprintf("Nothing to remove at %s: it does not exist.", disk))
			continue
		}
		if sum, err := fileSum(disk); err != nil || sum != e.sum {
			res.Notes = append(res.Notes, fmt.Sprintf("Left %s: it changed since supervisor install copied it there, so it is no longer ours to remove.", disk))
			continue
		}
		if runtime.GOOS == "windows" && isRunningProgram(fi) {
			// Windows cannot delete a program while it runs.
			res.Notes = append(res.Notes, fmt.Sprintf("Left %s: it is the program running this uninstall, which Windows cannot delete; delete it once this command has ended.", disk))
			continue
		}
		if err := os.Remove(disk); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return true, fmt.Errorf("removing %s: %w%s", disk, err, permissionHint(err))
		}
		res.Removed = append(res.Removed, disk)
	}
	if err := os.Remove(mdisk); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return true, fmt.Errorf("removing %s: %w%s", mdisk, err, permissionHint(err))
	}
	res.Removed = append(res.Removed, mdisk)
	return true, nil
}

// isRunningProgram reports whether fi is this process's own executable.
func isRunningProgram(fi fs.FileInfo) bool {
	exe, err := os.Executable()
	if err != nil {
		return false
	}
	self, err := os.Stat(exe)
	return err == nil && os.SameFile(self, fi)
}

// writeAtomic writes a file through a temporary file in the same folder,
// synced and renamed into place, so a crash leaves the old file or the new
// one, never half of either; rename replaces a link itself, never its target.
func writeAtomic(disk string, mode os.FileMode, fill func(io.Writer) error) error {
	dir := filepath.Dir(disk)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating the folder %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(disk)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename this finds nothing
	err = fill(tmp)
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), disk)
	}
	if err == nil && runtime.GOOS != "windows" {
		// The rename itself is durable only once the folder is synced.
		if d, derr := os.Open(dir); derr == nil {
			d.Sync()
			d.Close()
		}
	}
	return err
}

// temporaryReason says why a path is a poor home for the program a startup
// entry runs (a temporary folder, the Go build cache, a `go run` folder), or
// returns "".
func temporaryReason(r resolved, p string) string {
	norm := func(s string) string {
		if r.Target.windowsTarget() {
			return strings.ToLower(strings.ReplaceAll(s, "/", `\`))
		}
		return path.Clean(s)
	}
	sep := "/"
	if r.Target.windowsTarget() {
		sep = `\`
	}
	under := func(dir string) bool {
		if dir == "" {
			return false
		}
		d, q := strings.TrimSuffix(norm(dir), sep), norm(p)
		return d != "" && strings.HasPrefix(q, d+sep)
	}
	for _, elem := range strings.FieldsFunc(p, func(c rune) bool { return c == '/' || c == '\\' }) {
		if strings.HasPrefix(elem, "go-build") {
			return "is in a Go build folder (go run, or the build cache), which Go deletes or reuses"
		}
	}
	if under(r.Getenv("GOCACHE")) {
		return "is in the Go build cache ($GOCACHE), which Go trims"
	}
	var temps []string
	if r.Target.windowsTarget() {
		temps = []string{r.Getenv("TEMP"), r.Getenv("TMP"), `C:\Windows\Temp`}
		if la := r.Getenv("LOCALAPPDATA"); la != "" {
			temps = append(temps, winJoin(la, "Temp"))
		}
	} else {
		temps = []string{"/tmp", "/var/tmp", "/dev/shm", "/private/tmp", "/private/var/tmp", "/var/folders", "/private/var/folders", r.Getenv("TMPDIR")}
	}
	if runtime.GOOS != "windows" && !r.Target.windowsTarget() && r.Root == "" {
		temps = append(temps, os.TempDir())
	}
	for _, d := range temps {
		if under(d) {
			return fmt.Sprintf("is in the temporary folder %s, which is cleaned at boot or after some days", d)
		}
	}
	return ""
}
