package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/netprobe"
	"github.com/ddnsd/ddns/notify"
	"github.com/ddnsd/ddns/observe"
	"github.com/ddnsd/ddns/supervise"
)

// daemon is `supervisor run`: the supervise loop plus everything around it
// (socket, config reloads, probes, child reports). Supervision state belongs
// to the supervise loop; daemon keeps only what the loop does not know: the
// config, the records the child reported, and the prober.
type daemon struct {
	logger  hclog.Logger
	cfgPath string // "" = embedded default
	socket  string
	// socketFlag: the socket came from `run --socket`, so [supervisor]
	// socket does not matter.
	socketFlag bool
	started    time.Time
	sup        *supervise.Supervisor
	ring       *supervise.LogRing
	prober     atomic.Pointer[netprobe.Prober]
	probeOn    atomic.Bool
	readyTold  atomic.Bool
	metrics    *observe.Metrics
	notifier   atomic.Pointer[notifierRun]
	ctx        context.Context

	// applyMu serialises config loads and applies (watcher, `reload`,
	// SIGHUP), so the config, prober, notifier and policy always come from
	// the same file.
	applyMu sync.Mutex

	mu         sync.Mutex
	cfg        *configs.Config
	cfgErr     string
	generation int
	records    map[string]ipc.RecordStatus
	reportAt   time.Time
	http       *observe.Server
}

// notifierRun is one notifier with the context that ends its delivery.
type notifierRun struct {
	n      *notify.Notifier
	cancel context.CancelFunc
	done   chan struct{}
	cfg    string
}

// startNotifier (re)starts notifications when the [[notify]] entries changed.
func (d *daemon) startNotifier(cfg *configs.Config) {
	key := fmt.Sprint(cfg.Notify)
	if old := d.notifier.Load(); old != nil && old.cfg == key {
		return
	}
	ctx, cancel := context.WithCancel(d.ctx)
	r := &notifierRun{n: notify.New(cfg.Notify, d.logger.Named("notify")), cancel: cancel, done: make(chan struct{}), cfg: key}
	go func() { defer close(r.done); r.n.Run(ctx) }()
	if old := d.notifier.Swap(r); old != nil {
		old.cancel()
	}
}

func (d *daemon) stopNotifier() {
	if r := d.notifier.Load(); r != nil {
		r.cancel()
		<-r.done
	}
}

func (d *daemon) notify(e notify.Event) {
	if r := d.notifier.Load(); r != nil {
		if e.At.IsZero() {
			e.At = time.Now()
		}
		r.n.Notify(e)
	}
}

func cmdRun(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("run", stderr)
	config := fs.String("config", "", "config file (default: $DDNS_CONFIG, the user config folder, /etc/ddns/config.toml, then the embedded default)")
	socket := fs.String("socket", "", "control socket (default: [supervisor] socket, else the per-user runtime folder)")
	if !fs.parse(args) {
		return 2
	}
	path := resolveConfigPath(*config)
	cfg, loadErr := loadConfig(path)
	if loadErr != nil && path == "" {
		fmt.Fprintf(stderr, "supervisor: the embedded default config is invalid: %v\n", loadErr)
		return 1
	}
	if loadErr != nil && !exists(path) {
		// A service started before its config is in place waits for the file
		// (the watcher sees it appear) rather than failing at every boot.
		loadErr = fmt.Errorf("%s: the config file does not exist; the supervisor waits for it to be created", path)
	}
	if cfg == nil {
		// The file exists but is invalid: run anyway on the defaults, show the
		// error in status, and start the updater, which exits 2 on the same
		// file and so waits for the fix the watcher will see.
		d := configs.Defaults()
		cfg = &d
	}
	logger, closeLog := newLogger(cfg, stderr)
	defer closeLog()
	detachConsole(logger)
	d := &daemon{logger: logger, cfgPath: path, socket: *socket, socketFlag: *socket != "", started: time.Now(), records: map[string]ipc.RecordStatus{}}
	if loadErr != nil {
		if d.socket == "" {
			// The file's socket, not the default: `supervisor status`
			// looks there too, and the fixed file will not move it.
			d.socket = configSocket(path)
		}
		d.cfgErr = loadErr.Error()
		logger.Error("the config file is invalid; the supervisor waits for a valid save", "error", loadErr)
	} else {
		d.cfg, d.generation = cfg, 1
		for _, w := range cfg.Warnings {
			logger.Warn(w)
		}
	}
	if d.cfg == nil {
		d.cfg = cfg
	}
	return d.run()
}

func (d *daemon) run() int {
	cfg := d.cfg
	if d.socket == "" {
		d.socket = cfg.Supervisor.Socket
	}
	if d.socket == "" {
		d.socket = ipc.DefaultSocketPath()
	}
	if err := os.MkdirAll(filepath.Dir(d.socket), 0o700); err != nil {
		d.logger.Error("cannot create the socket folder", "path", filepath.Dir(d.socket), "error", err)
		return 1
	}
	release, err := ipc.AcquireLock(d.socket + ".lock")
	if err != nil {
		d.logger.Error("another supervisor already runs with this socket; use `supervisor status` to talk to it", "error", err)
		return 1
	}
	defer release()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d.ctx = ctx
	d.metrics = observe.NewMetrics()
	d.metrics.ConfigLoaded(d.generation)
	d.startNotifier(cfg)
	defer d.stopNotifier()
	stopSignals := handleSignals(ctx, cancel, d.reloadAsync, d.logger)
	defer stopSignals()
	stopReaper := startReaper(ctx, func() int { return d.sup.Snapshot().PID }, d.logger)
	defer stopReaper()

	d.ring = supervise.NewLogRing(cfg.Supervisor.LogLines)
	d.setProber(cfg)
	d.sup = supervise.New(supervise.Options{
		Policy:    policyFrom(cfg),
		Command:   childCommand(cfg, d.cfgPath, d.socket),
		Starter:   supervise.NewExecStarter(supervise.ExecOptions{Logger: d.logger, Output: d.ring}),
		Ready:     readiness{d},
		Inspector: supervise.NewProcInspector(),
		Logger:    d.logger,
		OnEvent:   d.onEvent,
		// The ring's size is fixed for the supervisor's life; reload says so.
		EventCapacity: cfg.Supervisor.EventHistory,
	})

	// The HTTP endpoint opens first: apply, which the socket and the
	// watcher call, reads d.http, and a port in use must not leave a
	// control socket behind.
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	if cfg.HTTP.Listen != "" {
		hs, err := observe.Listen(observe.Options{Listen: cfg.HTTP.Listen, Token: cfg.HTTP.Token, Status: d.status,
			Metrics: d.metrics, Logger: d.logger.Named("http"), Interval: cfg.Updater.Interval.Duration})
		if err != nil {
			d.logger.Error("cannot open the http endpoint", "error", err)
			return 1
		}
		d.http = hs
		wg.Add(1)
		go func() { defer wg.Done(); hs.Serve(ctx) }()
	}
	srv, err := ipc.Listen(ipc.ServerOptions{
		Path: d.socket, Handler: d.handle, Logger: d.logger.Named("ipc"),
		AllowStatusFromAnyUser: cfg.Supervisor.StatusForAnyUser,
		IdleTimeout:            2 * time.Minute, // longer than the child's 30 s heartbeat
	})
	if err != nil {
		d.logger.Error("cannot open the control socket", "error", err)
		return 1
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := srv.Serve(ctx); err != nil && ctx.Err() == nil {
			d.logger.Error("control socket stopped", "error", err)
		}
	}()
	if d.cfgPath != "" {
		wg.Add(1)
		go func() { defer wg.Done(); d.watch(ctx) }()
	}
	d.logger.Info("supervisor started", "version", version, "pid", os.Getpid(), "config", d.configName(), "socket", d.socket)
	if cmd := childCommand(cfg, d.cfgPath, d.socket); !exists(cmd.Path) && filepath.IsAbs(cmd.Path) {
		d.logger.Error("the updater binary does not exist; install it there or set [supervisor] command", "path", cmd.Path)
	}
	err = d.sup.Run(ctx)
	cancel()
	srv.Close()
	wg.Wait()
	if err != nil {
		d.logger.Error("supervisor stopped", "error", err)
		return 1
	}
	d.logger.Info("supervisor stopped")
	return 0
}

func (d *daemon) configName() string {
	if d.cfgPath == "" {
		return configs.EmbeddedName
	}
	return d.cfgPath
}

// readiness adapts the prober to supervise.Readiness. A fresh good verdict is
// reused, so a restart while the network is known good costs nothing.
type readiness struct{ d *daemon }

func (r readiness) Check(ctx context.Context) (bool, string) {
	p := r.d.prober.Load()
	if p == nil || !r.d.probeOn.Load() {
		return true, "probes disabled"
	}
	v := p.Fresh(ctx, 5*time.Second)
	for _, res := range v.Results {
		r.d.metrics.Probe(res.Kind, res.Target, res.OK, res.Latency)
	}
	return v.Ready, v.Reason
}

// setProber installs the prober for cfg's [probe] section. An unchanged
// section keeps the running prober: a new one has no verdict, and status and
// /healthz would say "not probed yet" until the child next starts. A changed
// one is probed once at once, for the same reason.
func (d *daemon) setProber(cfg *configs.Config) {
	p := newProber(cfg)
	old := d.prober.Load()
	if old != nil && d.probeOn.Load() == cfg.Probe.Enabled && sameProbes(old, p) {
		return
	}
	d.prober.Store(p)
	d.probeOn.Store(cfg.Probe.Enabled)
	if old != nil && cfg.Probe.Enabled && len(p.Checks) > 0 {
		go readiness{d}.Check(d.ctx)
	}
}

// onEvent runs on the supervise loop: it must not block. The supervise
// package logs every event itself; here they feed metrics, notifications and
// systemd's readiness.
func (d *daemon) onEvent(e supervise.Event) {
	d.eventMetrics(e)
	if e.Kind == supervise.EventStarted && !d.readyTold.Swap(true) {
		// systemd Type=notify: ready once the child has started.
		go ipc.SdNotify("READY=1\nSTATUS=updater started")
	}
}

// eventMetrics feeds metrics and notifications from supervision events.
func (d *daemon) eventMetrics(e supervise.Event) {
	switch e.Kind {
	case supervise.EventStarted:
		d.metrics.ChildUp(true)
		d.metrics.CrashLoop(false)
	case supervise.EventExited:
		d.metrics.ChildUp(false)
		if e.Code != nil {
			d.metrics.LastExitCode(*e.Code)
		}
		d.metrics.Restart("exit")
		// A child that was stopping was asked to (stop, restart, a config
		// change, shutdown, or a failed health check, notified below):
		// only an exit nobody asked for is news.
		if e.State != supervise.StateStopping {
			d.notify(notify.Event{Kind: notify.KindChildRestarted, At: e.At, Detail: e.Detail})
		}
	case supervise.EventWatchdog, supervise.EventMemoryLimit, supervise.EventZombie, supervise.EventStoppedState:
		d.metrics.Restart(string(e.Kind))
		d.notify(notify.Event{Kind: notify.KindChildRestarted, At: e.At, Detail: e.Detail})
	case supervise.EventStartFailed:
		d.metrics.Restart(string(e.Kind))
	case supervise.EventCrashLoop:
		d.metrics.CrashLoop(true)
		d.notify(notify.Event{Kind: notify.KindCrashLoop, At: e.At, Detail: e.Detail})
	}
}

// handle answers one socket request.
func (d *daemon) handle(ctx context.Context, req ipc.Request, peer ipc.Peer, w ipc.ReplyWriter) {
	reply := func(err error, msg string) {
		if err != nil {
			w.Send(ipc.Reply{OK: false, Error: err.Error()})
			return
		}
		w.Send(ipc.Reply{OK: true, Message: msg})
	}
	switch req.Cmd {
	case ipc.CmdStatus:
		st := d.status()
		w.Send(ipc.Reply{OK: true, Status: &st})
	case ipc.CmdStart:
		reply(d.sup.Start(), "start requested; the updater starts once the network is ready")
	case ipc.CmdStop:
		reply(d.sup.Stop(), "updater stopped; it stays stopped until `supervisor start`")
	case ipc.CmdRestart:
		reply(d.sup.Restart("requested with supervisor restart"), "restart requested")
	case ipc.CmdReload:
		msg, err := d.reload()
		reply(err, msg)
	case ipc.CmdUpdateNow:
		pid := d.sup.Snapshot().PID
		if pid == 0 {
			reply(errors.New("the updater is not running; `supervisor start` starts it"), "")
			return
		}
		reply(askUpdate(pid), fmt.Sprintf("update pass requested from the updater (pid %d)", pid))
	case ipc.CmdLogs:
		d.streamLogs(ctx, req, w)
	case ipc.CmdReport:
		if req.Report == nil {
			reply(errors.New("report: missing report object"), "")
			return
		}
		// Only the supervised child (or a process in its group, such as an
		// updater behind a wrapper script) may feed the watchdog: a stray
		// report from another process of the same user must not keep a hung
		// child alive.
		if child := d.sup.Snapshot().PID; peer.Known && !inChildGroup(peer.PID, child) {
			reply(fmt.Errorf("report from pid %d refused: it is not the supervised updater (pid %d) or in its process group", peer.PID, child), "")
			return
		}
		d.onReport(*req.Report)
		reply(nil, "ok")
	default:
		reply(fmt.Errorf("unknown command %q", req.Cmd), "")
	}
}

func (d *daemon) streamLogs(ctx context.Context, req ipc.Request, w ipc.ReplyWriter) {
	n := req.Lines
	if n <= 0 {
		n = 50
	}
	var ch <-chan string
	if req.Follow {
		var cancel func()
		ch, cancel = d.ring.Subscribe()
		defer cancel()
	}
	if w.Send(ipc.Reply{OK: true, Lines: d.ring.Last(n)}) != nil || !req.Follow {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case l, ok := <-ch:
			if !ok || w.Send(ipc.Reply{OK: true, Lines: []string{l}}) != nil {
				return
			}
		}
	}
}

func (d *daemon) onReport(r ipc.Report) {
	d.sup.Heartbeat(time.Now())
	d.mu.Lock()
	defer d.mu.Unlock()
	d.reportAt = time.Now()
	for _, rec := range r.Records {
		d.records[rec.Name+"/"+rec.Type] = rec
	}
	d.metrics.FromReport(r)
	if n := d.notifier.Load(); n != nil {
		n.n.ObserveReport(r)
	}
}

// reload re-reads the config file and applies it (the socket's `reload`,
// SIGHUP, and every watcher change end here).
func (d *daemon) reload() (string, error) {
	if d.cfgPath == "" {
		return "running on the embedded default: nothing to reload", nil
	}
	d.applyMu.Lock()
	defer d.applyMu.Unlock()
	cfg, err := loadConfig(d.cfgPath)
	return d.apply(cfg, err)
}

func (d *daemon) reloadAsync() {
	go func() {
		if msg, err := d.reload(); err == nil {
			d.logger.Info(msg)
		}
	}()
}

// apply installs a newly read config: an invalid one is reported and the
// running config stays; supervisor-only changes apply live; updater changes
// restart the child gracefully (not counted as a failure).
func (d *daemon) apply(cfg *configs.Config, loadErr error) (string, error) {
	d.mu.Lock()
	if loadErr != nil {
		d.cfgErr = loadErr.Error()
		d.mu.Unlock()
		d.logger.Error("the saved config is invalid; keeping the running config", "error", loadErr)
		d.metrics.ConfigReloadError()
		d.notify(notify.Event{Kind: notify.KindConfigInvalid, Error: loadErr.Error()})
		return "", fmt.Errorf("config not applied, the running config stays:\n%w", loadErr)
	}
	old := d.cfg
	d.cfg, d.cfgErr = cfg, ""
	d.generation++
	gen := d.generation
	// A record the new config no longer defines gets no more reports: drop
	// it, or status would show its last state forever.
	keep := make(map[string]bool, len(cfg.Records))
	for _, r := range cfg.Records {
		keep[r.FQDN()+"/"+r.Type] = true
	}
	for k := range d.records {
		if !keep[k] {
			delete(d.records, k)
		}
	}
	d.mu.Unlock()
	for _, w := range cfg.Warnings {
		d.logger.Warn(w)
	}
	later := restartOnly(old, cfg)
	want := cfg.Supervisor.Socket
	if want == "" {
		want = ipc.DefaultSocketPath()
	}
	if !d.socketFlag && want != d.socket {
		later = append(later, "supervisor.socket (still "+d.socket+")")
	}
	restartChild := updaterView(old) != updaterView(cfg)
	d.metrics.ConfigLoaded(gen)
	d.setProber(cfg)
	d.startNotifier(cfg)
	if d.http != nil {
		d.http.SetInterval(cfg.Updater.Interval.Duration)
	}
	if err := d.sup.Update(policyFrom(cfg), childCommand(cfg, d.cfgPath, d.socket), restartChild); err != nil {
		return "", err
	}
	d.sup.NetworkChanged()
	msg := fmt.Sprintf("config generation %d applied (hash %s); supervisor settings live", gen, cfg.Hash)
	if restartChild {
		msg = fmt.Sprintf("config generation %d applied (hash %s); updater settings changed, so the updater restarts", gen, cfg.Hash)
	}
	if len(later) > 0 {
		d.logger.Warn("changed settings that apply only when the supervisor restarts: " + strings.Join(later, ", "))
		msg += "; these apply only when the supervisor restarts: " + strings.Join(later, ", ")
	}
	d.logger.Info(msg)
	return msg, nil
}

// restartOnly names the changed settings that the running supervisor keeps
// as they were at its start: its HTTP endpoint, its own logger, the log
// ring's size and the socket's permissions. Values are never named: a token
// is a secret.
func restartOnly(old, cfg *configs.Config) []string {
	var out []string
	if old.HTTP.Listen != cfg.HTTP.Listen {
		out = append(out, "http.listen")
	}
	if old.HTTP.Token != cfg.HTTP.Token {
		out = append(out, "http.token")
	}
	if !reflect.DeepEqual(old.Log, cfg.Log) {
		out = append(out, "log (the supervisor's own log; the updater restarts with the new one)")
	}
	if old.Supervisor.LogLines != cfg.Supervisor.LogLines {
		out = append(out, "supervisor.log_lines")
	}
	if old.Supervisor.EventHistory != cfg.Supervisor.EventHistory {
		out = append(out, "supervisor.event_history")
	}
	if old.Supervisor.StatusForAnyUser != cfg.Supervisor.StatusForAnyUser {
		out = append(out, "supervisor.status_for_any_user")
	}
	return out
}

// status assembles the `supervisor status` document.
func (d *daemon) status() ipc.Status {
	now := time.Now()
	snap := d.sup.Snapshot()
	st := ipc.Status{Records: []ipc.RecordStatus{}, Events: []ipc.EventStatus{}}
	d.mu.Lock()
	st.Supervisor = ipc.SupervisorStatus{
		PID: os.Getpid(), Version: version, UptimeSeconds: now.Sub(d.started).Seconds(),
		ConfigPath: d.cfgPath, ConfigError: d.cfgErr, ConfigGeneration: d.generation,
	}
	if d.cfg != nil && d.generation > 0 {
		st.Supervisor.ConfigLoadedAt = ipc.TimeString(d.cfg.LoadedAt)
		st.Supervisor.ConfigHash = d.cfg.Hash
	}
	keys := make([]string, 0, len(d.records))
	for k := range d.records {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		st.Records = append(st.Records, d.records[k])
	}
	reportAt := d.reportAt
	d.mu.Unlock()

	c := ipc.ChildStatus{State: string(snap.State), PID: snap.PID, Restarts: snap.Restarts, ConsecutiveFailures: snap.ConsecutiveFailures}
	if snap.PID != 0 && !snap.StartedAt.IsZero() {
		c.UptimeSeconds = max(0, now.Sub(snap.StartedAt).Seconds())
	}
	if e := snap.LastExit; e != nil {
		c.LastExit = &ipc.ExitInfo{Code: e.Code, Signal: e.Signal, Reason: e.Reason, At: ipc.TimeString(e.At)}
	}
	if !snap.NextStart.IsZero() && snap.NextStart.After(now) {
		c.NextStartInSeconds = snap.NextStart.Sub(now).Seconds()
	}
	if !reportAt.IsZero() {
		c.LastReportAgeSeconds = now.Sub(reportAt).Seconds()
	}
	c.Command = append([]string{snap.Command.Path}, snap.Command.Args...)
	st.Child = c
	for _, e := range snap.Events {
		st.Events = append(st.Events, ipc.EventStatus{At: ipc.TimeString(e.At), Kind: string(e.Kind), Detail: e.Detail, PID: e.PID, Code: e.Code})
	}
	st.Network = ipc.NetworkStatus{Ready: true, Checks: []ipc.CheckStatus{}}
	if p := d.prober.Load(); p != nil && d.probeOn.Load() {
		if v, ok := p.Last(); ok {
			st.Network.Ready, st.Network.Reason = v.Ready, v.Reason
			for _, r := range v.Results {
				st.Network.Checks = append(st.Network.Checks, ipc.CheckStatus{Kind: r.Kind, Target: r.Target, OK: r.OK,
					LatencyMS: float64(r.Latency.Microseconds()) / 1000, Error: r.Err, Loss: r.Loss})
			}
		} else if len(p.Checks) > 0 {
			st.Network.Ready, st.Network.Reason = false, "not probed yet"
		}
	}
	return st
}

// watch applies every saved change of the config file.
func (d *daemon) watch(ctx context.Context) {
	d.mu.Lock()
	initial := ""
	if d.generation > 0 {
		initial = d.cfg.Hash
	}
	d.mu.Unlock()
	w, err := configs.Watch(ctx, configs.WatchOptions{
		Path:    d.cfgPath,
		Initial: initial,
		Logger:  d.logger.Named("config"),
		Load:    func(p string) (*configs.Config, error) { return configs.LoadFile(p, loadOptions()) },
	})
	if err != nil {
		d.logger.Error("cannot watch the config file; `supervisor reload` or SIGHUP still reloads it", "error", err)
		return
	}
	defer w.Close()
	for ch := range w.Changes() {
		if errors.Is(ch.Err, configs.ErrDeleted) {
			d.mu.Lock()
			d.cfgErr = ch.Err.Error()
			d.mu.Unlock()
			d.logger.Warn("the config file was deleted; the running config stays until it is back", "path", d.cfgPath)
			continue
		}
		d.applyMu.Lock()
		d.apply(ch.Config, ch.Err)
		d.applyMu.Unlock()
	}
}
