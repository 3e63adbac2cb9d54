package main

import (
	"context"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/windows"

	"github.com/ddnsd/ddns/ipc"
)

// supervisorEvents waits on the events the supervisor handed down (see
// ipc.EnvStopEvent): the stop event ends the returned context, as SIGTERM
// does on Unix, and the update event asks for a pass, as SIGHUP does. A
// supervisor running as a service has no console, so these are the only
// way it can reach this process gracefully. Without the variables (not
// supervised) ctx is returned as it is. The returned func stops waiting.
func supervisorEvents(ctx context.Context, hup chan<- os.Signal) (context.Context, func()) {
	stopEv := inheritedEvent(ipc.EnvStopEvent)
	updateEv := inheritedEvent(ipc.EnvUpdateEvent)
	if stopEv == 0 && updateEv == 0 {
		return ctx, func() {}
	}
	quit, err := windows.CreateEvent(nil, 1, 0, nil)
	if err != nil {
		return ctx, func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	handles := []windows.Handle{quit}
	if stopEv != 0 {
		handles = append(handles, stopEv)
	}
	if updateEv != 0 {
		handles = append(handles, updateEv)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			w, err := windows.WaitForMultipleObjects(handles, false, windows.INFINITE)
			if err != nil || w < windows.WAIT_OBJECT_0 || int(w-windows.WAIT_OBJECT_0) >= len(handles) {
				return
			}
			switch handles[w-windows.WAIT_OBJECT_0] {
			case quit:
				return
			case stopEv:
				cancel()
				return
			case updateEv:
				select {
				case hup <- syscall.SIGHUP:
				default: // a pass is already pending
				}
			}
		}
	}()
	return ctx, func() {
		_ = windows.SetEvent(quit)
		<-done
		windows.CloseHandle(quit)
		cancel()
	}
}

// inheritedEvent is the handle named by the environment variable, or 0.
func inheritedEvent(name string) windows.Handle {
	v := os.Getenv(name)
	if v == "" {
		return 0
	}
	h, err := strconv.ParseUint(v, 10, 64)
	if err != nil || h == 0 {
		return 0
	}
	return windows.Handle(h)
}
