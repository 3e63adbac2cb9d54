package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/install"
)

// installHelp is install's and uninstall's help text.
const installHelp = `usage: supervisor install   [flags]
       supervisor uninstall [flags]

install makes the supervisor the startup entry of this machine (as root or
an administrator) or of this user: a systemd unit, a launchd job, a Windows
service, scheduled task or Startup-folder launcher. It first copies this
supervisor and the updater beside it to the conventional folder, and the
entry runs the copy, so the build or download folder can go:
  /usr/local/bin              systemd, LaunchDaemon (root)
  ~/.local/bin                systemd-user, LaunchAgent (a user)
  %ProgramFiles%\ddns         windows-service, a system windows-task
  %LOCALAPPDATA%\Programs\ddns a user's windows-task or windows-startup
A file there that install did not copy is never overwritten, a symbolic link
there never followed. Installing the same version again changes nothing.

uninstall stops and removes the entry, then the copies install made (listed
in .NAME.installed in their folder) if they are unchanged, nothing else.

--print writes the entry's file to stdout as it would be installed (for
windows-service, the sc.exe commands); where it goes and the commands to
run after go to stderr, so "--print > FILE" saves a usable file.

flags:
`

func cmdInstall(args []string, stdout, stderr io.Writer, remove bool) int {
	name := "install"
	if remove {
		name = "uninstall"
	}
	fs := newFlags(name, stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), installHelp)
		fs.PrintDefaults()
	}
	print := fs.Bool("print", false, "print the file it would write on stdout, where and what else on stderr; change nothing")
	target := fs.String("target", "", "systemd, systemd-user, launchd, windows-service, windows-task or windows-startup (default: from the OS and privileges)")
	config := fs.String("config", "", "config file the installed supervisor uses (default: the lookup order's file)")
	enable := fs.Bool("enable", false, "also enable and start it now")
	binary := fs.String("binary", "", "run this supervisor binary where it is instead of copying one")
	noCopy := fs.Bool("no-copy", false, "run this supervisor binary where it is instead of copying it")
	binDir := fs.String("bin-dir", "", "folder to copy the binaries into (default: see above); give uninstall the same")
	allowTemp := fs.Bool("allow-temporary-binary", false, "let the entry run a program in a temporary or Go build folder (--binary, --no-copy or --bin-dir there)")
	unitName := fs.String("name", install.DefaultName, "unit, label or task name")
	if !fs.parse(args) {
		return 2
	}
	t := install.DefaultTarget(runtime.GOOS, elevated())
	if *target != "" {
		var err error
		if t, err = install.ParseTarget(*target); err != nil {
			fmt.Fprintf(stderr, "supervisor %s: %v\n", name, err)
			return 2
		}
	}
	if t == "" {
		fmt.Fprintf(stderr, "supervisor %s: no startup target for %s; pass --target\n", name, runtime.GOOS)
		return 2
	}
	if *binary != "" && *noCopy {
		fmt.Fprintf(stderr, "supervisor %s: --binary already runs the binary where it is; drop --no-copy\n", name)
		return 2
	}
	self, err := os.Executable()
	if err == nil {
		if real, rerr := filepath.EvalSymlinks(self); rerr == nil {
			self = real
		}
	} else if *binary == "" && !remove {
		fmt.Fprintf(stderr, "supervisor %s: cannot find this binary: %v\n", name, err)
		return 1
	}
	cfgPath := *config
	if cfgPath == "" {
		cfgPath = resolveConfigPath("")
	}
	// A Windows path cannot be made absolute on another system (--print for
	// a Windows machine); everywhere else the installed entry needs it absolute.
	if cfgPath != "" && (!strings.HasPrefix(string(t), "windows") || runtime.GOOS == "windows") {
		cfgPath, _ = filepath.Abs(cfgPath)
	}
	o := install.Options{Target: t, Config: cfgPath, User: !elevated(), Name: *unitName, Enable: *enable,
		BinDir: *binDir, AllowTemporary: *allowTemp}
	ownCommand := false
	if cfgPath != "" {
		if cfg, err := loadConfig(cfgPath); err == nil {
			o.StopTimeout = cfg.Supervisor.StopTimeout.Duration
			ownCommand = len(cfg.Supervisor.Command) > 0
		} else if !remove {
			fmt.Fprintf(stderr, "warning: the config does not load yet, the supervisor will wait for a valid one:\n%v\n", err)
		}
	}
	switch {
	case *binary != "":
		o.Binary = *binary
	case *noCopy || remove:
		o.Binary = self
	default:
		o.CopyFrom = self
		if !ownCommand {
			// Where the supervisor looks for its updater when the config
			// names no [supervisor] command.
			o.UpdaterFrom = filepath.Join(filepath.Dir(self), updaterName())
		}
	}
	if *print {
		var err error
		if remove {
			err = install.PrintUninstall(stdout, stderr, o)
		} else {
			err = install.PrintInstall(stdout, stderr, o, isTerminal(stdout))
		}
		if err != nil {
			fmt.Fprintf(stderr, "supervisor %s: %v\n", name, err)
			return 1
		}
		return 0
	}
	var res install.Result
	if remove {
		res, err = install.Uninstall(o)
	} else {
		res, err = install.Install(o)
	}
	for _, p := range res.Written {
		fmt.Fprintf(stdout, "wrote     %s\n", p)
	}
	for _, p := range res.Unchanged {
		fmt.Fprintf(stdout, "unchanged %s\n", p)
	}
	for _, p := range res.Removed {
		fmt.Fprintf(stdout, "removed   %s\n", p)
	}
	for _, n := range res.Notes {
		fmt.Fprintf(stdout, "note: %s\n", n)
	}
	if len(res.Commands) > 0 {
		verb := "ran"
		if !*enable && !remove {
			verb = "to enable and start it, run"
		}
		fmt.Fprintf(stdout, "%s:\n", verb)
		for _, c := range res.Commands {
			fmt.Fprintf(stdout, "  %s\n", install.FormatCommand(t, c))
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "supervisor %s: %v\n", name, err)
		return 1
	}
	if cfgPath == "" && !remove {
		fmt.Fprintf(stdout, "note: no config file found; the supervisor will run the embedded default until %s exists\n", configs.SystemConfigPath(nil))
	}
	return 0
}

// updaterName is the updater's file name, as the supervisor looks for it.
func updaterName() string {
	if runtime.GOOS == "windows" {
		return "updater.exe"
	}
	return "updater"
}

// isTerminal reports whether w is a terminal (a character device), where
// --print shows a UTF-16 file as text rather than as its raw bytes.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
