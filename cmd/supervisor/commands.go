package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/ddnsd/ddns/clidoc"
	"github.com/ddnsd/ddns/configs"
)

// program is the supervisor's command table: `supervisor help`, each
// command's --help, the usage on a bad command, `supervisor man` and
// `supervisor completion` are all rendered from it (package clidoc). Each
// command's entry is declared beside the code that runs it; its Flags is
// that code's own flag set (flagsOf), so what the help documents is what
// the command parses. A new command adds its entry here and its case to
// run's switch; TestCommandTable checks the entry.
var program = &clidoc.Program{
	Name:    "supervisor",
	Summary: "keep the DDNS updater running, and control it",
	Help: "The supervisor is the one thing you start at boot. It runs the updater (the program that keeps your DNS " +
		"records pointed at this machine) as its child and keeps it alive: it reads the child's exit codes, waits for " +
		"the network before a restart, backs off, stops crash loops without giving up for good, restarts a child that " +
		"stops reporting or uses too much memory, and reloads the config the moment it is saved.\n\n" +
		"`supervisor run` is the supervisor itself; `supervisor install` makes the system start it at boot. The other " +
		"commands talk to a running supervisor over its local socket (a named pipe on Windows): `supervisor status` " +
		"shows the child, the network and the records, `supervisor logs` the updater's output, and start, stop, " +
		"restart, reload and update-now control it. Both programs read one TOML config file.",
	Commands: []*clidoc.Command{
		runCommand, statusCommand, logsCommand,
		startCommand, stopCommand, restartCommand, reloadCommand, updateNowCommand,
		checkCommand, installCommand, uninstallCommand, historyCommand, importDDNSGoCommand,
		serviceCommand, helpCommand, manCommand, completionCommand, versionCommand,
	},
	Examples: []clidoc.Example{
		{Args: "check --config /etc/ddns/config.toml", Says: "Validate a config and print it with its secrets masked."},
		{Args: "install --enable", Says: "Make the system start the supervisor at boot (or logon), and start it now."},
		{Args: "status", Says: "See whether the updater runs, whether the network is ready and what each record holds."},
		{Args: "logs -f", Says: "Follow what the updater logs."},
	},
	Exits: []clidoc.Exit{
		{Code: 0, Means: "Success; for status, the updater runs."},
		{Code: 1, Means: "The command failed (the supervisor could not start, an install step failed, the supervisor refused a request)."},
		{Code: 2, Means: "A usage error (an unknown command or flag), or an invalid config for check."},
		{Code: 3, Means: "status: the supervisor answers but the updater does not run."},
		{Code: 4, Means: "No supervisor answers on the socket."},
	},
	Environment: []clidoc.Item{
		{Name: configs.EnvConfig, Means: "The config file to use when no --config is given."},
		{Name: "XDG_RUNTIME_DIR", Means: "Where a user's socket lives (ddns/supervisor.sock below it) when the config names none; root's is /run/ddns/supervisor.sock."},
		{Name: "SOURCE_DATE_EPOCH", Means: "The date `supervisor man` writes into the page, for reproducible packages."},
	},
	Files: []clidoc.Item{
		{Name: "/etc/ddns/config.toml", Means: "The system config (%ProgramData%\\ddns\\config.toml on Windows), used when neither --config nor $DDNS_CONFIG names one and the user config folder has none."},
		{Name: "~/.config/ddns/config.toml", Means: "A user's config (the user config folder: ~/Library/Application Support on macOS, %AppData% on Windows), looked at before the system config."},
		{Name: "/run/ddns/supervisor.sock", Means: "root's control socket when the config names none; other users' is below $XDG_RUNTIME_DIR or the temporary folder, Windows uses the named pipe \\\\.\\pipe\\ddns-supervisor-service or -SID."},
	},
	SeeAlso:  []string{"updater(1)", "systemctl(1)", "journalctl(1)"},
	Siblings: []string{"updater"},
	Docs:     readmePointer,
}

// readmePointer closes every help: where the whole story is.
const readmePointer = "The README covers configuration, every provider and going live step by step: " +
	"https://github.com/ddnsd/ddns#readme (also in the release archives, and in /usr/share/doc of the packages)."

// progName is the name the supervisor was run as, which help, man pages
// and completion scripts use; "supervisor" unless main found another
// (packages install it as ddnsd-supervisor).
var progName = "supervisor"

// flagsOf turns a command's implementation into the Flags of its table
// entry: it runs the command with -help and a capturing stderr, and copies
// the flag set the command built. Every command parses its flags before it
// does anything, and a -help makes flagSet.parse stop it there, so this
// has no effect but the flags' definitions; the flags documented are the
// flags parsed.
func flagsOf(cmd func(args []string, stdout, stderr io.Writer) int) func(*flag.FlagSet) {
	return func(dst *flag.FlagSet) {
		c := &flagCapture{}
		cmd([]string{"-help"}, io.Discard, c)
		if c.fs == nil {
			panic("flagsOf: the command did not parse its flags through newFlags")
		}
		c.fs.VisitAll(func(f *flag.Flag) { dst.Var(f.Value, f.Name, f.Usage) })
	}
}

// flagCapture is the stderr flagsOf hands a command: flagSet.parse leaves
// the flag set in it.
type flagCapture struct{ fs *flag.FlagSet }

func (*flagCapture) Write(p []byte) (int, error) { return len(p), nil }

// wantsHelp reports whether args (after the command's name) ask for help:
// -h, -help or --help among the flags, as the command's own flag set
// parses them (so that a value such as `--config -h` is not taken for
// it), or after the positional arguments (`completion bash --help`).
func wantsHelp(c *clidoc.Command, args []string) bool {
	if c.Flags != nil {
		fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		fs.Usage = func() {}
		c.Flags(fs)
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			return true
		}
		if err != nil {
			return false // the command reports the usage error
		}
		args = fs.Args()
	}
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "-help" || a == "--help" {
			return true
		}
	}
	return false
}

var helpCommand = &clidoc.Command{
	Name:        "help",
	Args:        "[COMMAND]",
	Summary:     "explain every command, or one with its flags and examples",
	ArgCommands: true,
	Help: "Without a command, list every command with a one-line summary. With one, print what the command does, " +
		"each of its flags and examples, exactly what `supervisor COMMAND --help` prints. Help goes to standard " +
		"output and exits 0.",
	Examples: []clidoc.Example{{Args: "help status", Says: "Explain status, its flags and exit codes."}},
	Exits:    []clidoc.Exit{{Code: 0, Means: "The help was printed."}, {Code: 2, Means: "There is no such command."}},
}

// cmdHelp is `supervisor help [COMMAND]`.
func cmdHelp(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		if len(args) > 0 {
			program.WriteCommandHelp(stdout, progName, helpCommand)
			return 0
		}
		program.WriteHelp(stdout, progName)
		return 0
	}
	if len(args) > 1 {
		fmt.Fprintf(stderr, "%s help: one command at a time, not %q\n", progName, strings.Join(args, " "))
		program.WriteUsageError(stderr, progName, helpCommand)
		return 2
	}
	c := program.Lookup(args[0])
	if c == nil {
		fmt.Fprintf(stderr, "%s help: there is no command %q\n", progName, args[0])
		program.WriteUsageError(stderr, progName, nil)
		return 2
	}
	program.WriteCommandHelp(stdout, progName, c)
	return 0
}

var manCommand = &clidoc.Command{
	Name:    "man",
	Summary: "print the supervisor's man page (roff, section 1)",
	Flags:   func(fs *flag.FlagSet) { nameFlag(flagSet{fs}, "page") },
	Help: "Print the manual page, generated from the same text as the help, in roff with the man macros, to " +
		"standard output. Packages install it as section 1; to read it without installing, pipe it to `man -l -`.",
	Examples: []clidoc.Example{
		{Args: "man | man -l -", Says: "Read the page now."},
		{Args: "man --name ddnsd-supervisor | gzip -9 > ddnsd-supervisor.1.gz", Says: "Write the page a package installs, for the name it installs the program under."},
	},
	Exits: []clidoc.Exit{{Code: 0, Means: "The page was printed."}, {Code: 2, Means: "A usage error."}},
}

// nameFlag is --name, the program name a man page or completion script is
// written for.
func nameFlag(fs flagSet, what string) *string {
	return fs.String("name", "", fmt.Sprintf("Write the %s for the program installed as `NAME` (packages install ddnsd-supervisor). Default: the name this program was run as.", what))
}

// cmdMan is `supervisor man`.
func cmdMan(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("man", stderr)
	name := nameFlag(fs, "page")
	if !fs.parse(args) {
		return 2
	}
	prog := progName
	if *name != "" {
		prog = *name
	}
	program.Version = version
	if err := program.WriteMan(stdout, prog, clidoc.ManDate(getenv, time.Now())); err != nil {
		fmt.Fprintf(stderr, "%s man: %v\n", progName, err)
		return 1
	}
	return 0
}

var completionCommand = &clidoc.Command{
	Name:      "completion",
	Args:      "bash|zsh|fish|powershell",
	Summary:   "print a shell completion script",
	ArgValues: clidoc.Shells,
	Flags:     func(fs *flag.FlagSet) { nameFlag(flagSet{fs}, "script") },
	Help: "Print a script that teaches the shell to complete the supervisor's commands, each command's flags, " +
		"the install targets and file names where a flag takes a file. Its first lines say where to save it; " +
		"packages install it for bash, zsh and fish.",
	Examples: []clidoc.Example{
		{Args: "completion bash > ~/.local/share/bash-completion/completions/supervisor", Says: "Complete in every new bash for you."},
		{Args: "completion zsh > \"${fpath[1]}/_supervisor\"", Says: "Complete in zsh (in a folder of $fpath, before compinit)."},
		{Args: "completion fish > ~/.config/fish/completions/supervisor.fish", Says: "Complete in fish."},
		{Args: "completion powershell | Out-String | Invoke-Expression", Says: "Complete in this PowerShell session (add the line to $PROFILE to keep it)."},
	},
	Exits: []clidoc.Exit{{Code: 0, Means: "The script was printed."}, {Code: 2, Means: "A usage error, or a shell without a script."}},
}

// cmdCompletion is `supervisor completion SHELL [--name NAME]`.
func cmdCompletion(args []string, stdout, stderr io.Writer) int {
	return completion(program, progName, args, stdout, stderr)
}

// completion parses `completion SHELL [--name NAME]` (the shell first or
// last) and writes p's script.
func completion(p *clidoc.Program, prog string, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("completion", stderr)
	name := nameFlag(fs, "script")
	var shell string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		shell, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if shell == "" && fs.NArg() == 1 {
		shell = fs.Arg(0)
	} else if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s completion: unexpected argument %q\n", prog, fs.Arg(0))
		fs.Usage()
		return 2
	}
	if shell == "" {
		fmt.Fprintf(stderr, "%s completion: name a shell: %s\n", prog, strings.Join(clidoc.Shells, ", "))
		fs.Usage()
		return 2
	}
	if *name != "" {
		prog = *name
	}
	if err := p.WriteCompletion(stdout, shell, prog); err != nil {
		fmt.Fprintf(stderr, "%s completion: %v\n", progName, err)
		fs.Usage()
		return 2
	}
	return 0
}

var versionCommand = &clidoc.Command{
	Name:    "version",
	Summary: "print the supervisor's version",
	Help:    "Print the version this binary was built as (from git describe), as `supervisor --version` does.",
	Exits:   []clidoc.Exit{{Code: 0, Means: "The version was printed."}},
}

// getenv is os.Getenv, for the man page's SOURCE_DATE_EPOCH.
var getenv = os.Getenv
