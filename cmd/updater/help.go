package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/ddnsd/ddns/clidoc"
	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/ipc"
)

// program is the updater's documentation table: `updater --help`, `updater
// help`, `updater man` and `updater completion` are rendered from it
// (package clidoc). Its Flags is the function run parses with.
var program = &clidoc.Program{
	Name:     "updater",
	Summary:  "keep DNS records pointed at this machine's public addresses",
	Synopsis: []string{"[--config PATH] [--once] [--dry-run]"},
	Help: "The updater finds this machine's public IPv4 and IPv6 addresses (HTTP echo services, DNS questions, " +
		"local interfaces, the router over UPnP or NAT-PMP, or a command, checked against each other when the " +
		"config asks) and sets the A and AAAA records at your DNS provider when they differ. A state file " +
		"remembers what each record holds, so a restart costs no API call.\n\n" +
		"Without --once it runs until stopped: a pass at start and every [updater] interval, a pass at once on " +
		"SIGHUP (`supervisor update-now`), and, with an interface or router source and [updater] " +
		"watch_interfaces on, a pass within moments of an address change. SIGTERM or SIGINT lets the provider " +
		"calls in flight finish, saves the state and exits 0. It is the supervisor's child, but runs as well on " +
		"its own, from cron (--once) or under systemd (Type=notify).\n\n" +
		"The exit code says what went wrong, and the supervisor acts on each code (see the exit status). Only one updater " +
		"runs on a state file: a second exits 1 at once, naming the holder's pid.",
	Flags: func(fs *flag.FlagSet) { defineFlags(fs) },
	Commands: []*clidoc.Command{
		{
			Name: "help", Summary: "print this help",
			Help:  "Print the updater's help to standard output and exit 0, as `updater --help` does.",
			Exits: []clidoc.Exit{{Code: 0, Means: "The help was printed."}},
		},
		{
			Name: "version", Summary: "print the updater's version",
			Help:  "Print the version this binary was built as, as `updater --version` does.",
			Exits: []clidoc.Exit{{Code: 0, Means: "The version was printed."}},
		},
		{
			Name: "man", Summary: "print the updater's man page (roff, section 1)",
			Flags: func(fs *flag.FlagSet) { nameFlag(fs, "page") },
			Help:  "Print the manual page, generated from the same text as the help, to standard output; read it with `updater man | man -l -`. Packages install it as section 1.",
			Exits: []clidoc.Exit{{Code: 0, Means: "The page was printed."}, {Code: 2, Means: "A usage error."}},
		},
		{
			Name: "completion", Args: "bash|zsh|fish|powershell", Summary: "print a shell completion script",
			ArgValues: clidoc.Shells,
			Flags:     func(fs *flag.FlagSet) { nameFlag(fs, "script") },
			Help:      "Print a script that teaches the shell to complete the updater's flags and file names; its first lines say where to save it.",
			Exits:     []clidoc.Exit{{Code: 0, Means: "The script was printed."}, {Code: 2, Means: "A usage error, or a shell without a script."}},
		},
	},
	Examples: []clidoc.Example{
		{Args: "--config /etc/ddns/config.toml --dry-run", Says: "Print the plan (each record, its current and its wanted value) and change nothing."},
		{Args: "--config /etc/ddns/config.toml --once", Says: "Run one pass and exit with its code, from cron or a timer."},
	},
	Exits: []clidoc.Exit{
		{Code: int(ipc.ExitOK), Means: "Stopped cleanly, or --once finished with every record in place."},
		{Code: int(ipc.ExitFailure), Means: "An unexpected failure, or another updater already runs on this state file (its lock is held)."},
		{Code: int(ipc.ExitConfig), Means: "A config or usage error; each config problem is printed as file:line:col: message."},
		{Code: int(ipc.ExitNetwork), Means: "The network is unreachable: with --once, or when every record has failed for network reasons for longer than [updater] network_grace."},
		{Code: int(ipc.ExitRejected), Means: "Data rejected: with --once a record the provider refused, or every record refused (with only some refused the updater keeps serving the others)."},
		{Code: int(ipc.ExitAuth), Means: "Credentials rejected (401 or 403, BADSIG, BADKEY), at once, since retrying cannot help."},
	},
	Environment: []clidoc.Item{
		{Name: configs.EnvConfig, Means: "The config file to use when no --config is given."},
		{Name: ipc.EnvSocket, Means: "Set by the supervisor: the socket the updater reports to. Under it the updater logs JSON lines to standard error, which the supervisor reads back."},
	},
	Files: []clidoc.Item{
		{Name: "/etc/ddns/config.toml", Means: "The system config (%ProgramData%\\ddns\\config.toml on Windows), used when neither --config nor $DDNS_CONFIG names one and the user config folder has none."},
		{Name: "~/.config/ddns/config.toml", Means: "A user's config (the user config folder), looked at before the system config."},
		{Name: "/var/lib/ddns/state.json", Means: "root's state file for the embedded default config, unless [updater] state_file names one; a config file's is state-HASH.json beside it (HASH from the file's path), so each config keeps its own. Under a systemd unit with StateDirectory= the folder is $STATE_DIRECTORY; for other users $XDG_STATE_HOME/ddns or ~/.local/state/ddns. The lock beside it is the state file's name plus .lock."},
	},
	SeeAlso:  []string{"supervisor(1)"},
	Siblings: []string{"supervisor"},
	Docs: "The README covers configuration, every provider and going live step by step: " +
		"https://github.com/ddnsd/ddns#readme (also in the release archives, and in /usr/share/doc of the packages).",
}

// options are the updater's flags.
type options struct {
	config                string
	once, dryRun, version bool
}

// defineFlags defines the updater's flags on fs; run parses with it and the
// documentation lists it.
func defineFlags(fs *flag.FlagSet) *options {
	o := &options{}
	fs.StringVar(&o.config, "config", "", "Read the config from the file at `PATH`. Without it: $DDNS_CONFIG, else ddns/config.toml in the user config folder, else /etc/ddns/config.toml, else the built-in default.")
	fs.BoolVar(&o.once, "once", false, "Run one pass and exit with its code (see the exit status) instead of running until stopped.")
	fs.BoolVar(&o.dryRun, "dry-run", false, "Print what a pass would do (each record's current and wanted value) and change nothing: no provider write, no state file. It implies --once.")
	fs.BoolVar(&o.version, "version", false, "Print the version and exit.")
	return o
}

// progName is the name the updater was run as, for help, man pages and
// completion (packages install it as ddnsd-updater).
var progName = "updater"

// nameFlag is --name of man and completion.
func nameFlag(fs *flag.FlagSet, what string) *string {
	return fs.String("name", "", fmt.Sprintf("Write the %s for the program installed as `NAME` (packages install ddnsd-updater). Default: the name this program was run as.", what))
}

// isHelp reports whether a word asks for help.
func isHelp(a string) bool { return a == "-h" || a == "-help" || a == "--help" }

// docCommand runs help, man and completion (ok false for any other word).
func docCommand(args []string, stdout, stderr io.Writer) (code int, ok bool) {
	if len(args) == 0 {
		return 0, false
	}
	c := program.Lookup(args[0])
	if c == nil || c.Name == "version" {
		return 0, false
	}
	rest := args[1:]
	for _, a := range rest {
		if isHelp(a) {
			program.WriteCommandHelp(stdout, progName, c)
			return 0, true
		}
	}
	usage := func() int {
		program.WriteUsageError(stderr, progName, c)
		return int(ipc.ExitConfig)
	}
	switch c.Name {
	case "help":
		if len(rest) > 0 {
			if sub := program.Lookup(rest[0]); sub != nil && len(rest) == 1 {
				program.WriteCommandHelp(stdout, progName, sub)
				return 0, true
			}
			fmt.Fprintf(stderr, "%s help: there is no command %q\n", progName, strings.Join(rest, " "))
			return usage(), true
		}
		program.WriteHelp(stdout, progName)
		return 0, true
	case "man":
		fs := flag.NewFlagSet(progName+" man", flag.ContinueOnError)
		fs.SetOutput(stderr)
		fs.Usage = func() {}
		name := nameFlag(fs, "page")
		if err := fs.Parse(rest); err != nil || fs.NArg() > 0 {
			return usage(), true
		}
		prog := progName
		if *name != "" {
			prog = *name
		}
		program.Version = version
		if err := program.WriteMan(stdout, prog, clidoc.ManDate(os.Getenv, time.Now())); err != nil {
			fmt.Fprintf(stderr, "%s man: %v\n", progName, err)
			return int(ipc.ExitFailure), true
		}
		return 0, true
	case "completion":
		fs := flag.NewFlagSet(progName+" completion", flag.ContinueOnError)
		fs.SetOutput(stderr)
		fs.Usage = func() {}
		name := nameFlag(fs, "script")
		var shell string
		if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
			shell, rest = rest[0], rest[1:]
		}
		if err := fs.Parse(rest); err != nil {
			return usage(), true
		}
		if shell == "" && fs.NArg() == 1 {
			shell = fs.Arg(0)
		} else if fs.NArg() > 0 || shell == "" {
			fmt.Fprintf(stderr, "%s completion: name one shell: %s\n", progName, strings.Join(clidoc.Shells, ", "))
			return usage(), true
		}
		prog := progName
		if *name != "" {
			prog = *name
		}
		if err := program.WriteCompletion(stdout, shell, prog); err != nil {
			fmt.Fprintf(stderr, "%s completion: %v\n", progName, err)
			return usage(), true
		}
		return 0, true
	}
	return 0, false
}
