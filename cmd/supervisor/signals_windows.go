package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/sys/windows"
)

// handleSignals: Ctrl-C and Ctrl-Break (and service stop) end the supervisor
// after it stopped its child. Windows has no SIGHUP: use `supervisor reload`.
func handleSignals(ctx context.Context, stop func(), reload func(), logger hclog.Logger) func() {
	ch := make(chan os.Signal, 2)
	// Go reports console close, logoff and shutdown as SIGTERM.
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
		case <-done:
		case <-ch:
			logger.Info("interrupt received; stopping the updater, then exiting")
			stop()
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}

// elevated reports whether the process token is elevated (administrator).
func elevated() bool { return windows.GetCurrentProcessToken().IsElevated() }
