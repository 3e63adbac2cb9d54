package ddns

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/ddnsd/ddns/backoff"
	"github.com/ddnsd/ddns/clock"
	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/netprobe"
	"github.com/hashicorp/go-hclog"
)

// Run-loop defaults.
const (
	// HeartbeatInterval is how often a report is sent between passes.
	HeartbeatInterval = 30 * time.Second
	// WatchDebounce is how long Run waits after an address-change event for
	// the burst to settle before it runs a pass.
	WatchDebounce = 200 * time.Millisecond
	// RetryFirst is the wait before the pass that follows a failed one; it
	// doubles on every further failed pass up to [updater] interval (each
	// wait spread by RetryJitter, never beyond the interval), and a good
	// pass resets it. Without it a record lost to a provider's brief
	// outage stayed wrong for a whole interval (5 minutes by default).
	RetryFirst = 5 * time.Second
	// RetryJitter spreads each retry wait by ±10%.
	RetryJitter = 0.1
	// MinHeartbeat is the shortest heartbeat Run keeps: a supervisor
	// watchdog whose third is shorter cannot be honoured without spinning.
	MinHeartbeat = 100 * time.Millisecond
)

// Heartbeat is the period of Run's reports between passes: HeartbeatInterval,
// or a third of the supervisor's watchdog period when it enforces one (so two
// reports may be late before the watchdog fires), and at most half of
// systemd's, never below MinHeartbeat.
func Heartbeat(supervisorWatchdog, systemdWatchdog time.Duration) time.Duration {
	beat := HeartbeatInterval
	if supervisorWatchdog > 0 {
		beat = supervisorWatchdog / 3
	}
	if systemdWatchdog > 0 && systemdWatchdog/2 < beat {
		beat = systemdWatchdog / 2
	}
	return max(beat, MinHeartbeat)
}

// RunOptions connect Run to its process: triggers, the supervisor, systemd.
type RunOptions struct {
	// Trigger runs a pass at once (SIGHUP, update-now). May be nil.
	Trigger <-chan struct{}
	// Reporter receives a report after each pass and every heartbeat; nil
	// sends none.
	Reporter *ipc.Reporter
	// Notify sends systemd notifications; nil means ipc.SdNotify.
	Notify func(state string) (bool, error)
	// Watchdog is systemd's WATCHDOG_USEC as a duration; when set, Run sends
	// "WATCHDOG=1" at least twice per period.
	Watchdog time.Duration
	// SupervisorWatchdog is the supervisor's watchdog period (ipc's
	// EnvWatchdogUSec); when set, Run reports at a third of it.
	SupervisorWatchdog time.Duration
	// Watch subscribes to address changes; nil means netprobe.WatchAddresses.
	// It is used only when [updater] watch_interfaces is on and an interface
	// source is configured.
	Watch func(ctx context.Context, logger hclog.Logger) (<-chan struct{}, error)
	// RetryRand draws the retry schedule's jitter (see backoff.Policy.Rand);
	// nil means math/rand. Tests pin it to 0.5, which is no jitter.
	RetryRand func() float64
	// WatchRouter subscribes to the router's announcements of a new
	// external address; nil means netprobe.WatchRouterAnnouncements. It is
	// used only when [updater] watch_interfaces is on and a upnp or natpmp
	// source is configured.
	WatchRouter func(ctx context.Context, logger hclog.Logger) (<-chan struct{}, error)
	// WatchUPnP subscribes to the UPnP events of the router a upnp source
	// asks (location as its url, "" = SSDP discovery); nil means
	// netprobe.WatchUPnPEvents. It is used, once per upnp source, only when
	// [updater] watch_interfaces is on.
	WatchUPnP func(ctx context.Context, logger hclog.Logger, location string) (<-chan struct{}, error)
	// Passes, when not nil, receives every pass's result (tests, metrics).
	// Sends block, so a reader must keep up.
	Passes chan<- *PassResult
}

// Run runs passes until ctx ends or the policy in the package doc says to
// stop, and returns the exit code. ctx ending is a clean stop: ExitOK.
func (e *Engine) Run(ctx context.Context, o RunOptions) ipc.ExitCode {
	notify := o.Notify
	if notify == nil {
		notify = ipc.SdNotify
	}
	beat := Heartbeat(o.SupervisorWatchdog, o.Watchdog)
	var watch <-chan struct{}
	if e.cfg.Updater.WatchInterfaces && e.watchable {
		w := o.Watch
		if w == nil {
			w = netprobe.WatchAddresses
		}
		ch, err := w(ctx, e.log.Named("watch"))
		if err != nil {
			e.log.Warn("cannot watch address changes; relying on the update interval", "error", err)
		} else {
			watch = ch
		}
	}
	var routerWatch <-chan struct{}
	if e.cfg.Updater.WatchInterfaces && e.routerSrc {
		w := o.WatchRouter
		if w == nil {
			w = netprobe.WatchRouterAnnouncements
		}
		ch, err := w(ctx, e.log.Named("watch-router"))
		if err != nil {
			e.log.Warn("cannot listen for the router's address announcements; relying on the update interval", "error", err)
		} else {
			routerWatch = ch
		}
	}
	var upnpWatch []<-chan struct{}
	if e.cfg.Updater.WatchInterfaces {
		w := o.WatchUPnP
		if w == nil {
			w = netprobe.WatchUPnPEvents
		}
		for _, s := range e.cfg.IP.V4 {
			if s.Type != "upnp" {
				continue
			}
			ch, err := w(ctx, e.log.Named("watch-upnp"), s.URL)
			if err != nil {
				e.log.Warn("cannot subscribe to the router's UPnP events; relying on the update interval", "error", err)
				continue
			}
			upnpWatch = append(upnpWatch, ch)
		}
	}
	routerEvents := mergeWatches(append(upnpWatch, routerWatch))
	report := func() {
		if err := o.Reporter.Send(context.WithoutCancel(ctx), e.Report()); err != nil {
			e.log.Debug("report not delivered", "error", err)
		}
	}

	var netDownSince time.Time
	ready := false
	interval := e.cfg.Updater.Interval.Duration
	// Jittered, so that the many machines a provider's outage failed
	// together do not come back together.
	retry := backoff.Sequence{Policy: backoff.Policy{First: min(RetryFirst, interval), Max: interval, Jitter: RetryJitter, Rand: o.RetryRand}}
	next := e.clock.NewTimer(0)
	heartbeat := e.clock.NewTimer(beat)
	var debounce clock.Timer
	defer func() {
		next.Stop()
		heartbeat.Stop()
		if debounce != nil {
			debounce.Stop()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			notify("STOPPING=1")
			return ipc.ExitOK
		case <-heartbeat.C():
			report()
			if o.Watchdog > 0 {
				notify("WATCHDOG=1")
			}
			heartbeat = e.clock.NewTimer(beat)
			continue
		case _, ok := <-watch:
			if !ok {
				watch = nil
				continue
			}
			if debounce == nil {
				debounce = e.clock.NewTimer(WatchDebounce)
			}
			continue
		case _, ok := <-routerEvents:
			if !ok {
				routerEvents = nil
				continue
			}
			if debounce == nil {
				debounce = e.clock.NewTimer(WatchDebounce)
			}
			continue
		case <-timerC(debounce):
			debounce = nil
			e.log.Info("an address changed; running a pass now")
		case <-o.Trigger:
			e.log.Info("pass requested")
		case <-next.C():
		}

		// The pass runs beside the heartbeat: a slow provider may hold it
		// for several [updater] timeouts, longer than the supervisor's or
		// systemd's watchdog allows between two signs of life.
		var res *PassResult
		passDone := make(chan struct{})
		go func() {
			defer close(passDone)
			res = e.Pass(ctx)
		}()
		for running := true; running; {
			select {
			case <-passDone:
				running = false
			case <-heartbeat.C():
				report()
				if o.Watchdog > 0 {
					notify("WATCHDOG=1")
				}
				heartbeat = e.clock.NewTimer(beat)
			}
		}
		// A pass run early (a trigger, an address change) restarts the
		// interval; a pass that failed for a reason a retry can mend is
		// followed sooner, on the retry schedule.
		wait := interval
		if res.retryable() {
			wait = retry.Next()
			e.log.Info("the pass failed; retrying soon", "in", wait, "attempt", retry.Attempts())
		} else {
			retry.Reset()
		}
		next.Stop()
		next = e.clock.NewTimer(wait)
		report()
		notify("STATUS=last pass: " + res.Summary())
		if o.Watchdog > 0 {
			notify("WATCHDOG=1")
		}
		if !ready {
			ready = true
			notify("READY=1")
		}
		code, why := e.verdict(res, &netDownSince)
		if o.Passes != nil {
			o.Passes <- res
		}
		if ctx.Err() != nil {
			notify("STOPPING=1")
			return ipc.ExitOK
		}
		if code != ipc.ExitOK {
			e.log.Error("stopping: "+why, "exit_code", int(code))
			notify("STOPPING=1")
			return code
		}
	}
}

// timerC is t's channel, or nil (a case that never fires) when t is nil.
func timerC(t clock.Timer) <-chan time.Time {
	if t == nil {
		return nil
	}
	return t.C()
}

// verdict applies the long-running policy to one pass: a non-zero code means
// stop with it.
func (e *Engine) verdict(res *PassResult, netDownSince *time.Time) (ipc.ExitCode, string) {
	if ExitCodeFor(res.Err()) == ipc.ExitAuth {
		return ipc.ExitAuth, "a provider rejected the credentials; fix them in the config"
	}
	if res.allFailed(ipc.ExitRejected) {
		return ipc.ExitRejected, "every record was rejected"
	}
	if !res.allFailed(ipc.ExitNetwork) {
		*netDownSince = time.Time{}
		return ipc.ExitOK, ""
	}
	now := e.clock.Now()
	if netDownSince.IsZero() {
		*netDownSince = res.Started
	}
	grace := e.cfg.Updater.NetworkGrace.Duration
	if down := now.Sub(*netDownSince); down >= grace {
		return ipc.ExitNetwork, fmt.Sprintf("the network has been unreachable for %s (network_grace %s)", down.Round(time.Second), grace)
	}
	return ipc.ExitOK, ""
}

// retryable reports whether the pass failed in a way a pass soon after may
// mend: a record failed for a network or unexpected reason, or the state
// file could not be written. Rejected data and credentials wait for the
// interval (or stop the loop): asking again in seconds only repeats the
// provider's answer.
func (r *PassResult) retryable() bool {
	if r.StateErr != nil {
		return true
	}
	for _, rr := range r.Records {
		if rr.Err == nil {
			continue
		}
		switch ExitCodeFor(rr.Err) {
		case ipc.ExitNetwork, ipc.ExitFailure:
			return true
		}
	}
	return false
}

// mergeWatches is one event channel for several watches (nil ones left
// out), with their rules: a buffer of one, sends never block, closed when
// every input has closed. One input is returned as it is; none is nil.
func mergeWatches(in []<-chan struct{}) <-chan struct{} {
	var live []<-chan struct{}
	for _, c := range in {
		if c != nil {
			live = append(live, c)
		}
	}
	switch len(live) {
	case 0:
		return nil
	case 1:
		return live[0]
	}
	out := make(chan struct{}, 1)
	var wg sync.WaitGroup
	for _, c := range live {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range c {
				select {
				case out <- struct{}{}:
				default:
				}
			}
		}()
	}
	go func() { wg.Wait(); close(out) }()
	return out
}
