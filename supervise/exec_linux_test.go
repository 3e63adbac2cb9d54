package supervise

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/go-hclog"

	"github.com/ddnsd/ddns/testsupport/linebuf"
)

// realHarness runs a Supervisor with the real starter and clock.
type realHarness struct {
	t      *testing.T
	sup    *Supervisor
	events chan Event
	ring   *LogRing
	logs   *linebuf.Buffer // the logger's JSON lines
	lines  <-chan string
}

func realPolicy() Policy {
	p := testPolicy()
	p.RestartDelay = time.Hour // backoff is observed, not waited for
	p.RestartDelayMax = time.Hour
	p.LongRestartDelay = 2 * time.Hour
	p.StopTimeout = 5 * time.Second
	return p
}

func startReal(t *testing.T, p Policy, cmd Command) *realHarness {
	t.Helper()
	return startRealWith(t, p, cmd, nil)
}

// startRealWith is startReal with the options adjusted by mod.
func startRealWith(t *testing.T, p Policy, cmd Command, mod func(*Options)) *realHarness {
	t.Helper()
	r := &realHarness{t: t, events: make(chan Event, 1000), ring: NewLogRing(100), logs: &linebuf.Buffer{}}
	r.lines, _ = r.ring.Subscribe()
	log := hclog.New(&hclog.LoggerOptions{Name: "test", Output: r.logs, JSONFormat: true, Level: hclog.Trace})
	o := Options{
		Policy:  p,
		Command: cmd,
		Starter: NewExecStarter(ExecOptions{Logger: log, Output: r.ring}),
		OnEvent: func(e Event) { r.events <- e },
	}
	if mod != nil {
		mod(&o)
	}
	r.sup = New(o)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.sup.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("Run did not return within 10s of cancel")
		}
	})
	return r
}

func (r *realHarness) waitEvent(kind EventKind) Event {
	r.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case e := <-r.events:
			if e.Kind == kind {
				return e
			}
		case <-deadline:
			r.t.Fatalf("no %q event within 10s; snapshot %+v", kind, r.sup.Snapshot())
		}
	}
}

// waitLine waits for a child output line with the prefix.
func (r *realHarness) waitLine(prefix string) string {
	r.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case l := <-r.lines:
			if strings.HasPrefix(l, prefix) {
				return l
			}
		case <-deadline:
			r.t.Fatalf("no output line starting %q within 10s; got %q", prefix, r.ring.Last(0))
		}
	}
}

func TestRealExitCodes(t *testing.T) {
	cases := []struct {
		code  int
		after EventKind // event after exited
		state State
	}{
		{0, EventStopped, StateStopped},
		{1, EventBackoff, StateBackoff},
		{2, EventWaitingConfig, StateWaitingConfig},
		{3, EventStarted, StateRunning}, // no readiness check: at once
		{4, EventBackoff, StateBackoff},
		{5, EventWaitingConfig, StateWaitingConfig},
	}
	for _, tc := range cases {
		t.Run(strconv.Itoa(tc.code), func(t *testing.T) {
			t.Parallel()
			r := startReal(t, realPolicy(), helperCommand("exit:"+strconv.Itoa(tc.code)))
			started := r.waitEvent(EventStarted)
			e := r.waitEvent(EventExited)
			if e.Code == nil || *e.Code != tc.code || e.PID != started.PID {
				t.Fatalf("exited event %+v, want code %d pid %d", e, tc.code, started.PID)
			}
			next := r.waitEvent(tc.after)
			if next.State != tc.state {
				t.Fatalf("%s event in state %s, want %s", next.Kind, next.State, tc.state)
			}
			if next.Kind == EventStarted && next.PID == started.PID {
				t.Fatal("restart reported the old pid")
			}
			r.waitLine("hello from child, exiting " + strconv.Itoa(tc.code))
		})
	}
}

func TestRealCrashes(t *testing.T) {
	for _, mode := range []string{"crash", "crash-after"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			r := startReal(t, realPolicy(), helperCommand(mode))
			r.waitEvent(EventStarted)
			e := r.waitEvent(EventExited)
			if e.Code == nil || *e.Code != -1 {
				t.Fatalf("exited event %+v, want code -1", e)
			}
			r.waitEvent(EventBackoff)
			le := r.sup.Snapshot().LastExit
			if le == nil || le.Signal != "SIGKILL" || !strings.Contains(le.Reason, "killed by signal SIGKILL") {
				t.Fatalf("last exit %+v, want SIGKILL", le)
			}
		})
	}
}

func TestRealStopKillsChildIgnoringSIGTERM(t *testing.T) {
	p := realPolicy()
	p.StopTimeout = 300 * time.Millisecond
	r := startReal(t, p, helperCommand("ignore-term"))
	r.waitLine("ready")
	begin := time.Now()
	if err := r.sup.Stop(); err != nil {
		t.Fatal(err)
	}
	r.waitEvent(EventKilled)
	r.waitEvent(EventStopped)
	if el := time.Since(begin); el < p.StopTimeout {
		t.Fatalf("stopped after %s, before the %s stop timeout", el, p.StopTimeout)
	}
	if le := r.sup.Snapshot().LastExit; le == nil || le.Signal != "SIGKILL" {
		t.Fatalf("last exit %+v, want SIGKILL", le)
	}
}

// gone reports whether pid no longer runs (a zombie waiting for an init that
// does not reap counts as gone: it runs no code and holds no resources).
func gone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	// The state follows the parenthesised command name.
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && len(s) > i+2 {
		return s[i+2] == 'Z' || s[i+2] == 'X'
	}
	return false
}

// waitGone waits until every pid is gone; there is no event for another
// process's death, so it polls, with a deadline.
func waitGone(t *testing.T, pids ...int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range pids {
		for !gone(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("process %d still runs 5s after it should have died", pid)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

func (r *realHarness) grandchildPIDs() []int {
	r.t.Helper()
	var pids []int
	for len(pids) < 2 {
		l := r.waitLine("gc:")
		pid, err := strconv.Atoi(strings.TrimPrefix(l, "gc:"))
		if err != nil {
			r.t.Fatalf("bad grandchild line %q", l)
		}
		pids = append(pids, pid)
	}
	return pids
}

func TestRealGrandchildrenDieOnStop(t *testing.T) {
	r := startReal(t, realPolicy(), helperCommand("grandchildren"))
	started := r.waitEvent(EventStarted)
	gcs := r.grandchildPIDs()
	for _, pid := range gcs {
		if gone(pid) {
			t.Fatalf("grandchild %d is not running before the stop", pid)
		}
	}
	if err := r.sup.Stop(); err != nil {
		t.Fatal(err)
	}
	r.waitEvent(EventStopped)
	// The cleanup kills the group before Done closes: no wait needed for the
	// kill itself, only for init to reap.
	waitGone(t, append(gcs, started.PID)...)
}

func TestRealGrandchildrenDieWhenChildExits(t *testing.T) {
	// These grandchildren ignore SIGHUP, so the session's hangup does not
	// stop them: only the group kill after the child's exit does.
	r := startReal(t, realPolicy(), helperCommand("grandchildren-exit"))
	gcs := r.grandchildPIDs()
	r.waitEvent(EventExited)
	waitGone(t, gcs...)
}

// logEntry is one hclog JSON line.
type logEntry map[string]any

func (r *realHarness) logEntries() []logEntry {
	var out []logEntry
	sc := bufio.NewScanner(strings.NewReader(r.logs.String()))
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		var e logEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			r.t.Fatalf("logger wrote a line that is not JSON: %q", sc.Text())
		}
		out = append(out, e)
	}
	return out
}

func TestRealGarbageOutput(t *testing.T) {
	r := startReal(t, realPolicy(), helperCommand("garbage"))
	r.waitEvent(EventExited) // Done closes only after both pipes are drained
	entries := r.logEntries()
	find := func(prefix string) logEntry {
		t.Helper()
		for _, e := range entries {
			if m, _ := e["@message"].(string); strings.HasPrefix(m, prefix) {
				return e
			}
		}
		t.Fatalf("no log entry starting %q in %d entries", prefix, len(entries))
		return nil
	}
	base := filepath.Base(os.Args[0])
	checks := []struct {
		prefix, level string
	}{
		{"stdout plain", "info"},
		{"plain before", "info"},
		{"bad bytes: \uFFFD", "info"},
		{"json warn", "warn"},
		{"json error", "error"},
		{"panic: boom", "error"},
		{"goroutine 1 [running]:", "error"},
		{"main.main()", "error"},
		{"xxxx", "info"},
	}
	for _, c := range checks {
		e := find(c.prefix)
		if e["@level"] != c.level {
			t.Errorf("%q logged at %v, want %s", c.prefix, e["@level"], c.level)
		}
		if mod, _ := e["@module"].(string); !strings.HasSuffix(mod, base) {
			t.Errorf("%q logged by %q, want the child's name %q", c.prefix, mod, base)
		}
	}
	if w := find("json warn"); w["zone"] != "example.com" {
		t.Errorf("json fields lost: %v", w)
	}
	long, _ := find("xxxx")["@message"].(string)
	if len(long) > maxLineBytes+100 || !strings.Contains(long, "bytes of this line dropped") {
		t.Errorf("1 MB line logged as %d bytes, want it cut near %d with a note", len(long), maxLineBytes)
	}
	for _, e := range entries {
		if m, _ := e["@message"].(string); strings.Contains(m, "\xff") {
			t.Errorf("invalid UTF-8 reached the log: %q", m)
		}
	}
}

func TestRealMissingOrNonExecutableCommand(t *testing.T) {
	dir := t.TempDir()
	noExec := filepath.Join(dir, "updater")
	if err := os.WriteFile(noExec, []byte("#!/bin/sh\nexit 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ path, want string }{
		{filepath.Join(dir, "missing"), "no such file"},
		{noExec, "permission denied"},
	}
	for _, tc := range cases {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			p := realPolicy()
			p.RestartDelay = 20 * time.Millisecond
			r := startReal(t, p, Command{Path: tc.path})
			for i := 0; i < 2; i++ {
				e := r.waitEvent(EventStartFailed)
				if !strings.Contains(e.Detail, tc.want) || !strings.Contains(e.Detail, tc.path) {
					t.Fatalf("start-failed detail %q, want %q and the path", e.Detail, tc.want)
				}
				r.waitEvent(EventBackoff)
			}
			// Still alive and answering; a fixed command starts.
			if err := r.sup.Update(p, helperCommand("ignore-term"), true); err != nil {
				t.Fatal(err)
			}
			r.waitEvent(EventStarted)
		})
	}
}

// TestKill9SupervisorLeavesNoOrphans kills a supervisor process with SIGKILL
// and checks that its child and grandchildren die too.
func TestKill9SupervisorLeavesNoOrphans(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=mini-supervisor")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var output linebuf.Buffer
	go output.Feed(out)
	lines := output.Cursor()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var pids []int
	for len(pids) < 3 {
		l, err := lines.Await(ctx, func(l string) bool { return strings.HasPrefix(l, "child:") || strings.HasPrefix(l, "gc:") })
		switch {
		case errors.Is(err, linebuf.ErrClosed):
			t.Fatalf("mini supervisor ended early; pids so far %v", pids)
		case err != nil:
			t.Fatalf("mini supervisor printed pids %v within 10s, want 3", pids)
		}
		_, s, _ := strings.Cut(l, ":")
		pid, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("bad line %q", l)
		}
		pids = append(pids, pid)
	}
	sort.Ints(pids)
	for _, pid := range pids {
		if gone(pid) {
			t.Fatalf("process %d is not running before the kill", pid)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	waitGone(t, pids...)
}

// hostileLines are what the "hostile" helper prints, one per line, a Go
// crash last (everything after its header is the crash report).
var hostileLines = []string{
	"plain \x1b[2J\x1b[31mred\rforged \u2028sep \u202eevil \u009b31m bad\xff end\ttab",
	`{"@level":"warn","@message":"msg \u001b[1mbold\r\u2028\u202e","@module":"mod\u001b[5m\u202e"}`,
	`{"@message":"key line","k\u001b[31m\u2029":"v"}`,
	`{"@message":"value line","v":"val\u001b]0;title\u0007\r\u0085\u202e","n":{"x":"\u009b"}}`,
	"panic: \x1b[2Jboom\u202e",
	"\t/src/main.go:12 +0x1d",
}

// rawHostile returns the first character of s that must not reach a
// terminal, log file or journal raw (a control character but a tab, DEL,
// C1, a line or paragraph separator, a bidi control, invalid UTF-8), or ""
// when there is none. The text format's own newline ends each entry and
// is not looked at.
func rawHostile(s string) string {
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"),
			r < 0x20 && r != '\t' && r != '\n', r == 0x7f, r >= 0x80 && r <= 0x9f,
			r == '\u2028', r == '\u2029', r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
			return fmt.Sprintf("%U", r)
		}
	}
	return ""
}

// TestRealHostileOutputIsEscaped: a real child prints escape sequences,
// carriage returns, C1 controls, separators, bidi overrides and invalid
// UTF-8, in plain lines, in a JSON line's message, field name, field value
// and module, and in a crash report. The supervisor's log, as JSON and as
// text, holds none of them raw, but their escaped forms, one entry per
// line, with valid text and tabs as they were.
func TestRealHostileOutputIsEscaped(t *testing.T) {
	want := []string{
		`plain \x1b[2J\x1b[31mred\rforged \u2028sep \u202eevil \u009b31m bad` + "\uFFFD end\ttab",
		`msg \x1b[1mbold\r\u2028\u202e`,
		`k\x1b[31m\u2029`,
		`val\x1b]0;title\a\r\u0085\u202e`,
		`"x":"\u009b"`, // hclog's text format quotes the JSON again: \"x\":\"\u009b\"
		`panic: \x1b[2Jboom\u202e`,
		"\t/src/main.go:12 +0x1d",
	}
	for _, format := range []string{"json", "text"} {
		t.Run(format, func(t *testing.T) {
			var out linebuf.Buffer
			r := startRealWith(t, realPolicy(), helperCommand("hostile"), func(o *Options) {
				log := hclog.New(&hclog.LoggerOptions{Name: "test", Output: &out, JSONFormat: format == "json", Level: hclog.Trace})
				o.Starter = NewExecStarter(ExecOptions{Logger: log, Output: NewLogRing(100)})
			})
			r.waitEvent(EventExited) // Done closes only after both pipes are drained
			var text strings.Builder // every string the log holds, decoded
			childEntries := 0
			for _, line := range out.Lines() {
				if format == "json" {
					var e map[string]any
					if err := json.Unmarshal([]byte(line), &e); err != nil {
						t.Fatalf("the log holds a line that is not JSON: %q", line)
					}
					if !strings.HasSuffix(fmt.Sprint(e["@module"]), filepath.Base(os.Args[0])) {
						continue
					}
					childEntries++
					for k, v := range e {
						fmt.Fprintf(&text, "%s=%v\n", k, v)
					}
					continue
				}
				if strings.Contains(line, filepath.Base(os.Args[0])+":") {
					childEntries++
				}
				text.WriteString(line + "\n")
			}
			got := text.String()
			if c := rawHostile(got); c != "" {
				t.Errorf("%s reached the log raw:\n%q", c, got)
			}
			if childEntries != len(hostileLines) {
				t.Errorf("the child printed %d lines and the log holds %d entries of it:\n%s", len(hostileLines), childEntries, out.String())
			}
			for _, w := range want {
				if format == "text" {
					w = strings.ReplaceAll(w, `"`, `\"`)
				}
				if !strings.Contains(got, w) {
					t.Errorf("the log lacks %q:\n%s", w, got)
				}
			}
		})
	}
}
