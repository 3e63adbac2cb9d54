package daemon

import (
	"context"
	"slices"
	"time"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/dnsaddr"
	"github.com/ddnsd/ddns/providers/spec"
	"github.com/ddnsd/ddns/readiness"
)

// proberRun is the installed prober with what it was built from.
type proberRun struct {
	p       Prober
	spec    ProbeSpec
	enabled bool
}

// probeGate adapts the prober to supervise.Readiness. A fresh good verdict is
// reused, so a restart while the network is known good costs nothing.
type probeGate struct{ a *App }

func (r probeGate) Check(ctx context.Context) (bool, string) {
	pr := r.a.probe.Load()
	if pr == nil || !pr.enabled {
		return true, "probes disabled"
	}
	v := pr.p.Fresh(ctx, 5*time.Second)
	for _, res := range v.Results {
		r.a.metrics.Probe(res.Kind, res.Target, res.OK, res.Latency)
	}
	return v.Ready, v.Reason
}

// setProber installs the prober for cfg's [probe] section. An unchanged
// setup keeps the running prober: a new one has no verdict, and status and
// /healthz would say "not probed yet" until the child next starts. A changed
// one is probed once at once, for the same reason.
func (a *App) setProber(cfg *configs.Config) {
	spec := probeSpec(cfg)
	old := a.probe.Load()
	if old != nil && old.enabled == cfg.Probe.Enabled && sameSpec(old.spec, spec) {
		return
	}
	a.probe.Store(&proberRun{p: a.o.Probers(spec), spec: spec, enabled: cfg.Probe.Enabled})
	if old != nil && cfg.Probe.Enabled && len(spec.Checks) > 0 {
		go probeGate{a}.Check(a.ctx)
	}
}

// probeSpec is what the prober for cfg checks.
func probeSpec(cfg *configs.Config) ProbeSpec {
	return ProbeSpec{Checks: probeChecks(cfg), Timeout: cfg.Probe.Timeout.Duration, DNSServers: cfg.Probe.DNSServers}
}

// sameSpec reports whether two probers check the same things the same way.
func sameSpec(a, b ProbeSpec) bool {
	return slices.Equal(a.Checks, b.Checks) && a.Timeout == b.Timeout && slices.Equal(a.DNSServers, b.DNSServers)
}

// probeChecks is what must work before the updater starts: the [probe] lists
// when written, otherwise the hosts the config actually talks to (provider
// APIs and address sources). The embedded default talks to nobody and so
// needs no network at all.
func probeChecks(cfg *configs.Config) []readiness.Check {
	pr := cfg.Probe
	if !pr.Enabled {
		return nil
	}
	var urls, hosts []string
	specs := spec.Default()
	for _, p := range cfg.Providers {
		u, h := specs.ProbeTargets(p.Type, p.Params, p.Endpoint)
		urls = append(urls, u...)
		for _, s := range h {
			hosts = append(hosts, dnsaddr.HostPort(s))
		}
	}
	for _, srcs := range [][]configs.Source{cfg.IP.V4, cfg.IP.V6} {
		for _, s := range srcs {
			switch s.Type {
			case "http":
				urls = append(urls, s.URL)
			case "dns":
				if s.Server != "" {
					hosts = append(hosts, dnsaddr.HostPort(s.Server))
				}
			}
		}
	}
	derived := readiness.TargetsFor(urls, hosts)
	var out []readiness.Check
	if pr.DNS != nil || pr.TCP != nil {
		for _, h := range pr.DNS {
			out = append(out, readiness.Check{Kind: "dns", Target: h})
		}
		for _, a := range pr.TCP {
			out = append(out, readiness.Check{Kind: "tcp", Target: a})
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
