// Package install makes the supervisor the one startup entry of a machine or a
// user: a systemd unit, a launchd property list, a Windows Task Scheduler task
// or a Windows Startup-folder launcher.
//
// The package only generates files and runs (or prints) the service manager's
// own commands; it imports none of this project's packages, so cmd/supervisor
// decides which binary, config and target to pass.
//
// The rules every target follows:
//   - Generate is pure: the same Options give the same bytes (no timestamps, no
//     host lookups beyond Options.Getenv), so golden files and --print work on
//     any operating system for any target.
//   - Every path written into a file is absolute, so the entry works no matter
//     which folder the service manager starts it from.
//   - Install is idempotent: a second run with the same Options writes nothing
//     and reports the files as Unchanged.
//   - Uninstall removes only files that carry the marker line Install writes,
//     so a hand-written file that happens to share the name is never deleted.
package install

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// Target names a kind of startup entry. The names are the values of
// `supervisor install --target` and are fixed by the design's contracts.
type Target string

// The supported targets.
const (
	// Systemd is a system unit in /etc/systemd/system, started at boot (needs root).
	Systemd Target = "systemd"
	// SystemdUser is a user unit in ~/.config/systemd/user, started with the
	// user's service manager (at login, or at boot with lingering enabled).
	SystemdUser Target = "systemd-user"
	// Launchd is a LaunchAgent (Options.User) or a LaunchDaemon (system) on macOS.
	Launchd Target = "launchd"
	// WindowsTask is a Task Scheduler task with a logon (Options.User) or boot trigger.
	WindowsTask Target = "windows-task"
	// WindowsStartup is a launcher in the user's Startup folder: the fallback
	// when Task Scheduler is not available to the user (policy, no rights).
	WindowsStartup Target = "windows-startup"
	// WindowsService is a Windows service (needs an administrator), started
	// automatically (delayed) at boot, restarted by the service manager if
	// the supervisor itself dies; see service.go.
	WindowsService Target = "windows-service"
)

// Targets lists every supported target in the order `--help` should show them.
func Targets() []Target {
	return []Target{Systemd, SystemdUser, Launchd, WindowsService, WindowsTask, WindowsStartup}
}

// ParseTarget checks a --target value and names the accepted ones when it is wrong.
func ParseTarget(s string) (Target, error) {
	for _, t := range Targets() {
		if string(t) == s {
			return t, nil
		}
	}
	names := make([]string, 0, len(Targets()))
	for _, t := range Targets() {
		names = append(names, string(t))
	}
	return "", fmt.Errorf("unknown install target %q: use one of %s", s, strings.Join(names, ", "))
}

// DefaultTarget picks the target for an operating system (a GOOS value) and
// for whether the caller runs elevated (root, or an elevated Windows token).
// It returns "" for an operating system no target supports, so the caller can
// ask for an explicit --target.
//
// Windows uses the service as an administrator (it runs without anyone
// logged on, has no console, and the service manager restarts the
// supervisor itself if it dies), and a task for a standard user, who may
// register a task that runs as themselves; a task (unlike the Startup
// folder) can wait for the network to settle and runs without a console
// window. The caller should set Options.User to !elevated so launchd and
// windows-task pick the matching kind.
func DefaultTarget(goos string, elevated bool) Target {
	switch goos {
	case "linux":
		if elevated {
			return Systemd
		}
		return SystemdUser
	case "darwin":
		return Launchd
	case "windows":
		if elevated {
			return WindowsService
		}
		return WindowsTask
	}
	return ""
}

// DefaultName is the unit, label and task name when Options.Name is empty.
const DefaultName = "ddns-supervisor"

// DefaultStopTimeout mirrors the supervisor's default stop_timeout; the service
// manager's own stop timeout is set beyond it (see Options.StopTimeout).
const DefaultStopTimeout = 10 * time.Second

// Options says what to install and where. Only Target and Binary are required.
type Options struct {
	// Target is the kind of startup entry.
	Target Target
	// Binary is the supervisor binary. A relative path is made absolute; Install
	// fails when it does not exist (Generate does not check, so --print works
	// before the binary is in place). For Windows targets it must be a Windows
	// path ("C:\..."), also when generating on another system.
	Binary string
	// CopyFrom, when set, is the supervisor binary to copy (a path on this
	// host): Install copies it, and UpdaterFrom, into BinDir and the entry
	// runs the copy; Binary must then be empty (resolve sets it to the
	// copy's path). See copy.go for the rules.
	CopyFrom string
	// UpdaterFrom is the updater binary copied beside the supervisor, where
	// the supervisor looks for it. Empty copies none (a config whose
	// [supervisor] command names its own updater).
	UpdaterFrom string
	// BinDir is the folder the copies go to; default DefaultBinDir.
	BinDir string
	// AllowTemporary lets the entry run a program in a temporary or Go
	// build folder: a Binary there, or copies into a BinDir there. Without
	// it Install refuses, since the entry would break when that folder is
	// cleaned. Copying from such a folder is always fine.
	AllowTemporary bool
	// Config is the config file passed as `run --config PATH`. Empty leaves the
	// flag out, so the supervisor uses its own lookup order.
	Config string
	// User selects the user-level entry (LaunchAgent, logon trigger) over the
	// system one (LaunchDaemon, boot trigger). systemd-user and windows-startup
	// are always per user and systemd always system-wide, whatever User says.
	User bool
	// StateDir is the folder the updater writes its state to. The system unit's
	// hardening makes the file system read-only, so this folder is listed in
	// ReadWritePaths and Install creates it when missing. Empty means the unit's
	// own StateDirectory (/var/lib/ddns). Other targets restrict no writes and
	// ignore it.
	StateDir string
	// Name is the unit name, launchd label and task name (default DefaultName).
	// Letters, digits, '.', '_' and '-' only, since it ends up in file names.
	Name string
	// StopTimeout is the supervisor's stop_timeout. The service manager waits
	// 10 s longer before it kills everything, so the supervisor always gets to
	// stop its child itself. Default DefaultStopTimeout.
	StopTimeout time.Duration
	// Enable makes Install also register, enable and start the entry (systemctl
	// enable --now, launchctl bootstrap, schtasks /Create and /Run). Without it
	// Install only writes the files and returns the commands to run in
	// Result.Commands. Uninstall always stops the entry first, Enable or not,
	// because removing the files of a running service leaves it orphaned.
	Enable bool
	// Root is a test hook: when set, every path read or written on disk
	// (including the check that Binary exists) is taken below Root, so tests
	// install into a temporary folder. Generated content and commands still
	// name the real paths.
	Root string
	// Run is a test hook that runs an external command (systemctl, launchctl,
	// schtasks, wscript). The default runs it and puts its output into the error.
	Run func(name string, args ...string) error
	// Getenv is a test hook for the environment variables that locate the user's
	// folders (HOME, XDG_CONFIG_HOME, APPDATA, LOCALAPPDATA, ProgramData,
	// USERNAME, USERDOMAIN). Default os.Getenv.
	Getenv func(key string) string
}

// File is one file a target consists of.
type File struct {
	// Path is the absolute path on the target system (without Options.Root).
	Path string
	// Mode is the file's permission bits.
	Mode os.FileMode
	// Content is the exact bytes written: UTF-16 LE with a byte-order mark for
	// the Windows task XML and the .vbs launcher (see Text), UTF-8 otherwise.
	Content []byte
}

// Text is the content as UTF-8 for a person to read (--print): files written
// as UTF-16 are decoded, others returned as they are.
func (f File) Text() string {
	if s, ok := decodeUTF16(f.Content); ok {
		return s
	}
	return string(f.Content)
}

// Result reports what Install or Uninstall did.
type Result struct {
	// Written are the files created or replaced, Removed the files deleted, and
	// Unchanged the files that already had the right content. Paths include
	// Options.Root, so they are the paths actually touched.
	Written, Removed, Unchanged []string
	// Commands are the external commands run (Enable, or Uninstall) or, when
	// Install was not asked to enable, the commands the user should run, in order.
	Commands [][]string
	// Notes are sentences for the user: what was skipped and why, which
	// commands failed harmlessly, what is left behind on purpose.
	Notes []string
}
