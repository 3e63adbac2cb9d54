//go:build chaos && linux

package chaos

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/providers/providertest"
	"github.com/ddnsd/ddns/testsupport/e2e"
)

// secretConfig is a valid config whose Cloudflare token is written inline.
func secretConfig(endpoint, token, extra string) string {
	return fmt.Sprintf(`[supervisor]
socket = "@SOCKET@"
restart_delay = "0s"
[probe]
enabled = false
[updater]
interval = "1h"
state_file = "@STATE@"
timeout = "3s"
[ip]
v4 = [{ type = "command", command = ["/bin/echo", "192.0.2.10"] }]
allow_private = true
[providers.cf]
type = "cloudflare"
api_token = %s
endpoint = %q
[[records]]
provider = "cf"
zone = "example.com"
name = "home"
%s`, token, endpoint, extra)
}

// testConfigGarbage replaces the running supervisor's config, saved in
// place, with garbage, with a broken line holding a secret, with the valid
// file readable by others, and with an empty file.
//
// What must hold: an invalid file keeps the running config and child and
// shows the error as file:line:col in status; a valid file applies again;
// mode 0644 with an inline token logs a permissions warning; an empty file is
// a valid all-defaults config with no records, applied as such (the child
// restarts on the defaults with nothing to update, the supervisor keeps its
// socket and keeps answering). No secret, valid or not, ever shows in
// status, in the supervisor's or the child's log, in `supervisor logs` or in
// `supervisor check`.
func testConfigGarbage(t *testing.T) {
	const token = "chaos-secret-7f3e9a0c41d2"
	// Digits only and longer than an int64: written without quotes, TOML
	// reads it as a number that does not fit.
	const bareSecret = "918273645546372819283746556473829"
	// Letters only, written without quotes: the parser quotes the whole word.
	const bareWord = "ZqBareWordSecretKv"
	cf := providertest.NewCloudflare(token, "example.com")
	t.Cleanup(cf.Close)
	s := newSup(t)
	valid := secretConfig(cf.URL, fmt.Sprintf("%q", token), "")
	s.Write(valid)
	s.Start()
	st := s.WaitStatus("the child to publish", 20*time.Second, func(st ipc.Status) bool {
		return e2e.Running(st) && len(st.Records) == 1 && st.Records[0].Address == "192.0.2.10" && st.Records[0].Error == ""
	})
	pid, gen := st.Child.PID, st.Supervisor.ConfigGeneration
	located := regexp.MustCompile("^" + regexp.QuoteMeta(s.Config) + `:\d+:\d+: `)

	invalid := func(what, text string) {
		t.Helper()
		s.Write(text)
		st := s.WaitStatus("the config error for "+what, 10*time.Second, func(st ipc.Status) bool { return st.Supervisor.ConfigError != "" })
		if !located.MatchString(st.Supervisor.ConfigError) {
			t.Errorf("%s: config_error is not located as file:line:col: %q", what, st.Supervisor.ConfigError)
		}
		if st.Child.PID != pid || st.Supervisor.ConfigGeneration != gen {
			t.Errorf("%s: the running config was not kept: child %d (was %d), generation %d (was %d)", what, st.Child.PID, pid, st.Supervisor.ConfigGeneration, gen)
		}
		t.Logf("%s: %s", what, st.Supervisor.ConfigError)
		// Back to the valid file: the error clears, the same child runs on.
		s.Write(valid)
		st = s.WaitStatus("the valid config again after "+what, 10*time.Second, func(st ipc.Status) bool {
			return st.Supervisor.ConfigError == "" && st.Supervisor.ConfigGeneration > gen
		})
		if st.Child.PID != pid {
			t.Errorf("%s: restoring the same settings restarted the child (%d -> %d)", what, pid, st.Child.PID)
		}
		gen = st.Supervisor.ConfigGeneration
	}
	invalid("garbage", "[supervisor\nthis is = = not toml \x00\xff\x1b[31m\n")
	invalid("an unquoted numeric secret", secretConfig(cf.URL, bareSecret, ""))
	invalid("an unquoted secret", secretConfig(cf.URL, bareWord, ""))
	invalid("an unterminated secret", secretConfig(cf.URL, `"`+bareSecret, ""))

	// Readable by others, with the token inline: a warning, no leak. A
	// comment changes the content so the save is a change.
	s.WriteTo(s.Config, valid+"# now readable by others\n", 0o644)
	s.WaitStatus("the 0644 config to apply", 10*time.Second, func(st ipc.Status) bool { return st.Supervisor.ConfigGeneration > gen })
	if _, err := s.Out.Wait("readable by other users", 5*time.Second); err != nil {
		t.Errorf("no warning about a secret in a file readable by others")
	}

	// Empty: every default, no records.
	s.Write("")
	st = s.WaitStatus("the empty config to apply", 15*time.Second, func(st ipc.Status) bool {
		return st.Supervisor.ConfigError == "" && st.Supervisor.ConfigGeneration > gen+1 && e2e.Running(st) && st.Child.PID != pid
	})
	t.Logf("empty config: generation %d, child %s pid %d (was %d) running %v, records in status %d, command %q",
		st.Supervisor.ConfigGeneration, st.Child.State, st.Child.PID, pid, st.Child.Command, len(st.Records), st.Child.Command)
	if len(st.Records) != 0 {
		t.Errorf("status still lists %d records after the config that defined them was emptied: %+v", len(st.Records), st.Records)
	}
	if _, code := s.CLI("status", "--socket", s.Socket); code != 0 {
		t.Errorf("status on the original socket after the empty config: exit %d", code)
	}
	if s.Exited() {
		t.Fatalf("the supervisor exited on an empty config: %v", s.Cmd.ProcessState)
	}

	// No secret anywhere.
	stJSON, _ := json.Marshal(st)
	logs, _ := s.CLI("logs", "-n", "1000", "--socket", s.Socket)
	s.Write(secretConfig(cf.URL, bareSecret, ""))
	check, _ := s.CLI("check", "--config", s.Config)
	s.WaitStatus("the last config error", 10*time.Second, func(st ipc.Status) bool { return st.Supervisor.ConfigError != "" })
	last, _ := s.Status()
	lastJSON, _ := json.Marshal(last)
	for where, text := range map[string]string{
		"status": string(stJSON) + string(lastJSON), "the supervisor's output": s.Out.String(),
		"supervisor logs": logs, "supervisor check": check,
	} {
		for _, secret := range []string{token, bareSecret, bareSecret[:8], bareWord} {
			if strings.Contains(text, secret) {
				t.Errorf("%s shows the secret %q", where, secret)
			}
		}
	}
}
