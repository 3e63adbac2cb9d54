package daemon

import "github.com/ddnsd/ddns/ipc"

// reporterPID is the process that sent the last authorized report, and the
// child it reported for. Behind a wrapper script the child is the shell and
// the updater its child: `update-now` must reach the updater, since SIGHUP
// kills a shell.
type reporterPID struct {
	child, pid int
}

// noteReporter remembers an authorized report's sender, where the socket
// could tell it.
func (a *App) noteReporter(peer ipc.Peer) {
	if !peer.Known || peer.PID <= 0 {
		return
	}
	child := a.sup.SnapshotLast(0).PID
	a.mu.Lock()
	a.reporter = reporterPID{child: child, pid: peer.PID}
	a.mu.Unlock()
}

// updaterPID is the updater's pid for the running child: the process that
// reports for it, else the child itself.
func (a *App) updaterPID(child int) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.reporter.child == child && a.reporter.pid > 0 {
		return a.reporter.pid
	}
	return child
}
