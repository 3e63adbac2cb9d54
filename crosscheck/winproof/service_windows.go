package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/mgr"
)

const serviceName = "ddns-supervisor"

// service drives the Windows service through install, start, status, stop
// and uninstall, all from this one process: a wine service dies when the
// last non-service wine process exits. -config names the service's config,
// whose [log] file the stop check reads; the config sets no socket, so the
// CLI must find the service's pipe by itself.
func (d *driver) service() error {
	logFile := configLogFile(d.config)
	t0 := time.Now()
	out, err := d.cliWant(0, "install", "--target", "windows-service", "--enable")
	if err != nil {
		return err
	}
	step("service install", "exit 0 in %s: %s", ms(time.Since(t0)), strings.Join(strings.Fields(out), " "))
	m, err := mgr.Connect()
	if err != nil {
		return fmt.Errorf("cannot connect to the service manager: %w", err)
	}
	defer m.Disconnect()
	s, err := m.OpenService(serviceName)
	if err != nil {
		return fmt.Errorf("the installed service cannot be opened: %w", err)
	}
	defer s.Close()
	desc, delayed, err := serviceSettings(s.Handle)
	if err != nil {
		return err
	}
	sc, err := queryConfig(s.Handle)
	if err != nil {
		return err
	}
	step("service config", "start type %d (2 = automatic), delayed start %s, binary %s, description %q", sc.StartType, delayed, windows.UTF16PtrToString(sc.BinaryPathName), desc)
	if sc.StartType != mgr.StartAutomatic || !strings.Contains(windows.UTF16PtrToString(sc.BinaryPathName), " service ") || !strings.Contains(desc, "supervisor install") {
		return fmt.Errorf("the service is not registered as automatic, running `supervisor service`, with the marker")
	}
	if acts, err := s.RecoveryActions(); err == nil {
		step("service recovery", "%d recovery actions read back", len(acts))
	} else {
		step("service recovery", "not readable here (%v); wine accepts SetRecoveryActions and does nothing", err)
	}
	took, err := waitState(s, svc.Running, 60*time.Second)
	if err != nil {
		return err
	}
	step("service running", "SERVICE_RUNNING %s after install began", ms(time.Since(t0)))
	_ = took

	// status through the CLI, which finds the service's pipe itself.
	start := time.Now()
	for {
		code, o := d.cli("status")
		if code == 0 && strings.Contains(o, "203.0.113.5") {
			step("service status", "exit 0 %s after SERVICE_RUNNING, record: %s", ms(time.Since(start)), strings.Join(strings.Fields(grepLine(o, "home.example.com")), " "))
			break
		}
		if time.Since(start) > 60*time.Second {
			return fmt.Errorf("supervisor status against the service never exited 0 with the record: exit %d\n%s", code, o)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Stop: the supervisor must stop the updater gracefully.
	t1 := time.Now()
	if _, err := s.Control(svc.Stop); err != nil {
		return fmt.Errorf("cannot stop the service: %w", err)
	}
	if _, err := waitState(s, svc.Stopped, 60*time.Second); err != nil {
		return err
	}
	stopTook := time.Since(t1)
	b, _ := os.ReadFile(logFile)
	if !strings.Contains(string(b), "supervisor shutting down (exit code 0)") {
		return fmt.Errorf("after the service stopped, the log %s shows no graceful child exit:\n%s", logFile, tail(string(b), 15))
	}
	step("service stop", "SERVICE_STOPPED %s after Stop; the updater exited 0 (its stop event)", ms(stopTook))

	t2 := time.Now()
	out, err = d.cliWant(0, "uninstall", "--target", "windows-service")
	if err != nil {
		return err
	}
	s.Close()
	if gone, err := m.OpenService(serviceName); err == nil {
		gone.Close()
		return fmt.Errorf("the service still exists after uninstall:\n%s", out)
	} else if !errors.Is(err, windows.ERROR_SERVICE_DOES_NOT_EXIST) {
		return fmt.Errorf("after uninstall, opening the service: %w, want it gone", err)
	}
	step("service uninstall", "exit 0 in %s; the service is gone: %s", ms(time.Since(t2)), strings.Join(strings.Fields(out), " "))
	return nil
}

// waitState polls the service until it reaches want.
func waitState(s *mgr.Service, want svc.State, limit time.Duration) (time.Duration, error) {
	start := time.Now()
	for time.Since(start) < limit {
		st, err := s.Query()
		if err == nil && st.State == want {
			return time.Since(start), nil
		}
		time.Sleep(20 * time.Millisecond) // the service manager offers no wait
	}
	return 0, fmt.Errorf("the service did not reach state %d within %s", want, limit)
}

// configLogFile reads the [log] file line of the config the cross check wrote.
func configLogFile(config string) string {
	b, err := os.ReadFile(config)
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok && strings.TrimSpace(k) == "file" {
			return strings.Trim(strings.TrimSpace(v), `'"`)
		}
	}
	return ""
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func queryConfig(h windows.Handle) (*windows.QUERY_SERVICE_CONFIG, error) {
	n := uint32(1024)
	for {
		b := make([]byte, n)
		p := (*windows.QUERY_SERVICE_CONFIG)(unsafe.Pointer(&b[0]))
		err := windows.QueryServiceConfig(h, p, n, &n)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, windows.ERROR_INSUFFICIENT_BUFFER) || n <= uint32(len(b)) {
			return nil, err
		}
	}
}

// serviceSettings reads the description and, where supported, the delayed
// start flag ("unsupported" under wine).
func serviceSettings(h windows.Handle) (string, string, error) {
	b := make([]byte, 8192)
	var n uint32
	if err := windows.QueryServiceConfig2(h, windows.SERVICE_CONFIG_DESCRIPTION, &b[0], uint32(len(b)), &n); err != nil {
		return "", "", fmt.Errorf("cannot read the service's description: %w", err)
	}
	desc := windows.UTF16PtrToString((*windows.SERVICE_DESCRIPTION)(unsafe.Pointer(&b[0])).Description)
	delayed := "unsupported here"
	d := make([]byte, 64)
	if err := windows.QueryServiceConfig2(h, windows.SERVICE_CONFIG_DELAYED_AUTO_START_INFO, &d[0], uint32(len(d)), &n); err == nil {
		delayed = fmt.Sprint((*windows.SERVICE_DELAYED_AUTO_START_INFO)(unsafe.Pointer(&d[0])).IsDelayedAutoStartUp != 0)
	}
	return desc, delayed, nil
}
