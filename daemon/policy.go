package daemon

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/supervise"
)

// exitActions is the exit-code contract's right-hand column: what the
// supervisor does after the updater exits with each code of ipc's table.
var exitActions = map[int]supervise.Action{
	int(ipc.ExitOK):       supervise.ActionNone,
	int(ipc.ExitFailure):  supervise.ActionRestart,
	int(ipc.ExitConfig):   supervise.ActionWaitConfig,
	int(ipc.ExitNetwork):  supervise.ActionWaitNetwork,
	int(ipc.ExitRejected): supervise.ActionRestartLong,
	int(ipc.ExitAuth):     supervise.ActionWaitConfig,
}

// policyFrom turns the [supervisor] and [probe] sections into a Policy.
func policyFrom(cfg *configs.Config) supervise.Policy {
	s, pr := cfg.Supervisor, cfg.Probe
	return supervise.Policy{
		RestartDelay:      s.RestartDelay.Duration,
		RestartDelayMax:   s.RestartDelayMax.Duration,
		LongRestartDelay:  s.LongRestartDelay.Duration,
		Jitter:            configs.RestartJitter,
		StableAfter:       s.StableAfter.Duration,
		CrashLoopRestarts: s.CrashLoopRestarts,
		CrashLoopWindow:   s.CrashLoopWindow.Duration,
		CrashLoopCooldown: s.CrashLoopCooldown.Duration,
		StopTimeout:       s.StopTimeout.Duration,
		Watchdog:          s.Watchdog.Duration,
		MemoryLimitMB:     s.MemoryLimitMB,
		InspectInterval:   0, // supervise.DefaultInspectInterval: how it works, not a setting
		ProbeInterval:     pr.Interval.Duration,
		ProbeIntervalMax:  pr.IntervalMax.Duration,
		ExitActions:       exitActions,
		SignalAction:      supervise.ActionRestart,
		DefaultAction:     supervise.ActionRestart,
		RestartAlways:     s.RestartAlways,
		ConfigRetry:       configs.WaitConfigRetry,
		ConfigRetryMax:    configs.WaitConfigRetryMax,
	}
}

// childCommand is the updater to run: [supervisor] command, or the updater
// binary beside this one, given the same config file. The socket path goes
// in the environment so the child can report, and the watchdog period so it
// reports often enough; an inherited period is dropped (it is not ours), and
// NOTIFY_SOCKET is removed, since
// under systemd the supervisor, not its child, is the service's main process.
func (a *App) childCommand(cfg *configs.Config) supervise.Command {
	argv := cfg.Supervisor.Command
	if len(argv) > 0 && a.childOnCopy.Load() && a.cfgPath != "" {
		// A command that names the config file gets the last good copy in
		// its place, like the default command.
		argv = slices.Clone(argv)
		for i, arg := range argv[1:] {
			switch {
			case arg == a.cfgPath:
				argv[i+1] = a.o.LastGoodPath
			case strings.HasSuffix(arg, "="+a.cfgPath) && strings.HasPrefix(arg, "-"):
				argv[i+1] = strings.TrimSuffix(arg, a.cfgPath) + a.o.LastGoodPath
			}
		}
	}
	if len(argv) == 0 {
		argv = []string{a.o.UpdaterPath}
		switch {
		case a.childOnCopy.Load():
			// What the supervisor validated, not what was saved last.
			argv = append(argv, "--config", a.o.LastGoodPath)
		case a.cfgPath != "":
			argv = append(argv, "--config", a.cfgPath)
		}
	}
	env := []string{ipc.EnvSocket + "=" + a.socket}
	if w := cfg.Supervisor.Watchdog.Duration; w > 0 {
		// The child reports at a third of this, so a healthy one is never
		// killed whatever its own heartbeat would have been.
		env = append(env, ipc.WatchdogEnv(w))
	}
	if a.childOnCopy.Load() && a.cfgPath != "" {
		// The copy stands for the file the user edits: the child keys its
		// state on that, so it shares one state with `updater --once`.
		env = append(env, ipc.EnvConfigOrigin+"="+a.cfgPath)
	}
	for _, kv := range a.o.Environ {
		if strings.HasPrefix(kv, ipc.EnvSocket+"=") || strings.HasPrefix(kv, ipc.EnvNotifySocket+"=") ||
			strings.HasPrefix(kv, ipc.EnvWatchdogUSec+"=") || strings.HasPrefix(kv, ipc.EnvConfigOrigin+"=") {
			continue
		}
		env = append(env, kv)
	}
	return supervise.Command{Path: argv[0], Args: argv[1:], Env: env}
}

// UpdaterBeside is the updater binary in the running binary's folder
// (symlinks resolved, so a link in /usr/local/bin finds the real folder):
// the child the supervisor runs when [supervisor] command is empty, and
// the program `supervisor import-ddns-go` hands its work to.
func UpdaterBeside() string {
	name := "updater"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	exe, err := os.Executable()
	if err != nil {
		return name
	}
	if real, err := filepath.EvalSymlinks(exe); err == nil {
		exe = real
	}
	return filepath.Join(filepath.Dir(exe), name)
}
