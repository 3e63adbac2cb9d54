// Package daemon is the supervisor application: what `supervisor run` does
// around the supervise loop. It owns the config the supervisor runs on and
// its reloads, the control socket's requests, the status document, the
// records the child reports, the readiness prober, notifications, metrics
// and the optional HTTP endpoint. The child's lifecycle itself belongs to
// package supervise; flags, the logger, the socket lock, signals and exit
// codes belong to cmd/supervisor.
//
// # Collaborators
//
// Everything that touches the outside world comes in through Options, so
// the application is tested with a fake clock (clock/clocktest), a fake
// starter and fake probers, without processes, sockets or network:
//
//   - a supervise.Starter and supervise.Inspector for the child,
//   - a clock.Clock for every time the application reads or waits on,
//   - a ProberFactory building the network readiness prober,
//   - the functions that open the control socket, the HTTP endpoint and the
//     config watcher,
//   - the config loader, the logger, and the few operating-system calls
//     (the child's process group, asking the child for a pass).
//
// # Rules
//
//   - A config that does not load never replaces the running one: the error
//     is shown in status (config_error) and the reload reply, and the child
//     keeps running on what it has, restarts included: it is started on the
//     last good copy (lastgood.go), not on the file.
//   - No state waits forever: waiting-config also ends when a file the
//     config names changes (filewatch.go) and on a long retry.
//   - systemd hears READY=1 when the control socket serves, not when the
//     child starts (systemd.go).
//   - Every configs setting is classified exactly once (see settings.go) as
//     live (applied at once), restart-only (kept until the supervisor
//     restarts, and named in the reply when changed) or updater (the child
//     restarts gracefully to read it, which is not counted as a failure).
//     The reload code reads that table; a test fails on a setting missing
//     from it.
//   - Only the supervised child, or a process in its process group, may send
//     `report`: whatever the sender's uid, root included, a report from any
//     other process is refused and feeds neither the status nor the
//     watchdog.
//   - `status` sends the last ipc.DefaultStatusEvents events unless the request
//     asks for more, so the reply's size does not grow with the event ring.
//   - Secrets (tokens, provider keys) are never named by value in replies,
//     logs or status.
package daemon

import (
	"context"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ddnsd/ddns/clock"
	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/observe"
	"github.com/ddnsd/ddns/readiness"
	"github.com/ddnsd/ddns/supervise"
)

// Options are the application's collaborators and its starting point.
// Fields marked "default" may be left zero.
type Options struct {
	// ConfigPath is the config file; "" runs on the embedded default, which
	// is neither watched nor reloaded.
	ConfigPath string
	// Config is the config to start on. When ConfigErr is set it is a
	// stand-in (the defaults) and the file's config is still awaited.
	Config *configs.Config
	// ConfigErr is why ConfigPath did not load at start; status shows it
	// until a valid save.
	ConfigErr error
	// Load reads the config file on every reload and watcher change.
	Load func(path string) (*configs.Config, error)
	// LastGoodPath is where the copy of the last valid config is kept (see
	// LastGoodPath); the updater is started on it. "" keeps no copy, and
	// the updater reads ConfigPath itself.
	LastGoodPath string
	// LastGoodSince, when set with ConfigErr, says Config is the last good
	// copy (the file did not load) and when that copy was saved.
	LastGoodSince time.Time
	// JournalPath is the supervisor's journal (see JournalPath): its own
	// events are appended there, and History reads it. "" keeps none.
	JournalPath string

	// Socket is the control socket path in use (already chosen by the
	// caller); SocketFromFlag says it came from `run --socket`, so a changed
	// [supervisor] socket is not worth mentioning.
	Socket         string
	SocketFromFlag bool

	// Starter starts the child; Inspector reads its state (nil: no process
	// state or memory checks).
	Starter   supervise.Starter
	Inspector supervise.Inspector
	// Ring keeps the child's output lines for `logs`; default a ring of
	// [supervisor] log_lines. The Starter should write into the same ring.
	Ring *supervise.LogRing
	// Clock is the source of time; default clock.System().
	Clock clock.Clock
	// Probers builds the readiness prober for a [probe] setup; default
	// NetProbers (real DNS lookups and TCP connects).
	Probers ProberFactory

	// ListenControl opens the control socket; default ipc.Listen.
	ListenControl func(ipc.ServerOptions) (ControlServer, error)
	// ListenHTTP opens the [http] endpoint; default observe.Listen.
	ListenHTTP func(observe.Options) (HTTPServer, error)
	// Watch watches the config file; default configs.Watch.
	Watch func(context.Context, configs.WatchOptions) (ConfigWatcher, error)

	// Logger receives the application's log; default discards.
	Logger hclog.Logger
	// Version and PID describe the supervisor in status; PID default
	// os.Getpid().
	Version string
	PID     int
	// ProcessGroup returns a process's group id, for report
	// authentication; default the operating system's.
	ProcessGroup func(pid int) (int, error)
	// AskUpdate asks the child for a pass now (`update-now`); default
	// SIGHUP where there is one.
	AskUpdate func(pid int) error
	// UpdaterPath is the updater run when [supervisor] command is empty;
	// default the updater beside the running binary.
	UpdaterPath string
	// Environ is the environment the child inherits; default os.Environ().
	Environ []string
	// SdNotify sends one datagram's worth of state to systemd (READY=1
	// once the control socket serves, STATUS= with the child's state at
	// every event, STOPPING=1 at the end); default ipc.SdNotify, which does
	// nothing unless systemd watches us through $NOTIFY_SOCKET.
	SdNotify func(state string)
}

// ControlServer is the control socket once listening. *ipc.Server is one.
type ControlServer interface {
	// Serve answers requests until ctx ends or Close is called.
	Serve(ctx context.Context) error
	// Close stops accepting and ends open connections.
	Close() error
}

// HTTPServer is the [http] endpoint once listening. *observe.Server is one
// (through ListenHTTP's default).
type HTTPServer interface {
	// Serve answers requests until ctx ends.
	Serve(ctx context.Context) error
	// SetInterval changes the updater interval /healthz measures freshness in.
	SetInterval(d time.Duration)
}

// ConfigWatcher reports saved changes of the config file. *configs.Watcher
// is one.
type ConfigWatcher interface {
	Changes() <-chan configs.Change
	Close() error
}

// Prober answers "is the network ready?" for the supervise loop and status.
// *readiness.Prober is one.
type Prober interface {
	// Fresh returns a ready verdict younger than maxAge, or probes.
	Fresh(ctx context.Context, maxAge time.Duration) readiness.Verdict
	// Last returns the latest verdict, false when nothing was probed yet.
	Last() (readiness.Verdict, bool)
}

// ProbeSpec is what a prober checks and how: the part of [probe] (plus the
// derived targets) that makes two probers the same.
type ProbeSpec struct {
	Checks     []readiness.Check
	Timeout    time.Duration
	DNSServers []string
}

// ProberFactory builds a prober for spec. A prober is replaced only when
// the spec changes, so the factory is not called on every reload.
type ProberFactory func(spec ProbeSpec) Prober

// NetProbers is the real ProberFactory: readiness.Prober with the given clock.
func NetProbers(c clock.Clock) ProberFactory {
	return func(s ProbeSpec) Prober {
		return &readiness.Prober{Checks: s.Checks, Timeout: s.Timeout, DNSServers: s.DNSServers, Clock: c}
	}
}
