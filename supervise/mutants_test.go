package supervise

// Tests written to kill the mutants `mutate/run ./supervise` found alive:
// each states a behaviour no other test checked (see mutate/equivalent.txt
// for the mutants no test can tell apart).

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

// TestLogRingDefaultCapacity: a ring asked for no capacity (0, or a
// negative number) keeps the default 1000 lines, the newest ones.
func TestLogRingDefaultCapacity(t *testing.T) {
	for _, capacity := range []int{0, -1} {
		t.Run(fmt.Sprint(capacity), func(t *testing.T) {
			r := NewLogRing(capacity)
			for i := 1; i <= 1001; i++ {
				r.Append(fmt.Sprint(i))
			}
			got := r.Last(0)
			if len(got) != 1000 || got[0] != "2" || got[999] != "1001" {
				t.Fatalf("kept %d lines, want the newest 1000 (2 .. 1001); the oldest kept: %q", len(got), got[:min(1, len(got))])
			}
		})
	}
}

// lockedBuffer is a logger's output, safe for the loop's writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// entries parses the JSON log lines written so far.
func (l *lockedBuffer) entries(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	text := l.b.String()
	l.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		var e map[string]any
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("log line %q is not JSON: %v", sc.Text(), err)
		}
		out = append(out, e)
	}
	return out
}

// find returns the first entry with the message, failing when there is none.
func find(t *testing.T, entries []map[string]any, msg string) map[string]any {
	t.Helper()
	for _, e := range entries {
		if e["@message"] == msg {
			return e
		}
	}
	t.Fatalf("no log entry %q in %v", msg, entries)
	return nil
}

// jsonLogger logs at every level, as JSON, into buf.
func jsonLogger(buf *lockedBuffer) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{Output: buf, JSONFormat: true, Level: hclog.Trace})
}

// TestEventsAreLogged: every event is logged with the state it leaves the
// child in, the child's pid when one is concerned and the event's detail.
func TestEventsAreLogged(t *testing.T) {
	var buf lockedBuffer
	h := newHarness(t, testPolicy(), func(o *Options) { o.Logger = jsonLogger(&buf) })
	p := h.proc()
	p.exitWith(exitCode(1))
	h.waitEvent(EventBackoff)
	entries := buf.entries(t)
	started := find(t, entries, "child started")
	if started["state"] != "running" || started["pid"] != float64(p.pid) || started["detail"] != "started /usr/local/bin/updater" {
		t.Errorf("started logged as %v, want state running, pid %d and the detail", started, p.pid)
	}
	backoff := find(t, entries, "child backoff")
	if _, ok := backoff["pid"]; ok || backoff["state"] != "backoff" || !strings.HasPrefix(fmt.Sprint(backoff["detail"]), "exit code 1 (restart); restarting in 1s") {
		t.Errorf("backoff logged as %v, want state backoff, no pid and the delay in the detail", backoff)
	}
}

// stubbornProc is a child whose Terminate and Kill fail (as when the
// process is already gone or not ours to signal); Kill still ends it, so the
// test can finish.
type stubbornProc struct{ *fakeProc }

func (p stubbornProc) Terminate() error { return errors.New("operation not permitted") }
func (p stubbornProc) Kill() error {
	p.exitWith(ExitStatus{Code: -1, Signal: "killed"})
	return errors.New("operation not permitted")
}

type stubbornStarter struct{ *fakeStarter }

func (s stubbornStarter) Start(cmd Command) (Process, error) {
	p, err := s.fakeStarter.Start(cmd)
	if err != nil {
		return nil, err
	}
	return stubbornProc{p.(*fakeProc)}, nil
}

// TestFailedStopSignalsAreLogged: a Terminate that fails is logged (at
// debug: the child may just have exited), a Kill that fails is a warning,
// each with the pid and the error.
func TestFailedStopSignalsAreLogged(t *testing.T) {
	var buf lockedBuffer
	h := newHarness(t, testPolicy(), func(o *Options) {
		o.Logger = jsonLogger(&buf)
		o.Starter = stubbornStarter{o.Starter.(*fakeStarter)}
	})
	p := h.proc()
	if err := h.sup.Stop(); err != nil {
		t.Fatal(err)
	}
	h.waitEvent(EventStopping)
	h.clock.Advance(testPolicy().StopTimeout)
	h.waitEvent(EventStopped)
	entries := buf.entries(t)
	for _, want := range []struct{ msg, level string }{
		{"asking the child to stop failed; it may have exited already", "debug"},
		{"killing the child failed", "warn"},
	} {
		e := find(t, entries, want.msg)
		if e["@level"] != want.level || e["pid"] != float64(p.pid) || e["error"] != "operation not permitted" {
			t.Errorf("%q logged as %v, want level %s with the pid and the error", want.msg, e, want.level)
		}
	}
}

// TestHeartbeatWithWatchdogOff: with Watchdog 0 heartbeats are recorded
// but never arm a watchdog: the child keeps running however long it is
// silent afterwards.
func TestHeartbeatWithWatchdogOff(t *testing.T) {
	pol := testPolicy()
	pol.Watchdog = 0
	pol.StableAfter = 0
	h := newHarness(t, pol, nil)
	p := h.proc()
	h.sup.Heartbeat(h.clock.Now())
	h.clock.Advance(24 * time.Hour)
	// Each Snapshot is a round trip through the loop, which serves any
	// timer that fired before it or next to it.
	var s Snapshot
	for range 20 {
		s = h.sup.Snapshot()
		if s.State != StateRunning || s.PID != p.pid || !s.LastHeartbeat.Equal(epoch) {
			t.Fatalf("snapshot %+v a day after a heartbeat with the watchdog off, want pid %d running", s, p.pid)
		}
	}
	for _, e := range s.Events {
		if e.Kind == EventWatchdog {
			t.Fatalf("watchdog event with the watchdog off: %+v", e)
		}
	}
}

// TestRestartReasonRecorded: the restart-requested event carries the
// caller's reason, or "restart requested" when it gave none.
func TestRestartReasonRecorded(t *testing.T) {
	for _, tc := range []struct{ reason, want string }{
		{"operator asked", "operator asked"},
		{"", "restart requested"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			h := newHarness(t, testPolicy(), nil)
			h.proc()
			if err := h.sup.Restart(tc.reason); err != nil {
				t.Fatal(err)
			}
			if e := h.waitEvent(EventRestartRequested); e.Detail != tc.want {
				t.Errorf("restart-requested detail %q, want %q", e.Detail, tc.want)
			}
			h.proc()
		})
	}
}

// TestShutdownWithoutChildEndsStopped: when Run's context ends while no
// child runs, the supervisor ends stopped, with one stopped event saying
// why when it was not stopped already.
func TestShutdownWithoutChildEndsStopped(t *testing.T) {
	cases := []struct {
		name        string
		exit        int // the first child's exit, -1 to start stopped
		wantStopped int // stopped events the shutdown adds
	}{
		{"backoff", 1, 1},
		{"waiting-config", 2, 1},
		{"already stopped", -1, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, testPolicy(), func(o *Options) { o.StartStopped = tc.exit < 0 })
			if tc.exit >= 0 {
				h.proc().exitWith(exitCode(tc.exit))
				h.waitEvent(EventExited)
				h.nextEvent() // backoff or waiting-config
			}
			before := len(h.sup.Snapshot().Events)
			h.cancel()
			select {
			case err := <-h.runErr:
				h.runErr <- err // for the harness's cleanup
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Run did not return after its context ended")
			}
			s := h.sup.Snapshot()
			added := s.Events[before:]
			n := 0
			for _, e := range added {
				if e.Kind == EventStopped && e.Detail == "supervisor shutting down" {
					n++
				}
			}
			if s.State != StateStopped || n != tc.wantStopped || len(added) != tc.wantStopped {
				t.Errorf("after shutdown: state %s, events added %+v; want stopped with %d stopped event(s)", s.State, added, tc.wantStopped)
			}
		})
	}
}

// gateReady is a readiness check that blocks until the test answers it.
type gateReady struct {
	asked  chan struct{}
	answer chan bool
}

func (g *gateReady) Check(ctx context.Context) (bool, string) {
	g.asked <- struct{}{}
	select {
	case ok := <-g.answer:
		return ok, "gate says so"
	case <-ctx.Done():
		return false, "cancelled"
	}
}

// TestStartingWhileTheCheckRuns: while the readiness check before a start
// runs, the state is starting, whether the start came from stopped or from
// a backoff; once it passes, the child starts.
func TestStartingWhileTheCheckRuns(t *testing.T) {
	g := &gateReady{asked: make(chan struct{}), answer: make(chan bool)}
	h := newHarness(t, testPolicy(), func(o *Options) { o.Ready = g })
	checking := func(from string) {
		t.Helper()
		select {
		case <-g.asked:
		case <-time.After(5 * time.Second):
			t.Fatalf("no readiness check after %s", from)
		}
		if s := h.sup.Snapshot().State; s != StateStarting {
			t.Errorf("state %s while the check after %s runs, want starting", s, from)
		}
		g.answer <- true
	}
	checking("Run began")
	h.proc().exitWith(exitCode(1))
	h.waitEvent(EventBackoff)
	h.clock.Advance(time.Second)
	checking("the backoff")
	h.proc()
}

// TestPanickingCheckIsNotReady: a readiness check that panics counts as
// not ready, with the panic in the reason, instead of leaving the start
// hanging; the next check that passes starts the child.
func TestPanickingCheckIsNotReady(t *testing.T) {
	var calls int
	var mu sync.Mutex
	ready := readyFunc(func(context.Context) (bool, string) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n == 1 {
			panic("probe bug")
		}
		return true, "fine now"
	})
	h := newHarness(t, testPolicy(), func(o *Options) { o.Ready = ready })
	e := h.waitEvent(EventWaitingNetwork)
	if !strings.Contains(e.Detail, "the readiness check panicked: probe bug") {
		t.Errorf("waiting-network detail %q, want the panic", e.Detail)
	}
	h.sup.NetworkChanged()
	h.proc()
}

// readyFunc is a Readiness from a function.
type readyFunc func(context.Context) (bool, string)

func (f readyFunc) Check(ctx context.Context) (bool, string) { return f(ctx) }

// TestFailedCheckAfterNetworkChangeKeepsTimedChecks: a check made early
// (NetworkChanged) that fails again goes back to timed re-checks, starting
// from ProbeInterval, so the supervisor never ends up waiting only for the
// next network change.
func TestFailedCheckAfterNetworkChangeKeepsTimedChecks(t *testing.T) {
	ready := &fakeReady{reason: "no route to host"}
	pol := testPolicy()
	h := newHarness(t, pol, func(o *Options) { o.Ready = ready })
	h.waitEvent(EventWaitingNetwork)
	h.waitTimers(1)
	h.sup.NetworkChanged()
	h.waitTimers(1)
	if got := h.pendingDelay(); got != pol.ProbeInterval {
		t.Fatalf("re-check in %s after a failed early check, want ProbeInterval %s", got, pol.ProbeInterval)
	}
	if s := h.sup.Snapshot(); s.State != StateWaitingNetwork || !s.NextStart.Equal(h.clock.Now().Add(pol.ProbeInterval)) {
		t.Fatalf("snapshot %+v, want waiting-network with the next check in %s", s, pol.ProbeInterval)
	}
}

// TestFailedStartShownAsExitCodeMinusOne: a child that could not be
// started has no exit code: the last exit shows -1 and says why.
func TestFailedStartShownAsExitCodeMinusOne(t *testing.T) {
	h := newHarness(t, testPolicy(), func(o *Options) { o.Starter.(*fakeStarter).failNext = 1 })
	h.waitEvent(EventBackoff)
	le := h.sup.Snapshot().LastExit
	if le == nil || le.Code != -1 || le.Signal != "" || !strings.HasPrefix(le.Reason, "start failed: fork/exec") {
		t.Fatalf("last exit %+v, want code -1 and the start failure", le)
	}
}

// TestStableAfterZeroNeverResets: with StableAfter 0 a long run does not
// reset the backoff: the delay keeps doubling from failure to failure.
func TestStableAfterZeroNeverResets(t *testing.T) {
	pol := testPolicy()
	pol.StableAfter = 0
	h := newHarness(t, pol, nil)
	for _, want := range []time.Duration{1, 2, 4} {
		p := h.proc()
		h.clock.Advance(24 * time.Hour) // a long, healthy run
		p.exitWith(exitCode(1))
		h.waitEvent(EventBackoff)
		if got := h.pendingDelay(); got != want*time.Second {
			t.Fatalf("delay %s, want %s (no reset with StableAfter 0)", got, want*time.Second)
		}
		h.clock.Advance(want * time.Second)
	}
	for _, e := range h.sup.Snapshot().Events {
		if e.Kind == EventStable {
			t.Fatalf("stable event with StableAfter 0: %+v", e)
		}
	}
}

// TestEveryFailureCounts: an exit that waits for a config, for the network
// or for the long delay is a failure like any other: the consecutive
// failures count it, and the long delay doubles from one to the next.
func TestEveryFailureCounts(t *testing.T) {
	cases := []struct {
		name string
		code int
	}{
		{"wait-config", 2},
		{"wait-network", 3},
		{"restart-long", 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pol := testPolicy()
			pol.RestartDelayMax = time.Hour
			h := newHarness(t, pol, nil)
			for i := 1; i <= 2; i++ {
				h.proc().exitWith(exitCode(tc.code))
				h.waitEvent(EventExited)
				if f := h.sup.Snapshot().ConsecutiveFailures; f != i {
					t.Fatalf("exit %d number %d: ConsecutiveFailures %d, want %d", tc.code, i, f, i)
				}
				switch tc.code {
				case 2:
					if err := h.sup.Start(); err != nil {
						t.Fatal(err)
					}
				case 4:
					if got, want := h.pendingDelay(), pol.LongRestartDelay<<(i-1); got != want {
						t.Fatalf("long delay %s after failure %d, want %s", got, i, want)
					}
					h.clock.Advance(h.pendingDelay())
				}
			}
		})
	}
}
