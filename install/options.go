package install

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// resolved is Options with defaults applied and paths checked, in the form
// every generator uses.
type resolved struct {
	Options
	user bool // the effective user/system choice for this target
}

// windowsTarget reports whether a target's paths are Windows paths.
func (t Target) windowsTarget() bool {
	return t == WindowsTask || t == WindowsStartup || t == WindowsService
}

// resolve applies defaults and validates; it touches no file.
func resolve(o Options) (resolved, error) {
	if _, err := ParseTarget(string(o.Target)); err != nil {
		return resolved{}, err
	}
	if o.Name == "" {
		o.Name = DefaultName
	}
	if !validName(o.Name) {
		return resolved{}, fmt.Errorf("install name %q is not usable as a unit, label and task name: use letters, digits, '.', '_' and '-' (at most 64, starting with a letter or digit)", o.Name)
	}
	if o.StopTimeout <= 0 {
		o.StopTimeout = DefaultStopTimeout
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Run == nil {
		o.Run = runCommand
	}
	var err error
	if o.CopyFrom != "" {
		if o.Binary != "" {
			return resolved{}, errors.New("install takes either a binary to copy or one to run as it is, not both")
		}
		if o.BinDir == "" {
			if o.BinDir, err = defaultBinDir(resolved{Options: o, user: effectiveUser(o)}); err != nil {
				return resolved{}, err
			}
		}
		if o.BinDir, err = absFor(o.Target, o.BinDir); err != nil {
			return resolved{}, fmt.Errorf("program folder: %w", err)
		}
		o.Binary = joinFor(o.Target, o.BinDir, programName(o.Target, "supervisor"))
	}
	if o.Binary == "" {
		return resolved{}, errors.New("install needs the supervisor binary's path, and none was given")
	}
	if o.BinDir == "" {
		// Uninstall looks for the list of copies there. Without a copy to
		// make, a missing variable is the target's own error to report.
		o.BinDir, _ = defaultBinDir(resolved{Options: o, user: effectiveUser(o)})
	} else if o.CopyFrom == "" {
		if o.BinDir, err = absFor(o.Target, o.BinDir); err != nil {
			return resolved{}, fmt.Errorf("program folder: %w", err)
		}
	}
	if o.Binary, err = absFor(o.Target, o.Binary); err != nil {
		return resolved{}, fmt.Errorf("supervisor binary: %w", err)
	}
	if o.Config != "" {
		if o.Config, err = absFor(o.Target, o.Config); err != nil {
			return resolved{}, fmt.Errorf("config file: %w", err)
		}
	}
	if o.StateDir != "" {
		if o.StateDir, err = absFor(o.Target, o.StateDir); err != nil {
			return resolved{}, fmt.Errorf("state folder: %w", err)
		}
	}
	return resolved{Options: o, user: effectiveUser(o)}, nil
}

// effectiveUser is the user/system choice a target actually makes.
func effectiveUser(o Options) bool {
	switch o.Target {
	case Systemd, WindowsService:
		return false
	case SystemdUser, WindowsStartup:
		return true
	}
	return o.User
}

func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case i > 0 && (c == '.' || c == '_' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// absFor makes p absolute in the path syntax of the target's system. Paths of
// another system than the host's must already be absolute: there is no
// current folder to resolve them against.
func absFor(t Target, p string) (string, error) {
	if strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", fmt.Errorf("path %q contains a control character (a line break or tab?), which no service manager file can carry", p)
	}
	hostWindows := runtime.GOOS == "windows"
	if t.windowsTarget() {
		if winAbs(p) {
			if hostWindows {
				return filepath.Clean(p), nil
			}
			return p, nil
		}
		if !hostWindows {
			return "", fmt.Errorf("path %q is not an absolute Windows path (like C:\\Program Files\\ddns\\supervisor.exe); a Windows target generated on another system needs one", p)
		}
	} else {
		if strings.HasPrefix(p, "/") {
			return path.Clean(p), nil
		}
		if hostWindows {
			return "", fmt.Errorf("path %q is not an absolute path (starting with /) for a %s target", p, t)
		}
	}
	a, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("making %q absolute: %w", p, err)
	}
	return a, nil
}

// winAbs reports whether p is an absolute Windows path: a drive letter and a
// separator, or a UNC path.
func winAbs(p string) bool {
	if len(p) >= 3 && isLetter(p[0]) && p[1] == ':' && (p[2] == '\\' || p[2] == '/') {
		return true
	}
	return strings.HasPrefix(p, `\\`)
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// winJoin joins Windows path elements whatever the host system is.
func winJoin(elem ...string) string {
	var b strings.Builder
	for i, e := range elem {
		if i > 0 {
			e = strings.TrimLeft(e, `\/`)
			if b.Len() > 0 && !strings.HasSuffix(b.String(), `\`) {
				b.WriteByte('\\')
			}
		}
		b.WriteString(strings.TrimRight(e, `\/`))
	}
	return b.String()
}

// winDir is the folder part of a Windows path, whatever the host system is.
func winDir(p string) string {
	i := strings.LastIndexAny(p, `\/`)
	if i < 0 {
		return p
	}
	if i == 2 && p[1] == ':' { // keep "C:\"
		return p[:3]
	}
	return p[:i]
}

// onDisk maps a target path to the path touched on this host, below root when
// the test hook is set. A drive letter becomes a folder ("C:\x" -> root/C/x),
// so Windows targets can be installed into a temporary folder on any system.
func onDisk(root, p string) string {
	if root == "" {
		return p
	}
	parts := []string{root}
	if len(p) >= 2 && isLetter(p[0]) && p[1] == ':' {
		parts = append(parts, p[:1])
		p = p[2:]
	}
	parts = append(parts, strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' })...)
	return filepath.Join(parts...)
}

// env reads a variable the target needs and says which one is missing.
func (r resolved) env(key, why string) (string, error) {
	v := r.Getenv(key)
	if v == "" {
		return "", fmt.Errorf("environment variable %s is not set, so the %s cannot be found; set it and try again", key, why)
	}
	return v, nil
}

// stopTimeoutSeconds is the service manager's stop timeout: the supervisor's
// own one plus a margin, in whole seconds rounded up.
func (r resolved) stopTimeoutSeconds() int {
	d := r.StopTimeout + 10*time.Second
	return int((d + time.Second - 1) / time.Second)
}
