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

	"github.com/ddnsd/ddns/clidoc"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	progName = clidoc.NameFromArgv0(os.Args[0], "supervisor")
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches a subcommand and returns the process exit code. Help is
// answered here for every command in the table, before the command runs:
// `supervisor COMMAND -h`, `-help` or `--help` prints the command's help
// to stdout and exits 0. The usage on a bad command comes from the same
// table (commands.go).
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintf(stderr, "%s: name a command\n", progName)
		program.WriteUsageError(stderr, progName, nil)
		return 2
	}
	cmd, rest := args[0], args[1:]
	if c := program.Lookup(cmd); c != nil && c != helpCommand && wantsHelp(c, rest) {
		program.WriteCommandHelp(stdout, progName, c)
		return 0
	}
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
	case "man":
		return cmdMan(rest, stdout, stderr)
	case "completion":
		return cmdCompletion(rest, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "supervisor %s\n", version)
		return 0
	case "help", "-h", "-help", "--help":
		return cmdHelp(rest, stdout, stderr)
	}
	fmt.Fprintf(stderr, "%s: unknown command %q\n", progName, cmd)
	program.WriteUsageError(stderr, progName, nil)
	return 2
}
