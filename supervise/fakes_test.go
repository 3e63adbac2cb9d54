package supervise

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ddnsd/ddns/clock/clocktest"
)

// fakeProc is a child under the test's control.
type fakeProc struct {
	pid  int
	done chan struct{}
	once sync.Once
	exit ExitStatus

	ignoreTerm bool
	terms      atomic.Int32
	kills      atomic.Int32
}

func (p *fakeProc) PID() int              { return p.pid }
func (p *fakeProc) Done() <-chan struct{} { return p.done }
func (p *fakeProc) Exit() ExitStatus      { return p.exit }

func (p *fakeProc) exitWith(st ExitStatus) {
	p.once.Do(func() {
		p.exit = st
		close(p.done)
	})
}

func (p *fakeProc) Terminate() error {
	p.terms.Add(1)
	if !p.ignoreTerm {
		p.exitWith(ExitStatus{Code: -1, Signal: "terminated"})
	}
	return nil
}

func (p *fakeProc) Kill() error {
	p.kills.Add(1)
	p.exitWith(ExitStatus{Code: -1, Signal: "killed"})
	return nil
}

// fakeStarter hands out fakeProcs and lets the test fail starts.
type fakeStarter struct {
	mu         sync.Mutex
	next       int
	failNext   int // how many following starts fail
	ignoreTerm bool
	started    chan *fakeProc
	count      atomic.Int32
}

func newFakeStarter() *fakeStarter {
	return &fakeStarter{next: 100, started: make(chan *fakeProc, 1000)}
}

func (f *fakeStarter) Start(cmd Command) (Process, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failNext > 0 {
		f.failNext--
		return nil, errors.New("fork/exec " + cmd.Path + ": no such file or directory")
	}
	f.next++
	p := &fakeProc{pid: f.next, done: make(chan struct{}), ignoreTerm: f.ignoreTerm}
	f.count.Add(1)
	f.started <- p
	return p, nil
}

// fakeReady answers readiness checks from an atomic flag.
type fakeReady struct {
	ready  atomic.Bool
	reason string
	calls  atomic.Int32
}

func (r *fakeReady) Check(ctx context.Context) (bool, string) {
	r.calls.Add(1)
	if r.ready.Load() {
		return true, "probes pass"
	}
	return false, r.reason
}

// fakeInspector returns whatever the test sets, and records what each
// inspection was asked for.
type fakeInspector struct {
	mu    sync.Mutex
	info  ProcInfo
	needs []Need
}

func (f *fakeInspector) set(i ProcInfo) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.info = i
}

func (f *fakeInspector) Inspect(pid int, need Need) (ProcInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.needs = append(f.needs, need)
	info := f.info
	if !need.Memory {
		info.RSSBytes = 0 // not asked for: a real inspector leaves it unread
	}
	return info, nil
}

func (f *fakeInspector) asked() []Need {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Need(nil), f.needs...)
}

var epoch = time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)

// harness runs a Supervisor on a fake clock with a fake starter.
type harness struct {
	t       *testing.T
	clock   *clocktest.Fake
	starter *fakeStarter
	sup     *Supervisor
	events  chan Event
	cancel  context.CancelFunc
	runErr  chan error
}

// testPolicy is deterministic: no jitter, round numbers, every field set
// (the package has no defaults of its own).
func testPolicy() Policy {
	return Policy{
		RestartDelay:      time.Second,
		RestartDelayMax:   10 * time.Second,
		LongRestartDelay:  30 * time.Second,
		Jitter:            0,
		StableAfter:       time.Minute,
		CrashLoopRestarts: 0, // off unless a test wants it
		CrashLoopWindow:   time.Minute,
		CrashLoopCooldown: 10 * time.Minute,
		StopTimeout:       10 * time.Second,
		InspectInterval:   2 * time.Second,
		ProbeInterval:     5 * time.Second,
		ProbeIntervalMax:  time.Minute,
		ExitActions: map[int]Action{0: ActionNone, 1: ActionRestart, 2: ActionWaitConfig,
			3: ActionWaitNetwork, 4: ActionRestartLong, 5: ActionWaitConfig},
		SignalAction:  ActionRestart,
		DefaultAction: ActionRestart,
	}
}

func newHarness(t *testing.T, p Policy, mod func(*Options)) *harness {
	t.Helper()
	h := &harness{
		t:       t,
		clock:   clocktest.New(epoch),
		starter: newFakeStarter(),
		events:  make(chan Event, 4096),
		runErr:  make(chan error, 1),
	}
	o := Options{
		Policy:  p,
		Command: Command{Path: "/usr/local/bin/updater"},
		Starter: h.starter,
		Clock:   h.clock,
		OnEvent: func(e Event) { h.events <- e },
	}
	if mod != nil {
		mod(&o)
	}
	h.sup = New(o)
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.runErr <- h.sup.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		// Shutdown waits StopTimeout on the fake clock for a child that
		// ignores Terminate; keep moving time until Run returns.
		for {
			select {
			case <-h.runErr:
				return
			case <-time.After(10 * time.Millisecond):
				h.clock.Advance(time.Hour)
			}
		}
	})
	return h
}

// waitEvent returns the next event of the given kind, failing on a timeout.
// Events of other kinds are skipped.
func (h *harness) waitEvent(kind EventKind) Event {
	h.t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case e := <-h.events:
			if e.Kind == kind {
				return e
			}
		case <-deadline:
			h.t.Fatalf("no %q event within 5s; snapshot: %+v", kind, h.sup.Snapshot())
		}
	}
}

// nextEvent returns the very next event, whatever its kind.
func (h *harness) nextEvent() Event {
	h.t.Helper()
	select {
	case e := <-h.events:
		return e
	case <-time.After(5 * time.Second):
		h.t.Fatalf("no event within 5s; snapshot: %+v", h.sup.Snapshot())
	}
	return Event{}
}

// proc waits for the next started child.
func (h *harness) proc() *fakeProc {
	h.t.Helper()
	select {
	case p := <-h.starter.started:
		h.waitEvent(EventStarted)
		return p
	case <-time.After(5 * time.Second):
		h.t.Fatalf("no child started within 5s; snapshot: %+v", h.sup.Snapshot())
	}
	return nil
}

// noStart asserts that no child was started so far.
func (h *harness) noStart() {
	h.t.Helper()
	select {
	case p := <-h.starter.started:
		h.t.Fatalf("child pid %d started unexpectedly; snapshot: %+v", p.pid, h.sup.Snapshot())
	default:
	}
}

// pendingDelay returns the time until the loop's next timer, failing when
// none is armed.
func (h *harness) pendingDelay() time.Duration {
	h.t.Helper()
	d, ok := h.clock.Until()
	if !ok {
		h.t.Fatalf("no timer armed; snapshot: %+v", h.sup.Snapshot())
	}
	return d
}

// waitTimers waits until the loop armed n timers.
func (h *harness) waitTimers(n int) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.clock.WaitForTimers(ctx, n); err != nil {
		h.t.Fatalf("the loop did not arm %d timers (has %d): %v", n, h.clock.Pending(), err)
	}
}

func exitCode(c int) ExitStatus { return ExitStatus{Code: c} }
