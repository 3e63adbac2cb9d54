package install

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/mgr"
)

// installService registers (or updates) the service through the service
// manager's API: automatic delayed start, the description with the marker,
// recovery actions that restart the supervisor if it dies; with Enable it
// also starts it. It refuses to touch a same-named service that Install did
// not create.
func installService(r resolved) (Result, error) {
	var res Result
	m, err := mgr.Connect()
	if err != nil {
		return res, fmt.Errorf("cannot connect to the service manager (installing a service needs an administrator's shell): %w", err)
	}
	defer m.Disconnect()
	cfg := mgr.Config{
		ServiceType:  windows.SERVICE_WIN32_OWN_PROCESS,
		StartType:    mgr.StartAutomatic,
		ErrorControl: mgr.ErrorNormal,
		DisplayName:  serviceDisplayName,
		Description:  serviceDescription(),
	}
	s, err := m.OpenService(r.Name)
	switch {
	case err == nil:
		desc, derr := serviceDescriptionOf(s.Handle)
		if derr != nil {
			s.Close()
			return res, fmt.Errorf("cannot read the existing service %s: %w", r.Name, derr)
		}
		if !strings.Contains(desc, marker) {
			s.Close()
			return res, fmt.Errorf("a service named %s exists and was not installed by supervisor install; remove it or install under another --name", r.Name)
		}
		if err := updateService(s.Handle, r, cfg); err != nil {
			s.Close()
			return res, fmt.Errorf("cannot update the service %s: %w", r.Name, err)
		}
		res.Notes = append(res.Notes, fmt.Sprintf("Updated the existing service %s; a running supervisor keeps its old command line until it restarts.", r.Name))
	case errors.Is(err, windows.ERROR_SERVICE_DOES_NOT_EXIST):
		// Delayed start is set apart from creation: mgr.CreateService
		// deletes the new service when that one setting fails, and wine
		// does not support it.
		if s, err = m.CreateService(r.Name, r.Binary, cfg, serviceArgs(r)...); err != nil {
			return res, fmt.Errorf("cannot create the service %s: %w", r.Name, err)
		}
		res.Notes = append(res.Notes, fmt.Sprintf("Created the service %s (automatic start, as LocalSystem).", r.Name))
	default:
		return res, fmt.Errorf("cannot look up the service %s: %w", r.Name, err)
	}
	if err := setDelayedStart(s.Handle); err != nil {
		res.Notes = append(res.Notes, fmt.Sprintf("Delayed start not set (%v): the service starts with the other automatic ones.", err))
	} else {
		res.Notes = append(res.Notes, "Delayed start: the service starts shortly after the other automatic services, when the network is more likely up.")
	}
	defer s.Close()
	actions := make([]mgr.RecoveryAction, 0, len(serviceRecovery))
	for _, d := range serviceRecovery {
		actions = append(actions, mgr.RecoveryAction{Type: mgr.ServiceRestart, Delay: d})
	}
	if err := s.SetRecoveryActions(actions, uint32(serviceRecoveryReset/time.Second)); err != nil {
		res.Notes = append(res.Notes, fmt.Sprintf("Recovery actions not set (%v): Windows will not restart the supervisor if it dies.", err))
	} else if err := s.SetRecoveryActionsOnNonCrashFailures(true); err != nil {
		res.Notes = append(res.Notes, fmt.Sprintf("Recovery on a non-zero exit not set (%v): only a crash restarts the supervisor.", err))
	}
	start := []string{"sc.exe", "start", r.Name}
	if !r.Enable {
		res.Commands = append(res.Commands, start)
		res.Notes = append(res.Notes, "Not started: run the listed command, or install again with --enable; it starts by itself at the next boot.")
		return res, nil
	}
	if st, err := s.Query(); err == nil && st.State == svc.Running {
		res.Notes = append(res.Notes, "The service was already running.")
		return res, nil
	}
	if err := s.Start(); err != nil {
		return res, fmt.Errorf("the service %s is installed but does not start: %w", r.Name, err)
	}
	res.Commands = append(res.Commands, start)
	return res, nil
}

// uninstallService stops the service (waiting for the supervisor to stop
// its child) and deletes it, only if Install created it.
func uninstallService(r resolved) (Result, error) {
	var res Result
	m, err := mgr.Connect()
	if err != nil {
		return res, fmt.Errorf("cannot connect to the service manager (removing a service needs an administrator's shell): %w", err)
	}
	defer m.Disconnect()
	s, err := m.OpenService(r.Name)
	if errors.Is(err, windows.ERROR_SERVICE_DOES_NOT_EXIST) {
		res.Notes = append(res.Notes, fmt.Sprintf("Nothing to remove: there is no service %s.", r.Name))
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("cannot open the service %s: %w", r.Name, err)
	}
	defer s.Close()
	desc, err := serviceDescriptionOf(s.Handle)
	if err != nil {
		return res, fmt.Errorf("cannot read the service %s: %w", r.Name, err)
	}
	if !strings.Contains(desc, marker) {
		return res, fmt.Errorf("the service %s was not installed by supervisor install (its description lacks %q), so uninstall leaves it alone", r.Name, marker)
	}
	if st, err := s.Control(svc.Stop); err == nil {
		res.Commands = append(res.Commands, []string{"sc.exe", "stop", r.Name})
		deadline := time.Now().Add(time.Duration(r.stopTimeoutSeconds()) * time.Second)
		for st.State != svc.Stopped && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond) // the service manager offers no wait
			if st, err = s.Query(); err != nil {
				break
			}
		}
		if st.State != svc.Stopped {
			res.Notes = append(res.Notes, fmt.Sprintf("The service did not report stopped within %d s; it is deleted once it stops.", r.stopTimeoutSeconds()))
		}
	} else {
		res.Notes = append(res.Notes, fmt.Sprintf("The service was not running (%v).", err))
	}
	if err := s.Delete(); err != nil {
		return res, fmt.Errorf("cannot delete the service %s: %w", r.Name, err)
	}
	res.Commands = append(res.Commands, []string{"sc.exe", "delete", r.Name})
	res.Removed = append(res.Removed, "service "+r.Name)
	return res, nil
}

// updateService rewrites an existing service's command line, start type and
// description. (mgr's UpdateConfig also sets the SID type and delayed start,
// and fails as a whole where, as under wine, those are not supported.)
func updateService(h windows.Handle, r resolved, c mgr.Config) error {
	bin, err := windows.UTF16PtrFromString(serviceCommandLine(r))
	if err != nil {
		return err
	}
	display, err := windows.UTF16PtrFromString(c.DisplayName)
	if err != nil {
		return err
	}
	if err := windows.ChangeServiceConfig(h, c.ServiceType, c.StartType, c.ErrorControl, bin, nil, nil, nil, nil, nil, display); err != nil {
		return err
	}
	return setDescription(h, c.Description)
}

func setDescription(h windows.Handle, desc string) error {
	p, err := windows.UTF16PtrFromString(desc)
	if err != nil {
		return err
	}
	d := windows.SERVICE_DESCRIPTION{Description: p}
	return windows.ChangeServiceConfig2(h, windows.SERVICE_CONFIG_DESCRIPTION, (*byte)(unsafe.Pointer(&d)))
}

func setDelayedStart(h windows.Handle) error {
	d := windows.SERVICE_DELAYED_AUTO_START_INFO{IsDelayedAutoStartUp: 1}
	return windows.ChangeServiceConfig2(h, windows.SERVICE_CONFIG_DELAYED_AUTO_START_INFO, (*byte)(unsafe.Pointer(&d)))
}

// serviceDescriptionOf reads a service's description alone (mgr's Config
// reads every optional setting, and fails as a whole where one is missing).
func serviceDescriptionOf(h windows.Handle) (string, error) {
	n := uint32(1024)
	for {
		b := make([]byte, n)
		err := windows.QueryServiceConfig2(h, windows.SERVICE_CONFIG_DESCRIPTION, &b[0], n, &n)
		if err == nil {
			return windows.UTF16PtrToString((*windows.SERVICE_DESCRIPTION)(unsafe.Pointer(&b[0])).Description), nil
		}
		if !errors.Is(err, windows.ERROR_INSUFFICIENT_BUFFER) || n <= uint32(len(b)) {
			return "", err
		}
	}
}
