//go:build !windows

package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/hashicorp/go-hclog"
)

// handleSignals: SIGINT and SIGTERM stop (the child first), SIGHUP reloads.
func handleSignals(ctx context.Context, stop func(), reload func(), logger hclog.Logger) func() {
	ch := make(chan os.Signal, 4)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-done:
				return
			case s := <-ch:
				if s == syscall.SIGHUP {
					logger.Info("SIGHUP: reloading the config")
					reload()
					continue
				}
				logger.Info("signal received; stopping the updater, then exiting", "signal", s.String())
				stop()
			}
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}

// elevated reports whether we run as root.
func elevated() bool { return os.Geteuid() == 0 }
