// Command supervisor is the one startup entry of the DDNS updater: it runs
// the updater as its child and keeps it alive, answers `supervisor status`
// and control commands on a local socket, and installs itself as a systemd
// unit, a launchd agent, a Windows scheduled task or a Startup-folder entry.
//
// This file and its siblings are wiring only: flags, the config, the
// logger, signals, the socket's lock and mapping errors to exit codes. The
// application (reloads, status, reports, probes, notifications) lives in
// package daemon, the child's lifecycle in supervise, the protocol in ipc.
package main

import (
	"fmt"
	"io"
	"os"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

const usage = `usage: supervisor COMMAND [flags]

commands:
  run        [--config PATH]            run in the foreground and keep the updater alive
  status     [--json] [--events N|all] [--config PATH | --socket PATH]
                                        show the child, network, records and the
                                        last events (20 unless --events asks)
                                        (exit 0 running, 3 not running, 4 no supervisor)
  start | stop | restart | reload | update-now [--socket PATH]
  logs       [-n N] [-f] [--socket PATH] show the updater's last output lines
  check      [--config PATH]            validate and print the effective config, secrets masked
  install    [--print] [--target T] [--config PATH] [--enable] [--binary PATH | --no-copy] [--bin-dir DIR]
                                        copy both binaries to /usr/local/bin (~/.local/bin for a user)
                                        and make the copy the startup entry (install --help says more)
  uninstall  [--print] [--target T] [--bin-dir DIR]
  service    [--config PATH] [--name N]  (Windows) the entry point the service manager runs
  import-ddns-go FILE [--out PATH] [--secrets-dir DIR]
                                        write a ddns-go YAML config as this program's TOML
  version

install targets: systemd, systemd-user, launchd, windows-service, windows-task, windows-startup
`

// run dispatches a subcommand and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return cmdRun(rest, stdout, stderr)
	case "status":
		return cmdStatus(rest, stdout, stderr)
	case "start", "stop", "restart", "reload", "update-now":
		return cmdControl(cmd, rest, stdout, stderr)
	case "logs":
		return cmdLogs(rest, stdout, stderr)
	case "history":
		return cmdHistory(rest, stdout, stderr)
	case "check":
		return cmdCheck(rest, stdout, stderr)
	case "service":
		return cmdService(rest, stdout, stderr)
	case "install":
		return cmdInstall(rest, stdout, stderr, false)
	case "uninstall":
		return cmdInstall(rest, stdout, stderr, true)
	case "import-ddns-go":
		return cmdImportDdnsGo(rest, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "supervisor %s\n", version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "supervisor: unknown command %q\n\n%s", cmd, usage)
	return 2
}
