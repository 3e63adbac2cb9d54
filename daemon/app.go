package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ddnsd/ddns/clock"
	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/journal"
	"github.com/ddnsd/ddns/notify"
	"github.com/ddnsd/ddns/observe"
	"github.com/ddnsd/ddns/supervise"
)

// App is the supervisor application: the supervise loop plus everything
// around it (socket, config reloads, probes, child reports). Supervision
// state belongs to the supervise loop; App keeps only what the loop does
// not know: the config, the records the child reported, and the prober.
type App struct {
	o       Options
	logger  hclog.Logger
	clk     clock.Clock
	cfgPath string // "" = embedded default
	socket  string
	started time.Time
	sup     *supervise.Supervisor
	ring    *supervise.LogRing
	metrics *observe.Metrics
	jw      *journalWriter // the supervisor's journal; nil: Options.JournalPath is "" or unusable
	// journalNet says the last network verdict journaled was "down", and
	// journalStarts counts the child's starts journaled (supervise loop).
	journalNet    bool
	journalStarts int

	probe    atomic.Pointer[proberRun]
	notifier atomic.Pointer[notifierRun]
	// systemd hears READY=1 and the child's state (Type=notify units).
	systemd *systemdNotifier
	// ctx ends with Run; background work started by a reload (a first
	// probe, the notifier) lives in it.
	ctx    context.Context
	cancel context.CancelFunc

	// applyMu serialises config loads and applies (watcher, `reload`,
	// SIGHUP), so the config, prober, notifier and policy always come from
	// the same file.
	applyMu sync.Mutex

	// lastGoodHash is the config the last good copy holds (applyMu);
	// childOnCopy says the updater is started on the copy.
	lastGoodHash string
	childOnCopy  atomic.Bool
	// files watches the files the running config names (applyMu).
	files *fileWatch

	mu sync.Mutex
	// goodSince is when the running config was last known valid: its load,
	// or the copy's save when the supervisor started on the copy.
	goodSince  time.Time
	cfg        *configs.Config
	cfgErr     string
	generation int
	records    map[string]ipc.RecordStatus
	reportAt   time.Time
	reporter   reporterPID // who reports for the child: `update-now` goes there
	http       HTTPServer
}

// New builds the application from its options; nothing runs until Run.
func New(o Options) (*App, error) {
	if o.Config == nil {
		return nil, errors.New("daemon: Options.Config is required (the defaults, when the file did not load)")
	}
	if o.Starter == nil {
		return nil, errors.New("daemon: Options.Starter is required")
	}
	if o.Socket == "" {
		return nil, errors.New("daemon: Options.Socket is required")
	}
	if o.Load == nil {
		o.Load = func(path string) (*configs.Config, error) { return configs.LoadFile(path, configs.Options{}) }
	}
	if o.Clock == nil {
		o.Clock = clock.System()
	}
	if o.Probers == nil {
		o.Probers = NetProbers(o.Clock)
	}
	if o.ListenControl == nil {
		o.ListenControl = func(so ipc.ServerOptions) (ControlServer, error) { return ipc.Listen(so) }
	}
	if o.ListenHTTP == nil {
		o.ListenHTTP = func(ho observe.Options) (HTTPServer, error) { return observe.Listen(ho) }
	}
	if o.Watch == nil {
		o.Watch = func(ctx context.Context, wo configs.WatchOptions) (ConfigWatcher, error) {
			return configs.Watch(ctx, wo)
		}
	}
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	if o.PID == 0 {
		o.PID = os.Getpid()
	}
	if o.ProcessGroup == nil {
		o.ProcessGroup = processGroup
	}
	if o.AskUpdate == nil {
		o.AskUpdate = askUpdate
	}
	if o.UpdaterPath == "" {
		o.UpdaterPath = UpdaterBeside()
	}
	if o.Environ == nil {
		o.Environ = os.Environ()
	}
	if o.SdNotify == nil {
		o.SdNotify = func(state string) {
			if _, err := ipc.SdNotify(state); err != nil {
				o.Logger.Warn("cannot tell systemd the supervisor's state", "error", err)
			}
		}
	}
	cfg := o.Config
	if o.Ring == nil {
		o.Ring = supervise.NewLogRing(cfg.Supervisor.LogLines)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a := &App{
		o: o, logger: o.Logger, clk: o.Clock, cfgPath: o.ConfigPath, socket: o.Socket,
		started: o.Clock.Now(), ring: o.Ring, metrics: observe.NewMetrics(),
		ctx: ctx, cancel: cancel, cfg: cfg, records: map[string]ipc.RecordStatus{},
		systemd: newSystemdNotifier(o.SdNotify),
	}
	if o.JournalPath != "" {
		j, err := journal.Open(o.JournalPath, journal.Limits{})
		if err != nil {
			a.logger.Warn("running without a journal of the supervisor's events", "error", err)
		}
		if j != nil {
			a.jw = newJournalWriter(j, a.logger)
		}
	}
	switch {
	case o.ConfigErr != nil && !o.LastGoodSince.IsZero():
		// The file did not load; cfg is its last good copy, which the
		// updater keeps running on.
		a.cfgErr = o.ConfigErr.Error()
		a.generation = 1
		a.goodSince = o.LastGoodSince
		a.lastGoodHash = cfg.Hash
		a.childOnCopy.Store(true)
	case o.ConfigErr != nil:
		a.cfgErr = o.ConfigErr.Error()
	default:
		a.generation = 1
		a.goodSince = cfg.LoadedAt
		a.childOnCopy.Store(a.saveLastGood(cfg))
	}
	a.journalStart(cfg)
	a.setProber(cfg)
	a.sup = supervise.New(supervise.Options{
		Policy:    policyFrom(cfg),
		Command:   a.childCommand(cfg),
		Starter:   o.Starter,
		Clock:     o.Clock,
		Ready:     probeGate{a},
		Inspector: o.Inspector,
		Logger:    a.logger,
		OnEvent:   a.onEvent,
		// The ring's size is fixed for the supervisor's life; reload says so.
		EventCapacity: cfg.Supervisor.EventHistory,
	})
	return a, nil
}

// ChildPID is the running child's pid, 0 when none runs (for the PID 1
// reaper, which must leave the child's exit status to the starter).
func (a *App) ChildPID() int { return a.sup.SnapshotLast(0).PID }

// Run opens the HTTP endpoint and the control socket, watches the config
// file and runs the supervise loop until ctx ends; the child is stopped
// before it returns. A failure to open either listener ends it at once. Run
// logs why it stopped; the error is for the caller's exit code.
func (a *App) Run(ctx context.Context) error {
	defer a.cancel()
	// The last events (the child stopped, a listener that failed) are on
	// disk before Run returns and the process exits.
	defer a.jw.stop()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, a.cancel)
	defer stop()
	a.mu.Lock()
	cfg, gen := a.cfg, a.generation
	a.mu.Unlock()
	a.metrics.ConfigLoaded(gen)
	a.startNotifier(cfg)
	defer a.stopNotifier()
	if a.o.ConfigErr != nil && !a.o.LastGoodSince.IsZero() {
		a.logger.Warn("the config file is invalid; running on its last good copy until it is fixed",
			"copy", a.o.LastGoodPath, "valid_since", a.o.LastGoodSince.Format(time.RFC3339), "error", a.o.ConfigErr)
		a.notify(notify.Event{Kind: notify.KindConfigInvalid, Error: a.o.ConfigErr.Error() + " (running on the last good config, valid since " + a.o.LastGoodSince.Format(time.RFC3339) + ")"})
	}
	sdDone, sdEnded := make(chan struct{}), make(chan struct{})
	go func() { defer close(sdEnded); a.systemd.run(sdDone) }()
	defer func() { close(sdDone); <-sdEnded }()

	// The HTTP endpoint opens first: apply, which the socket and the
	// watcher call, reads a.http, and a port in use must not leave a
	// control socket behind.
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	if cfg.HTTP.Listen != "" {
		hs, err := a.o.ListenHTTP(observe.Options{Listen: cfg.HTTP.Listen, Token: cfg.HTTP.Token,
			Status: func() ipc.Status { return a.status(0) }, History: a.History, Metrics: a.metrics, Logger: a.logger.Named("http"),
			Interval: cfg.Updater.Interval.Duration, Clock: a.clk, StatusForAnyUser: cfg.Supervisor.StatusForAnyUser})
		if err != nil {
			a.logger.Error("cannot open the http endpoint", "error", err)
			return fmt.Errorf("cannot open the http endpoint: %w", err)
		}
		a.mu.Lock()
		a.http = hs
		a.mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := hs.Serve(ctx); err != nil {
				a.logger.Error("the http endpoint stopped; supervision goes on", "error", err)
			}
		}()
	}
	srv, err := a.o.ListenControl(ipc.ServerOptions{
		Path: a.socket, Handler: a.handle, Logger: a.logger.Named("ipc"),
		AllowStatusFromAnyUser: cfg.Supervisor.StatusForAnyUser,
		IdleTimeout:            2 * time.Minute, // longer than the child's 30 s heartbeat
	})
	if err != nil {
		a.logger.Error("cannot open the control socket", "error", err)
		return fmt.Errorf("cannot open the control socket: %w", err)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := srv.Serve(ctx); err != nil && ctx.Err() == nil {
			a.logger.Error("control socket stopped", "error", err)
		}
	}()
	// Ready means serving: the socket answers from here on, whatever the
	// child does (at boot it may wait for the network longer than systemd's
	// start timeout).
	a.systemd.ready("serving on " + a.socket + "; starting the updater")
	if a.cfgPath != "" {
		wg.Add(1)
		go func() { defer wg.Done(); a.watch(ctx) }()
		a.applyMu.Lock()
		a.watchFiles(cfg)
		a.applyMu.Unlock()
		defer func() {
			a.applyMu.Lock()
			a.stopFileWatch()
			a.applyMu.Unlock()
		}()
	}
	a.logger.Info("supervisor started", "version", a.o.Version, "pid", a.o.PID, "config", a.configName(), "socket", a.socket)
	if cmd := a.childCommand(cfg); filepath.IsAbs(cmd.Path) && !exists(cmd.Path) {
		a.logger.Error("the updater binary does not exist; install it there or set [supervisor] command", "path", cmd.Path)
	}
	err = a.sup.Run(ctx)
	a.systemd.stopping()
	cancel()
	srv.Close()
	wg.Wait()
	if err != nil {
		a.logger.Error("supervisor stopped", "error", err)
		return fmt.Errorf("the supervise loop stopped: %w", err)
	}
	a.logger.Info("supervisor stopped")
	return nil
}

func (a *App) configName() string { return configs.DisplayName(a.cfgPath) }

// onEvent runs on the supervise loop: it must not block. The supervise
// package logs every event itself; here they feed metrics, notifications and
// systemd's STATUS=.
func (a *App) onEvent(e supervise.Event) {
	a.eventMetrics(e)
	a.journalEvent(e)
	a.systemd.event(e)
}

// exists reports whether a file is there, for messages about missing files.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
