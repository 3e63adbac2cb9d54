package daemon

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

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

// logsReplyBudget bounds the encoded size of one `logs` reply. JSON escaping
// makes a line of control bytes six times longer, so 1,000 captured lines of
// 64 KB could otherwise build a reply of hundreds of megabytes that the
// client then refuses; the newest lines that fit are sent instead, after a
// line saying how many older ones were left out.
const logsReplyBudget = 4 << 20

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
	if w.Send(ipc.Reply{OK: true, Lines: fitLines(a.ring.Last(n), logsReplyBudget)}) != nil || !req.Follow {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case l, ok := <-ch:
			// One captured line (at most 64 KB raw) is always under the
			// budget, escaped or not.
			if !ok || w.Send(ipc.Reply{OK: true, Lines: []string{l}}) != nil {
				return
			}
		}
	}
}

// fitLines returns the newest of lines whose JSON encoding fits in budget
// bytes, oldest first, preceded by a note when older lines were left out.
func fitLines(lines []string, budget int) []string {
	const noteRoom = 200
	used, first := noteRoom, len(lines)
	for first > 0 {
		c := jsonStringLen(lines[first-1]) + 1 // and a comma
		if used+c > budget {
			break
		}
		used += c
		first--
	}
	if first == 0 {
		return lines
	}
	note := fmt.Sprintf("[supervisor: %d older lines left out to keep this reply under %d bytes; ask for fewer with `supervisor logs -n N`]", first, budget)
	return append([]string{note}, lines[first:]...)
}

// jsonStringLen is how many bytes encoding/json writes for s, quotes
// included (an upper bound: it counts invalid bytes as \ufffd, as the
// encoder writes them).
func jsonStringLen(s string) int {
	n := 2
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			switch {
			case b == '"' || b == '\\' || b == '\n' || b == '\r' || b == '\t':
				n += 2
			case b < 0x20 || b == '<' || b == '>' || b == '&':
				n += 6
			default:
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			n += 6
		case r == '\u2028' || r == '\u2029':
			n += 6
		default:
			n += size
		}
		i += size
	}
	return n
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
