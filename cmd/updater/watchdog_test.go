package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ddnsd/ddns/ipc"
)

// reportSocket serves a supervisor's socket that acknowledges every report
// and passes it on.
func reportSocket(t *testing.T, dir string, reports chan<- ipc.Report) string {
	t.Helper()
	sock := filepath.Join(dir, ipc.SocketFileName)
	srv, err := ipc.Listen(ipc.ServerOptions{Path: sock, Handler: func(ctx context.Context, req ipc.Request, _ ipc.Peer, w ipc.ReplyWriter) {
		if req.Cmd == ipc.CmdReport && req.Report != nil {
			select {
			case reports <- *req.Report:
			default:
			}
			_ = w.Send(ipc.Reply{OK: true})
			return
		}
		_ = w.Send(ipc.Reply{Error: "only reports here"})
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go srv.Serve(ctx)
	t.Cleanup(func() { cancel(); srv.Close() })
	return sock
}

// The supervisor's watchdog period, given in DDNS_WATCHDOG_USEC, sets the
// updater's report heartbeat to a third of it. Before, the updater reported
// every 30 s whatever the period, and a watchdog of 30 s or less killed it.
func TestSupervisorWatchdogSetsTheHeartbeat(t *testing.T) {
	dir := t.TempDir()
	reports := make(chan ipc.Report, 100)
	sock := reportSocket(t, dir, reports)
	cmd := exec.Command(updaterBin) // the built-in default config runs offline
	cmd.Env = append(env(dir), ipc.EnvSocket+"="+sock, ipc.EnvWatchdogUSec+"=900000")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	// The first pass's report, then heartbeats every 300 ms: the reports'
	// own times are well under the 5 s of a retry pass or the 30 s of the
	// default heartbeat apart.
	var last ipc.Report
	deadline := time.After(20 * time.Second)
	for n := 0; n < 5; n++ {
		select {
		case rep := <-reports:
			if n > 0 {
				if gap := rep.At.Sub(last.At); gap > 2*time.Second {
					t.Fatalf("report %d came %s after the one before; want about 300ms (a third of 900ms)", n, gap)
				}
			}
			last = rep
		case <-deadline:
			t.Fatalf("%d reports within 20s; want 5 at a 300ms heartbeat", n)
		}
	}
}
