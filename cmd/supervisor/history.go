package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/ddnsd/ddns/clidoc"
	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/daemon"
	"github.com/ddnsd/ddns/journal"
)

var historyCommand = &clidoc.Command{
	Name:    "history",
	Args:    "[RECORD]",
	Summary: "show the journal of address changes and supervision events",
	Flags:   flagsOf(cmdHistory),
	Help: "Print the address journal, oldest first: every change of a record (the old and the new address, " +
		"the provider, how long the write took, whether it was read back), every failed attempt with its error, " +
		"and the supervisor's own events (starts and restarts, exits with their codes, waits for the network, " +
		"crash-loop pauses, configs applied or rejected). Unlike status, whose events live in memory, the " +
		"journal survives restarts of the supervisor and of the machine, and this command reads its files " +
		"directly, so it works while the supervisor is down.\n\n" +
		"With RECORD (a name such as home.example.com, or one type of it: home.example.com/AAAA), only that " +
		"record's entries are shown, with the supervisor's events.",
	Examples: []clidoc.Example{
		{Args: "history --since 7d", Says: "Show the last week."},
		{Args: "history home.example.com --json", Says: "Print one record's entries as JSON lines."},
	},
	Exits: []clidoc.Exit{
		{Code: 0, Means: "Printed (also when there is no history yet)."},
		{Code: 1, Means: "A journal file could not be read (the others are printed)."},
		{Code: 2, Means: "A usage error."},
	},
}

// cmdHistory is `supervisor history`: both journals of the config, merged.
func cmdHistory(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("history", stderr)
	config := fs.String("config", "", "Read the journals of the config file at `PATH` (without it, the file the lookup order finds, as for run).")
	since := fs.String("since", "", "Show only entries newer than `D`: a duration back from now (90m, 36h, 7d, 1d12h).")
	asJSON := fs.Bool("json", false, "Print one JSON object per line instead of the table, for scripts.")
	// RECORD may come before, between or after the flags.
	records, ok := fs.parseArgs(args)
	if !ok {
		return 2
	}
	var record string
	switch len(records) {
	case 0:
	case 1:
		record = records[0]
	default:
		fmt.Fprintf(stderr, "%s history: one RECORD at most, got %q and %q\n", progName, records[0], records[1])
		fs.Usage()
		return 2
	}
	filter := journal.Filter{Record: record}
	if *since != "" {
		d, err := parseSince(*since)
		if err != nil {
			fmt.Fprintf(stderr, "supervisor history: --since: %v\n", err)
			return 2
		}
		filter.Since = time.Now().Add(-d)
	}
	paths, warn := historyPaths(resolveConfigPath(*config))
	if warn != "" {
		fmt.Fprintln(stderr, "warning:", shownLines(warn, "\n  "))
	}
	res, err := journal.Read(filter, paths...)
	code := 0
	if err != nil {
		fmt.Fprintf(stderr, "supervisor history: %v\n", err)
		code = 1
	}
	if res.Skipped > 0 {
		fmt.Fprintf(stderr, "warning: %d damaged journal line(s) skipped\n", res.Skipped)
	}
	if res.Truncated {
		fmt.Fprintln(stderr, "note: older entries exist beyond what was read")
	}
	if *asJSON {
		for _, e := range res.Entries {
			b, err := json.Marshal(e)
			if err != nil {
				return 1
			}
			// The journal may have been written by anything: the
			// characters a terminal acts on go out as JSON escapes.
			if _, err := io.WriteString(stdout, rawSafe(string(b))+"\n"); err != nil {
				return 1
			}
		}
		return code
	}
	if len(res.Entries) == 0 {
		fmt.Fprintf(stdout, "no history yet (journals: %s)\n", strings.Join(paths, ", "))
		return code
	}
	for _, e := range res.Entries {
		fmt.Fprintln(stdout, historyLine(e, time.Local))
	}
	return code
}

// historyPaths are the journals of the config at path ("" = the embedded
// default): the supervisor's in its state folder and the updater's beside
// the state file the config names. A config that does not load is read from
// its last good copy, else its state file is taken to be the default, and
// the warning says so.
func historyPaths(path string) ([]string, string) {
	cfg, err := loadConfig(path)
	warn := ""
	if err != nil {
		warn = fmt.Sprintf("%s does not load (%v); its journals are looked for where the defaults put them", configs.DisplayName(path), err)
		if lg := lastGoodPath(path); lg != "" {
			if good, _, lerr := daemon.LoadLastGood(lg, loadConfig); lerr == nil {
				cfg, warn = good, ""
			}
		}
	}
	return daemon.JournalPaths(supervisorJournalPath(path), cfg, path), warn
}

// parseSince reads a Go duration, with whole days allowed in front: "7d",
// "1d12h", "36h", "90m".
func parseSince(s string) (time.Duration, error) {
	bad := fmt.Errorf("%q is not a duration (use 36h, 90m, 7d or 1d12h)", s)
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.Atoi(s[:i])
		if err != nil || n < 0 || n > 100*365 {
			return 0, bad
		}
		days, s = time.Duration(n)*24*time.Hour, s[i+1:]
		if s == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || days+d < days {
		// days+d < days: past about 292 years the sum wraps, and the
		// filter would start in the future.
		return 0, bad
	}
	return days + d, nil
}

// historyLine is one entry in words: local time, kind, then what the kind
// carries. Every text is escaped (shown): the writers clean what they
// write, but a journal is a file, and whoever could write it (another
// program, a user who owns the state folder, a damaged disk) must not reach
// the terminal of whoever reads it.
func historyLine(e journal.Entry, loc *time.Location) string {
	e.Kind, e.Record, e.Provider = shown(e.Kind), shown(e.Record), shown(e.Provider)
	e.Old, e.New, e.Error, e.Detail = shown(e.Old), shown(e.New), shown(e.Error), shown(e.Detail)
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %-15s", e.At.In(loc).Format("2006-01-02 15:04:05"), e.Kind)
	if e.Record != "" {
		fmt.Fprintf(&b, "  %s", e.Record)
	}
	if e.Old != "" || e.New != "" {
		old := e.Old
		if old == "" {
			old = "(none)"
		}
		fmt.Fprintf(&b, "  %s → %s", old, orNone(e.New))
	}
	if e.Provider != "" {
		fmt.Fprintf(&b, "  via %s", e.Provider)
	}
	if e.Took > 0 {
		fmt.Fprintf(&b, "  took %s", roundTook(e.Took))
	}
	if e.Kind == journal.KindChanged {
		if e.Verified {
			b.WriteString("  verified")
		} else {
			b.WriteString("  not verified")
		}
	}
	if e.PID != 0 {
		fmt.Fprintf(&b, "  pid %d", e.PID)
	}
	if e.Code != nil {
		fmt.Fprintf(&b, "  exit code %d", *e.Code)
	}
	if e.Error != "" {
		fmt.Fprintf(&b, "  error: %s", e.Error)
	}
	if e.Detail != "" {
		fmt.Fprintf(&b, "  (%s)", e.Detail)
	}
	return b.String()
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// roundTook keeps a duration readable: 1.234s, 85ms.
func roundTook(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond)
	}
	return d
}
