package daemon

import (
	"net"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ddnsd/ddns/configs"
	"github.com/ddnsd/ddns/ipc"
	"github.com/ddnsd/ddns/supervise"
)

// heldStarter is a fakeStarter whose first Start waits until the test
// releases it: the child has not started while the test looks.
type heldStarter struct {
	*fakeStarter
	release chan struct{}
}

func (s heldStarter) Start(cmd supervise.Command) (supervise.Process, error) {
	<-s.release
	return s.fakeStarter.Start(cmd)
}

// notifySocket is a fake systemd: a unixgram socket named by
// $NOTIFY_SOCKET whose datagrams the test reads.
func notifySocket(t *testing.T) *net.UnixConn {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("no systemd notify socket on Windows")
	}
	name := filepath.Join(t.TempDir(), "notify.sock")
	pc, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	t.Setenv(ipc.EnvNotifySocket, name)
	return pc
}

// nextDatagram reads datagrams until one contains want, failing after wait.
func nextDatagram(t *testing.T, pc *net.UnixConn, want string) string {
	t.Helper()
	buf := make([]byte, 4096)
	var seen []string
	for {
		if err := pc.SetReadDeadline(time.Now().Add(wait)); err != nil {
			t.Fatal(err)
		}
		n, err := pc.Read(buf)
		if err != nil {
			t.Fatalf("no datagram with %q from the supervisor (%v); seen %q", want, err, seen)
		}
		got := string(buf[:n])
		if strings.Contains(got, want) {
			return got
		}
		seen = append(seen, got)
	}
}

// TestSystemdReadyWhenServing: READY=1 reaches $NOTIFY_SOCKET once the
// control socket is up, while the child has not even started (at boot it
// may wait for the network for longer than systemd's start timeout); then
// STATUS= follows the child's state: running, and waiting-config after an
// exit 2. Every STATUS stays on one line.
func TestSystemdReadyWhenServing(t *testing.T) {
	pc := notifySocket(t)
	var listening atomic.Bool
	hold := make(chan struct{})
	d := configs.Defaults()
	d.Probe.Enabled = false
	h := newHarness(t, &d, nil, func(o *Options) {
		o.SdNotify = nil // the real one, to the fake systemd
		o.Starter = heldStarter{fakeStarter: o.Starter.(*fakeStarter), release: hold}
		o.ListenControl = func(ipc.ServerOptions) (ControlServer, error) {
			listening.Store(true)
			return idleServer{}, nil
		}
	})
	h.run()
	got := nextDatagram(t, pc, "READY=1")
	if !listening.Load() {
		t.Errorf("READY=1 before the control socket was opened: %q", got)
	}
	h.starter.mu.Lock()
	n := len(h.starter.procs)
	h.starter.mu.Unlock()
	if n != 0 {
		t.Errorf("READY=1 came after the child started; want it while the child has not started")
	}
	close(hold)
	p := h.started()
	got = nextDatagram(t, pc, "STATUS=updater running")
	if !strings.Contains(got, "pid 100") {
		t.Errorf("running status %q does not name the child's pid", got)
	}
	p.exitWith(int(ipc.ExitConfig))
	got = nextDatagram(t, pc, "STATUS=updater waiting-config")
	if strings.Count(got, "\n") != 0 {
		t.Errorf("status %q spans lines", got)
	}
}

// TestSystemdStatusValueOneLine: a detail with newlines (an error text)
// cannot start another assignment in the datagram.
func TestSystemdStatusValueOneLine(t *testing.T) {
	got := eventStatus(supervise.Event{State: supervise.StateBackoff, Detail: "bad\nREADY=1\n  again"})
	if v := statusValue(got); v != "updater backoff: bad READY=1 again" {
		t.Errorf("statusValue = %q", v)
	}
}
