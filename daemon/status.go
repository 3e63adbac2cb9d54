package daemon

import (
	"sort"

	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/supervise"
)

// status assembles the `supervisor status` document with the newest events
// of the ring: events as in ipc.Request.Events (0 the default number,
// negative all).
func (a *App) status(events int) ipc.Status {
	now := a.clk.Now()
	snap := a.sup.Snapshot()
	st := ipc.Status{Records: []ipc.RecordStatus{}, Events: []ipc.EventStatus{}}
	a.mu.Lock()
	st.Supervisor = ipc.SupervisorStatus{
		PID: a.o.PID, Version: a.o.Version, UptimeSeconds: now.Sub(a.started).Seconds(),
		ConfigPath: a.cfgPath, ConfigError: a.cfgErr, ConfigGeneration: a.generation,
	}
	if a.cfg != nil && a.generation > 0 {
		st.Supervisor.ConfigLoadedAt = ipc.TimeString(a.cfg.LoadedAt)
		st.Supervisor.ConfigHash = a.cfg.Hash
	}
	keys := make([]string, 0, len(a.records))
	for k := range a.records {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		st.Records = append(st.Records, a.records[k])
	}
	reportAt := a.reportAt
	a.mu.Unlock()

	c := ipc.ChildStatus{State: string(snap.State), PID: snap.PID, Restarts: snap.Restarts, ConsecutiveFailures: snap.ConsecutiveFailures}
	if snap.PID != 0 && !snap.StartedAt.IsZero() {
		c.UptimeSeconds = max(0, now.Sub(snap.StartedAt).Seconds())
	}
	if e := snap.LastExit; e != nil {
		c.LastExit = &ipc.ExitInfo{Code: e.Code, Signal: e.Signal, Reason: e.Reason, At: ipc.TimeString(e.At)}
	}
	if !snap.NextStart.IsZero() && snap.NextStart.After(now) {
		c.NextStartInSeconds = snap.NextStart.Sub(now).Seconds()
	}
	if !reportAt.IsZero() {
		c.LastReportAgeSeconds = now.Sub(reportAt).Seconds()
	}
	c.Command = append([]string{snap.Command.Path}, snap.Command.Args...)
	st.Child = c
	kept, omitted := newestEvents(snap.Events, events)
	st.EventsOmitted = omitted
	for _, e := range kept {
		st.Events = append(st.Events, ipc.EventStatus{At: ipc.TimeString(e.At), Kind: string(e.Kind), Detail: e.Detail, PID: e.PID, Code: e.Code})
	}
	st.Network = a.networkStatus()
	return st
}

// newestEvents keeps the last n of events (oldest first, as the ring gives
// them): n 0 means ipc.DefaultStatusEvents, negative all. omitted counts
// the older ones left out.
func newestEvents(events []supervise.Event, n int) (kept []supervise.Event, omitted int) {
	if n == 0 {
		n = ipc.DefaultStatusEvents
	}
	if n < 0 || n >= len(events) {
		return events, 0
	}
	return events[len(events)-n:], len(events) - n
}

// networkStatus is the prober's last verdict: ready with no checks when
// probes are off, "not probed yet" when checks exist but none ran.
func (a *App) networkStatus() ipc.NetworkStatus {
	n := ipc.NetworkStatus{Ready: true, Checks: []ipc.CheckStatus{}}
	pr := a.probe.Load()
	if pr == nil || !pr.enabled {
		return n
	}
	if v, ok := pr.p.Last(); ok {
		n.Ready, n.Reason = v.Ready, v.Reason
		for _, r := range v.Results {
			n.Checks = append(n.Checks, ipc.CheckStatus{Kind: r.Kind, Target: r.Target, OK: r.OK,
				LatencyMS: float64(r.Latency.Microseconds()) / 1000, Error: r.Err, Loss: r.Loss})
		}
	} else if len(pr.spec.Checks) > 0 {
		n.Ready, n.Reason = false, "not probed yet"
	}
	return n
}
