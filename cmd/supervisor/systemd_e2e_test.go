//go:build linux

package main

import (
	"net"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/testsupport/e2e"
)

// TestSystemdReadyWhileNetworkDown: under a Type=notify unit the
// supervisor says READY=1 once it serves, though the updater cannot start
// (its network probe fails, as at a boot without network), so systemd's
// start timeout never kills it; STATUS= names the updater's state.
func TestSystemdReadyWhileNetworkDown(t *testing.T) {
	e := newEnv(t, "[supervisor]\ncommand = [\"@SELF@\"]\n[probe]\ntcp = [\"127.0.0.1:1\"]\ndns = []\ninterval = \"1s\"\n")
	name := filepath.Join(e.Dir, "notify.sock")
	pc, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	e.Start("DDNS_TEST_CHILD=hang", ipc.EnvNotifySocket+"="+name)
	var got []string
	ready, waiting := false, false
	buf := make([]byte, 4096)
	for !ready || !waiting {
		if err := pc.SetReadDeadline(time.Now().Add(20 * time.Second)); err != nil {
			t.Fatal(err)
		}
		n, err := pc.Read(buf)
		if err != nil {
			t.Fatalf("from the supervisor: %q, then %v; want READY=1 and a waiting-network STATUS", got, err)
		}
		d := string(buf[:n])
		got = append(got, d)
		ready = ready || strings.Contains(d, "READY=1")
		waiting = waiting || strings.Contains(d, "STATUS=updater waiting-network")
	}
	if st, ok := e.Status(); !ok || st.Child.State != "waiting-network" {
		t.Errorf("child %+v, want it waiting for the network while the supervisor is ready", st.Child)
	}
}

// TestSupervisorFreezeSparesChild: a supervisor stopped (SIGSTOP) for
// longer than the watchdog and then continued does not kill its reporting
// child: the time it was frozen does not count against the child.
func TestSupervisorFreezeSparesChild(t *testing.T) {
	e := newEnv(t, "[supervisor]\ncommand = [\"@SELF@\"]\nwatchdog = \"3s\"\n[probe]\nenabled = false\n")
	// The child reports at a third of the period, as the updater does.
	e.Start("DDNS_TEST_CHILD=report", "DDNS_TEST_PACE=1s")
	st := e.WaitStatus("a report", 20*time.Second, func(st ipc.Status) bool { return len(st.Records) == 1 })
	pid := st.Child.PID
	for i := 0; i < 3; i++ {
		e.Process.Signal(syscall.SIGSTOP)
		// The stimulus, not a synchronisation: the supervisor stays frozen
		// for longer than one watchdog period.
		<-time.After(4 * time.Second)
		e.Process.Signal(syscall.SIGCONT)
		// A watchdog period after the resume the same child still runs.
		if e2e.Eventually(3*time.Second, func() bool {
			st, _ = e.Status()
			return st.Child.PID != pid || st.Child.State != "running"
		}) {
			t.Fatalf("freeze %d: the child was restarted after the supervisor's freeze: %+v", i+1, st.Events)
		}
	}
}
