package daemon

import (
	"fmt"
	"testing"
	"time"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/supervise"
)

// TestExitCodeActions: the config's policy maps the exit-code contract
// (ipc's table) to the design's actions: 3 waits for the network, 2 and 5
// for a new config, 4 restarts with the long backoff, 1, signals and codes
// outside the table restart, 0 does nothing.
func TestExitCodeActions(t *testing.T) {
	d := configs.Defaults()
	p := policyFrom(&d)
	cases := []struct {
		code ipc.ExitCode
		want supervise.Action
	}{
		{ipc.ExitOK, supervise.ActionNone},
		{ipc.ExitFailure, supervise.ActionRestart},
		{ipc.ExitConfig, supervise.ActionWaitConfig},
		{ipc.ExitNetwork, supervise.ActionWaitNetwork},
		{ipc.ExitRejected, supervise.ActionRestartLong},
		{ipc.ExitAuth, supervise.ActionWaitConfig},
	}
	for _, tc := range cases {
		if got, ok := p.ExitActions[int(tc.code)]; !ok || got != tc.want {
			t.Errorf("exit %d (%s): action %v (listed %v), want %v", tc.code, tc.code.Meaning(), got, ok, tc.want)
		}
	}
	// The contract's numbers themselves, so a renumbered constant is caught.
	for code, want := range map[int]supervise.Action{0: supervise.ActionNone, 1: supervise.ActionRestart, 2: supervise.ActionWaitConfig,
		3: supervise.ActionWaitNetwork, 4: supervise.ActionRestartLong, 5: supervise.ActionWaitConfig} {
		if got := p.ExitActions[code]; got != want {
			t.Errorf("exit %d: %v, want %v", code, got, want)
		}
	}
	if len(p.ExitActions) != 6 {
		t.Errorf("exit actions %v: want exactly the contract's six codes", p.ExitActions)
	}
	if p.SignalAction != supervise.ActionRestart || p.DefaultAction != supervise.ActionRestart {
		t.Errorf("signal action %v, default action %v: want restart for both", p.SignalAction, p.DefaultAction)
	}
}

// TestPolicyCarriesEverySetting: each crash-loop, backoff, stop, watchdog
// and probe setting reaches the Policy, set to a value of its own (and
// none of supervise.DefaultPolicy's) so that two settings swapped or one
// dropped is caught, and a reload hands the new Policy to the running loop.
func TestPolicyCarriesEverySetting(t *testing.T) {
	text := `
[supervisor]
command = ["/opt/ddns/updater"]
restart_delay = "1100ms"
restart_delay_max = "2m"
long_restart_delay = "3m"
stable_after = "4m"
crash_loop_restarts = 13
crash_loop_window = "6m"
crash_loop_cooldown = "7m"
stop_timeout = "8s"
watchdog = "9m"
memory_limit_mb = 10
restart_always = true
[probe]
enabled = false
interval = "11s"
interval_max = "12m"
`
	cfg := parse(t, text)
	want := func(p supervise.Policy) []string {
		var bad []string
		check := func(name string, got, want any) {
			if got != want {
				bad = append(bad, fmt.Sprintf("%s = %v, want %v", name, got, want))
			}
		}
		check("RestartDelay", p.RestartDelay, 1100*time.Millisecond)
		check("RestartDelayMax", p.RestartDelayMax, 2*time.Minute)
		check("LongRestartDelay", p.LongRestartDelay, 3*time.Minute)
		check("StableAfter", p.StableAfter, 4*time.Minute)
		check("CrashLoopRestarts", p.CrashLoopRestarts, 13)
		check("CrashLoopWindow", p.CrashLoopWindow, 6*time.Minute)
		check("CrashLoopCooldown", p.CrashLoopCooldown, 7*time.Minute)
		check("StopTimeout", p.StopTimeout, 8*time.Second)
		check("Watchdog", p.Watchdog, 9*time.Minute)
		check("MemoryLimitMB", p.MemoryLimitMB, 10)
		check("RestartAlways", p.RestartAlways, true)
		check("ProbeInterval", p.ProbeInterval, 11*time.Second)
		check("ProbeIntervalMax", p.ProbeIntervalMax, 12*time.Minute)
		check("ConfigRetry", p.ConfigRetry, 15*time.Minute)
		check("ConfigRetryMax", p.ConfigRetryMax, 6*time.Hour)
		return bad
	}
	for _, b := range want(policyFrom(cfg)) {
		t.Errorf("policyFrom: %s", b)
	}

	// Through a reload, into the running loop.
	h := newHarness(t, config(t, "", ""), nil)
	h.run()
	h.started()
	if rep := h.reloadTo(cfg, nil); !rep.OK {
		t.Fatalf("reload: %+v", rep)
	}
	for _, b := range want(h.app.sup.Snapshot().Policy) {
		t.Errorf("the running loop after a reload: %s", b)
	}
}
