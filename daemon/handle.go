package daemon

import (
	"context"
	"errors"
	"fmt"

	"github.com/ddnsd/ddns/ipc"
)

// handle answers one socket request.
func (a *App) handle(ctx context.Context, req ipc.Request, peer ipc.Peer, w ipc.ReplyWriter) {
	reply := func(err error, msg string) {
		if err != nil {
			w.Send(ipc.Reply{OK: false, Error: err.Error()})
			return
		}
		w.Send(ipc.Reply{OK: true, Message: msg})
	}
	switch req.Cmd {
	case ipc.CmdStatus:
		st := a.status(req.Events)
		w.Send(ipc.Reply{OK: true, Status: &st})
	case ipc.CmdStart:
		reply(a.sup.Start(), "start requested; the updater starts once the network is ready")
	case ipc.CmdStop:
		reply(a.sup.Stop(), "updater stopped; it stays stopped until `supervisor start`")
	case ipc.CmdRestart:
		reply(a.sup.Restart("requested with supervisor restart"), "restart requested")
	case ipc.CmdReload:
		msg, err := a.Reload()
		reply(err, msg)
	case ipc.CmdUpdateNow:
		pid := a.sup.SnapshotLast(0).PID
		if pid == 0 {
			reply(errors.New("the updater is not running; `supervisor start` starts it"), "")
			return
		}
		pid = a.updaterPID(pid)
		reply(a.o.AskUpdate(pid), fmt.Sprintf("update pass requested from the updater (pid %d)", pid))
	case ipc.CmdLogs:
		a.streamLogs(ctx, req, w)
	case ipc.CmdReport:
		if req.Report == nil {
			reply(errors.New("report: missing report object"), "")
			return
		}
		if err := a.authorizeReport(peer); err != nil {
			reply(err, "")
			return
		}
		a.noteReporter(peer)
		a.onReport(*req.Report)
		reply(nil, "ok")
	default:
		reply(fmt.Errorf("unknown command %q", req.Cmd), "")
	}
}

// authorizeReport lets only the supervised child, or a process in its group
// (an updater behind a wrapper script), feed the watchdog and the status: a
// stray report from another process must not keep a hung child alive or
// show records nobody updates. The sender's uid does not matter here (the
// socket server already refused other users): root is refused like anyone
// else. Where the platform cannot tell the sender (peer.Known false), the
// socket's access list is the only gate.
func (a *App) authorizeReport(peer ipc.Peer) error {
	if !peer.Known {
		return nil
	}
	child := a.sup.SnapshotLast(0).PID
	if child != 0 && peer.PID == child {
		return nil
	}
	if child != 0 && peer.PID > 0 {
		if pgid, err := a.o.ProcessGroup(peer.PID); err == nil && pgid == child {
			return nil
		}
	}
	return fmt.Errorf("report from pid %d refused: it is not the supervised updater (pid %d) or in its process group", peer.PID, child)
}

func (a *App) streamLogs(ctx context.Context, req ipc.Request, w ipc.ReplyWriter) {
	n := req.Lines
	if n <= 0 {
		n = 50
	}
	var ch <-chan string
	if req.Follow {
		var cancel func()
		ch, cancel = a.ring.Subscribe()
		defer cancel()
	}
	if w.Send(ipc.Reply{OK: true, Lines: a.ring.Last(n)}) != nil || !req.Follow {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case l, ok := <-ch:
			if !ok || w.Send(ipc.Reply{OK: true, Lines: []string{l}}) != nil {
				return
			}
		}
	}
}

// onReport records an authorized report: a heartbeat for the watchdog, the
// records for status, metrics and notifications.
func (a *App) onReport(r ipc.Report) {
	now := a.clk.Now()
	a.sup.Heartbeat(now)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.reportAt = now
	for _, rec := range r.Records {
		a.records[recordKey(rec.Name, rec.Type)] = rec
	}
	a.metrics.FromReport(r)
	if n := a.notifier.Load(); n != nil {
		n.n.ObserveReport(r)
	}
}

// recordKey identifies a record in the reports and the config alike.
func recordKey(fqdn, typ string) string { return fqdn + "/" + typ }
