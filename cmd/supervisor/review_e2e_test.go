//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ddnsd/ddns/ipc"
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
	e.start("DDNS_TEST_CHILD=hang")
	e.waitFor("running", 20*time.Second, running)

	e.saveByRename(fmt.Sprintf(base, 200, tok2, "debug"))
	e.waitFor("generation 2", 10*time.Second, func(st ipc.Status) bool { return st.Supervisor.ConfigGeneration == 2 })
	var line string
	if !eventually(10*time.Second, func() bool {
		for _, l := range strings.Split(e.out.String(), "\n") {
			if strings.Contains(l, "when the supervisor restarts") {
				line = l
				return true
			}
		}
		return false
	}) {
		t.Fatalf("no warning about settings that need a supervisor restart:\n%s", e.out)
	}
	for _, want := range []string{"http.token", "log", "supervisor.log_lines"} {
		if !strings.Contains(line, want) {
			t.Errorf("the warning does not name %s: %s", want, line)
		}
	}
	for _, secret := range []string{"first-secret-token", "second-secret-token"} {
		if strings.Contains(e.out.String(), secret) {
			t.Errorf("the log shows the token %q", secret)
		}
	}
	if strings.Contains(e.out.String(), "http.listen") {
		t.Errorf("an unchanged http.listen was reported as changed:\n%s", e.out)
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
	e.start("DDNS_TEST_CHILD=hang")
	e.waitFor("running", 20*time.Second, running)
	e.write(invalid)
	e.waitFor("the config error", 10*time.Second, func(st ipc.Status) bool { return st.Supervisor.ConfigError != "" })
	for _, args := range [][]string{{"status", "--config", e.config}, {"status", "--json", "--config", e.config}} {
		if out, code := e.cli(args...); code != ipc.StatusChildRunning {
			t.Errorf("%v with an invalid config file: exit %d, want 0\n%s", args, code, out)
		}
	}
	if out, code := e.cli("reload", "--config", e.config); code != 1 || !strings.Contains(out, "stop_timeout") {
		t.Errorf("reload of an invalid config file: exit %d, want 1 and the error\n%s", code, out)
	}

	// A supervisor started on the invalid file listens on its socket.
	e2 := newEnv(t, invalid)
	e2.start("DDNS_TEST_CHILD=hang")
	st := e2.waitFor("the supervisor on the file's socket", 20*time.Second, func(st ipc.Status) bool { return st.Supervisor.ConfigError != "" })
	if !strings.Contains(st.Supervisor.ConfigError, "stop_timeout") {
		t.Errorf("config error %q does not name stop_timeout", st.Supervisor.ConfigError)
	}
}
