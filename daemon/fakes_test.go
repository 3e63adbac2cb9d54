package daemon

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ddnsd/ddns/clock/clocktest"
	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/observe"
	"github.com/ddnsd/ddns/readiness"
	"github.com/ddnsd/ddns/supervise"
)

// The unit tests run the application on fakes: a fake clock, a starter
// whose processes are channels, probers that answer what they are told,
// and a control "server" that serves nothing (requests go to handle
// directly). Real processes and sockets are the e2e tests' business
// (cmd/supervisor).

// wait bounds every wait in these tests; it is a failure guard, never a pace.
const wait = 10 * time.Second

// fakeStarter starts fakeProcs with pids 100, 101, ...
type fakeStarter struct {
	mu      sync.Mutex
	next    int
	procs   []*fakeProc
	cmds    []supervise.Command
	started chan *fakeProc
}

func newFakeStarter() *fakeStarter {
	return &fakeStarter{next: 100, started: make(chan *fakeProc, 64)}
}

func (s *fakeStarter) Start(cmd supervise.Command) (supervise.Process, error) {
	s.mu.Lock()
	p := &fakeProc{pid: s.next, done: make(chan struct{})}
	s.next++
	s.procs = append(s.procs, p)
	s.cmds = append(s.cmds, cmd)
	s.mu.Unlock()
	s.started <- p
	return p, nil
}

// fakeProc is a child that exits when told to, or when terminated or killed.
type fakeProc struct {
	pid  int
	once sync.Once
	done chan struct{}
	exit supervise.ExitStatus
}

func (p *fakeProc) PID() int                   { return p.pid }
func (p *fakeProc) Done() <-chan struct{}      { return p.done }
func (p *fakeProc) Exit() supervise.ExitStatus { return p.exit }
func (p *fakeProc) Terminate() error {
	p.end(supervise.ExitStatus{Code: -1, Signal: "terminated"})
	return nil
}
func (p *fakeProc) Kill() error                 { p.end(supervise.ExitStatus{Code: -1, Signal: "killed"}); return nil }
func (p *fakeProc) exitWith(code int)           { p.end(supervise.ExitStatus{Code: code}) }
func (p *fakeProc) end(st supervise.ExitStatus) { p.once.Do(func() { p.exit = st; close(p.done) }) }

// fakeProber answers with a fixed verdict and counts how it was built.
type fakeProber struct {
	spec   ProbeSpec
	probed chan struct{} // closed at the first Fresh
	once   sync.Once
	mu     sync.Mutex
	last   readiness.Verdict
	has    bool
}

func (p *fakeProber) Fresh(ctx context.Context, maxAge time.Duration) readiness.Verdict {
	v := readiness.Verdict{Ready: true, Reason: "fake: ready"}
	for _, c := range p.spec.Checks {
		v.Results = append(v.Results, readiness.CheckResult{Check: c, OK: true, Latency: 1500 * time.Microsecond})
	}
	p.mu.Lock()
	p.last, p.has = v, true
	p.mu.Unlock()
	p.once.Do(func() { close(p.probed) })
	return v
}

func (p *fakeProber) Last() (readiness.Verdict, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last, p.has
}

// idleServer stands in for the control socket: it serves until ctx ends.
type idleServer struct{}

func (idleServer) Serve(ctx context.Context) error { <-ctx.Done(); return nil }
func (idleServer) Close() error                    { return nil }

// fakeHTTP stands in for the [http] endpoint and records its intervals.
type fakeHTTP struct {
	mu        sync.Mutex
	opened    []observe.Options
	intervals []time.Duration
}

func (f *fakeHTTP) Serve(ctx context.Context) error { <-ctx.Done(); return nil }
func (f *fakeHTTP) SetInterval(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.intervals = append(f.intervals, d)
}

// fakeWatcher hands the changes a test sends on ch straight to the
// application's watch loop, so a send returns once the loop has taken the
// change, which is after it finished applying the one before. Like the
// real watcher, it ends (closes ch) when its context ends.
type fakeWatcher struct{ ch chan configs.Change }

func (w *fakeWatcher) start(ctx context.Context) *fakeWatcher {
	go func() { <-ctx.Done(); close(w.ch) }()
	return w
}

func (w *fakeWatcher) Changes() <-chan configs.Change { return w.ch }
func (w *fakeWatcher) Close() error                   { return nil }

// replies records what a handler sent.
type replies struct {
	mu  sync.Mutex
	got []ipc.Reply
}

func (r *replies) Send(rep ipc.Reply) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, rep)
	return nil
}

// harness is one App running on fakes.
type harness struct {
	t       testing.TB
	app     *App
	clk     *clocktest.Fake
	starter *fakeStarter
	probers chan *fakeProber
	watcher *fakeWatcher
	http    *fakeHTTP
	// next is what Load returns on the next reload.
	mu      sync.Mutex
	next    *configs.Config
	nextErr error
	groups  map[int]int // pid -> process group, for ProcessGroup
	// files has, per file the config names, the watchers opened on it.
	files    map[string]chan *fakeWatcher
	askedPID []int
}

// parse builds a config from TOML text, failing the test on an error.
func parse(t testing.TB, text string) *configs.Config {
	t.Helper()
	cfg, err := configs.Parse("test.toml", []byte(text), configs.Options{Now: func() time.Time { return start }})
	if err != nil {
		t.Fatalf("test config does not load: %v\n%s", err, text)
	}
	return cfg
}

var start = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// newHarness builds an App on cfg without running it.
func newHarness(t testing.TB, cfg *configs.Config, cfgErr error, edit ...func(*Options)) *harness {
	t.Helper()
	h := &harness{t: t, clk: clocktest.New(start), starter: newFakeStarter(), probers: make(chan *fakeProber, 16),
		watcher: &fakeWatcher{ch: make(chan configs.Change)}, http: &fakeHTTP{}, groups: map[int]int{}}
	o := Options{
		ConfigPath: "/etc/ddns/test.toml", Config: cfg, ConfigErr: cfgErr,
		Load: func(string) (*configs.Config, error) {
			h.mu.Lock()
			defer h.mu.Unlock()
			return h.next, h.nextErr
		},
		Socket:  ipc.DefaultSocketPath(), // what the test configs, which name none, ask for
		Starter: h.starter,
		Clock:   h.clk,
		Probers: func(s ProbeSpec) Prober {
			p := &fakeProber{spec: s, probed: make(chan struct{})}
			h.probers <- p
			return p
		},
		ListenControl: func(ipc.ServerOptions) (ControlServer, error) { return idleServer{}, nil },
		ListenHTTP: func(ho observe.Options) (HTTPServer, error) {
			h.http.mu.Lock()
			defer h.http.mu.Unlock()
			h.http.opened = append(h.http.opened, ho)
			return h.http, nil
		},
		Watch: func(ctx context.Context, wo configs.WatchOptions) (ConfigWatcher, error) {
			if wo.Path == h.app.cfgPath {
				return h.watcher.start(ctx), nil
			}
			// A file the config names: a watcher of its own.
			w := &fakeWatcher{ch: make(chan configs.Change)}
			h.mu.Lock()
			if h.files == nil {
				h.files = map[string]chan *fakeWatcher{}
			}
			if h.files[wo.Path] == nil {
				h.files[wo.Path] = make(chan *fakeWatcher, 16)
			}
			h.files[wo.Path] <- w
			h.mu.Unlock()
			return w.start(ctx), nil
		},
		Logger:  hclog.NewNullLogger(),
		Version: "test",
		PID:     4242,
		ProcessGroup: func(pid int) (int, error) {
			h.mu.Lock()
			defer h.mu.Unlock()
			if g, ok := h.groups[pid]; ok {
				return g, nil
			}
			return 0, fmt.Errorf("no process %d", pid)
		},
		AskUpdate: func(pid int) error {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.askedPID = append(h.askedPID, pid)
			return nil
		},
		UpdaterPath: "/usr/local/bin/updater",
		Environ:     []string{"HOME=/root", ipc.EnvNotifySocket + "=/run/systemd/notify", ipc.EnvSocket + "=/elsewhere"},
		SdNotify:    func(string) {},
	}
	for _, e := range edit {
		e(&o)
	}
	app, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	h.app = app
	return h
}

// run runs the App until the test ends.
func (h *harness) run() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.app.Run(ctx) }()
	h.t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(wait):
			h.t.Error("Run did not return after its context ended")
		}
	})
}

// started waits for the next child the starter starts, and for the loop
// to have finished starting it.
func (h *harness) started() *fakeProc {
	h.t.Helper()
	select {
	case p := <-h.starter.started:
		h.app.sup.Snapshot() // a round trip: the loop is done with the start
		return p
	case <-time.After(wait):
		h.t.Fatalf("no child started; state %s", h.app.sup.Snapshot().State)
		return nil
	}
}

// waitState asks the loop for its state until it is want: each ask is a
// round trip to the loop, the deadline only a failure guard.
func (h *harness) waitState(want supervise.State) supervise.Snapshot {
	h.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		snap := h.app.sup.Snapshot()
		if snap.State == want {
			return snap
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("state %s, want %s; events %+v", snap.State, want, snap.Events)
		}
		runtime.Gosched()
	}
}

// noStart checks that no further child was started by the time the loop
// answered a snapshot (every request sent before it has been handled).
func (h *harness) noStart(why string) {
	h.t.Helper()
	h.app.sup.Snapshot()
	select {
	case p := <-h.starter.started:
		h.t.Errorf("%s: a child was started (pid %d)", why, p.pid)
	default:
	}
}

// reloadTo makes the next Load return cfg (or err) and sends `reload`.
func (h *harness) reloadTo(cfg *configs.Config, err error) ipc.Reply {
	h.t.Helper()
	h.mu.Lock()
	h.next, h.nextErr = cfg, err
	h.mu.Unlock()
	return h.request(ipc.Request{Cmd: ipc.CmdReload}, ipc.Peer{})
}

// request sends one request from peer and returns its one reply.
func (h *harness) request(req ipc.Request, peer ipc.Peer) ipc.Reply {
	h.t.Helper()
	var r replies
	h.app.handle(context.Background(), req, peer, &r)
	if len(r.got) != 1 {
		h.t.Fatalf("%s: %d replies, want 1: %+v", req.Cmd, len(r.got), r.got)
	}
	return r.got[0]
}

// fileWatcher returns the next watcher opened on path, a file the config
// names.
func (h *harness) fileWatcher(path string) *fakeWatcher {
	h.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		h.mu.Lock()
		ch := h.files[path]
		h.mu.Unlock()
		if ch != nil {
			select {
			case w := <-ch:
				return w
			case <-time.After(time.Until(deadline)):
			}
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("no watcher opened on %s", path)
		}
		runtime.Gosched()
	}
}

// status asks for the status document with the default events.
func (h *harness) status() ipc.Status {
	h.t.Helper()
	rep := h.request(ipc.Request{Cmd: ipc.CmdStatus}, ipc.Peer{})
	if !rep.OK || rep.Status == nil {
		h.t.Fatalf("status refused: %+v", rep)
	}
	return *rep.Status
}
