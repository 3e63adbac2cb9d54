package main

import (
	"flag"
	"io"
)

// flagSet is flag.FlagSet with errors printed once and no os.Exit.
type flagSet struct{ *flag.FlagSet }

func newFlags(name string, stderr io.Writer) flagSet {
	fs := flag.NewFlagSet("supervisor "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return flagSet{fs}
}

// parse reports false on a usage error (already printed).
func (f flagSet) parse(args []string) bool {
	if err := f.Parse(args); err != nil {
		return false
	}
	if f.NArg() > 0 {
		f.Output().Write([]byte("unexpected argument: " + f.Arg(0) + "\n"))
		return false
	}
	return true
}

// socketFlags adds --config and --socket, shared by every command that talks
// to a running supervisor, and returns the socket path they select (call it
// after parse); its error (a config whose socket cannot be read) is for
// ipc.StatusNoSupervisor, exit 4.
func (f flagSet) socketFlags() func() (string, error) {
	config := f.String("config", "", "config file whose socket to use")
	socket := f.String("socket", "", "socket path")
	return func() (string, error) { return socketPathFor(*socket, *config) }
}
