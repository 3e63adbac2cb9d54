// Package supervise keeps one child process alive.
//
// The child's lifecycle is an explicit state machine owned by a single
// goroutine (Supervisor.Run): a select loop over control messages, child exits,
// readiness results and timers. Nothing else touches the state, so there is no
// locking around it; other goroutines talk to the loop through messages and read
// a published copy (Snapshot).
//
// Everything that touches the outside world is injected through small
// interfaces declared here: a Clock (so backoff and crash-loop windows are
// tested without real time), a Starter and Process (so policy is tested without
// real processes), a Readiness check (the network) and an Inspector (process
// state and memory). The package knows nothing of config files, sockets or DNS:
// the caller maps its exit-code contract to Actions through Policy.ExitActions.
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
	// StateWaitingConfig: the child reported a problem only a new config can
	// fix; nothing happens until Update (or Start/Restart) is called.
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
// child runs (Supervisor.Update); zero durations fall back to DefaultPolicy's
// values where a zero would make no sense (see withDefaults).
type Policy struct {
	// RestartDelay is the first backoff delay; each consecutive failure doubles
	// it (with ±Jitter) up to RestartDelayMax.
	RestartDelay, RestartDelayMax time.Duration
	// LongRestartDelay is the first delay for ActionRestartLong, doubling up to
	// the larger of itself and RestartDelayMax.
	LongRestartDelay time.Duration
	// Jitter spreads delays by ±Jitter (0.1 = ±10%) so that many machines
	// restarted by the same outage do not retry in lockstep. 0 turns it off.
	Jitter float64
	// StableAfter: a child running this long is healthy again; the backoff
	// and the consecutive-failure count reset.
	StableAfter time.Duration
	// More than CrashLoopRestarts restarts after failures within
	// CrashLoopWindow is a crash loop: pause for CrashLoopCooldown, then try
	// again. The supervisor never gives up for good.
	CrashLoopRestarts int
	CrashLoopWindow   time.Duration
	CrashLoopCooldown time.Duration
	// StopTimeout is how long a polite Terminate may take before Kill.
	StopTimeout time.Duration
	// Watchdog, when non-zero, restarts a child that sent no Heartbeat for
	// this long.
	Watchdog time.Duration
	// MemoryLimitMB, when non-zero, restarts a child whose resident memory
	// exceeds it. Needs an Inspector.
	MemoryLimitMB int
	// InspectInterval is how often the Inspector looks at the running child.
	InspectInterval time.Duration
	// ProbeInterval is the first readiness re-check delay while waiting for
	// the network, doubling up to ProbeIntervalMax.
	ProbeInterval, ProbeIntervalMax time.Duration
	// ExitActions maps exit codes to actions; codes not listed use
	// DefaultAction. A child killed by a signal uses SignalAction.
	ExitActions   map[int]Action
	SignalAction  Action
	DefaultAction Action
	// RestartAlways restarts after ActionNone exits too (exit 0 included).
	RestartAlways bool
}

// DefaultPolicy returns the design's defaults: 1s first delay doubling with
// ±10% jitter to 5m, reset after 60s of running, more than 5 restarts in 60s
// is a crash loop paused for 10m, 10s stop timeout. Exit 0 stays stopped,
// every other exit restarts with backoff; the caller adds its own exit codes.
func DefaultPolicy() Policy {
	return Policy{
		RestartDelay:      time.Second,
		RestartDelayMax:   5 * time.Minute,
		LongRestartDelay:  30 * time.Second,
		Jitter:            0.1,
		StableAfter:       60 * time.Second,
		CrashLoopRestarts: 5,
		CrashLoopWindow:   60 * time.Second,
		CrashLoopCooldown: 10 * time.Minute,
		StopTimeout:       10 * time.Second,
		InspectInterval:   2 * time.Second,
		ProbeInterval:     5 * time.Second,
		ProbeIntervalMax:  time.Minute,
		ExitActions:       map[int]Action{0: ActionNone},
		SignalAction:      ActionRestart,
		DefaultAction:     ActionRestart,
	}
}

// withDefaults fills the fields whose zero value would be unsafe (a zero stop
// timeout would kill at once, a zero probe interval would spin). Zero delays,
// zero jitter and zero limits are meaningful and kept.
func (p Policy) withDefaults() Policy {
	d := DefaultPolicy()
	if p.RestartDelayMax <= 0 {
		p.RestartDelayMax = d.RestartDelayMax
	}
	if p.LongRestartDelay <= 0 {
		p.LongRestartDelay = d.LongRestartDelay
	}
	if p.CrashLoopWindow <= 0 {
		p.CrashLoopWindow = d.CrashLoopWindow
	}
	if p.CrashLoopCooldown <= 0 {
		p.CrashLoopCooldown = d.CrashLoopCooldown
	}
	if p.StopTimeout <= 0 {
		p.StopTimeout = d.StopTimeout
	}
	if p.InspectInterval <= 0 {
		p.InspectInterval = d.InspectInterval
	}
	if p.ProbeInterval <= 0 {
		p.ProbeInterval = d.ProbeInterval
	}
	if p.ProbeIntervalMax < p.ProbeInterval {
		p.ProbeIntervalMax = max(d.ProbeIntervalMax, p.ProbeInterval)
	}
	if p.Jitter < 0 {
		p.Jitter = 0
	}
	if p.Jitter > 1 {
		p.Jitter = 1
	}
	// Copy the map so a caller mutating its own afterwards cannot race the loop.
	m := make(map[int]Action, len(p.ExitActions))
	for k, v := range p.ExitActions {
		m[k] = v
	}
	p.ExitActions = m
	return p
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
// from the loop, so it must be quick (reading /proc is).
type Inspector interface {
	Inspect(pid int) (ProcInfo, error)
}

// ProcInfo is what an Inspector saw.
type ProcInfo struct {
	// Status in gopsutil's words: running, sleep, stop, zombie, idle, wait,
	// lock; empty where the platform cannot tell (Windows).
	Status     string
	RSSBytes   uint64
	CPUPercent float64
}

// Event kinds, as shown in status.
const (
	EventStarted          = "started"
	EventExited           = "exited"
	EventBackoff          = "backoff"
	EventWaitingNetwork   = "waiting-network"
	EventNetworkReady     = "network-ready"
	EventWaitingConfig    = "waiting-config"
	EventCrashLoop        = "crash-loop"
	EventStopping         = "stopping"
	EventStopped          = "stopped"
	EventRestartRequested = "restart-requested"
	EventWatchdog         = "watchdog"
	EventMemoryLimit      = "memory-limit"
	EventStoppedState     = "stopped-state"
	EventZombie           = "zombie"
	EventStartFailed      = "start-failed"
	EventConfigUpdated    = "config-updated"
	EventKilled           = "killed" // StopTimeout passed; the child was killed
	EventStable           = "stable" // ran StableAfter; backoff reset
)

// Event is one transition or observation, kept in a bounded ring.
type Event struct {
	At     time.Time
	Kind   string // one of the Event* constants
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
}
