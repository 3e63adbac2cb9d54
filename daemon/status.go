package daemon

import (
	"sort"

	"github.com/ddnsd/ddns/ipc"
)

// status assembles the `supervisor status` document with the newest events
// of the ring: events as in ipc.Request.Events (0 the default number,
// negative all).
func (a *App) status(events int) ipc.Status {
	now := a.clk.Now()
	snap := a.sup.SnapshotLast(eventsToSend(events))
	st := ipc.Status{Records: []ipc.RecordStatus{}, Events: []ipc.EventStatus{}}
	a.mu.Lock()
	st.Supervisor = ipc.SupervisorStatus{
		PID: a.o.PID, Version: a.o.Version, UptimeSeconds: now.Sub(a.started).Seconds(),
		ConfigPath: a.cfgPath, ConfigError: a.cfgErr, ConfigGeneration: a.generation,
	}
	if a.cfg != nil && a.generation > 0 {
		st.Supervisor.ConfigLoadedAt = ipc.TimeOf(a.cfg.LoadedAt)
		st.Supervisor.ConfigHash = a.cfg.Hash
	}
	if a.cfgErr != "" && a.generation > 0 {
		since := ipc.TimeOf(a.goodSince)
		st.Supervisor.RunningOnLastGood, st.Supervisor.LastGoodSince = true, &since
		if a.childOnCopy.Load() {
			st.Supervisor.LastGoodPath = a.o.LastGoodPath
		}
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
		c.LastExit = &ipc.ExitInfo{Code: e.Code, Signal: e.Signal, Reason: e.Reason, At: ipc.TimeOf(e.At)}
	}
	if !snap.NextStart.IsZero() && snap.NextStart.After(now) {
		c.NextStartInSeconds = snap.NextStart.Sub(now).Seconds()
	}
	if !reportAt.IsZero() {
		c.LastReportAgeSeconds = now.Sub(reportAt).Seconds()
	}
	c.Command = append([]string{snap.Command.Path}, snap.Command.Args...)
	st.Child = c
	st.EventsOmitted = snap.EventsOmitted
	for _, e := range snap.Events {
		st.Events = append(st.Events, ipc.EventStatus{At: ipc.TimeOf(e.At), Kind: string(e.Kind), Detail: e.Detail, PID: e.PID, Code: e.Code})
	}
	st.Network = a.networkStatus()
	return st
}

// eventsToSend is how many of the newest events a status request gets, as
// supervise.SnapshotLast counts them: n as in ipc.Request.Events, 0 meaning
// ipc.DefaultStatusEvents, any negative number all of them.
func eventsToSend(n int) int {
	switch {
	case n == 0:
		return ipc.DefaultStatusEvents
	case n < 0:
		return ipc.AllEvents
	}
	return n
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
