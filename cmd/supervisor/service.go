package main

import (
	"github.com/ddnsd/ddns/clidoc"
	"github.com/ddnsd/ddns/install"
)

var serviceCommand = &clidoc.Command{
	Name:    "service",
	Summary: "(Windows) the entry point the service manager runs",
	Flags:   flagsOf(cmdService),
	Help: "On Windows, run the supervisor as a service: what `supervisor install --target windows-service` " +
		"registers, and what the service manager starts. It reports the service running once the control pipe " +
		"serves, and on Stop or Shutdown stops the updater gracefully before it reports the service stopped. It " +
		"logs to [log] file, else %ProgramData%\\ddns\\supervisor.log, since a service has no console. Started " +
		"by hand it exits 2; in a console use `supervisor run`. On other systems the service manager (systemd, " +
		"launchd) runs `supervisor run`, and this command only exits 2.",
	Exits: []clidoc.Exit{
		{Code: 0, Means: "The service stopped cleanly."},
		{Code: 1, Means: "The supervisor could not run."},
		{Code: 2, Means: "Not started by the service manager, or not on Windows, or a usage error."},
	},
}

// serviceFlags are the flags of `supervisor service`, defined on every
// system so that its help and man page are the same everywhere.
func serviceFlags(fs flagSet) (config, name *string) {
	config = fs.String("config", "", "Run on the config file at `PATH`. Without it, the file the lookup order finds, as for run.")
	name = fs.String("name", install.DefaultName, "The service's `NAME`, as installed.")
	return config, name
}
