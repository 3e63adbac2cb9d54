//go:build linux

package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/journal"
	"github.com/ddnsd/ddns/testsupport/e2e"
)

// TestHistoryOfARealSupervisor runs the supervisor and the real updater
// through a change, a kill -9 of the updater and its restart, and a broken
// save of the config, then reads `supervisor history` while the supervisor
// runs and after it stopped.
func TestHistoryOfARealSupervisor(t *testing.T) {
	e := newEnv(t, dryrunConfig)
	e.Start()
	st := e.WaitStatus("the updater to report its record", 20*time.Second, func(st ipc.Status) bool {
		return e2e.Running(st) && len(st.Records) == 1 && st.Records[0].Address == "192.0.2.10"
	})
	first := st.Child.PID
	if err := syscall.Kill(first, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	e.WaitStatus("the updater restarted", 20*time.Second, func(st ipc.Status) bool { return e2e.Running(st) && st.Child.PID != first })
	e.write(strings.Replace(dryrunConfig, "[updater]", "[updater\n", 1))
	e.WaitStatus("the broken save seen", 20*time.Second, func(st ipc.Status) bool { return st.Supervisor.ConfigError != "" })

	wants := []string{
		"config_applied   (supervisor started on config generation 1",
		"started          pid ",
		"changed          home.example.test/A  (none) → 192.0.2.10  via local  took ",
		"exited           pid ",
		"killed by signal",
		"restarted        pid ",
		"config_rejected  error: ",
	}
	// The supervisor writes its journal from a goroutine of its own: the
	// rejected save's entry lands a moment after status shows the error.
	var out string
	var code int
	complete := func() bool {
		out, code = e.CLI("history", "--config", e.Config)
		for _, want := range wants {
			if !strings.Contains(out, want) {
				return false
			}
		}
		return code == 0
	}
	if !e2e.Eventually(10*time.Second, complete) {
		for _, want := range wants {
			if !strings.Contains(out, want) {
				t.Errorf("history lacks %q", want)
			}
		}
		t.Fatalf("history: exit %d\n%s", code, out)
	}
	if err := e.Stop(); err != nil {
		t.Fatalf("supervisor exit: %v", err)
	}
	// With the supervisor down, from the files alone.
	out, code = e.CLI("history", "--json", "--since", "1h", "--config", e.Config)
	if code != 0 {
		t.Fatalf("history --json: exit %d\n%s", code, out)
	}
	var kinds []string
	var last time.Time
	for line := range strings.Lines(out) {
		var ent journal.Entry
		if err := json.Unmarshal([]byte(line), &ent); err != nil {
			t.Fatalf("history --json printed %q: %v", line, err)
		}
		if ent.At.Before(last) {
			t.Errorf("entries out of time order:\n%s", out)
		}
		last = ent.At
		if ent.Kind == journal.KindExited && ent.PID == first && ent.Code != nil {
			t.Errorf("the kill -9's exit has exit code %d, want none (killed by a signal)", *ent.Code)
		}
		kinds = append(kinds, ent.Kind)
	}
	got := strings.Join(kinds, " ")
	// The start's entries, then the kill and the restart, the rejected
	// save, and the stop at the end; the updater's pass after the restart
	// finds the record unchanged and journals nothing.
	for _, want := range []string{"config_applied started changed exited restarted", "config_rejected", "exited stopped"} {
		if !strings.Contains(got, want) {
			t.Errorf("history --json kinds %q lack %q", got, want)
		}
	}
}

// TestHistoryOfExitCodes: a child that keeps exiting with code 1 is
// journaled with that code at each exit, each restart after it, and the
// crash-loop pause that ends them.
func TestHistoryOfExitCodes(t *testing.T) {
	e := newEnv(t, "[supervisor]\ncommand = [\"@SELF@\"]\nrestart_delay = \"0s\"\ncrash_loop_restarts = 3\ncrash_loop_window = \"1h\"\ncrash_loop_cooldown = \"1h\"\n[probe]\nenabled = false\n")
	e.Start("DDNS_TEST_CHILD=exit", "DDNS_TEST_CODE=1")
	e.WaitStatus("crash-loop", 20*time.Second, func(st ipc.Status) bool { return st.Child.State == "crash-loop" })
	var kinds string
	complete := func() bool {
		out, code := e.CLI("history", "--json", "--config", e.Config)
		if code != 0 {
			return false
		}
		var ks []string
		for line := range strings.Lines(out) {
			var ent journal.Entry
			if json.Unmarshal([]byte(line), &ent) != nil {
				return false
			}
			k := ent.Kind
			if ent.Kind == journal.KindExited {
				if ent.Code == nil {
					return false
				}
				k += " " + strconv.Itoa(*ent.Code)
			}
			ks = append(ks, k)
		}
		kinds = strings.Join(ks, ", ")
		return strings.HasSuffix(kinds, "paused")
	}
	if !e2e.Eventually(10*time.Second, complete) {
		t.Fatalf("history never ended in the crash-loop pause: %s", kinds)
	}
	want := "config_applied, started, exited 1, restarted, exited 1, restarted, exited 1, restarted, exited 1, paused"
	if kinds != want {
		t.Fatalf("history kinds:\n got %s\nwant %s", kinds, want)
	}
}
