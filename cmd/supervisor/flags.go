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
