// Package supervise keeps one child process alive.
//
// The child's lifecycle is an explicit state machine owned by a single
// goroutine (Supervisor.Run): a select loop over control calls, child exits,
// readiness results and timers. Nothing else touches the state, so there is no
// locking around it; other goroutines talk to the loop through its control
// channel (one method per kind of call: Start, Stop, Restart, Update,
// Heartbeat, NetworkChanged, Snapshot) and read a published copy (Snapshot,
// or SnapshotLast for only the newest events). Every change of state goes
// through one helper, which records it as an Event. Restart delays and
// readiness re-checks follow package backoff's doubling schedule.
//
// Everything that touches the outside world is injected through small
// interfaces declared here: a clock.Clock (so backoff and crash-loop windows
// are tested without real time), a Starter and Process (so policy is tested
// without real processes), a Readiness check (the network) and an Inspector
// (process state and memory). The package knows nothing of config files,
// sockets or DNS: the caller maps its exit-code contract to Actions through
// Policy.ExitActions, and its settings to every Policy field.
//
// # The state machine
//
// Rows are the state the child is in, columns what happens; a cell is the
// state entered ("-" stays, "·" cannot happen there). "starting" means: the
// readiness check runs (state starting), then the child is spawned (running),
// or the check fails (waiting-network), or the spawn fails (backoff). With no
// Readiness the check passes at once.
//
//	state \ input    Start     Stop      Restart   Update(1)  check ok  check fails      timer(2)  child exits (3)  health fails (4)
//	stopped          starting  -         starting  -          ·         ·                ·         ·                ·
//	starting         -         stopped   -         -          running   waiting-network  ·         ·                ·
//	running          -         stopping  stopping  -/stopping ·         ·                -         by action        stopping
//	backoff          starting  stopped   starting  -/starting ·         ·                starting  ·                ·
//	waiting-network  check now stopped   check now -/check    running   - (re-armed)     check     ·                ·
//	waiting-config   starting  stopped   starting  starting   ·         ·                starting  ·                ·
//	crash-loop       starting  stopped   starting  starting   ·         ·                starting  ·                ·
//	stopping         - (5)     - (5)     - (5)     - (5)      ·         ·                kill      by intent (5)    ·
//
//	(1) Update applies the policy at once and the command at the next start;
//	    "-/x": x only when Update asks for a restart of the child. It never
//	    overrules a stop (stopped, or stopping to stay stopped).
//	(2) backoff's delay, crash-loop's cooldown, waiting-network's re-check,
//	    waiting-config's retry (ConfigRetry doubling to ConfigRetryMax),
//	    running's stable timer (StableAfter: backoff and crash-loop count
//	    reset), stopping's StopTimeout (the child is killed).
//	(3) The exit's Action (Policy.ExitActions, SignalAction, DefaultAction):
//	    ActionRestart and ActionRestartLong → backoff, ActionWaitConfig →
//	    waiting-config, ActionWaitNetwork → starting at once, ActionNone →
//	    stopped (backoff with RestartAlways). A restart after a failure that
//	    makes more than CrashLoopRestarts within CrashLoopWindow → crash-loop.
//	(4) No heartbeat for Watchdog, state T or Z seen twice in a row, resident
//	    memory over MemoryLimitMB: the child is stopped, and its exit counts
//	    as a failure (backoff or crash-loop).
//	(5) A call while stopping is remembered as what to do once the child has
//	    exited: stay stopped (Stop), start again at once (Start, Restart,
//	    Update with a restart), or the failure's backoff (health check).
//
// FilesChanged (a file the config names changed: a token file fixed) ends
// waiting-config like Update does, and does nothing in any other state.
//
// When Run's context ends, any state goes to stopping (when a child runs)
// and then stopped, and Run returns.
package supervise

import (
	"context"
	"time"
)

// State is where the child's lifecycle stands. The strings are part of the
// status contract shown to users and scripts, so they must not change.
type State string

// The states of the lifecycle.
const (
	// StateStarting: a start was decided; the readiness check is running or the
	// process is being spawned.
	StateStarting State = "starting"
	// StateRunning: the child process is alive.
	StateRunning State = "running"
	// StateBackoff: the child failed; a restart is scheduled at NextStart.
	StateBackoff State = "backoff"
	// StateWaitingNetwork: the readiness check failed; it is retried until it
	// passes, then the child starts at once.
	StateWaitingNetwork State = "waiting-network"
	// StateWaitingConfig: the child reported a problem a new config or a
	// changed file it names should fix; it waits for Update, FilesChanged,
	// Start or Restart, or for the long retry (Policy.ConfigRetry) at
	// NextStart.
	StateWaitingConfig State = "waiting-config"
	// StateCrashLoop: too many restarts in the window; paused until the
	// cooldown ends, a config update or a Restart.
	StateCrashLoop State = "crash-loop"
	// StateStopping: the child was asked to stop and has not exited yet.
	StateStopping State = "stopping"
	// StateStopped: no child and none scheduled.
	StateStopped State = "stopped"
)

// Action is what the supervisor does after the child exits. The zero value is
// ActionRestart, so a zero Policy restarts on every failure.
type Action int

// The actions an exit can map to.
const (
	// ActionRestart restarts after the normal backoff delay.
	ActionRestart Action = iota
	// ActionRestartLong restarts after the long backoff delay (data rejected:
	// hammering the provider again soon will not help).
	ActionRestartLong
	// ActionWaitConfig does not restart until Update is called.
	ActionWaitConfig
	// ActionWaitNetwork waits until Readiness passes, then starts at once.
	ActionWaitNetwork
	// ActionNone stays stopped, unless Policy.RestartAlways is set.
	ActionNone
)

// String names the action for logs and event details.
func (a Action) String() string {
	switch a {
	case ActionRestart:
		return "restart"
	case ActionRestartLong:
		return "restart-long"
	case ActionWaitConfig:
		return "wait-config"
	case ActionWaitNetwork:
		return "wait-network"
	case ActionNone:
		return "none"
	}
	return "unknown"
}

// Policy is the supervisor's tunable behaviour. It may be replaced while the
// child runs (Supervisor.Update). The package holds no defaults for it: the
// caller sets every field (the supervisor's from its config's one table of
// defaults), and every zero value has the meaning written beside its field,
// so a zero Policy restarts every exit at once, forever.
type Policy struct {
	// RestartDelay is the first backoff delay; each consecutive failure
	// doubles it (with ±Jitter) up to RestartDelayMax. 0: restart at once.
	RestartDelay time.Duration
	// RestartDelayMax caps the doubling. At or below RestartDelay (0
	// included): no doubling, every delay is RestartDelay.
	RestartDelayMax time.Duration
	// LongRestartDelay is the first delay for ActionRestartLong, doubling up
	// to the larger of itself and RestartDelayMax. 0: such exits back off
	// like any other (from RestartDelay).
	LongRestartDelay time.Duration
	// Jitter spreads delays by ±Jitter (0.1 = ±10%) so that many machines
	// restarted by the same outage do not retry in lockstep. 0: no jitter;
	// values are clamped to [0, 1].
	Jitter float64
	// StableAfter: a child running this long is healthy again; the backoff,
	// the consecutive-failure count and the crash-loop count reset. 0: they
	// never reset by running (only by Start, Restart or a crash-loop pause).
	StableAfter time.Duration
	// More than CrashLoopRestarts restarts after failures within
	// CrashLoopWindow is a crash loop: pause for CrashLoopCooldown, then try
	// again. The supervisor never gives up for good. CrashLoopRestarts 0 or
	// CrashLoopWindow 0: no crash-loop detection. CrashLoopCooldown 0: the
	// crash loop is recorded and the next start follows at once.
	CrashLoopRestarts int
	CrashLoopWindow   time.Duration
	CrashLoopCooldown time.Duration
	// StopTimeout is how long a polite Terminate may take before Kill. 0: no
	// grace, Kill follows Terminate at once.
	StopTimeout time.Duration
	// Watchdog, when non-zero, restarts a child that sent no Heartbeat for
	// this long. 0: off.
	Watchdog time.Duration
	// MemoryLimitMB, when non-zero, restarts a child whose resident memory
	// exceeds it. Needs an Inspector. 0: off, and memory is not even read.
	MemoryLimitMB int
	// InspectInterval is how often the Inspector looks at the running child.
	// 0: DefaultInspectInterval.
	InspectInterval time.Duration
	// ProbeInterval is the first readiness re-check delay while waiting for
	// the network, doubling up to ProbeIntervalMax (at or below
	// ProbeInterval: no doubling). ProbeInterval 0: no timed re-check; only
	// NetworkChanged, Start or Restart check again.
	ProbeInterval, ProbeIntervalMax time.Duration
	// ExitActions maps exit codes to actions; codes not listed (all, when
	// nil) use DefaultAction. A child killed by a signal uses SignalAction.
	// The zero Action is ActionRestart.
	ExitActions   map[int]Action
	SignalAction  Action
	DefaultAction Action
	// RestartAlways restarts after ActionNone exits too (exit 0 included).
	RestartAlways bool
	// ConfigRetry is how long waiting-config waits before it tries the
	// child again anyway, doubling at each consecutive wait up to
	// ConfigRetryMax (at or below ConfigRetry: no doubling): what the child
	// refused (credentials, a zone's policy) may have been transient. 0: no
	// timed retry; only Update, FilesChanged, Start or Restart end the wait.
	ConfigRetry, ConfigRetryMax time.Duration
}

// DefaultInspectInterval is the Inspector's period when
// Policy.InspectInterval is 0. Exits need no inspection (the kernel reports
// them through Process.Done), so inspection only catches what a wait never
// reports: a child stopped (state T) or a zombie whose threads live on (Z),
// each confirmed by two sightings in a row, and a memory limit passed. Ten
// seconds to catch a stopped or zombie child is small beside the restart
// backoff and the crash-loop window (seconds to minutes), and a leaking child
// overshoots its limit by what it allocates in 5 s. Each inspection costs one
// timer wakeup and, on Linux, one read of /proc/PID/stat, so at this period
// an idle supervisor spends almost nothing on it (the 2 s period with several
// gopsutil reads that it replaces was most of the idle CPU).
const DefaultInspectInterval = 5 * time.Second

// withDefaults makes p safe for the loop: negative durations count as 0,
// jitter is clamped, and the exit map is copied. Zero values keep the
// meanings documented on Policy (see longDelay and inspectEvery; a Max below
// its first delay means no doubling, as package backoff defines).
func (p Policy) withDefaults() Policy {
	for _, d := range []*time.Duration{&p.RestartDelay, &p.RestartDelayMax, &p.LongRestartDelay, &p.StableAfter,
		&p.CrashLoopWindow, &p.CrashLoopCooldown, &p.StopTimeout, &p.Watchdog, &p.InspectInterval,
		&p.ProbeInterval, &p.ProbeIntervalMax, &p.ConfigRetry, &p.ConfigRetryMax} {
		*d = max(*d, 0)
	}
	p.Jitter = min(max(p.Jitter, 0), 1)
	// Copy the map so a caller mutating its own afterwards cannot race the loop.
	m := make(map[int]Action, len(p.ExitActions))
	for k, v := range p.ExitActions {
		m[k] = v
	}
	p.ExitActions = m
	return p
}

// longDelay is the first delay of ActionRestartLong.
func (p Policy) longDelay() time.Duration {
	if p.LongRestartDelay == 0 {
		return p.RestartDelay
	}
	return p.LongRestartDelay
}

// inspectEvery is the inspection period.
func (p Policy) inspectEvery() time.Duration {
	if p.InspectInterval == 0 {
		return DefaultInspectInterval
	}
	return p.InspectInterval
}

// actionFor maps an exit to what the policy wants done.
func (p Policy) actionFor(st ExitStatus) Action {
	if st.Signal != "" {
		return p.SignalAction
	}
	if a, ok := p.ExitActions[st.Code]; ok && st.Err == nil {
		return a
	}
	return p.DefaultAction
}

// Command is the child to run.
type Command struct {
	Path string   // executable; resolved by the Starter
	Args []string // arguments after the program name
	Env  []string // full environment; nil inherits the supervisor's
	Dir  string   // working folder; empty inherits the supervisor's
}

// Starter starts child processes. Start must return promptly; a failure (a
// missing or non-executable binary) is reported as an error and the
// supervisor retries with backoff.
type Starter interface {
	Start(cmd Command) (Process, error)
}

// Process is one running child.
type Process interface {
	// PID is the operating system's process id.
	PID() int
	// Done is closed when the process has exited and its output is drained.
	Done() <-chan struct{}
	// Exit is the exit status; valid once Done is closed.
	Exit() ExitStatus
	// Terminate asks politely: SIGTERM to the whole process group (Windows:
	// CTRL_BREAK_EVENT to its group).
	Terminate() error
	// Kill forces: SIGKILL to the whole group (Windows: terminate the job
	// object). Safe to call more than once and after exit.
	Kill() error
}

// ExitStatus is how a child ended.
type ExitStatus struct {
	Code   int    // exit code; -1 when killed by a signal
	Signal string // signal name when killed by one, else empty
	Err    error  // set when waiting for the process itself failed
}

// Readiness tells whether the network is ready for the child. Check may take
// seconds; it runs outside the loop and must honour ctx. A nil Readiness is
// always ready.
type Readiness interface {
	Check(ctx context.Context) (ready bool, reason string)
}

// Inspector reads a process's state from the operating system. It is called
// from the loop, so it must be quick (reading /proc is). It is not how exits
// are found: the kernel reports those through Process.Done.
type Inspector interface {
	// Inspect reads pid's state, and what need asks for besides; readings
	// not asked for may be left zero, so that an idle child costs only what
	// its configured limits need.
	Inspect(pid int, need Need) (ProcInfo, error)
}

// Need says which readings an inspection must make beyond the process state.
type Need struct {
	Memory bool // RSSBytes, for Policy.MemoryLimitMB
}

// Process states an Inspector reports in ProcInfo.Status (gopsutil's words).
// Other states are reported as their own word (running, sleep, idle, wait,
// lock); the supervisor acts on these two.
const (
	ProcStopped = "stop"   // state T: stopped by a signal, runs no code until continued
	ProcZombie  = "zombie" // state Z: exited, or its main thread did while others live on
)

// ProcInfo is what an Inspector saw.
type ProcInfo struct {
	// Status is the process state (ProcStopped, ProcZombie, running, sleep,
	// ...); empty where the platform cannot tell (Windows).
	Status string
	// RSSBytes is the resident memory; read only when Need.Memory asks.
	RSSBytes uint64
}

// EventKind names what an Event records. It is its own type, apart from
// State, because the two are different things that partly share words: the
// backoff event is when the child entered the backoff state, the exited event
// has no state of its own. The strings are shown in status and kept stable.
type EventKind string

// Event kinds, as shown in status.
const (
	EventStarted          EventKind = "started"
	EventExited           EventKind = "exited"
	EventBackoff          EventKind = "backoff"
	EventWaitingNetwork   EventKind = "waiting-network"
	EventNetworkReady     EventKind = "network-ready"
	EventWaitingConfig    EventKind = "waiting-config"
	EventCrashLoop        EventKind = "crash-loop"
	EventStopping         EventKind = "stopping"
	EventStopped          EventKind = "stopped"
	EventRestartRequested EventKind = "restart-requested"
	EventWatchdog         EventKind = "watchdog"
	EventMemoryLimit      EventKind = "memory-limit"
	EventStoppedState     EventKind = "stopped-state"
	EventZombie           EventKind = "zombie"
	EventStartFailed      EventKind = "start-failed"
	EventConfigUpdated    EventKind = "config-updated"
	EventKilled           EventKind = "killed"        // StopTimeout passed; the child was killed
	EventStable           EventKind = "stable"        // ran StableAfter; backoff reset
	EventFilesChanged     EventKind = "files-changed" // a file the config names changed; waiting-config ends
)

// Event is one transition or observation, kept in a bounded ring.
type Event struct {
	At     time.Time
	Kind   EventKind
	State  State  // the state after the event
	Detail string // a sentence for people: reason, delay, error
	PID    int    // the child's pid when one is concerned
	Code   *int   // exit code, for exited events
}

// ExitRecord is the last exit, for status.
type ExitRecord struct {
	Code   int
	Signal string
	Reason string // why: "exit code 1 (restart)", "watchdog: ...", "start failed: ..."
	At     time.Time
}

// Snapshot is a consistent copy of the supervisor's state.
type Snapshot struct {
	State               State
	PID                 int
	StartedAt           time.Time
	Restarts            int // children started after the first
	ConsecutiveFailures int
	LastExit            *ExitRecord
	NextStart           time.Time // when a restart is scheduled (backoff, crash-loop), else zero
	LastHeartbeat       time.Time
	Events              []Event // oldest first
	Command             Command
	Policy              Policy
	// EventsOmitted counts the older events of the ring that SnapshotLast
	// left out of Events (0 for Snapshot, which has them all).
	EventsOmitted int
}
