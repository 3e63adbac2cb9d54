package daemon

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/supervise"
)

// baseConfig is a config for the fake child; %s is spliced into [supervisor]
// and %s after the last section, so a test can change one setting.
const baseConfig = `
[supervisor]
command = ["/opt/ddns/updater", "--config", "/etc/ddns/test.toml"]
restart_delay = "0s"
%s
[probe]
enabled = false
[updater]
interval = "5m"
%s
`

func config(t testing.TB, supervisor, rest string) *configs.Config {
	t.Helper()
	return parse(t, fmt.Sprintf(baseConfig, supervisor, rest))
}

// TestInvalidReloadKeepsRunningConfig: a config that does not load leaves
// the running config, its policy and the child as they were, and shows the
// error in status until a valid one loads.
func TestInvalidReloadKeepsRunningConfig(t *testing.T) {
	cfg := config(t, `stop_timeout = "7s"`, "")
	h := newHarness(t, cfg, nil)
	h.run()
	child := h.started()

	bad := errors.New("test.toml:5:16: supervisor.stop_timeout: \"3 seconds\" is not a duration")
	rep := h.reloadTo(nil, bad)
	if rep.OK || !strings.Contains(rep.Error, "the running config stays") || !strings.Contains(rep.Error, "stop_timeout") {
		t.Errorf("reload of an invalid config answered %+v", rep)
	}
	st := h.status()
	if st.Supervisor.ConfigError != bad.Error() || st.Supervisor.ConfigGeneration != 1 || st.Supervisor.ConfigHash != cfg.Hash {
		t.Errorf("supervisor section after the invalid reload: %+v", st.Supervisor)
	}
	if st.Child.PID != child.pid || st.Child.State != "running" {
		t.Errorf("child after the invalid reload: %+v, want pid %d running", st.Child, child.pid)
	}
	if got := h.app.sup.Snapshot().Policy.StopTimeout; got != 7*time.Second {
		t.Errorf("policy stop timeout %s after the invalid reload, want the running 7s", got)
	}
	h.noStart("invalid reload")

	// The next valid config clears the error.
	if rep := h.reloadTo(config(t, `stop_timeout = "7s"`, ""), nil); !rep.OK {
		t.Fatalf("valid reload refused: %+v", rep)
	}
	if st := h.status(); st.Supervisor.ConfigError != "" || st.Supervisor.ConfigGeneration != 2 {
		t.Errorf("after a valid reload: %+v", st.Supervisor)
	}
}

// TestStartOnInvalidConfig: a supervisor started on a file that did not
// load shows the error, generation 0 and no hash, and a valid save
// (through the watcher) applies and clears the error.
func TestStartOnInvalidConfig(t *testing.T) {
	d := configs.Defaults()
	d.Supervisor.Command = []string{"/opt/ddns/updater"}
	d.Probe.Enabled = false
	h := newHarness(t, &d, errors.New("test.toml:3:1: unknown key"))
	h.run()
	h.started()
	st := h.status()
	if st.Supervisor.ConfigError == "" || st.Supervisor.ConfigGeneration != 0 || st.Supervisor.ConfigHash != "" || !st.Supervisor.ConfigLoadedAt.IsZero() {
		t.Errorf("supervisor section on an invalid start: %+v", st.Supervisor)
	}
	fixed := config(t, "", "")
	h.watcher.ch <- configs.Change{Config: fixed}
	h.watcher.ch <- configs.Change{Err: configs.ErrDeleted} // taken once the save above is applied
	st = h.status()
	if st.Supervisor.ConfigGeneration != 1 || st.Supervisor.ConfigHash != fixed.Hash {
		t.Errorf("after the valid save: %+v", st.Supervisor)
	}
	// A deleted file keeps the running config and says so.
	h.watcher.ch <- configs.Change{Err: configs.ErrDeleted} // taken once the deletion above is handled
	st = h.status()
	if st.Supervisor.ConfigGeneration != 1 || st.Supervisor.ConfigHash != fixed.Hash || st.Supervisor.ConfigError != configs.ErrDeleted.Error() {
		t.Errorf("after the file was deleted: %+v", st.Supervisor)
	}
}

// TestSupervisorOnlyChangeKeepsChild: a Live setting applies to the
// running loop without touching the child.
func TestSupervisorOnlyChangeKeepsChild(t *testing.T) {
	h := newHarness(t, config(t, `stop_timeout = "7s"`, ""), nil)
	h.run()
	child := h.started()
	rep := h.reloadTo(config(t, `stop_timeout = "3s"`, ""), nil)
	if !rep.OK || !strings.Contains(rep.Message, "supervisor settings live") || strings.Contains(rep.Message, "when the supervisor restarts") {
		t.Errorf("reply %+v", rep)
	}
	snap := h.app.sup.Snapshot()
	if snap.PID != child.pid || snap.Policy.StopTimeout != 3*time.Second {
		t.Errorf("after a supervisor-only change: pid %d (want %d), stop timeout %s (want 3s)", snap.PID, child.pid, snap.Policy.StopTimeout)
	}
	h.noStart("supervisor-only change")
}

// TestUpdaterChangeRestartsChild: an Updater setting restarts the child
// gracefully; the restart is not a failure.
func TestUpdaterChangeRestartsChild(t *testing.T) {
	h := newHarness(t, config(t, "", ""), nil)
	h.run()
	first := h.started()
	rep := h.reloadTo(parse(t, strings.Replace(fmt.Sprintf(baseConfig, "", ""), `interval = "5m"`, `interval = "10m"`, 1)), nil)
	if !rep.OK || !strings.Contains(rep.Message, "updater settings changed, so the updater restarts") {
		t.Errorf("reply %+v", rep)
	}
	second := h.started()
	snap := h.app.sup.Snapshot()
	if second.pid == first.pid || snap.PID != second.pid || snap.ConsecutiveFailures != 0 || snap.Restarts != 1 {
		t.Errorf("after an updater change: %+v", snap)
	}
	if first.exit.Signal != "terminated" {
		t.Errorf("the old child was not asked to stop politely: %+v", first.exit)
	}
}

// TestReloadNamesRestartOnlySettings: each RestartOnly setting, changed,
// is named in the reply (never its value), and the unchanged ones are not.
func TestReloadNamesRestartOnlySettings(t *testing.T) {
	cases := []struct {
		name          string
		sup, rest     string // the changed config's parts
		want          []string
		restartsChild bool
	}{
		{"log_lines", "log_lines = 99", "", []string{"supervisor.log_lines"}, false},
		{"event_history", "event_history = 99", "", []string{"supervisor.event_history"}, false},
		{"status_for_any_user", "status_for_any_user = true", "", []string{"supervisor.status_for_any_user"}, false},
		{"socket", `socket = "/run/other.sock"`, "", []string{"supervisor.socket (still " + ipc.DefaultSocketPath() + ")"}, false},
		{"http.listen", "", "[http]\nlisten = \"127.0.0.1:9901\"\ntoken = \"tok-one\"", []string{"http.listen"}, false},
		{"http.token", "", "[http]\nlisten = \"127.0.0.1:9900\"\ntoken = \"tok-two\"", []string{"http.token"}, false},
		{"log.level", "", "[log]\nlevel = \"debug\"", []string{"log.level (the supervisor's own log; the updater restarts with the new one)"}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, config(t, "", "[http]\nlisten = \"127.0.0.1:9900\"\ntoken = \"tok-one\""), nil)
			h.run()
			h.started()
			rest := tc.rest
			if !strings.Contains(rest, "[http]") {
				rest += "\n[http]\nlisten = \"127.0.0.1:9900\"\ntoken = \"tok-one\""
			}
			rep := h.reloadTo(config(t, tc.sup, rest), nil)
			if !rep.OK {
				t.Fatalf("reload refused: %+v", rep)
			}
			_, later, found := strings.Cut(rep.Message, "these apply only when the supervisor restarts: ")
			if !found || later != strings.Join(tc.want, ", ") {
				t.Errorf("restart-only part %q, want %q (message %q)", later, strings.Join(tc.want, ", "), rep.Message)
			}
			if strings.Contains(rep.Message, "tok-") {
				t.Errorf("the reply shows a token: %q", rep.Message)
			}
			if got := strings.Contains(rep.Message, "so the updater restarts"); got != tc.restartsChild {
				t.Errorf("child restart said %v, want %v: %q", got, tc.restartsChild, rep.Message)
			}
		})
	}
}

// TestSocketFromFlagNotNamed: with `run --socket`, [supervisor] socket
// does not matter, so changing it is not reported.
func TestSocketFromFlagNotNamed(t *testing.T) {
	h := newHarness(t, config(t, "", ""), nil, func(o *Options) { o.SocketFromFlag = true })
	h.run()
	h.started()
	rep := h.reloadTo(config(t, `socket = "/run/other.sock"`, ""), nil)
	if !rep.OK || strings.Contains(rep.Message, "socket") {
		t.Errorf("reply %+v", rep)
	}
}

// TestHTTPIntervalAppliedLive: the endpoint's freshness unit follows
// [updater] interval on every reload.
func TestHTTPIntervalAppliedLive(t *testing.T) {
	withHTTP := "[http]\nlisten = \"127.0.0.1:9900\""
	h := newHarness(t, config(t, "", withHTTP), nil)
	h.run()
	h.started()
	h.reloadTo(parse(t, strings.Replace(fmt.Sprintf(baseConfig, "", withHTTP), `interval = "5m"`, `interval = "10m"`, 1)), nil)
	h.http.mu.Lock()
	defer h.http.mu.Unlock()
	if len(h.http.opened) != 1 || h.http.opened[0].Interval != 5*time.Minute || !slices.Equal(h.http.intervals, []time.Duration{10 * time.Minute}) {
		t.Errorf("http endpoint opened %+v, intervals %v", h.http.opened, h.http.intervals)
	}
}

const recordsConfig = `
[ip]
v4 = [{ type = "command", command = ["/bin/echo", "192.0.2.1"] }]
[providers.local]
type = "dryrun"
[[records]]
provider = "local"
zone = "example.test"
name = "home"
%s
`

// TestRemovedRecordsDroppedFromStatus: a record the new config no longer
// has disappears from status; the others stay.
func TestRemovedRecordsDroppedFromStatus(t *testing.T) {
	second := "[[records]]\nprovider = \"local\"\nzone = \"example.test\"\nname = \"nas\"\ntype = \"A\""
	h := newHarness(t, config(t, "", fmt.Sprintf(recordsConfig, second)), nil)
	h.run()
	child := h.started()
	rep := h.request(ipc.Request{Cmd: ipc.CmdReport, Report: &ipc.Report{PID: child.pid, Records: []ipc.RecordStatus{
		{Name: "home.example.test", Type: "A", Address: "192.0.2.1"},
		{Name: "nas.example.test", Type: "A", Address: "192.0.2.1"},
	}}}, ipc.Peer{UID: 1000, PID: child.pid, Known: true})
	if !rep.OK {
		t.Fatalf("the child's report refused: %+v", rep)
	}
	if st := h.status(); len(st.Records) != 2 {
		t.Fatalf("records before the reload: %+v", st.Records)
	}
	h.reloadTo(config(t, "", fmt.Sprintf(recordsConfig, "")), nil)
	st := h.status()
	if len(st.Records) != 1 || st.Records[0].Name != "home.example.test" {
		t.Errorf("records after nas was removed: %+v", st.Records)
	}
}

// TestStatusFields: the status document's fields come from the config,
// the loop, the last report and the fake clock.
func TestStatusFields(t *testing.T) {
	cfg := config(t, "", "")
	h := newHarness(t, cfg, nil)
	h.run()
	child := h.started()
	h.clk.Advance(5 * time.Second)
	h.request(ipc.Request{Cmd: ipc.CmdReport, Report: &ipc.Report{PID: child.pid}}, ipc.Peer{PID: child.pid, Known: true})
	h.clk.Advance(2 * time.Second)
	st := h.status()

	s := st.Supervisor
	if s.PID != 4242 || s.Version != "test" || s.UptimeSeconds != 7 || s.ConfigPath != "/etc/ddns/test.toml" ||
		s.ConfigError != "" || s.ConfigGeneration != 1 || s.ConfigHash != cfg.Hash || !s.ConfigLoadedAt.Time().Equal(start) {
		t.Errorf("supervisor section: %+v", s)
	}
	c := st.Child
	if c.State != "running" || c.PID != child.pid || c.UptimeSeconds != 7 || c.Restarts != 0 || c.ConsecutiveFailures != 0 ||
		c.LastExit != nil || c.NextStartInSeconds != 0 || c.LastReportAgeSeconds != 2 ||
		!slices.Equal(c.Command, []string{"/opt/ddns/updater", "--config", "/etc/ddns/test.toml"}) {
		t.Errorf("child section: %+v", c)
	}
	if !st.Network.Ready || len(st.Network.Checks) != 0 {
		t.Errorf("network with probes off: %+v", st.Network)
	}
	if len(st.Events) == 0 || st.Events[len(st.Events)-1].Kind != string(supervise.EventStarted) || st.Events[len(st.Events)-1].PID != child.pid {
		t.Errorf("events: %+v", st.Events)
	}

	// After an exit: last_exit, backoff and the next start.
	slow := config(t, "", "")
	slow.Supervisor.RestartDelay.Duration = 30 * time.Second
	h.reloadTo(slow, nil)
	child.exitWith(1)
	h.waitState(supervise.StateBackoff)
	st = h.status()
	c = st.Child
	if c.State != "backoff" || c.PID != 0 || c.UptimeSeconds != 0 || c.ConsecutiveFailures != 1 ||
		c.LastExit == nil || c.LastExit.Code != 1 || !c.LastExit.At.Time().Equal(start.Add(7*time.Second)) ||
		c.NextStartInSeconds < 27 || c.NextStartInSeconds > 33 {
		t.Errorf("child section in backoff: %+v (last exit %+v)", c, c.LastExit)
	}
}

// TestChildCommand: the child gets our socket in its environment, not
// systemd's NOTIFY_SOCKET or an inherited socket; without [supervisor]
// command it is the updater beside us, given our config file.
func TestChildCommand(t *testing.T) {
	d := configs.Defaults()
	d.Probe.Enabled = false
	h := newHarness(t, &d, nil)
	h.run()
	h.started()
	h.starter.mu.Lock()
	cmd := h.starter.cmds[0]
	h.starter.mu.Unlock()
	if cmd.Path != "/usr/local/bin/updater" || !slices.Equal(cmd.Args, []string{"--config", "/etc/ddns/test.toml"}) {
		t.Errorf("command %s %v", cmd.Path, cmd.Args)
	}
	if want := []string{ipc.EnvSocket + "=" + ipc.DefaultSocketPath(), "HOME=/root"}; !slices.Equal(cmd.Env, want) {
		t.Errorf("environment %v, want %v", cmd.Env, want)
	}
}

// TestUpdateNowAsksTheChild: update-now goes to the running child's pid,
// and is refused plainly when none runs.
func TestUpdateNowAsksTheChild(t *testing.T) {
	h := newHarness(t, config(t, "", ""), nil)
	h.run()
	child := h.started()
	if rep := h.request(ipc.Request{Cmd: ipc.CmdUpdateNow}, ipc.Peer{}); !rep.OK {
		t.Errorf("update-now: %+v", rep)
	}
	if rep := h.request(ipc.Request{Cmd: ipc.CmdStop}, ipc.Peer{}); !rep.OK {
		t.Fatalf("stop: %+v", rep)
	}
	// Stop returns once the child was asked to stop; the loop may not have
	// seen it exit yet.
	h.waitState(supervise.StateStopped)
	if rep := h.request(ipc.Request{Cmd: ipc.CmdUpdateNow}, ipc.Peer{}); rep.OK || !strings.Contains(rep.Error, "not running") {
		t.Errorf("update-now with no child: %+v", rep)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !slices.Equal(h.askedPID, []int{child.pid}) {
		t.Errorf("asked pids %v, want [%d]", h.askedPID, child.pid)
	}
}

// TestNotifierRestartsOnlyWhenNotifyChanges: a reload that leaves
// [[notify]] alone keeps the running notifier (its queues and what it
// remembers of the records); a changed [[notify]] replaces it and ends the
// old one.
func TestNotifierRestartsOnlyWhenNotifyChanges(t *testing.T) {
	hook := func(url string) string { return fmt.Sprintf("[[notify]]\ntype = \"webhook\"\nurl = %q", url) }
	h := newHarness(t, config(t, "", hook("http://127.0.0.1:9/a")), nil)
	h.run()
	h.started()
	first := h.app.notifier.Load()
	h.reloadTo(config(t, `stop_timeout = "3s"`, hook("http://127.0.0.1:9/a")), nil)
	if h.app.notifier.Load() != first {
		t.Fatal("a reload without a [[notify]] change replaced the notifier")
	}
	h.reloadTo(config(t, `stop_timeout = "3s"`, hook("http://127.0.0.1:9/b")), nil)
	second := h.app.notifier.Load()
	if second == first {
		t.Fatal("a changed [[notify]] kept the old notifier")
	}
	select {
	case <-first.done:
	case <-time.After(wait):
		t.Error("the replaced notifier did not stop")
	}
	if len(second.entries) != 1 || second.entries[0].URL != "http://127.0.0.1:9/b" {
		t.Errorf("the new notifier has entries %+v", second.entries)
	}
}

// TestProberKeptUnlessProbesChange: a reload that leaves the probe setup
// alone keeps the prober (and its verdict); a changed target gets a new
// prober, probed at once.
func TestProberKeptUnlessProbesChange(t *testing.T) {
	probe := func(target string) string {
		return strings.Replace(fmt.Sprintf(baseConfig, "", ""), "enabled = false", fmt.Sprintf("dns = []\ntcp = [%q]", target), 1)
	}
	h := newHarness(t, parse(t, probe("192.0.2.1:443")), nil)
	first := <-h.probers
	h.run()
	h.started()
	st := h.status()
	if !st.Network.Ready || len(st.Network.Checks) != 1 || st.Network.Checks[0].Target != "192.0.2.1:443" || st.Network.Checks[0].LatencyMS != 1.5 {
		t.Errorf("network after the start's probe: %+v", st.Network)
	}
	h.reloadTo(parse(t, strings.Replace(probe("192.0.2.1:443"), "restart_delay = \"0s\"", "restart_delay = \"2s\"", 1)), nil)
	select {
	case p := <-h.probers:
		t.Fatalf("a reload without a probe change built a new prober for %v", p.spec)
	default:
	}
	if h.app.probe.Load().p != first {
		t.Fatal("the prober was replaced")
	}
	h.reloadTo(parse(t, probe("192.0.2.2:443")), nil)
	var second *fakeProber
	select {
	case second = <-h.probers:
	case <-time.After(wait):
		t.Fatal("a changed probe target built no new prober")
	}
	if len(second.spec.Checks) != 1 || second.spec.Checks[0].Target != "192.0.2.2:443" {
		t.Errorf("new prober checks %v", second.spec.Checks)
	}
	select {
	case <-second.probed:
	case <-time.After(wait):
		t.Fatal("the new prober was not probed at once")
	}
}

// TestChildToldWatchdogPeriod: with a watchdog the child's environment
// carries its period in microseconds (and only ours, not an inherited one);
// without one it carries none.
func TestChildToldWatchdogPeriod(t *testing.T) {
	tests := []struct {
		name, supervisor string
		want             string // "" = no such variable
	}{
		{"watchdog 9s", `watchdog = "9s"`, ipc.EnvWatchdogUSec + "=9000000"},
		{"no watchdog", ``, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, config(t, tt.supervisor, ""), nil, func(o *Options) {
				o.Environ = append(o.Environ, ipc.EnvWatchdogUSec+"=1")
			})
			h.run()
			h.started()
			h.starter.mu.Lock()
			env := h.starter.cmds[0].Env
			h.starter.mu.Unlock()
			var got []string
			for _, kv := range env {
				if strings.HasPrefix(kv, ipc.EnvWatchdogUSec+"=") {
					got = append(got, kv)
				}
			}
			switch {
			case tt.want == "" && len(got) != 0:
				t.Errorf("environment carries %v, want no watchdog period", got)
			case tt.want != "" && !slices.Equal(got, []string{tt.want}):
				t.Errorf("environment carries %v, want [%s]", got, tt.want)
			}
		})
	}
}
