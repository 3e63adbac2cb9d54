package install

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The Windows service target. Unlike the other targets it writes no file:
// the service manager keeps the registration, which Install makes through
// its API (service_windows.go) and --print shows as the equivalent sc.exe
// commands. The description carries the marker, so Uninstall deletes only
// a service Install created.

// serviceDisplayName is what services.msc lists.
const serviceDisplayName = "DDNS supervisor"

// serviceRecovery is what the service manager does when the supervisor
// process itself dies (the supervisor keeps the updater alive; this keeps
// the supervisor alive): restart it after 5 s, then 10 s, then every 30 s,
// the failure count resetting after a day without one.
var serviceRecovery = []time.Duration{5 * time.Second, 10 * time.Second, 30 * time.Second}

const serviceRecoveryReset = 24 * time.Hour

// serviceDescription is the service's description, with the marker.
func serviceDescription() string {
	return fmt.Sprintf("Keeps the dynamic-DNS updater running. %s; \"supervisor uninstall\" removes it.", marker)
}

// serviceArgs is the service's command line after the program: the
// explicit service entry point, which talks to the service manager.
func serviceArgs(r resolved) []string {
	args := []string{"service", "--name", r.Name}
	if r.Config != "" {
		args = append(args, "--config", r.Config)
	}
	return args
}

// serviceCommandLine is the binPath sc.exe takes: the program and its
// arguments quoted as Windows splits them.
func serviceCommandLine(r resolved) string {
	parts := []string{winQuote(r.Binary)}
	for _, a := range serviceArgs(r) {
		if strings.ContainsAny(a, " \t\"") || a == "" {
			a = winQuote(a)
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

func servicePlan(r resolved) (plan, error) {
	actions := make([]string, 0, len(serviceRecovery))
	for _, d := range serviceRecovery {
		actions = append(actions, "restart/"+strconv.FormatInt(d.Milliseconds(), 10))
	}
	create := []string{"sc.exe", "create", r.Name, "binPath=", serviceCommandLine(r), "start=", "delayed-auto", "DisplayName=", serviceDisplayName}
	return plan{
		activate: func(change) []step {
			return []step{
				cmd(create...),
				cmd("sc.exe", "description", r.Name, serviceDescription()),
				cmd("sc.exe", "failure", r.Name, "reset=", strconv.Itoa(int(serviceRecoveryReset/time.Second)), "actions=", strings.Join(actions, "/")),
				// Also a non-zero exit counts as a failure, not only a crash.
				cmd("sc.exe", "failureflag", r.Name, "1"),
				cmd("sc.exe", "start", r.Name),
			}
		},
		deactivate: []step{
			tolerated("the service was not running", "sc.exe", "stop", r.Name),
			cmd("sc.exe", "delete", r.Name),
		},
		installNotes: []string{
			"The service runs as LocalSystem: its control pipe is " + `\\.\pipe\ddns-supervisor-service` + ", which `supervisor status` finds from an administrator's shell.",
		},
	}, nil
}
