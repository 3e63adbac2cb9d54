//go:build !windows

package ipc

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// serverUID is the uid whose clients may send every command.
func serverUID() int { return os.Geteuid() }

// prepareDir makes sure the socket's folder exists and keeps other users out.
//
// A missing folder is created with dirMode (os.Mkdir, so a folder another
// user creates at the same moment is inspected, never adopted). An existing
// folder is looked at with Lstat, so a symlink planted in its place is seen
// as one. It is tightened to dirMode only when it is ours and dedicated to
// us: its name starts with "ddns", as every default path's does. A shared
// folder a user chose (/tmp, /run, a home folder) is left alone, because
// narrowing it would break other programs; the socket's own mode then
// protects it. A dedicated folder owned by another ordinary user is refused
// (whoever owns it could swap our socket or plant links in it), and so is a
// symlink of such a user and a folder others may write that has no sticky bit.
func prepareDir(dir string, dirMode fs.FileMode) (note string, err error) {
	fi, created, err := lstatOrCreate(dir, dirMode)
	if err != nil {
		return "", err
	}
	if created {
		return "", nil
	}
	fi, err = checkDir(dir, fi)
	if err != nil {
		return "", err
	}
	me := os.Geteuid()
	owner := fileOwner(fi)
	dedicated := strings.HasPrefix(filepath.Base(dir), "ddns")
	if !dedicated {
		if dirMode&0o011 != 0 && owner == me && fi.Mode().Perm()&0o011 == 0 {
			return fmt.Sprintf("socket folder %s is shared and has mode %o, so other users cannot reach the socket although status_for_any_user is on; leaving its mode alone", dir, fi.Mode().Perm()), nil
		}
		return fmt.Sprintf("socket folder %s is shared (mode %o); leaving its mode alone", dir, fi.Mode().Perm()), nil
	}
	if owner == me && fi.Mode().Perm() != dirMode {
		if err := os.Chmod(dir, dirMode); err != nil {
			return "", fmt.Errorf("cannot tighten the socket folder %s to mode %o: %w", dir, dirMode, err)
		}
		return fmt.Sprintf("socket folder %s had mode %o; set it to %o", dir, fi.Mode().Perm(), dirMode), nil
	}
	return "", nil
}

// lstatOrCreate returns the folder's Lstat, or creates it with exactly mode
// when it is missing (created is then true). Missing parents are created
// with the same mode (so that with 0711 other users can still reach the
// socket); only the last component is ours to guard.
func lstatOrCreate(dir string, mode fs.FileMode) (fi fs.FileInfo, created bool, err error) {
	fi, err = os.Lstat(dir)
	if err == nil {
		return fi, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, fmt.Errorf("cannot inspect the socket folder %s: %w", dir, err)
	}
	if err := os.MkdirAll(filepath.Dir(dir), mode); err != nil {
		return nil, false, fmt.Errorf("cannot create the socket folder %s: %w", dir, err)
	}
	if err := os.Mkdir(dir, mode); err != nil {
		if errors.Is(err, fs.ErrExist) {
			// Someone made it between our Lstat and our Mkdir: inspect theirs.
			fi, err = os.Lstat(dir)
			if err != nil {
				return nil, false, fmt.Errorf("cannot inspect the socket folder %s: %w", dir, err)
			}
			return fi, false, nil
		}
		return nil, false, fmt.Errorf("cannot create the socket folder %s: %w", dir, err)
	}
	// Mkdir's mode is filtered by the umask; set it exactly.
	if err := os.Chmod(dir, mode); err != nil {
		return nil, false, fmt.Errorf("cannot set mode %o on the socket folder %s: %w", mode, dir, err)
	}
	return nil, true, nil
}

// checkDir applies the rules every folder we create files in must pass,
// given its Lstat. It returns the folder's own FileInfo (the target's, for a
// symlink we or root own, such as macOS's /var -> private/var).
func checkDir(dir string, fi fs.FileInfo) (fs.FileInfo, error) {
	me := os.Geteuid()
	if fi.Mode()&fs.ModeSymlink != 0 {
		if o := fileOwner(fi); o != me && o != 0 && o != -1 {
			return nil, fmt.Errorf("the socket folder %s is a symlink made by uid %d, not by you (uid %d): remove it or choose another socket path", dir, o, me)
		}
		var err error
		if fi, err = os.Stat(dir); err != nil {
			return nil, fmt.Errorf("cannot inspect the socket folder %s: %w", dir, err)
		}
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("the socket folder %s is not a folder", dir)
	}
	owner := fileOwner(fi)
	dedicated := strings.HasPrefix(filepath.Base(dir), "ddns")
	if dedicated && owner != me && owner != 0 && owner != -1 {
		return nil, fmt.Errorf("the socket folder %s belongs to uid %d, not to you (uid %d): remove it or choose another socket path", dir, owner, me)
	}
	if owner != me && fi.Mode().Perm()&0o022 != 0 && fi.Mode()&fs.ModeSticky == 0 {
		return nil, fmt.Errorf("the socket folder %s (mode %o, owner uid %d) may be written by other users and has no sticky bit, so they could replace our files: choose another socket path", dir, fi.Mode().Perm(), owner)
	}
	return fi, nil
}

// checkFolderOf runs the folder rules for the folder of a file we are about
// to create, creating the folder (mode 0700) when it is missing.
func checkFolderOf(path string) error {
	dir := filepath.Dir(path)
	fi, created, err := lstatOrCreate(dir, 0o700)
	if err != nil || created {
		return err
	}
	_, err = checkDir(dir, fi)
	return err
}

// fileOwner is the uid owning fi; -1 where unknown.
func fileOwner(fi fs.FileInfo) int {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid)
	}
	return -1
}

// openOwnFile opens (creating when missing) a file of ours in a folder that
// passed checkDir, without following a symlink planted at path, and refuses
// a file that is not a regular file of our own with a single link: in a
// shared folder with a sticky bit another user may still plant a file or a
// hard link to a victim file, which we must neither truncate nor write.
func openOwnFile(path string, perm fs.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, perm)
	if err != nil {
		if errors.Is(err, unix.ELOOP) {
			return nil, fmt.Errorf("%s is a symlink: refusing to follow it (someone else may have planted it); remove it or choose another socket path", path)
		}
		return nil, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot inspect %s: %w", path, err)
	}
	me := os.Geteuid()
	switch {
	case st.Mode&unix.S_IFMT != unix.S_IFREG:
		f.Close()
		return nil, fmt.Errorf("%s is not a regular file: refusing to use it; remove it or choose another socket path", path)
	case int(st.Uid) != me:
		f.Close()
		return nil, fmt.Errorf("%s belongs to uid %d, not to you (uid %d): refusing to use it; remove it or choose another socket path", path, st.Uid, me)
	case st.Nlink != 1:
		f.Close()
		return nil, fmt.Errorf("%s has %d hard links: refusing to use it (it may be another file's link); remove it or choose another socket path", path, st.Nlink)
	}
	return f, nil
}

// chmodSocket sets the socket file's mode; connecting needs write permission.
func chmodSocket(path string, mode fs.FileMode) error {
	if err := os.Chmod(path, mode); err != nil {
		return fmt.Errorf("cannot set mode %o on the socket %s: %w", mode, path, err)
	}
	return nil
}

// checkDefaultSocket refuses to dial the default socket path (def) when its
// folder or the socket file belongs to another ordinary user. The default
// path is ours by construction (the uid is in its name, or it sits in our
// runtime folder), so another owner means another user got there first and
// may be posing as our supervisor: its status would be a lie, and our
// commands would go to it. A path given explicitly is dialled as asked
// (another user's supervisor may share its status on purpose).
func checkDefaultSocket(path, def string) error {
	if def == "" || filepath.Clean(path) != filepath.Clean(def) {
		return nil
	}
	me := os.Geteuid()
	for _, p := range []string{filepath.Dir(path), path} {
		fi, err := os.Lstat(p)
		if err != nil {
			return nil // missing: the dial says so
		}
		if o := fileOwner(fi); o != me && o != 0 && o != -1 {
			return fmt.Errorf("%s belongs to uid %d, not to you (uid %d): another user may be posing as your supervisor; remove it or pass --socket", p, o, me)
		}
	}
	return nil
}
