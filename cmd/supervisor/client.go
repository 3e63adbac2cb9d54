package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ddnsd/ddns/clidoc"
	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/logging"
	"github.com/ddnsd/ddns/untrusted"
)

// request sends one request and returns its reply; the int is an exit code
// (4 when no supervisor answers) when err is not nil.
func request(socket string, req ipc.Request, timeout time.Duration) (ipc.Reply, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c, err := ipc.Dial(ctx, socket)
	if err != nil {
		return ipc.Reply{}, ipc.StatusNoSupervisor, err
	}
	defer c.Close()
	rep, err := c.Do(ctx, req)
	if err != nil {
		return ipc.Reply{}, ipc.StatusNoSupervisor, fmt.Errorf("no reply from the supervisor on %s: %w", socket, err)
	}
	return rep, 0, nil
}

var statusCommand = &clidoc.Command{
	Name:    "status",
	Summary: "show the updater, the network, the records and the last events",
	Flags:   flagsOf(cmdStatus),
	// --events takes a number too; "all" is the one word to complete.
	FlagValues: map[string][]string{"events": {"all"}},
	Help: "Ask the running supervisor how things are and print a short table: the updater's state (running, " +
		"backoff, waiting-network, waiting-config, crash-loop, stopped...), its pid, uptime and restarts, how it " +
		"last exited and why, when the next start is due, the supervisor's config (and its error, when the saved " +
		"file is invalid and the supervisor runs on the last good one), each network check, each record's address " +
		"and when it was last in sync, and the last events.\n\n" +
		"The exit code answers the question scripts and health checks ask: 0 when the updater runs, 3 when the " +
		"supervisor answers but the updater does not run, 4 when no supervisor answers. --json prints the whole " +
		"document, whose fields are a contract: fields may be added, never removed.",
	Examples: []clidoc.Example{
		{Args: "status", Says: "Print the table."},
		{Args: "status --json | jq -r .child.state", Says: "Print only the updater's state, for a script."},
		{Args: "status --events all", Says: "Show every event the supervisor still keeps, not only the last few."},
		{Args: "status --socket /run/ddns/supervisor.sock", Says: "Ask root's supervisor from another account that may open its socket."},
	},
	Exits: []clidoc.Exit{
		{Code: ipc.StatusChildRunning, Means: "The updater runs."},
		{Code: ipc.StatusChildNotRunning, Means: "The supervisor answers, but the updater does not run (waiting for the network or a valid config, backing off, stopped)."},
		{Code: ipc.StatusNoSupervisor, Means: "No supervisor answers on the socket, or the config does not tell which socket."},
		{Code: 2, Means: "A usage error."},
	},
}

func cmdStatus(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("status", stderr)
	asJSON := fs.Bool("json", false, "Print the whole status document as indented JSON, for scripts, instead of the table.")
	var events eventCount // 0: not given
	fs.Var(&events, "events", fmt.Sprintf("Ask for the newest `N` events, or for every event kept with the word all. "+
		"Without it the supervisor sends its %d newest and the table shows the last %d of them.", ipc.DefaultStatusEvents, tableEvents))
	watch := fs.Bool("watch", false, "Redraw the table every second until Ctrl-C on a terminal; elsewhere print a new block (with --json, a line) each time something changes.")
	socketPath := fs.socketFlags()
	if !fs.parse(args) {
		return 2
	}
	path, err := socketPath()
	if err != nil {
		fmt.Fprintf(stderr, "supervisor status: %v\n", err)
		return ipc.StatusNoSupervisor
	}
	if *watch {
		return cmdWatch(path, int(events), *asJSON, stdout)
	}
	rep, code, err := request(path, ipc.Request{Cmd: ipc.CmdStatus, Events: int(events)}, 5*time.Second)
	if err != nil {
		fmt.Fprintf(stderr, "supervisor status: %v\n", err)
		return code
	}
	if !rep.OK || rep.Status == nil {
		fmt.Fprintf(stderr, "supervisor status: %s\n", shown(rep.Error))
		return ipc.StatusNoSupervisor
	}
	st := rep.Status
	if *asJSON {
		b, _ := json.MarshalIndent(st, "", "  ")
		// Indented JSON holds newlines only between values, so each line
		// is escaped on its own and the document stays the same JSON.
		for _, l := range strings.Split(string(b), "\n") {
			fmt.Fprintln(stdout, rawSafe(l))
		}
	} else {
		printStatus(stdout, st, events != 0)
	}
	if st.Child.State == "running" {
		return ipc.StatusChildRunning
	}
	return ipc.StatusChildNotRunning
}

// eventCount is the --events flag: a positive number, or "all"
// (ipc.AllEvents); 0 when not given, which asks for the server's default.
type eventCount int

func (e *eventCount) String() string {
	switch {
	case *e < 0:
		return "all"
	case *e == 0:
		return ""
	}
	return strconv.Itoa(int(*e))
}

func (e *eventCount) Set(s string) error {
	if s == "all" {
		*e = ipc.AllEvents
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return fmt.Errorf("%q is not a number of events: give a number from 1, or all", s)
	}
	*e = eventCount(n)
	return nil
}

// tableEvents is how many events the table shows unless --events asks.
const tableEvents = 8

// printStatus writes the short table a person reads: the last tableEvents
// events, or every event received when allEvents (--events was given).
func printStatus(w io.Writer, st *ipc.Status, allEvents bool) {
	c := st.Child
	line := fmt.Sprintf("child       %s", shown(c.State))
	if c.PID != 0 {
		line += fmt.Sprintf(" (pid %d, up %s)", c.PID, seconds(c.UptimeSeconds))
	}
	fmt.Fprintln(w, line)
	fmt.Fprintf(w, "restarts    %d (%d consecutive failures)\n", c.Restarts, c.ConsecutiveFailures)
	if e := c.LastExit; e != nil {
		how := fmt.Sprintf("code %d: %s", e.Code, ipc.ExitCode(e.Code).Meaning())
		if e.Signal != "" {
			how = "killed by " + shown(e.Signal)
		}
		fmt.Fprintf(w, "last exit   %s, %s (%s)\n", how, ago(e.At), shown(e.Reason))
	}
	if c.NextStartInSeconds > 0 {
		fmt.Fprintf(w, "next start  in %s\n", seconds(c.NextStartInSeconds))
	}
	if c.LastReportAgeSeconds > 0 {
		fmt.Fprintf(w, "last report %s ago\n", seconds(c.LastReportAgeSeconds))
	}
	s := st.Supervisor
	fmt.Fprintf(w, "supervisor  pid %d, up %s, %s, config %s (generation %d, hash %s)\n", s.PID, seconds(s.UptimeSeconds), shown(s.Version), shown(configs.DisplayName(s.ConfigPath)), s.ConfigGeneration, shown(s.ConfigHash))
	if s.ConfigError != "" {
		running := "running on the previous config"
		switch {
		case s.RunningOnLastGood && s.LastGoodSince != nil:
			running = "running on the last good config, valid as of " + s.LastGoodSince.Time().Local().Format(time.RFC3339)
		case s.ConfigGeneration == 0:
			running = "no valid config yet: running on the defaults"
		}
		fmt.Fprintf(w, "CONFIG ERROR (%s):\n  %s\n", running, shownLines(s.ConfigError, "\n  "))
	}
	n := st.Network
	verdict := "ready"
	if !n.Ready {
		verdict = "NOT READY: " + shown(n.Reason)
	}
	fmt.Fprintf(w, "network     %s\n", verdict)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, ch := range n.Checks {
		ok := "ok"
		if !ch.OK {
			ok = "FAIL " + shown(ch.Error)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%.1f ms\t%s\n", shown(ch.Kind), shown(ch.Target), ch.LatencyMS, ok)
	}
	tw.Flush()
	if len(st.Records) > 0 {
		fmt.Fprintln(w, "records")
		for _, r := range st.Records {
			state := "synced " + ago(r.SyncedAt)
			if r.Error != "" {
				state = "ERROR " + shown(r.Error)
			}
			addr := shown(r.Address)
			if addr == "" {
				addr = "-"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", shown(r.Name), shown(r.Type), addr, state)
		}
		tw.Flush()
	}
	if len(st.Events) > 0 {
		events := st.Events
		if !allEvents {
			events = events[max(0, len(events)-tableEvents):]
		}
		head := "events"
		if older := len(st.Events) - len(events) + st.EventsOmitted; older > 0 {
			head = fmt.Sprintf("events (the last %d; %d older: --events N or all)", len(events), older)
		}
		fmt.Fprintln(w, head)
		for _, e := range events {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", clock(e.At), shown(e.Kind), shown(e.Detail))
		}
		tw.Flush()
	}
}

// shown is a text that came from outside this command (the supervisor's
// reply, which carries the child's reports, providers' errors, interface
// names, config errors; a journal line) as it may reach a terminal: every
// control character, escape sequence, carriage return, line separator and
// bidi override written as its Go escape (untrusted.Escape), so no such text
// can move the cursor, rewrite a line, retitle the window or reorder what a
// person reads.
func shown(s string) string { return untrusted.Escape(s, 0) }

// shownLines is shown for a text of several lines: each line escaped, and
// joined again with sep (a newline and an indent).
func shownLines(s, sep string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = shown(l)
	}
	return strings.Join(lines, sep)
}

func seconds(s float64) string {
	return (time.Duration(s * float64(time.Second))).Round(time.Second).String()
}

// ago is how long before now t was, "never" for the zero time.
func ago(t ipc.Time) string {
	if t.IsZero() {
		return "never"
	}
	return time.Since(t.Time()).Round(time.Second).String() + " ago"
}

// clock is t's local time of day, empty for the zero time.
func clock(t ipc.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Time().Local().Format("15:04:05")
}

// The control commands share their flags (--config, --socket) and exit
// codes; each has its own entry.
var (
	startCommand = controlEntry("start", "start the updater again after a stop",
		"Start the updater after `supervisor stop`, or at once after a crash loop or a wait for credentials "+
			"that you have fixed. The updater starts as soon as the network checks pass; `supervisor status` "+
			"shows when it runs.")
	stopCommand = controlEntry("stop", "stop the updater and keep it stopped",
		"Stop the updater gracefully (SIGTERM to its process group, or its stop event on Windows; after "+
			"[supervisor] stop_timeout it is killed) and keep it stopped until `supervisor start`. The "+
			"supervisor itself keeps running and answering; to stop the supervisor, stop its service or send it "+
			"SIGTERM. The command returns once the updater has ended.")
	restartCommand = controlEntry("restart", "stop the updater and start it again at once",
		"Stop the updater gracefully and start it again at once, without the backoff delay; it also ends a "+
			"crash-loop pause.")
	reloadCommand = controlEntry("reload", "read the config file again now",
		"Read the config file again and apply it, as the supervisor does on its own when the file is saved "+
			"(and on SIGHUP). Most settings apply at once; a change to what the updater reads restarts the "+
			"updater gracefully (not counted as a failure); a few, such as the socket, wait until the supervisor "+
			"itself restarts, and the reply names them. An invalid file is refused with its file:line:col error "+
			"and the running config stays.")
	updateNowCommand = controlEntry("update-now", "ask the updater for an update pass now",
		"Ask the running updater for an update pass now (SIGHUP, or its update event on Windows) instead of "+
			"at its next interval: it detects the addresses again and sets every record that differs. Fails when "+
			"the updater is not running.")
)

// controlEntry is the table entry of a control command.
func controlEntry(name, summary, help string) *clidoc.Command {
	return &clidoc.Command{
		Name: name, Summary: summary, Help: help,
		Flags: flagsOf(func(args []string, stdout, stderr io.Writer) int { return cmdControl(name, args, stdout, stderr) }),
		Examples: []clidoc.Example{
			{Args: name, Says: "Send the request to the supervisor that the config lookup order points at."},
			{Args: name + " --config /etc/ddns/config.toml", Says: "Send it to the supervisor that runs on this config."},
		},
		Exits: controlExits,
	}
}

var controlExits = []clidoc.Exit{
	{Code: 0, Means: "The supervisor did it (its answer is printed)."},
	{Code: 1, Means: "The supervisor refused or failed (its reason is printed)."},
	{Code: 2, Means: "A usage error."},
	{Code: ipc.StatusNoSupervisor, Means: "No supervisor answers on the socket."},
}

func cmdControl(name string, args []string, stdout, stderr io.Writer) int {
	fs := newFlags(name, stderr)
	socketPath := fs.socketFlags()
	if !fs.parse(args) {
		return 2
	}
	// A stop waits for the child to end (up to stop_timeout), so allow for it.
	path, err := socketPath()
	if err != nil {
		fmt.Fprintf(stderr, "supervisor %s: %v\n", name, err)
		return ipc.StatusNoSupervisor
	}
	rep, code, err := request(path, ipc.Request{Cmd: ipc.Command(name)}, 60*time.Second)
	if err != nil {
		fmt.Fprintf(stderr, "supervisor %s: %v\n", name, err)
		return code
	}
	if !rep.OK {
		fmt.Fprintf(stderr, "supervisor %s: %s\n", name, shown(rep.Error))
		return 1
	}
	fmt.Fprintln(stdout, shownLines(rep.Message, "\n"))
	return 0
}

var logsCommand = &clidoc.Command{
	Name:    "logs",
	Summary: "print the updater's last output lines, or follow them",
	Flags:   flagsOf(cmdLogs),
	Help: "Print what the updater wrote lately, as the supervisor keeps it ([supervisor] log_lines lines, 1000 " +
		"by default, and at most 16 MB), in the console's format: time, level, module, message and fields, " +
		"coloured on a terminal. The supervised updater writes JSON lines; a line that is not JSON (a panic, a " +
		"wrapper script's output) is printed as it is. Control characters and escape sequences in a line are " +
		"printed escaped (\\x1b), so a hostile line cannot rewrite your terminal, and a very long message or " +
		"value is cut after 8 KB with a note of how much more there was.\n\n" +
		"With --json the lines are printed exactly as the updater wrote them, one per line, for scripts (control " +
		"characters there are written as JSON escapes, which leaves a JSON line the same JSON). One reply " +
		"stays under 4 MB: -n 1000 of very long lines gives the newest that fit and says how many were left out.",
	Examples: []clidoc.Example{
		{Args: "logs", Says: "Print the last 50 lines."},
		{Args: "logs -n 200 -f", Says: "Print the last 200 lines, then each new one as it comes, until Ctrl-C."},
		{Args: "logs --json -n 1000 | jq -r 'select(.\"@level\" == \"error\") | .\"@message\"'", Says: "Print the messages of the recent errors."},
	},
	Exits: []clidoc.Exit{
		{Code: 0, Means: "The lines were printed (or -f was interrupted)."},
		{Code: 1, Means: "The supervisor refused, or the connection broke."},
		{Code: 2, Means: "A usage error."},
		{Code: ipc.StatusNoSupervisor, Means: "No supervisor answers on the socket."},
	},
}

func cmdLogs(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("logs", stderr)
	n := fs.Int("n", 50, "Print the last `N` lines the supervisor keeps (at most [supervisor] log_lines).")
	follow := fs.Bool("f", false, "Keep the connection open and print each new line as the updater writes it, until interrupted.")
	asJSON := fs.Bool("json", false, "Print the lines as the updater wrote them (JSON lines), not in the console's format.")
	socketPath := fs.socketFlags()
	if !fs.parse(args) {
		return 2
	}
	path, err := socketPath()
	if err != nil {
		fmt.Fprintf(stderr, "supervisor logs: %v\n", err)
		return ipc.StatusNoSupervisor
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	c, err := ipc.Dial(dctx, path)
	cancel()
	if err != nil {
		fmt.Fprintf(stderr, "supervisor logs: %v\n", err)
		return ipc.StatusNoSupervisor
	}
	defer c.Close()
	print := logPrinter(stdout, *asJSON)
	req := ipc.Request{Cmd: ipc.CmdLogs, Lines: *n, Follow: *follow}
	err = c.Stream(ctx, req, func(rep ipc.Reply) error {
		if !rep.OK {
			return errors.New(rep.Error)
		}
		for _, l := range rep.Lines {
			if err := print(l); err != nil {
				return err
			}
		}
		if !*follow {
			return errStreamDone
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStreamDone) && ctx.Err() == nil {
		fmt.Fprintf(stderr, "supervisor logs: %v\n", err)
		return 1
	}
	return 0
}

// logPrinter prints one line of the child's output: in the console's
// format (logging.Replay), or, asJSON, as it is but for the characters
// rawSafe escapes.
func logPrinter(w io.Writer, asJSON bool) func(string) error {
	if asJSON {
		return func(line string) error {
			_, err := io.WriteString(w, rawSafe(line)+"\n")
			return err
		}
	}
	return logging.NewReplay(w).Line
}

// rawSafe writes the characters of line that a terminal acts on (C0
// controls but tab, DEL, C1 controls, U+2028 and U+2029, and the bidi
// controls that reorder what is shown) as JSON's \uXXXX escapes. JSON allows none of the C0 controls raw in a string, and the
// others escaped mean the same, so a JSON line stays the same JSON; any
// other line changes only where it would have reached the terminal as a
// control.
func rawSafe(line string) string {
	unsafe := func(r rune) bool {
		return r < 0x20 && r != '\t' || r >= 0x7f && r <= 0x9f || r == 0x2028 || r == 0x2029 || bidiControl(r)
	}
	if strings.IndexFunc(line, unsafe) < 0 {
		return line
	}
	var b strings.Builder
	for _, r := range line {
		if unsafe(r) {
			fmt.Fprintf(&b, "\\u%04x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// bidiControl reports whether r is one of the characters that change the
// order in which a terminal shows the text around it (embeddings,
// overrides, isolates, marks): a hostile text could make "192.0.2.1" read
// as another address.
func bidiControl(r rune) bool {
	return r == 0x061c || r == 0x200e || r == 0x200f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

var errStreamDone = errors.New("done")
