package main

import (
	"flag"
	"fmt"
	"io"
)

// flagSet is flag.FlagSet with errors printed once and no os.Exit.
type flagSet struct{ *flag.FlagSet }

// newFlags starts the flag set of the command name. A usage error prints
// the flag package's one-line reason and then where the command's help is,
// not the flag package's own list of flags (the help says more).
func newFlags(name string, stderr io.Writer) flagSet {
	fs := flag.NewFlagSet(progName+" "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Run `%s help %s` for its flags and what they do.\n", progName, name)
	}
	return flagSet{fs}
}

// parse reports false on a usage error (already printed). A -help parse
// hands the flag set to flagsOf when it asked.
func (f flagSet) parse(args []string) bool {
	if err := f.Parse(args); err != nil {
		if c, ok := f.Output().(*flagCapture); ok {
			c.fs = f.FlagSet
		}
		return false
	}
	if f.NArg() > 0 {
		fmt.Fprintf(f.Output(), "%s: unexpected argument %q\n", f.Name(), f.Arg(0))
		f.Usage()
		return false
	}
	return true
}

// parseArgs is parse for commands that take positional arguments: they may
// come before, between or after the flags (`history home.example.com
// --since 7d`), and are returned in order. It reports false on a usage
// error (already printed).
func (f flagSet) parseArgs(args []string) ([]string, bool) {
	var pos []string
	for {
		if err := f.Parse(args); err != nil {
			if c, ok := f.Output().(*flagCapture); ok {
				c.fs = f.FlagSet
			}
			return nil, false
		}
		if f.NArg() == 0 {
			return pos, true
		}
		pos, args = append(pos, f.Arg(0)), f.Args()[1:]
	}
}

// socketFlags adds --config and --socket, shared by every command that talks
// to a running supervisor, and returns the socket path they select (call it
// after parse); its error (a config whose socket cannot be read) is for
// ipc.StatusNoSupervisor, exit 4.
func (f flagSet) socketFlags() func() (string, error) {
	config := f.String("config", "", "Find the supervisor through the socket that the config file at `PATH` names ([supervisor] socket). "+
		"Without --config or --socket, the config is looked up as for run ($DDNS_CONFIG, the user config folder, /etc/ddns/config.toml), and with none the per-user default socket is used.")
	socket := f.String("socket", "", "Talk to the supervisor listening on the socket at `PATH` (a named pipe's name on Windows), whatever the config says.")
	return func() (string, error) { return socketPathFor(*socket, *config) }
}
