package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/hashicorp/go-hclog"

	"github.com/ddnsd/ddns/supervise"
)

// startReaper reaps orphaned zombies when orphans are re-parented to us:
// as PID 1 (a container's init), where every orphan of the tree comes to
// us, and as a child subreaper, where the child's escaped descendants do.
// It never waits for a process the starter owns (the supervised child),
// whose exit status belongs to the starter: supervise.ReapOrphans skips
// them, and holds its lock across each fork so no child is seen before it
// is registered. child is kept for the signature other systems share.
func startReaper(ctx context.Context, child func() int, logger hclog.Logger) func() {
	if os.Getpid() != 1 && !supervise.IsSubreaper() {
		return func() {}
	}
	ch := make(chan os.Signal, 16)
	signal.Notify(ch, syscall.SIGCHLD)
	done := make(chan struct{})
	go func() {
		// Orphans that died before we listened are reaped now too.
		supervise.ReapOrphans()
		for {
			select {
			case <-ctx.Done():
				return
			case <-done:
				return
			case <-ch:
				if n := supervise.ReapOrphans(); n > 0 {
					logger.Debug("reaped orphaned processes", "count", n)
				}
			}
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}
