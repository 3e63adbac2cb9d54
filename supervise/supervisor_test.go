package supervise

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ddnsd/ddns/clock/clocktest"
)

func TestBackoffDoublesToTheCap(t *testing.T) {
	h := newHarness(t, testPolicy(), nil)
	want := []time.Duration{1, 2, 4, 8, 10, 10, 10}
	for i, w := range want {
		w *= time.Second
		p := h.proc()
		p.exitWith(exitCode(1))
		h.waitEvent(EventBackoff)
		if got := h.pendingDelay(); got != w {
			t.Fatalf("failure %d: backoff %s, want %s", i+1, got, w)
		}
		snap := h.sup.Snapshot()
		if snap.State != StateBackoff || snap.ConsecutiveFailures != i+1 {
			t.Fatalf("failure %d: state %s failures %d, want backoff and %d", i+1, snap.State, snap.ConsecutiveFailures, i+1)
		}
		if got := snap.NextStart.Sub(h.clock.Now()); got != w {
			t.Fatalf("failure %d: NextStart in %s, want %s", i+1, got, w)
		}
		h.clock.Advance(w - time.Nanosecond)
		h.noStart()
		h.clock.Advance(time.Nanosecond)
	}
	h.proc()
	if got := h.sup.Snapshot().Restarts; got != len(want) {
		t.Fatalf("Restarts %d, want %d", got, len(want))
	}
}

func TestJitterStaysWithinBounds(t *testing.T) {
	cases := []struct {
		name string
		r    float64
		mult float64 // expected factor on the un-jittered delay, before the cap
	}{
		{"lowest", 0, 0.9},
		{"middle", 0.5, 1.0},
		{"highest", 0.999999, 1.1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := testPolicy()
			p.Jitter = 0.1
			h := newHarness(t, p, func(o *Options) { o.Rand = func() float64 { return tc.r } })
			for i, base := range []time.Duration{1, 2, 4, 8, 10} {
				base *= time.Second
				h.proc().exitWith(exitCode(1))
				h.waitEvent(EventBackoff)
				got := h.pendingDelay()
				want := min(time.Duration(float64(base)*(1+0.1*(2*tc.r-1))), p.RestartDelayMax)
				if d := got - want; d < -time.Microsecond || d > time.Microsecond {
					t.Fatalf("failure %d: delay %s, want %s", i+1, got, want)
				}
				h.clock.Advance(got)
			}
		})
	}
	t.Run("random", func(t *testing.T) {
		p := testPolicy()
		p.Jitter = 0.1
		p.RestartDelayMax = time.Hour
		rng := rand.New(rand.NewPCG(1, 2))
		h := newHarness(t, p, func(o *Options) { o.Rand = rng.Float64 })
		seen := map[time.Duration]bool{}
		for i := 0; i < 12; i++ {
			h.proc().exitWith(exitCode(1))
			h.waitEvent(EventBackoff)
			got := h.pendingDelay()
			base := time.Second << i
			if lo, hi := time.Duration(float64(base)*0.9), time.Duration(float64(base)*1.1); got < lo || got > hi {
				t.Fatalf("failure %d: delay %s outside [%s, %s]", i+1, got, lo, hi)
			}
			seen[got] = true
			h.clock.Advance(got)
		}
		if len(seen) < 12 {
			t.Fatalf("jitter produced repeated delays: %v", seen)
		}
	})
}

func TestStableRunResetsBackoff(t *testing.T) {
	h := newHarness(t, testPolicy(), nil)
	for _, d := range []time.Duration{1, 2, 4} {
		h.proc().exitWith(exitCode(1))
		h.waitEvent(EventBackoff)
		h.clock.Advance(d * time.Second)
	}
	p := h.proc()
	if f := h.sup.Snapshot().ConsecutiveFailures; f != 3 {
		t.Fatalf("ConsecutiveFailures %d before the stable run, want 3", f)
	}
	h.clock.Advance(59 * time.Second)
	if f := h.sup.Snapshot().ConsecutiveFailures; f != 3 {
		t.Fatalf("reset after 59s already (failures %d); StableAfter is 60s", f)
	}
	h.clock.Advance(time.Second)
	h.waitEvent(EventStable)
	if f := h.sup.Snapshot().ConsecutiveFailures; f != 0 {
		t.Fatalf("ConsecutiveFailures %d after a stable run, want 0", f)
	}
	p.exitWith(exitCode(1))
	h.waitEvent(EventBackoff)
	if got := h.pendingDelay(); got != time.Second {
		t.Fatalf("delay after a stable run %s, want the first delay 1s", got)
	}
}

func TestCrashLoopEntryAndExit(t *testing.T) {
	pol := testPolicy()
	pol.CrashLoopRestarts = 3
	pol.CrashLoopWindow = time.Minute
	pol.CrashLoopCooldown = 10 * time.Minute
	h := newHarness(t, pol, nil)
	for _, d := range []time.Duration{1, 2, 4} {
		h.proc().exitWith(exitCode(1))
		e := h.nextEvent()
		for e.Kind != EventBackoff && e.Kind != EventCrashLoop {
			e = h.nextEvent()
		}
		if e.Kind != EventBackoff {
			t.Fatalf("got %s after %d restarts, want backoff", e.Kind, d)
		}
		h.clock.Advance(d * time.Second)
	}
	h.proc().exitWith(exitCode(1))
	h.waitEvent(EventCrashLoop)
	snap := h.sup.Snapshot()
	if snap.State != StateCrashLoop {
		t.Fatalf("state %s, want crash-loop", snap.State)
	}
	if got := h.pendingDelay(); got != 10*time.Minute {
		t.Fatalf("cooldown %s, want 10m", got)
	}
	h.clock.Advance(10*time.Minute - time.Second)
	h.noStart()
	h.clock.Advance(time.Second)
	p := h.proc() // tried again after the cooldown: never gives up
	p.exitWith(exitCode(1))
	e := h.waitEvent(EventBackoff)
	if e.State != StateBackoff {
		t.Fatalf("after the cooldown a failure gave state %s, want backoff (history starts afresh)", e.State)
	}
	// The backoff keeps growing across the pause: this is the 5th failure.
	if got := h.pendingDelay(); got != 10*time.Second {
		t.Fatalf("delay %s after the cooldown, want 10s (capped)", got)
	}
}

func TestCrashLoopEndsOnRestartAndUpdate(t *testing.T) {
	for _, how := range []string{"restart", "update"} {
		t.Run(how, func(t *testing.T) {
			pol := testPolicy()
			pol.CrashLoopRestarts = 1
			pol.RestartDelay = 0
			h := newHarness(t, pol, nil)
			h.proc().exitWith(exitCode(1))
			h.proc().exitWith(exitCode(1))
			h.waitEvent(EventCrashLoop)
			switch how {
			case "restart":
				if err := h.sup.Restart("operator asked"); err != nil {
					t.Fatal(err)
				}
			case "update":
				if err := h.sup.Update(pol, Command{Path: "/new/updater"}, false); err != nil {
					t.Fatal(err)
				}
			}
			h.proc()
			snap := h.sup.Snapshot()
			if snap.State != StateRunning {
				t.Fatalf("state %s, want running", snap.State)
			}
			if how == "update" && snap.Command.Path != "/new/updater" {
				t.Fatalf("command %q, want the updated one", snap.Command.Path)
			}
		})
	}
}

func TestExitCodeActions(t *testing.T) {
	cases := []struct {
		name      string
		exit      ExitStatus
		always    bool
		wantEvent EventKind
		wantState State
		wantDelay time.Duration // for backoff
	}{
		{"0 stays stopped", exitCode(0), false, EventStopped, StateStopped, 0},
		{"0 restarts when always", exitCode(0), true, EventBackoff, StateBackoff, time.Second},
		{"1 backoff", exitCode(1), false, EventBackoff, StateBackoff, time.Second},
		{"2 waits for config", exitCode(2), false, EventWaitingConfig, StateWaitingConfig, 0},
		{"4 long backoff", exitCode(4), false, EventBackoff, StateBackoff, 30 * time.Second},
		{"5 waits for config", exitCode(5), false, EventWaitingConfig, StateWaitingConfig, 0},
		{"unknown code backoff", exitCode(77), false, EventBackoff, StateBackoff, time.Second},
		{"signal backoff", ExitStatus{Code: -1, Signal: "killed"}, false, EventBackoff, StateBackoff, time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pol := testPolicy()
			pol.RestartAlways = tc.always
			h := newHarness(t, pol, nil)
			h.proc().exitWith(tc.exit)
			e := h.waitEvent(EventExited)
			if e.Code == nil || *e.Code != tc.exit.Code {
				t.Fatalf("exited event code %v, want %d", e.Code, tc.exit.Code)
			}
			e = h.nextEvent()
			if e.Kind != tc.wantEvent || e.State != tc.wantState {
				t.Fatalf("after %+v got event %s state %s, want %s %s", tc.exit, e.Kind, e.State, tc.wantEvent, tc.wantState)
			}
			if tc.wantDelay > 0 {
				if got := h.pendingDelay(); got != tc.wantDelay {
					t.Fatalf("delay %s, want %s", got, tc.wantDelay)
				}
				h.clock.Advance(tc.wantDelay)
				h.proc()
				return
			}
			// No restart is scheduled, however long we wait.
			if n := h.clock.Pending(); n != 0 {
				t.Fatalf("%d timers armed in %s, want none", n, e.State)
			}
			h.clock.Advance(24 * time.Hour)
			h.noStart()
			if tc.wantState == StateWaitingConfig {
				if err := h.sup.Update(pol, Command{Path: "/usr/local/bin/updater"}, false); err != nil {
					t.Fatal(err)
				}
				h.proc()
			}
		})
	}
}

func TestExitCode3WaitsForNetworkThenStartsAtOnce(t *testing.T) {
	ready := &fakeReady{reason: "tcp 1.1.1.1:443: connection refused"}
	ready.ready.Store(true)
	pol := testPolicy()
	pol.ProbeInterval = 5 * time.Second
	pol.ProbeIntervalMax = 20 * time.Second
	pol.CrashLoopRestarts = 2
	h := newHarness(t, pol, func(o *Options) { o.Ready = ready })
	p := h.proc()
	ready.ready.Store(false)
	p.exitWith(exitCode(3))
	e := h.waitEvent(EventWaitingNetwork)
	if e.State != StateWaitingNetwork || !strings.Contains(e.Detail, "connection refused") {
		t.Fatalf("waiting-network event %+v, want the probe's reason", e)
	}
	// The probe backs off 5s, 10s, 20s, 20s while the network stays down, and
	// this waiting never counts toward the crash loop (limit 2).
	for _, want := range []time.Duration{5, 10, 20, 20, 20} {
		want *= time.Second
		h.waitTimers(1)
		if got := h.pendingDelay(); got != want {
			t.Fatalf("probe interval %s, want %s", got, want)
		}
		h.clock.Advance(want) // fires the probe timer; the loop re-arms it after the check
	}
	if s := h.sup.Snapshot().State; s != StateWaitingNetwork {
		t.Fatalf("state %s while the network is down, want waiting-network", s)
	}
	ready.ready.Store(true)
	h.sup.NetworkChanged() // checks now: no need to wait for the 20s probe
	h.waitEvent(EventNetworkReady)
	h.proc()
}

func TestNetworkChangeStartsTheProbeScheduleAgain(t *testing.T) {
	ready := &fakeReady{reason: "tcp 1.1.1.1:443: connection refused"}
	pol := testPolicy()
	pol.ProbeInterval = 5 * time.Second
	pol.ProbeIntervalMax = 20 * time.Second
	h := newHarness(t, pol, func(o *Options) { o.Ready = ready })
	h.waitEvent(EventWaitingNetwork)
	for _, want := range []time.Duration{5, 10} {
		want *= time.Second
		h.waitTimers(1)
		if got := h.pendingDelay(); got != want {
			t.Fatalf("probe interval %s, want %s", got, want)
		}
		h.clock.Advance(want)
	}
	h.waitTimers(1)
	if got := h.pendingDelay(); got != 20*time.Second {
		t.Fatalf("probe interval %s before the network change, want 20s", got)
	}
	// The network changed but is still down: the next re-check comes after
	// ProbeInterval again, not after the grown delay.
	h.sup.NetworkChanged()
	h.waitTimers(1)
	if got := h.pendingDelay(); got != pol.ProbeInterval {
		t.Fatalf("probe interval %s after a network change, want %s", got, pol.ProbeInterval)
	}
}

func TestReadinessCheckedBeforeEveryStart(t *testing.T) {
	ready := &fakeReady{reason: "dns: no such host"}
	pol := testPolicy()
	h := newHarness(t, pol, func(o *Options) { o.Ready = ready })
	h.waitEvent(EventWaitingNetwork)
	if n := h.starter.count.Load(); n != 0 {
		t.Fatalf("%d children started while not ready", n)
	}
	ready.ready.Store(true)
	h.waitTimers(1)
	h.clock.Advance(pol.ProbeInterval)
	h.waitEvent(EventNetworkReady)
	p := h.proc()
	// A failure's restart checks again too.
	ready.ready.Store(false)
	p.exitWith(exitCode(1))
	h.waitEvent(EventBackoff)
	h.clock.Advance(time.Second)
	h.waitEvent(EventWaitingNetwork)
	h.noStart()
}

func TestClockJumpingBackwardsDoesNotWedge(t *testing.T) {
	pol := testPolicy()
	pol.CrashLoopRestarts = 3
	h := newHarness(t, pol, nil)
	h.proc().exitWith(exitCode(1))
	h.waitEvent(EventBackoff)
	h.clock.Set(epoch.Add(-24 * time.Hour)) // NTP step or a dead RTC battery
	h.clock.Advance(time.Second)
	h.proc().exitWith(exitCode(1))
	h.waitEvent(EventBackoff)
	if got := h.pendingDelay(); got != 2*time.Second {
		t.Fatalf("delay %s after the jump, want 2s", got)
	}
	h.clock.Advance(2 * time.Second)
	h.proc().exitWith(exitCode(1))
	h.waitEvent(EventBackoff)
	// Restart times recorded before the jump lie in the "future" now; they
	// must age out one window later rather than count forever.
	h.clock.Advance(4 * time.Second)
	p := h.proc()
	h.clock.Advance(2 * time.Minute) // running; the crash-loop window passes
	p.exitWith(exitCode(1))
	e := h.waitEvent(EventBackoff)
	if e.State != StateBackoff {
		t.Fatalf("state %s, want backoff", e.State)
	}
	h.clock.Set(epoch.Add(-48 * time.Hour))
	h.clock.Advance(h.pendingDelay())
	h.proc()
	snap := h.sup.Snapshot()
	if snap.State != StateRunning || !snap.StartedAt.Equal(h.clock.Now()) {
		t.Fatalf("snapshot %+v, want running since the (jumped) now", snap)
	}
}

func TestRestartAndUpdateAreNotFailures(t *testing.T) {
	pol := testPolicy()
	pol.CrashLoopRestarts = 2
	h := newHarness(t, pol, nil)
	h.proc()
	for i := 0; i < 6; i++ {
		var err error
		if i%2 == 0 {
			err = h.sup.Restart("operator asked")
		} else {
			err = h.sup.Update(pol, Command{Path: "/usr/local/bin/updater"}, true)
		}
		if err != nil {
			t.Fatal(err)
		}
		h.proc()
		snap := h.sup.Snapshot()
		if snap.ConsecutiveFailures != 0 || snap.State != StateRunning {
			t.Fatalf("after graceful restart %d: %+v, want running with no failures", i, snap)
		}
	}
	for _, e := range h.sup.Snapshot().Events {
		if e.Kind == EventBackoff || e.Kind == EventCrashLoop {
			t.Fatalf("graceful restarts produced %s: %+v", e.Kind, e)
		}
	}
}

func TestRestartEndsBackoffAndWaitingConfig(t *testing.T) {
	h := newHarness(t, testPolicy(), nil)
	h.proc().exitWith(exitCode(4))
	h.waitEvent(EventBackoff)
	if err := h.sup.Restart(""); err != nil {
		t.Fatal(err)
	}
	h.proc().exitWith(exitCode(2))
	h.waitEvent(EventWaitingConfig)
	if err := h.sup.Restart("try again"); err != nil {
		t.Fatal(err)
	}
	h.proc()
}

func TestWatchdog(t *testing.T) {
	pol := testPolicy()
	pol.Watchdog = 30 * time.Second
	pol.StableAfter = 0
	h := newHarness(t, pol, nil)
	p := h.proc()
	h.clock.Advance(20 * time.Second)
	h.sup.Heartbeat(h.clock.Now())
	h.clock.Advance(20 * time.Second) // 40s since start, 20s since the report
	if s := h.sup.Snapshot(); s.State != StateRunning || !s.LastHeartbeat.Equal(epoch.Add(20*time.Second)) {
		t.Fatalf("snapshot %+v, want running with the heartbeat recorded", s)
	}
	h.clock.Advance(10 * time.Second)
	e := h.waitEvent(EventWatchdog)
	if e.PID != p.pid {
		t.Fatalf("watchdog event for pid %d, want %d", e.PID, p.pid)
	}
	h.waitEvent(EventBackoff)
	if p.terms.Load() != 1 {
		t.Fatalf("child asked to stop %d times, want 1", p.terms.Load())
	}
	snap := h.sup.Snapshot()
	if snap.LastExit == nil || !strings.HasPrefix(snap.LastExit.Reason, "watchdog") || snap.ConsecutiveFailures != 1 {
		t.Fatalf("snapshot %+v, want a watchdog failure recorded", snap)
	}
}

func TestInspectorRestarts(t *testing.T) {
	cases := []struct {
		name   string
		info   ProcInfo
		checks int // inspections needed
		event  EventKind
	}{
		{"memory over the limit", ProcInfo{Status: "sleep", RSSBytes: 300 << 20}, 1, EventMemoryLimit},
		{"zombie", ProcInfo{Status: "zombie"}, 2, EventZombie},
		{"stopped", ProcInfo{Status: "stop", RSSBytes: 1 << 20}, 2, EventStoppedState},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pol := testPolicy()
			pol.MemoryLimitMB = 256
			pol.InspectInterval = 2 * time.Second
			pol.StableAfter = 0
			insp := &fakeInspector{}
			insp.set(ProcInfo{Status: "sleep", RSSBytes: 200 << 20})
			h := newHarness(t, pol, func(o *Options) { o.Inspector = insp })
			p := h.proc()
			h.clock.Advance(2 * time.Second) // healthy inspection
			h.waitTimers(1)
			insp.set(tc.info)
			for i := 0; i < tc.checks; i++ {
				if s := h.sup.Snapshot().State; s != StateRunning {
					t.Fatalf("state %s after %d bad inspections, want running", s, i)
				}
				h.clock.Advance(2 * time.Second)
				if i < tc.checks-1 {
					h.waitTimers(1)
				}
			}
			e := h.waitEvent(tc.event)
			if e.PID != p.pid {
				t.Fatalf("event for pid %d, want %d", e.PID, p.pid)
			}
			h.waitEvent(EventBackoff)
			if le := h.sup.Snapshot().LastExit; le == nil || !strings.HasPrefix(le.Reason, string(tc.event)) {
				t.Fatalf("last exit %+v, want reason starting %q", le, tc.event)
			}
		})
	}
}

func TestStopInBackoffStaysStopped(t *testing.T) {
	h := newHarness(t, testPolicy(), nil)
	h.proc().exitWith(exitCode(1))
	h.waitEvent(EventBackoff)
	if err := h.sup.Stop(); err != nil {
		t.Fatal(err)
	}
	if s := h.sup.Snapshot(); s.State != StateStopped || !s.NextStart.IsZero() {
		t.Fatalf("snapshot %+v, want stopped with nothing scheduled", s)
	}
	if n := h.clock.Pending(); n != 0 {
		t.Fatalf("%d timers still armed after Stop", n)
	}
	h.clock.Advance(time.Hour)
	h.noStart()
	if err := h.sup.Start(); err != nil {
		t.Fatal(err)
	}
	h.proc()
}

func TestStopKillsAfterTimeoutAndAnswersStartWhileStopping(t *testing.T) {
	h := newHarness(t, testPolicy(), func(o *Options) { o.Starter.(*fakeStarter).ignoreTerm = true })
	p := h.proc()
	if err := h.sup.Stop(); err != nil {
		t.Fatal(err)
	}
	h.waitEvent(EventStopping)
	// A command sent while stopping is answered and remembered.
	if err := h.sup.Start(); err != nil {
		t.Fatalf("Start while stopping: %v", err)
	}
	h.clock.Advance(10*time.Second - time.Nanosecond)
	if p.kills.Load() != 0 {
		t.Fatal("killed before StopTimeout")
	}
	h.clock.Advance(time.Nanosecond)
	h.waitEvent(EventKilled)
	h.proc()
	if p.kills.Load() != 1 || p.terms.Load() != 1 {
		t.Fatalf("terms %d kills %d, want 1 and 1", p.terms.Load(), p.kills.Load())
	}
}

func TestStartFailureIsRetried(t *testing.T) {
	h := newHarness(t, testPolicy(), func(o *Options) {
		o.StartStopped = true
		o.Starter.(*fakeStarter).failNext = 2
	})
	if err := h.sup.Start(); err != nil {
		t.Fatal(err)
	}
	e := h.waitEvent(EventStartFailed)
	if !strings.Contains(e.Detail, "no such file") {
		t.Fatalf("start-failed detail %q, want the starter's error", e.Detail)
	}
	h.waitEvent(EventBackoff)
	h.clock.Advance(time.Second)
	h.waitEvent(EventStartFailed)
	h.waitEvent(EventBackoff)
	h.clock.Advance(2 * time.Second)
	h.proc()
	if f := h.sup.Snapshot().ConsecutiveFailures; f != 2 {
		t.Fatalf("ConsecutiveFailures %d, want 2", f)
	}
}

func TestRunStopsChildOnCancel(t *testing.T) {
	clock := clocktest.New(epoch)
	st := newFakeStarter()
	st.ignoreTerm = true
	events := make(chan Event, 100)
	s := New(Options{Policy: testPolicy(), Starter: st, Clock: clock, OnEvent: func(e Event) { events <- e }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	p := <-st.started
	cancel()
	if err := clock.WaitForTimers(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	for e := range events {
		if e.Kind == EventStopping {
			break
		}
	}
	if err := s.Start(); !errors.Is(err, ErrShuttingDown) {
		t.Fatalf("Start during shutdown: %v, want ErrShuttingDown", err)
	}
	clock.Advance(10 * time.Second)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after the stop timeout")
	}
	if p.kills.Load() != 1 {
		t.Fatalf("kills %d, want 1", p.kills.Load())
	}
	if err := s.Stop(); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("Stop after Run: %v, want ErrNotRunning", err)
	}
	if got := s.Snapshot().State; got != StateStopped {
		t.Fatalf("final state %s, want stopped", got)
	}
}

func TestEventRingIsBounded(t *testing.T) {
	pol := testPolicy()
	pol.RestartDelay = 0
	h := newHarness(t, pol, func(o *Options) { o.EventCapacity = 8 })
	for i := 0; i < 10; i++ {
		h.proc().exitWith(exitCode(1))
	}
	h.proc()
	ev := h.sup.Snapshot().Events
	if len(ev) != 8 {
		t.Fatalf("%d events kept, want 8", len(ev))
	}
	if last := ev[len(ev)-1]; last.Kind != EventStarted {
		t.Fatalf("newest event %s, want started", last.Kind)
	}
	for i := 1; i < len(ev); i++ {
		if ev[i].At.Before(ev[i-1].At) {
			t.Fatal("events out of order")
		}
	}
}

// TestNewestEvents: which of the ring's events SnapshotLast(n) keeps.
func TestNewestEvents(t *testing.T) {
	ring := make([]Event, 30)
	for i := range ring {
		ring[i].PID = i
	}
	cases := []struct {
		name         string
		events, n    int
		kept, omit   int
		firstKeptPID int
	}{
		{"a number", 30, 20, 20, 10, 10},
		{"fewer than asked for", 5, 20, 5, 0, 0},
		{"none", 30, 0, 0, 30, 0},
		{"more than the ring holds", 30, 100, 30, 0, 0},
		{"all", 30, -1, 30, 0, 0},
		{"any negative is all", 30, -7, 30, 0, 0},
		{"empty ring", 0, 20, 0, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			kept, omitted := newestEvents(ring[:tc.events], tc.n)
			if len(kept) != tc.kept || omitted != tc.omit {
				t.Fatalf("kept %d, omitted %d; want %d, %d", len(kept), omitted, tc.kept, tc.omit)
			}
			if len(kept) > 0 && (kept[0].PID != tc.firstKeptPID || kept[len(kept)-1].PID != tc.events-1) {
				t.Errorf("kept pids %d..%d, want %d..%d (the newest)", kept[0].PID, kept[len(kept)-1].PID, tc.firstKeptPID, tc.events-1)
			}
		})
	}
}

func TestSnapshotLastKeepsTheNewestEvents(t *testing.T) {
	pol := testPolicy()
	pol.RestartDelay = 0
	h := newHarness(t, pol, func(o *Options) { o.EventCapacity = 8 })
	for i := 0; i < 10; i++ {
		h.proc().exitWith(exitCode(1))
	}
	p := h.proc()
	all := h.sup.Snapshot()
	if len(all.Events) != 8 || all.EventsOmitted != 0 {
		t.Fatalf("Snapshot: %d events, %d omitted; want the whole ring of 8, none omitted", len(all.Events), all.EventsOmitted)
	}
	for _, tc := range []struct{ n, kept int }{{-1, 8}, {-7, 8}, {0, 0}, {3, 3}, {8, 8}, {100, 8}} {
		got := h.sup.SnapshotLast(tc.n)
		if len(got.Events) != tc.kept || got.EventsOmitted != 8-tc.kept {
			t.Errorf("SnapshotLast(%d): %d events, %d omitted; want %d, %d", tc.n, len(got.Events), got.EventsOmitted, tc.kept, 8-tc.kept)
			continue
		}
		if want := all.Events[8-tc.kept:]; tc.kept > 0 && !reflect.DeepEqual(got.Events, want) {
			t.Errorf("SnapshotLast(%d) events %+v, want the newest %+v", tc.n, got.Events, want)
		}
		if got.PID != all.PID || got.State != all.State || got.Restarts != all.Restarts {
			t.Errorf("SnapshotLast(%d) = pid %d %s restarts %d, want Snapshot's pid %d %s restarts %d",
				tc.n, got.PID, got.State, got.Restarts, all.PID, all.State, all.Restarts)
		}
	}
	// A snapshot taken before an event keeps what it had; the next one has
	// the new event (the loop shares the published ring only until an event
	// comes in).
	before := h.sup.Snapshot().Events
	kept := append([]Event(nil), before...)
	p.exitWith(exitCode(1))
	h.proc()
	if !reflect.DeepEqual(before, kept) {
		t.Fatal("a later event changed the events of an earlier snapshot")
	}
	if last := h.sup.SnapshotLast(1).Events; len(last) != 1 || last[0].Kind != EventStarted || last[0].PID == all.PID {
		t.Fatalf("newest event after a restart %+v, want the new child's started event", last)
	}
}

// A config change that restarts the child must not undo a user's stop that
// is still in progress: once stopped, a new config does not overrule a stop
// (as in StateStopped), so the child must stay stopped.
func TestUpdateWhileStoppingKeepsTheStop(t *testing.T) {
	h := newHarness(t, testPolicy(), func(o *Options) { o.Starter.(*fakeStarter).ignoreTerm = true })
	p := h.proc()
	if err := h.sup.Stop(); err != nil {
		t.Fatal(err)
	}
	h.waitEvent(EventStopping)
	if err := h.sup.Update(testPolicy(), Command{Path: "/usr/local/bin/updater-new"}, true); err != nil {
		t.Fatal(err)
	}
	p.exitWith(ExitStatus{Code: 0})
	h.waitEvent(EventStopped)
	if s := h.sup.Snapshot(); s.State != StateStopped {
		t.Fatalf("state %s after a stop and a config update, want stopped", s.State)
	}
	h.noStart()
	// The new command is kept for the next explicit start.
	if err := h.sup.Start(); err != nil {
		t.Fatal(err)
	}
	h.proc()
	if got := h.sup.Snapshot().Command.Path; got != "/usr/local/bin/updater-new" {
		t.Fatalf("command %q after Start, want the updated one", got)
	}
}

// A child that ran StableAfter starts the crash-loop count afresh: restarts
// before its stable run do not count toward the next crash loop. StableAfter
// is far shorter than CrashLoopWindow here, so the old restarts are still
// inside the window when the child fails again and only the reset at the
// stable run keeps them out (with the two equal, as in the defaults, the
// window alone would drop them and hide a missing reset).
func TestStableRunResetsCrashLoopCount(t *testing.T) {
	pol := testPolicy()
	pol.StableAfter = 10 * time.Second
	pol.CrashLoopRestarts = 3
	pol.CrashLoopWindow = time.Hour
	h := newHarness(t, pol, nil)
	// failUntilCrashLoop makes child p and the ones after it fail at once
	// until the crash loop, and returns how many restarts that took.
	failUntilCrashLoop := func(p *fakeProc) int {
		t.Helper()
		for n := 1; n <= 10; n++ {
			if n > 1 {
				p = h.proc()
			}
			p.exitWith(exitCode(1))
			e := h.nextEvent()
			for e.Kind != EventBackoff && e.Kind != EventCrashLoop {
				e = h.nextEvent()
			}
			if e.Kind == EventCrashLoop {
				return n
			}
			h.clock.Advance(h.pendingDelay())
		}
		t.Fatal("no crash loop after 10 restarts")
		return 0
	}
	// Three failures, each restarted after its backoff: at the limit, not over.
	for i := 0; i < pol.CrashLoopRestarts; i++ {
		h.proc().exitWith(exitCode(1))
		if e := h.waitEvent(EventBackoff); e.State != StateBackoff {
			t.Fatalf("failure %d: state %s, want backoff", i+1, e.State)
		}
		h.clock.Advance(h.pendingDelay())
	}
	// The fourth child runs stable; its start is well inside the window.
	p := h.proc()
	h.clock.Advance(pol.StableAfter)
	h.waitEvent(EventStable)
	// Without the reset, its failure would be the fourth restart within
	// the window: a crash loop at once. With it, the count starts from the
	// stable run, so it takes CrashLoopRestarts+1 new restarts.
	if n := failUntilCrashLoop(p); n != pol.CrashLoopRestarts+1 {
		t.Fatalf("crash loop after %d restarts following a stable run, want %d (restarts before it must not count)", n, pol.CrashLoopRestarts+1)
	}
}

// The inspection reads memory only when a memory limit needs it; the state
// (for stopped and zombie children) is read either way.
func TestInspectionReadsMemoryOnlyForALimit(t *testing.T) {
	for _, limit := range []int{0, 256} {
		t.Run(fmt.Sprintf("limit %d MB", limit), func(t *testing.T) {
			pol := testPolicy()
			pol.MemoryLimitMB = limit
			pol.StableAfter = 0
			insp := &fakeInspector{}
			insp.set(ProcInfo{Status: "sleep", RSSBytes: 300 << 20})
			h := newHarness(t, pol, func(o *Options) { o.Inspector = insp })
			h.proc()
			h.waitTimers(1)
			h.clock.Advance(pol.InspectInterval)
			if limit > 0 {
				h.waitEvent(EventMemoryLimit)
			} else {
				h.waitTimers(1) // re-armed after the inspection
				if s := h.sup.Snapshot().State; s != StateRunning {
					t.Fatalf("state %s without a memory limit, want running", s)
				}
			}
			asked := insp.asked()
			if len(asked) != 1 || asked[0].Memory != (limit > 0) {
				t.Fatalf("inspections asked for %+v, want one with Memory %v", asked, limit > 0)
			}
		})
	}
}

// Zero Policy fields have the meanings written on Policy, with no defaults
// filled in behind the caller's back.
func TestZeroPolicyFields(t *testing.T) {
	t.Run("RestartDelayMax 0 does not double", func(t *testing.T) {
		pol := testPolicy()
		pol.RestartDelayMax = 0
		h := newHarness(t, pol, nil)
		for i := 0; i < 3; i++ {
			h.proc().exitWith(exitCode(1))
			h.waitEvent(EventBackoff)
			if got := h.pendingDelay(); got != pol.RestartDelay {
				t.Fatalf("failure %d: delay %s, want RestartDelay %s every time", i+1, got, pol.RestartDelay)
			}
			h.clock.Advance(pol.RestartDelay)
		}
	})
	t.Run("LongRestartDelay 0 backs off like any failure", func(t *testing.T) {
		pol := testPolicy()
		pol.LongRestartDelay = 0
		h := newHarness(t, pol, nil)
		h.proc().exitWith(exitCode(4))
		h.waitEvent(EventBackoff)
		if got := h.pendingDelay(); got != pol.RestartDelay {
			t.Fatalf("delay %s, want RestartDelay %s", got, pol.RestartDelay)
		}
	})
	t.Run("StopTimeout 0 kills right after asking", func(t *testing.T) {
		pol := testPolicy()
		pol.StopTimeout = 0
		h := newHarness(t, pol, func(o *Options) { o.Starter.(*fakeStarter).ignoreTerm = true })
		p := h.proc()
		if err := h.sup.Stop(); err != nil {
			t.Fatal(err)
		}
		h.waitEvent(EventKilled)
		h.waitEvent(EventStopped)
		if p.terms.Load() != 1 || p.kills.Load() != 1 {
			t.Fatalf("terms %d kills %d, want 1 and 1", p.terms.Load(), p.kills.Load())
		}
	})
	t.Run("ProbeInterval 0 re-checks only when the network changes", func(t *testing.T) {
		ready := &fakeReady{reason: "no route to host"}
		pol := testPolicy()
		pol.ProbeInterval, pol.ProbeIntervalMax = 0, 0
		h := newHarness(t, pol, func(o *Options) { o.Ready = ready })
		e := h.waitEvent(EventWaitingNetwork)
		if !strings.Contains(e.Detail, "when the network changes") {
			t.Fatalf("waiting-network detail %q, want it to say when it checks again", e.Detail)
		}
		if n := h.clock.Pending(); n != 0 {
			t.Fatalf("%d timers armed while waiting with ProbeInterval 0, want none", n)
		}
		if s := h.sup.Snapshot(); !s.NextStart.IsZero() {
			t.Fatalf("NextStart %s, want none scheduled", s.NextStart)
		}
		calls := ready.calls.Load()
		h.clock.Advance(time.Hour)
		if got := ready.calls.Load(); got != calls {
			t.Fatalf("%d readiness checks during an hour without a network change, want 0", got-calls)
		}
		ready.ready.Store(true)
		h.sup.NetworkChanged()
		h.waitEvent(EventNetworkReady)
		h.proc()
	})
	t.Run("CrashLoopWindow 0 never counts a crash loop", func(t *testing.T) {
		pol := testPolicy()
		pol.RestartDelay = 0
		pol.CrashLoopRestarts = 1
		pol.CrashLoopWindow = 0
		h := newHarness(t, pol, nil)
		for i := 0; i < 5; i++ {
			h.proc().exitWith(exitCode(1))
			if e := h.waitEvent(EventBackoff); e.State != StateBackoff {
				t.Fatalf("failure %d: state %s, want backoff", i+1, e.State)
			}
		}
		h.proc()
	})
}

// TestWatchdogIgnoresSupervisorFreeze: when the clock jumps far past the
// watchdog's deadline in one step (the supervisor was stopped or the
// machine suspended, so its timer fired late), the healthy child is given a
// full period from the resume instead of being killed; a child that then
// stays silent for that period is still restarted.
func TestWatchdogIgnoresSupervisorFreeze(t *testing.T) {
	pol := testPolicy()
	pol.Watchdog = 10 * time.Second
	pol.StableAfter = 0
	h := newHarness(t, pol, nil)
	p := h.proc()
	h.clock.Advance(5 * time.Minute) // frozen: the 10s timer fires 4m50s late
	h.waitTimers(1)                  // the loop handled the late fire (re-armed, or the old code's stop timer)
	if s := h.sup.Snapshot(); s.State != StateRunning || s.PID != p.pid || p.terms.Load() != 0 {
		t.Fatalf("after a freeze: state %s pid %d, asked to stop %d times; want the child left running", s.State, s.PID, p.terms.Load())
	}
	h.sup.Heartbeat(h.clock.Now()) // the report that waited in the socket
	h.clock.Advance(9 * time.Second)
	if s := h.sup.Snapshot(); s.State != StateRunning || p.terms.Load() != 0 {
		t.Fatalf("9s after the resume's report: state %s; want running", s.State)
	}
	h.clock.Advance(time.Second)
	if e := h.waitEvent(EventWatchdog); e.PID != p.pid {
		t.Fatalf("watchdog event for pid %d, want %d", e.PID, p.pid)
	}
}

// TestWaitingConfigRetriesOnLongSchedule: waiting-config is not forever:
// each consecutive wait retries the child after ConfigRetry doubling to
// ConfigRetryMax (15m, 30m, ... 6h, 6h), says so in its event and
// NextStart; a child that then runs StableAfter starts the schedule over.
func TestWaitingConfigRetriesOnLongSchedule(t *testing.T) {
	pol := testPolicy()
	pol.ConfigRetry, pol.ConfigRetryMax = 15*time.Minute, 6*time.Hour
	h := newHarness(t, pol, nil)
	p := h.proc()
	for _, want := range []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour, 6 * time.Hour, 6 * time.Hour} {
		p.exitWith(exitCode(5))
		e := h.waitEvent(EventWaitingConfig)
		if !strings.Contains(e.Detail, "a file it names") || !strings.Contains(e.Detail, "retry in "+want.String()) {
			t.Fatalf("waiting-config detail %q, want the files and a retry in %s", e.Detail, want)
		}
		snap := h.sup.Snapshot()
		if got := snap.NextStart.Sub(h.clock.Now()); snap.State != StateWaitingConfig || got != want {
			t.Fatalf("state %s, next start in %s; want waiting-config, %s", snap.State, got, want)
		}
		h.clock.Advance(want - time.Second)
		h.noStart()
		h.clock.Advance(time.Second)
		p = h.proc()
	}
	h.clock.Advance(pol.StableAfter)
	h.waitEvent(EventStable)
	p.exitWith(exitCode(2))
	if e := h.waitEvent(EventWaitingConfig); !strings.Contains(e.Detail, "retry in 15m0s") {
		t.Errorf("after a stable run: %q, want the schedule from 15m again", e.Detail)
	}
}

// TestFilesChangedEndsWaitingConfigOnly: a changed token file starts a
// child waiting for its config at once; a running or stopped one is left
// alone.
func TestFilesChangedEndsWaitingConfigOnly(t *testing.T) {
	h := newHarness(t, testPolicy(), nil)
	p := h.proc()
	if err := h.sup.FilesChanged("providers.cf.api_token_file changed"); err != nil {
		t.Fatal(err)
	}
	h.noStart()
	if s := h.sup.Snapshot(); s.State != StateRunning || s.PID != p.pid {
		t.Fatalf("a running child was disturbed: %+v", s)
	}
	p.exitWith(exitCode(5))
	h.waitEvent(EventWaitingConfig)
	if err := h.sup.FilesChanged("providers.cf.api_token_file changed"); err != nil {
		t.Fatal(err)
	}
	if e := h.waitEvent(EventFilesChanged); !strings.Contains(e.Detail, "api_token_file") {
		t.Errorf("event detail %q", e.Detail)
	}
	h.proc() // the child the change started
	if err := h.sup.Stop(); err != nil {
		t.Fatal(err)
	}
	h.waitEvent(EventStopped)
	if err := h.sup.FilesChanged("again"); err != nil {
		t.Fatal(err)
	}
	h.noStart()
	if s := h.sup.Snapshot(); s.State != StateStopped {
		t.Errorf("a stopped child was started by a file change: %s", s.State)
	}
}
