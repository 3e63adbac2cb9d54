package daemon

import (
	"context"
	"reflect"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/notify"
	"github.com/ddnsd/ddns/supervise"
)

// notifierRun is one notifier with the context that ends its delivery and
// the [[notify]] entries it was built from.
type notifierRun struct {
	n       *notify.Notifier
	cancel  context.CancelFunc
	done    chan struct{}
	entries []configs.Notify
}

// startNotifier (re)starts notifications when the [[notify]] entries
// changed. Unchanged entries keep the running notifier, whose queues and
// per-record memory (what counts as a change) a new one would not have.
func (a *App) startNotifier(cfg *configs.Config) {
	if old := a.notifier.Load(); old != nil && sameValue(reflect.ValueOf(old.entries), reflect.ValueOf(cfg.Notify)) {
		return
	}
	ctx, cancel := context.WithCancel(a.ctx)
	r := &notifierRun{n: notify.New(cfg.Notify, a.logger.Named("notify")), cancel: cancel, done: make(chan struct{}), entries: cfg.Notify}
	go func() { defer close(r.done); r.n.Run(ctx) }()
	if old := a.notifier.Swap(r); old != nil {
		old.cancel()
	}
}

// stopNotifier ends delivery and waits for the notifier to finish.
func (a *App) stopNotifier() {
	if r := a.notifier.Load(); r != nil {
		r.cancel()
		<-r.done
	}
}

// notify hands e to the running notifier, stamped now when it has no time.
func (a *App) notify(e notify.Event) {
	if r := a.notifier.Load(); r != nil {
		if e.At.IsZero() {
			e.At = a.clk.Now()
		}
		r.n.Notify(e)
	}
}

// eventMetrics feeds metrics and notifications from supervision events.
func (a *App) eventMetrics(e supervise.Event) {
	switch e.Kind {
	case supervise.EventStarted:
		a.metrics.ChildUp(true)
		a.metrics.CrashLoop(false)
	case supervise.EventExited:
		a.metrics.ChildUp(false)
		if e.Code != nil {
			a.metrics.LastExitCode(*e.Code)
		}
		a.metrics.Restart("exit")
		// A child that was stopping was asked to (stop, restart, a config
		// change, shutdown, or a failed health check, notified below):
		// only an exit nobody asked for is news.
		if e.State != supervise.StateStopping {
			a.notify(notify.Event{Kind: notify.KindChildRestarted, At: e.At, Detail: e.Detail})
		}
	case supervise.EventWatchdog, supervise.EventMemoryLimit, supervise.EventZombie, supervise.EventStoppedState:
		a.metrics.Restart(string(e.Kind))
		a.notify(notify.Event{Kind: notify.KindChildRestarted, At: e.At, Detail: e.Detail})
	case supervise.EventStartFailed:
		a.metrics.Restart(string(e.Kind))
	case supervise.EventCrashLoop:
		a.metrics.CrashLoop(true)
		a.notify(notify.Event{Kind: notify.KindCrashLoop, At: e.At, Detail: e.Detail})
	}
}
