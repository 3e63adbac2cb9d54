package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/ddnsd/ddns/clidoc"
	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/install"
)

var installCommand = &clidoc.Command{
	Name:       "install",
	Summary:    "make the system start the supervisor at boot or logon",
	Flags:      flagsOf(func(args []string, stdout, stderr io.Writer) int { return cmdInstall(args, stdout, stderr, false) }),
	FlagValues: map[string][]string{"target": targetNames()},
	Help: "Write the startup entry that runs `supervisor run` on this config: a systemd unit (system-wide as " +
		"root, a user unit otherwise), a launchd agent or daemon on macOS, and on Windows a service (as an " +
		"administrator), a scheduled task or a Startup-folder entry. Installing twice changes nothing; a file " +
		"that install did not write is never overwritten.\n\n" +
		"It first copies this supervisor and the updater beside it to the conventional folder, and the entry " +
		"runs the copy, so the build or download folder can go: /usr/local/bin for systemd and a LaunchDaemon " +
		"(root), ~/.local/bin for systemd-user and a LaunchAgent (a user), %ProgramFiles%\\ddns for the Windows " +
		"service and a system task, %LOCALAPPDATA%\\Programs\\ddns for a user's task or Startup entry. A file " +
		"there that install did not copy is never overwritten, a symbolic link there never followed. A program " +
		"in a temporary or Go build folder is refused as the entry's program unless --allow-temporary-binary.\n\n" +
		"Without --enable it prints the commands that enable and start the entry; with it, it runs them. " +
		"--print changes nothing: the entry's file goes to stdout as it would be installed (for windows-service, " +
		"the sc.exe commands), where it goes and the commands to run after go to stderr, so --print > FILE saves " +
		"a usable file. Under systemd the unit is " +
		"Type=notify: the supervisor reports ready once its socket serves, even while the updater waits for " +
		"the network.",
	Examples: []clidoc.Example{
		{Args: "install --print", Says: "See the unit (or plist, or task) install would write, and the commands it would run."},
		{Args: "install --enable --config /etc/ddns/config.toml", Says: "Install for this config and start it now."},
		{Args: "install --target systemd-user", Says: "Install a user unit, which runs while you are logged in (or always, with loginctl enable-linger)."},
	},
	Exits: installExits,
}

var uninstallCommand = &clidoc.Command{
	Name:       "uninstall",
	Summary:    "remove the startup entry that install wrote",
	Flags:      flagsOf(func(args []string, stdout, stderr io.Writer) int { return cmdInstall(args, stdout, stderr, true) }),
	FlagValues: map[string][]string{"target": targetNames()},
	Help: "Stop and remove exactly what `supervisor install` wrote for the target (give the same --target and " +
		"--name as at install). A file install did not write is left alone. --print changes nothing and prints " +
		"what would be removed and run. The copies install made (listed in .NAME.installed in their folder) are " +
		"removed if they are unchanged, nothing else. The config and the state files stay.",
	Examples: []clidoc.Example{
		{Args: "uninstall", Says: "Remove the entry for this system's default target."},
		{Args: "uninstall --target windows-task --print", Says: "See what removing the scheduled task would do."},
	},
	Exits: installExits,
}

var installExits = []clidoc.Exit{
	{Code: 0, Means: "Done (or printed, with --print)."},
	{Code: 1, Means: "A step failed: a file could not be written, or a command (systemctl, launchctl, sc.exe, schtasks) failed."},
	{Code: 2, Means: "A usage error, an unknown target, or no target for this system."},
}

// targetNames lists the install targets, for completion.
func targetNames() []string {
	var out []string
	for _, t := range install.Targets() {
		out = append(out, string(t))
	}
	return out
}

func cmdInstall(args []string, stdout, stderr io.Writer, remove bool) int {
	name := "install"
	if remove {
		name = "uninstall"
	}
	fs := newFlags(name, stderr)
	print := fs.Bool("print", false, "Change nothing: print the file that would be written to stdout, and where it goes and the commands that would run to stderr.")
	target := fs.String("target", "", "Install as `TARGET`: systemd, systemd-user, launchd, windows-service, windows-task or windows-startup. "+
		"Without it: systemd as root and systemd-user otherwise on Linux, launchd on macOS, windows-service as an administrator and windows-task otherwise on Windows.")
	config := fs.String("config", "", "Make the installed supervisor run on the config file at `PATH` (made absolute). Without it, the file the lookup order finds now.")
	enable := fs.Bool("enable", false, "Also register, enable and start the entry now, instead of printing the commands that would (uninstall stops the entry first with or without it).")
	binary := fs.String("binary", "", "Make the entry run the supervisor binary at `PATH` where it is, instead of copying one.")
	noCopy := fs.Bool("no-copy", false, "Make the entry run this supervisor binary where it is, instead of copying it.")
	binDir := fs.String("bin-dir", "", "Copy the binaries into the folder `DIR` instead of the conventional one; give uninstall the same.")
	allowTemp := fs.Bool("allow-temporary-binary", false, "Let the entry run a program in a temporary or Go build folder (with --binary, --no-copy or a --bin-dir there).")
	unitName := fs.String("name", install.DefaultName, "Name the systemd unit, launchd label, service or task `NAME`.")
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
