package daemon

import (
	"slices"
	"testing"

	"github.com/ddnsd/ddns/ipc"
)

// TestUpdateNowReachesTheUpdaterBehindAWrapper: when the child is a wrapper
// script and the updater, its child in the same group, is the one that
// reports, update-now signals the updater and not the wrapper (SIGHUP
// would kill a shell).
func TestUpdateNowReachesTheUpdaterBehindAWrapper(t *testing.T) {
	h := newHarness(t, config(t, "", ""), nil)
	h.run()
	child := h.started()
	updater := child.pid + 1
	h.mu.Lock()
	if h.groups == nil {
		h.groups = map[int]int{}
	}
	h.groups[updater] = child.pid
	h.mu.Unlock()
	if rep := h.request(ipc.Request{Cmd: ipc.CmdReport, Report: &ipc.Report{PID: updater}}, ipc.Peer{PID: updater, Known: true}); !rep.OK {
		t.Fatalf("report from the updater in the child's group: %+v", rep)
	}
	if rep := h.request(ipc.Request{Cmd: ipc.CmdUpdateNow}, ipc.Peer{}); !rep.OK {
		t.Fatalf("update-now: %+v", rep)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !slices.Equal(h.askedPID, []int{updater}) {
		t.Errorf("asked pids %v, want the updater [%d], not the wrapper %d", h.askedPID, updater, child.pid)
	}
}
