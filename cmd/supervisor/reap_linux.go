package main

import (
	"context"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/hashicorp/go-hclog"
)

// startReaper reaps orphaned zombies when the supervisor is PID 1 (a
// container's init), where every orphan of the tree is re-parented to us.
// It never waits for the supervised child itself, whose status belongs to
// the process starter: it reaps only zombies it finds in /proc that are not
// that child.
func startReaper(ctx context.Context, child func() int, logger hclog.Logger) func() {
	if os.Getpid() != 1 {
		return func() {}
	}
	ch := make(chan os.Signal, 16)
	signal.Notify(ch, syscall.SIGCHLD)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-done:
				return
			case <-ch:
				reapOrphans(child(), logger)
			}
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}

func reapOrphans(child int, logger hclog.Logger) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	me := strconv.Itoa(os.Getpid())
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == child {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// stat: pid (comm) state ppid ...; comm may hold spaces and parens.
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 2 || f[0] != "Z" || f[1] != me {
			continue
		}
		var ws syscall.WaitStatus
		if got, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil); err == nil && got == pid {
			logger.Debug("reaped an orphaned process", "pid", pid)
		}
	}
}
