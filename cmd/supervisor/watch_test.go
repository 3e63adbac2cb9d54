package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ddnsd/ddns/ipc"
)

// scripted is a fetch that answers from a list, then ends the watch.
func scripted(cancel context.CancelFunc, replies ...any) func(context.Context) (*ipc.Status, error) {
	i := 0
	return func(context.Context) (*ipc.Status, error) {
		if i >= len(replies) {
			cancel()
			return nil, context.Canceled
		}
		r := replies[i]
		i++
		if err, ok := r.(error); ok {
			return nil, err
		}
		st := r.(ipc.Status)
		return &st, nil
	}
}

func watchStatusDoc(pid int, uptime float64) ipc.Status {
	return ipc.Status{
		Supervisor: ipc.SupervisorStatus{PID: 1, UptimeSeconds: uptime, ConfigGeneration: 1},
		Child:      ipc.ChildStatus{State: "running", PID: pid, UptimeSeconds: uptime, LastReportAgeSeconds: uptime / 2},
		Network:    ipc.NetworkStatus{Ready: true, Checks: []ipc.CheckStatus{{Kind: "tcp", Target: "192.0.2.1:443", OK: true, LatencyMS: uptime}}},
		Records:    []ipc.RecordStatus{{Name: "home.example.com", Type: "A", Address: "192.0.2.7"}},
	}
}

// TestWatchPrintsABlockPerChange: without a terminal, a block is printed
// for the first status and then only when something changed; uptimes,
// ages and probe latencies moving on are not a change, a new child and
// a supervisor that stops answering are.
func TestWatchPrintsABlockPerChange(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out strings.Builder
	down := errors.New("connect: no such file or directory")
	w := &watcher{out: &out, every: time.Nanosecond, socket: "/run/s.sock",
		now: func() time.Time { return time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC) },
		fetch: scripted(cancel,
			watchStatusDoc(10, 1), watchStatusDoc(10, 2), watchStatusDoc(10, 3), // one block
			watchStatusDoc(11, 0), // a new child
			down, down,            // one block saying so
			watchStatusDoc(11, 5))} // back
	w.run(ctx)
	text := out.String()
	if n := strings.Count(text, "--- 2026-12-02T03:00:00Z\n"); n != 4 {
		t.Errorf("%d blocks, want 4 (first, new child, no answer, back):\n%s", n, text)
	}
	if strings.Count(text, "child       running (pid 10,") != 1 || strings.Count(text, "child       running (pid 11,") != 2 {
		t.Errorf("blocks do not show pid 10 once and pid 11 twice:\n%s", text)
	}
	if strings.Count(text, "no answer from the supervisor on /run/s.sock: connect: no such file or directory") != 1 {
		t.Errorf("the lost supervisor is not shown once:\n%s", text)
	}
	if strings.Contains(text, "\x1b[") {
		t.Errorf("terminal control sequences in a watch without a terminal:\n%q", text)
	}
}

// TestWatchRedrawsOnTerminal: on a terminal every tick repaints the screen
// from its top, even when nothing changed (ages count on), and erases what
// a longer previous table left below.
func TestWatchRedrawsOnTerminal(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out strings.Builder
	w := &watcher{out: &out, every: time.Nanosecond, term: true, socket: "s",
		fetch: scripted(cancel, watchStatusDoc(10, 1), watchStatusDoc(10, 2), watchStatusDoc(10, 3))}
	w.run(ctx)
	frames := strings.Split(out.String(), "\x1b[H")[1:]
	if len(frames) != 3 {
		t.Fatalf("%d frames, want 3:\n%q", len(frames), out.String())
	}
	for i, f := range frames {
		if !strings.HasPrefix(f, "supervisor status --watch") || !strings.HasSuffix(f, "\x1b[J") || !strings.Contains(f, "child       running (pid 10, up ") {
			t.Errorf("frame %d is not a whole table from the top, erased below:\n%q", i, f)
		}
		if strings.Contains(f, "\n") && !strings.Contains(f, "\x1b[K\r\n") {
			t.Errorf("frame %d lines do not erase their rest:\n%q", i, f)
		}
	}
}

// TestWatchJSONLinePerChange: --watch --json prints one status document a
// line, again only on change, with or without a terminal.
func TestWatchJSONLinePerChange(t *testing.T) {
	for _, term := range []bool{false, true} {
		ctx, cancel := context.WithCancel(context.Background())
		var out strings.Builder
		w := &watcher{out: &out, every: time.Nanosecond, term: term, asJSON: true,
			fetch: scripted(cancel, watchStatusDoc(10, 1), watchStatusDoc(10, 2), watchStatusDoc(12, 0))}
		w.run(ctx)
		cancel()
		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		if len(lines) != 2 {
			t.Fatalf("terminal %v: %d lines, want 2:\n%s", term, len(lines), out.String())
		}
		var st ipc.Status
		if err := json.Unmarshal([]byte(lines[1]), &st); err != nil || st.Child.PID != 12 {
			t.Errorf("terminal %v: second line %q: %v (pid %d, want 12)", term, lines[1], err, st.Child.PID)
		}
	}
}

// TestWatchShowsTheJournalTail: the journal's newest lines follow the
// table, and a new journal line is a change of its own.
func TestWatchShowsTheJournalTail(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out strings.Builder
	tails := [][]string{{"a started"}, {"a started"}, {"a started", "b changed"}}
	n := 0
	w := &watcher{out: &out, every: time.Nanosecond, socket: "s",
		tail:  func(*ipc.Status) []string { n++; return tails[n-1] },
		fetch: scripted(cancel, watchStatusDoc(10, 1), watchStatusDoc(10, 2), watchStatusDoc(10, 3))}
	w.run(ctx)
	blocks := strings.Split(out.String(), "--- ")[1:]
	if len(blocks) != 2 {
		t.Fatalf("%d blocks, want 2 (the first, the new journal line):\n%s", len(blocks), out.String())
	}
	if !strings.HasSuffix(blocks[1], "journal (the last entries)\n  a started\n  b changed\n") {
		t.Errorf("the second block does not end with the journal's lines:\n%s", blocks[1])
	}
}
