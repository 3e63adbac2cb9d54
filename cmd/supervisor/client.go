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

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/ipc"
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

func cmdStatus(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("status", stderr)
	asJSON := fs.Bool("json", false, "print the status document as JSON")
	var events eventCount // 0: not given
	fs.Var(&events, "events", fmt.Sprintf("how many of the newest events to ask for: a number, or all (default: %d; the table shows the last %d of them)", ipc.DefaultStatusEvents, tableEvents))
	watch := fs.Bool("watch", false, "redraw every second until Ctrl-C (on a terminal); elsewhere print a new block, or with --json a line, per change")
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
		fmt.Fprintf(stderr, "supervisor status: %s\n", rep.Error)
		return ipc.StatusNoSupervisor
	}
	st := rep.Status
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(st)
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
	line := fmt.Sprintf("child       %s", c.State)
	if c.PID != 0 {
		line += fmt.Sprintf(" (pid %d, up %s)", c.PID, seconds(c.UptimeSeconds))
	}
	fmt.Fprintln(w, line)
	fmt.Fprintf(w, "restarts    %d (%d consecutive failures)\n", c.Restarts, c.ConsecutiveFailures)
	if e := c.LastExit; e != nil {
		how := fmt.Sprintf("code %d: %s", e.Code, ipc.ExitCode(e.Code).Meaning())
		if e.Signal != "" {
			how = "killed by " + e.Signal
		}
		fmt.Fprintf(w, "last exit   %s, %s (%s)\n", how, ago(e.At), e.Reason)
	}
	if c.NextStartInSeconds > 0 {
		fmt.Fprintf(w, "next start  in %s\n", seconds(c.NextStartInSeconds))
	}
	if c.LastReportAgeSeconds > 0 {
		fmt.Fprintf(w, "last report %s ago\n", seconds(c.LastReportAgeSeconds))
	}
	s := st.Supervisor
	fmt.Fprintf(w, "supervisor  pid %d, up %s, %s, config %s (generation %d, hash %s)\n", s.PID, seconds(s.UptimeSeconds), s.Version, configs.DisplayName(s.ConfigPath), s.ConfigGeneration, s.ConfigHash)
	if s.ConfigError != "" {
		running := "running on the previous config"
		switch {
		case s.RunningOnLastGood && s.LastGoodSince != nil:
			running = "running on the last good config, valid as of " + s.LastGoodSince.Time().Local().Format(time.RFC3339)
		case s.ConfigGeneration == 0:
			running = "no valid config yet: running on the defaults"
		}
		fmt.Fprintf(w, "CONFIG ERROR (%s):\n  %s\n", running, strings.ReplaceAll(s.ConfigError, "\n", "\n  "))
	}
	n := st.Network
	verdict := "ready"
	if !n.Ready {
		verdict = "NOT READY: " + n.Reason
	}
	fmt.Fprintf(w, "network     %s\n", verdict)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, ch := range n.Checks {
		ok := "ok"
		if !ch.OK {
			ok = "FAIL " + ch.Error
		}
		fmt.Fprintf(tw, "  %s\t%s\t%.1f ms\t%s\n", ch.Kind, ch.Target, ch.LatencyMS, ok)
	}
	tw.Flush()
	if len(st.Records) > 0 {
		fmt.Fprintln(w, "records")
		for _, r := range st.Records {
			state := "synced " + ago(r.SyncedAt)
			if r.Error != "" {
				state = "ERROR " + r.Error
			}
			addr := r.Address
			if addr == "" {
				addr = "-"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", r.Name, r.Type, addr, state)
		}
		tw.Flush()
	}
	if len(st.Events) > 0 {
		shown := st.Events
		if !allEvents {
			shown = shown[max(0, len(shown)-tableEvents):]
		}
		head := "events"
		if older := len(st.Events) - len(shown) + st.EventsOmitted; older > 0 {
			head = fmt.Sprintf("events (the last %d; %d older: --events N or all)", len(shown), older)
		}
		fmt.Fprintln(w, head)
		for _, e := range shown {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", clock(e.At), e.Kind, e.Detail)
		}
		tw.Flush()
	}
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
		fmt.Fprintf(stderr, "supervisor %s: %s\n", name, rep.Error)
		return 1
	}
	fmt.Fprintln(stdout, rep.Message)
	return 0
}

func cmdLogs(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("logs", stderr)
	n := fs.Int("n", 50, "number of lines")
	follow := fs.Bool("f", false, "keep printing new lines")
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
	req := ipc.Request{Cmd: ipc.CmdLogs, Lines: *n, Follow: *follow}
	err = c.Stream(ctx, req, func(rep ipc.Reply) error {
		if !rep.OK {
			return errors.New(rep.Error)
		}
		for _, l := range rep.Lines {
			fmt.Fprintln(stdout, l)
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

var errStreamDone = errors.New("done")
