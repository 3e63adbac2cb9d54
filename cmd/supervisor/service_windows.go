package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
)

// cmdService is `supervisor service`, the entry point `supervisor install
// --target windows-service` registers: it runs the supervisor under the
// service manager, reports SERVICE_RUNNING once the control pipe listens,
// and on Stop or Shutdown stops the updater gracefully (its stop event)
// before reporting SERVICE_STOPPED. It is explicit rather than detected
// (svc.IsWindowsService) because that detection fails under wine, and a
// service entry point is better named than guessed. Logs go to the rotated
// log file ([log] file, else %ProgramData%\ddns\supervisor.log): a service
// has no console.
func cmdService(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("service", stderr)
	config, name := serviceFlags(fs)
	if !fs.parse(args) {
		return 2
	}
	var runArgs []string
	if *config != "" {
		runArgs = []string{"--config", *config}
	}
	stopHint := 20 * time.Second
	if cfg, err := loadConfig(resolveConfigPath(*config)); err == nil {
		stopHint = cfg.Supervisor.StopTimeout.Duration + 10*time.Second
	}
	h := &serviceHandler{args: runArgs, stdout: stdout, stderr: stderr, stopHint: stopHint}
	if err := svc.Run(*name, h); err != nil {
		if errors.Is(err, windows.ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
			fmt.Fprintf(stderr, "supervisor service: not started by the service manager; in a console use `supervisor run`, or install the service with `supervisor install --target windows-service`\n")
			return 2
		}
		fmt.Fprintf(stderr, "supervisor service: %v\n", err)
		return 1
	}
	return h.code
}

// serviceHandler runs the supervisor for the service manager.
type serviceHandler struct {
	args           []string
	stdout, stderr io.Writer
	stopHint       time.Duration
	code           int
}

// Execute reports StartPending, runs the supervisor, reports Running once
// it serves, and turns Stop and Shutdown into the graceful stop that
// SIGTERM is on Unix. A supervisor that ends on its own (it could not
// start) reports a service-specific exit code, so the recovery actions
// restart it.
func (h *serviceHandler) Execute(_ []string, req <-chan svc.ChangeRequest, status chan<- svc.Status) (bool, uint32) {
	status <- svc.Status{State: svc.StartPending, WaitHint: 30_000}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	serving := make(chan struct{})
	var once sync.Once
	done := make(chan int, 1)
	go func() {
		done <- runSupervisor(ctx, "service", h.args, h.stdout, h.stderr, func() { once.Do(func() { close(serving) }) })
	}()
	const accepts = svc.AcceptStop | svc.AcceptShutdown
	running := svc.Status{State: svc.StartPending}
	for {
		select {
		case <-serving:
			running = svc.Status{State: svc.Running, Accepts: accepts}
			status <- running
			serving = nil
		case code := <-done:
			h.code = code
			if code != 0 {
				return true, uint32(code)
			}
			return false, 0
		case c := <-req:
			switch c.Cmd {
			case svc.Interrogate:
				status <- running
			case svc.Stop, svc.Shutdown:
				status <- svc.Status{State: svc.StopPending, WaitHint: uint32(h.stopHint / time.Millisecond)}
				cancel()
				h.code = <-done
				if h.code != 0 {
					return true, uint32(h.code)
				}
				return false, 0
			}
		}
	}
}
