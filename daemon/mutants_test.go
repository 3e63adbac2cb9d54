package daemon

// Tests written to kill the mutants `mutate/run ./daemon` found alive: each
// states a behaviour that no other test checked (see mutate/equivalent.txt
// for the mutants no test can tell apart).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/ddns"
	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/observe"
	"github.com/ddnsd/ddns/readiness"
	"github.com/ddnsd/ddns/supervise"
)

// logBuffer is a logger's output, for tests of what the operator is told.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// logTo makes the application log into buf.
func logTo(buf *logBuffer) func(*Options) {
	return func(o *Options) {
		o.Logger = hclog.New(&hclog.LoggerOptions{Output: buf, Level: hclog.Debug})
	}
}

// waitLog waits until the log holds want; the deadline is a failure guard.
func waitLog(t testing.TB, buf *logBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !strings.Contains(buf.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("the log never said %q; it has:\n%s", want, buf.String())
		}
		runtime.Gosched()
	}
}

// failingServer stands in for a control socket or HTTP endpoint whose
// Serve fails at once (an accept error, say).
type failingServer struct{}

func (failingServer) Serve(context.Context) error { return errors.New("accept: too many open files") }
func (failingServer) Close() error                { return nil }
func (failingServer) SetInterval(time.Duration)   {}

// TestTheLogTellsTheOperator: the application logs to Options.Logger what
// an operator needs: the config file it runs on at start, an updater binary
// that is not there, and a control socket or HTTP endpoint that stopped
// serving (supervision goes on).
func TestTheLogTellsTheOperator(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	noCommand := func(t testing.TB) *configs.Config {
		d := configs.Defaults()
		d.Probe.Enabled = false
		return &d
	}
	withCommand := func(t testing.TB) *configs.Config { return config(t, "", "") }
	cases := []struct {
		name   string
		cfg    func(testing.TB) *configs.Config
		edit   func(*Options)
		want   string // waited for
		absent string // not in the log once the child started
	}{
		{"start names the config file", withCommand, nil, "config=/etc/ddns/test.toml", ""},
		{"start on the embedded default names it", withCommand, func(o *Options) { o.ConfigPath = "" }, "config=\"" + configs.EmbeddedName + "\"", "config=/etc"},
		{"missing updater binary", noCommand, func(o *Options) { o.UpdaterPath = "/nonexistent/ddns-test/updater" }, "the updater binary does not exist", ""},
		{"present updater binary", noCommand, func(o *Options) { o.UpdaterPath = self }, "supervisor started", "does not exist"},
		{"control socket stops", withCommand, func(o *Options) {
			o.ListenControl = func(ipc.ServerOptions) (ControlServer, error) { return failingServer{}, nil }
		}, "control socket stopped: error=\"accept: too many open files\"", ""},
		{"http endpoint stops", func(t testing.TB) *configs.Config {
			return config(t, "", "[http]\nlisten = \"127.0.0.1:0\"")
		}, func(o *Options) {
			o.ListenHTTP = func(observe.Options) (HTTPServer, error) { return failingServer{}, nil }
		}, "the http endpoint stopped; supervision goes on: error=\"accept: too many open files\"", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf logBuffer
			edits := []func(*Options){logTo(&buf)}
			if tc.edit != nil {
				edits = append(edits, tc.edit)
			}
			h := newHarness(t, tc.cfg(t), nil, edits...)
			h.run()
			h.started() // supervision goes on, whatever stopped
			waitLog(t, &buf, tc.want)
			if tc.absent != "" && strings.Contains(buf.String(), tc.absent) {
				t.Errorf("the log says %q:\n%s", tc.absent, buf.String())
			}
		})
	}
}

// TestControlSocketOpenedAsConfigured: the control socket is opened at the
// chosen path, lets other users ask for status only when
// status_for_any_user says so, and keeps an idle connection open longer
// than the child's heartbeat interval (the child's connection carries a
// report at least that often).
func TestControlSocketOpenedAsConfigured(t *testing.T) {
	for _, anyUser := range []bool{false, true} {
		t.Run(fmt.Sprintf("status_for_any_user %v", anyUser), func(t *testing.T) {
			opened := make(chan ipc.ServerOptions, 1)
			h := newHarness(t, config(t, fmt.Sprintf("status_for_any_user = %v", anyUser), ""), nil, func(o *Options) {
				o.ListenControl = func(so ipc.ServerOptions) (ControlServer, error) { opened <- so; return idleServer{}, nil }
			})
			h.run()
			var so ipc.ServerOptions
			select {
			case so = <-opened:
			case <-time.After(wait):
				t.Fatal("Run did not open the control socket through Options.ListenControl")
			}
			if so.Path != ipc.DefaultSocketPath() || so.AllowStatusFromAnyUser != anyUser || so.Handler == nil {
				t.Errorf("control socket opened with path %q, any-user status %v, handler set %v", so.Path, so.AllowStatusFromAnyUser, so.Handler != nil)
			}
			if so.IdleTimeout <= ddns.HeartbeatInterval {
				t.Errorf("idle timeout %s, want longer than the child's heartbeat %s", so.IdleTimeout, ddns.HeartbeatInterval)
			}
		})
	}
}

// TestRunEndsCleanly: when its context ends, Run stops the child, ends
// notification delivery before it returns, and returns nil (the caller's
// exit code for a clean shutdown).
func TestRunEndsCleanly(t *testing.T) {
	h := newHarness(t, config(t, "", "[[notify]]\ntype = \"webhook\"\nurl = \"http://127.0.0.1:9/hook\""), nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- h.app.Run(ctx) }()
	child := h.started()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v after its context ended, want nil", err)
		}
	case <-time.After(wait):
		t.Fatal("Run did not return after its context ended")
	}
	select {
	case <-child.done:
	default:
		t.Error("Run returned with the child still running")
	}
	select {
	case <-h.app.notifier.Load().done:
	default:
		t.Error("Run returned before the notifier stopped")
	}
}

// chanReplies hands each reply to a channel, for a handler that streams.
type chanReplies chan ipc.Reply

func (c chanReplies) Send(r ipc.Reply) error { c <- r; return nil }

// TestLogsCommand: `logs` sends the newest lines of the child's output
// (50 unless asked for another number); with follow it then sends each new
// line as it comes, until the request's context ends.
func TestLogsCommand(t *testing.T) {
	line := func(i int) string { return fmt.Sprintf("line %d", i) }
	lines := func(from, to int) []string {
		var out []string
		for i := from; i <= to; i++ {
			out = append(out, line(i))
		}
		return out
	}
	cases := []struct {
		name  string
		lines int
		want  []string
	}{
		{"a number", 2, lines(59, 60)},
		{"default 50", 0, lines(11, 60)},
		{"more than kept", 100, lines(1, 60)},
	}
	h := newHarness(t, config(t, "", ""), nil)
	for i := 1; i <= 60; i++ {
		h.app.ring.Append(line(i))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := h.request(ipc.Request{Cmd: ipc.CmdLogs, Lines: tc.lines}, ipc.Peer{})
			if !rep.OK || !slices.Equal(rep.Lines, tc.want) {
				t.Errorf("logs %d: %+v, want lines %v", tc.lines, rep, tc.want)
			}
		})
	}
	t.Run("follow", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		got := make(chanReplies, 16)
		done := make(chan struct{})
		go func() {
			defer close(done)
			h.app.handle(ctx, ipc.Request{Cmd: ipc.CmdLogs, Lines: 1, Follow: true}, ipc.Peer{}, got)
		}()
		next := func() ipc.Reply {
			t.Helper()
			select {
			case r := <-got:
				return r
			case <-time.After(wait):
				t.Fatal("no reply from logs -f")
				return ipc.Reply{}
			}
		}
		if r := next(); !r.OK || !slices.Equal(r.Lines, []string{line(60)}) {
			t.Fatalf("first reply %+v, want the newest line", r)
		}
		for _, l := range []string{"new 1", "new 2"} {
			h.app.ring.Append(l)
			if r := next(); !r.OK || !slices.Equal(r.Lines, []string{l}) {
				t.Fatalf("followed reply %+v, want %q", r, l)
			}
		}
		cancel()
		select {
		case <-done:
		case <-time.After(wait):
			t.Fatal("logs -f did not end with its context")
		}
	})
}

// hookReceiver is a webhook receiver that passes on each notification's
// event kind, in the order they arrive.
func hookReceiver(t *testing.T) (url string, kinds <-chan string) {
	ch := make(chan string, 64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Event string `json:"event"`
		}
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &body); err != nil {
			t.Errorf("notification body %q: %v", b, err)
		}
		ch <- body.Event
	}))
	t.Cleanup(srv.Close)
	return srv.URL, ch
}

// TestNotificationsFollowTheChild: [[notify]] hears of each exit nobody
// asked for, a config that does not load, and a record whose address the
// child reports changed; the exit of a stop the operator asked for is not
// news.
func TestNotificationsFollowTheChild(t *testing.T) {
	url, kinds := hookReceiver(t)
	cfg := config(t, "", fmt.Sprintf("[[notify]]\ntype = \"webhook\"\nurl = %q", url))
	h := newHarness(t, cfg, nil)
	h.run()
	h.started().exitWith(1) // nobody asked: child-restarted
	h.started().exitWith(1) // again
	h.started()
	if rep := h.request(ipc.Request{Cmd: ipc.CmdStop}, ipc.Peer{}); !rep.OK { // asked: no news
		t.Fatalf("stop: %+v", rep)
	}
	h.waitState(supervise.StateStopped)
	h.reloadTo(nil, errors.New("test.toml:1:1: broken")) // config-invalid
	if rep := h.request(ipc.Request{Cmd: ipc.CmdStart}, ipc.Peer{}); !rep.OK {
		t.Fatalf("start: %+v", rep)
	}
	child := h.started()
	for _, addr := range []string{"192.0.2.1", "192.0.2.2"} { // address-changed
		rep := h.request(ipc.Request{Cmd: ipc.CmdReport, Report: &ipc.Report{PID: child.pid, Records: []ipc.RecordStatus{
			{Name: "home.example.com", Type: "A", Address: addr}}}}, ipc.Peer{PID: child.pid, Known: true})
		if !rep.OK {
			t.Fatalf("report: %+v", rep)
		}
	}
	want := []string{"child-restarted", "child-restarted", "config-invalid", "address-changed"}
	var got []string
	for len(got) < len(want) {
		select {
		case k := <-kinds:
			got = append(got, k)
		case <-time.After(wait):
			t.Fatalf("notifications %v, want %v", got, want)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("notifications %v, want %v", got, want)
	}
}

// TestMetricsRecordTheChildsExit: /metrics shows the code of the child's
// last exit and counts the restart.
func TestMetricsRecordTheChildsExit(t *testing.T) {
	h := newHarness(t, config(t, "", ""), nil)
	h.run()
	h.started().exitWith(1)
	h.started()
	rec := httptest.NewRecorder()
	h.app.metrics.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{"\nddns_child_last_exit_code 1\n", "\nddns_child_restarts_total{reason=\"exit\"} 1\n", "\nddns_child_up 1\n"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", strings.TrimSpace(want), body)
		}
	}
}

// TestGoodVerdictReusedForAQuickRestart: a restart within seconds of a
// passing probe starts the child on that verdict without probing again
// (a restart while the network is known good costs nothing); a verdict
// some seconds old is probed afresh. The prober is the real one, checking
// a local listener, on the fake clock.
func TestGoodVerdictReusedForAQuickRestart(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	text := strings.NewReplacer(`restart_delay = "0s"`, `restart_delay = "1s"`+"\nrestart_delay_max = \"1s\"",
		"enabled = false", fmt.Sprintf("dns = []\ntcp = [%q]", ln.Addr().String())).Replace(fmt.Sprintf(baseConfig, "", ""))
	h := newHarness(t, parse(t, text), nil, func(o *Options) { o.Probers = NetProbers(o.Clock) })
	h.run()
	verdictAt := func() time.Time {
		t.Helper()
		v, ok := h.app.probe.Load().p.Last()
		if !ok || !v.Ready {
			t.Fatalf("verdict %+v (probed %v), want a passing one", v, ok)
		}
		return v.At
	}
	h.started().exitWith(1)
	first := verdictAt()
	h.waitState(supervise.StateBackoff)
	h.clk.Advance(time.Second)
	h.started().exitWith(1)
	if got := verdictAt(); !got.Equal(first) {
		t.Errorf("restart 1s after a passing probe probed again (verdict of %s, want the one of %s)", got, first)
	}
	h.waitState(supervise.StateBackoff)
	h.clk.Advance(time.Minute)
	h.started()
	if got := verdictAt(); !got.After(first) {
		t.Errorf("restart a minute after the probe reused its verdict of %s", got)
	}
}

// TestStandInConfigIsNotPresentedAsLoaded: when the file did not load at
// start, the config the supervisor runs on is a stand-in: status shows no
// hash and no load time for it, and the watcher is not told the file's
// content is already applied (so the first valid save applies). A config
// that did load is the watcher's starting point.
func TestStandInConfigIsNotPresentedAsLoaded(t *testing.T) {
	cases := []struct {
		name    string
		loadErr error
		loaded  bool
	}{
		{"loaded", nil, true},
		{"did not load", errors.New("test.toml:3:1: unknown key"), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config(t, "", "") // a parsed config, with a hash and a load time
			watched := make(chan configs.WatchOptions, 1)
			h := newHarness(t, cfg, tc.loadErr, func(o *Options) {
				o.Watch = func(ctx context.Context, wo configs.WatchOptions) (ConfigWatcher, error) {
					watched <- wo
					return (&fakeWatcher{ch: make(chan configs.Change)}).start(ctx), nil
				}
			})
			h.run()
			h.started()
			var wo configs.WatchOptions
			select {
			case wo = <-watched:
			case <-time.After(wait):
				t.Fatal("the config file is not watched")
			}
			wantInitial, wantLoadedAt := "", ""
			if tc.loaded {
				wantInitial, wantLoadedAt = cfg.Hash, ipc.TimeOf(cfg.LoadedAt).String()
			}
			if wo.Path != "/etc/ddns/test.toml" || wo.Initial != wantInitial {
				t.Errorf("watching %q from %q, want /etc/ddns/test.toml from %q", wo.Path, wo.Initial, wantInitial)
			}
			st := h.status().Supervisor
			if st.ConfigHash != wantInitial || st.ConfigLoadedAt.String() != wantLoadedAt {
				t.Errorf("status shows hash %q loaded at %q, want %q and %q", st.ConfigHash, st.ConfigLoadedAt, wantInitial, wantLoadedAt)
			}
		})
	}
}

// TestEmptyingAListIsAChange: a list setting emptied by a reload is a
// change (the child restarts for an updater list); an empty list and a
// missing one are the same.
func TestEmptyingAListIsAChange(t *testing.T) {
	a := &App{socket: ipc.DefaultSocketPath()}
	cases := []struct {
		name     string
		old, new []string
		restart  bool
	}{
		{"emptied", []string{"/opt/ddns/updater"}, nil, true},
		{"filled", nil, []string{"/opt/ddns/updater"}, true},
		{"empty and missing", []string{}, nil, false},
		{"missing and empty", nil, []string{}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old, cfg := configs.Defaults(), configs.Defaults()
			old.Supervisor.Command, cfg.Supervisor.Command = tc.old, tc.new
			if cs := a.changes(&old, &cfg); cs.restartChild != tc.restart {
				t.Errorf("supervisor.command %q to %q: restart %v, want %v", tc.old, tc.new, cs.restartChild, tc.restart)
			}
		})
	}
}

// TestWrittenDNSListKeepsDerivedTCP: a [probe] dns list written without a
// tcp list replaces the derived name checks and keeps the derived
// connection checks.
func TestWrittenDNSListKeepsDerivedTCP(t *testing.T) {
	cfg := configs.Defaults()
	cfg.Providers = map[string]configs.Provider{"cf": {Type: "cloudflare"}}
	cfg.Probe.DNS = []string{"example.net"}
	want := []readiness.Check{{Kind: "dns", Target: "example.net"}, {Kind: "tcp", Target: "api.cloudflare.com:443"}}
	if got := probeChecks(&cfg); !reflect.DeepEqual(got, want) {
		t.Errorf("probeChecks = %v, want %v", got, want)
	}
}

// TestFitLinesKeepsWhatFitsTheBudgetExactly: each line costs its JSON
// string and a comma, after room for the note; lines that fill the budget
// to the byte are all sent, one byte less leaves the oldest out.
func TestFitLinesKeepsWhatFitsTheBudgetExactly(t *testing.T) {
	lines := []string{"one", "two", "six"} // 5 bytes encoded, 6 with the comma
	for _, tt := range []struct {
		budget   int
		wantKept int
	}{
		{200 + 18, 3},
		{200 + 17, 2},
		{200 + 12, 2},
		{200 + 11, 1},
	} {
		got := fitLines(lines, tt.budget)
		kept, note := got, false
		if len(got) > 0 && strings.Contains(got[0], "older lines left out") {
			kept, note = got[1:], true
		}
		if !slices.Equal(kept, lines[len(lines)-tt.wantKept:]) || note != (tt.wantKept < len(lines)) {
			t.Errorf("budget %d: %q, want the newest %d lines (and a note if any was left out)", tt.budget, got, tt.wantKept)
		}
	}
}

// TestLastGoodPathOfARelativeConfigIsItsAbsolutePath: a supervisor started
// on "ddns.toml" from the config's folder finds the copy one started on the
// full path saved.
func TestLastGoodPathOfARelativeConfigIsItsAbsolutePath(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	full := wd + string(os.PathSeparator) + "ddns.toml"
	if rel, abs := LastGoodPath("/var/lib/ddns", "ddns.toml"), LastGoodPath("/var/lib/ddns", full); rel != abs {
		t.Fatalf("last good copy of ddns.toml %q, of %s %q; want one path", rel, full, abs)
	}
}

// TestStartOnAnInvalidConfigWithoutCopyIsNotOnLastGood: a supervisor that
// started on a file that did not load and has no last good copy waits for
// a valid save; its status says the config is broken, not that it runs on
// a last good copy.
func TestStartOnAnInvalidConfigWithoutCopyIsNotOnLastGood(t *testing.T) {
	d := configs.Defaults()
	d.Supervisor.Command = []string{"/opt/ddns/updater"}
	h := newHarness(t, &d, errors.New("test.toml:1:1: not TOML"))
	st := h.status().Supervisor
	if st.ConfigError == "" || st.RunningOnLastGood || st.LastGoodSince != nil {
		t.Fatalf("status %+v, want a config error and not running on a last good copy", st)
	}
}

// TestReportFromAPeerWithoutPIDKeepsTheUpdaterPID: a report whose sender's
// pid the socket could not tell (0) does not replace the updater's pid an
// earlier report gave.
func TestReportFromAPeerWithoutPIDKeepsTheUpdaterPID(t *testing.T) {
	cfg := config(t, "", "")
	h := newHarness(t, cfg, nil)
	h.app.noteReporter(ipc.Peer{Known: true, PID: 555})
	h.app.noteReporter(ipc.Peer{Known: true, PID: 0})
	if got := h.app.updaterPID(0); got != 555 {
		t.Fatalf("updater pid after a report from pid 555 and one from an unknown pid: %d, want 555", got)
	}
}

// TestJournalThatCannotBeOpenedIsLogged: a supervisor whose journal cannot
// be opened (here its folder's place is taken by a file) runs without one
// and says so in the log.
func TestJournalThatCannotBeOpenedIsLogged(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/journal", []byte("not a folder"), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs lockedBuffer
	h := newHarness(t, config(t, "", ""), nil, func(o *Options) {
		o.JournalPath = JournalPath(dir, o.ConfigPath)
		o.Logger = hclog.New(&hclog.LoggerOptions{Output: &logs, Level: hclog.Info})
	})
	if l := logs.String(); h.app.jw != nil || !strings.Contains(l, "[WARN]") || !strings.Contains(l, "running without a journal") {
		t.Fatalf("journal writer %v; log:\n%s", h.app.jw, l)
	}
}

// TestFileHashIsTheContentsHash: the baseline of a watched file is the
// hash of what it holds, and "" for a file that cannot be read.
func TestFileHashIsTheContentsHash(t *testing.T) {
	path := t.TempDir() + "/token"
	if err := os.WriteFile(path, []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, want := fileHash(path), configs.Hash([]byte("secret\n")); got != want || got == "" {
		t.Errorf("fileHash of a readable file %q, want %q", got, want)
	}
	if got := fileHash(path + ".missing"); got != "" {
		t.Errorf("fileHash of a missing file %q, want \"\"", got)
	}
}
