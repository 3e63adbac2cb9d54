package supervise

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ddnsd/ddns/backoff"
	"github.com/ddnsd/ddns/clock"
)

// ErrNotRunning is returned by control methods once Run has returned.
var ErrNotRunning = errors.New("the supervisor is not running: its Run loop has returned")

// ErrShuttingDown is returned by Start, Restart and Update while Run is
// stopping the child because its context ended.
var ErrShuttingDown = errors.New("the supervisor is shutting down and will not start the child again")

// Options configure a Supervisor. Starter is required; the rest have
// defaults, except Policy, which is used as given (see Policy for what its
// zero values mean).
type Options struct {
	Policy    Policy
	Command   Command
	Starter   Starter
	Clock     clock.Clock // default clock.System()
	Ready     Readiness   // nil: always ready
	Inspector Inspector   // nil: no process-state or memory checks
	Logger    hclog.Logger
	// EventCapacity bounds the event ring (default 256).
	EventCapacity int
	// OnEvent is called from the loop for every event; it must not block.
	OnEvent func(Event)
	// Rand returns a number in [0,1) for jitter (default math/rand/v2).
	Rand func() float64
	// StartStopped makes Run wait for Start instead of starting the child.
	StartStopped bool
}

// Supervisor keeps one child alive. Create it with New, drive it with Run,
// and control it from any goroutine.
type Supervisor struct {
	o        Options
	log      hclog.Logger
	reqs     chan request
	finished chan struct{} // closed when Run returns
	ran      atomic.Bool
	snap     atomic.Pointer[Snapshot]

	// Everything below is owned by the Run goroutine.
	ctx          context.Context
	shutting     bool
	state        State
	policy       Policy
	cmd          Command
	proc         Process
	pid          int
	startedAt    time.Time
	starts       int
	failures     int
	lastExit     *ExitRecord
	nextStart    time.Time
	lastHB       time.Time
	events       []Event // ring
	evHead       int     // index of the oldest event once the ring is full
	evChanged    bool    // an event came in since the last publish
	restartTimes []time.Time
	probeSeq     backoff.Sequence // readiness re-checks while waiting for the network
	cfgRetrySeq  backoff.Sequence // waiting-config's long retries, consecutive
	netReason    string
	intent       intent
	intentReason string
	strikes      strikes   // consecutive inspections that saw state T or Z
	watchdogDue  time.Time // when the armed watchdog period ends

	checkCh     chan readyResult
	checkCancel context.CancelFunc

	nextT     clock.Timer // backoff, crash-loop cooldown, readiness re-check
	stableT   clock.Timer
	watchdogT clock.Timer
	inspectT  clock.Timer
	killT     clock.Timer
}

// intent says what to do once a child we asked to stop has exited.
type intent int

const (
	intentNone     intent = iota
	intentStop            // stay stopped
	intentRestart         // start again at once; not a failure
	intentFailure         // a health check failed: restart with backoff, counted
	intentShutdown        // Run returns
)

// strikes counts inspections in a row that saw the child stopped or a
// zombie.
type strikes struct{ stopped, zombie int }

// request is one control call for the loop: apply is the loop's method for
// that kind of call (startRequested, stopRequested, ...), run on the loop's
// goroutine; its error is the call's answer.
type request struct {
	apply func() error
	reply chan error
}

type readyResult struct {
	ready  bool
	reason string
}

// New returns a Supervisor; nothing runs until Run.
func New(o Options) *Supervisor {
	if o.Clock == nil {
		o.Clock = clock.System()
	}
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	if o.EventCapacity <= 0 {
		o.EventCapacity = 256
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
	s := &Supervisor{
		o:        o,
		log:      o.Logger,
		reqs:     make(chan request),
		finished: make(chan struct{}),
		state:    StateStopped,
		policy:   o.Policy.withDefaults(),
		cmd:      o.Command,
	}
	s.publish()
	return s
}

// Run runs the loop until ctx ends; then it stops the child (Terminate,
// StopTimeout, Kill), waits for it to exit and returns nil. It may be called
// once.
func (s *Supervisor) Run(ctx context.Context) error {
	if !s.ran.CompareAndSwap(false, true) {
		return errors.New("supervise: Run was called twice; a Supervisor runs once")
	}
	if s.o.Starter == nil {
		close(s.finished)
		return errors.New("supervise: Options.Starter is nil; the supervisor cannot start a child")
	}
	defer close(s.finished)
	s.ctx = ctx
	if !s.o.StartStopped {
		s.beginStart()
	}
	ctxDone := ctx.Done()
	for {
		s.publish()
		if s.shutting && s.proc == nil {
			return nil
		}
		var procDone <-chan struct{}
		if s.proc != nil {
			procDone = s.proc.Done()
		}
		select {
		case <-ctxDone:
			ctxDone = nil
			s.shutdown()
		case r := <-s.reqs:
			err := r.apply()
			s.publish()
			r.reply <- err
		case <-procDone:
			s.onExit()
		case res := <-s.checkCh:
			s.onReady(res)
		case <-timerC(s.nextT):
			s.nextT = nil
			s.onNextTimer()
		case <-timerC(s.stableT):
			s.stableT = nil
			s.onStable()
		case <-timerC(s.watchdogT):
			s.watchdogT = nil
			s.onWatchdog()
		case <-timerC(s.inspectT):
			s.inspectT = nil
			s.onInspect()
		case <-timerC(s.killT):
			s.killT = nil
			s.onKillTimer()
		}
	}
}

func timerC(t clock.Timer) <-chan time.Time {
	if t == nil {
		return nil
	}
	return t.C()
}

func (s *Supervisor) arm(t *clock.Timer, d time.Duration) {
	disarm(t)
	*t = s.o.Clock.NewTimer(d)
}

func disarm(t *clock.Timer) {
	if *t != nil {
		(*t).Stop()
		*t = nil
	}
}

// send hands a control call to the loop and waits until it has been applied.
func (s *Supervisor) send(apply func() error) error {
	r := request{apply: apply, reply: make(chan error, 1)}
	select {
	case s.reqs <- r:
	case <-s.finished:
		return ErrNotRunning
	}
	// The loop answers every request it accepts before it can return.
	return <-r.reply
}

// Start starts the child if none runs or is scheduled to; it ends backoff,
// crash-loop and waiting-config at once.
func (s *Supervisor) Start() error { return s.send(s.startRequested) }

// Stop stops the child (Terminate, StopTimeout, Kill) and stays stopped. It
// returns once the stop has begun; watch the events or Snapshot for stopped.
func (s *Supervisor) Stop() error { return s.send(s.stopRequested) }

// Restart stops the child gracefully and starts it again at once. It is not
// counted as a failure, and it also ends backoff, crash-loop or
// waiting-config.
func (s *Supervisor) Restart(reason string) error {
	return s.send(func() error { return s.restartRequested(reason) })
}

// Update applies a new policy and command. The policy takes effect at once;
// the command at the next start. It ends waiting-config and crash-loop; with
// restartChild the child is restarted gracefully (not counted as a failure).
func (s *Supervisor) Update(p Policy, cmd Command, restartChild bool) error {
	return s.send(func() error { return s.updateRequested(p, cmd, restartChild) })
}

// FilesChanged says a file the config names (a token file) changed: a
// supervisor in waiting-config starts the child again at once, since the
// fix may be in that file rather than in the config; in any other state it
// does nothing (a running child reads its files when it needs them).
func (s *Supervisor) FilesChanged(detail string) error {
	return s.send(func() error { return s.filesChanged(detail) })
}

// Heartbeat records that the child reported at the given time; it feeds the
// watchdog.
func (s *Supervisor) Heartbeat(at time.Time) {
	_ = s.send(func() error { return s.heartbeatReceived(at) })
}

// NetworkChanged makes a supervisor waiting for the network check again now,
// instead of at the next probe interval.
func (s *Supervisor) NetworkChanged() { _ = s.send(s.networkChanged) }

// Snapshot returns a consistent copy of the state with every event the ring
// holds. While Run runs it asks the loop, so it reflects every control call
// that returned before it; otherwise it returns the last state the loop
// published.
func (s *Supervisor) Snapshot() Snapshot { return s.SnapshotLast(-1) }

// SnapshotLast is Snapshot with only the newest n events (n < 0: all of
// them, 0: none); EventsOmitted counts the older ones left out. A caller
// that shows a few events, or none, pays for those only, however full the
// ring is: `supervisor status` sends the last 20, a report's sender check
// needs just the PID.
func (s *Supervisor) SnapshotLast(n int) Snapshot {
	if s.ran.Load() {
		_ = s.send(func() error { return nil }) // the loop publishes before it replies
	}
	c := *s.snap.Load()
	kept, omitted := newestEvents(c.Events, n)
	c.Events = append([]Event(nil), kept...)
	c.EventsOmitted = omitted
	if c.LastExit != nil {
		le := *c.LastExit
		c.LastExit = &le
	}
	return c
}

// newestEvents keeps the last n of events (oldest first, as the ring gives
// them), all of them when n is negative; omitted counts the older ones left
// out.
func newestEvents(events []Event, n int) (kept []Event, omitted int) {
	if n < 0 || n >= len(events) {
		return events, 0
	}
	return events[len(events)-n:], len(events) - n
}

func (s *Supervisor) publish() {
	snap := &Snapshot{
		State:               s.state,
		PID:                 s.pid,
		StartedAt:           s.startedAt,
		Restarts:            max(s.starts-1, 0),
		ConsecutiveFailures: s.failures,
		NextStart:           s.nextStart,
		LastHeartbeat:       s.lastHB,
		Command:             s.cmd,
		Policy:              s.policy,
	}
	// The loop publishes after every request; copying the ring only when an
	// event came in keeps a status call from paying for the whole ring. A
	// published slice is never written again (SnapshotLast copies out of
	// it), so the next snapshot may share it.
	if prev := s.snap.Load(); prev != nil && !s.evChanged {
		snap.Events = prev.Events
	} else {
		snap.Events = s.orderedEvents()
		s.evChanged = false
	}
	if s.proc == nil {
		snap.StartedAt = time.Time{}
	}
	if s.lastExit != nil {
		le := *s.lastExit
		snap.LastExit = &le
	}
	s.snap.Store(snap)
}

func (s *Supervisor) orderedEvents() []Event {
	out := make([]Event, 0, len(s.events))
	out = append(out, s.events[s.evHead:]...)
	return append(out, s.events[:s.evHead]...)
}

// enter is the one way the state changes: it moves the lifecycle to st and
// records the change as an event of kind ev (the event's State is st). Only
// entering StateStarting for a readiness check is silent (ev noEvent): the
// started or waiting-network event that ends it follows within the check's
// timeout, and a check before every start would otherwise double the events.
func (s *Supervisor) enter(st State, ev EventKind, detail string, pid int) {
	s.state = st
	if ev != noEvent {
		s.emit(ev, detail, pid, nil)
	}
}

// noEvent is enter's kind for a change of state that is not an event.
const noEvent EventKind = ""

// emit records an event in the current state without changing it: an
// observation (exited, watchdog, stable, ...) or a change made by enter.
func (s *Supervisor) emit(kind EventKind, detail string, pid int, code *int) {
	e := Event{At: s.o.Clock.Now(), Kind: kind, State: s.state, Detail: detail, PID: pid, Code: code}
	if len(s.events) < s.o.EventCapacity {
		s.events = append(s.events, e)
	} else {
		s.events[s.evHead] = e
		s.evHead = (s.evHead + 1) % len(s.events)
	}
	s.evChanged = true
	args := []any{"state", string(e.State)}
	if pid != 0 {
		args = append(args, "pid", pid)
	}
	if code != nil {
		args = append(args, "code", *code)
	}
	if detail != "" {
		args = append(args, "detail", detail)
	}
	switch kind {
	case EventStartFailed, EventCrashLoop, EventWatchdog, EventMemoryLimit, EventStoppedState, EventZombie, EventKilled:
		s.log.Warn("child "+string(kind), args...)
	default:
		s.log.Info("child "+string(kind), args...)
	}
	if s.o.OnEvent != nil {
		s.o.OnEvent(e)
	}
}

// The control calls, one method each, run by the loop (see request).

func (s *Supervisor) heartbeatReceived(at time.Time) error {
	s.lastHB = at
	if s.lastHB.IsZero() {
		s.lastHB = s.o.Clock.Now()
	}
	if s.state == StateRunning && s.policy.Watchdog > 0 {
		s.armWatchdog()
	}
	return nil
}

func (s *Supervisor) networkChanged() error {
	if s.state == StateWaitingNetwork {
		s.probeSeq.Reset()
		s.runCheck()
	}
	return nil
}

func (s *Supervisor) stopRequested() error {
	if s.shutting {
		return nil
	}
	switch s.state {
	case StateRunning:
		s.beginStop(intentStop, "stop requested")
	case StateStopping:
		s.setIntent(intentStop, "stop requested")
	case StateStopped:
	default:
		s.cancelPending()
		s.enter(StateStopped, EventStopped, "stop requested", 0)
	}
	return nil
}

func (s *Supervisor) startRequested() error {
	if s.shutting {
		return ErrShuttingDown
	}
	switch s.state {
	case StateRunning, StateStarting:
	case StateStopping:
		s.setIntent(intentRestart, "start requested")
	case StateWaitingNetwork:
		s.probeSeq.Reset()
		s.runCheck()
	default:
		s.restartTimes = nil
		s.beginStart()
	}
	return nil
}

func (s *Supervisor) restartRequested(reason string) error {
	if s.shutting {
		return ErrShuttingDown
	}
	if reason == "" {
		reason = "restart requested"
	}
	s.emit(EventRestartRequested, reason, s.pid, nil)
	s.gracefulRestart(reason)
	return nil
}

func (s *Supervisor) updateRequested(p Policy, cmd Command, restartChild bool) error {
	s.policy = p.withDefaults()
	s.cmd = cmd
	s.cfgRetrySeq.Reset() // a new config's refusal waits from the first retry again
	s.emit(EventConfigUpdated, "", s.pid, nil)
	if s.shutting {
		return nil
	}
	switch {
	case s.state == StateStopped, s.state == StateStopping && s.intent == intentStop:
		// The user stopped it (or it finished), or is stopping it; a new
		// config does not overrule that.
	case restartChild || s.state == StateWaitingConfig || s.state == StateCrashLoop:
		s.gracefulRestart("config updated")
	case s.state == StateRunning:
		s.armHealthTimers()
	}
	return nil
}

func (s *Supervisor) filesChanged(detail string) error {
	if s.shutting || s.state != StateWaitingConfig {
		return nil
	}
	s.emit(EventFilesChanged, detail, 0, nil)
	s.beginStart()
	return nil
}

func (s *Supervisor) gracefulRestart(reason string) {
	switch s.state {
	case StateRunning:
		s.beginStop(intentRestart, reason)
	case StateStopping:
		s.setIntent(intentRestart, reason)
	case StateStarting:
	default:
		s.restartTimes = nil
		s.beginStart()
	}
}

func (s *Supervisor) setIntent(in intent, reason string) {
	if s.intent == intentShutdown {
		return
	}
	s.intent, s.intentReason = in, reason
}

// cancelPending drops any scheduled start and any readiness check in flight.
func (s *Supervisor) cancelPending() {
	disarm(&s.nextT)
	s.nextStart = time.Time{}
	if s.checkCancel != nil {
		s.checkCancel()
	}
	s.checkCh, s.checkCancel = nil, nil
}

func (s *Supervisor) shutdown() {
	s.shutting = true
	s.cancelPending()
	if s.proc != nil {
		if s.state == StateStopping {
			s.intent, s.intentReason = intentShutdown, "supervisor shutting down"
		} else {
			s.beginStop(intentShutdown, "supervisor shutting down")
		}
		return
	}
	if s.state != StateStopped {
		s.enter(StateStopped, EventStopped, "supervisor shutting down", 0)
	}
}

// beginStart checks readiness (when there is a check) and then spawns.
func (s *Supervisor) beginStart() {
	s.cancelPending()
	if s.o.Ready == nil {
		s.spawn()
		return
	}
	if s.state != StateWaitingNetwork {
		s.enter(StateStarting, noEvent, "", 0)
	}
	s.runCheck()
}

// runCheck starts a readiness check outside the loop; the result comes back
// on checkCh. Only the latest check's channel is listened to.
func (s *Supervisor) runCheck() {
	if s.checkCancel != nil {
		s.checkCancel()
	}
	disarm(&s.nextT)
	ctx, cancel := context.WithCancel(s.ctx)
	ch := make(chan readyResult, 1)
	s.checkCh, s.checkCancel = ch, cancel
	ready := s.o.Ready
	go func() {
		defer func() {
			if v := recover(); v != nil {
				ch <- readyResult{false, fmt.Sprintf("the readiness check panicked: %v", v)}
			}
		}()
		ok, why := ready.Check(ctx)
		ch <- readyResult{ok, why}
	}()
}

func (s *Supervisor) onReady(res readyResult) {
	s.checkCancel()
	s.checkCh, s.checkCancel = nil, nil
	if res.ready {
		if s.state == StateWaitingNetwork {
			s.emit(EventNetworkReady, res.reason, 0, nil)
		}
		s.probeSeq.Reset()
		s.netReason = ""
		s.spawn()
		return
	}
	p := s.policy
	first := s.state != StateWaitingNetwork
	if first {
		s.probeSeq.Reset()
	}
	// The current policy each time: an Update while waiting applies to the
	// next re-check.
	s.probeSeq.Policy = backoff.Policy{First: p.ProbeInterval, Max: p.ProbeIntervalMax}
	d := s.probeSeq.Next()
	again := "checking again in " + d.String()
	if d > 0 {
		s.nextStart = s.o.Clock.Now().Add(d)
		s.arm(&s.nextT, d)
	} else {
		// No timed re-check (ProbeInterval 0): a failing check that answers
		// at once would otherwise spin.
		s.nextStart = time.Time{}
		again = "checking again when the network changes"
	}
	detail := fmt.Sprintf("%s; %s", orDefault(res.reason, "network not ready"), again)
	switch {
	case first:
		s.enter(StateWaitingNetwork, EventWaitingNetwork, detail, 0)
	case res.reason != s.netReason:
		s.emit(EventWaitingNetwork, detail, 0, nil) // still waiting, for a new reason
	}
	s.netReason = res.reason
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func (s *Supervisor) onNextTimer() {
	s.nextStart = time.Time{}
	switch s.state {
	case StateBackoff:
		s.beginStart()
	case StateCrashLoop:
		s.restartTimes = nil
		s.beginStart()
	case StateWaitingNetwork:
		s.runCheck()
	case StateWaitingConfig:
		s.beginStart() // the long retry: what was refused may have been transient
	}
}

func (s *Supervisor) spawn() {
	s.cancelPending()
	proc, err := s.o.Starter.Start(s.cmd)
	now := s.o.Clock.Now()
	if err != nil {
		reason := "start failed: " + err.Error()
		s.lastExit = &ExitRecord{Code: -1, Reason: reason, At: now}
		s.enter(StateStarting, EventStartFailed, err.Error(), 0)
		s.afterFailure(ActionRestart, reason)
		return
	}
	s.proc, s.pid, s.startedAt = proc, proc.PID(), now
	s.starts++
	s.intent, s.intentReason = intentNone, ""
	s.strikes = strikes{}
	if s.policy.StableAfter > 0 {
		s.arm(&s.stableT, s.policy.StableAfter)
	}
	s.armHealthTimers()
	s.enter(StateRunning, EventStarted, fmt.Sprintf("started %s", s.cmd.Path), s.pid)
}

// armHealthTimers (re)arms the watchdog and the inspection for the current
// policy; called at start and when the policy changes live.
func (s *Supervisor) armHealthTimers() {
	if s.policy.Watchdog > 0 {
		s.armWatchdog()
	} else {
		disarm(&s.watchdogT)
	}
	if s.o.Inspector != nil {
		s.arm(&s.inspectT, s.policy.inspectEvery())
	} else {
		disarm(&s.inspectT)
	}
}

func (s *Supervisor) disarmRunning() {
	disarm(&s.stableT)
	disarm(&s.watchdogT)
	disarm(&s.inspectT)
}

func (s *Supervisor) beginStop(in intent, reason string) {
	s.setIntent(in, reason)
	if s.state == StateStopping || s.proc == nil {
		return
	}
	s.disarmRunning()
	if err := s.proc.Terminate(); err != nil {
		s.log.Debug("asking the child to stop failed; it may have exited already", "pid", s.pid, "error", err)
	}
	s.arm(&s.killT, s.policy.StopTimeout)
	s.enter(StateStopping, EventStopping, reason, s.pid)
}

func (s *Supervisor) onKillTimer() {
	if s.proc == nil {
		return
	}
	s.emit(EventKilled, fmt.Sprintf("the child did not stop within %s; killing it", s.policy.StopTimeout), s.pid, nil)
	if err := s.proc.Kill(); err != nil {
		s.log.Warn("killing the child failed", "pid", s.pid, "error", err)
	}
}

// armWatchdog gives the child a full Watchdog period from now to report,
// and remembers when that period ends, for onWatchdog's freeze check.
func (s *Supervisor) armWatchdog() {
	s.watchdogDue = s.o.Clock.Now().Add(s.policy.Watchdog)
	s.arm(&s.watchdogT, s.policy.Watchdog)
}

// watchdogFreezeMargin is how late the watchdog timer may fire before the
// lateness counts as time the supervisor itself did not run (SIGSTOP, a
// debugger, a starved machine). A timer fires within milliseconds of its
// time on a live system, so a second of delay means the loop was not
// running, and a child whose reports were waiting unread in the socket
// meanwhile is not to blame.
const watchdogFreezeMargin = time.Second

func (s *Supervisor) onWatchdog() {
	if s.state != StateRunning {
		return
	}
	// Time the supervisor was frozen never counts against the child: the
	// monotonic clock moved on while the loop stood still, and the reports
	// the child sent meanwhile are still queued behind this timer. Give it
	// a full period from now instead of killing it.
	if late := s.o.Clock.Now().Sub(s.watchdogDue); late > watchdogFreezeMargin {
		s.log.Warn("the watchdog fired late: the supervisor itself was not running (stopped or suspended); giving the child a full period to report",
			"late", late.Round(time.Millisecond).String(), "pid", s.pid)
		s.armWatchdog()
		return
	}
	reason := fmt.Sprintf("watchdog: no report from the child for %s", s.policy.Watchdog)
	s.emit(EventWatchdog, reason, s.pid, nil)
	s.beginStop(intentFailure, reason)
}

func (s *Supervisor) onInspect() {
	if s.state != StateRunning || s.o.Inspector == nil {
		return
	}
	s.arm(&s.inspectT, s.policy.inspectEvery())
	limit := s.policy.MemoryLimitMB
	info, err := s.o.Inspector.Inspect(s.pid, Need{Memory: limit > 0})
	if err != nil {
		// The child may have exited a moment ago; its exit arrives on Done.
		s.log.Debug("inspecting the child failed", "pid", s.pid, "error", err)
		return
	}
	// A process-state verdict needs two inspections in a row: a child that
	// just exited is briefly a zombie until it is reaped, and that exit must
	// keep its own exit code rather than become a "zombie" restart.
	s.strikes.stopped = countStrike(s.strikes.stopped, info.Status == ProcStopped)
	s.strikes.zombie = countStrike(s.strikes.zombie, info.Status == ProcZombie)
	switch {
	case s.strikes.stopped >= 2:
		s.emit(EventStoppedState, "the child is stopped (state T); restarting it", s.pid, nil)
		s.beginStop(intentFailure, "stopped-state: child in state T")
	case s.strikes.zombie >= 2:
		s.emit(EventZombie, "the child is a zombie (state Z); restarting it", s.pid, nil)
		s.beginStop(intentFailure, "zombie: child in state Z")
	case limit > 0 && info.RSSBytes > uint64(limit)<<20:
		reason := fmt.Sprintf("memory-limit: resident memory %d MB is over the limit of %d MB", info.RSSBytes>>20, limit)
		s.emit(EventMemoryLimit, reason, s.pid, nil)
		s.beginStop(intentFailure, reason)
	}
}

func countStrike(n int, seen bool) int {
	if seen {
		return n + 1
	}
	return 0
}

// onStable: the child ran StableAfter, so it counts as healthy again.
func (s *Supervisor) onStable() {
	s.failures = 0
	s.restartTimes = nil
	s.cfgRetrySeq.Reset()
	s.emit(EventStable, fmt.Sprintf("running for %s; backoff, failure and crash-loop counts reset", s.policy.StableAfter), s.pid, nil)
}

func describeExit(st ExitStatus) string {
	switch {
	case st.Err != nil:
		return "waiting for the child failed: " + st.Err.Error()
	case st.Signal != "":
		return "killed by signal " + st.Signal
	default:
		return fmt.Sprintf("exit code %d", st.Code)
	}
}

func (s *Supervisor) onExit() {
	st := s.proc.Exit()
	pid := s.pid
	s.proc, s.pid = nil, 0
	s.disarmRunning()
	disarm(&s.killT)
	now := s.o.Clock.Now()
	a := s.policy.actionFor(st)
	in, inReason := s.intent, s.intentReason
	s.intent, s.intentReason = intentNone, ""
	reason := describeExit(st)
	switch in {
	case intentNone:
		reason += " (" + a.String() + ")"
	default:
		reason = inReason + " (" + reason + ")"
	}
	s.lastExit = &ExitRecord{Code: st.Code, Signal: st.Signal, Reason: reason, At: now}
	code := st.Code
	s.emit(EventExited, reason, pid, &code)
	switch in {
	case intentShutdown, intentStop:
		s.enter(StateStopped, EventStopped, inReason, 0)
	case intentRestart:
		s.beginStart()
	case intentFailure:
		s.afterFailure(ActionRestart, reason)
	default:
		s.afterFailure(a, reason)
	}
}

// afterFailure applies an action after the child ended on its own (or failed
// a health check, or could not be started).
func (s *Supervisor) afterFailure(a Action, reason string) {
	p := s.policy
	switch a {
	case ActionNone:
		if !p.RestartAlways {
			s.enter(StateStopped, EventStopped, reason, 0)
			return
		}
		// Not a failure, but a child that keeps exiting at once must still
		// trip the crash-loop guard, so the restart is counted.
		s.backoff(s.restartPolicy(p.RestartDelay).Delay(1), reason)
	case ActionWaitConfig:
		s.failures++
		s.cfgRetrySeq.Policy = backoff.Policy{First: p.ConfigRetry, Max: p.ConfigRetryMax}
		wait := "waiting for a change of the config or of a file it names"
		if d := s.cfgRetrySeq.Next(); d > 0 {
			s.nextStart = s.o.Clock.Now().Add(d)
			s.arm(&s.nextT, d)
			wait += ", or a retry in " + d.String()
		}
		s.enter(StateWaitingConfig, EventWaitingConfig, reason+"; "+wait, 0)
	case ActionWaitNetwork:
		s.failures++
		if s.countRestart() {
			s.enterCrashLoop()
			return
		}
		s.beginStart()
	case ActionRestartLong:
		s.failures++
		s.backoff(s.restartPolicy(p.longDelay()).Delay(s.failures), reason)
	default:
		s.failures++
		s.backoff(s.restartPolicy(p.RestartDelay).Delay(s.failures), reason)
	}
}

// restartPolicy is the restart backoff starting at first: doubled once per
// consecutive failure after the first, capped at RestartDelayMax (never below
// first), spread by the policy's jitter.
func (s *Supervisor) restartPolicy(first time.Duration) backoff.Policy {
	return backoff.Policy{First: first, Max: s.policy.RestartDelayMax, Jitter: s.policy.Jitter, Rand: s.o.Rand}
}

// countRestart records a restart after a failure and reports whether that
// makes a crash loop.
func (s *Supervisor) countRestart() bool {
	p := s.policy
	now := s.o.Clock.Now()
	kept := s.restartTimes[:0]
	for _, t := range s.restartTimes {
		if t.After(now) {
			// The wall clock went backwards: treat the entry as just now, so
			// it ages out one window from here instead of staying forever.
			t = now
		}
		if now.Sub(t) < p.CrashLoopWindow {
			kept = append(kept, t)
		}
	}
	s.restartTimes = append(kept, now)
	return p.CrashLoopRestarts > 0 && len(s.restartTimes) > p.CrashLoopRestarts
}

func (s *Supervisor) backoff(d time.Duration, reason string) {
	if s.countRestart() {
		s.enterCrashLoop()
		return
	}
	// Even a zero delay goes through a timer, so a Starter that fails at once
	// cannot recurse, and control messages are served between attempts.
	d = max(d, 0)
	s.nextStart = s.o.Clock.Now().Add(d)
	s.arm(&s.nextT, d)
	s.enter(StateBackoff, EventBackoff, fmt.Sprintf("%s; restarting in %s (consecutive failures: %d)", reason, d, s.failures), 0)
}

func (s *Supervisor) enterCrashLoop() {
	p := s.policy
	s.nextStart = s.o.Clock.Now().Add(p.CrashLoopCooldown)
	s.arm(&s.nextT, p.CrashLoopCooldown)
	s.enter(StateCrashLoop, EventCrashLoop, fmt.Sprintf("more than %d restarts within %s; pausing for %s (a config change or a restart ends the pause)",
		p.CrashLoopRestarts, p.CrashLoopWindow, p.CrashLoopCooldown), 0)
}
