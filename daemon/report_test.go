package daemon

import (
	"strings"
	"testing"
	"time"

	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/supervise"
)

// TestReportAuthentication: only the child, or a process in its process
// group, may report; uid does not matter, so root is refused like anyone
// else. A refused report feeds neither the status nor the watchdog.
func TestReportAuthentication(t *testing.T) {
	const stranger, inGroup = 5000, 5001
	cases := []struct {
		name   string
		peer   func(child int) ipc.Peer
		accept bool
	}{
		{"the child", func(c int) ipc.Peer { return ipc.Peer{UID: 1000, PID: c, Known: true} }, true},
		{"the child, as root", func(c int) ipc.Peer { return ipc.Peer{UID: 0, PID: c, Known: true} }, true},
		{"a process in the child's group", func(int) ipc.Peer { return ipc.Peer{UID: 1000, PID: inGroup, Known: true} }, true},
		{"root outside the child's group", func(int) ipc.Peer { return ipc.Peer{UID: 0, PID: stranger, Known: true} }, false},
		{"the same user outside the group", func(int) ipc.Peer { return ipc.Peer{UID: 1000, PID: stranger, Known: true} }, false},
		{"a pid that is gone", func(int) ipc.Peer { return ipc.Peer{UID: 0, PID: 7777, Known: true} }, false},
		{"no peer credentials (Windows: the pipe's ACL is the gate)", func(int) ipc.Peer { return ipc.Peer{} }, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, config(t, "", ""), nil)
			h.run()
			child := h.started()
			h.mu.Lock()
			h.groups[stranger] = stranger
			h.groups[inGroup] = child.pid
			h.mu.Unlock()
			h.clk.Advance(3 * time.Second)
			rep := h.request(ipc.Request{Cmd: ipc.CmdReport, Report: &ipc.Report{PID: child.pid,
				Records: []ipc.RecordStatus{{Name: "home.example.test", Type: "A", Address: "192.0.2.7"}}}}, tc.peer(child.pid))
			st := h.status()
			hb := h.app.sup.Snapshot().LastHeartbeat
			if tc.accept {
				if !rep.OK || len(st.Records) != 1 || hb.IsZero() {
					t.Errorf("accepted report: reply %+v, records %+v, heartbeat %v", rep, st.Records, hb)
				}
				return
			}
			if rep.OK || !strings.Contains(rep.Error, "not the supervised updater") {
				t.Errorf("reply %+v, want a refusal", rep)
			}
			if len(st.Records) != 0 || st.Child.LastReportAgeSeconds != 0 || !hb.IsZero() {
				t.Errorf("a refused report reached status %+v / %+v or the watchdog (heartbeat %v)", st.Records, st.Child, hb)
			}
		})
	}
}

// TestForgedReportDoesNotFeedWatchdog: a report from root outside the
// child's group, sent just before the watchdog period ends, does not keep a
// silent child alive: the watchdog still restarts it on time.
func TestForgedReportDoesNotFeedWatchdog(t *testing.T) {
	h := newHarness(t, config(t, `watchdog = "10s"`, ""), nil)
	h.run()
	first := h.started()
	h.mu.Lock()
	h.groups[5000] = 5000
	h.mu.Unlock()
	h.clk.Advance(9 * time.Second)
	rep := h.request(ipc.Request{Cmd: ipc.CmdReport, Report: &ipc.Report{PID: first.pid}}, ipc.Peer{UID: 0, PID: 5000, Known: true})
	if rep.OK {
		t.Fatalf("the forged report was accepted: %+v", rep)
	}
	h.clk.Advance(time.Second)
	second := h.started()
	snap := h.app.sup.Snapshot()
	found := false
	for _, e := range snap.Events {
		found = found || e.Kind == supervise.EventWatchdog && e.PID == first.pid
	}
	if second.pid == first.pid || !found {
		t.Errorf("no watchdog restart at 10s after a forged report: %+v", snap.Events)
	}
}

// TestChildReportFeedsWatchdog is the control for the test above: the
// child's own report at 9s moves the watchdog's deadline to 19s.
func TestChildReportFeedsWatchdog(t *testing.T) {
	h := newHarness(t, config(t, `watchdog = "10s"`, ""), nil)
	h.run()
	first := h.started()
	h.clk.Advance(9 * time.Second)
	if rep := h.request(ipc.Request{Cmd: ipc.CmdReport, Report: &ipc.Report{PID: first.pid}}, ipc.Peer{UID: 0, PID: first.pid, Known: true}); !rep.OK {
		t.Fatalf("the child's report refused: %+v", rep)
	}
	if hb := h.app.sup.Snapshot().LastHeartbeat; !hb.Equal(start.Add(9 * time.Second)) {
		t.Errorf("heartbeat %v, want the report's time %v", hb, start.Add(9*time.Second))
	}
	h.clk.Advance(9 * time.Second) // 18s: within the new period
	h.noStart("a report at 9s, now 18s")
	h.clk.Advance(time.Second) // 19s: the silent period is over
	if second := h.started(); second.pid == first.pid {
		t.Errorf("restarted the same pid %d", second.pid)
	}
}
