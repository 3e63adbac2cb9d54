package main

import (
	"flag"

	"github.com/ddnsd/ddns/clidoc"
)

// Entries of commands that other branches implement (history: the journal;
// import-ddns-go: the converter). Their help describes the contracts in
// DESIGN.md. When a command is merged, its entry moves beside its code,
// Flags becomes flagsOf(cmdX) (its own flag set, so the test checks the
// flags it really parses) and run's switch gets its case. Until then the
// flags below document the contract and `supervisor X --help` works.

var historyCommand = &clidoc.Command{
	Name:    "history",
	Args:    "[RECORD]",
	Summary: "show the journal of address changes and supervision events",
	Flags: func(fs *flag.FlagSet) {
		fs.String("since", "", "Show only entries newer than `D`: a duration back from now (90m, 24h, 7d) or an RFC 3339 time.")
		fs.Bool("json", false, "Print the entries as JSON lines, one object per entry, for scripts.")
	},
	Help: "Print the journal, oldest first: every address change of every record " +
		"(the old and the new address, when, and what the provider answered) and every supervision event (a " +
		"start, an exit and its code, a restart, a config reload). Unlike status, whose events live in memory, " +
		"the journal survives restarts of the supervisor and of the machine.\n\n" +
		"With RECORD (a record's full name, such as home.example.com), only that record's changes are shown.",
	Examples: []clidoc.Example{
		{Args: "history --since 7d", Says: "Show the last week."},
		{Args: "history home.example.com --json", Says: "Print one record's changes as JSON lines."},
	},
}
