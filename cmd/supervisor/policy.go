package main

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/netprobe"
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

// policyFrom turns the [supervisor] and [probe] sections into a Policy,
// setting every field: supervise has no defaults of its own, the config's
// table (configs.Defaults) is the only one.
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
	}
}

// childCommand is the updater to run: [supervisor] command, or the updater
// binary beside this one, given the same config file. The socket path goes
// in the environment so the child can report; NOTIFY_SOCKET is removed, since
// under systemd the supervisor, not its child, is the service's main process.
func childCommand(cfg *configs.Config, cfgPath, socket string) supervise.Command {
	argv := cfg.Supervisor.Command
	if len(argv) == 0 {
		argv = []string{updaterBeside()}
		if cfgPath != "" {
			argv = append(argv, "--config", cfgPath)
		}
	}
	env := []string{ipc.EnvSocket + "=" + socket}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, ipc.EnvSocket+"=") || strings.HasPrefix(kv, ipc.EnvNotifySocket+"=") {
			continue
		}
		env = append(env, kv)
	}
	return supervise.Command{Path: argv[0], Args: argv[1:], Env: env}
}

func updaterBeside() string {
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

// apiBase is each provider type's real API address, for probe targets.
var apiBase = map[string]string{
	"cloudflare":   "https://api.cloudflare.com",
	"alidns":       "https://alidns.aliyuncs.com",
	"tencentcloud": "https://dnspod.tencentcloudapi.com",
}

// probeChecks is what must work before the updater starts: the [probe] lists
// when written, otherwise the hosts the config actually talks to (provider
// APIs and address sources). The embedded default talks to nobody and so
// needs no network at all.
func probeChecks(cfg *configs.Config) []netprobe.Check {
	pr := cfg.Probe
	if !pr.Enabled {
		return nil
	}
	var urls, hosts []string
	for _, p := range cfg.Providers {
		switch {
		case p.Type == "rfc2136":
			// Its endpoint, like its server, is HOST:PORT (or udp:// or
			// tcp://), never an HTTP URL.
			s := p.Endpoint
			if s == "" {
				s, _ = p.Params["server"].(string)
			}
			if s != "" {
				hosts = append(hosts, dnsServerAddr(s))
			}
		case p.Endpoint != "":
			urls = append(urls, p.Endpoint)
		case apiBase[p.Type] != "":
			urls = append(urls, apiBase[p.Type])
		case p.Type == "dyndns2":
			if s, _ := p.Params["server"].(string); s != "" {
				urls = append(urls, s)
			}
		case p.Type == "webhook":
			if s, _ := p.Params["url"].(string); s != "" && !strings.Contains(s, "{{") {
				urls = append(urls, s)
			}
		}
	}
	for _, srcs := range [][]configs.Source{cfg.IP.V4, cfg.IP.V6} {
		for _, s := range srcs {
			switch s.Type {
			case "http":
				urls = append(urls, s.URL)
			case "dns":
				if s.Server != "" {
					hosts = append(hosts, dnsServerAddr(s.Server))
				}
			}
		}
	}
	derived := netprobe.TargetsFor(urls, hosts)
	var out []netprobe.Check
	if pr.DNS != nil || pr.TCP != nil {
		for _, h := range pr.DNS {
			out = append(out, netprobe.Check{Kind: "dns", Target: h})
		}
		for _, a := range pr.TCP {
			out = append(out, netprobe.Check{Kind: "tcp", Target: a})
		}
		// A list the file leaves out is still derived.
		for _, c := range derived {
			if (c.Kind == "dns" && pr.DNS == nil) || (c.Kind == "tcp" && pr.TCP == nil) {
				out = append(out, c)
			}
		}
		return out
	}
	return derived
}

// dnsServerAddr is a DNS server as the code that asks it dials it: without a
// scheme (udp://, tcp://), and on port 53 unless one is given, so that the
// probe gets a port to connect to.
func dnsServerAddr(s string) string {
	s = strings.TrimSpace(s)
	if _, rest, ok := strings.Cut(s, "://"); ok {
		s = strings.TrimSuffix(rest, "/")
	}
	if _, _, err := net.SplitHostPort(s); err != nil {
		s = net.JoinHostPort(strings.Trim(s, "[]"), "53")
	}
	return s
}

// newProber builds the readiness prober for cfg.
func newProber(cfg *configs.Config) *netprobe.Prober {
	return &netprobe.Prober{Checks: probeChecks(cfg), Timeout: cfg.Probe.Timeout.Duration, DNSServers: cfg.Probe.DNSServers}
}

// sameProbes reports whether two probers check the same things the same way.
func sameProbes(a, b *netprobe.Prober) bool {
	return slices.Equal(a.Checks, b.Checks) && a.Timeout == b.Timeout && slices.Equal(a.DNSServers, b.DNSServers)
}

// updaterView is the part of a config the updater reads: when it changes, the
// child restarts; when only the rest changes, settings apply live.
func updaterView(cfg *configs.Config) string {
	b, _ := json.Marshal(struct {
		U configs.Updater
		I configs.IP
		P map[string]configs.Provider
		R []configs.Record
		L configs.Log
		C []string
	}{cfg.Updater, cfg.IP, cfg.Providers, cfg.Records, cfg.Log, cfg.Supervisor.Command})
	return string(b)
}
