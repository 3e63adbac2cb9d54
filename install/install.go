package install

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Install writes the target's files and then either runs the commands that
// register, enable and start the entry (Options.Enable) or returns them in
// Result.Commands for the user to run. Running it twice with the same Options
// writes nothing the second time and lists the files as Unchanged.
//
// It refuses to overwrite a file at the target path that Install did not write,
// and fails when Options.Binary does not exist: an entry pointing at a missing
// program would fail at every boot.
func Install(o Options) (Result, error) {
	var res Result
	r, p, err := planOf(o)
	if err != nil {
		return res, err
	}
	if !r.AllowTemporary {
		// The program the entry runs: the binary as it is, or the copy.
		if why := temporaryReason(r, r.Binary); why != "" && r.CopyFrom == "" {
			return res, fmt.Errorf("the supervisor binary %s %s: a startup entry pointing there stops working when it is gone. Install without --binary (or --no-copy) to copy it to %s, or pass --allow-temporary-binary if you mean it", r.Binary, why, binDirHint(r))
		} else if why != "" {
			return res, fmt.Errorf("the folder to copy into, %s, %s: a startup entry pointing there stops working when it is gone. Leave out --bin-dir to copy to the usual folder, or pass --allow-temporary-binary if you mean it", r.BinDir, strings.TrimPrefix(why, "is in "))
		}
	}
	copied, err := copyBinaries(r, &res)
	if err != nil {
		return res, err
	}
	if err := checkBinary(r); err != nil {
		return res, err
	}
	if r.CopyFrom == "" {
		// --binary runs a program where it is: said, not refused (it is
		// the installer's explicit choice), when others could swap it.
		if err := safeFolder(filepath.Dir(onDisk(r.Root, r.Binary))); err != nil {
			res.Notes = append(res.Notes, fmt.Sprintf("Careful: %v, and the startup entry runs %s from there. Install without --binary to copy it to %s.", err, r.Binary, binDirHint(r)))
		}
	}
	if r.Target == WindowsService {
		// No files: the service manager holds the registration.
		sres, err := installService(r)
		sres.Written = append(res.Written, sres.Written...)
		sres.Unchanged = append(res.Unchanged, sres.Unchanged...)
		return sres, err
	}
	if r.Config != "" {
		if _, err := os.Stat(onDisk(r.Root, r.Config)); err != nil {
			res.Notes = append(res.Notes, fmt.Sprintf("The config file %s does not exist yet; the supervisor will report that until it does.", r.Config))
		}
	}
	if r.Target == Systemd && r.StateDir != "" {
		note, err := ensureStateDir(r)
		if err != nil {
			return res, err
		}
		if note != "" {
			res.Notes = append(res.Notes, note)
		}
	}

	ch := copied
	for _, f := range p.files {
		fc, err := writeFile(r, f)
		if err != nil {
			return res, err
		}
		disk := onDisk(r.Root, f.Path)
		switch fc {
		case unchanged:
			res.Unchanged = append(res.Unchanged, disk)
		case replaced:
			res.Written = append(res.Written, disk)
			ch = replaced
		case created:
			res.Written = append(res.Written, disk)
			ch = stronger(ch, created)
		}
	}
	if ch == unchanged && len(res.Written) == 0 {
		res.Notes = append(res.Notes, "Already installed: every file has the right content, nothing was written.")
	}
	res.Notes = append(res.Notes, p.installNotes...)

	steps := p.activate(ch)
	if !r.Enable {
		for _, s := range steps {
			res.Commands = append(res.Commands, s.args)
		}
		if len(steps) > 0 {
			res.Notes = append(res.Notes, "Not enabled: run the listed commands to register and start it, or install again with --enable.")
		}
		return res, nil
	}
	if err := runSteps(r, steps, &res); err != nil {
		return res, fmt.Errorf("%w; the files are in place: fix the cause and install again", err)
	}
	return res, nil
}

// Uninstall stops and unregisters the entry, then removes the files Install
// wrote and nothing else: a file at the target path without Install's marker
// is left alone and reported as an error, before anything is stopped. Stop
// commands that fail because the entry was not running are only noted.
func Uninstall(o Options) (Result, error) {
	var res Result
	r, p, err := planOf(o)
	if err != nil {
		return res, err
	}
	if r.Target == WindowsService {
		res, err := uninstallService(r)
		if err == nil {
			_, err = removeCopies(r, &res)
		}
		return res, err
	}
	var ours []string
	for _, f := range p.files {
		disk := onDisk(r.Root, f.Path)
		old, err := os.ReadFile(disk)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			res.Notes = append(res.Notes, fmt.Sprintf("Nothing to remove at %s: it does not exist.", disk))
		case err != nil:
			return res, fmt.Errorf("reading %s to check it is ours: %w", disk, err)
		case !carriesMarker(old):
			return res, fmt.Errorf("%s was not written by supervisor install (it lacks the line %q), so uninstall leaves it alone; remove it yourself if it should go", disk, marker)
		default:
			ours = append(ours, disk)
		}
	}
	if len(ours) == 0 {
		_, err := removeCopies(r, &res)
		return res, err
	}
	if err := runSteps(r, p.deactivate, &res); err != nil {
		return res, fmt.Errorf("%w; nothing was removed", err)
	}
	for _, disk := range ours {
		if err := os.Remove(disk); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return res, fmt.Errorf("removing %s: %w%s", disk, err, permissionHint(err))
		}
		res.Removed = append(res.Removed, disk)
	}
	if _, err := removeCopies(r, &res); err != nil {
		return res, err
	}
	if err := runSteps(r, p.cleanup, &res); err != nil {
		return res, err
	}
	res.Notes = append(res.Notes, p.uninstallNotes...)
	return res, nil
}

// carriesMarker reports whether file content carries Install's marker.
func carriesMarker(content []byte) bool {
	s, ok := decodeUTF16(content)
	if !ok {
		s = string(content)
	}
	return strings.Contains(s, marker)
}

// binDirHint names the folder copies go to, for a message.
func binDirHint(r resolved) string {
	if r.BinDir != "" {
		return r.BinDir
	}
	if d, err := defaultBinDir(r); err == nil {
		return d
	}
	return "the conventional program folder"
}

func checkBinary(r resolved) error {
	disk := onDisk(r.Root, r.Binary)
	fi, err := os.Stat(disk)
	if err != nil {
		return fmt.Errorf("the supervisor binary %s cannot be used: %w; install the binary first, or pass its path", disk, err)
	}
	if fi.IsDir() {
		return fmt.Errorf("the supervisor binary %s is a folder, not a program", disk)
	}
	return nil
}

// ensureStateDir creates the state folder the system unit keeps writable:
// under ProtectSystem=strict the updater could not create it itself.
func ensureStateDir(r resolved) (string, error) {
	disk := onDisk(r.Root, r.StateDir)
	if fi, err := os.Stat(disk); err == nil {
		if !fi.IsDir() {
			return "", fmt.Errorf("the state folder %s is a file, not a folder", disk)
		}
		return "", nil
	}
	if err := os.MkdirAll(disk, 0o700); err != nil {
		return "", fmt.Errorf("creating the state folder %s: %w%s", disk, err, permissionHint(err))
	}
	return fmt.Sprintf("Created the state folder %s (uninstall keeps it: it holds the updater's state).", disk), nil
}

// writeFile puts one file in place atomically (a temporary file renamed over
// the old one, so a crash never leaves half a unit) and says what it found.
func writeFile(r resolved, f File) (change, error) {
	disk := onDisk(r.Root, f.Path)
	old, err := os.ReadFile(disk)
	fc := created
	switch {
	case err == nil:
		if !carriesMarker(old) {
			return 0, fmt.Errorf("%s already exists and was not written by supervisor install; move it away or install under another --name", disk)
		}
		if bytes.Equal(old, f.Content) {
			if runtime.GOOS == "windows" {
				return unchanged, nil
			}
			fi, err := os.Stat(disk)
			if err != nil {
				return 0, fmt.Errorf("checking %s: %w", disk, err)
			}
			if fi.Mode().Perm() == f.Mode.Perm() {
				return unchanged, nil
			}
		}
		fc = replaced
	case !errors.Is(err, fs.ErrNotExist):
		return 0, fmt.Errorf("reading %s: %w%s", disk, err, permissionHint(err))
	}
	dir := filepath.Dir(disk)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, fmt.Errorf("creating the folder %s: %w%s", dir, err, permissionHint(err))
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(disk)+".*.tmp")
	if err != nil {
		return 0, fmt.Errorf("writing into %s: %w%s", dir, err, permissionHint(err))
	}
	defer os.Remove(tmp.Name()) // after a successful rename this finds nothing
	_, err = tmp.Write(f.Content)
	if err == nil {
		err = tmp.Chmod(f.Mode.Perm())
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
	if err != nil {
		return 0, fmt.Errorf("writing %s: %w%s", disk, err, permissionHint(err))
	}
	return fc, nil
}

func permissionHint(err error) string {
	if errors.Is(err, fs.ErrPermission) {
		return " (a system-wide target needs root or an elevated prompt; a per-user target does not)"
	}
	return ""
}

// runSteps runs commands in order. A tolerated failure becomes a note; any
// other failure stops the sequence.
func runSteps(r resolved, steps []step, res *Result) error {
	for _, s := range steps {
		res.Commands = append(res.Commands, s.args)
		err := r.Run(s.args[0], s.args[1:]...)
		if err == nil {
			continue
		}
		if s.tolerate != "" {
			res.Notes = append(res.Notes, fmt.Sprintf("`%s` failed, which is expected when %s: %v", FormatCommand(r.Target, s.args), s.tolerate, err))
			continue
		}
		return fmt.Errorf("running `%s`: %w", FormatCommand(r.Target, s.args), err)
	}
	return nil
}

// runCommand is the default Options.Run: the command's output goes into the
// error, since that is where systemctl and schtasks say what went wrong.
func runCommand(name string, args ...string) error {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err == nil {
		return nil
	}
	msg := strings.TrimSpace(string(out))
	if len(msg) > 500 {
		msg = msg[:500] + "..."
	}
	if msg == "" {
		return err
	}
	return fmt.Errorf("%w: %s", err, msg)
}

// FormatCommand renders a command for a person to copy into a shell of the
// target's system: POSIX quoting, or Windows quoting for Windows targets.
func FormatCommand(t Target, args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		switch {
		case t.windowsTarget():
			out[i] = winQuoteIfNeeded(a)
		case a != "" && !strings.ContainsFunc(a, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+=:@,%", r))
		}):
			out[i] = a
		default:
			out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(out, " ")
}
