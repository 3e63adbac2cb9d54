package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/journal"
)

// watchEvery is how often `status --watch` asks the supervisor.
const watchEvery = time.Second

// watchJournalLines is how many of the journal's newest entries the watch
// shows under the table.
const watchJournalLines = 6

// watcher is `supervisor status --watch`: the status table again and again.
// On a terminal it redraws in place every tick, so ages and uptimes count
// on; elsewhere (a pipe, a file, a log) it prints a new block, headed by the
// time, only when something a person would act on changed, so a redirected
// watch is a log of changes rather than a copy of the table every second.
type watcher struct {
	// fetch asks for the status once.
	fetch func(ctx context.Context) (*ipc.Status, error)
	// tail, when set, gives the last few journal lines of the supervisor
	// whose status is st, to show under the table.
	tail func(st *ipc.Status) []string
	out  io.Writer
	// term: out is a terminal that understands ANSI cursor movement.
	term bool
	// asJSON prints one compact status document a line, per change.
	asJSON    bool
	allEvents bool
	every     time.Duration
	// now dates the blocks; time.Now when nil.
	now func() time.Time
	// socket names the supervisor in messages.
	socket string
}

// run draws until ctx ends (Ctrl-C). A supervisor that does not answer is
// not an error here: it is shown, and the watch goes on until it answers
// again (a supervisor being restarted comes back).
func (w *watcher) run(ctx context.Context) {
	now := w.now
	if now == nil {
		now = time.Now
	}
	t := time.NewTicker(w.every)
	defer t.Stop()
	last := "\x00" // no block printed yet
	for {
		var body bytes.Buffer
		key := ""
		st, err := w.fetch(ctx)
		if ctx.Err() != nil {
			return
		}
		switch {
		case err != nil:
			fmt.Fprintf(&body, "no answer from the supervisor on %s: %v\n(asking again every %s)\n", w.socket, err, w.every)
			key = "error: " + err.Error()
		case w.asJSON:
			b, _ := json.Marshal(st)
			body.WriteString(rawSafe(string(b)) + "\n")
			key = changeKey(st, nil)
		default:
			printStatus(&body, st, w.allEvents)
			var lines []string
			if w.tail != nil {
				lines = w.tail(st)
			}
			if len(lines) > 0 {
				fmt.Fprintln(&body, "journal (the last entries)")
				for _, l := range lines {
					fmt.Fprintln(&body, "  "+l)
				}
			}
			key = changeKey(st, lines)
		}
		switch {
		case w.term && !w.asJSON:
			w.redraw(now(), body.String())
		case key != last:
			if !w.asJSON {
				fmt.Fprintf(w.out, "--- %s\n", now().Format(time.RFC3339))
			}
			w.out.Write(body.Bytes())
		}
		last = key
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// redraw paints the screen from the top without clearing it first (no
// flicker): each line ends with erase-to-end-of-line, and what is left
// below the last line is erased.
func (w *watcher) redraw(at time.Time, body string) {
	var b strings.Builder
	b.WriteString("\x1b[H")
	head := fmt.Sprintf("supervisor status --watch   %s   (Ctrl-C to quit)", at.Format("15:04:05"))
	for _, l := range append([]string{head, ""}, strings.Split(strings.TrimSuffix(body, "\n"), "\n")...) {
		b.WriteString(l)
		b.WriteString("\x1b[K\r\n")
	}
	b.WriteString("\x1b[J")
	io.WriteString(w.out, b.String())
}

// changeKey is what of a status counts as a change for a block-per-change
// watch: everything but the clocks that move every second (uptimes, ages,
// countdowns, probe latencies).
func changeKey(st *ipc.Status, lines []string) string {
	c := *st
	c.Supervisor.UptimeSeconds = 0
	c.Child.UptimeSeconds, c.Child.LastReportAgeSeconds, c.Child.NextStartInSeconds = 0, 0, 0
	c.Network.Checks = make([]ipc.CheckStatus, len(st.Network.Checks))
	for i, ch := range st.Network.Checks {
		ch.LatencyMS, ch.Loss = 0, 0
		c.Network.Checks[i] = ch
	}
	b, _ := json.Marshal(struct {
		S *ipc.Status
		L []string
	}{&c, lines})
	return string(b)
}

// ansiTerminal reports whether w is a terminal that takes ANSI cursor
// movement (on Windows, a console where virtual terminal processing could
// be switched on).
func ansiTerminal(w io.Writer) bool {
	if !isTerminal(w) {
		return false
	}
	return enableANSI(w.(*os.File))
}

// cmdWatch runs `supervisor status --watch` on the socket at path; Ctrl-C
// (or SIGTERM) ends it with exit 0.
func cmdWatch(path string, events int, asJSON bool, stdout io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	w := &watcher{
		fetch: func(ctx context.Context) (*ipc.Status, error) { return askStatus(ctx, path, events) },
		tail:  (&journalTail{n: watchJournalLines}).last,
		out:   stdout, term: ansiTerminal(stdout), asJSON: asJSON, allEvents: events != 0,
		every: watchEvery, socket: path,
	}
	w.run(ctx)
	if w.term && !asJSON {
		fmt.Fprintln(stdout)
	}
	return 0
}

// askStatus is one status request, given up when ctx ends (Ctrl-C does not
// wait for a supervisor that is slow to answer).
func askStatus(ctx context.Context, path string, events int) (*ipc.Status, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := ipc.Dial(ctx, path)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	rep, err := c.Do(ctx, ipc.Request{Cmd: ipc.CmdStatus, Events: events})
	if err != nil {
		return nil, fmt.Errorf("no reply: %w", err)
	}
	if !rep.OK || rep.Status == nil {
		return nil, fmt.Errorf("the supervisor refused: %s", shown(rep.Error))
	}
	return rep.Status, nil
}

// journalTail reads the newest entries of the journals of the supervisor
// being watched: those of the config its status names (the supervisor's
// own in this user's state folder, and the updater's beside the state
// file), as `supervisor history` does. The files are read again only when
// one of them changed size or time, so a year of journal is not parsed
// every second. A journal this user cannot read shows nothing.
type journalTail struct {
	n int

	key   string // config path and generation the paths were found for
	paths []string
	stamp string // the files' sizes and times when lines were read
	lines []string
}

func (j *journalTail) last(st *ipc.Status) []string {
	if key := st.Supervisor.ConfigPath + "\x00" + strconv.Itoa(st.Supervisor.ConfigGeneration); key != j.key || j.paths == nil {
		j.key, j.stamp = key, ""
		j.paths, _ = historyPaths(st.Supervisor.ConfigPath)
	}
	var stamp strings.Builder
	for _, p := range j.paths {
		for _, name := range []string{journal.PreviousPath(p), p} {
			if fi, err := os.Stat(name); err == nil {
				fmt.Fprintf(&stamp, "%s %d %d;", name, fi.Size(), fi.ModTime().UnixNano())
			}
		}
	}
	if stamp.String() == j.stamp {
		return j.lines
	}
	j.stamp = stamp.String()
	res, _ := journal.Read(journal.Filter{Max: j.n}, j.paths...)
	lines := make([]string, 0, len(res.Entries))
	for _, e := range res.Entries {
		lines = append(lines, historyLine(e, time.Local))
	}
	j.lines = lines
	return lines
}
