//go:build linux

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/testsupport/e2e"
	"github.com/ddnsd/ddns/testsupport/linebuf"
)

// TestReloadReportsRestartOnlySettings: settings the running supervisor
// cannot change live ([http], its own [log], the socket, the log ring, who may
// read the status) are named when a saved config changes them, instead of
// the reload claiming every supervisor setting is live.
func TestReloadReportsRestartOnlySettings(t *testing.T) {
	dir := t.TempDir()
	tok1, tok2 := filepath.Join(dir, "token1"), filepath.Join(dir, "token2")
	os.WriteFile(tok1, []byte("first-secret-token\n"), 0o600)
	os.WriteFile(tok2, []byte("second-secret-token\n"), 0o600)
	base := "[supervisor]\ncommand = [\"@SELF@\"]\nlog_lines = %d\n[probe]\nenabled = false\n[http]\nlisten = \"127.0.0.1:0\"\ntoken_file = %q\n[log]\nlevel = %q\n"
	e := newEnv(t, fmt.Sprintf(base, 100, tok1, "info"))
	e.Start("DDNS_TEST_CHILD=hang")
	e.WaitStatus("running", 20*time.Second, e2e.Running)

	e.saveByRename(fmt.Sprintf(base, 200, tok2, "debug"))
	e.WaitStatus("generation 2", 10*time.Second, func(st ipc.Status) bool { return st.Supervisor.ConfigGeneration == 2 })
	line, err := e.Out.Wait("when the supervisor restarts", 10*time.Second)
	if err != nil {
		t.Fatalf("no warning about settings that need a supervisor restart: %v", err)
	}
	for _, want := range []string{"http.token", "log", "supervisor.log_lines"} {
		if !strings.Contains(line, want) {
			t.Errorf("the warning does not name %s: %s", want, line)
		}
	}
	for _, secret := range []string{"first-secret-token", "second-secret-token"} {
		if strings.Contains(e.Out.String(), secret) {
			t.Errorf("the log shows the token %q", secret)
		}
	}
	if strings.Contains(e.Out.String(), "http.listen") {
		t.Errorf("an unchanged http.listen was reported as changed:\n%s", e.Out)
	}
}

// TestInvalidConfigKeepsItsSocket: a config file with a mistake in it still
// names the socket. `supervisor status --config` must find the supervisor
// there (not report "no supervisor", exit 4, the moment a file has a typo),
// and a supervisor started on such a file must listen where the file says.
func TestInvalidConfigKeepsItsSocket(t *testing.T) {
	valid := "[supervisor]\ncommand = [\"@SELF@\"]\n[probe]\nenabled = false\n"
	invalid := "[supervisor]\ncommand = [\"@SELF@\"]\nstop_timeout = \"3 seconds\"\n[probe]\nenabled = false\n"
	e := newEnv(t, valid)
	e.Start("DDNS_TEST_CHILD=hang")
	e.WaitStatus("running", 20*time.Second, e2e.Running)
	e.write(invalid)
	e.WaitStatus("the config error", 10*time.Second, func(st ipc.Status) bool { return st.Supervisor.ConfigError != "" })
	for _, args := range [][]string{{"status", "--config", e.Config}, {"status", "--json", "--config", e.Config}} {
		if out, code := e.CLI(args...); code != ipc.StatusChildRunning {
			t.Errorf("%v with an invalid config file: exit %d, want 0\n%s", args, code, out)
		}
	}
	if out, code := e.CLI("reload", "--config", e.Config); code != 1 || !strings.Contains(out, "stop_timeout") {
		t.Errorf("reload of an invalid config file: exit %d, want 1 and the error\n%s", code, out)
	}

	// A supervisor started on the invalid file listens on its socket.
	e2 := newEnv(t, invalid)
	e2.Start("DDNS_TEST_CHILD=hang")
	st := e2.WaitStatus("the supervisor on the file's socket", 20*time.Second, func(st ipc.Status) bool { return st.Supervisor.ConfigError != "" })
	if !strings.Contains(st.Supervisor.ConfigError, "stop_timeout") {
		t.Errorf("config error %q does not name stop_timeout", st.Supervisor.ConfigError)
	}
}

// TestRunInProcessReloadAtStart runs `supervisor run` inside the test
// process, so that -race sees it, and sends `reload` the moment the socket
// exists, before any status request could order the startup: whatever apply
// uses (the HTTP endpoint among it) must be set up before the socket and the
// watcher can call it. It ends with SIGTERM to this process, which the
// supervisor's handler catches.
func TestRunInProcessReloadAtStart(t *testing.T) {
	t.Setenv("DDNS_TEST_CHILD", "hang")
	dir := t.TempDir()
	sock := filepath.Join(dir, "run", "s.sock")
	cfgPath := filepath.Join(dir, "config.toml")
	cfg := fmt.Sprintf("[supervisor]\ncommand = [%q]\nsocket = %q\n[probe]\nenabled = false\n[http]\nlisten = \"127.0.0.1:0\"\n", os.Args[0], sock)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	// The test's own registration keeps a SIGTERM that arrives after run
	// returned from ending the test binary.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM)
	defer signal.Stop(sigs)
	var out linebuf.Buffer
	done := make(chan int, 1)
	go func() { done <- cmdRun([]string{"--config", cfgPath}, &out, &out) }()
	stopped := false
	defer func() {
		if !stopped {
			syscall.Kill(os.Getpid(), syscall.SIGTERM)
			<-done
		}
		if t.Failed() {
			t.Logf("supervisor output:\n%s", out.String())
		}
	}()
	// Polled without pause: the point is to be early.
	var c *ipc.Client
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for c == nil && ctx.Err() == nil {
		c, _ = ipc.Dial(ctx, sock)
	}
	if c == nil {
		t.Fatal("the socket never answered")
	}
	defer c.Close()
	rep, err := c.Do(ctx, ipc.Request{Cmd: ipc.CmdReload})
	if err != nil || !rep.OK {
		t.Fatalf("reload: %v %+v", err, rep)
	}
	stopped = true
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("run exited %d after SIGTERM, want 0", code)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return after SIGTERM")
	}
}

// TestHTTPListenFailureLeavesNoSocket: a supervisor that cannot open its
// HTTP endpoint exits 1 and says why, without leaving a control socket file
// that nobody answers on.
func TestHTTPListenFailureLeavesNoSocket(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	e := newEnv(t, fmt.Sprintf("[supervisor]\ncommand = [\"@SELF@\"]\n[probe]\nenabled = false\n[http]\nlisten = %q\n", ln.Addr().String()))
	if code := e.mustExit("with its HTTP port taken"); code != 1 || !e.Out.Contains("http.listen") {
		t.Errorf("exit %d, want 1 and a message about http.listen:\n%s", code, e.Out)
	}
	if _, err := os.Lstat(e.Socket); err == nil {
		t.Errorf("the control socket %s was left behind", e.Socket)
	}
}

// mustExit starts the supervisor, which must end on its own within 20 s
// (why says what ends it), and returns its exit code.
func (e *env) mustExit(why string) int {
	e.t.Helper()
	e.Start("DDNS_TEST_CHILD=hang")
	code, ok := e.WaitExit(20 * time.Second)
	if !ok {
		e.Kill9()
		e.t.Fatalf("the supervisor kept running %s:\n%s", why, e.Out)
	}
	return code
}

// TestSocketFailureWithHTTPExits: with the HTTP endpoint already open, a
// control socket that cannot be created still ends the supervisor (exit 1)
// instead of leaving it waiting on the endpoint.
func TestSocketFailureWithHTTPExits(t *testing.T) {
	e := newEnv(t, "[supervisor]\ncommand = [\"@SELF@\"]\n[probe]\nenabled = false\n[http]\nlisten = \"127.0.0.1:0\"\n")
	os.MkdirAll(filepath.Dir(e.Socket), 0o700)
	if err := os.WriteFile(e.Socket, []byte("not a socket"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code := e.mustExit("without its control socket"); code != 1 || !e.Out.Contains("control socket") {
		t.Errorf("exit %d, want 1 and a message about the control socket:\n%s", code, e.Out)
	}
}

// TestChildRestartedNotifiesUnexpectedExitsOnly: `supervisor restart` and
// `stop` end the child on purpose; only an exit nobody asked for (here
// kill -9) sends the child-restarted notification.
func TestChildRestartedNotifiesUnexpectedExitsOnly(t *testing.T) {
	got := make(chan string, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct{ Event, Detail string }
		json.NewDecoder(r.Body).Decode(&ev)
		got <- ev.Event + ": " + ev.Detail
	}))
	defer srv.Close()
	e := newEnv(t, fmt.Sprintf("[supervisor]\ncommand = [\"@SELF@\"]\nrestart_delay = \"0s\"\n[probe]\nenabled = false\n[[notify]]\ntype = \"webhook\"\nurl = %q\nevents = [\"child-restarted\"]\n", srv.URL))
	e.Start("DDNS_TEST_CHILD=hang")
	pid := e.WaitStatus("running", 20*time.Second, e2e.Running).Child.PID
	if out, code := e.CLI("restart", "--socket", e.Socket); code != 0 {
		t.Fatalf("restart: exit %d %s", code, out)
	}
	e.WaitStatus("a new child", 15*time.Second, func(st ipc.Status) bool { return e2e.Running(st) && st.Child.PID != pid })
	if out, code := e.CLI("stop", "--socket", e.Socket); code != 0 {
		t.Fatalf("stop: exit %d %s", code, out)
	}
	e.WaitStatus("stopped", 15*time.Second, func(st ipc.Status) bool { return st.Child.State == "stopped" })
	if out, code := e.CLI("start", "--socket", e.Socket); code != 0 {
		t.Fatalf("start: exit %d %s", code, out)
	}
	pid = e.WaitStatus("running again", 15*time.Second, e2e.Running).Child.PID
	syscall.Kill(pid, syscall.SIGKILL)
	select {
	case n := <-got:
		if !strings.HasPrefix(n, "child-restarted: ") || !strings.Contains(n, "SIGKILL") {
			t.Errorf("first notification %q, want the child-restarted of the kill -9", n)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no child-restarted notification after kill -9")
	}
}
